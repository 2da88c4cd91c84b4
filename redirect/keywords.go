package redirect

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// KeywordSource fetches the keyword lists, normally from the Merchant API
// (see MerchantAPI for an adapter of the shopgate client).
type KeywordSource interface {
	MobileRedirectKeywords(ctx context.Context) (Keywords, error)
}

// KeywordSourceFunc adapts a function to KeywordSource.
type KeywordSourceFunc func(ctx context.Context) (Keywords, error)

// MobileRedirectKeywords calls f.
func (f KeywordSourceFunc) MobileRedirectKeywords(ctx context.Context) (Keywords, error) {
	return f(ctx)
}

// StoredKeywords are the lists with the time of their last update, as kept
// in a KeywordStore.
type StoredKeywords struct {
	Keywords
	// UpdatedAt is the time of the last update. After a failed refresh it is
	// set so that the lists expire again RetryAfterFailure later.
	UpdatedAt time.Time
}

// KeywordStore persists the lists so that restarts do not hit the API
// (adapters/gormstore.RedirectKeywords keeps them in the database).
type KeywordStore interface {
	// LoadKeywords returns the stored lists; ok is false when nothing is
	// stored yet.
	LoadKeywords(ctx context.Context) (s StoredKeywords, ok bool, err error)
	// SaveKeywords replaces the stored lists.
	SaveKeywords(ctx context.Context, s StoredKeywords) error
}

// Keyword cache timing.
const (
	// DefaultCacheTime is how long fetched lists are used (24 hours).
	DefaultCacheTime = 24 * time.Hour
	// MinCacheTime is the shortest accepted cache time.
	MinCacheTime = time.Hour
	// RetryAfterFailure is the wait before the next attempt after a failed
	// refresh.
	RetryAfterFailure = 5 * time.Minute
	// DefaultFetchTimeout bounds one call of the KeywordSource.
	DefaultFetchTimeout = time.Second
)

// KeywordCacheConfig configures a KeywordCache.
type KeywordCacheConfig struct {
	// Source fetches fresh lists. Nil: only the store's lists are used.
	Source KeywordSource
	// Store persists the lists. Nil: memory only.
	Store KeywordStore
	// CacheTime is how long lists are used before a refresh
	// (redirect_keyword_cache_time). Default 24h; values under 1h become 1h.
	CacheTime time.Duration
	// DisableUpdate stops calls of the Source (keyword_update=false): only
	// the store's lists are used.
	DisableUpdate bool
	// Defaults, when set, are used while no lists were ever loaded. Default
	// nil: until the store or the Source delivered Shopgate's lists nothing
	// is mobile, so nothing is redirected (docs/protocol/mobile-redirect.md#keyword-cache: a fresh installation
	// with the Merchant API down does not redirect).
	Defaults *Keywords
	// FetchTimeout bounds one Source call and the load of the store in
	// NewKeywordCache. Default 1s.
	FetchTimeout time.Duration
	// FirstWait is how long Matcher waits for the first refresh while
	// there are no lists at all (nothing stored, no Defaults); after it the
	// request proceeds without redirect. Default FetchTimeout; negative: do
	// not wait.
	FirstWait time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives refresh failures. Default: no logging.
	Logger *zap.Logger
}

// KeywordCache keeps the keyword lists in memory for all requests, loads
// them from the store, and refreshes them from the source when they expire:
// in the background, one refresh at a time. Only while there are no lists at
// all does a request wait for the first refresh, at most FirstWait.
type KeywordCache struct {
	cfg        KeywordCacheConfig
	state      atomic.Pointer[cacheState]
	refreshing atomic.Bool
	mu         sync.Mutex // serialises refreshes
	wg         sync.WaitGroup
	// firstDone is closed when the first refresh attempt has ended.
	firstDone chan struct{}
	firstOnce sync.Once
}

type cacheState struct {
	matcher   *Matcher
	updatedAt time.Time // zero: never loaded
	loaded    bool      // the store was read (or there is none)
	// ready: requests use matcher without waiting (lists from the store,
	// the source or Defaults, or a refresh attempt has ended).
	ready     bool
	expiresAt time.Time
}

