package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/shopgate"
)

// docs/protocol/orders.md#u2-payment: a paid order whose payment details change
// while is_paid stays 1 takes over the new transaction number, payment time and
// payment_infos; a missing payment time keeps the stored paid_at.
func TestUpdateOrderPaymentDetailsWhilePaid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := specOrder(t)
	m["is_paid"] = 1
	m["payment_time"] = "2024-06-01T09:15:00+02:00"
	m["payment_transaction_number"] = "TX-1"
	e.addRaw(m)
	ref := e.addOrder("1402011234")
	o := e.hostOrder(ref.ExternalOrderID)
	if !o.IsPaid || o.PaidAt == nil {
		t.Fatalf("imported paid %v at %v", o.IsPaid, o.PaidAt)
	}
	firstPaid := *o.PaidAt

	// New transaction, no payment time, is_paid still 1.
	m["payment_transaction_number"] = "TX-2"
	m["payment_time"] = nil
	m["payment_infos"] = map[string]any{"purpose": "SG1402011234", "refund_of": "TX-1"}
	e.addRaw(m)
	if _, err := e.svc.UpdateOrder(context.Background(), e.shop, "1402011234", true, false); err != nil {
		t.Fatal(err)
	}
	o = e.hostOrder(ref.ExternalOrderID)
	if !o.IsPaid || o.PaidAt == nil || !o.PaidAt.Equal(firstPaid) {
		t.Errorf("paid %v at %v, want kept %v", o.IsPaid, o.PaidAt, firstPaid)
	}
	h := e.history(o.ID)
	if len(h) != 2 || !strings.Contains(h[1].Comment, "Payment details changed at Shopgate (transaction TX-2)") {
		t.Fatalf("history %+v", h)
	}
	if !strings.Contains(o.Comment, "refund_of: TX-1") {
		t.Errorf("payment_infos not taken over:\n%s", o.Comment)
	}
	mp := e.mapping("1402011234")
	if mp.PaymentTransactionNumber != "TX-2" || mp.PaymentTime != nil || !strings.Contains(mp.PaymentInfos, `"refund_of":"TX-1"`) {
		t.Errorf("bookkeeping %q %v %q", mp.PaymentTransactionNumber, mp.PaymentTime, mp.PaymentInfos)
	}

	// The same data again: nothing new
	// (docs/protocol/orders.md#u6-idempotent-updates).
	if _, err := e.svc.UpdateOrder(context.Background(), e.shop, "1402011234", true, false); err != nil {
		t.Fatal(err)
	}
	if h := e.history(o.ID); len(h) != 2 {
		t.Fatalf("repeated update added history: %+v", h)
	}

	// A new payment time is taken over.
	m["payment_time"] = "2024-06-02T10:00:00Z"
	e.addRaw(m)
	if _, err := e.svc.UpdateOrder(context.Background(), e.shop, "1402011234", true, false); err != nil {
		t.Fatal(err)
	}
	o = e.hostOrder(ref.ExternalOrderID)
	if o.PaidAt == nil || o.PaidAt.UTC().Format("2006-01-02T15:04") != "2024-06-02T10:00" {
		t.Errorf("paid at %v, want 2024-06-02T10:00Z", o.PaidAt)
	}
	if h := e.history(o.ID); len(h) != 3 || !strings.Contains(h[2].Comment, "paid at 2024-06-02 10:00:00 UTC") {
		t.Fatalf("history %+v", h)
	}
}

// docs/protocol/orders.md#r12-discrepancies-never-fail: informational values of
// the wrong type do not block the import; they are left out (or kept as JSON
// text) with a note. The raw order keeps everything as received, unknown keys
// included (docs/protocol/orders.md#tolerant-decoding-and-raw-json).
func TestImportUnreadableInformationalFieldsAndRawOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product("TS-1001", "19.95", 10, true)
	e.product("HD-2002", "49.95", 10, true)
	m := specOrder(t)
	m["shipping_infos"].(map[string]any)["weight"] = "1.5"
	m["items"].([]any)[0].(map[string]any)["internal_order_info"] = map[string]any{"product_id": 1001}
	m["some_future_field"] = map[string]any{"x": 1}
	e.addRaw(m)
	ref := e.addOrder("1402011234")

	mp := e.mapping("1402011234")
	if !strings.Contains(mp.Notes, `shipping_infos.weight: cannot use "1.5" as integer; left out`) ||
		!strings.Contains(mp.Notes, "items[0].internal_order_info: cannot use object as string; kept as JSON text") {
		t.Errorf("notes:\n%s", mp.Notes)
	}
	o := e.hostOrder(ref.ExternalOrderID)
	if !strings.Contains(o.Comment, "Unreadable value from Shopgate, shipping_infos.weight") {
		t.Errorf("comment:\n%s", o.Comment)
	}
	if !o.AmountTotal.Equal(decimal.RequireFromString("86.75")) || len(e.items(o.ID)) != 3 {
		t.Errorf("order %+v", o)
	}

	var raw map[string]any
	if err := json.Unmarshal([]byte(mp.RawOrder), &raw); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(raw["some_future_field"]) != "map[x:1]" {
		t.Errorf("unknown key lost: %v", raw["some_future_field"])
	}
	if w := raw["shipping_infos"].(map[string]any)["weight"]; w != "1.5" {
		t.Errorf("raw weight %#v, want the string as received", w)
	}
	if v, ok := raw["external_order_number"]; !ok || v != nil {
		t.Errorf("raw external_order_number %#v (present %v), want null as received", v, ok)
	}
}

