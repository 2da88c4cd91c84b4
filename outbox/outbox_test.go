package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

func newPG(t *testing.T) *gorm.DB {
	t.Helper()
	db := testdb.New(t)
	if err := db.AutoMigrate(&gormmodels.OutboxJob{}); err != nil {
		t.Fatal(err)
	}
	return db
}

func newSQLite(t *testing.T) *gorm.DB {
	t.Helper()
	db := testdb.SQLite(t)
	if err := db.AutoMigrate(&gormmodels.OutboxJob{}); err != nil {
		t.Fatal(err)
	}
	return db
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts a little ahead of the wall clock, which Enqueue uses.
func newClock() *clock { return &clock{t: time.Now().UTC().Add(time.Second)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func enqueue(t *testing.T, db *gorm.DB, jobs ...Job) {
	t.Helper()
	err := db.Transaction(func(tx *gorm.DB) error {
		for _, j := range jobs {
			if err := Enqueue(tx, j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func rows(t *testing.T, db *gorm.DB) []gormmodels.OutboxJob {
	t.Helper()
	var out []gormmodels.OutboxJob
	if err := db.Order("id").Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

type payload struct {
	N int `json:"n"`
}

func decode(t *testing.T, raw json.RawMessage) int {
	t.Helper()
	var p payload
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Errorf("payload %s: %v", raw, err)
	}
	return p.N
}

// Two workers on one PostgreSQL database drain the queue together and no
// job reaches a handler twice.
func TestTwoWorkersSendEachJobOnce(t *testing.T) {
	db := newPG(t)
	const n = 300
	jobs := make([]Job, n)
	for i := range jobs {
		jobs[i] = Job{Kind: "send", Payload: payload{N: i}}
	}
	enqueue(t, db, jobs...)

	var mu sync.Mutex
	seen := map[int]int{}
	perWorker := [2]int{}
	var wg sync.WaitGroup
	for wi := 0; wi < 2; wi++ {
		w := mustNew(t, Config{DB: db, BatchSize: 7})
		w.Handle("send", func(ctx context.Context, raw json.RawMessage) error {
			k := decode(t, raw)
			mu.Lock()
			seen[k]++
			perWorker[wi]++
			mu.Unlock()
			time.Sleep(200 * time.Microsecond) // let the workers interleave
			return nil
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := w.RunOnce(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if got == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d distinct jobs handled, want %d", len(seen), n)
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("job %d handled %d times", k, c)
		}
	}
	if perWorker[0] == 0 || perWorker[1] == 0 {
		t.Logf("work split %v (one worker did everything)", perWorker)
	}
	for _, r := range rows(t, db) {
		if r.State != gormmodels.OutboxDone || r.Attempts != 1 || r.DoneAt == nil {
			t.Fatalf("job %d: state %s attempts %d", r.ID, r.State, r.Attempts)
		}
	}
}

// A handler that fails twice is retried after the backoff and its job is
// delivered exactly once.
func TestRetryWithBackoffThenDeliveredOnce(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *gorm.DB{"postgres": newPG, "sqlite": newSQLite} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			clk := newClock()
			w := mustNew(t, Config{DB: db, Now: clk.Now, BaseBackoff: 10 * time.Second, MaxBackoff: time.Minute})
			var calls, delivered int
			w.Handle("send", func(ctx context.Context, raw json.RawMessage) error {
				calls++
				if calls <= 2 {
					return errors.New("merchant api: 503")
				}
				delivered++
				return nil
			})
			enqueue(t, db, Job{Kind: "send", Payload: payload{N: 1}})

			ctx := context.Background()
			mustRun := func(want int) {
				t.Helper()
				got, err := w.RunOnce(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Fatalf("RunOnce ran %d jobs, want %d", got, want)
				}
			}
			mustRun(1) // fails
			r := rows(t, db)[0]
			if r.State != gormmodels.OutboxPending || r.LastError != "merchant api: 503" {
				t.Fatalf("after failure: %+v", r)
			}
			if d := r.NotBefore.Sub(clk.Now()); d < 5*time.Second || d > 10*time.Second {
				t.Fatalf("first backoff %v, want 5s..10s", d)
			}
			mustRun(0) // not due yet
			clk.Add(10 * time.Second)
			mustRun(1) // fails again
			r = rows(t, db)[0]
			if d := r.NotBefore.Sub(clk.Now()); d < 10*time.Second || d > 20*time.Second {
				t.Fatalf("second backoff %v, want 10s..20s", d)
			}
			clk.Add(20 * time.Second)
			mustRun(1) // succeeds
			clk.Add(time.Hour)
			mustRun(0)
			if delivered != 1 || calls != 3 {
				t.Fatalf("delivered %d, calls %d", delivered, calls)
			}
			r = rows(t, db)[0]
			if r.State != gormmodels.OutboxDone || r.Attempts != 3 || r.LastError != "" {
				t.Fatalf("final row: %+v", r)
			}
		})
	}
}

func TestPermanentErrorAndMaxAttempts(t *testing.T) {
	db := newPG(t)
	clk := newClock()
	w := mustNew(t, Config{DB: db, Now: clk.Now, MaxAttempts: 2, BaseBackoff: time.Second})
	w.Handle("perm", func(ctx context.Context, raw json.RawMessage) error {
		return Permanent(errors.New("merchant api: 102 order unknown"))
	})
	w.Handle("flaky", func(ctx context.Context, raw json.RawMessage) error {
		return fmt.Errorf("wrapped: %w", errors.New("timeout"))
	})
	w.Handle("panics", func(ctx context.Context, raw json.RawMessage) error { panic("boom") })
	enqueue(t, db, Job{Kind: "perm"}, Job{Kind: "flaky"}, Job{Kind: "panics"})
	for i := 0; i < 3; i++ {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
	}
	want := map[string]struct {
		state    string
		attempts int
	}{
		"perm":   {gormmodels.OutboxDead, 1},
		"flaky":  {gormmodels.OutboxDead, 2},
		"panics": {gormmodels.OutboxDead, 2},
	}
	for _, r := range rows(t, db) {
		if w := want[r.Kind]; r.State != w.state || r.Attempts != w.attempts || r.LastError == "" {
			t.Errorf("%s: state %s attempts %d err %q, want %s %d", r.Kind, r.State, r.Attempts, r.LastError, w.state, w.attempts)
		}
	}
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	if !IsPermanent(fmt.Errorf("x: %w", Permanent(errors.New("y")))) || IsPermanent(errors.New("y")) {
		t.Error("IsPermanent does not see through wrapping")
	}
}

func TestCoalescing(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *gorm.DB{"postgres": newPG, "sqlite": newSQLite} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			clk := newClock()
			enqueue(t, db,
				Job{Kind: "sync", Key: "order-1", Payload: payload{N: 1}},
				Job{Kind: "sync", Key: "order-1", Payload: payload{N: 2}},
				Job{Kind: "sync", Key: "order-2", Payload: payload{N: 10}},
				Job{Kind: "other", Key: "order-1", Payload: payload{N: 20}},
				Job{Kind: "sync", Payload: payload{N: 30}},
				Job{Kind: "sync", Payload: payload{N: 31}},
			)
			enqueue(t, db, Job{Kind: "sync", Key: "order-1", Payload: payload{N: 3}})
			if got := len(rows(t, db)); got != 5 {
				t.Fatalf("%d rows, want 5", got)
			}

			// While order-1's job is in flight, a new change is queued as a
			// new job and the in-flight one, failing, is superseded by it.
			w := mustNew(t, Config{DB: db, Now: clk.Now, BaseBackoff: time.Second})
			var got []int
			fail := true
			w.Handle("sync", func(ctx context.Context, raw json.RawMessage) error {
				n := decode(t, raw)
				got = append(got, n)
				if n == 3 {
					enqueue(t, db, Job{Kind: "sync", Key: "order-1", Payload: payload{N: 4}})
					if fail {
						fail = false
						return errors.New("temporary")
					}
				}
				return nil
			})
			for i := 0; i < 4; i++ {
				if _, err := w.RunOnce(context.Background()); err != nil {
					t.Fatal(err)
				}
				clk.Add(time.Minute)
			}
			want := []int{10, 30, 31, 3, 4} // by NotBefore: coalescing moved order-1 last
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("handled %v, want %v", got, want)
			}
			states := map[string]int{}
			for _, r := range rows(t, db) {
				states[r.State]++
			}
			if states[gormmodels.OutboxSuperseded] != 1 || states[gormmodels.OutboxDone] != 4 || states[gormmodels.OutboxPending] != 1 {
				t.Fatalf("states %v", states) // the pending one is kind "other", which w does not handle
			}
		})
	}
}

// Concurrent enqueues with one key leave one pending job: the partial
// unique index, not a read-then-write, decides.
func TestCoalescingConcurrent(t *testing.T) {
	db := newPG(t)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Transaction(func(tx *gorm.DB) error {
				return Enqueue(tx, Job{Kind: "sync", Key: "k", Payload: payload{N: i}})
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := len(rows(t, db)); got != 1 {
		t.Fatalf("%d rows, want 1", got)
	}
}

func TestEnqueueRollsBackWithCallersTransaction(t *testing.T) {
	db := newPG(t)
	boom := errors.New("host change failed")
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := Enqueue(tx, Job{Kind: "send", Payload: payload{N: 1}}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got := len(rows(t, db)); got != 0 {
		t.Fatalf("%d rows after rollback", got)
	}
	if err := Enqueue(db, Job{}); err == nil {
		t.Error("empty kind accepted")
	}
	if err := Enqueue(db, Job{Kind: "x", Payload: func() {}}); err == nil {
		t.Error("unencodable payload accepted")
	}
}

// A job claimed by a worker that died is claimed again after the lease,
// and the dead worker's late result does not overwrite the new claim.
func TestLeaseExpiryReclaims(t *testing.T) {
	db := newPG(t)
	clk := newClock()
	enqueue(t, db, Job{Kind: "send", Payload: payload{N: 1}})

	dead := mustNew(t, Config{DB: db, Now: clk.Now, LeaseTimeout: time.Minute})
	dead.Handle("send", func(context.Context, json.RawMessage) error { return nil })
	claimed, err := dead.claim(context.Background(), []string{"send"}, "dead-token")
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %d", err, len(claimed))
	}

	var sent atomic.Int32
	live := mustNew(t, Config{DB: db, Now: clk.Now, LeaseTimeout: time.Minute})
	live.Handle("send", func(context.Context, json.RawMessage) error { sent.Add(1); return nil })
	if n, err := live.RunOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("claimed a leased job: %d %v", n, err)
	}
	clk.Add(61 * time.Second)
	if n, err := live.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("expired lease not reclaimed: %d %v", n, err)
	}
	// The dead worker wakes up and fails: its result is dropped.
	if err := dead.run(context.Background(), &claimed[0], "dead-token"); err != nil {
		t.Fatal(err)
	}
	r := rows(t, db)[0]
	if r.State != gormmodels.OutboxDone || r.Attempts != 2 || sent.Load() != 1 {
		t.Fatalf("row %+v, sent %d", r, sent.Load())
	}
}

func TestWorkerClaimsOnlyItsKinds(t *testing.T) {
	db := newPG(t)
	enqueue(t, db, Job{Kind: "a"}, Job{Kind: "b"})
	w := mustNew(t, Config{DB: db})
	if n, err := w.RunOnce(context.Background()); n != 0 || err != nil {
		t.Fatalf("worker without handlers ran %d: %v", n, err)
	}
	w.Handle("a", func(context.Context, json.RawMessage) error { return nil })
	if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("ran %d: %v", n, err)
	}
	if r := rows(t, db); r[1].State != gormmodels.OutboxPending {
		t.Fatalf("kind b touched: %+v", r[1])
	}
}

func TestRunStopsWithContext(t *testing.T) {
	db := newSQLite(t)
	w := mustNew(t, Config{DB: db, PollInterval: 5 * time.Millisecond})
	done := make(chan struct{})
	w.Handle("send", func(context.Context, json.RawMessage) error { close(done); return nil })
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- w.Run(ctx) }()
	enqueue(t, db, Job{Kind: "send"})
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("job not run")
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

func TestBackoff(t *testing.T) {
	cfg := Config{BaseBackoff: 10 * time.Second, MaxBackoff: time.Minute}
	cfg.setDefaults()
	w := &Worker{cfg: cfg} // backoff needs no database
	tests := []struct {
		attempt  int
		min, max time.Duration
	}{
		{1, 5 * time.Second, 10 * time.Second},
		{2, 10 * time.Second, 20 * time.Second},
		{3, 20 * time.Second, 40 * time.Second},
		{4, 30 * time.Second, time.Minute},
		{50, 30 * time.Second, time.Minute},
	}
	for _, tt := range tests {
		for i := 0; i < 50; i++ {
			if d := w.backoff(tt.attempt); d < tt.min || d > tt.max {
				t.Fatalf("backoff(%d) = %v, want %v..%v", tt.attempt, d, tt.min, tt.max)
			}
		}
	}
}

func TestPurge(t *testing.T) {
	db := newPG(t)
	clk := newClock()
	enqueue(t, db, Job{Kind: "send"}, Job{Kind: "send"}, Job{Kind: "fail"}, Job{Kind: "later", NotBefore: time.Now().Add(time.Hour)})
	w := mustNew(t, Config{DB: db, Now: clk.Now})
	w.Handle("send", func(context.Context, json.RawMessage) error { return nil })
	w.Handle("fail", func(context.Context, json.RawMessage) error { return Permanent(errors.New("no")) })
	if n, err := w.RunOnce(context.Background()); err != nil || n != 3 {
		t.Fatalf("ran %d: %v", n, err)
	}
	n, err := Purge(context.Background(), db, clk.Now().Add(time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("purged %d: %v", n, err)
	}
	states := map[string]int{}
	for _, r := range rows(t, db) {
		states[r.State]++
	}
	if states[gormmodels.OutboxDead] != 1 || states[gormmodels.OutboxPending] != 1 || len(states) != 2 {
		t.Fatalf("left %v: dead and pending jobs must stay", states)
	}
}

// A worker whose batch outlasts the lease renews its claims, so a second
// worker never takes (and sends again) the jobs still waiting in it.
func TestLeaseRenewedDuringLongBatch(t *testing.T) {
	db := newPG(t)
	clk := newClock()
	enqueue(t, db, Job{Kind: "slow", Payload: payload{N: 1}}, Job{Kind: "slow", Payload: payload{N: 2}}, Job{Kind: "slow", Payload: payload{N: 3}})
	other := mustNew(t, Config{DB: db, Now: clk.Now, LeaseTimeout: time.Minute})
	var stolen atomic.Int32
	other.Handle("slow", func(context.Context, json.RawMessage) error { stolen.Add(1); return nil })
	w := mustNew(t, Config{DB: db, Now: clk.Now, LeaseTimeout: time.Minute}) // HandlerTimeout becomes 30s
	var seen []int
	w.Handle("slow", func(ctx context.Context, raw json.RawMessage) error {
		seen = append(seen, decode(t, raw))
		clk.Add(40 * time.Second) // longer than the rest of the lease allows
		if n, err := other.RunOnce(ctx); err != nil || n != 0 {
			t.Errorf("other worker ran %d jobs (%v) while they were claimed", n, err)
		}
		return nil
	})
	if n, err := w.RunOnce(context.Background()); err != nil || n != 3 {
		t.Fatalf("ran %d: %v", n, err)
	}
	if fmt.Sprint(seen) != "[1 2 3]" || stolen.Load() != 0 {
		t.Fatalf("seen %v, stolen %d", seen, stolen.Load())
	}
	for _, r := range rows(t, db) {
		if r.State != gormmodels.OutboxDone || r.Attempts != 1 {
			t.Fatalf("job %d: %s after %d attempts", r.ID, r.State, r.Attempts)
		}
	}
}

// A job whose worker dies during every attempt never reports a result, so
// the MaxAttempts check after the handler is never reached: the claim
// itself must give up on it once it had MaxAttempts claims.
func TestCrashingJobDiesAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	dbs := []struct {
		name string
		open func(*testing.T) *gorm.DB
	}{{"postgres", newPG}, {"sqlite", newSQLite}}
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.open(t)
			clk := newClock()
			const maxAttempts = 3
			cfg := Config{DB: db, Now: clk.Now, LeaseTimeout: time.Minute, MaxAttempts: maxAttempts}
			enqueue(t, db, Job{Kind: "crash", Payload: payload{N: 1}}, Job{Kind: "ok", Payload: payload{N: 2}})

			// Each "crash" claims the job and never records a result.
			crashing := mustNew(t, cfg)
			for i := 1; i <= maxAttempts; i++ {
				claimed, err := crashing.claim(context.Background(), []string{"crash"}, fmt.Sprintf("crash-%d", i))
				if err != nil || len(claimed) != 1 || claimed[0].Attempts != i {
					t.Fatalf("claim %d: %v %+v", i, err, claimed)
				}
				clk.Add(61 * time.Second)
			}

			var ran atomic.Int32
			live := mustNew(t, cfg)
			live.Handle("crash", func(context.Context, json.RawMessage) error { ran.Add(1); return nil })
			live.Handle("ok", func(context.Context, json.RawMessage) error { return nil })
			if n, err := live.RunOnce(context.Background()); err != nil || n != 1 {
				t.Fatalf("RunOnce: %d %v, want only the healthy job", n, err)
			}
			if ran.Load() != 0 {
				t.Fatal("exhausted job ran again")
			}
			r := rows(t, db)
			if r[0].State != gormmodels.OutboxDead || r[0].Attempts != maxAttempts || r[0].DoneAt == nil ||
				r[0].LeaseUntil != nil || r[0].LastError == "" {
				t.Errorf("crashing job %+v", r[0])
			}
			if r[1].State != gormmodels.OutboxDone {
				t.Errorf("healthy job %+v", r[1])
			}
			clk.Add(time.Hour)
			if n, err := live.RunOnce(context.Background()); err != nil || n != 0 || ran.Load() != 0 {
				t.Fatalf("dead job claimed: %d %v", n, err)
			}
		})
	}
}

