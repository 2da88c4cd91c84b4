package orders

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate"
)

// Worked example 8.3: payment received, order released.
func TestUpdateOrderWorkedExample83(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := specOrder(t)
	e.addRaw(m)
	ref := e.addOrder("1402011234")
	o := e.hostOrder(ref.ExternalOrderID)

	m["is_paid"] = 1
	m["payment_time"] = "2024-06-01T09:15:00+02:00"
	m["payment_transaction_number"] = "BT-20240601-0042"
	m["is_shipping_blocked"] = 0
	e.addRaw(m)

	got, err := e.svc.UpdateOrder(context.Background(), e.shop, "1402011234", true, true)
	if err != nil {
		t.Fatal(err)
	}
	if got != ref {
		t.Errorf("ref %+v, want %+v", got, ref)
	}
	o = e.hostOrder(ref.ExternalOrderID)
	if !o.IsPaid || o.PaidAt == nil || o.PaidAt.UTC().Format("2006-01-02T15:04") != "2024-06-01T07:15" {
		t.Errorf("paid %v at %v", o.IsPaid, o.PaidAt)
	}
	if o.Status != "processing" {
		t.Errorf("status %q, want processing (released for shipping)", o.Status)
	}
	h := e.history(o.ID)
	if len(h) != 2 || !strings.Contains(h[1].Comment, "Payment received at Shopgate (transaction BT-20240601-0042)") ||
		!strings.Contains(h[1].Comment, "Released for shipping") {
		t.Fatalf("history %+v", h)
	}
	if !strings.Contains(o.Comment, "Released for shipping by Shopgate.") || !strings.Contains(o.Comment, "Payment received at Shopgate") ||
		!strings.Contains(o.Comment, "purpose: SG1402011234") {
		t.Errorf("comment:\n%s", o.Comment)
	}
	if mp := e.mapping("1402011234"); mp.IsShippingBlocked || !mp.IsPaid {
		t.Errorf("bookkeeping %+v", mp)
	}

	// The same update again succeeds and changes nothing
	// (docs/protocol/orders.md#u6-idempotent-updates).
	if got, err := e.svc.UpdateOrder(context.Background(), e.shop, "1402011234", true, true); err != nil || got != ref {
		t.Fatalf("repeated update: %+v %v", got, err)
	}
	if h := e.history(o.ID); len(h) != 2 {
		t.Errorf("repeated update added history: %+v", h)
	}

	// Unknown order: 61.
	_, err = e.svc.UpdateOrder(context.Background(), e.shop, "9999999999", true, false)
	if apiCode(err) != shopgate.CodeOrderNotFound {
		t.Fatalf("unknown order: %v", err)
	}
}

func TestUpdateOrderCancellationAndShipped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		hostStatus string
		start      map[string]any // Shopgate fields at import, before change
		change     map[string]any
		wantStatus string
		wantCode   int
		wantText   string
	}{
		{"cancelled at Shopgate", "new", nil, map[string]any{"is_storno": 1}, "cancelled", 0, "Cancelled at Shopgate."},
		{"cancelled after shipping", "shipped", nil, map[string]any{"is_storno": 1}, "shipped", shopgate.CodeOrderStatusIsSent, ""},
		{"shipping completed at Shopgate", "processing", nil, map[string]any{"is_shipping_blocked": 0, "is_shipping_completed": 1}, "shipped", 0, "Shipping completed at Shopgate."},
		{"invoice blocked", "new", nil, map[string]any{"is_customer_invoice_blocked": 1}, "new", 0, "INVOICE BLOCKED"},
		{"blocked again", "processing", nil, map[string]any{"is_shipping_blocked": 1}, "new", 0, "SHIPPING BLOCKED again"},
		{"blocked again after the merchant cancelled", "cancelled", nil, map[string]any{"is_shipping_blocked": 1}, "cancelled", 0, "status unchanged"},
		{"released after the merchant cancelled", "cancelled", map[string]any{"is_shipping_blocked": 1}, map[string]any{"is_shipping_blocked": 0}, "cancelled", 0, "status unchanged"},
		{"paid and blocked after the merchant cancelled", "cancelled", nil, map[string]any{"is_shipping_blocked": 1, "is_paid": 1}, "cancelled", 0, "Payment received"},
		{"shipping completed after the merchant cancelled", "cancelled", nil, map[string]any{"is_shipping_completed": 1}, "cancelled", 0, "Shipping completed at Shopgate."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			m := specOrder(t)
			if tt.hostStatus != "new" {
				m["is_shipping_blocked"] = 0
			}
			for k, v := range tt.start {
				m[k] = v
			}
			e.addRaw(m)
			ref := e.addOrder("1402011234")
			e.setHostStatus(ref.ExternalOrderID, tt.hostStatus)
			for k, v := range tt.change {
				m[k] = v
			}
			e.addRaw(m)
			_, err := e.svc.UpdateOrder(context.Background(), e.shop, "1402011234", false, true)
			if apiCode(err) != tt.wantCode {
				t.Fatalf("err %v, want code %d", err, tt.wantCode)
			}
			o := e.hostOrder(ref.ExternalOrderID)
			if o.Status != tt.wantStatus {
				t.Errorf("status %q, want %q", o.Status, tt.wantStatus)
			}
			if tt.wantText != "" {
				h := e.history(o.ID)
				if !strings.Contains(h[len(h)-1].Comment, tt.wantText) {
					t.Errorf("history %+v lacks %q", h, tt.wantText)
				}
			}
		})
	}
}

// gatedMerchant pauses the first GetOrder after arm, once it has fetched
// its snapshot, until release is closed.
type gatedMerchant struct {
	MerchantAPI
	mu      sync.Mutex
	armed   bool
	fetched chan struct{}
	release chan struct{}
}

