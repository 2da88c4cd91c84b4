// Package outbox is a durable queue of outgoing calls kept in the host
// database.
//
// A caller writes a job with [Enqueue] inside the same transaction as the
// change that needs announcing, so either both are committed or neither is.
// A [Worker] claims due jobs, hands each to the handler registered for its
// kind, and records the result: done, retried later with exponential backoff
// and jitter, or dead after a permanent error or too many attempts.
//
// Several workers (in one process or on several app servers) may share one
// database. On PostgreSQL rows are claimed with FOR UPDATE SKIP LOCKED; on
// SQLite a single UPDATE … RETURNING statement claims them under SQLite's
// write lock. A claim carries a lease: when a worker dies mid-job the row
// becomes claimable again after [Config.LeaseTimeout]. Handlers
// therefore see a job once, except when a worker died or stalled past its
// lease after sending; handlers treat "already done" answers as success.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/gormmodels"
)

// Job is a call to make later.
type Job struct {
	// Kind selects the handler (see [Worker.Handle]). Required.
	Kind string
	// Key is an optional coalescing key. When a pending job with the same
	// Kind and Key is waiting (not yet claimed), Enqueue replaces its
	// payload and NotBefore and resets its attempts instead of adding a job.
	Key string
	// Payload is encoded with encoding/json and handed to the handler. A
	// json.RawMessage is stored as is.
	Payload any
	// NotBefore delays the first attempt; zero means now.
	NotBefore time.Time
}

// Enqueue writes job into the outbox through tx, which should be the
// caller's transaction so the job commits or rolls back with the change it
// announces.
func Enqueue(tx *gorm.DB, job Job) error {
	if job.Kind == "" {
		return errors.New("outbox: enqueue: empty kind")
	}
	payload, err := json.Marshal(job.Payload)
	if err != nil {
		return fmt.Errorf("outbox: enqueue %s: encode payload: %w", job.Kind, err)
	}
	now := time.Now().UTC()
	notBefore := job.NotBefore.UTC()
	if job.NotBefore.IsZero() {
		notBefore = now
	}
	row := gormmodels.OutboxJob{
		Kind:      job.Kind,
		Key:       job.Key,
		Payload:   string(payload),
		State:     gormmodels.OutboxPending,
		NotBefore: notBefore,
		CreatedAt: now,
		UpdatedAt: now,
	}
	q := tx.Session(&gorm.Session{NewDB: true}).Model(&gormmodels.OutboxJob{})
	if job.Key != "" {
		// The conflict target is the partial unique index over pending rows.
		q = q.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "kind"}, {Name: "coalesce_key"}},
			TargetWhere: clause.Where{Exprs: []clause.Expression{
				clause.Expr{SQL: "state = 'pending' AND coalesce_key <> ''"},
			}},
			DoUpdates: clause.AssignmentColumns([]string{"payload", "not_before", "attempts", "updated_at"}),
		})
	}
	if err := q.Create(&row).Error; err != nil {
		return fmt.Errorf("outbox: enqueue %s: %w", job.Kind, err)
	}
	return nil
}

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

// Error returns the wrapped error's text.
func (p *permanentError) Error() string { return p.err.Error() }

// Unwrap returns the wrapped error.
func (p *permanentError) Unwrap() error { return p.err }

