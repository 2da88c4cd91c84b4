package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// importN imports n released test orders and returns their host ids by
// Shopgate number.
func (e *env) importN(n int) map[string]string {
	e.t.Helper()
	ids := map[string]string{}
	for i := range n {
		number := strconv.Itoa(1700000000 + i)
		o := shopgatetest.NewTestOrder(number)
		e.fake.AddOrder(o)
		ids[number] = e.addOrder(number).ExternalOrderID
	}
	return ids
}

func (e *env) jobStates() map[string]int {
	e.t.Helper()
	var jobs []gormmodels.OutboxJob
	if err := e.db.Find(&jobs).Error; err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int{}
	for _, j := range jobs {
		out[j.State]++
	}
	return out
}

// The Merchant API is down: jobs queue up; after it returns all are
// delivered once, nothing lost, nothing sent twice.
func TestSyncMerchantAPIDownThenBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := e.importN(5)
	e.fake.FailAlways("", shopgatetest.Unavailable())
	for _, id := range ids {
		e.ship(id, Shipment{Carrier: "DHL", TrackingNumber: "JJD00" + id, Complete: true})
	}
	w := e.worker()
	for round := 0; round < 4; round++ {
		if n := e.drain(w); round == 0 && n != 5 {
			t.Fatalf("first round ran %d jobs", n)
		}
		e.clock.Add(3 * time.Hour) // past any backoff
	}
	if st := e.jobStates(); st[gormmodels.OutboxPending] != 5 {
		t.Fatalf("while down: %v", st)
	}
	e.fake.ClearFaults()
	e.fake.ClearRequests()
	e.clock.Add(3 * time.Hour)
	if n := e.drain(w); n != 5 {
		t.Fatalf("after recovery ran %d jobs", n)
	}
	e.clock.Add(3 * time.Hour)
	if n := e.drain(w); n != 0 {
		t.Fatalf("%d jobs ran again", n)
	}
	sent := map[string]int{}
	for _, r := range e.fake.RequestsFor(shopgate.ActionAddOrderDeliveryNote) {
		sent[r.Param("order_number")]++
	}
	for number := range ids {
		if sent[number] != 1 {
			t.Errorf("order %s: %d delivery notes sent", number, sent[number])
		}
		st, _ := e.fake.Order(number)
		if !st.ShippingCompleted || len(st.DeliveryNotes) != 1 || st.DeliveryNotes[0].TrackingNumber != "JJD00"+ids[number] {
			t.Errorf("order %s at Shopgate: %+v", number, st)
		}
		if m := e.mapping(number); m.ShippingReportedAt == nil || m.SyncError != "" {
			t.Errorf("order %s bookkeeping: %+v", number, m)
		}
	}
	if st := e.jobStates(); st[gormmodels.OutboxDone] != 5 || len(st) != 1 {
		t.Errorf("job states %v", st)
	}
}

