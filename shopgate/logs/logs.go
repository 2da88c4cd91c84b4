// Package logs keeps the four Shopgate plugin logs (access, request, error,
// debug) as size-rotated files written through zap, or hands their lines
// to a [Sink] shared by several processes (docs/protocol/plugin-api.md#cluster-wide-logs).
//
// Entries start with a UTC "DD-MM-YYYY HH:MM:SS:" stamp followed by the
// message and structured fields, as Shopgate support reads them. The debug
// log is only written during a request that asked for it (debug_log=1) and
// is flushed at the start of such a request.
package logs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"gopkg.in/natefinch/lumberjack.v2"
)

// Type names one of the four logs.
type Type string

// The four log types of the Plugin API.
const (
	Access  Type = "access"
	Request Type = "request"
	Error   Type = "error"
	Debug   Type = "debug"
)

// Types lists every log type.
var Types = []Type{Access, Request, Error, Debug}

// ErrUnknownType is returned for a log type that is not one of Types.
var ErrUnknownType = errors.New("logs: unknown log type")

// ParseType returns the Type for s (case-sensitive).
func ParseType(s string) (Type, error) {
	switch Type(s) {
	case Access, Request, Error, Debug:
		return Type(s), nil
	}
	return "", ErrUnknownType
}

// Options configure a Set. Zero values take the defaults.
type Options struct {
	// MaxSizeMB is the size at which a log file is rotated. Default 20.
	// get_log_file only sees the current file.
	MaxSizeMB int
	// MaxBackups is how many rotated files are kept. Default 3.
	MaxBackups int
	// FileNames overrides the default file names (shopgate_<type>.log).
	FileNames map[Type]string
	// Tee receives a copy of every error entry (e.g. the host's logger).
	Tee *zap.Logger
}

// Set is the four logs of one shop. It is safe for concurrent use.
type Set struct {
	dir    string
	files  map[Type]*file
	access *zap.Logger
	req    *zap.Logger
	err    *zap.Logger
	debug  *zap.Logger
	// debugMu serialises the truncate-then-write sequence of debug requests.
	debugMu sync.Mutex
	// sink, when set, receives every line instead of the files.
	sink Sink
}

// file is one rotated log file; the mutex guards truncation and reads
// against concurrent writes.
type file struct {
	mu   sync.Mutex
	path string
	lj   *lumberjack.Logger
}

func (f *file) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lj.Write(p)
}

func (f *file) Sync() error { return nil }

// Open creates dir (0750) if needed, checks that it is writable and opens
// the four logs in it.
func Open(dir string, opt Options) (*Set, error) {
	if opt.MaxSizeMB <= 0 {
		opt.MaxSizeMB = 20
	}
	if opt.MaxBackups <= 0 {
		opt.MaxBackups = 3
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("logs: create %s: %w", dir, err)
	}
	s := &Set{dir: dir, files: map[Type]*file{}}
	for _, t := range Types {
		name := opt.FileNames[t]
		if name == "" {
			name = "shopgate_" + string(t) + ".log"
		}
		p := filepath.Join(dir, filepath.Base(name))
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
		if err != nil {
			return nil, fmt.Errorf("logs: open %s: %w", p, err)
		}
		f.Close()
		s.files[t] = &file{path: p, lj: &lumberjack.Logger{
			Filename: p, MaxSize: opt.MaxSizeMB, MaxBackups: opt.MaxBackups,
		}}
	}
	s.access = zap.New(s.core(Access))
	s.req = zap.New(s.core(Request))
	errCore := s.core(Error)
	if opt.Tee != nil {
		errCore = zapcore.NewTee(errCore, opt.Tee.Core())
	}
	s.err = zap.New(errCore)
	s.debug = zap.New(s.core(Debug))
	return s, nil
}

// encoderConfig renders "DD-MM-YYYY HH:MM:SS: message {fields}".
var encoderConfig = zapcore.EncoderConfig{
	TimeKey:    "T",
	MessageKey: "M",
	EncodeTime: func(t time.Time, enc zapcore.PrimitiveArrayEncoder) {
		enc.AppendString(t.UTC().Format("02-01-2006 15:04:05") + ":")
	},
	EncodeDuration:   zapcore.StringDurationEncoder,
	ConsoleSeparator: " ",
	LineEnding:       "\n",
}

func (s *Set) core(t Type) zapcore.Core {
	return zapcore.NewCore(zapcore.NewConsoleEncoder(encoderConfig), zapcore.AddSync(s.files[t]), zapcore.DebugLevel)
}

// Dir returns the directory of the log files ("" for a Set over a Sink).
func (s *Set) Dir() string { return s.dir }

// Path returns the file path of a log ("" for a Set over a Sink).
func (s *Set) Path(t Type) string {
	if f, ok := s.files[t]; ok {
		return f.path
	}
	return ""
}

// AccessLogger is the log of incoming Plugin API requests.
func (s *Set) AccessLogger() *zap.Logger { return s.access }

// RequestLogger is the log of outgoing Merchant API requests; hand it to
// the Merchant API client.
func (s *Set) RequestLogger() *zap.Logger { return s.req }

// ErrorLogger is the log of every error answered or met.
func (s *Set) ErrorLogger() *zap.Logger { return s.err }

