package orders

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/shopgate"
)

// TestHooksRunInsideTheImportTransaction: a hook's writes commit with the
// import exactly once under duplicate add_order calls, a hook error rolls
// the whole import back, and update hooks see what changed.
func TestHooksRunInsideTheImportTransaction(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var events []Event
	var mu sync.Mutex
	fail := atomic.Bool{}
	hook := func(ctx context.Context, tx *gorm.DB, ev Event) error {
		if fail.Load() {
			return errors.New("hook failed")
		}
		calls.Add(1)
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		return outbox.Enqueue(tx, outbox.Job{Kind: "test.hook", Key: string(ev.Kind) + ev.Order.OrderNumber, Payload: ev.Host})
	}
	e := newEnv(t, func(c *Config) { c.Hooks = []Hook{hook} })
	m := specOrder(t)
	e.addRaw(m)

	// A failing hook fails the import as a technical error: nothing stays.
	fail.Store(true)
	if _, err := e.svc.AddOrder(context.Background(), e.shop, "1402011234"); err == nil || apiCode(err) == shopgate.CodeDuplicateOrder {
		t.Fatalf("failing hook: %v", err)
	}
	if n := e.count(&gormmodels.ShopgateOrder{}); n != 0 {
		t.Fatalf("%d bookkeeping rows after a failed hook", n)
	}
	fail.Store(false)

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = e.svc.AddOrder(context.Background(), e.shop, "1402011234")
		}()
	}
	wg.Wait()
	if calls.Load() != 1 || e.count(&gormmodels.OutboxJob{}) != 1 {
		t.Fatalf("hook calls %d, jobs %d; want 1 and 1", calls.Load(), e.count(&gormmodels.OutboxJob{}))
	}
	mp := e.mapping("1402011234")
	if ev := events[0]; ev.Kind != EventImported || ev.Host.ExternalOrderID != mp.HostOrderID || ev.Order.OrderNumber != "1402011234" || ev.ShopNumber != e.shop.Number {
		t.Errorf("import event %+v", ev)
	}

	// Nothing new: no update hook.
	if _, err := e.svc.UpdateOrder(context.Background(), e.shop, "1402011234", false, false); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Fatalf("update without changes called the hook")
	}
	m["is_paid"] = 1
	m["is_shipping_blocked"] = 0
	e.addRaw(m)
	if _, err := e.svc.UpdateOrder(context.Background(), e.shop, "1402011234", true, true); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 {
		t.Fatalf("update hook calls %d", calls.Load())
	}
	ev := events[1]
	if ev.Kind != EventUpdated || ev.Before.IsPaid || !ev.Order.IsPaid || ev.Host.ExternalOrderID != mp.HostOrderID {
		t.Errorf("update event kind %s before %+v paid %v host %+v", ev.Kind, ev.Before, ev.Order.IsPaid, ev.Host)
	}
}
