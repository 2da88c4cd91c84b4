package gormcatalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/shopbridge/shopbridge/adapters"
)

// Counts are the sizes of the mapped catalogue: the parent items, the
// categories and the reviews an export would return (each part's Where
// applies). An unmapped part counts 0. See docs/catalog.md#counts.
type Counts struct {
	Items      int64
	Categories int64
	Reviews    int64
	// Exact is false while the figures are PostgreSQL's planner estimate
	// (before the first exact counts are known).
	Exact bool
	// At is when the figures were computed.
	At time.Time
}

// ShopInfo returns the counts as the keys of ping's shop_info
// (category_count, item_count, review_count), ready for an
// adapters.Info implementation.
func (c Counts) ShopInfo() map[string]any {
	return map[string]any{"category_count": c.Categories, "item_count": c.Items, "review_count": c.Reviews}
}

// counter keeps the last counts of a Source and refreshes them in the
// background, at most one refresh at a time.
type counter struct {
	mu         sync.Mutex
	last       Counts
	known      bool          // last holds a value (exact or estimate)
	refreshing bool          // a refresh is running
	done       chan struct{} // closed when the running refresh ends
	err        error         // error of the last refresh
	failedAt   time.Time     // when it ended
}

const (
	// defaultCountsMaxAge is how long exact counts are answered before a
	// refresh starts.
	defaultCountsMaxAge = 5 * time.Minute
	// defaultCountsWait is how long the first call waits for the first
	// exact counts before it answers the estimate.
	defaultCountsWait = 200 * time.Millisecond
	// countsTimeout bounds one background refresh.
	countsTimeout = 10 * time.Minute
	// countsRetry is the pause after a failed refresh.
	countsRetry = 10 * time.Second
)

// Counts returns the item, category and review counts without counting on
// the caller's time: the exact counts are computed in the background (one
// COUNT(*) per mapped part, at most one refresh at a time) and answered
// until they are older than Config.CountsMaxAge; then the next call starts
// a refresh and still answers the previous figures at once.
//
// Before the first exact counts are known, a call waits up to
// Config.CountsWait for them; after that PostgreSQL answers the planner's
// estimate for the mapped queries (EXPLAIN, no rows are read). SQLite has
// no estimate: there the first call waits for the first counts (bounded by
// ctx). A failed refresh keeps the previous figures; its error is returned
// only when there are none.
//
// A mapping with marketplace placeholders is counted once, localized for
// no language and currency: counts do not depend on the marketplace.
func (s *Source) Counts(ctx context.Context) (Counts, error) {
	if s.locals != nil {
		l, err := s.forShop(adapters.Shop{})
		if err != nil {
			return Counts{}, err
		}
		return l.Counts(ctx)
	}
	c := &s.counts
	c.mu.Lock()
	var done <-chan struct{}
	if !c.known || !c.last.Exact || time.Since(c.last.At) >= s.cfg.CountsMaxAge {
		done = s.startRefreshLocked()
	}
	if c.known {
		// Fresh, stale while a refresh runs, or the estimate.
		last := c.last
		c.mu.Unlock()
		return last, nil
	}
	c.mu.Unlock()

	pg := s.db.Dialector.Name() == "postgres"
	if done != nil {
		wait := max(s.cfg.CountsWait, 0)
		if !pg {
			wait = -1 // no estimate: wait for the counts
		}
		if err := waitDone(ctx, done, wait); err != nil {
			return Counts{}, err
		}
	}
	c.mu.Lock()
	if c.known {
		last := c.last
		c.mu.Unlock()
		return last, nil
	}
	err := c.err
	c.mu.Unlock()
	if !pg {
		if err == nil {
			err = errors.New("gormcatalog: counts: not known yet")
		}
		return Counts{}, err
	}
	est, err := s.estimateCounts(ctx)
	if err != nil {
		return Counts{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.known {
		c.last, c.known = est, true
	}
	return c.last, nil
}

// RefreshCounts starts a background refresh of the counts unless one is
// running, and returns at once. A host may call it at start-up, so that
// the first ping already has exact counts, or after a bulk import.
func (s *Source) RefreshCounts() {
	if s.locals != nil {
		if l, err := s.forShop(adapters.Shop{}); err == nil {
			l.RefreshCounts()
		}
		return
	}
	s.counts.mu.Lock()
	s.counts.failedAt = time.Time{}
	s.startRefreshLocked()
	s.counts.mu.Unlock()
}

// waitDone waits for done, at most d (d < 0: without limit) and as long
// as ctx lasts. Only the end of ctx is an error.
func waitDone(ctx context.Context, done <-chan struct{}, d time.Duration) error {
	if d == 0 {
		return ctx.Err()
	}
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-done:
	case <-timeout:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// startRefreshLocked starts a background refresh unless one is running
// and returns the channel closed when it ends; nil when the last refresh
// failed less than countsRetry ago. c.mu must be held.
func (s *Source) startRefreshLocked() <-chan struct{} {
	c := &s.counts
	if c.refreshing {
		return c.done
	}
	if c.err != nil && time.Since(c.failedAt) < countsRetry {
		return nil
	}
	c.refreshing = true
	c.done = make(chan struct{})
	done := c.done
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), countsTimeout)
		n, err := s.exactCounts(ctx)
		cancel()
		c.mu.Lock()
		if err == nil {
			c.last, c.known = n, true
		}
		c.err, c.failedAt = err, time.Now()
		c.refreshing = false
		close(done)
		c.mu.Unlock()
	}()
	return done
}