// Two workers on one PostgreSQL database: no job is sent twice.
func TestSyncTwoWorkersSendOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := e.importN(30)
	for _, id := range ids {
		e.ship(id, Shipment{Complete: true})
	}
	e.fake.ClearRequests()
	var wg sync.WaitGroup
	for range 2 {
		w := e.worker()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := w.RunOnce(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	sent := map[string]int{}
	for _, r := range e.fake.RequestsFor(shopgate.ActionSetOrderShippingCompleted) {
		sent[r.Param("order_number")]++
	}
	if len(sent) != len(ids) {
		t.Fatalf("%d orders reported, want %d", len(sent), len(ids))
	}
	for n, c := range sent {
		if c != 1 {
			t.Errorf("order %s reported %d times", n, c)
		}
	}
}

// Merchant API answers are classified per
// docs/protocol/orders.md#merchant-api-outcomes.
func TestSyncOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		record    func(e *env, id string)
		fault     *shopgatetest.Fault
		action    string
		wantState string
		wantError bool
		reported  bool
	}{
		{"already completed counts as success", func(e *env, id string) { e.ship(id, Shipment{Complete: true}) },
			fault(shopgate.SMACodeOrderShippingCompleted), shopgate.ActionSetOrderShippingCompleted, gormmodels.OutboxDone, false, true},
		{"order on hold is retried", func(e *env, id string) { e.ship(id, Shipment{Complete: true}) },
			fault(shopgate.SMACodeOrderOnHold), shopgate.ActionSetOrderShippingCompleted, gormmodels.OutboxPending, false, false},
		{"order unknown at Shopgate is permanent", func(e *env, id string) { e.ship(id, Shipment{Complete: true}) },
			fault(shopgate.SMACodeOrderNotFound), shopgate.ActionSetOrderShippingCompleted, gormmodels.OutboxDead, true, false},
		{"already cancelled counts as success", func(e *env, id string) { e.cancel(id, Cancellation{Complete: true}) },
			fault(shopgate.SMACodeOrderAlreadyCancelled), shopgate.ActionCancelOrder, gormmodels.OutboxDone, false, true},
		{"shipping already cancelled is success for a shipping-only request", func(e *env, id string) {
			e.cancel(id, Cancellation{CancelShipping: true})
		}, fault(shopgate.SMACodeShippingAlreadyCancelled), shopgate.ActionCancelOrder, gormmodels.OutboxDone, false, false},
		{"shipping already cancelled with items needs review", func(e *env, id string) {
			e.cancel(id, Cancellation{CancelShipping: true, Items: []shopgate.CancellationItem{{ItemNumber: "SKU-1001", Quantity: 1}}})
		}, fault(shopgate.SMACodeShippingAlreadyCancelled), shopgate.ActionCancelOrder, gormmodels.OutboxDead, true, false},
		{"undocumented code (hourly limit) is retried", func(e *env, id string) { e.ship(id, Shipment{Complete: true}) },
			fault(429), shopgate.ActionSetOrderShippingCompleted, gormmodels.OutboxPending, false, false},
		{"undocumented code on a delivery note is retried", func(e *env, id string) {
			e.ship(id, Shipment{TrackingNumber: "T1", Complete: true})
		}, fault(1001), shopgate.ActionAddOrderDeliveryNote, gormmodels.OutboxPending, false, false},
		{"undocumented code on a cancellation is retried", func(e *env, id string) { e.cancel(id, Cancellation{Complete: true}) },
			fault(503), shopgate.ActionCancelOrder, gormmodels.OutboxPending, false, false},
		{"authorization too old is retried", func(e *env, id string) { e.ship(id, Shipment{Complete: true}) },
			fault(shopgate.SMACodeAuthTooOld), shopgate.ActionSetOrderShippingCompleted, gormmodels.OutboxPending, false, false},
		{"invalid credentials are permanent", func(e *env, id string) { e.ship(id, Shipment{Complete: true}) },
			fault(shopgate.SMACodeAuthTokenInvalid), shopgate.ActionSetOrderShippingCompleted, gormmodels.OutboxDead, true, false},
		{"invalid cancel quantity is permanent", func(e *env, id string) {
			e.cancel(id, Cancellation{Items: []shopgate.CancellationItem{{ItemNumber: "SKU-1001", Quantity: 1}}})
		}, fault(shopgate.SMACodeCancelInvalidQuantity), shopgate.ActionCancelOrder, gormmodels.OutboxDead, true, false},
		{"partial shipment with unknown carrier goes as OTHER", func(e *env, id string) {
			e.ship(id, Shipment{Carrier: "Pigeon", TrackingNumber: "P1"})
		}, nil, shopgate.ActionAddOrderDeliveryNote, gormmodels.OutboxDone, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var number, id string
			for n, i := range e.importN(1) {
				number, id = n, i
			}
			tt.record(e, id)
			if tt.fault != nil {
				e.fake.FailNext(tt.action, *tt.fault)
			}
			e.drain(e.worker())
			if n := len(e.fake.RequestsFor(tt.action)); n != 1 {
				t.Fatalf("%d %s requests", n, tt.action)
			}
			if st := e.jobStates(); st[tt.wantState] != 1 {
				t.Errorf("job states %v, want one %s", st, tt.wantState)
			}
			m := e.mapping(number)
			if (m.SyncError != "") != tt.wantError {
				t.Errorf("sync error %q", m.SyncError)
			}
			reported := m.ShippingReportedAt != nil || m.CancellationReportedAt != nil
			if reported != tt.reported {
				t.Errorf("reported %v, want %v", reported, tt.reported)
			}
			if tt.action == shopgate.ActionAddOrderDeliveryNote {
				if c := e.fake.RequestsFor(tt.action)[0].Param("shipping_service_id"); c != "OTHER" {
					t.Errorf("carrier %q", c)
				}
			}
		})
	}
}

