package pluginapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
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
			rec := serve(t, h, testRequest{body: tc.body, query: tc.query, header: tc.header})
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

// setOne is a set_settings body changing one key.
func setOne(name, value string) string {
	return "action=set_settings&shopgate_settings[0][name]=" + name + "&shopgate_settings[0][value]=" + url.QueryEscape(value)
}

// TestSetSettingsValidatesEveryValue reproduces the set_settings attacks
// (a script in html_tags, a 5,000-character alias, negative limits): each
// is answered with 10 and changes nothing.
func TestSetSettingsValidatesEveryValue(t *testing.T) {
	tests := []struct {
		name, key, value string
		code             int
	}{
		{"alias 5000 chars", "alias", strings.Repeat("a", 5000), 10},
		{"alias 63 chars", "alias", strings.Repeat("a", 63), 0},
		{"negative buffer", "export_buffer_capacity", "-1", 10},
		{"zero buffer", "export_buffer_capacity", "0", 10},
		{"buffer", "export_buffer_capacity", "500", 0},
		{"negative max_attributes", "max_attributes", "-5", 10},
		{"negative execution time", "default_execution_time", "-1", 10},
		{"memory limit -2", "default_memory_limit", "-2", 10},
		{"memory limit unlimited", "default_memory_limit", "-1", 0},
		{"unknown encoding", "encoding", "EVIL-1", 10},
		{"encoding", "encoding", "ISO-8859-15", 0},
		{"script tag", "html_tags", `{"html_tags":[{"name":"script","attributes":[{"name":"src","value":"https://evil.example/x.js"}]}]}`, 10},
		{"iframe onload", "html_tags", `{"html_tags":[{"name":"iframe","attributes":[{"name":"onload","value":"alert(1)"}]}]}`, 10},
		{"link onerror", "html_tags", `{"html_tags":[{"name":"link","attributes":[{"name":"onerror","value":"alert(1)"}]}]}`, 10},
		{"javascript href", "html_tags", `{"html_tags":[{"name":"link","attributes":[{"name":"href","value":"javascript:alert(1)"}]}]}`, 10},
		{"html_tags not json", "html_tags", `{x`, 10},
		{"harmless link", "html_tags", `{"html_tags":[{"name":"link","attributes":[{"name":"rel","value":"alternate"},{"name":"href","value":"{baseUrl}/item"}]}]}`, 0},
		{"header parent markup", "mobile_header_parent", `</script><script>alert(1)`, 10},
		{"header parent", "mobile_header_parent", `#header .top`, 0},
		{"redirect param markup", "redirectable_get_params", `gclid,"><script>`, 10},
		{"redirect params", "redirectable_get_params", `gclid,utm_source`, 0},
		{"huge list element", "exclude_item_ids", strings.Repeat("1", 300), 10},
		{"pixel id letters", "facebook_pixel_id", "abc", 10},
		{"long cname", "cname", "https://" + strings.Repeat("a", 2000) + ".com", 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHandler(t, nil)
			before := h.Setting("", tc.key)
			m := envelope(t, call(t, h, setOne(tc.key, tc.value), true))
			wantError(t, m, tc.code, "")
			if tc.code != 0 && !equalJSON(h.Setting("", tc.key), before) {
				t.Fatalf("rejected value changed %s", tc.key)
			}
		})
	}
}

func equalJSON(a, b any) bool {
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return string(ab) == string(bb)
}

// TestSetSettingsStoresOnlySentKeys reproduces the frozen configuration:
// after one set_settings, a host that switches an action off in code must
// find it off after a restart; only the key Shopgate sent is stored.
func TestSetSettingsStoresOnlySentKeys(t *testing.T) {
	store := &memStore{}
	h := newTestHandler(t, func(c *Config) { c.Store = store })
	wantError(t, envelope(t, call(t, h, setOne("alias", "new-alias"), true)), 0, "")
	if len(store.saved) != 1 || store.saved["alias"] != "new-alias" {
		t.Fatalf("stored %v, want only alias", store.saved)
	}
	wantError(t, envelope(t, call(t, h, setOne("enable_get_orders", "1"), true)), 0, "")
	if len(store.saved) != 2 || store.saved["enable_get_orders"] != true {
		t.Fatalf("stored %v, want alias and enable_get_orders", store.saved)
	}
	// The host switches get_settings off in code and restarts.
	h2 := newTestHandler(t, func(c *Config) {
		c.Store = store
		c.Shops[0].Enable = map[string]bool{"cron": true, "get_settings": false}
	})
	if h2.Setting("", "enable_get_settings") != false {
		t.Fatal("get_settings is still on after the host switched it off in code")
	}
	if h2.Setting("", "alias") != "new-alias" || h2.Setting("", "enable_get_orders") != true {
		t.Fatalf("stored keys not applied: %v %v", h2.Setting("", "alias"), h2.Setting("", "enable_get_orders"))
	}
	wantError(t, envelope(t, call(t, h2, "action=get_settings", true)), shopgate.CodeDisabledAction, "")
	// A stored value that is no longer valid is ignored at load.
	store.saved["html_tags"] = `{"html_tags":[{"name":"script","attributes":[]}]}`
	h3 := newTestHandler(t, func(c *Config) { c.Store = store })
	if h3.Setting("", "html_tags") != "" {
		t.Fatalf("invalid stored html_tags loaded: %v", h3.Setting("", "html_tags"))
	}
}

// TestMaxExecutionTimeIsSeconds reproduces "1m" → 1 ms → 83:
// max_execution_time is whole seconds as PHP reads it.
func TestMaxExecutionTimeIsSeconds(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1m", time.Second, true},
		{"30", 30 * time.Second, true},
		{" 5", 5 * time.Second, true},
		{"+7", 7 * time.Second, true},
		{"2.9", 2 * time.Second, true},
		{"1ms", time.Second, true},
		{"007", 7 * time.Second, true},
		{"99999999999999999999", 24 * time.Hour, true},
		{"0", 0, false},
		{"-3", 0, false},
		{"abc", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		got, ok := phpSeconds(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("phpSeconds(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestQueryStringIsNeverDroppedSilently: a query string Go's url package
// cannot parse is decoded as PHP decodes it (nothing dropped), and one over
// the limits answers 999.
func TestQueryStringIsNeverDroppedSilently(t *testing.T) {
	h := newTestHandler(t, nil)
	e := echo.New()
	h.Mount(e.Group("/shopgate/api"))
	do := func(query string) map[string]any {
		req := httptest.NewRequest(http.MethodPost, "/shopgate/api?"+query, strings.NewReader("action=ping"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		shopgate.SignRequest(req.Header, shopgate.PrefixSPA, testCustomer, testAPIKey, testNow)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return envelope(t, rec)
	}
	m := do("trace_id=%zz;x%&y=%")
	wantError(t, m, 0, "")
	if m["trace_id"] != "%zz;x%" {
		t.Fatalf("trace_id = %v, want the PHP-decoded %q", m["trace_id"], "%zz;x%")
	}
	m = do("trace_id=t1&" + strings.Repeat("a[]=1&", 100001))
	wantError(t, m, 999, `Unknown error code: "request too large"`)
	if m["trace_id"] != "t1" {
		t.Fatalf("trace_id = %v", m["trace_id"])
	}
	m = do("trace_id=t2&a" + strings.Repeat("[x]", 100) + "=1")
	wantError(t, m, 999, `Unknown error code: "request too large"`)
}