func (g *gatedMerchant) arm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed, g.fetched, g.release = true, make(chan struct{}), make(chan struct{})
}

func (g *gatedMerchant) GetOrder(ctx context.Context, number string) (*shopgate.Order, error) {
	o, err := g.MerchantAPI.GetOrder(ctx, number)
	g.mu.Lock()
	armed := g.armed
	g.armed = false
	g.mu.Unlock()
	if armed {
		close(g.fetched)
		select {
		case <-g.release:
		case <-ctx.Done():
		}
	}
	return o, err
}

// Two update_order calls for one order: the first fetched an old snapshot
// (unpaid, blocked) and is slow; meanwhile Shopgate has the order paid and
// released and a second call arrives. The old snapshot must not be
// applied over the new one: fetch and apply are serialised per order.
func TestUpdateOrderConcurrentSnapshotsApplyInOrder(t *testing.T) {
	t.Parallel()
	dbs := []struct {
		name string
		open func(*testing.T) *gorm.DB
		// waiting reports whether an update waits for the order lock.
		waiting func(*env) bool
	}{
		{"postgres", func(t *testing.T) *gorm.DB { return testdb.New(t) }, func(e *env) bool {
			var n int64
			if err := e.db.Raw(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n).Error; err != nil {
				e.t.Error(err)
			}
			return n > 0
		}},
		{"sqlite", newSQLite, func(e *env) bool {
			e.svc.locks.mu.Lock()
			defer e.svc.locks.mu.Unlock()
			for _, en := range e.svc.locks.entries {
				if en.refs > 1 {
					return true
				}
			}
			return false
		}},
	}
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			gate := &gatedMerchant{}
			e := newEnvOn(t, d.open(t), func(c *Config) {
				inner, err := c.Merchant("")
				if err != nil {
					t.Fatal(err)
				}
				gate.MerchantAPI = inner
				c.Merchant = SingleMerchant(gate)
			})
			m := specOrder(t) // unpaid, shipping blocked
			e.addRaw(m)
			ref := e.addOrder("1402011234")
			ctx := context.Background()

			gate.arm()
			errA := make(chan error, 1)
			go func() {
				_, err := e.svc.UpdateOrder(ctx, e.shop, "1402011234", true, true)
				errA <- err
			}()
			<-gate.fetched // A holds the old snapshot

			m["is_paid"] = 1
			m["payment_time"] = "2024-06-01T09:15:00+02:00"
			m["is_shipping_blocked"] = 0
			e.addRaw(m)
			errB := make(chan error, 1)
			go func() {
				_, err := e.svc.UpdateOrder(ctx, e.shop, "1402011234", true, true)
				errB <- err
			}()
			// Let B either finish (unserialised) or queue behind A.
			var bDone bool
			var bErr error
			deadline := time.Now().Add(10 * time.Second)
			for !bDone && !d.waiting(e) {
				select {
				case bErr = <-errB:
					bDone = true
				case <-time.After(10 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatal("second update neither finished nor waited")
				}
			}
			close(gate.release)
			if err := <-errA; err != nil {
				t.Fatalf("first update: %v", err)
			}
			if !bDone {
				bErr = <-errB
			}
			if bErr != nil {
				t.Fatalf("second update: %v", bErr)
			}

			o := e.hostOrder(ref.ExternalOrderID)
			if !o.IsPaid || o.Status != "processing" {
				t.Errorf("host order paid %v status %q, want paid and processing (the newer snapshot)", o.IsPaid, o.Status)
			}
			if mp := e.mapping("1402011234"); !mp.IsPaid || mp.IsShippingBlocked {
				t.Errorf("bookkeeping paid %v blocked %v, want the newer snapshot", mp.IsPaid, mp.IsShippingBlocked)
			}
			if d.name == "postgres" {
				var held int64
				if err := e.db.Raw(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&held).Error; err != nil || held != 0 {
					t.Errorf("%d advisory locks still held (%v)", held, err)
				}
			}
		})
	}
}

// Many concurrent updates of one order on a small PostgreSQL pool: each
// update needs only its lock connection, so they neither deadlock on the
// pool nor leave a lock behind.
func TestUpdateOrderConcurrentSmallPool(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sqlDB, err := e.db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(2)
	m := specOrder(t)
	e.addRaw(m)
	ref := e.addOrder("1402011234")
	m["is_paid"] = 1
	m["is_shipping_blocked"] = 0
	e.addRaw(m)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.svc.UpdateOrder(ctx, e.shop, "1402011234", true, true); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if mp := e.mapping("1402011234"); !mp.IsPaid || mp.IsShippingBlocked {
		t.Errorf("bookkeeping %+v", mp)
	}
	if h := e.history(e.hostOrder(ref.ExternalOrderID).ID); len(h) != 2 {
		t.Errorf("update applied more than once: %+v", h)
	}
}

// The in-process order lock: one holder per key, other keys are free, and
// a waiter gives up with its context.
func TestKeyedMutex(t *testing.T) {
	t.Parallel()
	var k keyedMutex
	ctx := context.Background()
	unlockA, err := k.lock(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	unlockB, err := k.lock(ctx, "b")
	if err != nil {
		t.Fatalf("other key blocked: %v", err)
	}
	unlockB()
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := k.lock(short, "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock of a held key: %v", err)
	}
	got := make(chan func(), 1)
	go func() {
		u, err := k.lock(ctx, "a")
		if err != nil {
			t.Error(err)
		}
		got <- u
	}()
	select {
	case <-got:
		t.Fatal("lock acquired while held")
	case <-time.After(20 * time.Millisecond):
	}
	unlockA()
	unlockA() // idempotent
	(<-got)()
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.entries) != 0 {
		t.Errorf("entries left: %v", k.entries)
	}
}
