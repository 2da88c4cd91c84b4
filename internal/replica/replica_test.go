package replica

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// adminPassword is SHOP_ADMIN_PASSWORD of every process.
const adminPassword = "replica-admin-pw"

// lease is SHOPBRIDGE_OUTBOX_LEASE of every process: how long the jobs of
// a killed process wait before another takes them over.
const lease = 30 * time.Second

// exportProducts is the catalogue size for the export cut by SIGTERM: its
// XML (about 1.7 KB per item) is about twice what the socket buffers can
// hold (the reader's receive buffer is small, see smallBufferClient; the
// sender's is at most net.ipv4.tcp_wmem's 4 MiB), so the export is still
// writing when the signal arrives.
const exportProducts = 5000

// harness is the state the subtests share.
type harness struct {
	t   *testing.T
	ctx context.Context
	c   *Cluster
	sg  *shopgatetest.Server
	dh  *dropherotest.Server
	db  *gorm.DB
	bin string
	dir string
	// seed is the one-off run seeding the export's catalogue.
	seed *Shop

	// imported are the order numbers that must be in the database exactly
	// once at the end; shipped those with one delivery note at Shopgate.
	mu       sync.Mutex
	imported map[string]bool
	shipped  map[string]bool
	seq      atomic.Int64
}

// TestReplicas starts three example-shop processes at the same moment on
// one empty PostgreSQL database with the shipped fakes and checks that
// they behave as one shop (docs/architecture.md#replica-harness).
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("replica harness: builds the example shop and runs three processes for about a minute (skipped with -short)")
	}
	dbURL := testdb.NewURL(t)
	dir := t.TempDir()

	buildCtx, cancelBuild := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancelBuild()
	root, err := ModuleRoot(buildCtx)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "shop")
	start := time.Now()
	if err := Build(buildCtx, root, bin, RaceEnabled); err != nil {
		t.Fatal(err)
	}
	t.Logf("built the example shop in %v (race detector: %v)", time.Since(start).Round(time.Millisecond), RaceEnabled)

	// Each step has its own deadline; this one only stops a hung run.
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	sg := shopgatetest.NewUnstartedServer(shopgatetest.WithRateLimit(shopgate.DefaultRequestsPerHour, shopgatetest.DefaultRateLimitCode))
	dh := dropherotest.NewServer()
	t.Cleanup(dh.Close)

	db, err := gorm.Open(postgres.Open(dbURL), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})

	start = time.Now()
	c, err := StartCluster(ctx, Config{
		Bin: bin, Dir: dir, DatabaseURL: dbURL, N: 3,
		Merchant: sg.Handler(), MerchantPath: shopgatetest.DefaultPath,
		CustomerNumber: shopgatetest.DefaultCustomerNumber, ShopNumber: shopgatetest.DefaultShopNumber, APIKey: shopgatetest.DefaultAPIKey,
		DropHeroURL: dh.BaseURL(), DropHeroPublicKey: dropherotest.DefaultPublicKey, DropHeroSecretKey: dropherotest.DefaultSecretKey,
		AdminPassword: adminPassword,
		Env:           []string{"SHOPBRIDGE_OUTBOX_LEASE=" + lease.String()},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		if t.Failed() {
			t.Logf("process logs:\n%s", c.Tails(60))
		}
	})
	t.Logf("three processes started together on an empty database, all ready after %v", time.Since(start).Round(time.Millisecond))

	h := &harness{t: t, ctx: ctx, c: c, sg: sg, dh: dh, db: db, bin: bin, dir: dir,
		imported: map[string]bool{}, shipped: map[string]bool{}}
	h.seq.Store(1100000000)

	t.Run("add_order and update_order across processes", h.orders)
	t.Run("delivery notes reach Shopgate exactly once", h.shipping)
	t.Run("DropHero callback storm keeps DropHero's rate limit", h.dropHeroStorm)
	t.Run("settings set on one process are seen by the others", h.settings)
	t.Run("get_log_file on any process returns all processes' lines", h.logs)
	// The catalogue for the export of the SIGTERM step is seeded by a
	// one-off run of the binary meanwhile.
	h.seed = runOnce(h, "seed", "-seed-products", strconv.Itoa(exportProducts))
	t.Run("SIGKILL mid-burst loses no order and its leases are taken over", h.kill)
	t.Run("SIGTERM mid-export completes the export and exits 0", h.term)
	t.Run("nothing lost or duplicated, fakes saw no violation", h.final)
	if races := c.RaceReports(); len(races) > 0 {
		t.Errorf("race detector reports in %v", races)
	}
}

