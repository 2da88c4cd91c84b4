package panel_test

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormstore"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/handlers/panel"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

const (
	testUser     = "admin"
	testPassword = "correct horse"
)

// env is a shop with the panel mounted at /admin behind HTTP Basic, a fake
// Merchant API and a fake DropHero.
type env struct {
	t      testing.TB
	db     *gorm.DB
	e      *echo.Echo
	srv    *httptest.Server
	sg     *shopgatetest.Server
	dh     *dropherotest.Server
	svc    *dropship.Service
	plugin *pluginapi.Handler
	worker *outbox.Worker
	paid   sync.Map // host order number → true
}

// newEnv builds the panel on a fresh database; opts adjust its Config.
func newEnv(t testing.TB, opts ...func(*panel.Config)) *env {
	t.Helper()
	// SQLite as a shop runs it: WAL, a busy timeout and immediate
	// transactions, so the worker and the panel do not deadlock.
	dsn := "file:" + filepath.Join(t.TempDir(), "shop.db") + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate"
	ev := &env{t: t, db: testdb.OpenSQLite(t, dsn)}
	if err := gormmodels.Migrate(ev.db); err != nil {
		t.Fatal(err)
	}
	ev.sg = shopgatetest.NewServer(shopgatetest.WithShopInfo("panel-test", ""))
	t.Cleanup(ev.sg.Close)
	ev.dh = dropherotest.NewServer(dropherotest.WithoutRateLimit())
	t.Cleanup(ev.dh.Close)
	ciph, err := dropship.NewCipher(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	ev.plugin, err = pluginapi.New(pluginapi.Config{
		Shops: []pluginapi.ShopConfig{{CustomerNumber: shopgatetest.DefaultCustomerNumber, ShopNumber: shopgatetest.DefaultShopNumber,
			APIKey: shopgatetest.DefaultAPIKey, Alias: "env-alias"}},
		LogDir: t.TempDir(), Store: gormstore.Settings{DB: ev.db}, Secrets: ciph,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.plugin.Close() })
	ev.e = echo.New()
	ev.srv = httptest.NewServer(ev.e)
	t.Cleanup(ev.srv.Close)
	ev.svc, err = dropship.New(dropship.Config{DB: ev.db, Host: &memHost{}, Cipher: ciph, BaseURL: ev.dh.BaseURL(),
		PublicURL: ev.srv.URL, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ev.worker, err = outbox.New(outbox.Config{DB: ev.db, PollInterval: 20 * time.Millisecond, BaseBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ev.svc.Register(ev.worker)
	cfg := panel.Config{
		BasePath: "/admin",
		Realm:    "shop admin",
		Authorize: func(c echo.Context) (string, bool) {
			u, pw, ok := c.Request().BasicAuth()
			return u, ok && subtle.ConstantTimeCompare([]byte(u+"\x00"+pw), []byte(testUser+"\x00"+testPassword)) == 1
		},
		DB: ev.db, Shopgate: ev.plugin, DropHero: ev.svc,
		Products: func(_ context.Context, ids []string) (map[string]panel.Product, error) {
			out := map[string]panel.Product{}
			for _, id := range ids {
				out[id] = panel.Product{Name: "Test product " + id, URL: "/product/" + id}
			}
			return out, nil
		},
		Orders: func(_ context.Context, numbers []string) (map[string]panel.HostOrder, error) {
			out := map[string]panel.HostOrder{}
			for _, n := range numbers {
				_, paid := ev.paid.Load(n)
				out[n] = panel.HostOrder{Number: n, Paid: paid, URL: "/account/orders/" + n}
			}
			return out, nil
		},
		MarkPaid: func(_ context.Context, n string) error { ev.paid.Store(n, true); return nil },
	}
	for _, o := range opts {
		o(&cfg)
	}
	p, err := panel.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.Mount(ev.e.Group("/admin"))
	return ev
}

// runWorker runs the outbox worker until the test ends.
func (ev *env) runWorker() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ev.worker.Run(ctx) }()
	ev.t.Cleanup(func() { cancel(); <-done })
}

// addPendingOrder records a DropHero order waiting for the merchant.
func (ev *env) addPendingOrder(id, state string) {
	ev.t.Helper()
	if err := ev.db.Create(&gormmodels.DropHeroOrder{OrderID: id, State: state, ShippingMode: "1"}).Error; err != nil {
		ev.t.Fatal(err)
	}
}

// get fetches a panel page with the test credentials.
func (ev *env) get(path string) *http.Response {
	ev.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ev.srv.URL+path, nil)
	req.SetBasicAuth(testUser, testPassword)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		ev.t.Fatal(err)
	}
	return res
}

// memHost is a minimal host shop for the DropHero integration.
type memHost struct {
	mu   sync.Mutex
	next int
}

func (h *memHost) PublicCategories(context.Context, *gorm.DB) ([]adapters.DropHeroCategory, error) {
	return []adapters.DropHeroCategory{{ID: "1", Name: "Garden", ParentID: "0"}}, nil
}

func (h *memHost) ProductsByEAN(context.Context, *gorm.DB, []string) ([]adapters.DropHeroProduct, error) {
	return nil, nil
}

func (h *memHost) CreateProducts(_ context.Context, _ *gorm.DB, ps []adapters.DropHeroProductFields) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := make([]string, len(ps))
	for i := range ps {
		h.next++
		ids[i] = strconv.Itoa(100 + h.next)
	}
	return ids, nil
}

func (h *memHost) UpdateProduct(context.Context, *gorm.DB, string, adapters.DropHeroProductFields) error {
	return nil
}

func (h *memHost) DropHeroOrder(_ context.Context, _ *gorm.DB, id string) (*adapters.DropHeroOrder, error) {
	return &adapters.DropHeroOrder{ID: id, Currency: "EUR"}, nil
}

func (h *memHost) SetDropHeroOrderState(context.Context, *gorm.DB, string, adapters.DropHeroOrderUpdate) error {
	return nil
}
