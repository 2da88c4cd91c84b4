package gormcart_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters/gormcart"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate"
)

// BenchmarkCheckCartConcurrent: check_cart through the Plugin API (signed
// requests, as Shopgate sends them) for a 20-item cart with two coupons
// (one restricted to a product) for a customer with a group, on
// PostgreSQL, 8 concurrent callers (and one, for the cost of a single
// check). Reports p50 and p99 latency, the statements per check and the
// shop's and PostgreSQL's CPU time per check
// (docs/protocol/cart.md#performance).
func BenchmarkCheckCartConcurrent(b *testing.B) {
	db := testdb.New(b)
	seedHost(b, db)
	// 2000 more products, so lookups go through indexes, not tiny tables.
	var rows []hProduct
	for i := 0; i < 2000; i++ {
		rows = append(rows, hProduct{ID: uint(10000 + i), Number: fmt.Sprintf("P-%d", 10000+i), Name: "Product",
			Price: d("9.99"), TaxClassID: 1, Stock: 100, Active: true, WeightGrams: 100})
	}
	if err := db.CreateInBatches(&rows, 500).Error; err != nil {
		b.Fatal(err)
	}
	// The indexes a shop has on the columns check_cart looks up (the
	// example shop's article numbers are a unique index; group prices are
	// read by product), and fresh statistics. CART_BENCH_NO_INDEX=1 leaves
	// the indexes out, to see what a shop without them pays.
	stmts := []string{"CREATE UNIQUE INDEX ON h_products (number)", "CREATE INDEX ON h_group_prices (product_id)", "ANALYZE"}
	if os.Getenv("CART_BENCH_NO_INDEX") == "1" {
		stmts = stmts[2:]
	}
	for _, stmt := range stmts {
		if err := db.Exec(stmt).Error; err != nil {
			b.Fatal(err)
		}
	}
	// Count the statements a check sends (reported as queries/op).
	var queries atomic.Int64
	count := func(*gorm.DB) { queries.Add(1) }
	if err := db.Callback().Row().After("*").Register("bench:count", count); err != nil {
		b.Fatal(err)
	}
	if err := db.Callback().Query().After("*").Register("bench:count", count); err != nil {
		b.Fatal(err)
	}
	cart, err := gormcart.New(cartConfig(db))
	if err != nil {
		b.Fatal(err)
	}
	h, err := pluginapi.New(pluginapi.Config{
		Shops: []pluginapi.ShopConfig{{CustomerNumber: "10001", ShopNumber: "31337", APIKey: "deadbeefcafe00112233",
			Enable: map[string]bool{"check_cart": true}}},
		LogDir: b.TempDir(), Cart: cart,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	e := echo.New()
	h.Mount(e.Group("/api"))
	form := url.Values{"action": {"check_cart"}, "shop_number": {"31337"}, "cart[external_customer_id]": {"4711"},
		"cart[currency]": {"EUR"}, "cart[delivery_address][country]": {"DE"},
		"cart[external_coupons][0][code]": {"SUMMER5"}, "cart[external_coupons][1][code]": {"MUGS"}}
	for i := 0; i < 20; i++ {
		num := fmt.Sprintf("P-%d", 10000+i*37)
		if i == 0 {
			num = "MUG-3003"
		}
		form.Set(fmt.Sprintf("cart[items][%d][item_number]", i), num)
		form.Set(fmt.Sprintf("cart[items][%d][quantity]", i), "2")
	}
	body := form.Encode()
	call := func() time.Duration {
		start := time.Now()
		req := httptest.NewRequest(http.MethodPost, "/api", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		shopgate.SignRequest(req.Header, shopgate.PrefixSPA, "10001", "deadbeefcafe00112233", time.Now())
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"error":0`) {
			b.Errorf("answer %d %s", rec.Code, rec.Body.String())
		}
		return time.Since(start)
	}
	call() // warm up (prepares statements, fills the pool)
	for _, callers := range []int{1, 8} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			b.ReportAllocs()
			var cpu cpuMeter
			runConcurrent(b, callers, call, func() { cpu.start(b, db) }, func() { cpu.stop(b) })
			before := queries.Load()
			call()
			b.ReportMetric(float64(queries.Load()-before), "queries/check")
		})
	}
}

// runConcurrent runs b.N calls on callers goroutines and reports the
// latency percentiles; started and stopped run just after the warm-up
// and just after the last call.
func runConcurrent(b *testing.B, callers int, call func() time.Duration, started, stopped func()) {
	// Warm up with every caller at once, so that the pool holds a
	// connection per caller (as a running shop's pool does) and opening
	// PostgreSQL backends is not measured.
	var warm sync.WaitGroup
	for w := 0; w < callers; w++ {
		warm.Add(1)
		go func() {
			defer warm.Done()
			for i := 0; i < 3; i++ {
				call()
			}
		}()
	}
	warm.Wait()
	started()
	b.ResetTimer()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	next := make(chan struct{})
	go func() {
		for i := 0; i < b.N; i++ {
			next <- struct{}{}
		}
		close(next)
	}()
	for w := 0; w < callers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for range next {
				mine = append(mine, call())
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	stopped()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// cpuMeter measures the CPU time per check of this process (the shop:
// handler, adapter, driver, garbage collector) and of the PostgreSQL
// backends of the benchmark's database, when the server runs on this
// machine (it reads their /proc/<pid>/stat). Unlike latency, these hardly
// depend on what else runs on the machine
// (docs/protocol/cart.md#cpu-per-check).
type cpuMeter struct {
	pids  []int
	ticks int64
	ok    bool
	self  time.Duration
}

func (c *cpuMeter) start(b *testing.B, db *gorm.DB) {
	c.self = selfCPU()
	c.pids, c.ok = nil, false
	if err := db.Raw("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").
		Scan(&c.pids).Error; err != nil || len(c.pids) == 0 {
		return
	}
	c.ticks, c.ok = procTicks(c.pids)
}

func (c *cpuMeter) stop(b *testing.B) {
	if b.N == 0 {
		return
	}
	b.ReportMetric(float64((selfCPU()-c.self).Microseconds())/1000/float64(b.N), "shop-cpu-ms/check")
	if !c.ok {
		return
	}
	if t, ok := procTicks(c.pids); ok {
		// Linux reports 100 clock ticks a second (USER_HZ).
		b.ReportMetric(float64(t-c.ticks)*10/float64(b.N), "backend-cpu-ms/check")
	}
}

// selfCPU is the user and system CPU time this process used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procTicks sums utime and stime of pids from /proc; false when one
// cannot be read (another machine, or the backend is gone).
func procTicks(pids []int) (int64, bool) {
	var sum int64
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0, false
		}
		// Fields after the command name (which may hold spaces) in parentheses.
		s := string(raw)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 13 {
			return 0, false
		}
		for _, x := range f[11:13] { // utime, stime (fields 14 and 15)
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return 0, false
			}
			sum += n
		}
	}
	return sum, true
}