// newOrder places a new test order at the fake Merchant API and returns
// its number.
func (h *harness) newOrder() string {
	n := strconv.FormatInt(h.seq.Add(1), 10)
	h.sg.AddOrder(shopgatetest.NewTestOrder(n))
	return n
}

// call is one Plugin API call's outcome.
type call struct {
	shop   int
	number string
	a      Answer
	err    error
}

// callAll runs the calls concurrently (at most callers at once) and
// returns their outcomes in order.
func (h *harness) callAll(callers int, shops []int, params []url.Values) []call {
	out := make([]call, len(params))
	sem := make(chan struct{}, callers)
	var wg sync.WaitGroup
	for i := range params {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s := h.c.Shops[shops[i]]
			a, err := h.c.Client.Call(h.ctx, s.URL, params[i])
			out[i] = call{shop: shops[i], number: params[i].Get("order_number"), a: a, err: err}
		}()
	}
	wg.Wait()
	return out
}

func addOrder(number string) url.Values {
	return url.Values{"action": {"add_order"}, "order_number": {number}}
}

// orders: 24 concurrent add_order of one number across the three
// processes give one import and 23 duplicates; different numbers are each
// imported once; concurrent update_order of the same orders on every
// process all succeed and apply the payment once.
func (h *harness) orders(t *testing.T) {
	same := h.newOrder()
	params := make([]url.Values, 24)
	shops := make([]int, 24)
	for i := range params {
		params[i], shops[i] = addOrder(same), i%3
	}
	imports, dups := 0, 0
	for _, r := range h.callAll(24, shops, params) {
		switch {
		case r.err != nil:
			t.Errorf("add_order %s on p%d: %v", same, r.shop+1, r.err)
		case r.a.Code == 0:
			imports++
		case r.a.Code == shopgate.CodeDuplicateOrder:
			dups++
		default:
			t.Errorf("add_order %s on p%d: code %d %q", same, r.shop+1, r.a.Code, r.a.Text)
		}
	}
	if imports != 1 || dups != 23 {
		t.Errorf("24 add_order of one number: %d imports and %d duplicates (code %d), want 1 and 23", imports, dups, shopgate.CodeDuplicateOrder)
	}
	h.markImported(same)

	var numbers []string
	params, shops = nil, nil
	for i := 0; i < 12; i++ {
		n := h.newOrder()
		numbers = append(numbers, n)
		params, shops = append(params, addOrder(n)), append(shops, i%3)
	}
	for _, r := range h.callAll(12, shops, params) {
		if r.err != nil || r.a.Code != 0 {
			t.Errorf("add_order %s on p%d: code %d %q %v", r.number, r.shop+1, r.a.Code, r.a.Text, r.err)
			continue
		}
		h.markImported(r.number)
	}
	h.checkImportedOnce(t)

	// Shopgate records the payment of four orders; each process is told.
	paid := numbers[:4]
	params, shops = nil, nil
	for _, n := range paid {
		o := shopgatetest.NewTestOrder(n)
		o.IsPaid = true
		o.PaymentTime = time.Now().UTC().Truncate(time.Second)
		o.PaymentTransactionNumber = "TX-" + n
		h.sg.AddOrder(o)
		for s := 0; s < 3; s++ {
			params = append(params, url.Values{"action": {"update_order"}, "order_number": {n}, "payment": {"1"}})
			shops = append(shops, s)
		}
	}
	for _, r := range h.callAll(12, shops, params) {
		if r.err != nil || r.a.Code != 0 {
			t.Errorf("update_order %s on p%d: code %d %q %v", r.number, r.shop+1, r.a.Code, r.a.Text, r.err)
		}
	}
	var rows []gormmodels.ShopgateOrder
	if err := h.db.Where("order_number IN ?", paid).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if !r.IsPaid || r.PaymentTransactionNumber != "TX-"+r.OrderNumber {
			t.Errorf("order %s after update_order on every process: paid %v, transaction %q", r.OrderNumber, r.IsPaid, r.PaymentTransactionNumber)
		}
	}
	if len(rows) != len(paid) {
		t.Errorf("%d of %d updated orders found", len(rows), len(paid))
	}
}

