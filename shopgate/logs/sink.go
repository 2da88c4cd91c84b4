package logs

import (
	"context"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Sink keeps the lines of a Set somewhere other than local files, e.g. in
// a database shared by every process of a shop, so that get_log_file on
// any process answers the lines of all of them
// (docs/protocol/plugin-api.md#cluster-wide-logs). The Set hands it lines
// that are already encoded, capped and redacted exactly as the files would
// get them.
type Sink interface {
	// Write takes one encoded line (with its final line break) of log t,
	// written at at. It must neither block nor fail the caller (a request
	// is waiting) and must not keep line after it returns.
	Write(t Type, at time.Time, line []byte)
	// Tail returns the last n lines of log t, oldest first, each ending in
	// a line break.
	Tail(ctx context.Context, t Type, n int) ([]byte, error)
	// Clear empties log t and returns when it is empty.
	Clear(ctx context.Context, t Type) error
	// ClearLater empties log t after the lines written before it, without
	// blocking (the debug log at the start of a debug request).
	ClearLater(t Type)
}

// OpenSink returns a Set whose four logs are written to sink instead of
// files. Options.Tee applies as with Open; the file options are ignored.
// Dir and Path answer "" for such a Set, and Close leaves the sink open
// (its owner closes it).
func OpenSink(sink Sink, opt Options) *Set {
	s := &Set{sink: sink}
	s.access = zap.New(&sinkCore{sink: sink, t: Access, enc: zapcore.NewConsoleEncoder(encoderConfig)})
	s.req = zap.New(&sinkCore{sink: sink, t: Request, enc: zapcore.NewConsoleEncoder(encoderConfig)})
	var errCore zapcore.Core = &sinkCore{sink: sink, t: Error, enc: zapcore.NewConsoleEncoder(encoderConfig)}
	if opt.Tee != nil {
		errCore = zapcore.NewTee(errCore, opt.Tee.Core())
	}
	s.err = zap.New(errCore)
	s.debug = zap.New(&sinkCore{sink: sink, t: Debug, enc: zapcore.NewConsoleEncoder(encoderConfig)})
	return s
}

// Shared reports whether the Set writes to a Sink rather than files.
func (s *Set) Shared() bool { return s.sink != nil }

// sinkCore encodes entries like the file cores and hands each line, with
// its entry time, to the sink.
type sinkCore struct {
	sink Sink
	t    Type
	enc  zapcore.Encoder
}

func (c *sinkCore) Enabled(zapcore.Level) bool { return true }

func (c *sinkCore) With(fields []zapcore.Field) zapcore.Core {
	enc := c.enc.Clone()
	for i := range fields {
		fields[i].AddTo(enc)
	}
	return &sinkCore{sink: c.sink, t: c.t, enc: enc}
}

func (c *sinkCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(ent, c)
}

func (c *sinkCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	buf, err := c.enc.EncodeEntry(ent, fields)
	if err != nil {
		return err
	}
	c.sink.Write(c.t, ent.Time, buf.Bytes())
	buf.Free()
	return nil
}

func (c *sinkCore) Sync() error { return nil }

// stampLen is the length of the "DD-MM-YYYY HH:MM:SS:" stamp that starts
// every line.
const stampLen = len("02-01-2006 15:04:05:")

// AppendTagged appends line to dst with "[tag] " inserted after its time
// stamp, the format of shared logs
// (docs/protocol/plugin-api.md#cluster-wide-logs). A line without the
// stamp gets the tag in front.
func AppendTagged(dst, line []byte, tag string) []byte {
	if len(line) > stampLen && line[stampLen-1] == ':' && line[stampLen] == ' ' {
		dst = append(dst, line[:stampLen+1]...)
		line = line[stampLen+1:]
	}
	dst = append(dst, '[')
	dst = append(dst, tag...)
	dst = append(dst, "] "...)
	return append(dst, line...)
}
