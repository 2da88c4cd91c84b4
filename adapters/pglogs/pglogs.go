// Package pglogs keeps the Plugin API logs (access, request, error, debug)
// of every process of a shop in one PostgreSQL table, so that get_log_file
// on any process answers the merged, time-ordered tail of all of them and
// clear_log_file clears it for all
// (docs/protocol/plugin-api.md#cluster-wide-logs).
//
// A [Store] is one writer per process: lines are queued without blocking,
// written in batches by one goroutine, and pruned to a number of lines and
// an age per shop and log. [Store.Sink] hands the shopgate/logs package
// the sink of one shop; [logs.OpenSink] turns it into the log set the
// Plugin API handler uses. Run gormmodels.Migrate before use.
package pglogs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/shopgate/logs"
)

// Defaults of Config (docs/operations.md#plugin-api-logs-in-postgresql).
const (
	DefaultBuffer       = 8192
	DefaultBatchLines   = 500
	DefaultFlushEvery   = 250 * time.Millisecond
	DefaultMaxLines     = 100000
	DefaultMaxAge       = 30 * 24 * time.Hour
	DefaultMaxLineBytes = 32 << 10
	DefaultPruneEvery   = time.Minute
	DefaultWriteTimeout = 5 * time.Second
	// maxProcessTag caps the process tag written into every line.
	maxProcessTag = 64
)

// Config configures New. Zero values take the defaults above.
type Config struct {
	// DB is the shop's PostgreSQL database, migrated with gormmodels.
	DB *gorm.DB
	// Process tags every line this process writes; default
	// "<hostname>:<pid>". Set it to a stable instance name when processes
	// are replaced often (containers). At most 64 bytes.
	Process string
	// Logger receives the one warning when writes start failing and the
	// note when they work again. Default: no-op.
	Logger *zap.Logger
	// Buffer is how many lines wait for the writer; when it is full, new
	// lines are dropped and counted, never waited for.
	Buffer int
	// BatchLines is how many lines one INSERT writes at most; the writer
	// also writes every FlushEvery.
	BatchLines int
	// FlushEvery is the longest a line waits in the buffer.
	FlushEvery time.Duration
	// MaxLines bounds each log of each shop; older lines are pruned.
	// Negative: no bound by count.
	MaxLines int
	// MaxAge bounds each log by age. Negative: no bound by age.
	MaxAge time.Duration
	// MaxLineBytes cuts longer lines (with a marker). Together with
	// MaxLines it bounds the size of a log.
	MaxLineBytes int
	// PruneEvery is how often the writer prunes the logs it wrote to.
	PruneEvery time.Duration
	// WriteTimeout bounds one INSERT, DELETE or prune.
	WriteTimeout time.Duration
}

// ErrClosed is returned by Flush and Clear after Close.
var ErrClosed = errors.New("pglogs: store closed")

// Store writes the log lines of one process. It is safe for concurrent
// use.
type Store struct {
	cfg  Config
	db   *sql.DB
	log  *zap.Logger
	tag  string
	ch   chan item
	stop chan struct{}
	done chan struct{}

	closeOnce sync.Once
	closed    atomic.Bool
	written   atomic.Int64
	dropped   atomic.Int64
	failed    atomic.Int64
	// full is set when the buffer first overflowed (one warning) and
	// cleared by the next successful write.
	full atomic.Bool
	// failing is set while writes fail (one warning).
	failing atomic.Bool

	// shops are the shops a sink was handed out for (pruned by age even
	// when this process does not write to them).
	shopsMu sync.Mutex
	shops   map[string]bool
}

// Stats are the counters of a Store.
type Stats struct {
	// Written is the number of lines written to the table.
	Written int64
	// Dropped is the number of lines lost: buffer full, write failed or
	// written after Close.
	Dropped int64
	// Failed is the part of Dropped lost because their write failed
	// (the rest found the buffer full or came after Close).
	Failed int64
	// Failing reports whether the last write failed.
	Failing bool
}

type opKind uint8

const (
	opLine opKind = iota
	opClear
	opFlush
)

// item is one queued line or command for the writer.
type item struct {
	op   opKind
	kind logs.Type
	shop string
	at   time.Time
	line []byte
	// done receives the result of a command (nil: nobody waits).
	done chan error
}

