package dropship_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/outbox"
)

// placeOrder creates a host order with lines for the given SKUs (qty 1 or
// 2) plus an own product, and announces it.
func (e *env) placeOrder(id string, paid bool, mode string, skus ...string) {
	e.t.Helper()
	o := adapters.DropHeroOrder{ID: id, Paid: paid, Currency: "EUR", ShippingMode: mode, VATIN: "",
		Billing:  adapters.DropHeroAddress{Name: "Ana Puig", Street: "Carrer Major 1, 2n", Postcode: "08001", City: "Barcelona", Country: "ES"},
		Shipping: adapters.DropHeroAddress{Name: "Ana Puig", Street: "Carrer Nou 7", Postcode: "08221", City: "Terrassa", Country: "ES"}}
	for i, sku := range skus {
		p := e.product("sku = ?", sku)
		o.Lines = append(o.Lines, adapters.DropHeroOrderLine{LineID: itoa(uint(i + 1)), ProductID: itoa(p.ID),
			Qty: decimal.NewFromInt(int64(2 - i%2)), UnitPrice: p.Price, TaxRate: decimal.NewFromInt(21)})
	}
	b, _ := json.Marshal(o)
	err := e.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&hostOrder{ID: id, Data: string(b), State: "new"}).Error; err != nil {
			return err
		}
		return e.svc.OrderPlaced(e.ctx, tx, id)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) dhOrder(id string) gormmodels.DropHeroOrder {
	e.t.Helper()
	var o gormmodels.DropHeroOrder
	if err := e.db.First(&o, "order_id = ?", id).Error; err != nil {
		e.t.Fatal(err)
	}
	return o
}

func TestOrderAutoSubmitVsManual(t *testing.T) {
	e := newEnv(t, true)
	e.db.Create(&hostProduct{SKU: "OWN", Name: "Own", Price: decimal.NewFromInt(3), Active: true})
	e.install()
	if err := e.svc.SetAutoSubmit(e.ctx, true); err != nil {
		t.Fatal(err)
	}
	e.placeOrder("1001", true, "2", "DH-5554", "DH-5556", "OWN")
	e.placeOrder("1002", false, "2", "DH-5554")
	e.drain()
	data, status, ok := e.fake.Order("1001")
	if !ok || status != "1" || e.fake.Submissions("1001") != 1 {
		t.Fatalf("1001 not submitted once: %v %q", ok, status)
	}
	items := data["selled_items"].(map[string]any)
	if len(items) != 2 {
		t.Errorf("selled_items %v (own item must not be sent)", items)
	}
	// 2 × 2.40 (5554) + 1 × 3.20 (5556) = 8.00
	if data["shipping_price"] != "8.0000" || data["order_total"] != "29.7800" {
		t.Errorf("shipping %v total %v", data["shipping_price"], data["order_total"])
	}
	if o := e.dhOrder("1001"); o.State != gormmodels.DropHeroSubmitted {
		t.Errorf("1001 state %s", o.State)
	}
	if o := e.dhOrder("1002"); o.State != gormmodels.DropHeroAwaitingPayment {
		t.Errorf("unpaid order state %s", o.State)
	}
	if _, _, ok := e.fake.Order("1002"); ok {
		t.Error("unpaid order submitted")
	}
	// Payment arrives: submitted then.
	if err := e.db.Transaction(func(tx *gorm.DB) error { return e.svc.OrderPaid(e.ctx, tx, "1002") }); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if _, _, ok := e.fake.Order("1002"); !ok {
		t.Error("paid order not submitted")
	}

	// Auto-submit off: even a paid order waits for the merchant.
	e.svc.SetAutoSubmit(e.ctx, false)
	e.placeOrder("1003", true, "1", "DH-5554")
	e.drain()
	if o := e.dhOrder("1003"); o.State != gormmodels.DropHeroAwaitingConfirmation {
		t.Errorf("manual order state %s", o.State)
	}
	if _, _, ok := e.fake.Order("1003"); ok {
		t.Error("order submitted without confirmation")
	}
	if err := e.svc.ConfirmOrder(e.ctx, "1003", ""); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if _, _, ok := e.fake.Order("1003"); !ok || e.fake.Submissions("1003") != 1 {
		t.Error("confirmed order not submitted once")
	}
	// Missing shipping mode: needs attention.
	e.placeOrder("1004", true, "", "DH-5554")
	if o := e.dhOrder("1004"); o.State != gormmodels.DropHeroNeedsAttention {
		t.Errorf("order without mode: %s", o.State)
	}
}