// NewKeywordCache returns a cache with the lists of the store, loaded
// synchronously (bounded by FetchTimeout; a failure is logged and the load
// retried by the first refresh). With nothing stored it has no lists (or
// the Defaults) until the first refresh, which the first Matcher call
// starts.
func NewKeywordCache(cfg KeywordCacheConfig) *KeywordCache {
	if cfg.CacheTime == 0 {
		cfg.CacheTime = DefaultCacheTime
	}
	if cfg.CacheTime < MinCacheTime {
		cfg.CacheTime = MinCacheTime
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = DefaultFetchTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.FirstWait == 0 {
		cfg.FirstWait = cfg.FetchTimeout
	}
	c := &KeywordCache{cfg: cfg, firstDone: make(chan struct{})}
	// Zero expiry: the first Matcher call starts a refresh.
	s := &cacheState{matcher: NewMatcher(Keywords{})}
	if cfg.Defaults != nil {
		s.matcher, s.ready = NewMatcher(*cfg.Defaults), true
	}
	if cfg.Store == nil {
		s.loaded = true
	}
	if cfg.DisableUpdate || cfg.Source == nil {
		// Nothing to wait for: no refresh will bring lists.
		s.ready = true
	}
	c.state.Store(s)
	if cfg.Store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), cfg.FetchTimeout)
		defer cancel()
		if err := c.loadStore(ctx); err != nil {
			cfg.Logger.Warn("mobile redirect: stored keyword lists not loaded", zap.Error(err))
		}
	}
	return c
}

// loadStore reads the store's lists into the cache (only while it was not
// read yet). A failure leaves it unread, for the next refresh to retry.
func (c *KeywordCache) loadStore(ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("redirect: keyword store panicked: %v\n%s", p, debug.Stack())
		}
	}()
	c.mu.Lock()
	defer c.mu.Unlock()
	s := *c.state.Load()
	if s.loaded {
		return nil
	}
	if err := c.readStore(ctx, &s); err != nil {
		return err
	}
	s.loaded = true
	c.state.Store(&s)
	return nil
}

// readStore puts the store's lists, when it has some, into s; the caller
// holds c.mu and publishes s.
func (c *KeywordCache) readStore(ctx context.Context, s *cacheState) error {
	stored, ok, err := c.cfg.Store.LoadKeywords(ctx)
	if err != nil {
		return fmt.Errorf("load stored keywords: %w", err)
	}
	if ok {
		s.matcher = NewMatcher(stored.Keywords)
		s.updatedAt = stored.UpdatedAt
		s.expiresAt = stored.UpdatedAt.Add(c.cfg.CacheTime)
		s.ready = true
	}
	return nil
}

// Matcher returns the current lists, starting a background refresh when
// they are expired. It never panics. It blocks only while there are no
// lists at all (nothing stored, first refresh not ended yet), and then at
// most FirstWait; afterwards it answers the lists it has, possibly none.
func (c *KeywordCache) Matcher() *Matcher {
	s := c.state.Load()
	if !s.loaded || c.cfg.Now().After(s.expiresAt) {
		c.refreshAsync()
	}
	if !s.ready {
		return c.waitFirst()
	}
	return s.matcher
}

// waitFirst waits up to FirstWait for the first refresh to end.
func (c *KeywordCache) waitFirst() *Matcher {
	if c.cfg.FirstWait > 0 {
		t := time.NewTimer(c.cfg.FirstWait)
		select {
		case <-c.firstDone:
		case <-t.C:
		}
		t.Stop()
	}
	return c.state.Load().matcher
}

// firstRefreshEnded releases requests waiting in waitFirst.
func (c *KeywordCache) firstRefreshEnded() {
	c.firstOnce.Do(func() { close(c.firstDone) })
}

// Lists returns the lists in use and the time of their last update (zero
// while the defaults are in use).
func (c *KeywordCache) Lists() (Keywords, time.Time) {
	s := c.state.Load()
	return s.matcher.Lists(), s.updatedAt
}

func (c *KeywordCache) refreshAsync() {
	if !c.refreshing.CompareAndSwap(false, true) {
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer c.refreshing.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.FetchTimeout+5*time.Second)
		defer cancel()
		if err := c.Refresh(ctx); err != nil {
			c.cfg.Logger.Warn("mobile redirect: keyword refresh failed", zap.Error(err))
		}
	}()
}

