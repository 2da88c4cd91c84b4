package gormcatalog

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/internal/testdb"
)

// countGate holds every COUNT query of a database until opened, so a
// test can tell whether a caller waits for one.
type countGate struct {
	mu      sync.Mutex
	open    chan struct{}
	entered atomic.Int64
}

func newCountGate(t *testing.T, db *gorm.DB) *countGate {
	g := &countGate{open: make(chan struct{})}
	err := db.Callback().Row().Before("gorm:row").Register("test:count-gate", func(tx *gorm.DB) {
		if !strings.Contains(strings.ToUpper(tx.Statement.SQL.String()), "COUNT(") {
			return
		}
		g.entered.Add(1)
		g.mu.Lock()
		ch := g.open
		g.mu.Unlock()
		<-ch
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// waitEntered waits a little for n COUNT queries to have started and
// returns how many did.
func (g *countGate) waitEntered(n int64) int64 {
	for deadline := time.Now().Add(5 * time.Second); g.entered.Load() < n && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // room for unwanted extra ones
	return g.entered.Load()
}

func (g *countGate) release() {
	g.mu.Lock()
	select {
	case <-g.open:
	default:
		close(g.open)
	}
	g.mu.Unlock()
}

func (g *countGate) close() {
	g.mu.Lock()
	g.open = make(chan struct{})
	g.mu.Unlock()
}

// countsQuickly calls Counts and fails when it takes longer than a ping
// may (generous for a loaded machine; a COUNT held by the gate would
// block it for ever).
func countsQuickly(t *testing.T, src *Source) Counts {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	n, err := src.Counts(ctx)
	if err != nil {
		t.Fatalf("Counts: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Counts took %v", d)
	}
	return n
}

func waitExact(t *testing.T, src *Source, items int64) Counts {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := countsQuickly(t, src)
		if n.Exact && n.Items == items {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("counts never became exact: %+v", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCountsOffTheRequestPath: Counts answers without waiting for a
// COUNT(*) (the estimate first on PostgreSQL, then the cached exact
// counts, stale ones while a single refresh runs), and its figures follow
// the mapping's Where filters.
func TestCountsOffTheRequestPath(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		pg := db.Dialector.Name() == "postgres"
		cat := seed(t, db, rand.New(rand.NewPCG(5, 6)), 50, !pg)
		gate := newCountGate(t, db)
		t.Cleanup(func() { gate.release() })
		src, err := New(testConfig(db))
		if err != nil {
			t.Fatal(err)
		}
		want := Counts{Items: int64(len(cat.items)), Categories: int64(len(cat.cats)), Reviews: int64(len(cat.reviews)), Exact: true}

		if pg {
			// Before the first counts: the planner's estimate, while the
			// first COUNT(*) is held.
			n := countsQuickly(t, src)
			if n.Exact {
				t.Fatalf("first counts exact while COUNT is held: %+v", n)
			}
			if gate.waitEntered(1) != 1 {
				t.Errorf("%d COUNT queries started, want 1 (in the background)", gate.entered.Load())
			}
			gate.release()
		} else {
			// SQLite has no estimate: the first call waits for the counts.
			gate.release()
		}
		n := waitExact(t, src, want.Items)
		if n.Items != want.Items || n.Categories != want.Categories || n.Reviews != want.Reviews {
			t.Fatalf("counts = %+v, want %+v", n, want)
		}
		si := n.ShopInfo()
		if si["item_count"] != want.Items || si["category_count"] != want.Categories || si["review_count"] != want.Reviews {
			t.Errorf("ShopInfo() = %v", si)
		}
		entered := gate.entered.Load()

		// Fresh counts: no query at all.
		for range 5 {
			countsQuickly(t, src)
		}
		if got := gate.entered.Load(); got != entered {
			t.Errorf("fresh counts ran %d COUNT queries", got-entered)
		}

		// Stale counts: answered at once while one refresh runs.
		if err := db.Create(&tProduct{ID: 5_000_000, Name: "new", SKU: "new", Active: true, UpdatedAt: time.Now()}).Error; err != nil {
			t.Fatal(err)
		}
		gate.close()
		src.counts.mu.Lock()
		src.counts.last.At = time.Now().Add(-time.Hour)
		src.counts.mu.Unlock()
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if n := countsQuickly(t, src); n.Items != want.Items || !n.Exact {
					t.Errorf("stale counts = %+v, want %d items", n, want.Items)
				}
			}()
		}
		wg.Wait()
		if got := gate.waitEntered(entered + 1); got != entered+1 {
			t.Errorf("%d COUNT queries started by stale calls, want 1 (one refresh)", got-entered)
		}
		gate.release()
		waitExact(t, src, want.Items+1)
	})
}

// TestCountsUnmapped: unmapped parts count 0.
func TestCountsUnmapped(t *testing.T) {
	db := testdb.SQLite(t)
	seed(t, db, rand.New(rand.NewPCG(1, 1)), 5, true)
	cfg := testConfig(db)
	cfg.Reviews, cfg.Categories = Reviews{}, Categories{}
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := countsQuickly(t, src)
	if !n.Exact || n.Categories != 0 || n.Reviews != 0 || n.Items == 0 {
		t.Errorf("counts = %+v", n)
	}
}