func (h *harness) markImported(numbers ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range numbers {
		h.imported[n] = true
	}
}

// checkImportedOnce checks every imported order number has exactly one
// Shopgate row and one shop order.
func (h *harness) checkImportedOnce(t *testing.T) {
	t.Helper()
	h.mu.Lock()
	want := make([]string, 0, len(h.imported))
	for n := range h.imported {
		want = append(want, n)
	}
	h.mu.Unlock()
	var rows []struct {
		OrderNumber string
		Rows        int
		HostOrders  int
	}
	err := h.db.Raw(`SELECT s.order_number, COUNT(*) AS rows, COUNT(o.id) AS host_orders
  FROM shopbridge_shopgate_orders s LEFT JOIN shop_orders o ON o.id::text = s.host_order_id
  WHERE s.order_number IN ? GROUP BY s.order_number`, want).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, r := range rows {
		found[r.OrderNumber] = true
		if r.Rows != 1 || r.HostOrders != 1 {
			t.Errorf("order %s: %d Shopgate rows, %d shop orders, want 1 and 1", r.OrderNumber, r.Rows, r.HostOrders)
		}
	}
	for _, n := range want {
		if !found[n] {
			t.Errorf("order %s was accepted but is not in the database", n)
		}
	}
	var total int64
	if err := h.db.Table("shop_orders").Count(&total).Error; err != nil {
		t.Fatal(err)
	}
	if int(total) != len(want) {
		t.Errorf("%d shop orders, want %d (one per accepted order number)", total, len(want))
	}
}

// hostOrderID is the shop's order id of a Shopgate order.
func (h *harness) hostOrderID(t *testing.T, number string) string {
	t.Helper()
	var m gormmodels.ShopgateOrder
	if err := h.db.Where("order_number = ?", number).Take(&m).Error; err != nil {
		t.Fatalf("order %s: %v", number, err)
	}
	return m.HostOrderID
}

// ship marks an order shipped in the admin of shop s.
func (h *harness) ship(t *testing.T, s int, number string) {
	t.Helper()
	id := h.hostOrderID(t, number)
	code, loc, err := h.c.Client.Admin(h.ctx, h.c.Shops[s].URL, http.MethodPost, "/admin/shop/orders/"+id+"/ship",
		url.Values{"carrier": {"DHL"}, "tracking": {"TRK" + number}, "complete": {"1"}})
	if err != nil || code != http.StatusSeeOther || !strings.Contains(loc, "Shopgate+will+be+informed") {
		t.Fatalf("ship %s on p%d: HTTP %d %s %v", number, s+1, code, loc, err)
	}
	h.mu.Lock()
	h.shipped[number] = true
	h.mu.Unlock()
}