// A code outside the table of docs/protocol/orders.md#merchant-api-outcomes
// (such as the undocumented hourly-limit code) backs off and is sent again
// later; it neither kills the job nor marks the order with a sync error that
// cron would skip.
func TestSyncUnknownCodeRetriedUntilSuccess(t *testing.T) {
	t.Parallel()
	for _, code := range []int{429, 150, 1000} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var number, id string
			for n, i := range e.importN(1) {
				number, id = n, i
			}
			e.ship(id, Shipment{Complete: true})
			e.fake.FailNext(shopgate.ActionSetOrderShippingCompleted, *fault(code))
			w := e.worker()
			e.drain(w)
			if st := e.jobStates(); st[gormmodels.OutboxPending] != 1 {
				t.Fatalf("after code %d: job states %v", code, st)
			}
			if m := e.mapping(number); m.SyncError != "" {
				t.Fatalf("sync error %q after a transient code", m.SyncError)
			}
			e.clock.Add(3 * time.Hour)
			e.drain(w)
			if st := e.jobStates(); st[gormmodels.OutboxDone] != 1 {
				t.Fatalf("after retry: job states %v", st)
			}
			if n := len(e.fake.RequestsFor(shopgate.ActionSetOrderShippingCompleted)); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
			if m := e.mapping(number); m.ShippingReportedAt == nil || m.SyncError != "" {
				t.Errorf("bookkeeping %+v", m)
			}
		})
	}
}

func fault(code int) *shopgatetest.Fault {
	f := shopgatetest.ErrorFault(code, fmt.Sprintf("error %d", code))
	return &f
}