// New checks cfg, starts the writer and returns the store. The database
// must be PostgreSQL.
func New(cfg Config) (*Store, error) {
	if cfg.DB == nil {
		return nil, errors.New("pglogs: Config.DB is nil")
	}
	if name := cfg.DB.Dialector.Name(); name != "postgres" {
		return nil, fmt.Errorf("pglogs: the database is %s, not PostgreSQL (keep the log files there)", name)
	}
	db, err := cfg.DB.DB()
	if err != nil {
		return nil, fmt.Errorf("pglogs: database handle: %w", err)
	}
	if cfg.Process == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "host"
		}
		cfg.Process = host + ":" + strconv.Itoa(os.Getpid())
	}
	if len(cfg.Process) > maxProcessTag {
		return nil, fmt.Errorf("pglogs: Config.Process is %d bytes, at most %d", len(cfg.Process), maxProcessTag)
	}
	for _, c := range cfg.Process {
		if c < 0x20 || c == 0x7f || c == '[' || c == ']' {
			return nil, fmt.Errorf("pglogs: Config.Process %q contains a control character or bracket", cfg.Process)
		}
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.Buffer, DefaultBuffer)
	def(&cfg.BatchLines, DefaultBatchLines)
	def(&cfg.MaxLineBytes, DefaultMaxLineBytes)
	defDur(&cfg.FlushEvery, DefaultFlushEvery)
	defDur(&cfg.PruneEvery, DefaultPruneEvery)
	defDur(&cfg.WriteTimeout, DefaultWriteTimeout)
	if cfg.MaxLines == 0 {
		cfg.MaxLines = DefaultMaxLines
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	s := &Store{
		cfg: cfg, db: db, log: cfg.Logger, tag: cfg.Process,
		ch: make(chan item, cfg.Buffer), stop: make(chan struct{}), done: make(chan struct{}),
		shops: map[string]bool{},
	}
	go s.run()
	return s, nil
}

// Process returns the tag of this process's lines.
func (s *Store) Process() string { return s.tag }

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	// Failed before Dropped: a line counted in Failed is always counted in
	// Dropped of the same snapshot.
	failed := s.failed.Load()
	return Stats{Written: s.written.Load(), Dropped: s.dropped.Load(), Failed: failed, Failing: s.failing.Load()}
}

// Sink returns the log sink of one shop (its shop number; "" is a valid
// scope for single-shop setups). Hand it to logs.OpenSink.
func (s *Store) Sink(shop string) logs.Sink {
	s.shopsMu.Lock()
	s.shops[shop] = true
	s.shopsMu.Unlock()
	return &sink{s: s, shop: shop}
}

// enqueue queues a line without blocking; a full buffer drops it.
func (s *Store) enqueue(it item) {
	if s.closed.Load() {
		s.dropped.Add(1)
		return
	}
	select {
	case s.ch <- it:
	default:
		s.dropped.Add(1)
		if s.full.CompareAndSwap(false, true) {
			s.log.Warn("plugin logs: the database writer is behind, log lines are dropped (Plugin API calls are not affected)",
				zap.Int("buffer", s.cfg.Buffer))
		}
	}
}