// Permanent marks err as not retryable: the worker records the job as dead
// instead of trying again. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err or an error it wraps was marked with
// [Permanent].
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// Purge deletes finished jobs (done or superseded) that finished before
// before, and returns how many. Dead jobs are kept for the merchant to see.
func Purge(ctx context.Context, db *gorm.DB, before time.Time) (int64, error) {
	res := db.WithContext(ctx).
		Where("state IN ? AND done_at < ?", []string{gormmodels.OutboxDone, gormmodels.OutboxSuperseded}, before.UTC()).
		Delete(&gormmodels.OutboxJob{})
	if res.Error != nil {
		return 0, fmt.Errorf("outbox: purge: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// ErrNotDead is returned by [Retry] when the job does not exist or is not
// dead.
var ErrNotDead = errors.New("outbox: no dead job with this id")

// ErrRetrySuperseded is returned by [Retry] when a newer pending job with
// the same kind and coalescing key waits already: it carries the newer
// payload, so the dead job is not revived.
var ErrRetrySuperseded = errors.New("outbox: a newer job with the same kind and key is pending")

// Retry puts the dead job id back into the queue: pending, due now, with
// its attempts reset. It needs no [Worker] (a control panel calls it from
// any process); a worker handling the job's kind picks it up. It returns
// [ErrNotDead] when id names no dead job and [ErrRetrySuperseded] when a
// newer pending job with the same kind and key exists.
func Retry(ctx context.Context, db *gorm.DB, id uint64) error {
	now := time.Now().UTC()
	res := db.WithContext(ctx).Model(&gormmodels.OutboxJob{}).
		Where("id = ? AND state = ?", id, gormmodels.OutboxDead).
		Updates(map[string]any{
			"state": gormmodels.OutboxPending, "not_before": now, "attempts": 0,
			"done_at": nil, "lease_until": nil, "claim_token": "", "updated_at": now,
		})
	if res.Error != nil {
		if isUniqueViolation(res.Error) {
			return ErrRetrySuperseded
		}
		return fmt.Errorf("outbox: retry job %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotDead
	}
	return nil
}

// Group is one row of [Backlog]: the jobs of one kind in one state.
type Group struct {
	Kind   string
	State  string
	Count  int64
	Oldest time.Time
}

// Backlog returns the pending, running and dead outbox jobs grouped
// by kind and state, with the creation time of the oldest of each group,
// in one query (served by the (state, not_before) index).
func Backlog(ctx context.Context, db *gorm.DB) ([]Group, error) {
	type row struct {
		Kind   string
		State  string
		N      int64
		Oldest string // read as text: SQLite returns MIN() of a time as text
	}
	var rows []struct {
		Kind   string
		State  string
		N      int64
		Oldest time.Time
	}
	q := db.WithContext(ctx).Model(&gormmodels.OutboxJob{}).
		Select("kind, state, COUNT(*) AS n, MIN(created_at) AS oldest").
		Where("state IN ?", []string{gormmodels.OutboxPending, gormmodels.OutboxRunning, gormmodels.OutboxDead}).
		Group("kind, state")
	if db.Dialector.Name() == "postgres" {
		if err := q.Scan(&rows).Error; err != nil {
			return nil, err
		}
	} else {
		var text []row
		if err := q.Scan(&text).Error; err != nil {
			return nil, err
		}
		for _, r := range text {
			t, _ := parseSQLiteTime(r.Oldest)
			rows = append(rows, struct {
				Kind   string
				State  string
				N      int64
				Oldest time.Time
			}{r.Kind, r.State, r.N, t})
		}
	}
	out := make([]Group, 0, len(rows))
	for _, r := range rows {
		out = append(out, Group{Kind: r.Kind, State: r.State, Count: r.N, Oldest: r.Oldest})
	}
	return out, nil
}

func parseSQLiteTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("outbox: unreadable time " + strconv.Quote(s))
}

// DeadJob is a job that failed for good, as [DeadJobs] lists it.
type DeadJob struct {
	ID       uint64
	Kind     string
	Attempts int
	// LastError is the error of the last attempt.
	LastError string
	// CreatedAt is when the job was enqueued, DoneAt when it died.
	CreatedAt time.Time
	DoneAt    *time.Time
}

// DeadJobs returns up to limit dead jobs, the most recent first (for a
// control panel with a retry button; see [Retry]).
func DeadJobs(ctx context.Context, db *gorm.DB, limit int) ([]DeadJob, error) {
	var rows []gormmodels.OutboxJob
	err := db.WithContext(ctx).Where("state = ?", gormmodels.OutboxDead).Order("id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("outbox: dead jobs: %w", err)
	}
	out := make([]DeadJob, 0, len(rows))
	for _, r := range rows {
		out = append(out, DeadJob{ID: r.ID, Kind: r.Kind, Attempts: r.Attempts, LastError: r.LastError, CreatedAt: r.CreatedAt, DoneAt: r.DoneAt})
	}
	return out, nil
}