// StartDebug prepares the debug log for a request that asked for debug
// logging: unless keep is set, the log is flushed, then a logger that
// writes to it is returned. Requests that did not ask get a no-op logger
// from [Set.NoDebug].
func (s *Set) StartDebug(keep bool) (*zap.Logger, error) {
	if !keep && s.sink != nil {
		s.sink.ClearLater(Debug)
	} else if !keep {
		s.debugMu.Lock()
		err := s.Truncate(Debug)
		s.debugMu.Unlock()
		if err != nil {
			return zap.NewNop(), err
		}
	}
	return s.debug, nil
}

// NoDebug is the debug logger of requests without debug_log.
func (s *Set) NoDebug() *zap.Logger { return zap.NewNop() }

// Truncate empties a log file and keeps it.
func (s *Set) Truncate(t Type) error { return s.TruncateContext(context.Background(), t) }

// TruncateContext is Truncate with a context, which bounds the wait of a
// Set over a Sink (a file is truncated at once). Over a Sink the log is
// emptied for every process sharing it.
func (s *Set) TruncateContext(ctx context.Context, t Type) error {
	if _, err := ParseType(string(t)); err != nil {
		return err
	}
	if s.sink != nil {
		return s.sink.Clear(ctx, t)
	}
	f, ok := s.files[t]
	if !ok {
		return ErrUnknownType
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// Closing makes lumberjack re-read the (now empty) size on next write.
	_ = f.lj.Close()
	return os.Truncate(f.path, 0)
}

// MaxTailLines caps the lines Tail returns.
const MaxTailLines = 10000

// Tail returns the last n lines of a log (each with its newline, blank
// lines counted) without reading the whole file. It reads a snapshot: the
// file is opened on its own and read backwards in blocks without the
// writers' lock, so a long read never delays a request writing its entry
// (docs/protocol/plugin-api.md#log-actions). The work is linear in the
// bytes returned. Entries written while it reads may or may not be part of
// the answer; a rotation during the read leaves it on the file it opened.
func (s *Set) Tail(t Type, n int) ([]byte, error) { return s.TailContext(context.Background(), t, n) }

// TailContext is Tail with a context. A Set over a Sink answers the
// merged, time-ordered tail of every process sharing it, each line tagged
// with its process (docs/protocol/plugin-api.md#cluster-wide-logs).
func (s *Set) TailContext(ctx context.Context, t Type, n int) ([]byte, error) {
	if _, err := ParseType(string(t)); err != nil {
		return nil, err
	}
	if n > MaxTailLines {
		n = MaxTailLines
	}
	if s.sink != nil {
		if n <= 0 {
			return nil, nil
		}
		return s.sink.Tail(ctx, t, n)
	}
	f := s.files[t]
	fh, err := os.OpenFile(f.path, os.O_CREATE|os.O_RDONLY, 0o640)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return tail(fh, n)
}

// tailHook, when set by a test, runs after every block Tail reads.
var tailHook func()

// readerAtSeeker is what tail reads: an *os.File, or a bytes/strings
// reader in tests.
type readerAtSeeker interface {
	io.ReaderAt
	io.Seeker
}

// tail reads blocks from the end until it has seen n line breaks before
// the final line, keeping the blocks and joining them once at the end.
// A file that shrinks while it is read (truncated by clear_log_file) gives
// what was read before the shrink.
func tail(r readerAtSeeker, n int) ([]byte, error) {
	if n <= 0 {
		return nil, nil
	}
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	const block = 64 << 10
	var chunks [][]byte // from the end of the file backwards
	need := n
	pos := size
	for pos > 0 {
		step := int64(block)
		if pos < step {
			step = pos
		}
		pos -= step
		chunk := make([]byte, step)
		if _, err := r.ReadAt(chunk, pos); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		if tailHook != nil {
			tailHook()
		}
		end := len(chunk)
		if pos+step == size && end > 0 && chunk[end-1] == '\n' {
			end-- // the final line break ends the last line
		}
		for {
			j := bytes.LastIndexByte(chunk[:end], '\n')
			if j < 0 {
				break
			}
			if need--; need == 0 {
				chunks = append(chunks, chunk[j+1:])
				return joinReversed(chunks), nil
			}
			end = j
		}
		chunks = append(chunks, chunk)
	}
	return joinReversed(chunks), nil
}

// joinReversed concatenates chunks in reverse order into one buffer.
func joinReversed(chunks [][]byte) []byte {
	total := 0
	for _, c := range chunks {
		total += len(c)
	}
	if total == 0 {
		return nil
	}
	out := make([]byte, 0, total)
	for i := len(chunks) - 1; i >= 0; i-- {
		out = append(out, chunks[i]...)
	}
	return out
}

// Close flushes and closes the files. A Set over a Sink leaves the sink
// to its owner.
func (s *Set) Close() error {
	var errs []error
	for _, f := range s.files {
		f.mu.Lock()
		errs = append(errs, f.lj.Close())
		f.mu.Unlock()
	}
	return errors.Join(errs...)
}

// ReadAll returns the whole current file of a log (for tests and tools);
// over a Sink, its last MaxTailLines lines.
func (s *Set) ReadAll(t Type) ([]byte, error) {
	if s.sink != nil {
		return s.TailContext(context.Background(), t, MaxTailLines)
	}
	f, ok := s.files[t]
	if !ok {
		return nil, ErrUnknownType
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fh, err := os.Open(f.path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out bytes.Buffer
	_, err = io.Copy(&out, bufio.NewReader(fh))
	return out.Bytes(), err
}
