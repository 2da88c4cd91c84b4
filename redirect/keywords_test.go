package redirect

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var kwClock = time.Unix(1714564800, 0)

// memStore is a KeywordStore in memory; it counts saves.
type memStore struct {
	mu      sync.Mutex
	data    *StoredKeywords
	saves   int
	loadErr error
	saveErr error
	panics  bool
}

func (s *memStore) LoadKeywords(context.Context) (StoredKeywords, bool, error) {
	if s.panics {
		panic("store exploded")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loadErr != nil {
		return StoredKeywords{}, false, s.loadErr
	}
	if s.data == nil {
		return StoredKeywords{}, false, nil
	}
	return *s.data, true, nil
}

func (s *memStore) SaveKeywords(_ context.Context, k StoredKeywords) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saves++
	if s.saveErr != nil {
		return s.saveErr
	}
	s.data = &k
	return nil
}

func (s *memStore) get() StoredKeywords {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.data
}

// countingSource returns lists (or err) and counts calls.
type countingSource struct {
	calls atomic.Int32
	lists Keywords
	err   error
	delay time.Duration
}

func (s *countingSource) MobileRedirectKeywords(ctx context.Context) (Keywords, error) {
	s.calls.Add(1)
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			return Keywords{}, ctx.Err()
		}
	}
	return s.lists, s.err
}

var newLists = Keywords{Keywords: []string{"iPhone", "Android"}, SkipKeywords: []string{"Shopgate"}}

func newCache(src KeywordSource, store KeywordStore) *KeywordCache {
	return NewKeywordCache(KeywordCacheConfig{Source: src, Store: store, Now: func() time.Time { return kwClock }, FetchTimeout: 200 * time.Millisecond})
}

