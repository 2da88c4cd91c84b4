package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/gormmodels"
)

// waitFor polls cond with a generous deadline (loaded CI machines).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// blockingWorker runs a worker whose handler for job 1 signals started
// and blocks until release is closed or its context ends.
func blockingWorker(t *testing.T, cfg Config) (w *Worker, started chan struct{}, release chan struct{}, runErr chan error, runCancel context.CancelFunc) {
	t.Helper()
	w = mustNew(t, cfg)
	started, release = make(chan struct{}), make(chan struct{})
	w.Handle("send", func(ctx context.Context, raw json.RawMessage) error {
		if decode(t, raw) != 1 {
			return nil
		}
		close(started)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	runErr = make(chan error, 1)
	go func() { runErr <- w.Run(ctx) }()
	return w, started, release, runErr, cancel
}

// Shutdown lets the running handler finish, gives the claimed jobs that
// had not started back at once (pending, no lease, attempt refunded), and
// another worker takes them immediately
// (docs/operations.md#graceful-shutdown).
func TestShutdownFinishesRunningAndReleasesRest(t *testing.T) {
	for _, tc := range []struct {
		name string
		db   func(*testing.T) *gorm.DB
	}{{"postgres", newPG}, {"sqlite", newSQLite}} {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.db(t)
			enqueue(t, db, Job{Kind: "send", Payload: payload{N: 1}}, Job{Kind: "send", Payload: payload{N: 2}}, Job{Kind: "send", Payload: payload{N: 3}})
			w, started, release, runErr, cancel := blockingWorker(t, Config{DB: db, PollInterval: 10 * time.Millisecond, LeaseTimeout: time.Hour})
			defer cancel()
			<-started
			done := make(chan error, 1)
			go func() { done <- w.Shutdown(context.Background()) }()
			// The two jobs behind the running one are back while it runs.
			waitFor(t, "unstarted jobs released", func() bool {
				r := rows(t, db)
				return r[1].State == gormmodels.OutboxPending && r[2].State == gormmodels.OutboxPending
			})
			for _, r := range rows(t, db)[1:] {
				if r.LeaseUntil != nil || r.Attempts != 0 || r.ClaimToken != "" {
					t.Errorf("released job %d: lease %v, attempts %d, token %q", r.ID, r.LeaseUntil, r.Attempts, r.ClaimToken)
				}
			}
			if n, err := w.RunOnce(context.Background()); n != 0 || err != nil {
				t.Errorf("a stopping worker claimed %d: %v", n, err)
			}
			other := mustNew(t, Config{DB: db})
			other.Handle("send", func(context.Context, json.RawMessage) error { return nil })
			if n, err := other.RunOnce(context.Background()); n != 2 || err != nil {
				t.Errorf("another worker ran %d released jobs: %v", n, err)
			}
			close(release)
			if err := <-done; err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			if err := <-runErr; err != nil {
				t.Errorf("Run after Shutdown: %v", err)
			}
			for _, r := range rows(t, db) {
				if r.State != gormmodels.OutboxDone {
					t.Errorf("job %d: %s", r.ID, r.State)
				}
			}
		})
	}
}

// When the deadline passes, the running handler is cancelled and its job
// released without backoff and without a lease: claimable at once.
func TestShutdownDeadlineReleasesRunningJob(t *testing.T) {
	db := newPG(t)
	enqueue(t, db, Job{Kind: "send", Payload: payload{N: 1}})
	w, started, _, runErr, cancel := blockingWorker(t, Config{DB: db, PollInterval: 10 * time.Millisecond, LeaseTimeout: time.Hour})
	defer cancel()
	<-started
	ctx, stop := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer stop()
	if err := w.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want the deadline", err)
	}
	<-runErr
	r := rows(t, db)[0]
	if r.State != gormmodels.OutboxPending || r.LeaseUntil != nil || r.NotBefore.After(time.Now().Add(time.Second)) {
		t.Fatalf("interrupted job not free: %+v", r)
	}
	other := mustNew(t, Config{DB: db})
	other.Handle("send", func(context.Context, json.RawMessage) error { return nil })
	if n, err := other.RunOnce(context.Background()); n != 1 || err != nil {
		t.Errorf("another worker ran %d: %v", n, err)
	}
}

// A Run whose context is cancelled abruptly (no Shutdown) still leaves no
// lease behind: the interrupted job and the unstarted ones are pending and
// claimable at once, not after LeaseTimeout.
func TestAbruptCancelLeavesNoLease(t *testing.T) {
	db := newPG(t)
	enqueue(t, db, Job{Kind: "send", Payload: payload{N: 1}}, Job{Kind: "send", Payload: payload{N: 2}})
	_, started, _, runErr, cancel := blockingWorker(t, Config{DB: db, PollInterval: 10 * time.Millisecond, LeaseTimeout: time.Hour})
	<-started
	cancel()
	if err := <-runErr; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
	for _, r := range rows(t, db) {
		if r.State != gormmodels.OutboxPending || r.LeaseUntil != nil {
			t.Errorf("job %d left %s with lease %v", r.ID, r.State, r.LeaseUntil)
		}
	}
	if r := rows(t, db)[1]; r.Attempts != 0 {
		t.Errorf("unstarted job charged %d attempts", r.Attempts)
	}
}
