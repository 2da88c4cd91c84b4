package pluginapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormorders"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/internal/testhost"
	"github.com/shopbridge/shopbridge/orders"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// orderImporter records calls and answers with a fixed result.
type orderImporter struct {
	mu    sync.Mutex
	calls []string
	ref   adapters.OrderRef
	err   error
}

func (o *orderImporter) AddOrder(_ context.Context, shop adapters.Shop, n string) (adapters.OrderRef, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, "add "+shop.Number+" "+n)
	return o.ref, o.err
}

func (o *orderImporter) UpdateOrder(_ context.Context, shop adapters.Shop, n string, payment, shipping bool) (adapters.OrderRef, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	flags := map[bool]string{true: "1", false: "0"}
	o.calls = append(o.calls, "update "+shop.Number+" "+n+" "+flags[payment]+flags[shipping])
	return o.ref, o.err
}

func enableOrders(imp OrderImporter) func(*Config) {
	return func(c *Config) {
		c.Shops[0].Enable["add_order"] = true
		c.Shops[0].Enable["update_order"] = true
		c.Orders = imp
	}
}

func TestOrderActions(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		ref       adapters.OrderRef
		err       error
		wantCode  int
		wantText  string
		wantCall  string
		wantID    any
		wantNumID any
	}{
		{"add_order", "action=add_order&order_number=1402011234", adapters.OrderRef{ExternalOrderID: "10482", ExternalOrderNumber: "100010482"},
			nil, 0, "", "add 67890 1402011234", "10482", "100010482"},
		{"without host number", "action=add_order&order_number=1402011234", adapters.OrderRef{ExternalOrderID: "7"},
			nil, 0, "", "add 67890 1402011234", "7", nil},
		{"update_order flags", "action=update_order&order_number=1402011234&payment=1&shipping=0", adapters.OrderRef{ExternalOrderID: "7"},
			nil, 0, "", "update 67890 1402011234 10", "7", nil},
		{"update_order without flags", "action=update_order&order_number=1402011234", adapters.OrderRef{ExternalOrderID: "7"},
			nil, 0, "", "update 67890 1402011234 00", "7", nil},
		{"missing order_number", "action=add_order", adapters.OrderRef{}, nil, 30, `parameter "order_number" missing`, "", nil, nil},
		{"empty order_number", "action=update_order&order_number=+", adapters.OrderRef{}, nil, 30, `parameter "order_number" missing`, "", nil, nil},
		{"duplicate", "action=add_order&order_number=1", adapters.OrderRef{}, shopgate.NewAPIError(shopgate.CodeDuplicateOrder, "1"),
			60, "duplicate order", "add 67890 1", nil, nil},
		{"unknown order", "action=update_order&order_number=1", adapters.OrderRef{}, shopgate.NewAPIError(shopgate.CodeOrderNotFound, "1"),
			61, "order not found", "update 67890 1 00", nil, nil},
		{"database down", "action=add_order&order_number=1", adapters.OrderRef{}, shopgate.DatabaseError("import", errors.New("conn refused")),
			83, "database error", "add 67890 1", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imp := &orderImporter{ref: tt.ref, err: tt.err}
			h := newTestHandler(t, enableOrders(imp))
			m := envelope(t, call(t, h, tt.body+"&trace_id=sma-1", true))
			wantError(t, m, tt.wantCode, tt.wantText)
			if got := strings.Join(imp.calls, ","); got != tt.wantCall {
				t.Errorf("adapter calls %q, want %q", got, tt.wantCall)
			}
			if tt.wantCode != 0 {
				if _, ok := m["external_order_id"]; ok {
					t.Error("error answer carries order ids")
				}
				return
			}
			id, hasID := m["external_order_id"]
			num, hasNum := m["external_order_number"]
			if !hasID || !hasNum || id != tt.wantID || num != tt.wantNumID {
				t.Errorf("ids %v %v, want %v %v", id, num, tt.wantID, tt.wantNumID)
			}
		})
	}
	// Without an adapter the actions answer 22 even when enabled.
	h := newTestHandler(t, enableOrders(nil))
	wantError(t, envelope(t, call(t, h, "action=add_order&order_number=1", true)), shopgate.CodeDisabledAction, "")
}

