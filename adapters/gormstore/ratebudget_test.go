package gormstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// budgetPools returns n separate connection pools ("processes") on one
// fresh, migrated PostgreSQL database, each with its own RateBudget.
func budgetPools(t *testing.T, n int) []*RateBudget {
	t.Helper()
	u := testdb.NewURL(t)
	var out []*RateBudget
	for i := range n {
		db, err := gorm.Open(postgres.Open(u), &gorm.Config{Logger: logger.Discard})
		if err != nil {
			t.Fatal(err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sqlDB.Close() })
		if i == 0 {
			if err := gormmodels.Migrate(db); err != nil {
				t.Fatal(err)
			}
		}
		b, err := NewRateBudget(db)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// childEnv carries the fake's URL and the database URL to the child
// processes of TestRateBudgetTwoProcesses; "-" as database: no shared
// budget.
const childEnv = "SHOPBRIDGE_TEST_BUDGET_CHILD"

// TestRateBudgetTwoProcesses: two processes (this test binary started
// twice), each with its own pool and budget store on one database, send
// exactly perHour requests together; the others fail with ErrRateLimited
// and never reach the fake. Without the shared budget (the control case)
// each process sends perHour.
func TestRateBudgetTwoProcesses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		shared bool
		want   int
	}{
		{"shared budget", true, childPerHour},
		{"in-process budgets (control)", false, 2 * childPerHour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbURL := "-"
			if tc.shared {
				dbURL = testdb.NewURL(t)
				db, err := gorm.Open(postgres.Open(dbURL), &gorm.Config{Logger: logger.Discard})
				if err != nil {
					t.Fatal(err)
				}
				if err := gormmodels.Migrate(db); err != nil {
					t.Fatal(err)
				}
				if sqlDB, err := db.DB(); err == nil {
					sqlDB.Close()
				}
			}
			srv := shopgatetest.NewServer()
			t.Cleanup(srv.Close)
			outs := make([][]byte, 2)
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Go(func() {
					cmd := exec.Command(os.Args[0], "-test.run=^TestRateBudgetChild$", "-test.count=1", "-test.v")
					cmd.Env = append(os.Environ(), childEnv+"="+srv.URL()+" "+dbURL)
					outs[i], errs[i] = cmd.CombinedOutput()
				})
			}
			wg.Wait()
			var sent, limited int
			for i := range 2 {
				if errs[i] != nil {
					t.Fatalf("child %d: %v\n%s", i, errs[i], outs[i])
				}
				var s, l int
				m := regexp.MustCompile(`budget child: sent=(\d+) limited=(\d+)`).FindSubmatch(outs[i])
				if m == nil {
					t.Fatalf("child %d printed no result:\n%s", i, outs[i])
				}
				s, _ = strconv.Atoi(string(m[1]))
				l, _ = strconv.Atoi(string(m[2]))
				sent, limited = sent+s, limited+l
			}
			if sent != tc.want || limited != 2*childCalls-tc.want {
				t.Errorf("sent %d, rate limited %d; want %d and %d", sent, limited, tc.want, 2*childCalls-tc.want)
			}
			if n := len(srv.RequestsFor(shopgate.ActionGetShopInfo)); n != tc.want {
				t.Errorf("the fake saw %d requests, want %d", n, tc.want)
			}
		})
	}
}

const childPerHour, childCalls = 10, 15

// TestRateBudgetChild is one process of TestRateBudgetTwoProcesses; it is
// skipped unless started by it.
func TestRateBudgetChild(t *testing.T) {
	env := os.Getenv(childEnv)
	if env == "" {
		t.Skip("started by TestRateBudgetTwoProcesses only")
	}
	apiURL, dbURL, _ := strings.Cut(env, " ")
	cfg := shopgate.ClientConfig{BaseURL: apiURL, CustomerNumber: shopgatetest.DefaultCustomerNumber,
		ShopNumber: shopgatetest.DefaultShopNumber, APIKey: shopgatetest.DefaultAPIKey, RequestsPerHour: childPerHour}
	if dbURL != "-" {
		db, err := gorm.Open(postgres.Open(dbURL), &gorm.Config{Logger: logger.Discard})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Budget, err = NewRateBudget(db); err != nil {
			t.Fatal(err)
		}
	}
	c, err := shopgate.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var sent, limited atomic.Int32
	var wg sync.WaitGroup
	for range childCalls {
		wg.Go(func() {
			_, err := c.GetShopInfo(context.Background())
			switch {
			case err == nil:
				sent.Add(1)
			case errors.Is(err, shopgate.ErrRateLimited):
				limited.Add(1)
			default:
				t.Errorf("call: %v", err)
			}
		})
	}
	wg.Wait()
	fmt.Printf("budget child: sent=%d limited=%d\n", sent.Load(), limited.Load())
}