// waitDelivered polls the fake until each order has a delivery note.
func (h *harness) waitDelivered(t *testing.T, numbers []string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(h.ctx, timeout)
	defer cancel()
	missing := numbers
	err := Poll(ctx, 250*time.Millisecond, func() bool {
		missing = nil
		for _, n := range numbers {
			if st, _ := h.sg.Order(n); len(st.DeliveryNotes) == 0 {
				missing = append(missing, n)
			}
		}
		return len(missing) == 0
	})
	if err != nil {
		t.Fatalf("no delivery note at Shopgate after %v for %v", timeout, missing)
	}
}

// shipping: orders shipped in the admin of every process each reach the
// fake Merchant API with exactly one delivery note.
func (h *harness) shipping(t *testing.T) {
	var numbers []string
	for i := 0; i < 6; i++ {
		numbers = append(numbers, h.newOrder())
	}
	params := make([]url.Values, len(numbers))
	shops := make([]int, len(numbers))
	for i, n := range numbers {
		params[i], shops[i] = addOrder(n), (i+1)%3
	}
	for _, r := range h.callAll(6, shops, params) {
		if r.err != nil || r.a.Code != 0 {
			t.Fatalf("add_order %s: code %d %q %v", r.number, r.a.Code, r.a.Text, r.err)
		}
		h.markImported(r.number)
	}
	var wg sync.WaitGroup
	for i, n := range numbers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.ship(t, i%3, n)
		}()
	}
	wg.Wait()
	h.waitDelivered(t, numbers, time.Minute)
	h.checkDeliveredOnce(t)
}

// checkDeliveredOnce checks every shipped order has exactly one delivery
// note at the fake, sent by exactly one successful call.
func (h *harness) checkDeliveredOnce(t *testing.T) {
	t.Helper()
	calls := map[string]int{}
	for _, r := range h.sg.RequestsFor(shopgate.ActionAddOrderDeliveryNote) {
		if r.Error == 0 {
			calls[r.Param("order_number")]++
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for n := range h.shipped {
		st, _ := h.sg.Order(n)
		if len(st.DeliveryNotes) != 1 || calls[n] != 1 {
			t.Errorf("order %s: %d delivery notes at Shopgate from %d successful calls, want 1 and 1", n, len(st.DeliveryNotes), calls[n])
		}
	}
}

// dropHeroStorm: concurrent DropHero callbacks on every process are all
// accepted, and the work they cause never makes DropHero see more than
// one request per second or a badly signed one.
func (h *harness) dropHeroStorm(t *testing.T) {
	ctx, cancel := context.WithTimeout(h.ctx, time.Minute)
	defer cancel()
	var urls map[string]string
	if err := Poll(ctx, 250*time.Millisecond, func() bool {
		urls = h.dh.CallbackURLs()
		return h.dh.Installed() && urls["products"] != "" && urls["orderstatus"] != ""
	}); err != nil {
		t.Fatalf("DropHero installation not announced: installed %v, callbacks %v", h.dh.Installed(), urls)
	}
	before := len(h.dh.Requests())
	var paths []string
	for _, kind := range []string{"products", "orderstatus"} {
		u, err := url.Parse(urls[kind])
		if err != nil || !strings.HasPrefix(urls[kind], PublicURL) {
			t.Fatalf("callback URL %q is not under %s", urls[kind], PublicURL)
		}
		paths = append(paths, u.Path)
	}
	var wg sync.WaitGroup
	var bad sync.Map
	var ok atomic.Int32
	for s := range h.c.Shops {
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := paths[i%len(paths)]
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.c.Shops[s].URL+p, nil)
				req.Header.Set("User-Agent", "DropHero-Callback")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					bad.Store(fmt.Sprintf("p%d #%d", s+1, i), err.Error())
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					bad.Store(fmt.Sprintf("p%d #%d", s+1, i), res.Status)
					return
				}
				ok.Add(1)
			}()
		}
	}
	wg.Wait()
	bad.Range(func(k, v any) bool {
		t.Errorf("callback %v: %v", k, v)
		return true
	})
	// The callbacks' jobs run through the shared rate gate; wait until
	// they are done and DropHero was asked for the changes.
	if err := Poll(ctx, 500*time.Millisecond, func() bool {
		var open int64
		h.db.Model(&gormmodels.OutboxJob{}).Where("kind LIKE ? AND state IN ?", "drophero.%",
			[]string{gormmodels.OutboxPending, gormmodels.OutboxRunning}).Count(&open)
		return open == 0 && len(h.dh.Requests()) > before
	}); err != nil {
		t.Errorf("DropHero jobs still open a minute after the storm (%d requests before, %d now)", before, len(h.dh.Requests()))
	}
	t.Logf("%d callbacks accepted; DropHero saw %d requests in all", ok.Load(), len(h.dh.Requests()))
	h.checkDropHero(t)
}