// countQueries are the FROM … WHERE … parts counted for items,
// categories and reviews; empty for an unmapped part.
func (s *Source) countQueries() [3]string {
	var q [3]string
	if it := &s.cfg.Items; it.From != "" {
		var f filter
		f.add(it.Where)
		if it.Parent != "" {
			f.add(it.Parent + " IS NULL")
		}
		q[0] = " FROM " + it.From + " WHERE " + f.where()
	}
	if c := &s.cfg.Categories; c.From != "" {
		var f filter
		f.add(c.Where)
		q[1] = " FROM " + c.From + " WHERE " + f.where()
	}
	if r := &s.cfg.Reviews; r.From != "" {
		var f filter
		f.add(r.Where)
		q[2] = " FROM " + r.From + " WHERE " + f.where()
	}
	return q
}

// exactCounts runs one COUNT(*) per mapped part.
func (s *Source) exactCounts(ctx context.Context) (Counts, error) {
	var n [3]int64
	db := s.db.WithContext(ctx)
	for i, q := range s.countQueries() {
		if q == "" {
			continue
		}
		if err := db.Raw("SELECT COUNT(*)" + q).Row().Scan(&n[i]); err != nil {
			return Counts{}, fmt.Errorf("gormcatalog: counts: %w", err)
		}
	}
	return Counts{Items: n[0], Categories: n[1], Reviews: n[2], Exact: true, At: time.Now()}, nil
}

// estimateCounts asks PostgreSQL's planner how many rows the count
// queries would see (EXPLAIN without ANALYZE reads no rows; the figures
// come from the statistics in pg_class and pg_statistic, so the mapped
// Where filters are taken into account).
func (s *Source) estimateCounts(ctx context.Context) (Counts, error) {
	var n [3]int64
	db := s.db.WithContext(ctx)
	for i, q := range s.countQueries() {
		if q == "" {
			continue
		}
		var plan string
		if err := db.Raw("EXPLAIN (FORMAT JSON) SELECT 1" + q).Row().Scan(&plan); err != nil {
			return Counts{}, fmt.Errorf("gormcatalog: count estimate: %w", err)
		}
		var p []struct {
			Plan struct {
				Rows float64 `json:"Plan Rows"`
			}
		}
		if err := json.Unmarshal([]byte(plan), &p); err != nil || len(p) == 0 {
			return Counts{}, fmt.Errorf("gormcatalog: count estimate: unexpected plan %q", plan)
		}
		n[i] = int64(math.Round(p[0].Plan.Rows))
	}
	return Counts{Items: n[0], Categories: n[1], Reviews: n[2], At: time.Now()}, nil
}