// TestRateBudgetConcurrentTakers: 20 goroutines over two pools never get
// more than perHour tokens, and a refill after simulated time grants
// exactly what accrued.
func TestRateBudgetConcurrentTakers(t *testing.T) {
	const perHour, takers = 10, 20
	stores := budgetPools(t, 2)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	take := func(at time.Time) int {
		t.Helper()
		var granted atomic.Int32
		var wg sync.WaitGroup
		for i := range takers {
			wg.Go(func() {
				ok, err := stores[i%2].Take(ctx, "k", perHour, at)
				if err != nil {
					t.Errorf("take: %v", err)
				}
				if ok {
					granted.Add(1)
				}
			})
		}
		wg.Wait()
		return int(granted.Load())
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		want int
	}{
		{"full bucket", t0, perHour},
		{"same instant", t0, 0},
		{"clock behind", t0.Add(-time.Hour), 0},
		{"18 minutes: 3 tokens", t0.Add(18 * time.Minute), 3},
		{"6 more minutes: 1 token", t0.Add(24 * time.Minute), 1},
		{"a day: full again, capped", t0.Add(24 * time.Hour), perHour},
	} {
		if got := take(tc.at); got != tc.want {
			t.Errorf("%s: granted %d, want %d", tc.name, got, tc.want)
		}
	}
	// Keys are separate; a smaller perHour caps a full bucket.
	if ok, err := stores[0].Take(ctx, "other", 1, t0); err != nil || !ok {
		t.Errorf("other key: %v %v", ok, err)
	}
	if ok, err := stores[0].Take(ctx, "other", 1, t0.Add(time.Minute)); err != nil || ok {
		t.Errorf("other key, second: %v %v", ok, err)
	}
	if _, err := stores[0].Take(ctx, "k", 0, t0); err == nil {
		t.Error("perHour 0 accepted")
	}
}

// TestRateBudgetOutage: when the budget's database fails, the client falls
// back to its in-process budget (at most perHour per process), logs one
// warning, and never sends more than that.
func TestRateBudgetOutage(t *testing.T) {
	const perHour = 4
	u := testdb.NewURL(t)
	db, err := gorm.Open(postgres.Open(u), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := gormmodels.Migrate(db); err != nil {
		t.Fatal(err)
	}
	b, err := NewRateBudget(db)
	if err != nil {
		t.Fatal(err)
	}
	srv := shopgatetest.NewServer()
	t.Cleanup(srv.Close)
	core, logs := observer.New(zapcore.InfoLevel)
	cfg := srv.ClientConfig()
	cfg.RequestsPerHour, cfg.Budget, cfg.Logger = perHour, b, zap.New(core)
	c, err := shopgate.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// One request through the shared budget.
	if _, err := c.GetShopInfo(ctx); err != nil {
		t.Fatal(err)
	}
	// The database goes away: the in-process bucket, charged with that
	// request, allows the remaining perHour-1, then refuses.
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.Close()
	var sent, limited int
	for range 10 {
		_, err := c.GetShopInfo(ctx)
		switch {
		case err == nil:
			sent++
		case errors.Is(err, shopgate.ErrRateLimited):
			limited++
		default:
			t.Fatalf("during outage: %v", err)
		}
	}
	if sent != perHour-1 || limited != 10-sent {
		t.Errorf("during outage sent %d, limited %d; want %d, %d", sent, limited, perHour-1, 10-perHour+1)
	}
	if n := len(srv.Requests()); n != perHour {
		t.Errorf("the fake saw %d requests, want %d", n, perHour)
	}
	if n := logs.FilterMessageSnippet("shared request budget unavailable").Len(); n != 1 {
		t.Errorf("%d outage warnings, want 1", n)
	}
}

func TestNewRateBudgetNeedsPostgreSQL(t *testing.T) {
	if _, err := NewRateBudget(testdb.SQLite(t)); err == nil {
		t.Error("SQLite accepted")
	}
	if _, err := NewRateBudget(nil); err == nil {
		t.Error("nil accepted")
	}
}

// BenchmarkRateBudgetTake measures one Take on PostgreSQL (one key, one
// connection at a time).
func BenchmarkRateBudgetTake(b *testing.B) {
	db := testdb.New(b)
	if err := gormmodels.Migrate(db); err != nil {
		b.Fatal(err)
	}
	s, err := NewRateBudget(db)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Take(ctx, "bench", 1_000_000, now.Add(time.Duration(i)*time.Millisecond)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRateBudgetTakeParallel measures Take with concurrent takers of
// one key (the row lock serialises them).
func BenchmarkRateBudgetTakeParallel(b *testing.B) {
	db := testdb.New(b)
	if err := gormmodels.Migrate(db); err != nil {
		b.Fatal(err)
	}
	s, err := NewRateBudget(db)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Take(ctx, "bench", 1_000_000, time.Now()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
