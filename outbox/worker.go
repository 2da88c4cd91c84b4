package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	mathrand "math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/gormmodels"
)

// HandlerFunc performs one job. It returns nil when the call succeeded or
// the remote side answered that it was already done; an error wrapped with
// [Permanent] when retrying cannot help; any other error to be retried.
type HandlerFunc func(ctx context.Context, payload json.RawMessage) error

// Config configures a [Worker]. DB is required; zero fields take the
// defaults shown.
type Config struct {
	// DB holds the outbox table (gormmodels.OutboxJob).
	DB *gorm.DB
	// Logger receives one line per failed attempt. Default: zap.NewNop().
	Logger *zap.Logger
	// BatchSize is how many jobs one claim takes. Default: 10.
	BatchSize int
	// PollInterval is the pause of Run when no job was due. Default: 1s.
	PollInterval time.Duration
	// LeaseTimeout is how long a claim lasts; a running job whose worker
	// died is claimable again after it. Default: 5m.
	LeaseTimeout time.Duration
	// HandlerTimeout bounds one handler call; it must be shorter than
	// LeaseTimeout (else it is cut to half of it). Before each call the
	// worker renews its claims when less than HandlerTimeout is left, so a
	// live worker never loses a job to another one. Default: 1m.
	HandlerTimeout time.Duration
	// BaseBackoff is the delay after the first failure; it doubles with
	// every further failure. Default: 10s.
	BaseBackoff time.Duration
	// MaxBackoff caps the delay. Default: 1h.
	MaxBackoff time.Duration
	// MaxAttempts is how many attempts a job gets before it is dead.
	// Default (0): 30 (about a day with the default backoff). A negative
	// value means unlimited: a job fails for good only with a [Permanent]
	// error and otherwise stays in the queue, retried every MaxBackoff.
	MaxAttempts int
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 10
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.LeaseTimeout <= 0 {
		c.LeaseTimeout = 5 * time.Minute
	}
	if c.HandlerTimeout <= 0 {
		c.HandlerTimeout = time.Minute
	}
	if c.HandlerTimeout+leaseMargin >= c.LeaseTimeout {
		c.HandlerTimeout = c.LeaseTimeout / 2
	}
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = 10 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
	if c.MaxBackoff < c.BaseBackoff {
		c.MaxBackoff = c.BaseBackoff
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 30
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Worker claims due outbox jobs and runs their handlers.
type Worker struct {
	db  *gorm.DB
	cfg Config

	mu       sync.RWMutex
	handlers map[string]HandlerFunc

	// running counts the Run loops in progress; beat is the Unix time in
	// nanoseconds at which a Run loop last started a round.
	running atomic.Int32
	beat    atomic.Int64

	// draining is set by Shutdown: no new claims. hard is cancelled when
	// Shutdown's deadline passes: running handlers are cancelled then.
	draining   atomic.Bool
	hard       context.Context
	hardCancel context.CancelFunc
	// tokens are the claim tokens of the batches in progress, released by
	// Shutdown should a handler outlive it.
	tokMu  sync.Mutex
	tokens map[string]uint64 // token → id of the job running, 0 if none
}

// Running reports whether a [Worker.Run] loop of w is in progress (a
// readiness check uses it; see handlers/health).
func (w *Worker) Running() bool { return w.running.Load() > 0 }

// Heartbeat returns when a [Worker.Run] loop of w last started a round of
// claiming jobs; zero before the first. A round runs at least every
// PollInterval unless a handler is busy (at most HandlerTimeout per job).
func (w *Worker) Heartbeat() time.Time {
	n := w.beat.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// New returns a worker on cfg.DB. Register handlers with [Worker.Handle]
// before calling [Worker.Run] or [Worker.RunOnce].
func New(cfg Config) (*Worker, error) {
	if cfg.DB == nil {
		return nil, errors.New("outbox: Config.DB is nil")
	}
	cfg.setDefaults()
	w := &Worker{db: cfg.DB, cfg: cfg, handlers: map[string]HandlerFunc{}, tokens: map[string]uint64{}}
	w.hard, w.hardCancel = context.WithCancel(context.Background())
	return w, nil
}

// Handle registers h for jobs of kind. A worker claims only kinds it has a
// handler for, so workers with different handler sets can share a table.
func (w *Worker) Handle(kind string, h HandlerFunc) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.handlers[kind] = h
}

// attemptLimit is the MaxAttempts bound used in the claim query; an
// unlimited worker (MaxAttempts < 0) gets a bound no counter reaches.
func (w *Worker) attemptLimit() int {
	if w.cfg.MaxAttempts < 0 {
		return math.MaxInt32
	}
	return w.cfg.MaxAttempts
}

func (w *Worker) kinds() []string {
	w.mu.RLock()
	defer w.mu.RUnlock()
	ks := make([]string, 0, len(w.handlers))
	for k := range w.handlers {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (w *Worker) handler(kind string) HandlerFunc {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.handlers[kind]
}

// Run processes jobs until ctx is done or [Worker.Shutdown] is called,
// pausing PollInterval whenever no job was due. Database errors are logged
// and retried after the pause. It returns ctx.Err(), or nil after Shutdown.
//
// When ctx ends abruptly, the running handler sees its context cancelled;
// its job and the claimed jobs not yet started are released at once
// (claimable by any worker without backoff), so nothing waits for a lease
// to expire (docs/operations.md#graceful-shutdown).
func (w *Worker) Run(ctx context.Context) error {
	w.running.Add(1)
	defer w.running.Add(-1)
	for {
		if w.draining.Load() {
			return nil
		}
		w.beat.Store(time.Now().UnixNano())
		n, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			w.cfg.Logger.Warn("outbox: run", zap.Error(err))
		}
		if err == nil && n >= w.cfg.BatchSize {
			continue // more may be due right away
		}
		t := time.NewTimer(w.cfg.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-w.hard.Done():
			t.Stop()
		case <-t.C:
		}
	}
}

// Shutdown stops w gracefully (docs/operations.md#graceful-shutdown): its
// Run loops claim nothing more; a handler already running may finish until
// ctx ends; the claimed jobs not yet started are released at once (state
// pending, no lease, the attempt refunded) so that another process can take
// them immediately. When ctx ends first, the running handlers' contexts are
// cancelled, their jobs released without backoff, and Shutdown waits at most
// a few more seconds for them to record that. Any lease w still holds then
// is released too. It returns nil, or ctx.Err() when the deadline cut a
// handler short. Shutdown is safe to call more than once and from any
// goroutine; Run and RunOnce do nothing afterwards.
func (w *Worker) Shutdown(ctx context.Context) error {
	w.tokMu.Lock()
	w.draining.Store(true)
	batches := make(map[string]uint64, len(w.tokens))
	for t, id := range w.tokens {
		batches[t] = id
	}
	w.tokMu.Unlock()
	// No job starts after draining is set (RunOnce checks it under tokMu),
	// so every claimed job but the running ones can go back now.
	var errs []error
	for tok, running := range batches {
		var jobs []gormmodels.OutboxJob
		if err := w.db.WithContext(context.WithoutCancel(ctx)).Where("claim_token = ? AND state = ? AND id <> ?", tok, gormmodels.OutboxRunning, running).
			Find(&jobs).Error; err != nil {
			errs = append(errs, fmt.Errorf("outbox: release claimed jobs: %w", err))
			continue
		}
		errs = append(errs, w.giveBack(context.WithoutCancel(ctx), jobs, tok))
	}
	err := w.waitIdle(ctx.Done())
	if err != nil {
		w.hardCancel()
		gctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = w.waitIdle(gctx.Done())
		cancel()
	}
	errs = append(errs, w.releaseHeld(context.WithoutCancel(ctx)))
	if err != nil {
		return errors.Join(append([]error{err}, errs...)...)
	}
	return errors.Join(errs...)
}

// giveBack returns claimed jobs that were never started to pending with
// their attempt refunded, no lease and their old NotBefore; one with a newer
// pending job of the same Kind and Key ends as superseded. Jobs no longer
// held under token are left alone.
func (w *Worker) giveBack(ctx context.Context, jobs []gormmodels.OutboxJob, token string) error {
	table := gormmodels.OutboxJob{}.TableName()
	now := w.cfg.Now().UTC()
	var errs []error
	for _, j := range jobs {
		res := w.db.WithContext(ctx).Exec(`UPDATE `+table+` SET state = ?, lease_until = NULL, claim_token = '', attempts = attempts - 1, updated_at = ?
WHERE id = ? AND claim_token = ? AND state = ?
  AND (coalesce_key = '' OR NOT EXISTS (SELECT 1 FROM `+table+` o
       WHERE o.kind = ? AND o.coalesce_key = ? AND o.state = ?))`,
			gormmodels.OutboxPending, now, j.ID, token, gormmodels.OutboxRunning, j.Kind, j.Key, gormmodels.OutboxPending)
		if res.Error == nil && res.RowsAffected == 1 {
			continue
		}
		if res.Error != nil && !isUniqueViolation(res.Error) {
			errs = append(errs, fmt.Errorf("outbox: give back job %d: %w", j.ID, res.Error))
			continue
		}
		if err := w.db.WithContext(ctx).Model(&gormmodels.OutboxJob{}).
			Where("id = ? AND claim_token = ? AND state = ?", j.ID, token, gormmodels.OutboxRunning).
			Updates(map[string]any{"state": gormmodels.OutboxSuperseded, "done_at": now, "updated_at": now, "lease_until": nil}).Error; err != nil {
			errs = append(errs, fmt.Errorf("outbox: give back job %d: %w", j.ID, err))
		}
	}
	return errors.Join(errs...)
}

// waitIdle waits until no Run loop of w runs and no batch is in progress,
// or until stop.
func (w *Worker) waitIdle(stop <-chan struct{}) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		w.tokMu.Lock()
		busy := len(w.tokens) > 0
		w.tokMu.Unlock()
		if !busy && w.running.Load() == 0 {
			return nil
		}
		select {
		case <-stop:
			return context.DeadlineExceeded
		case <-t.C:
		}
	}
}

// releaseHeld puts every job still claimed under a token of w back to
// pending without a lease (a handler that ignored its cancelled context).
func (w *Worker) releaseHeld(ctx context.Context) error {
	w.tokMu.Lock()
	toks := make([]string, 0, len(w.tokens))
	for t := range w.tokens {
		toks = append(toks, t)
	}
	w.tokMu.Unlock()
	if len(toks) == 0 {
		return nil
	}
	var jobs []gormmodels.OutboxJob
	if err := w.db.WithContext(ctx).Where("claim_token IN ? AND state = ?", toks, gormmodels.OutboxRunning).
		Find(&jobs).Error; err != nil {
		return fmt.Errorf("outbox: release leases: %w", err)
	}
	var errs []error
	now := w.cfg.Now().UTC()
	for i := range jobs {
		if err := w.release(ctx, &jobs[i], jobs[i].ClaimToken, now, errStopped, now, false); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// errStopped is the last_error of a job given back by a stopping worker.
var errStopped = errors.New("worker stopped before the job finished; released for another worker")

// RunOnce claims up to BatchSize due jobs, runs them one after another and
// records each result. It returns how many jobs it ran.
func (w *Worker) RunOnce(ctx context.Context) (processed int, err error) {
	kinds := w.kinds()
	if len(kinds) == 0 || w.draining.Load() {
		return 0, nil
	}
	token, err := newToken()
	if err != nil {
		return 0, err
	}
	// The token is registered before the claim so that Shutdown waits for
	// (or releases) whatever this batch claims.
	w.tokMu.Lock()
	w.tokens[token] = 0
	w.tokMu.Unlock()
	defer func() {
		w.tokMu.Lock()
		delete(w.tokens, token)
		w.tokMu.Unlock()
	}()
	// Handlers run under ctx and are also cancelled when a Shutdown's
	// deadline passes.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopHard := context.AfterFunc(w.hard, cancel)
	defer stopHard()
	jobs, err := w.claim(ctx, kinds, token)
	if err != nil {
		return 0, err
	}
	var errs []error
	held := make(map[uint64]bool, len(jobs))
	for _, j := range jobs {
		held[j.ID] = true
	}
	for i := range jobs {
		// Stopping: the jobs not started go back at once, their attempt
		// refunded. draining is read under tokMu, where Shutdown sets it.
		w.tokMu.Lock()
		stopping := ctx.Err() != nil || w.draining.Load()
		if !stopping {
			w.tokens[token] = jobs[i].ID
		}
		w.tokMu.Unlock()
		if stopping {
			if err := w.giveBack(context.WithoutCancel(ctx), jobs[i:], token); err != nil {
				errs = append(errs, err)
			}
			break
		}
		// The jobs run one after another; when the lease would end before
		// the next handler call could, the remaining claims are renewed so
		// that no other worker takes (and sends) them meanwhile.
		if jobs[i].LeaseUntil != nil && w.cfg.Now().Add(w.cfg.HandlerTimeout+leaseMargin).After(*jobs[i].LeaseUntil) {
			if held, err = w.renew(ctx, token); err != nil {
				errs = append(errs, err)
				break
			}
			until := w.cfg.Now().UTC().Add(w.cfg.LeaseTimeout)
			for j := i; j < len(jobs); j++ {
				jobs[j].LeaseUntil = &until
			}
		}
		if !held[jobs[i].ID] {
			continue // the lease ran out and another worker has it
		}
		if err := w.run(ctx, &jobs[i], token); err != nil {
			errs = append(errs, err)
		}
		processed++
	}
	return processed, errors.Join(errs...)
}

// leaseMargin is the time kept between a handler's deadline and the end
// of the lease, for recording the result.
const leaseMargin = 10 * time.Second

// renew extends the lease of every job still claimed under token and
// returns their ids.
func (w *Worker) renew(ctx context.Context, token string) (map[uint64]bool, error) {
	var ids []uint64
	err := w.db.WithContext(ctx).Raw(`UPDATE `+gormmodels.OutboxJob{}.TableName()+` SET lease_until = ?
WHERE claim_token = ? AND state = ? RETURNING id`,
		w.cfg.Now().UTC().Add(w.cfg.LeaseTimeout), token, gormmodels.OutboxRunning).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("outbox: renew lease: %w", err)
	}
	held := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		held[id] = true
	}
	return held, nil
}

// claim marks up to BatchSize due jobs as running under token and returns
// them. Due are pending jobs past NotBefore and running jobs past their
// lease (their worker died). Due jobs that already had MaxAttempts claims
// are not claimed but end as dead (see [Worker.bury]).
func (w *Worker) claim(ctx context.Context, kinds []string, token string) ([]gormmodels.OutboxJob, error) {
	now := w.cfg.Now().UTC()
	if err := w.bury(ctx, kinds, now); err != nil {
		return nil, err
	}
	lease := now.Add(w.cfg.LeaseTimeout)
	table := gormmodels.OutboxJob{}.TableName()
	// One statement: the sub-select picks and (on PostgreSQL) locks the
	// rows, skipping those another worker is claiming right now. The
	// attempts condition keeps a job that bury could not lock (another
	// worker held it) from being claimed past MaxAttempts.
	sql := `UPDATE ` + table + ` SET state = ?, claim_token = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
WHERE id IN (SELECT id FROM ` + table + `
  WHERE kind IN ? AND attempts < ? AND ((state = ? AND not_before <= ?) OR (state = ? AND lease_until < ?))
  ORDER BY not_before, id LIMIT ?` + w.skipLocked() + `)
RETURNING *`
	var jobs []gormmodels.OutboxJob
	err := w.db.WithContext(ctx).Raw(sql,
		gormmodels.OutboxRunning, token, lease, now,
		kinds, w.attemptLimit(), gormmodels.OutboxPending, now, gormmodels.OutboxRunning, now,
		w.cfg.BatchSize,
	).Scan(&jobs).Error
	if err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	sort.Slice(jobs, func(i, j int) bool {
		if !jobs[i].NotBefore.Equal(jobs[j].NotBefore) {
			return jobs[i].NotBefore.Before(jobs[j].NotBefore)
		}
		return jobs[i].ID < jobs[j].ID
	})
	return jobs, nil
}

// skipLocked is the locking clause of the claim sub-selects: on
// PostgreSQL rows another worker is claiming are skipped; SQLite
// serialises writers anyway.
func (w *Worker) skipLocked() string {
	if w.db.Dialector.Name() == "postgres" {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// bury marks as dead the due jobs of kinds that already had MaxAttempts
// claims. Attempts are counted at claim, so a job whose handler never
// returns (the worker crashes or hangs every time) comes back as a running
// job past its lease; without this it would be claimed forever, since the
// MaxAttempts check after the handler is never reached.
func (w *Worker) bury(ctx context.Context, kinds []string, now time.Time) error {
	if w.cfg.MaxAttempts < 0 {
		return nil // unlimited attempts
	}
	table := gormmodels.OutboxJob{}.TableName()
	sql := `UPDATE ` + table + ` SET state = ?, done_at = ?, updated_at = ?, lease_until = NULL, claim_token = '',
  last_error = CASE WHEN last_error = '' THEN ? ELSE ? || ' (last error: ' || last_error || ')' END
WHERE id IN (SELECT id FROM ` + table + `
  WHERE kind IN ? AND attempts >= ? AND ((state = ? AND not_before <= ?) OR (state = ? AND lease_until < ?))` + w.skipLocked() + `)
RETURNING *`
	msg := fmt.Sprintf("attempts exhausted (MaxAttempts %d): not claimed again", w.cfg.MaxAttempts)
	var dead []gormmodels.OutboxJob
	err := w.db.WithContext(ctx).Raw(sql,
		gormmodels.OutboxDead, now, now, msg, msg,
		kinds, w.cfg.MaxAttempts, gormmodels.OutboxPending, now, gormmodels.OutboxRunning, now,
	).Scan(&dead).Error
	if err != nil {
		return fmt.Errorf("outbox: mark exhausted jobs dead: %w", err)
	}
	for _, j := range dead {
		w.cfg.Logger.Error("outbox: job failed for good", zap.Uint64("job_id", j.ID), zap.String("kind", j.Kind),
			zap.Int("attempt", j.Attempts), zap.String("error", j.LastError))
	}
	return nil
}

// run calls the handler of one claimed job and records the outcome.
func (w *Worker) run(ctx context.Context, job *gormmodels.OutboxJob, token string) error {
	h := w.handler(job.Kind)
	var herr error
	if h == nil {
		herr = Permanent(fmt.Errorf("no handler for kind %q", job.Kind))
	} else {
		herr = w.call(ctx, h, job)
	}
	// The outcome is recorded even when ctx was cancelled meanwhile: a sent
	// job must not stay claimable.
	rctx := context.WithoutCancel(ctx)
	now := w.cfg.Now().UTC()
	log := w.cfg.Logger.With(zap.Uint64("job_id", job.ID), zap.String("kind", job.Kind), zap.Int("attempt", job.Attempts))
	switch {
	case herr == nil:
		return w.finish(rctx, job, token, map[string]any{
			"state": gormmodels.OutboxDone, "done_at": now, "updated_at": now,
			"lease_until": nil, "last_error": "",
		})
	case ctx.Err() != nil && !IsPermanent(herr):
		// Stopped under the handler (shutdown or cancelled Run): not the
		// job's fault; any worker may take it again at once.
		log.Warn("outbox: job interrupted by a stopping worker, released", zap.Error(herr))
		return w.release(rctx, job, token, now, herr, now, false)
	case IsPermanent(herr) || (w.cfg.MaxAttempts > 0 && job.Attempts >= w.cfg.MaxAttempts):
		log.Error("outbox: job failed for good", zap.Error(herr))
		return w.finish(rctx, job, token, map[string]any{
			"state": gormmodels.OutboxDead, "done_at": now, "updated_at": now,
			"lease_until": nil, "last_error": truncate(herr.Error()),
		})
	default:
		next := now.Add(w.backoff(job.Attempts))
		log.Warn("outbox: job failed, will retry", zap.Error(herr), zap.Time("next_attempt", next))
		return w.release(rctx, job, token, next, herr, now, false)
	}
}

func (w *Worker) call(ctx context.Context, h HandlerFunc, job *gormmodels.OutboxJob) (err error) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.HandlerTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panic: %v", r)
		}
	}()
	return h(ctx, json.RawMessage(job.Payload))
}