// An order Shopgate already considers completely shipped is imported as
// shipped with a note, and nothing is reported back.
func TestImportAlreadyShippedAtShopgate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := specOrder(t)
	m["is_shipping_blocked"] = 0
	m["is_shipping_completed"] = 1
	m["shipping_completed_time"] = "2024-06-02T08:00:00Z"
	e.addRaw(m)
	ref := e.addOrder("1402011234")
	o := e.hostOrder(ref.ExternalOrderID)
	if o.Status != "shipped" {
		t.Errorf("status %q, want shipped", o.Status)
	}
	if !strings.Contains(o.Comment, "Already completely shipped at Shopgate on 2024-06-02 08:00 UTC; imported as shipped, do not ship again.") {
		t.Errorf("comment:\n%s", o.Comment)
	}
	if h := e.history(o.ID); len(h) != 1 || !strings.Contains(h[0].Comment, "Already completely shipped at Shopgate.") {
		t.Errorf("history %+v", h)
	}
	if mp := e.mapping("1402011234"); mp.ShippingReportedAt == nil {
		t.Error("shipping not marked as known to Shopgate")
	}
	if _, _, err := e.svc.RunCronJob(context.Background(), e.shop, JobSetShippingCompleted, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	if n := e.drain(e.worker()); n != 0 {
		t.Errorf("%d sync jobs for an order Shopgate shipped itself", n)
	}

	// Blocked and completed at once: not released, noted.
	m["order_number"] = "1402019999"
	m["is_shipping_blocked"] = 1
	e.addRaw(m)
	ref = e.addOrder("1402019999")
	if o := e.hostOrder(ref.ExternalOrderID); o.Status != "new" || !strings.Contains(o.Comment, "completely shipped but blocked for shipping") {
		t.Errorf("blocked+completed: status %q comment:\n%s", o.Status, o.Comment)
	}
}

// 5.7: ReportedCancellations records what Shopgate accepted, and no unit
// is cancelled twice: recording more than was ordered (counting accepted
// and queued cancellations) fails, and a job whose units Shopgate already
// accepted is not sent.
func TestPartialCancellationNotSentTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var number, id string
	for n, i := range e.importN(1) {
		number, id = n, i
	}
	reported := func() map[string]int {
		t.Helper()
		out := map[string]int{}
		if r := e.mapping(number).ReportedCancellations; r != "" {
			if err := json.Unmarshal([]byte(r), &out); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	record := func(q int) error {
		return e.db.Transaction(func(tx *gorm.DB) error {
			_, err := e.svc.RecordCancellation(context.Background(), tx, id,
				Cancellation{Items: []shopgate.CancellationItem{{ItemNumber: "SKU-1001", Quantity: q}}})
			return err
		})
	}
	w := e.worker()

	// Queued, not yet accepted: nothing recorded; a second unit fits, a
	// third does not (2 ordered).
	if err := record(1); err != nil {
		t.Fatal(err)
	}
	if r := reported(); r["SKU-1001"] != 0 {
		t.Fatalf("recorded at queue time: %v", r)
	}
	if err := record(2); err == nil || !strings.Contains(err.Error(), "would cancel 3 of 2 ordered") {
		t.Fatalf("over-cancellation while queued: %v", err)
	}

	// Rejected by Shopgate: still nothing recorded.
	e.fake.FailNext(shopgate.ActionCancelOrder, *fault(shopgate.SMACodeCancelInvalidQuantity))
	e.drain(w)
	if r := reported(); r["SKU-1001"] != 0 {
		t.Fatalf("recorded a rejected cancellation: %v", r)
	}

	// Accepted: recorded.
	if err := record(1); err != nil {
		t.Fatal(err)
	}
	e.drain(w)
	if r := reported(); r["SKU-1001"] != 1 {
		t.Fatalf("accepted cancellation not recorded: %v", r)
	}
	if err := record(2); err == nil {
		t.Fatal("cancelled 1 + 2 of 2 ordered")
	}
	if err := record(1); err != nil {
		t.Fatal(err)
	}
	e.drain(w)
	if r := reported(); r["SKU-1001"] != 2 {
		t.Fatalf("reported %v, want 2", r)
	}

	// A job for units Shopgate already accepted (e.g. sent again after
	// its success) dies without being sent.
	before := len(e.fake.RequestsFor(shopgate.ActionCancelOrder))
	if err := outbox.Enqueue(e.db, outbox.Job{Kind: KindCancelOrder, Payload: cancelJob{
		ShopNumber: e.shop.Number, OrderNumber: number,
		Items: []shopgate.CancellationItem{{ItemNumber: "SKU-1001", Quantity: 1}},
	}}); err != nil {
		t.Fatal(err)
	}
	e.drain(w)
	if n := len(e.fake.RequestsFor(shopgate.ActionCancelOrder)); n != before {
		t.Errorf("%d cancel_order requests sent for already cancelled units", n-before)
	}
	if m := e.mapping(number); !strings.Contains(m.SyncError, "would cancel 3 of 2 ordered") {
		t.Errorf("sync error %q", m.SyncError)
	}
	if st, _ := e.fake.Order(number); st.RemainingItems["SKU-1001"] != 0 || len(st.Cancellations) != 2 {
		t.Errorf("at Shopgate: %+v", st)
	}
}
