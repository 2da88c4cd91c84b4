// Package settingsync keeps the settings of several shop processes on one
// database in step (docs/architecture.md#shared-settings). A Watcher
// applies the stored settings again whenever they change: at once when
// PostgreSQL announces a change (LISTEN on the channel that
// adapters/gormstore.Settings notifies in the saving transaction), and, as
// a fallback that needs no notification, whenever a cheap version number
// read every Interval has moved. On SQLite (one process) only the periodic
// check runs.
//
//	w, err := settingsync.New(settingsync.Config{
//		DB:      db,
//		Version: gormstore.Settings{DB: db}.Version,
//		Apply:   pluginHandler.Reload,
//	})
//	go w.Run(ctx)
//	defer w.Close()
package settingsync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters/gormstore"
)

// Defaults of Config.
const (
	DefaultInterval   = 5 * time.Second
	DefaultMinBackoff = 200 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
)

// Config configures a Watcher. DB, Version and Apply are required.
type Config struct {
	// DB is the database holding the settings. On PostgreSQL (pgx, as
	// gorm.io/driver/postgres uses it) the Watcher keeps one connection of
	// its pool for LISTEN: leave room for it in SetMaxOpenConns.
	DB *gorm.DB
	// Version returns a number that changes with every stored change
	// (gormstore.Settings.Version). It is read every Interval.
	Version func(ctx context.Context) (int64, error)
	// Apply reads the stored settings again and applies them
	// (pluginapi.Handler.Reload); it runs on a change and never twice at
	// once.
	Apply func(ctx context.Context) error
	// Channel is the PostgreSQL notification channel. Default
	// gormstore.SettingsChannel.
	Channel string
	// Interval is the period of the version check. Default 5 s.
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the wait before the LISTEN
	// connection is opened again after it broke (doubling, with jitter).
	// Defaults 200 ms and 30 s.
	MinBackoff, MaxBackoff time.Duration
	// Logger receives one line when the notifications are lost and one
	// when they are back, and Apply errors. Default: none.
	Logger *zap.Logger
	// OnApply, when set, is called after every Apply with what caused it
	// (CauseNotify, CausePoll or CauseListen) and Apply's error (tests,
	// benchmarks). Optional.
	OnApply func(cause string, err error)
}

// Causes of an Apply as reported to Config.OnApply.
const (
	CauseNotify = "notify" // a PostgreSQL notification
	CausePoll   = "poll"   // the periodic version check saw a change
	CauseListen = "listen" // LISTEN (re)started: changes missed meanwhile
	CauseStart  = "start"  // Run started: changes stored since the host loaded its settings
)

// Watcher applies shared settings changes; see the package doc.
type Watcher struct {
	cfg       Config
	wake      chan string
	listening atomic.Bool
	closeOnce sync.Once
	stop      chan struct{}
	done      chan struct{}
	started   atomic.Bool

	stateMu sync.Mutex
	last    State // LastApplied, LastAttempt, LastCause, LastFailed
}

// State is what a Watcher is doing, for metrics and the control panel
// (docs/operations.md#settings-watcher-state).
type State struct {
	// Notify says whether PostgreSQL notifications are used at all
	// (false on SQLite: the periodic check alone is expected).
	Notify bool
	// Listening reports whether the LISTEN connection is up now.
	Listening bool
	// Interval is the period of the version check.
	Interval time.Duration
	// LastAttempt is when Apply last ran, LastCause what caused it
	// (CauseNotify, CausePoll, CauseListen) and LastFailed whether it
	// failed (the error is in the log). Zero: not since start.
	LastAttempt time.Time
	LastCause   string
	LastFailed  bool
	// LastApplied is when Apply last succeeded (zero: not since start).
	LastApplied time.Time
}

// New validates cfg.
func New(cfg Config) (*Watcher, error) {
	switch {
	case cfg.DB == nil:
		return nil, errors.New("settingsync: Config.DB is required")
	case cfg.Version == nil:
		return nil, errors.New("settingsync: Config.Version is required")
	case cfg.Apply == nil:
		return nil, errors.New("settingsync: Config.Apply is required")
	}
	if cfg.Channel == "" {
		cfg.Channel = gormstore.SettingsChannel
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.MinBackoff)
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	return &Watcher{cfg: cfg, wake: make(chan string, 1), stop: make(chan struct{}), done: make(chan struct{})}, nil
}

// Listening reports whether the LISTEN connection is up (false on SQLite
// and while it is being opened again).
func (w *Watcher) Listening() bool { return w.listening.Load() }

// State returns what the Watcher is doing; safe for concurrent use.
func (w *Watcher) State() State {
	w.stateMu.Lock()
	st := w.last
	w.stateMu.Unlock()
	st.Notify = w.cfg.DB.Dialector.Name() == "postgres"
	st.Listening = w.listening.Load()
	st.Interval = w.cfg.Interval
	return st
}