// finish writes a final state, guarded by the claim token: if the lease ran
// out and another worker took the job, this worker's result is dropped.
func (w *Worker) finish(ctx context.Context, job *gormmodels.OutboxJob, token string, set map[string]any) error {
	res := w.db.WithContext(ctx).Model(&gormmodels.OutboxJob{}).
		Where("id = ? AND claim_token = ? AND state = ?", job.ID, token, gormmodels.OutboxRunning).
		Updates(set)
	if res.Error != nil {
		return fmt.Errorf("outbox: record job %d: %w", job.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		w.cfg.Logger.Warn("outbox: lease lost before the result was recorded", zap.Uint64("job_id", job.ID))
	}
	return nil
}

// release puts a failed job back to pending for a later attempt. When a
// newer pending job with the same Kind and Key was enqueued meanwhile, the
// newer payload wins and this job ends as superseded. refund takes back the
// attempt counted at claim (the handler never ran).
func (w *Worker) release(ctx context.Context, job *gormmodels.OutboxJob, token string, next time.Time, herr error, now time.Time, refund bool) error {
	table := gormmodels.OutboxJob{}.TableName()
	dec := 0
	if refund {
		dec = 1
	}
	res := w.db.WithContext(ctx).Exec(`UPDATE `+table+` SET state = ?, not_before = ?, lease_until = NULL, claim_token = '', last_error = ?, updated_at = ?, attempts = attempts - ?
WHERE id = ? AND claim_token = ? AND state = ?
  AND (coalesce_key = '' OR NOT EXISTS (SELECT 1 FROM `+table+` o
       WHERE o.kind = ? AND o.coalesce_key = ? AND o.state = ?))`,
		gormmodels.OutboxPending, next, truncate(herr.Error()), now, dec,
		job.ID, token, gormmodels.OutboxRunning,
		job.Kind, job.Key, gormmodels.OutboxPending)
	if res.Error == nil && res.RowsAffected == 1 {
		return nil
	}
	if res.Error != nil && !isUniqueViolation(res.Error) {
		return fmt.Errorf("outbox: release job %d: %w", job.ID, res.Error)
	}
	return w.finish(ctx, job, token, map[string]any{
		"state": gormmodels.OutboxSuperseded, "done_at": now, "updated_at": now,
		"lease_until": nil, "last_error": truncate(herr.Error()),
	})
}

// backoff returns the delay after the given attempt: BaseBackoff doubled
// per earlier failure, capped at MaxBackoff, with "equal jitter" (a random
// point in the upper half) so failed jobs of many shops spread out.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.cfg.BaseBackoff
	for i := 1; i < attempt && d < w.cfg.MaxBackoff; i++ {
		d *= 2
	}
	if d > w.cfg.MaxBackoff {
		d = w.cfg.MaxBackoff
	}
	half := d / 2
	return half + time.Duration(mathrand.Int64N(int64(half)+1))
}

func isUniqueViolation(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "unique") || strings.Contains(s, "23505")
}

func truncate(s string) string {
	const max = 2000
	if len(s) > max {
		return strings.ToValidUTF8(s[:max], "")
	}
	return s
}

func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("outbox: claim token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