// command queues a command and waits for its result.
func (s *Store) command(ctx context.Context, it item) error {
	if s.closed.Load() {
		return ErrClosed
	}
	it.done = make(chan error, 1)
	select {
	case s.ch <- it:
	case <-s.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-it.done:
		return err
	case <-s.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Flush returns when every line queued before it has been written (or
// dropped because the write failed, then with the error).
func (s *Store) Flush(ctx context.Context) error {
	return s.command(ctx, item{op: opFlush})
}

// Close writes what is queued and stops the writer; later lines are
// dropped. It returns early with ctx's error, leaving the writer to
// finish on its own. Safe to call more than once.
func (s *Store) Close(ctx context.Context) error {
	err := s.Flush(ctx)
	if errors.Is(err, ErrClosed) {
		err = nil
	}
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.stop)
	})
	select {
	case <-s.done:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	return err
}

// run is the writer goroutine.
func (s *Store) run() {
	defer close(s.done)
	tick := time.NewTicker(s.cfg.FlushEvery)
	defer tick.Stop()
	prune := time.NewTicker(s.cfg.PruneEvery)
	defer prune.Stop()
	w := &writer{s: s, touched: map[shopKind]bool{}}
	for {
		select {
		case it := <-s.ch:
			w.handle(it)
		case <-tick.C:
			w.write()
		case <-prune.C:
			w.write()
			w.prune()
		case <-s.stop:
			for {
				select {
				case it := <-s.ch:
					w.handle(it)
					continue
				default:
				}
				break
			}
			w.write()
			return
		}
	}
}

type shopKind struct {
	shop string
	kind logs.Type
}

// writer is the state of the writer goroutine.
type writer struct {
	s     *Store
	batch []item
	// touched are the logs written since the last prune.
	touched map[shopKind]bool
	// arrays reused between batches.
	shops, kinds []string
	ats          []time.Time
	lines        [][]byte
}

func (w *writer) handle(it item) {
	switch it.op {
	case opLine:
		w.batch = append(w.batch, it)
		if len(w.batch) >= w.s.cfg.BatchLines {
			w.write()
		}
	case opFlush:
		it.done <- w.write()
	case opClear:
		// Lines queued before the clear are written first, so they are
		// cleared with the rest.
		w.write()
		err := w.clear(it.shop, it.kind)
		if it.done != nil {
			it.done <- err
		}
	}
}

// insertSQL writes one batch as four arrays.
const insertSQL = `INSERT INTO shopbridge_plugin_log_lines (shop, kind, at, line)
SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bytea[])`

// write inserts the batch. A failure drops the batch, counts it and warns
// once until a write works again.
func (w *writer) write() error {
	if len(w.batch) == 0 {
		return nil
	}
	s := w.s
	w.shops, w.kinds, w.ats, w.lines = w.shops[:0], w.kinds[:0], w.ats[:0], w.lines[:0]
	for _, it := range w.batch {
		w.shops = append(w.shops, it.shop)
		w.kinds = append(w.kinds, string(it.kind))
		w.ats = append(w.ats, it.at)
		w.lines = append(w.lines, it.line)
		w.touched[shopKind{it.shop, it.kind}] = true
	}
	n := len(w.batch)
	clear(w.batch)
	w.batch = w.batch[:0]
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.WriteTimeout)
	_, err := s.db.ExecContext(ctx, insertSQL, w.shops, w.kinds, w.ats, w.lines)
	cancel()
	clear(w.lines)
	if err != nil {
		err = fmt.Errorf("pglogs: write %d lines: %w", n, err)
		s.dropped.Add(int64(n))
		s.failed.Add(int64(n))
		if s.failing.CompareAndSwap(false, true) {
			s.log.Warn("plugin logs: writing to the database failed, log lines are dropped until it works again (Plugin API calls are not affected)",
				zap.String("process", s.tag), zap.Error(err))
		}
		return err
	}
	s.written.Add(int64(n))
	s.full.Store(false)
	if s.failing.CompareAndSwap(true, false) {
		s.log.Info("plugin logs: writing to the database works again",
			zap.String("process", s.tag), zap.Int64("dropped_so_far", s.dropped.Load()))
	}
	return nil
}

// clear deletes one log of one shop for every process.
func (w *writer) clear(shop string, kind logs.Type) error {
	ctx, cancel := context.WithTimeout(context.Background(), w.s.cfg.WriteTimeout)
	defer cancel()
	_, err := w.s.db.ExecContext(ctx, `DELETE FROM shopbridge_plugin_log_lines WHERE shop = $1 AND kind = $2`, shop, string(kind))
	if err != nil {
		return fmt.Errorf("pglogs: clear %s log: %w", kind, err)
	}
	return nil
}

// prune bounds the logs this process wrote since the last prune by count
// and age, and the other logs of its shops by age (cheap on the index
// when nothing is old). Errors are left to the next write's warning.
func (w *writer) prune() {
	s := w.s
	s.shopsMu.Lock()
	shops := make([]string, 0, len(s.shops))
	for shop := range s.shops {
		shops = append(shops, shop)
	}
	s.shopsMu.Unlock()
	for _, shop := range shops {
		for _, kind := range logs.Types {
			sk := shopKind{shop, kind}
			if err := s.pruneOne(shop, kind, w.touched[sk]); err != nil {
				return
			}
			delete(w.touched, sk)
		}
	}
	for sk := range w.touched { // lines of a shop without a sink: none today
		if err := s.pruneOne(sk.shop, sk.kind, true); err != nil {
			return
		}
		delete(w.touched, sk)
	}
}