func TestOrderAmbiguousFailureNoDuplicate(t *testing.T) {
	// The fake stores the order, then answers 500 or drops the connection:
	// the client cannot know whether DropHero took it.
	for name, fault := range map[string]dropherotest.Fault{"500 after storing": dropherotest.Status(500), "connection dropped": dropherotest.DropConnection()} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, true)
			e.install()
			e.svc.SetAutoSubmit(e.ctx, true)
			e.fake.FailNext("/v1/orders/new", fault)
			e.placeOrder("2001", true, "1", "DH-5554")
			e.drain()
			if n := e.fake.Submissions("2001"); n != 1 {
				t.Errorf("submitted %d times", n)
			}
			if e.fake.CountRequests("GET", "/v1/orders/2001") != 1 {
				t.Error("no status check before resubmission")
			}
			if o := e.dhOrder("2001"); o.State != gormmodels.DropHeroSubmitted {
				t.Errorf("state %s %s", o.State, o.LastError)
			}
		})
	}
}

func TestOrderRejected(t *testing.T) {
	e := newEnv(t, true)
	e.install()
	e.svc.SetAutoSubmit(e.ctx, true)
	e.fake.FailNext("/v1/orders/new", dropherotest.Status(406))
	e.placeOrder("2101", true, "1", "DH-5554")
	e.drain()
	if o := e.dhOrder("2101"); o.State != gormmodels.DropHeroRejected || o.LastError == "" {
		t.Errorf("state %s %q", o.State, o.LastError)
	}
}

func TestOrderStatusMapping(t *testing.T) {
	e := newEnv(t, true)
	e.db.Create(&hostProduct{SKU: "OWN", Name: "Own", Price: decimal.NewFromInt(3), Active: true})
	e.install()
	e.svc.SetAutoSubmit(e.ctx, true)
	e.placeOrder("3001", true, "1", "DH-5554")
	e.placeOrder("3002", true, "1", "DH-5554")
	e.placeOrder("3003", true, "1", "DH-5554", "OWN")
	e.drain()
	hostState := func(id string) string {
		var o hostOrder
		e.db.First(&o, "id = ?", id)
		return o.State
	}
	steps := []struct {
		id, status, wantHost, wantDH string
	}{
		{"3001", "3", "partially_shipped", "3"},
		{"3001", "4", "shipped", "4"},
		{"3001", "1", "shipped", "4"}, // never backwards
		{"3002", "2", "on_hold", "2"},
		{"3003", "4", "shipped", "4"},
		{"3002", "9", "on_hold", "2"}, // unknown code: unchanged
	}
	for _, s := range steps {
		e.fake.SetOrderStatus(s.id, s.status)
		e.callback("orders")
		if got := hostState(s.id); got != s.wantHost {
			t.Errorf("%s → %s: host state %q, want %q", s.id, s.status, got, s.wantHost)
		}
		if got := e.dhOrder(s.id).DropHeroStatus; got != s.wantDH {
			t.Errorf("%s → %s: stored %q, want %q", s.id, s.status, got, s.wantDH)
		}
	}
	var o hostOrder
	e.db.First(&o, "id = ?", "3003")
	if o.Note != "mixed=true" {
		t.Errorf("mixed order note %q", o.Note)
	}
	var hist int64
	e.db.Model(&gormmodels.DropHeroOrderHistory{}).Where("order_id = ?", "3001").Count(&hist)
	if hist != 4 { // submitted, 3, 4, 1 (flagged)
		t.Errorf("history rows %d", hist)
	}
}

