package logs

import (
	"bytes"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func TestTail(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"a\nb\nc\n", 2, "b\nc\n"},
		{"a\nb\nc\n", 3, "a\nb\nc\n"},
		{"a\nb\nc\n", 10, "a\nb\nc\n"},
		{"a\n\n\n", 2, "\n\n"},
		{"a\nb", 1, "b"},
		{"", 5, ""},
		{"x\n", 0, ""},
	}
	for _, tt := range tests {
		got, err := tail(strings.NewReader(tt.in), tt.n)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("tail(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
	// Across block boundaries.
	var big bytes.Buffer
	for i := 0; i < 20000; i++ {
		big.WriteString(strings.Repeat("x", 10) + "\n")
	}
	big.WriteString("last\n")
	got, _ := tail(bytes.NewReader(big.Bytes()), 2)
	if string(got) != strings.Repeat("x", 10)+"\nlast\n" {
		t.Errorf("big tail = %q", got)
	}
}

func TestSetWritesTruncatesAndFlushesDebug(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AccessLogger().Info("incoming", zap.String("trace_id", "t1"))
	out, _ := s.ReadAll(Access)
	if !bytes.Contains(out, []byte("incoming")) || !bytes.Contains(out, []byte(`"trace_id": "t1"`)) {
		t.Fatalf("access log = %q", out)
	}
	if b := out[:20]; b[2] != '-' || b[5] != '-' || b[19] != ':' {
		t.Errorf("timestamp prefix = %q", b)
	}
	d, _ := s.StartDebug(false)
	d.Info("step one")
	d, _ = s.StartDebug(false)
	d.Info("step two")
	out, _ = s.ReadAll(Debug)
	if bytes.Contains(out, []byte("step one")) || !bytes.Contains(out, []byte("step two")) {
		t.Errorf("debug log not flushed: %q", out)
	}
	d, _ = s.StartDebug(true)
	d.Info("step three")
	out, _ = s.ReadAll(Debug)
	if !bytes.Contains(out, []byte("step two")) || !bytes.Contains(out, []byte("step three")) {
		t.Errorf("keep_debug_log flushed: %q", out)
	}
	if err := s.Truncate(Access); err != nil {
		t.Fatal(err)
	}
	s.AccessLogger().Info("after")
	out, _ = s.ReadAll(Access)
	if bytes.Contains(out, []byte("incoming")) || !bytes.Contains(out, []byte("after")) {
		t.Errorf("after truncate = %q", out)
	}
	if _, err := ParseType("ACCESS"); err == nil {
		t.Error("ParseType is case-insensitive")
	}
}