// Prune bounds every log of shop now (the writer does it every
// PruneEvery for the logs it wrote to).
func (s *Store) Prune(ctx context.Context, shop string) error {
	for _, t := range logs.Types {
		if err := s.pruneOneCtx(ctx, shop, t, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) pruneOne(shop string, kind logs.Type, byCount bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.WriteTimeout)
	defer cancel()
	return s.pruneOneCtx(ctx, shop, kind, byCount)
}

// pruneOneCtx deletes what lies beyond MaxLines (when byCount) and
// MaxAge. The newest
// line to delete is found on the index, then one range delete removes it
// and everything older (docs/operations.md#plugin-api-logs-in-postgresql).
func (s *Store) pruneOneCtx(ctx context.Context, shop string, kind logs.Type, byCount bool) error {
	if byCount && s.cfg.MaxLines > 0 {
		var at time.Time
		var id int64
		err := s.db.QueryRowContext(ctx, `SELECT at, id FROM shopbridge_plugin_log_lines
WHERE shop = $1 AND kind = $2 ORDER BY at DESC, id DESC OFFSET $3 LIMIT 1`, shop, string(kind), s.cfg.MaxLines).Scan(&at, &id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("pglogs: prune %s log: %w", kind, err)
		default:
			if _, err := s.db.ExecContext(ctx, `DELETE FROM shopbridge_plugin_log_lines
WHERE shop = $1 AND kind = $2 AND at <= $3 AND (at < $3 OR id <= $4)`, shop, string(kind), at, id); err != nil {
				return fmt.Errorf("pglogs: prune %s log: %w", kind, err)
			}
		}
	}
	if s.cfg.MaxAge > 0 {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM shopbridge_plugin_log_lines
WHERE shop = $1 AND kind = $2 AND at < $3`, shop, string(kind), time.Now().Add(-s.cfg.MaxAge)); err != nil {
			return fmt.Errorf("pglogs: prune %s log: %w", kind, err)
		}
	}
	return nil
}

// sink is the logs.Sink of one shop.
type sink struct {
	s    *Store
	shop string
}

// Write implements logs.Sink: the line is tagged, cut to MaxLineBytes and
// queued; it never blocks.
func (k *sink) Write(t logs.Type, at time.Time, line []byte) {
	s := k.s
	limit := s.cfg.MaxLineBytes
	var buf []byte
	if len(line) > limit {
		for limit > 0 && !utf8.RuneStart(line[limit]) {
			limit--
		}
		marker := "…(+" + strconv.Itoa(len(line)-limit) + " bytes)\n"
		buf = make([]byte, 0, limit+len(s.tag)+3+len(marker))
		buf = logs.AppendTagged(buf, line[:limit], s.tag)
		buf = append(buf, marker...)
	} else {
		buf = logs.AppendTagged(make([]byte, 0, len(line)+len(s.tag)+3), line, s.tag)
	}
	s.enqueue(item{op: opLine, kind: t, shop: k.shop, at: at, line: buf})
}

// tailSQL reads the newest lines backwards along the index (no sort).
const tailSQL = `SELECT line FROM shopbridge_plugin_log_lines
WHERE shop = $1 AND kind = $2 ORDER BY at DESC, id DESC LIMIT $3`

// Tail implements logs.Sink. It writes this process's queued lines first,
// then reads the newest n lines of every process backwards along the
// index and returns them oldest first.
func (k *sink) Tail(ctx context.Context, t logs.Type, n int) ([]byte, error) {
	// A failed flush is already counted and warned about; the read goes on.
	_ = k.s.Flush(ctx)
	var r reversed
	if err := k.s.query(ctx, &r, tailSQL, k.shop, string(t), n); err != nil {
		return nil, fmt.Errorf("pglogs: read %s log: %w", t, err)
	}
	return r.join(), nil
}

// reversed collects lines newest first and joins them oldest first.
type reversed struct {
	buf  []byte
	ends []int
}

func (r *reversed) add(line []byte) {
	r.buf = append(r.buf, line...)
	r.ends = append(r.ends, len(r.buf))
}

func (r *reversed) join() []byte {
	if len(r.buf) == 0 {
		return nil
	}
	out := make([]byte, 0, len(r.buf))
	for i := len(r.ends) - 1; i >= 0; i-- {
		start := 0
		if i > 0 {
			start = r.ends[i-1]
		}
		out = append(out, r.buf[start:r.ends[i]]...)
	}
	return out
}

// query runs a one-column bytea query and hands each value to r. On
// pgx (what gorm's PostgreSQL driver uses) the values are read in place,
// without a copy per row; other drivers go through database/sql.
func (s *Store) query(ctx context.Context, r *reversed, q string, args ...any) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	handled := false
	err = conn.Raw(func(dc any) error {
		pc, ok := dc.(interface{ Conn() *pgx.Conn })
		if !ok {
			return nil
		}
		handled = true
		rows, err := pc.Conn().Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var line pgtype.DriverBytes // valid until the next row
		dest := []any{&line}        // one allocation for all rows
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			r.add(line)
		}
		return rows.Err()
	})
	if err != nil || handled {
		return err
	}
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var line sql.RawBytes
		if err := rows.Scan(&line); err != nil {
			return err
		}
		r.add(line)
	}
	return rows.Err()
}

// Clear implements logs.Sink: this process's queued lines are written,
// then the log is deleted for every process.
func (k *sink) Clear(ctx context.Context, t logs.Type) error {
	return k.s.command(ctx, item{op: opClear, kind: t, shop: k.shop})
}

// ClearLater implements logs.Sink.
func (k *sink) ClearLater(t logs.Type) {
	k.s.enqueue(item{op: opClear, kind: t, shop: k.shop})
}