// Wait blocks until background refreshes started so far have finished
// (for tests and orderly shutdown).
func (c *KeywordCache) Wait() { c.wg.Wait() }

// Run refreshes the lists whenever they expire until ctx is done; a shop
// calls it in its own goroutine so that lists stay fresh even without page
// views. The check interval is one minute.
func (c *KeywordCache) Run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		s := c.state.Load()
		if !s.loaded || c.cfg.Now().After(s.expiresAt) {
			if err := c.Refresh(ctx); err != nil {
				c.cfg.Logger.Warn("mobile redirect: keyword refresh failed", zap.Error(err))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh brings the lists up to date now: it loads them from the store
// when this has not happened yet and calls the source when they are expired.
// A failed source call keeps the current lists and schedules the next
// attempt RetryAfterFailure later. Panics of the store or the source are
// recovered and returned as errors. The error reports what failed; the cache
// stays usable either way.
func (c *KeywordCache) Refresh(ctx context.Context) (err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.firstRefreshEnded()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("redirect: keyword refresh panicked: %v\n%s", p, debug.Stack())
			// Try again later instead of on every page view.
			s := *c.state.Load()
			s.expiresAt = c.cfg.Now().Add(RetryAfterFailure)
			s.loaded, s.ready = true, true
			c.state.Store(&s)
		}
	}()
	now := c.cfg.Now()
	s := *c.state.Load()
	var errs []error
	if !s.loaded && c.cfg.Store != nil {
		if err := c.readStore(ctx, &s); err != nil {
			errs = append(errs, err)
		}
	}
	// From now on requests use what there is, without waiting.
	s.loaded, s.ready = true, true
	// The expiry also holds after a failed first fetch (no lists yet): the
	// next attempt waits RetryAfterFailure (docs/protocol/mobile-redirect.md#keyword-cache-table, K4); only
	// Invalidate clears it.
	if c.cfg.DisableUpdate || c.cfg.Source == nil || !now.After(s.expiresAt) {
		if c.cfg.DisableUpdate || c.cfg.Source == nil {
			// Nothing will ever change the lists: do not look again.
			s.expiresAt = now.Add(100 * 365 * 24 * time.Hour)
		}
		c.state.Store(&s)
		return errors.Join(errs...)
	}
	fctx, cancel := context.WithTimeout(ctx, c.cfg.FetchTimeout)
	fresh, ferr := c.cfg.Source.MobileRedirectKeywords(fctx)
	cancel()
	if ferr == nil && fresh.Keywords == nil && fresh.SkipKeywords == nil {
		ferr = errors.New("answer without keyword lists")
	}
	save := StoredKeywords{Keywords: s.matcher.Lists(), UpdatedAt: s.updatedAt}
	if ferr != nil {
		errs = append(errs, fmt.Errorf("fetch keywords: %w", ferr))
		// Expire again in RetryAfterFailure (docs/protocol/mobile-redirect.md#keyword-cache).
		save.UpdatedAt = now.Add(-c.cfg.CacheTime + RetryAfterFailure)
		s.expiresAt = now.Add(RetryAfterFailure)
		if !s.updatedAt.IsZero() {
			s.updatedAt = save.UpdatedAt
		}
	} else {
		s.matcher = NewMatcher(fresh)
		s.updatedAt = now
		s.expiresAt = now.Add(c.cfg.CacheTime)
		save = StoredKeywords{Keywords: s.matcher.Lists(), UpdatedAt: now}
	}
	c.state.Store(&s)
	// Defaults are never written: a failed first fetch must not make them
	// look like Shopgate's lists.
	if c.cfg.Store != nil && (ferr == nil || !s.updatedAt.IsZero()) {
		if err := c.cfg.Store.SaveKeywords(ctx, save); err != nil {
			errs = append(errs, fmt.Errorf("save keywords: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Invalidate forgets the lists' age so that the next page view refreshes
// them (Plugin API clear_cache).
func (c *KeywordCache) Invalidate() {
	s := *c.state.Load()
	s.expiresAt = time.Time{}
	s.updatedAt = time.Time{}
	s.loaded = true // the store's copy is as old as the memory's
	c.state.Store(&s)
}