// A pending job that already used up MaxAttempts (e.g. the limit was
// lowered) is not claimed either.
func TestPendingJobPastMaxAttemptsDies(t *testing.T) {
	t.Parallel()
	db := newPG(t)
	clk := newClock()
	enqueue(t, db, Job{Kind: "send"})
	if err := db.Model(&gormmodels.OutboxJob{}).Where("kind = ?", "send").Update("attempts", 5).Error; err != nil {
		t.Fatal(err)
	}
	w := mustNew(t, Config{DB: db, Now: clk.Now, MaxAttempts: 5})
	w.Handle("send", func(context.Context, json.RawMessage) error { return errors.New("ran") })
	if n, err := w.RunOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("RunOnce: %d %v", n, err)
	}
	if r := rows(t, db)[0]; r.State != gormmodels.OutboxDead || r.Attempts != 5 {
		t.Fatalf("job %+v", r)
	}
}

// TestUnlimitedAttempts: MaxAttempts < 0 keeps a failing job in the queue
// for good (no dead state, also not for a job whose worker crashed), with the
// backoff capped at MaxBackoff; a Permanent error still ends it.
func TestUnlimitedAttempts(t *testing.T) {
	db := newPG(t)
	clk := newClock()
	w := mustNew(t, Config{DB: db, Now: clk.Now, MaxAttempts: -1, BaseBackoff: time.Minute, MaxBackoff: 30 * time.Minute})
	w.Handle("down", func(ctx context.Context, raw json.RawMessage) error { return errors.New("503 service unavailable") })
	w.Handle("perm", func(ctx context.Context, raw json.RawMessage) error { return Permanent(errors.New("406")) })
	enqueue(t, db, Job{Kind: "down"}, Job{Kind: "perm"})
	for i := 0; i < 45; i++ {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows(t, db) {
			if r.Kind == "down" && r.State == gormmodels.OutboxPending && r.NotBefore.Sub(clk.Now()) > 30*time.Minute {
				t.Fatalf("attempt %d: next attempt in %v, beyond MaxBackoff", r.Attempts, r.NotBefore.Sub(clk.Now()))
			}
		}
		clk.Add(30 * time.Minute)
	}
	// A job past its lease (its worker died) with many claims is claimed again too.
	db.Model(&gormmodels.OutboxJob{}).Where("kind = ?", "down").Updates(map[string]any{
		"state": gormmodels.OutboxRunning, "lease_until": clk.Now().Add(-time.Minute), "attempts": 1000})
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows(t, db) {
		switch r.Kind {
		case "down":
			if r.State != gormmodels.OutboxPending || r.Attempts != 1001 {
				t.Errorf("down: state %s attempts %d, want pending 1001", r.State, r.Attempts)
			}
		case "perm":
			if r.State != gormmodels.OutboxDead || r.Attempts != 1 {
				t.Errorf("perm: state %s attempts %d, want dead 1", r.State, r.Attempts)
			}
		}
	}
}

// mustNew is New for tests.
func mustNew(t testing.TB, cfg Config) *Worker {
	t.Helper()
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestNewNeedsDB(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("New accepted a Config without DB")
	}
}
