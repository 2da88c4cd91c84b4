package logs

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
)

// memSink keeps lines in memory, in the order written.
type memSink struct {
	mu      sync.Mutex
	lines   map[Type][][]byte
	at      []time.Time
	cleared []Type
}

func (m *memSink) Write(t Type, at time.Time, line []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lines == nil {
		m.lines = map[Type][][]byte{}
	}
	m.lines[t] = append(m.lines[t], AppendTagged(nil, line, "p1"))
	m.at = append(m.at, at)
}

func (m *memSink) Tail(_ context.Context, t Type, n int) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.lines[t]
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return bytes.Join(l, nil), nil
}

func (m *memSink) Clear(_ context.Context, t Type) error {
	m.ClearLater(t)
	return nil
}

func (m *memSink) ClearLater(t Type) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.lines, t)
	m.cleared = append(m.cleared, t)
}

func TestOpenSinkWritesTheFileFormat(t *testing.T) {
	m := &memSink{}
	s := OpenSink(m, Options{})
	if !s.Shared() || s.Dir() != "" || s.Path(Access) != "" {
		t.Fatalf("Shared %v, Dir %q, Path %q", s.Shared(), s.Dir(), s.Path(Access))
	}
	before := time.Now()
	s.AccessLogger().With(zap.String("trace_id", "t1")).Info("incoming request", zap.Int("n", 1))
	s.ErrorLogger().Error("boom")
	got, err := s.TailContext(context.Background(), Access, 10)
	if err != nil {
		t.Fatal(err)
	}
	line := string(got)
	// "DD-MM-YYYY HH:MM:SS: [p1] incoming request {...}\n"
	if len(line) < 21 || line[19:] != `: [p1] incoming request {"trace_id": "t1", "n": 1}`+"\n" {
		t.Errorf("line %q", line)
	}
	// The file gets the same line without the tag.
	fs, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs.AccessLogger().With(zap.String("trace_id", "t1")).Info("incoming request", zap.Int("n", 1))
	file, _ := fs.ReadAll(Access)
	fs.Close()
	if len(file) < 21 || string(file[19:]) != strings.Replace(line[19:], "[p1] ", "", 1) {
		t.Errorf("file line %q, shared line %q", file, line)
	}
	if _, err := time.Parse("02-01-2006 15:04:05", line[:19]); err != nil {
		t.Errorf("stamp: %v", err)
	}
	if m.at[0].Before(before.Add(-time.Second)) {
		t.Errorf("entry time %v", m.at[0])
	}
	if e, _ := s.ReadAll(Error); !strings.Contains(string(e), "[p1] boom") {
		t.Errorf("error log %q", e)
	}

	// A debug request clears the debug log without waiting; keep does not.
	d, err := s.StartDebug(false)
	if err != nil {
		t.Fatal(err)
	}
	d.Info("step")
	if _, err := s.StartDebug(true); err != nil {
		t.Fatal(err)
	}
	if err := s.TruncateContext(context.Background(), Access); err != nil {
		t.Fatal(err)
	}
	if len(m.cleared) != 2 || m.cleared[0] != Debug || m.cleared[1] != Access {
		t.Errorf("cleared %v", m.cleared)
	}
	if got, _ := s.Tail(Debug, 10); !strings.Contains(string(got), "step") {
		t.Errorf("debug log %q", got)
	}
	if err := s.Truncate("nope"); err != ErrUnknownType {
		t.Errorf("Truncate(nope) = %v", err)
	}
	if _, err := s.Tail("nope", 1); err != ErrUnknownType {
		t.Errorf("Tail(nope) = %v", err)
	}
	if got, _ := s.Tail(Error, 0); got != nil {
		t.Errorf("Tail 0 lines = %q", got)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestAppendTagged(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"stamped", "02-12-2026 16:05:05: msg {}\n", "02-12-2026 16:05:05: [web-1:42] msg {}\n"},
		{"no stamp", "free text\n", "[web-1:42] free text\n"},
		{"stamp only", "02-12-2026 16:05:05:", "[web-1:42] 02-12-2026 16:05:05:"},
		{"empty", "", "[web-1:42] "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(AppendTagged([]byte("x"), []byte(tt.line), "web-1:42")); got != "x"+tt.want {
				t.Errorf("got %q, want %q", got, "x"+tt.want)
			}
		})
	}
}
