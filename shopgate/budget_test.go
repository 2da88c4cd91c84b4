package shopgate_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// scriptedBudget is a shopgate.Budget whose answers the test sets: it
// grants while grants > 0 and fails with err when err is set.
type scriptedBudget struct {
	mu     sync.Mutex
	grants int
	err    error
	takes  []budgetTake
}

type budgetTake struct {
	key     string
	perHour int
	now     time.Time
}

func (b *scriptedBudget) Take(ctx context.Context, key string, perHour int, now time.Time) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.takes = append(b.takes, budgetTake{key, perHour, now})
	if b.err != nil {
		return false, b.err
	}
	if b.grants <= 0 {
		return false, nil
	}
	b.grants--
	return true, nil
}

func (b *scriptedBudget) set(grants int, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.grants, b.err = grants, err
}

func (b *scriptedBudget) taken() []budgetTake {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]budgetTake(nil), b.takes...)
}

// TestClientSharedBudget checks the contract of ClientConfig.Budget: it
// decides instead of the in-process bucket, a denial is ErrRateLimited
// without a request, and a failing budget falls back to the in-process
// bucket with one warning per outage.
func TestClientSharedBudget(t *testing.T) {
	const perHour = 3
	var unix atomic.Int64 // the clock of client and fake, in seconds
	unix.Store(1700000000)
	now := func() time.Time { return time.Unix(unix.Load(), 0) }
	start := now()
	fb := &scriptedBudget{grants: 5}
	core, logs := observer.New(zapcore.DebugLevel)
	var outcomes []string
	srv, c := newPair(t, func(cfg *shopgate.ClientConfig) {
		cfg.RequestsPerHour = perHour
		cfg.Budget = fb
		cfg.Logger = zap.New(core)
		cfg.Now = now
		cfg.Observe = func(_, outcome string, _ time.Duration) { outcomes = append(outcomes, outcome) }
	}, shopgatetest.WithClock(now))
	ctx := context.Background()

	// The shared budget grants 5, more than the in-process 3: it decides.
	for i := range 5 {
		if _, err := c.GetShopInfo(ctx); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	_, err := c.GetShopInfo(ctx)
	if !errors.Is(err, shopgate.ErrRateLimited) {
		t.Fatalf("denied call: %v", err)
	}
	if n := len(srv.Requests()); n != 5 {
		t.Fatalf("%d requests reached the server, want 5", n)
	}
	if got := outcomes[len(outcomes)-1]; got != shopgate.OutcomeRateLimited {
		t.Errorf("outcome %q", got)
	}
	takes := fb.taken()
	if len(takes) != 6 {
		t.Fatalf("%d takes", len(takes))
	}
	for _, tk := range takes {
		if tk.perHour != perHour || !tk.now.Equal(start) || tk.key != srv.URL()+" "+srv.CustomerNumber() {
			t.Fatalf("take %+v", tk)
		}
	}

	// Outage: the in-process bucket decides. It was charged with the 3
	// grants it could hold, so nothing is left in this hour ...
	fb.set(0, errors.New("connection refused"))
	for range 3 {
		if _, err := c.GetShopInfo(ctx); !errors.Is(err, shopgate.ErrRateLimited) {
			t.Fatalf("fallback over budget: %v", err)
		}
	}
	// ... and after 20 minutes one request (150/h would be 50) is allowed.
	unix.Add(20 * 60)
	if _, err := c.GetShopInfo(ctx); err != nil {
		t.Fatalf("fallback after refill: %v", err)
	}
	if _, err := c.GetShopInfo(ctx); !errors.Is(err, shopgate.ErrRateLimited) {
		t.Fatalf("fallback second call: %v", err)
	}
	if n := len(srv.Requests()); n != 6 {
		t.Fatalf("%d requests reached the server, want 6", n)
	}
	warn := logs.FilterMessageSnippet("shared request budget unavailable")
	if warn.Len() != 1 || warn.All()[0].Level != zapcore.WarnLevel {
		t.Fatalf("%d outage warnings, want 1", warn.Len())
	}
	// Recovery is logged once, and the shared budget decides again.
	fb.set(1, nil)
	if _, err := c.GetShopInfo(ctx); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if n := logs.FilterMessageSnippet("available again").Len(); n != 1 {
		t.Errorf("%d recovery entries", n)
	}
	// A second outage warns again, once.
	fb.set(0, errors.New("timeout"))
	_, _ = c.GetShopInfo(ctx)
	_, _ = c.GetShopInfo(ctx)
	if n := logs.FilterMessageSnippet("shared request budget unavailable").Len(); n != 2 {
		t.Errorf("%d outage warnings after the second outage, want 2", n)
	}

	// A call whose context ended does not fall back and is not sent.
	before := len(srv.Requests())
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	fb.set(100, context.Canceled)
	unix.Add(3600)
	if _, err := c.GetShopInfo(cctx); !errors.Is(err, shopgate.ErrNoConnection) {
		t.Fatalf("cancelled call: %v", err)
	}
	if len(srv.Requests()) != before {
		t.Error("cancelled call was sent")
	}
}

// TestBudgetKeyHasNoSecret checks that the budget key of an OAuth client
// never carries the access token, and that RequestsPerHour < 0 consults
// no budget.
func TestBudgetKeyHasNoSecret(t *testing.T) {
	const token = "secret-oauth-token-123"
	for _, tc := range []struct {
		name    string
		perHour int
		takes   int
	}{
		{"limited", 10, 1},
		{"unlimited", -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fb := &scriptedBudget{grants: 10}
			_, c := newPair(t, func(cfg *shopgate.ClientConfig) {
				cfg.CustomerNumber, cfg.APIKey, cfg.ShopNumber = "", "", ""
				cfg.AccessToken = token
				cfg.RequestsPerHour = tc.perHour
				cfg.Budget = fb
			}, shopgatetest.WithOAuth(token))
			if _, err := c.GetShopInfo(context.Background()); err != nil {
				t.Fatal(err)
			}
			takes := fb.taken()
			if len(takes) != tc.takes {
				t.Fatalf("%d takes, want %d", len(takes), tc.takes)
			}
			for _, tk := range takes {
				if strings.Contains(tk.key, token) || !strings.Contains(tk.key, " oauth:") {
					t.Errorf("key %q", tk.key)
				}
			}
		})
	}
}

// hangingBudget answers only when its context ends, like a database that
// stopped answering.
type hangingBudget struct{}

func (hangingBudget) Take(ctx context.Context, _ string, _ int, _ time.Time) (bool, error) {
	<-ctx.Done()
	return false, ctx.Err()
}

// TestClientHangingBudget: a budget that does not answer within
// BudgetTimeout counts as failed: the in-process budget decides and the
// call is sent.
func TestClientHangingBudget(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	srv, c := newPair(t, func(cfg *shopgate.ClientConfig) {
		cfg.RequestsPerHour = 2
		cfg.Budget = hangingBudget{}
		cfg.BudgetTimeout = 20 * time.Millisecond
		cfg.Logger = zap.New(core)
	})
	ctx := context.Background()
	for range 2 {
		if _, err := c.GetShopInfo(ctx); err != nil {
			t.Fatalf("with a hanging budget: %v", err)
		}
	}
	if _, err := c.GetShopInfo(ctx); !errors.Is(err, shopgate.ErrRateLimited) {
		t.Fatalf("over the in-process budget: %v", err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests sent, want 2", n)
	}
	if n := logs.FilterMessageSnippet("shared request budget unavailable").Len(); n != 1 {
		t.Errorf("%d outage warnings, want 1", n)
	}
}
