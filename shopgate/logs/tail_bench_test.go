package logs

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// writeBigLog fills the access log of s with size bytes of lines of the
// given length.
func writeBigLog(tb testing.TB, s *Set, size, lineLen int) {
	tb.Helper()
	fh, err := os.OpenFile(s.Path(Access), os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	line := strings.Repeat("x", lineLen-1) + "\n"
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(line)
	}
	if _, err := fh.WriteString(b.String()); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkTail10000LinesOf20MB is get_log_file lines=10000 on a 20 MB
// access log of 2 KiB lines (the whole file is the answer).
func BenchmarkTail10000LinesOf20MB(b *testing.B) {
	s, err := Open(b.TempDir(), Options{MaxSizeMB: 100})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	writeBigLog(b, s, 20<<20, 2<<10)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := s.Tail(Access, MaxTailLines)
		if err != nil || len(out) != 10000*(2<<10) {
			b.Fatalf("tail: %d bytes, %v", len(out), err)
		}
	}
}

// TestTailDoesNotBlockWriters pauses a Tail inside its read loop and
// checks that writing an entry and truncating the log both complete while
// it is paused (before, Tail held the writers' mutex for its whole run).
func TestTailDoesNotBlockWriters(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	writeBigLog(t, s, 1<<20, 100)
	paused, resume := make(chan struct{}), make(chan struct{})
	var once bool
	tailHook = func() {
		if !once {
			once = true
			close(paused)
			<-resume
		}
	}
	defer func() { tailHook = nil }()
	done := make(chan error, 1)
	go func() {
		out, err := s.Tail(Access, MaxTailLines)
		if err == nil && len(out) != MaxTailLines*100 {
			err = fmt.Errorf("tail returned %d bytes", len(out))
		}
		done <- err
	}()
	<-paused
	wrote := make(chan struct{})
	go func() {
		s.AccessLogger().Info("written while a tail runs")
		close(wrote)
	}()
	select {
	case <-wrote:
	case <-time.After(30 * time.Second):
		close(resume)
		t.Fatal("a write waited for the paused Tail")
	}
	close(resume)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
