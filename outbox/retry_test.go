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

// A dead job put back with Retry runs again; Retry refuses ids that are
// not dead and a job a newer pending one of the same key supersedes.
func TestRetryDeadJob(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *gorm.DB{"postgres": newPG, "sqlite": newSQLite} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			fail := true
			w := mustNew(t, Config{DB: db})
			w.Handle("send", func(context.Context, json.RawMessage) error {
				if fail {
					return Permanent(errors.New("rejected"))
				}
				return nil
			})
			enqueue(t, db, Job{Kind: "send", Key: "k"})
			if _, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			id := rows(t, db)[0].ID
			if err := Retry(context.Background(), db, id+100); !errors.Is(err, ErrNotDead) {
				t.Fatalf("unknown id: %v", err)
			}
			if err := Retry(context.Background(), db, id); err != nil {
				t.Fatal(err)
			}
			if err := Retry(context.Background(), db, id); !errors.Is(err, ErrNotDead) {
				t.Fatalf("pending job retried: %v", err)
			}
			fail = false
			if n, err := w.RunOnce(context.Background()); err != nil || n != 1 {
				t.Fatalf("RunOnce = %d, %v", n, err)
			}
			if r := rows(t, db)[0]; r.State != gormmodels.OutboxDone || r.Attempts != 1 {
				t.Fatalf("after retry: %s attempts %d", r.State, r.Attempts)
			}

			fail = true
			enqueue(t, db, Job{Kind: "send", Key: "k2"})
			if _, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			dead := rows(t, db)[1].ID
			enqueue(t, db, Job{Kind: "send", Key: "k2", NotBefore: time.Now().Add(time.Hour)})
			if err := Retry(context.Background(), db, dead); !errors.Is(err, ErrRetrySuperseded) {
				t.Fatalf("superseded retry: %v", err)
			}
		})
	}
}

func TestRunningAndHeartbeat(t *testing.T) {
	db := newSQLite(t)
	w := mustNew(t, Config{DB: db, PollInterval: 5 * time.Millisecond})
	w.Handle("send", func(context.Context, json.RawMessage) error { return nil })
	if w.Running() || !w.Heartbeat().IsZero() {
		t.Fatal("running before Run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- w.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for !w.Running() || w.Heartbeat().IsZero() {
		if time.Now().After(deadline) {
			t.Fatal("not running")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-errc
	if w.Running() {
		t.Fatal("running after Run returned")
	}
}