// checkDropHero checks the fake DropHero saw no two requests less than a
// second apart, no ban and no request it refused for its signing.
func (h *harness) checkDropHero(t *testing.T) {
	t.Helper()
	if bans := h.dh.Bans(); len(bans) > 0 {
		t.Errorf("DropHero banned the shop %d times: first %+v", len(bans), bans[0])
	}
	reqs := h.dh.Requests()
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].Time.Before(reqs[j].Time) })
	for i, r := range reqs {
		if i > 0 && r.Time.Sub(reqs[i-1].Time) < time.Second {
			t.Errorf("DropHero saw %s %s %v after %s %s", r.Method, r.Path, r.Time.Sub(reqs[i-1].Time), reqs[i-1].Method, reqs[i-1].Path)
		}
		switch r.Status {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
			t.Errorf("DropHero refused %s %s with %d", r.Method, r.Path, r.Status)
		}
	}
}

// settings: set_settings (alias) on process 1 is seen by ping on
// processes 2 and 3 within a few seconds (shared configuration).
func (h *harness) settings(t *testing.T) {
	alias := fmt.Sprintf("replica-%d", time.Now().UnixNano()%1e6)
	a, err := h.c.Client.Call(h.ctx, h.c.Shops[0].URL, url.Values{"action": {"set_settings"},
		"shopgate_settings[0][name]": {"alias"}, "shopgate_settings[0][value]": {alias}})
	if err != nil || a.Code != 0 {
		t.Fatalf("set_settings alias on p1: code %d %q %v", a.Code, a.Text, err)
	}
	ctx, cancel := context.WithTimeout(h.ctx, propagationWait)
	defer cancel()
	seen := map[int]string{}
	err = Poll(ctx, 250*time.Millisecond, func() bool {
		for s := 1; s < len(h.c.Shops); s++ {
			if seen[s] = h.pingAlias(s); seen[s] != alias {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Errorf("%v after set_settings of alias %q on p1, ping answers alias %v (by process index)", propagationWait, alias, seen)
	}
}

// propagationWait bounds the shared-state subtests' polling: the features promise
// a few seconds.
const propagationWait = 20 * time.Second

// pingAlias is the alias in ping's configuration on shop s.
func (h *harness) pingAlias(s int) string {
	a, err := h.c.Client.Call(h.ctx, h.c.Shops[s].URL, url.Values{"action": {"ping"}})
	if err != nil || a.Code != 0 {
		return fmt.Sprintf("(ping failed: code %d %v)", a.Code, err)
	}
	cfg, _ := a.Body["configuration"].(map[string]any)
	v, _ := cfg["alias"].(string)
	return v
}

// logs: get_log_file on any process returns the lines of all processes
// (cluster-wide logs): a marked ping on each process is in every answer.
func (h *harness) logs(t *testing.T) {
	marks := make([]string, len(h.c.Shops))
	for s := range h.c.Shops {
		marks[s] = fmt.Sprintf("replica-log-mark-p%d-%d", s+1, time.Now().UnixNano())
		a, err := h.c.Client.Call(h.ctx, h.c.Shops[s].URL, url.Values{"action": {"ping"}, "trace_id": {marks[s]}})
		if err != nil || a.Code != 0 {
			t.Fatalf("ping on p%d: code %d %v", s+1, a.Code, err)
		}
	}
	ctx, cancel := context.WithTimeout(h.ctx, propagationWait)
	defer cancel()
	var missing []string
	err := Poll(ctx, 500*time.Millisecond, func() bool {
		missing = nil
		for s := range h.c.Shops {
			body := h.logFile(s, "access")
			for _, m := range marks {
				if !strings.Contains(body, m) {
					missing = append(missing, fmt.Sprintf("p%d lacks %s", s+1, m))
				}
			}
		}
		return len(missing) == 0
	})
	if err != nil {
		t.Errorf("get_log_file access after %v: %v", propagationWait, missing)
	}
}

// logFile is get_log_file's plain-text answer on shop s.
func (h *harness) logFile(s int, logType string) string {
	res, err := h.c.Client.Post(h.ctx, h.c.Shops[s].URL, url.Values{"action": {"get_log_file"}, "log_type": {logType}, "lines": {"2000"}})
	if err != nil {
		return ""
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	return string(b)
}

// kill: process 3 holds outbox leases (its delivery notes are kept back by
// its Merchant API front) and is killed with SIGKILL in the middle of an
// add_order burst on all three processes. Every accepted order is in the
// database exactly once; calls cut by the kill, retried on a survivor as
// Shopgate would, import or answer duplicate; the killed process's jobs
// are delivered by the others once its lease ran out.
func (h *harness) kill(t *testing.T) {
	victim := 2
	var leased []string
	for i := 0; i < 3; i++ {
		leased = append(leased, h.newOrder())
	}
	for _, n := range leased {
		a, err := h.c.Client.Call(h.ctx, h.c.Shops[0].URL, addOrder(n))
		if err != nil || a.Code != 0 {
			t.Fatalf("add_order %s: code %d %q %v", n, a.Code, a.Text, err)
		}
		h.markImported(n)
	}
	// Only the victim's worker may claim the shipments: the others are
	// stopped meanwhile (SIGSTOP) and continued once it holds them.
	h.c.Fronts[victim].Hold(true)
	for s := range h.c.Shops {
		if s != victim {
			if err := h.c.Shops[s].Signal(syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
		}
	}
	var contOnce sync.Once
	cont := func() {
		contOnce.Do(func() {
			for s := range h.c.Shops {
				if s != victim {
					_ = h.c.Shops[s].Signal(syscall.SIGCONT)
				}
			}
		})
	}
	defer cont() // also when a check below ends the subtest
	for _, n := range leased {
		h.ship(t, victim, n)
	}
	ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
	err := Poll(ctx, 100*time.Millisecond, func() bool { return h.c.Fronts[victim].Held() > 0 })
	cancel()
	cont()
	if err != nil {
		t.Fatalf("p%d never sent a delivery note: %v", victim+1, err)
	}
	claimed := time.Now()

	// The burst: 8 callers, 30 new orders round-robin over the three
	// processes; the victim is killed once 8 calls were answered.
	var numbers []string
	for i := 0; i < 30; i++ {
		numbers = append(numbers, h.newOrder())
	}
	var answered atomic.Int32
	var heldAtKill atomic.Int32 // delivery notes the victim was sending when killed
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		kctx, kcancel := context.WithTimeout(h.ctx, 5*time.Second)
		defer kcancel()
		_ = Poll(kctx, 10*time.Millisecond, func() bool { return answered.Load() >= 8 })
		heldAtKill.Store(int32(h.c.Fronts[victim].Held()))
		h.c.Shops[victim].Kill()
	}()
	results := make([]call, len(numbers))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, n := range numbers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			a, err := h.c.Client.Call(h.ctx, h.c.Shops[i%3].URL, addOrder(n))
			answered.Add(1)
			results[i] = call{shop: i % 3, number: n, a: a, err: err}
		}()
	}
	wg.Wait()
	<-killed
	if code, err := h.c.Shops[victim].Wait(h.ctx); err == nil {
		t.Errorf("p%d was not killed (exit code %d)", victim+1, code)
	}
	cut := 0
	for _, r := range results {
		switch {
		case r.err == nil && r.a.Code == 0:
			h.markImported(r.number)
		case r.err != nil && r.shop == victim:
			// Cut by the kill: Shopgate retries; the order was imported
			// before the kill (duplicate) or is imported now.
			cut++
			a, err := h.c.Client.Call(h.ctx, h.c.Shops[0].URL, addOrder(r.number))
			if err != nil || (a.Code != 0 && a.Code != shopgate.CodeDuplicateOrder) {
				t.Errorf("retried add_order %s on p1: code %d %q %v", r.number, a.Code, a.Text, err)
				continue
			}
			h.markImported(r.number)
		default:
			t.Errorf("add_order %s on p%d during the burst: code %d %q %v", r.number, r.shop+1, r.a.Code, r.a.Text, r.err)
		}
	}
	t.Logf("burst: %d of %d calls cut by the kill and retried on p1", cut, len(numbers))
	h.checkImportedOnce(t)

	// The held delivery notes: delivered by a survivor after the lease.
	h.waitDelivered(t, leased, lease+time.Minute)
	t.Logf("held delivery notes delivered %v after the victim claimed them (lease %v)", time.Since(claimed).Round(time.Second), lease)
	h.checkDeliveredOnce(t)
	for _, n := range leased {
		by := map[int]int{}
		for f, front := range h.c.Fronts {
			for _, x := range front.Forwarded(HeldAction) {
				if x == n {
					by[f]++
				}
			}
		}
		if by[victim] != 0 || by[0]+by[1] != 1 {
			t.Errorf("delivery note of %s sent by process index → count %v, want once by a survivor", n, by)
		}
	}
	var attempts []int
	h.db.Model(&gormmodels.OutboxJob{}).Where("kind = ? AND state = ?", "shopgate.add_order_delivery_note", gormmodels.OutboxDone).
		Where("attempts > 1").Pluck("attempts", &attempts)
	// Every note the victim was sending when it died was claimed again by a
	// survivor after the lease; notes the victim had not claimed yet may
	// have gone to a survivor directly (attempts 1), depending on timing.
	if held := int(heldAtKill.Load()); held < 1 || len(attempts) < held {
		t.Errorf("%d delivery-note jobs were claimed twice (by the victim, then a survivor), want at least the %d the victim was sending when killed (≥ 1)", len(attempts), held)
	}
}

// term: SIGTERM to process 2 while it streams a get_items export; the
// export completes and the process exits 0.
func (h *harness) term(t *testing.T) {
	if h.c.Shops[1].Exited() {
		t.Fatal("p2 is not running")
	}
	if code, err := h.seed.Wait(h.ctx); err != nil || code != 0 {
		t.Fatalf("seeding %d products: exit %d %v\n%s", exportProducts, code, err, h.seed.Tail(20))
	}
	// A complete export on p1 first: the one cut by SIGTERM must match it.
	full, err := h.getItems(0, h.c.Client.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(full.Body)
	full.Body.Close()
	if err != nil {
		t.Fatalf("get_items on p1: %v", err)
	}
	wantItems := strings.Count(string(want), "<item uid=")
	res, err := h.getItems(1, smallBufferClient())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	head := make([]byte, 64<<10)
	if _, err := io.ReadFull(res.Body, head); err != nil {
		t.Fatalf("get_items: first 64 KiB: %v", err)
	}
	if err := h.c.Shops[1].Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The export is blocked on the socket while this reader pauses: the
	// process must still be running once it stopped accepting requests
	// (its readiness probe no longer answers 200).
	ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
	err = Poll(ctx, 100*time.Millisecond, func() bool { return !h.ready(1) || h.c.Shops[1].Exited() })
	cancel()
	if err != nil {
		t.Errorf("p2 still answers /readyz 30 s after SIGTERM")
	}
	if h.c.Shops[1].Exited() {
		t.Fatal("p2 exited while its export was still being written")
	}
	rest, err := io.ReadAll(res.Body)
	if err != nil {
		t.Errorf("get_items cut after SIGTERM: %v after %d bytes", err, len(head)+len(rest))
	}
	body := append(head, rest...)
	items := strings.Count(string(body), "<item uid=")
	if !strings.HasSuffix(strings.TrimSpace(string(body)), "</items>") || items != wantItems || wantItems == 0 {
		t.Errorf("get_items after SIGTERM: %d bytes, %d items, ends %q; want the whole catalogue (%d items, %d bytes, as p1 exported it)",
			len(body), items, tail(body, 80), wantItems, len(want))
	}
	code, err := h.c.Shops[1].Wait(h.ctx)
	if err != nil || code != 0 {
		t.Errorf("p2 after SIGTERM: exit code %d %v, want 0", code, err)
	}
	t.Logf("export of %d bytes (%d items) completed across SIGTERM", len(body), items)
}

// getItems starts a get_items export on shop s (uncompressed, so that its
// size on the wire is the XML's) and checks the status.
func (h *harness) getItems(s int, client *http.Client) (*http.Response, error) {
	params := url.Values{"action": {"get_items"}, "shop_number": {h.c.Client.ShopNumber}}
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, h.c.Shops[s].URL+"/shopgate/api", strings.NewReader(params.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Encoding", "identity")
	shopgate.SignRequest(req.Header, shopgate.PrefixSPA, h.c.Client.CustomerNumber, h.c.Client.APIKey, time.Now())
	res, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get_items on p%d: %w", s+1, err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, fmt.Errorf("get_items on p%d: HTTP %d", s+1, res.StatusCode)
	}
	return res, nil
}

// ready reports whether shop s answers GET /readyz with 200 (on a new
// connection).
func (h *harness) ready(s int) bool {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := c.Get(h.c.Shops[s].URL + "/readyz")
	if err != nil {
		return false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// smallBufferClient is an HTTP client whose sockets have a 64 KiB
// receive buffer, so that a paused reader stops the sender after a few
// MiB (loopback's autotuned buffers would otherwise take tens of MiB).
func smallBufferClient() *http.Client {
	d := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 64<<10)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableCompression: true}}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// runOnce runs the shop binary once with the cluster's environment (of
// process 1) and args, in its own data directory.
func runOnce(h *harness, name string, args ...string) *Shop {
	h.t.Helper()
	dir := filepath.Join(h.dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		h.t.Fatal(err)
	}
	s, err := Start(name, h.bin, args, h.c.Env(0), dir, filepath.Join(h.dir, name+".log"))
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(s.Kill)
	return s
}

// final: every accepted order is in the database exactly once, every
// shipped order reached Shopgate exactly once, and neither fake saw a
// rate-limit or authentication violation.
func (h *harness) final(t *testing.T) {
	h.checkImportedOnce(t)
	h.checkDeliveredOnce(t)
	h.checkDropHero(t)
	reqs := h.sg.Requests()
	byCode := map[int]int{}
	for _, r := range reqs {
		byCode[r.Error]++
		if r.Error != 0 {
			t.Errorf("Merchant API answered %s with error %d", r.Action, r.Error)
		}
	}
	t.Logf("Merchant API saw %d requests (budget %d per hour), answers by code %v", len(reqs), shopgate.DefaultRequestsPerHour, byCode)
	var dead []gormmodels.OutboxJob
	h.db.Where("state = ?", gormmodels.OutboxDead).Find(&dead)
	for _, j := range dead {
		t.Errorf("outbox job %d (%s) is dead: %s", j.ID, j.Kind, j.LastError)
	}
}