// The worked examples of docs/protocol/orders.md#worked-examples over HTTP, with the
// real import service, PostgreSQL and the fake Merchant API.
func TestOrderWorkedExamplesEndToEnd(t *testing.T) {
	db := testdb.New(t)
	if err := db.AutoMigrate(&gormmodels.ShopgateOrder{}, &gormmodels.OutboxJob{}); err != nil {
		t.Fatal(err)
	}
	if err := testhost.Migrate(db); err != nil {
		t.Fatal(err)
	}
	fake := shopgatetest.NewServer()
	defer fake.Close()
	raw, err := os.ReadFile("../../orders/testdata/order_8_1.json")
	if err != nil {
		t.Fatal(err)
	}
	var order map[string]any
	if err := json.Unmarshal(raw, &order); err != nil {
		t.Fatal(err)
	}
	if err := fake.AddRawOrder(order); err != nil {
		t.Fatal(err)
	}
	client, err := shopgate.NewClient(fake.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	host, err := gormorders.New(gormorders.Config{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := orders.New(orders.Config{
		DB: db, Host: host, Merchant: orders.SingleMerchant(client),
		PaymentMethods: map[string]string{"PREPAY": "prepayment"},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHandler(t, enableOrders(svc))

	// 8.1
	m := envelope(t, call(t, h, "action=add_order&shop_number=67890&order_number=1402011234&trace_id=sma-6f1c2b7e9a001", true))
	wantError(t, m, 0, "")
	id, _ := m["external_order_id"].(string)
	number, _ := m["external_order_number"].(string)
	if id == "" || number == "" || m["trace_id"] != "sma-6f1c2b7e9a001" || m["error_text"] != nil {
		t.Fatalf("8.1 answer %v", m)
	}
	// 8.2: the envelope only, with 60.
	m = envelope(t, call(t, h, "action=add_order&shop_number=67890&order_number=1402011234&trace_id=sma-6f1c2b7e9a002", true))
	wantError(t, m, 60, "duplicate order")
	if len(m) != 5 {
		t.Errorf("8.2 answer has %d keys: %v", len(m), m)
	}
	// 8.3
	order["is_paid"], order["is_shipping_blocked"] = 1, 0
	order["payment_time"], order["payment_transaction_number"] = "2024-06-01T09:15:00+02:00", "BT-20240601-0042"
	if err := fake.AddRawOrder(order); err != nil {
		t.Fatal(err)
	}
	m = envelope(t, call(t, h, "action=update_order&shop_number=67890&order_number=1402011234&payment=1&shipping=1&trace_id=sma-6f1c2b7e9a010", true))
	wantError(t, m, 0, "")
	if m["external_order_id"] != id || m["external_order_number"] != number {
		t.Errorf("8.3 answer %v, want ids %s %s", m, id, number)
	}
	var o testhost.Order
	if err := db.Where("id = ?", id).Take(&o).Error; err != nil {
		t.Fatal(err)
	}
	if !o.IsPaid || o.Status != "processing" {
		t.Errorf("after 8.3: paid %v status %s", o.IsPaid, o.Status)
	}
	m = envelope(t, call(t, h, "action=update_order&order_number=1999999999", true))
	wantError(t, m, 61, "order not found")
}

// BenchmarkAddOrderHTTP drives add_order over real HTTP against the full
// stack: Plugin API handler, import service, PostgreSQL and the fake
// Merchant API (also over HTTP). It reports orders/s and the p50/p99
// latency of one add_order for 1 and 8 concurrent callers. bench/orders.sh
// runs it.
func BenchmarkAddOrderHTTP(b *testing.B) {
	for _, callers := range []int{1, 8} {
		b.Run("callers="+strconv.Itoa(callers), func(b *testing.B) { benchAddOrder(b, callers) })
	}
}

var benchSeq atomic.Int64

func benchAddOrder(b *testing.B, callers int) {
	db := testdb.New(b)
	// database/sql keeps 2 idle connections by default: more concurrent
	// callers would open a PostgreSQL backend per transaction.
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.SetMaxIdleConns(32)
	}
	if err := db.AutoMigrate(&gormmodels.ShopgateOrder{}, &gormmodels.OutboxJob{}); err != nil {
		b.Fatal(err)
	}
	if err := testhost.Migrate(db); err != nil {
		b.Fatal(err)
	}
	for _, p := range []testhost.Product{
		{Number: "SKU-1001", Name: "Shoe", Price: decimal.RequireFromString("49.99"), StockQuantity: 1 << 30, Active: true},
		{Number: "SKU-2002", Name: "Socks", Price: decimal.RequireFromString("39.97"), StockQuantity: 1 << 30, Active: true},
	} {
		if err := db.Create(&p).Error; err != nil {
			b.Fatal(err)
		}
	}
	// The fake scans all its orders on every get_orders, so the orders are
	// spread over fakes of 200 orders each: the figures are then about
	// shopbridge, not about the size of the test double.
	const perFake = 200
	router := &merchantRouter{byNumber: map[string]orders.MerchantAPI{}}
	numbers := make([]string, b.N)
	var fake *shopgatetest.Server
	var client *shopgate.Client
	for i := range numbers {
		if i%perFake == 0 {
			fake = shopgatetest.NewServer()
			defer fake.Close()
			cc := fake.ClientConfig()
			// Keep a connection per caller alive (the default transport keeps 2).
			cc.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			var err error
			if client, err = shopgate.NewClient(cc); err != nil {
				b.Fatal(err)
			}
		}
		n := strconv.FormatInt(3000000000+benchSeq.Add(1), 10)
		o := shopgatetest.NewTestOrder(n)
		o.Mail = "buyer" + n + "@example.com"
		fake.AddOrder(o)
		numbers[i] = n
		router.byNumber[n] = client
	}
	host, err := gormorders.New(gormorders.Config{})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := orders.New(orders.Config{DB: db, Host: host,
		Merchant:       func(string) (orders.MerchantAPI, error) { return router, nil },
		PaymentMethods: map[string]string{"PREPAY": "prepayment"}})
	if err != nil {
		b.Fatal(err)
	}
	h, err := New(Config{
		Shops: []ShopConfig{{CustomerNumber: testCustomer, APIKey: testAPIKey, ShopNumber: testShop,
			Enable: map[string]bool{"add_order": true}}},
		LogDir: b.TempDir(),
		Orders: svc,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	e := echo.New()
	h.Mount(e.Group("/shopgate/api"))
	srv := httptest.NewServer(e)
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				t0 := time.Now()
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/shopgate/api",
					strings.NewReader("action=add_order&order_number="+numbers[i]))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				shopgate.SignRequest(req.Header, shopgate.PrefixSPA, testCustomer, testAPIKey, time.Now())
				resp, err := hc.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !strings.Contains(string(body), `"error":0`) {
					b.Errorf("order %s: %s", numbers[i], body)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "orders/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
}

// merchantRouter sends get_orders to the fake that holds the order.
type merchantRouter struct {
	orders.MerchantAPI
	byNumber map[string]orders.MerchantAPI
}

func (r *merchantRouter) GetOrder(ctx context.Context, n string) (*shopgate.Order, error) {
	return r.byNumber[n].GetOrder(ctx, n)
}