// TestKeywordCacheSpec follows the keyword cache table (docs/protocol/mobile-redirect.md#keyword-cache-table)
// with the database store in place of the cache files.
func TestKeywordCacheSpec(t *testing.T) {
	ctx := context.Background()
	t.Run("K1 nothing stored", func(t *testing.T) {
		src, store := &countingSource{lists: newLists}, &memStore{}
		c := newCache(src, store)
		if err := c.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if src.calls.Load() != 1 || store.get().UpdatedAt.Unix() != 1714564800 {
			t.Fatalf("calls %d, stored %v", src.calls.Load(), store.get())
		}
		if !c.Matcher().Match(uaIPhone) || c.Matcher().Match(uaShopgateApp) {
			t.Error("fetched lists not used")
		}
	})
	t.Run("K2 fresh store", func(t *testing.T) {
		src := &countingSource{lists: newLists}
		store := &memStore{data: &StoredKeywords{Keywords: Keywords{Keywords: []string{"Kaios"}}, UpdatedAt: time.Unix(1714561200, 0)}}
		c := newCache(src, store)
		if err := c.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if src.calls.Load() != 0 {
			t.Errorf("%d API calls, want 0", src.calls.Load())
		}
		if !c.Matcher().Match("Mozilla/5.0 (Mobile; KaiOS 3.0)") {
			t.Error("stored lists not used")
		}
		c.Wait()
		if src.calls.Load() != 0 {
			t.Errorf("Matcher refreshed fresh lists")
		}
	})
	t.Run("K3 expired store", func(t *testing.T) {
		src := &countingSource{lists: newLists}
		store := &memStore{data: &StoredKeywords{Keywords: Keywords{Keywords: []string{"Kaios"}}, UpdatedAt: time.Unix(1714474800, 0)}}
		c := newCache(src, store)
		if err := c.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		got := store.get()
		if src.calls.Load() != 1 || got.UpdatedAt.Unix() != 1714564800 || len(got.Keywords.Keywords) != 2 {
			t.Fatalf("calls %d, stored %+v", src.calls.Load(), got)
		}
	})
	t.Run("K4 API fails", func(t *testing.T) {
		for name, src := range map[string]*countingSource{
			"error":   {err: errors.New("error 500")},
			"timeout": {lists: newLists, delay: time.Second},
			"missing": {lists: Keywords{}},
		} {
			old := Keywords{Keywords: []string{"Kaios"}, SkipKeywords: []string{"x"}}
			store := &memStore{data: &StoredKeywords{Keywords: old, UpdatedAt: time.Unix(1714474800, 0)}}
			now := kwClock
			var mu sync.Mutex
			c := NewKeywordCache(KeywordCacheConfig{Source: src, Store: store, FetchTimeout: 50 * time.Millisecond,
				Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
			if err := c.Refresh(ctx); err == nil {
				t.Errorf("%s: no error reported", name)
			}
			got := store.get()
			if got.UpdatedAt.Unix() != 1714478700 || len(got.Keywords.Keywords) != 1 || got.Keywords.Keywords[0] != "Kaios" {
				t.Errorf("%s: stored %+v, want old lists at 1714478700", name, got)
			}
			if !c.Matcher().Match("KaiOS") {
				t.Errorf("%s: old lists not kept", name)
			}
			c.Wait()
			if n := src.calls.Load(); n != 1 {
				t.Errorf("%s: %d calls before the retry time, want 1", name, n)
			}
			mu.Lock()
			now = time.Unix(1714565101, 0)
			mu.Unlock()
			c.Matcher()
			c.Wait()
			if n := src.calls.Load(); n != 2 {
				t.Errorf("%s: %d calls after the retry time, want 2", name, n)
			}
		}
	})
	t.Run("K5 store not writable", func(t *testing.T) {
		src := &countingSource{lists: newLists}
		store := &memStore{saveErr: errors.New("read-only"), loadErr: errors.New("no table")}
		c := newCache(src, store)
		err := c.Refresh(ctx)
		if err == nil {
			t.Error("store failure not reported")
		}
		if !c.Matcher().Match(uaIPhone) || c.Matcher().Match(uaShopgateApp) {
			t.Error("in-memory lists not used")
		}
	})
	t.Run("K6 empty stored lists", func(t *testing.T) {
		store := &memStore{data: &StoredKeywords{UpdatedAt: kwClock}}
		c := NewKeywordCache(KeywordCacheConfig{Store: store, DisableUpdate: true, Now: func() time.Time { return kwClock }})
		if err := c.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if c.Matcher().Match(uaIPhone) {
			t.Error("empty list redirects")
		}
	})
	t.Run("K7 one call for concurrent first requests", func(t *testing.T) {
		src := &countingSource{lists: newLists, delay: 50 * time.Millisecond}
		store := &memStore{data: &StoredKeywords{UpdatedAt: time.Unix(1714474800, 0)}}
		c := newCache(src, store)
		var wg sync.WaitGroup
		for range 100 {
			wg.Add(1)
			go func() { defer wg.Done(); c.Matcher().Match(uaIPhone) }()
		}
		wg.Wait()
		c.Wait()
		if n := src.calls.Load(); n != 1 {
			t.Errorf("%d API calls, want 1", n)
		}
		if !c.Matcher().Match(uaIPhone) {
			t.Error("new lists not in use")
		}
	})
	t.Run("K8 invalidate", func(t *testing.T) {
		src := &countingSource{lists: newLists}
		c := newCache(src, &memStore{})
		if err := c.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		c.Invalidate()
		c.Matcher()
		c.Wait()
		if n := src.calls.Load(); n != 2 {
			t.Errorf("%d API calls, want 2", n)
		}
	})
}

func TestKeywordCacheFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("explicit defaults while nothing loaded", func(t *testing.T) {
		c := NewKeywordCache(KeywordCacheConfig{Source: &countingSource{err: errors.New("down")}, Defaults: &DefaultKeywords,
			Now: func() time.Time { return kwClock }})
		if !c.Matcher().Match(uaIPhone) || c.Matcher().Match(uaIPad) {
			t.Error("defaults not in use")
		}
		c.Wait()
		if !c.Matcher().Match(uaIPhone) {
			t.Error("defaults lost after a failed first fetch")
		}
		if _, at := c.Lists(); !at.IsZero() {
			t.Errorf("defaults reported as updated at %v", at)
		}
	})
	t.Run("panicking store", func(t *testing.T) {
		src := &countingSource{lists: newLists}
		c := newCache(src, &memStore{panics: true})
		if err := c.Refresh(ctx); err == nil {
			t.Error("panic not reported")
		}
		// No lists: nothing is mobile, and requests do not wait.
		start := time.Now()
		if m := c.Matcher(); m == nil || m.Match(uaIPhone) {
			t.Error("cache unusable after a panic, or redirects without lists")
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("Matcher blocked %v", d)
		}
		c.Wait()
	})
	t.Run("panicking source in background", func(t *testing.T) {
		src := KeywordSourceFunc(func(context.Context) (Keywords, error) { panic("client exploded") })
		c := newCache(src, nil)
		c.Matcher()
		c.Wait()
		if m := c.Matcher(); m == nil || m.Match(uaIPhone) {
			t.Error("cache unusable after a panic, or redirects without lists")
		}
	})
	t.Run("cache time minimum", func(t *testing.T) {
		c := NewKeywordCache(KeywordCacheConfig{CacheTime: time.Minute})
		if c.cfg.CacheTime != MinCacheTime {
			t.Errorf("cache time %v", c.cfg.CacheTime)
		}
	})
	t.Run("Run refreshes and stops", func(t *testing.T) {
		src := &countingSource{lists: newLists}
		c := newCache(src, nil)
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { c.Run(ctx); close(done) }()
		deadline := time.Now().Add(2 * time.Second)
		for src.calls.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		<-done
		if src.calls.Load() != 1 {
			t.Errorf("%d calls", src.calls.Load())
		}
	})
}

// TestKeywordCacheRetryAfterFailedFirstFetch: a failed fetch delays the next
// call by RetryAfterFailure even while no lists were ever fetched
// (docs/protocol/mobile-redirect.md#keyword-cache-table, K4); only Invalidate forces an earlier call.
func TestKeywordCacheRetryAfterFailedFirstFetch(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		store      KeywordStore
		after      time.Duration // time of the second Refresh after the first
		invalidate bool
		wantCalls  int32
	}{
		{"10s later, memory only", nil, 10 * time.Second, false, 1},
		{"10s later, nothing stored", &memStore{}, 10 * time.Second, false, 1},
		{"at the retry time", &memStore{}, RetryAfterFailure, false, 1},
		{"after the retry time", &memStore{}, RetryAfterFailure + time.Second, false, 2},
		{"invalidated", &memStore{}, 10 * time.Second, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &countingSource{err: errors.New("down")}
			now := kwClock
			var mu sync.Mutex
			c := NewKeywordCache(KeywordCacheConfig{Source: src, Store: tt.store, FetchTimeout: 50 * time.Millisecond,
				Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
			if err := c.Refresh(ctx); err == nil {
				t.Fatal("failure not reported")
			}
			mu.Lock()
			now = now.Add(tt.after)
			mu.Unlock()
			if tt.invalidate {
				c.Invalidate()
			}
			_ = c.Refresh(ctx)
			c.Matcher()
			c.Wait()
			if n := src.calls.Load(); n != tt.wantCalls {
				t.Errorf("%d API calls, want %d", n, tt.wantCalls)
			}
		})
	}
}

// TestKeywordCacheBeforeFirstLists: no built-in lists stand in for
// Shopgate's (docs/protocol/mobile-redirect.md#keyword-cache): stored lists are loaded by the constructor and
// used at once; with nothing stored the first requests wait up to
// FirstWait for the first fetch and otherwise proceed without redirect.
func TestKeywordCacheBeforeFirstLists(t *testing.T) {
	stored := func(at int64) *memStore {
		return &memStore{data: &StoredKeywords{Keywords: Keywords{Keywords: []string{"Kaios"}}, UpdatedAt: time.Unix(at, 0)}}
	}
	const kaios = "Mozilla/5.0 (Mobile; KaiOS 3.0)"
	tests := []struct {
		name      string
		src       *countingSource
		store     *memStore
		firstWait time.Duration
		// first request
		wantFirst    string // user agent that must be mobile; "" = none
		notFirst     string // user agent that must not be mobile
		maxWait      time.Duration
		minWait      time.Duration
		wantCalls    int32  // after the background refresh
		wantAfter    string // mobile after the refresh; "" = none
		notAfter     string
		wantStoredAt int64 // 0: not checked
	}{
		{"fresh stored lists, no call", &countingSource{lists: newLists}, stored(1714561200), time.Second,
			kaios, uaIPhone, 100 * time.Millisecond, 0, 0, kaios, uaIPhone, 1714561200},
		{"expired stored lists used while refreshing", &countingSource{lists: newLists, delay: 300 * time.Millisecond}, stored(1714474800), time.Second,
			kaios, uaIPhone, 100 * time.Millisecond, 0, 1, uaIPhone, kaios, 1714564800},
		{"nothing stored, API answers in time", &countingSource{lists: newLists, delay: 20 * time.Millisecond}, &memStore{}, time.Second,
			uaIPhone, uaShopgateApp, 900 * time.Millisecond, 15 * time.Millisecond, 1, uaIPhone, uaShopgateApp, 1714564800},
		{"nothing stored, API down", &countingSource{err: errors.New("down")}, &memStore{}, time.Second,
			"", uaIPhone, 900 * time.Millisecond, 0, 1, "", uaIPhone, 0},
		{"nothing stored, API slow", &countingSource{lists: newLists, delay: 300 * time.Millisecond}, &memStore{}, 50 * time.Millisecond,
			"", uaIPhone, 250 * time.Millisecond, 40 * time.Millisecond, 1, uaIPhone, uaShopgateApp, 1714564800},
		{"no store, API down", &countingSource{err: errors.New("down")}, nil, time.Second,
			"", uaIPhone, 900 * time.Millisecond, 0, 1, "", uaAndroidPhone, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := KeywordCacheConfig{Source: tt.src, FetchTimeout: time.Second, FirstWait: tt.firstWait,
				Now: func() time.Time { return kwClock }}
			if tt.store != nil {
				cfg.Store = tt.store
			}
			c := NewKeywordCache(cfg)
			start := time.Now()
			m := c.Matcher()
			d := time.Since(start)
			if d > tt.maxWait || d < tt.minWait {
				t.Errorf("first request waited %v, want %v..%v", d, tt.minWait, tt.maxWait)
			}
			if tt.wantFirst != "" && !m.Match(tt.wantFirst) {
				t.Errorf("first request: %q not mobile", tt.wantFirst)
			}
			if m.Match(tt.notFirst) {
				t.Errorf("first request: %q mobile", tt.notFirst)
			}
			c.Wait()
			if n := tt.src.calls.Load(); n != tt.wantCalls {
				t.Errorf("%d API calls, want %d", n, tt.wantCalls)
			}
			m = c.Matcher()
			if tt.wantAfter != "" && !m.Match(tt.wantAfter) {
				t.Errorf("after the refresh: %q not mobile", tt.wantAfter)
			}
			if m.Match(tt.notAfter) {
				t.Errorf("after the refresh: %q mobile", tt.notAfter)
			}
			if tt.wantStoredAt != 0 && tt.store.get().UpdatedAt.Unix() != tt.wantStoredAt {
				t.Errorf("stored at %d, want %d", tt.store.get().UpdatedAt.Unix(), tt.wantStoredAt)
			}
			// Later requests never wait.
			start = time.Now()
			c.Matcher()
			if d := time.Since(start); d > 50*time.Millisecond {
				t.Errorf("later request waited %v", d)
			}
			c.Wait()
		})
	}
}