func (e *env) cancel(id string, c Cancellation) {
	e.t.Helper()
	err := e.db.Transaction(func(tx *gorm.DB) error {
		_, err := e.svc.RecordCancellation(context.Background(), tx, id, c)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func TestSyncPartialCancellationAndNonShopgateOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var number, id string
	for n, i := range e.importN(1) {
		number, id = n, i
	}
	e.cancel(id, Cancellation{Items: []shopgate.CancellationItem{{ItemNumber: "SKU-1001", Quantity: 1}}, Note: "out of stock"})
	e.cancel(id, Cancellation{Items: []shopgate.CancellationItem{{ItemNumber: "SKU-1001", Quantity: 1}}})
	e.drain(e.worker())
	st, _ := e.fake.Order(number)
	if len(st.Cancellations) != 2 || st.RemainingItems["SKU-1001"] != 0 || st.Cancellations[0].Note != "out of stock" {
		t.Fatalf("at Shopgate: %+v", st)
	}
	var reported map[string]int
	if err := json.Unmarshal([]byte(e.mapping(number).ReportedCancellations), &reported); err != nil || reported["SKU-1001"] != 2 {
		t.Errorf("reported cancellations %v %v", reported, err)
	}

	// A host order that did not come from Shopgate is not reported.
	err := e.db.Transaction(func(tx *gorm.DB) error {
		ok, err := e.svc.RecordShipment(context.Background(), tx, "424242", Shipment{Complete: true})
		if ok {
			t.Error("non-Shopgate order recorded")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A rolled back host change sends nothing.
	boom := fmt.Errorf("host change failed")
	_ = e.db.Transaction(func(tx *gorm.DB) error {
		if _, err := e.svc.RecordShipment(context.Background(), tx, id, Shipment{Complete: true}); err != nil {
			t.Fatal(err)
		}
		return boom
	})
	e.fake.ClearRequests()
	if n := e.drain(e.worker()); n != 0 || len(e.fake.Requests()) != 0 {
		t.Errorf("rolled back shipment was sent: %d jobs", n)
	}
}

// The cron jobs repair what changed in the host without a record call.
func TestCronRepairs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := e.importN(3)
	var numbers []string
	for n := range ids {
		numbers = append(numbers, n)
	}
	shipped, cancelled, deleted := numbers[0], numbers[1], numbers[2]
	e.setHostStatus(ids[shipped], "shipped")
	e.setHostStatus(ids[cancelled], "cancelled")
	ctx := context.Background()

	run := func(job, want string) {
		t.Helper()
		msg, errs, err := e.svc.RunCronJob(ctx, e.shop, job, map[string]any{})
		if err != nil || errs != 0 || msg != want {
			t.Fatalf("%s: %q %d %v, want %q", job, msg, errs, err, want)
		}
	}
	run(JobSetShippingCompleted, "1 orders queued for set_order_shipping_completed\n")
	run(JobSetShippingCompleted, "0 orders queued for set_order_shipping_completed\n") // one is under way
	run(JobCancelOrders, "1 orders queued for cancel_order\n")
	e.drain(e.worker())
	if st, _ := e.fake.Order(shipped); !st.ShippingCompleted {
		t.Errorf("shipped order not reported: %+v", st)
	}
	if st, _ := e.fake.Order(cancelled); !st.Cancelled {
		t.Errorf("cancelled order not reported: %+v", st)
	}
	run(JobSetShippingCompleted, "0 orders queued for set_order_shipping_completed\n")
	run(JobCancelOrders, "0 orders queued for cancel_order\n")

	if err := e.db.Exec("DELETE FROM shop_orders WHERE id = ?", ids[deleted]).Error; err != nil {
		t.Fatal(err)
	}
	e.clock.Add(31 * 24 * time.Hour)
	run(JobCleanOrders, "1 order mappings of deleted orders removed, 2 finished outbox jobs purged\n")
	if n := e.count(&gormmodels.ShopgateOrder{}); n != 2 {
		t.Errorf("%d mappings left", n)
	}
	if _, _, err := e.svc.RunCronJob(ctx, e.shop, "nope", nil); apiCode(err) != shopgate.CodeCronUnsupportedJob {
		t.Errorf("unknown job: %v", err)
	}
}

// When delivery-note jobs die, the set_shipping_completed repair sends
// them again instead of a bare completion, so Shopgate gets the tracking
// numbers and carriers.
func TestCronRequeuesDeadDeliveryNotes(t *testing.T) {
	t.Parallel()
	type note struct{ carrier, tracking string }
	tests := []struct {
		name      string
		shipments []Shipment // recorded while the Merchant API rejects them
		hostOnly  bool       // the host marks the order shipped without a record call
		want      []note     // delivery notes at Shopgate after the repair
	}{
		{"complete note with tracking", []Shipment{{Carrier: "DHL", TrackingNumber: "JJD1", Complete: true}}, false,
			[]note{{"DHL", "JJD1"}}},
		{"partial notes then complete", []Shipment{{Carrier: "DHL", TrackingNumber: "P1"}, {Carrier: "UPS", TrackingNumber: "P2", Complete: true}}, false,
			[]note{{"DHL", "P1"}, {"UPS", "P2"}}},
		{"partial note, shipped in the host", []Shipment{{Carrier: "DPD", TrackingNumber: "P9"}}, true,
			[]note{{"DPD", "P9"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var number, id string
			for n, i := range e.importN(1) {
				number, id = n, i
			}
			e.fake.FailAlways(shopgate.ActionAddOrderDeliveryNote, *fault(shopgate.SMACodeOrderNotFound))
			for _, sh := range tt.shipments {
				e.ship(id, sh)
			}
			if tt.hostOnly {
				e.setHostStatus(id, "shipped")
			}
			w := e.worker()
			e.drain(w)
			if st := e.jobStates(); st[gormmodels.OutboxDead] != len(tt.shipments) {
				t.Fatalf("job states %v", st)
			}
			e.fake.ClearFaults()

			msg, errs, err := e.svc.RunCronJob(context.Background(), e.shop, JobSetShippingCompleted, map[string]any{"retry_failed": "1"})
			if err != nil || errs != 0 || msg != "1 orders queued for set_order_shipping_completed\n" {
				t.Fatalf("cron: %q %d %v", msg, errs, err)
			}
			e.drain(w)
			st, _ := e.fake.Order(number)
			if !st.ShippingCompleted {
				t.Errorf("shipping not completed at Shopgate: %+v", st)
			}
			var got []note
			for _, n := range st.DeliveryNotes {
				got = append(got, note{n.ShippingServiceID, n.TrackingNumber})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("delivery notes at Shopgate %v, want %v", got, tt.want)
			}
			if m := e.mapping(number); m.ShippingReportedAt == nil || m.SyncError != "" {
				t.Errorf("bookkeeping %+v", m)
			}
			// Repaired: nothing more to queue.
			if msg, _, _ := e.svc.RunCronJob(context.Background(), e.shop, JobSetShippingCompleted, map[string]any{"retry_failed": "1"}); msg != "0 orders queued for set_order_shipping_completed\n" {
				t.Errorf("second cron run: %q", msg)
			}
		})
	}
}