func TestOrderCancelledInShop(t *testing.T) {
	e := newEnv(t, true)
	e.install()
	e.placeOrder("4001", true, "1", "DH-5554") // auto-submit off: waits
	e.svc.SetAutoSubmit(e.ctx, true)
	e.placeOrder("4002", true, "1", "DH-5554")
	e.drain()
	for _, id := range []string{"4001", "4002"} {
		if err := e.db.Transaction(func(tx *gorm.DB) error { return e.svc.OrderCancelled(e.ctx, tx, id) }); err != nil {
			t.Fatal(err)
		}
	}
	e.drain()
	if o := e.dhOrder("4001"); o.State != gormmodels.DropHeroRejected {
		t.Errorf("waiting order after cancel: %s", o.State)
	}
	if o := e.dhOrder("4002"); o.State != gormmodels.DropHeroSubmitted || o.Alert == "" {
		t.Errorf("submitted order after cancel: %+v", o)
	}
	warned := false
	for _, m := range e.fake.Messages() {
		if m.Type == "warning" && strings.Contains(string(m.Message), "4002") {
			warned = true
		}
	}
	if !warned {
		t.Error("no warning notify for the cancelled submitted order")
	}
}

// flakyOrderHost fails DropHeroOrder once, on call number failOn.
type flakyOrderHost struct {
	testHost
	calls  *int
	failOn int
}

func (h flakyOrderHost) DropHeroOrder(ctx context.Context, tx *gorm.DB, id string) (*adapters.DropHeroOrder, error) {
	*h.calls++
	if *h.calls == h.failOn {
		return nil, errors.New("connection reset")
	}
	return h.testHost.DropHeroOrder(ctx, tx, id)
}

// A passing host/database failure while building the payload is retried;
// it does not reject the order for good.
func TestOrderSubmitTransientHostError(t *testing.T) {
	e := newEnv(t, true)
	e.install()
	calls := 0
	cfg := e.cfg
	cfg.Host = flakyOrderHost{calls: &calls, failOn: 2} // call 1: OrderPlaced; call 2: the first submission attempt
	svc, err := dropship.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	worker, err := outbox.New(outbox.Config{DB: e.db, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxAttempts: 5})
	if err != nil {
		t.Fatal(err)
	}
	e.worker = worker
	svc.Register(e.worker)
	svc.SetAutoSubmit(e.ctx, true)
	e.placeOrder("5001", true, "1", "DH-5554")
	e.drain()
	if o := e.dhOrder("5001"); o.State != gormmodels.DropHeroSubmitted || e.fake.Submissions("5001") != 1 {
		t.Errorf("state %s (%s), %d submissions", o.State, o.LastError, e.fake.Submissions("5001"))
	}
}

// TestOrderStatusCheckWithoutUsableEntryNeverResubmits: after an ambiguous
// failure only a real 404 of GET /v1/orders/{id} allows a resubmission
// (docs/protocol/drophero.md#order-submission). A 200 without a usable entry
// for the order moves it to needs_attention; confirming it again asks DropHero
// first.
func TestOrderStatusCheckWithoutUsableEntryNeverResubmits(t *testing.T) {
	for name, body := range map[string]string{
		"null status":  `{"2001":{"status":null}}`,
		"empty array":  `[]`,
		"empty body":   ``,
		"other order":  `{"9999":{"idordershop":"9999","status":"4"}}`,
		"other bare":   `{"idordershop":"9999","status":"4"}`,
		"invalid JSON": `{"2001":`,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, true)
			e.install()
			e.svc.SetAutoSubmit(e.ctx, true)
			e.fake.FailNext("/v1/orders/new", dropherotest.Status(500)) // stored at DropHero, answered 500
			e.fake.FailNext("/v1/orders/2001", dropherotest.Body(body))
			e.placeOrder("2001", true, "1", "DH-5554")
			e.drain()
			if n := e.fake.Submissions("2001"); n != 1 {
				t.Fatalf("submitted %d times", n)
			}
			o := e.dhOrder("2001")
			if o.State != gormmodels.DropHeroNeedsAttention || o.LastError == "" || !o.SubmitAttempted {
				t.Fatalf("state %s attempted %v %q", o.State, o.SubmitAttempted, o.LastError)
			}
			// The merchant confirms again: status check first, found, no duplicate.
			if err := e.svc.ConfirmOrder(e.ctx, "2001", ""); err != nil {
				t.Fatal(err)
			}
			e.drain()
			if n := e.fake.Submissions("2001"); n != 1 {
				t.Errorf("submitted %d times after the confirmation", n)
			}
			if o := e.dhOrder("2001"); o.State != gormmodels.DropHeroSubmitted || o.DropHeroStatus != "1" {
				t.Errorf("after confirmation: %s %q %q", o.State, o.DropHeroStatus, o.LastError)
			}
		})
	}
}

