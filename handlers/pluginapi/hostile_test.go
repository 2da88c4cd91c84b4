package pluginapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/logs"
)

// syncBuffer is a concurrency-safe byte sink for a host logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Sync() error { return nil }

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

// logBytes sums the sizes of the four log files of a set.
func logBytes(t *testing.T, ls *logs.Set) int64 {
	t.Helper()
	var n int64
	for _, typ := range logs.Types {
		if fi, err := os.Stat(ls.Path(typ)); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// TestPreAuthLogAmplification reproduces the pre-authentication log
// amplification attack: one unauthenticated request with a huge field
// must add less than 2 KiB to all logs together (the four files and the
// host's logger), while the answer still echoes the whole trace_id.
func TestPreAuthLogAmplification(t *testing.T) {
	big := strings.Repeat("A", 5<<20)
	tests := []struct {
		name   string
		multi  bool
		body   string
		query  string
		header map[string]string
		sign   bool
	}{
		{name: "trace_id in body", body: "action=ping&trace_id=" + big},
		{name: "trace_id in query", body: "action=ping", query: "trace_id=" + big},
		{name: "trace_id with bad signature", body: "action=ping&trace_id=" + big, header: map[string]string{shopgate.HeaderAuthUser: "12345-1700000000", shopgate.HeaderAuthToken: "00"}},
		{name: "User-Agent", body: "action=ping", header: map[string]string{"User-Agent": big}},
		{name: "X-Forwarded-For", body: "action=ping", header: map[string]string{"X-Forwarded-For": big}},
		{name: "X-Real-IP", body: "action=ping", header: map[string]string{"X-Real-IP": big}},
		{name: "auth user header", body: "action=ping", header: map[string]string{shopgate.HeaderAuthUser: big}},
		{name: "action", body: "action=" + big},
		{name: "parameter name", body: big + "=1&action=ping"},
		{name: "many parameters", body: "action=ping&" + strings.Repeat("a[]=1&", 200000)},
		{name: "shop_number (several shops)", multi: true, body: "action=ping&shop_number=" + big},
		{name: "receive_authorization", body: "action=receive_authorization&trace_id=" + big},
		{name: "too many variables", body: "trace_id=" + big + "&" + strings.Repeat("a[]=1&", 100001)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tee := &syncBuffer{}
			host := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), tee, zapcore.DebugLevel))
			h := newTestHandler(t, func(c *Config) {
				c.Logger = host
				if tc.multi {
					c.Shops = append(c.Shops, ShopConfig{CustomerNumber: testCustomer, APIKey: testAPIKey, ShopNumber: "67891"})
				}
			})
			ls := h.firstShop().logs
			before := logBytes(t, ls)
			e := echo.New()
			h.Mount(e.Group("/shopgate/api"))
			target := "/shopgate/api"
			if tc.query != "" {
				target += "?" + tc.query
			}
			req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			added := logBytes(t, ls) - before + int64(tee.Len())
			t.Logf("bytes added to logs: %d", added)
			if added >= 2<<10 {
				t.Fatalf("an unauthenticated request added %d bytes to the logs, want < 2048", added)
			}
			if added == 0 {
				t.Fatal("the request was not logged at all")
			}
			if strings.Contains(tc.body, "trace_id="+big) && !strings.Contains(rec.Body.String(), big) {
				t.Fatal("the answer does not echo the whole trace_id")
			}
		})
	}
}

// TestPreAuthFloodCannotRotateHistory floods a shop with unauthenticated
// requests (at one instant, so the budget never refills) and checks that
// a marker entry written before survives in the current access log, that
// the error log was not rotated either, and that the dropped entries are
// summarised in one line once the budget refills.
func TestPreAuthFloodCannotRotateHistory(t *testing.T) {
	var mu sync.Mutex
	now := testNow
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := newTestHandler(t, func(c *Config) {
		c.Now = clock
		c.LogOptions = logs.Options{MaxSizeMB: 1, MaxBackups: 1}
	})
	wantError(t, envelope(t, call(t, h, "action=ping&trace_id=MARKER-ENTRY", true)), 0, "")
	junk := strings.Repeat("x", 100<<10)
	const flood = 1000 // 1000 × ~2 KiB logged would rotate the 1 MB file twice
	for i := 0; i < flood; i++ {
		call(t, h, "action=ping&trace_id="+junk+"&ua="+junk, false)
	}
	ls := h.Logs("")
	access, err := ls.ReadAll(logs.Access)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(access, []byte("MARKER-ENTRY")) {
		t.Fatal("the marker entry was rotated away by unauthenticated traffic")
	}
	if b, _ := filepath.Glob(filepath.Join(ls.Dir(), "shopgate_*-*.log")); len(b) > 0 {
		t.Fatalf("logs were rotated: %v", b)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	call(t, h, "action=ping&trace_id=after", false)
	access, _ = ls.ReadAll(logs.Access)
	if !bytes.Contains(access, []byte(" unauthenticated entries dropped")) {
		t.Fatalf("no summary of the dropped entries:\n%s", access[len(access)-2000:])
	}
	if !bytes.Contains(access, []byte("after")) {
		t.Fatal("the request after the refill was not logged")
	}
}

// readSpy is a request body that records whether it was read.
type readSpy struct {
	read bool
	r    *strings.Reader
}

func (s *readSpy) Read(p []byte) (int, error) {
	s.read = true
	return s.r.Read(p)
}

// TestBodyLimit reproduces the pre-authentication body memory attack: a
// body declared larger than the limit (16 MiB by default) is rejected
// with 413 before anything is read, and a body without a declared length
// is cut at the limit.
func TestBodyLimit(t *testing.T) {
	h := newTestHandler(t, nil)
	if h.cfg.MaxBodyBytes != 16<<20 {
		t.Fatalf("default body limit %d, want 16 MiB", h.cfg.MaxBodyBytes)
	}
	e := echo.New()
	h.Mount(e.Group("/shopgate/api"))
	tests := []struct {
		name     string
		declared int64
		body     string
		want     int
		mustRead bool
	}{
		{name: "31 MB declared", declared: 31 << 20, body: "action=ping", want: http.StatusRequestEntityTooLarge},
		{name: "1 GB declared", declared: 1 << 30, body: "action=ping", want: http.StatusRequestEntityTooLarge},
		{name: "limit+1 declared", declared: 16<<20 + 1, body: "action=ping", want: http.StatusRequestEntityTooLarge},
		{name: "chunked over the limit", declared: -1, body: "action=ping&x=" + strings.Repeat("a", 16<<20), want: http.StatusRequestEntityTooLarge, mustRead: true},
		{name: "small", declared: int64(len("action=ping")), body: "action=ping", want: http.StatusOK, mustRead: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spy := &readSpy{r: strings.NewReader(tc.body)}
			req := httptest.NewRequest(http.MethodPost, "/shopgate/api", spy)
			req.ContentLength = tc.declared
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d", rec.Code, tc.want)
			}
			if spy.read != tc.mustRead {
				t.Fatalf("body read = %v, want %v", spy.read, tc.mustRead)
			}
		})
	}
}