// Run watches until ctx ends or Close is called; it returns nil then. It
// may be called once.
func (w *Watcher) Run(ctx context.Context) error {
	if w.started.Swap(true) {
		return errors.New("settingsync: Run called twice")
	}
	defer close(w.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-w.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	var wg sync.WaitGroup
	if w.cfg.DB.Dialector.Name() == "postgres" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.listenLoop(ctx)
		}()
	}
	defer wg.Wait()

	last, err := w.cfg.Version(ctx)
	if err != nil && ctx.Err() == nil {
		w.cfg.Logger.Warn("settingsync: reading the settings version failed", zap.Error(err))
	}
	// The host loaded its settings before Run: a change another process
	// stored in between has already moved the version read above, so the
	// periodic check would never see it. Apply once now
	// (docs/architecture.md#shared-settings).
	w.trigger(CauseStart)
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		var cause string
		select {
		case <-ctx.Done():
			return nil
		case cause = <-w.wake:
		case <-t.C:
			v, err := w.cfg.Version(ctx)
			if err != nil {
				if ctx.Err() == nil {
					w.cfg.Logger.Warn("settingsync: reading the settings version failed", zap.Error(err))
				}
				continue
			}
			if v == last {
				continue
			}
			cause = CausePoll
		}
		// The version is read before Apply: a change committed during
		// Apply moves it again and is applied on the next check.
		if v, err := w.cfg.Version(ctx); err == nil {
			last = v
		}
		err := w.cfg.Apply(ctx)
		if ctx.Err() != nil {
			return nil
		}
		now := time.Now()
		w.stateMu.Lock()
		w.last.LastAttempt, w.last.LastCause, w.last.LastFailed = now, cause, err != nil
		if err == nil {
			w.last.LastApplied = now
		}
		w.stateMu.Unlock()
		if err != nil {
			w.cfg.Logger.Error("settingsync: applying the stored settings failed", zap.String("cause", cause), zap.Error(err))
		}
		if w.cfg.OnApply != nil {
			w.cfg.OnApply(cause, err)
		}
	}
}

// Close stops Run and waits for it to return.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() { close(w.stop) })
	if w.started.Load() {
		<-w.done
	}
	return nil
}

// trigger asks Run for an Apply; requests while one is pending coalesce.
func (w *Watcher) trigger(cause string) {
	select {
	case w.wake <- cause:
	default:
	}
}

// errNotPgx means the pool's driver is not pgx: only polling works.
var errNotPgx = errors.New("settingsync: the database driver is not pgx; notifications are off, the periodic check remains")

// listenLoop keeps a LISTEN connection open, opening it again with
// backoff when it breaks; the periodic check covers the gaps.
func (w *Watcher) listenLoop(ctx context.Context) {
	backoff := w.cfg.MinBackoff
	lost := false
	for ctx.Err() == nil {
		connected, err := w.listen(ctx, func() {
			if lost {
				w.cfg.Logger.Info("settingsync: settings notifications are back")
				lost = false
			}
		})
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errNotPgx) {
			w.cfg.Logger.Warn(err.Error())
			return
		}
		if connected {
			backoff = w.cfg.MinBackoff
		}
		if !lost {
			w.cfg.Logger.Warn("settingsync: settings notifications lost; the periodic check applies changes until they are back",
				zap.Duration("interval", w.cfg.Interval), zap.Error(err))
			lost = true
		}
		// Full jitter in [backoff/2, backoff).
		d := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		backoff = min(backoff*2, w.cfg.MaxBackoff)
	}
}

// listen holds one pool connection in LISTEN until it fails or ctx ends;
// connected says whether LISTEN succeeded.
func (w *Watcher) listen(ctx context.Context, up func()) (connected bool, err error) {
	sqlDB, err := w.cfg.DB.DB()
	if err != nil {
		return false, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("settingsync: connect: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errNotPgx
		}
		pc := sc.Conn()
		// The connection never goes back to the pool still listening:
		// closed here, the pool drops it.
		defer pc.Close(context.Background())
		if _, err := pc.Exec(ctx, "LISTEN "+pgx.Identifier{w.cfg.Channel}.Sanitize()); err != nil {
			return fmt.Errorf("settingsync: listen: %w", err)
		}
		connected = true
		w.listening.Store(true)
		defer w.listening.Store(false)
		up()
		// Changes made while nobody listened are applied now.
		w.trigger(CauseListen)
		for {
			if _, err := pc.WaitForNotification(ctx); err != nil {
				return fmt.Errorf("settingsync: wait for notification: %w", err)
			}
			w.trigger(CauseNotify)
		}
	})
	return connected, err
}