// TestOrderAmbiguousFailureEscapedID: the status check of an order whose id
// needs path escaping finds the order DropHero holds
// (docs/protocol/drophero.md#order-status-endpoints) instead of resubmitting
// it.
func TestOrderAmbiguousFailureEscapedID(t *testing.T) {
	e := newEnv(t, true)
	e.install()
	e.svc.SetAutoSubmit(e.ctx, true)
	e.fake.FailNext("/v1/orders/new", dropherotest.Status(500))
	e.placeOrder("2001/B 50%", true, "1", "DH-5554")
	e.drain()
	if n := e.fake.Submissions("2001/B 50%"); n != 1 {
		t.Errorf("submitted %d times", n)
	}
	if o := e.dhOrder("2001/B 50%"); o.State != gormmodels.DropHeroSubmitted {
		t.Errorf("state %s %s", o.State, o.LastError)
	}
}

// TestSubmitJobOutlivesLongOutage: with the recommended worker configuration a
// submission job is never given up
// (docs/protocol/drophero.md#status-codes-and-retries: "the job stays in the
// durable queue"), however many attempts a long DropHero outage took; the order
// is submitted once DropHero answers again.
func TestSubmitJobOutlivesLongOutage(t *testing.T) {
	e := newEnv(t, true)
	e.install()
	e.svc.SetAutoSubmit(e.ctx, true)
	cfg := dropship.WorkerConfig(e.db, nil)
	if cfg.MaxBackoff != 30*time.Minute || cfg.BaseBackoff != time.Minute {
		t.Errorf("backoff %v … %v, want 1 min … 30 min", cfg.BaseBackoff, cfg.MaxBackoff)
	}
	worker, err := outbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.worker = worker
	e.svc.Register(e.worker)
	e.placeOrder("2301", true, "1", "DH-5554")
	// About 20 h of outage: 45 failed attempts so far.
	if err := e.db.Model(&gormmodels.OutboxJob{}).Where("kind = ?", dropship.KindSubmitOrder).
		Updates(map[string]any{"attempts": 45, "last_error": "HTTP 503"}).Error; err != nil {
		t.Fatal(err)
	}
	e.drain()
	if _, _, ok := e.fake.Order("2301"); !ok {
		t.Errorf("order not submitted after the outage\n%s", e.jobErrors())
	}
	if o := e.dhOrder("2301"); o.State != gormmodels.DropHeroSubmitted {
		t.Errorf("state %s", o.State)
	}
}

// TestOrderPaidAfterAutoSubmitSwitchedOn: an unpaid order placed while
// auto-submit was off is submitted when it becomes paid with auto-submit on
// (docs/protocol/drophero.md#order-submission); with auto-submit still off it
// keeps waiting.
func TestOrderPaidAfterAutoSubmitSwitchedOn(t *testing.T) {
	e := newEnv(t, true)
	e.install()
	e.placeOrder("2401", false, "1", "DH-5554")
	e.placeOrder("2402", false, "1", "DH-5554")
	pay := func(id string) {
		t.Helper()
		if err := e.db.Transaction(func(tx *gorm.DB) error { return e.svc.OrderPaid(e.ctx, tx, id) }); err != nil {
			t.Fatal(err)
		}
		e.drain()
	}
	pay("2402") // auto-submit off: waits for the merchant
	if o := e.dhOrder("2402"); o.State != gormmodels.DropHeroAwaitingConfirmation {
		t.Errorf("2402 paid with auto-submit off: %s", o.State)
	}
	e.svc.SetAutoSubmit(e.ctx, true)
	pay("2401")
	if _, _, ok := e.fake.Order("2401"); !ok || e.fake.Submissions("2401") != 1 {
		t.Errorf("2401 not submitted once when paid: %s", e.dhOrder("2401").State)
	}
}
