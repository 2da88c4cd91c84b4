// Package progress reports long work (a catalogue export, a DropHero
// first sync): records done, rate and estimated time left, logged at a
// steady interval and handed to a reporter (status.Service.ReportProgress
// stores it for the control panel; docs/architecture.md#operations).
package progress

import (
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Snapshot is the state of one piece of long work.
type Snapshot struct {
	// Name identifies the work, e.g. "catalog_export" or "drophero_sync".
	Name string `json:"name"`
	// Done counts the records handled so far; Total is the expected count
	// (0 when unknown).
	Done  int64 `json:"done"`
	Total int64 `json:"total,omitempty"`
	// Started is when the work began, Updated when this snapshot was taken.
	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`
	// Rate is records per second since Started.
	Rate float64 `json:"rate"`
	// ETA is the estimated time left (0 when Total is unknown).
	ETA time.Duration `json:"eta,omitempty"`
	// Finished is set on the last snapshot; Failed when the work ended
	// with an error.
	Finished bool `json:"finished,omitempty"`
	Failed   bool `json:"failed,omitempty"`
	// Interval is the tracker's reporting interval: a snapshot of
	// unfinished work not updated for several intervals belongs to a
	// process that died (see [Snapshot.Stale]).
	Interval time.Duration `json:"interval,omitempty"`
	// Interrupted is set by readers (status.Service.Overview) on a stale
	// snapshot of unfinished work: the process doing it stopped without
	// finishing (docs/operations.md#crash-safety).
	Interrupted bool `json:"interrupted,omitempty"`
}

// staleIntervals is how many reporting intervals without an update make
// unfinished work count as interrupted.
const staleIntervals = 3

// Stale reports whether s is unfinished work whose tracker has not
// reported for staleIntervals intervals (at least 30 s) at now: the
// process doing it crashed or was killed.
func (s Snapshot) Stale(now time.Time) bool {
	if s.Finished {
		return false
	}
	iv := s.Interval
	if iv < 10*time.Second {
		iv = 10 * time.Second
	}
	return now.Sub(s.Updated) > staleIntervals*iv
}

// Config configures [Start].
type Config struct {
	// Name identifies the work. Required.
	Name string
	// Total is the expected record count; 0 when unknown.
	Total int64
	// Logger receives one line per Interval and, for work that lasted at
	// least one Interval, a last one: short work logs nothing. Default:
	// none.
	Logger *zap.Logger
	// Interval between progress lines and reports. Default 10s.
	Interval time.Duration
	// Report, when set, receives a first snapshot at Start, one per
	// Interval (from the tracker's goroutine) and the final one.
	Report func(Snapshot)
}

// Tracker counts the records of one piece of work. Add is cheap and safe
// for concurrent use.
type Tracker struct {
	cfg     Config
	started time.Time
	done    atomic.Int64
	total   atomic.Int64
	ticked  atomic.Bool // a progress line was logged
	stop    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

// Start begins tracking and logging.
func Start(cfg Config) *Tracker {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Second
	}
	t := &Tracker{cfg: cfg, started: time.Now(), stop: make(chan struct{})}
	t.total.Store(cfg.Total)
	if cfg.Report != nil {
		cfg.Report(t.snapshot(false, false))
	}
	t.wg.Add(1)
	go t.loop()
	return t
}

// Add counts n more records as done.
func (t *Tracker) Add(n int) {
	if t != nil {
		t.done.Add(int64(n))
	}
}

// SetTotal sets the expected record count (0: unknown), e.g. an estimate
// refined while the work runs; it is never set below the records done.
func (t *Tracker) SetTotal(n int64) {
	if t == nil {
		return
	}
	if d := t.done.Load(); n > 0 && n < d {
		n = d
	}
	t.total.Store(n)
}

// Finish stops tracking, logs and reports the final snapshot (failed when
// err is not nil) and returns it.
func (t *Tracker) Finish(err error) Snapshot {
	if t == nil {
		return Snapshot{}
	}
	var s Snapshot
	t.once.Do(func() {
		close(t.stop)
		t.wg.Wait()
		s = t.emit(true, err != nil)
	})
	return s
}

// Snapshot returns the current state.
func (t *Tracker) Snapshot() Snapshot { return t.snapshot(false, false) }

func (t *Tracker) loop() {
	defer t.wg.Done()
	tick := time.NewTicker(t.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			t.ticked.Store(true)
			t.emit(false, false)
		}
	}
}

func (t *Tracker) snapshot(finished, failed bool) Snapshot {
	now := time.Now()
	s := Snapshot{Name: t.cfg.Name, Done: t.done.Load(), Total: t.total.Load(), Started: t.started, Updated: now,
		Finished: finished, Failed: failed, Interval: t.cfg.Interval}
	if el := now.Sub(t.started).Seconds(); el > 0 {
		s.Rate = float64(s.Done) / el
	}
	if s.Total > s.Done && s.Rate > 0 && !finished {
		s.ETA = time.Duration(float64(s.Total-s.Done) / s.Rate * float64(time.Second)).Round(time.Second)
	}
	return s
}

func (t *Tracker) emit(finished, failed bool) Snapshot {
	s := t.snapshot(finished, failed)
	fields := []zap.Field{zap.String("work", s.Name), zap.Int64("done", s.Done), zap.Float64("per_second", float64(int64(s.Rate*10))/10)}
	if s.Total > 0 {
		fields = append(fields, zap.Int64("total", s.Total))
	}
	if s.ETA > 0 {
		fields = append(fields, zap.Duration("eta", s.ETA))
	}
	switch {
	case finished && !t.ticked.Load():
		// Short work: no log lines.
	case failed:
		t.cfg.Logger.Warn("progress: failed", append(fields, zap.Duration("elapsed", s.Updated.Sub(s.Started)))...)
	case finished:
		t.cfg.Logger.Info("progress: finished", append(fields, zap.Duration("elapsed", s.Updated.Sub(s.Started)))...)
	default:
		t.cfg.Logger.Info("progress", fields...)
	}
	if t.cfg.Report != nil {
		t.cfg.Report(s)
	}
	return s
}
