package pluginapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/logs"
)

const (
	testCustomer = "12345"
	testAPIKey   = "abcdef0123456789abcd"
	testShop     = "67890"
)

var testNow = time.Unix(1700000000, 0)

// newTestHandler builds a handler with the conformance configuration of
// docs/protocol/plugin-api.md#conformance-checklist (cron and get_settings enabled).
func newTestHandler(t *testing.T, mod func(*Config)) *Handler {
	t.Helper()
	cfg := Config{
		Shops: []ShopConfig{{CustomerNumber: testCustomer, APIKey: testAPIKey, ShopNumber: testShop,
			Enable: map[string]bool{"cron": true, "get_settings": true}}},
		LogDir: t.TempDir(),
		Now:    func() time.Time { return testNow },
	}
	if mod != nil {
		mod(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// testRequest is one Plugin API request of a test.
type testRequest struct {
	body, query string
	// contentType of the body; "-" sends none, "" the form type.
	contentType string
	// header holds extra request headers.
	header map[string]string
	// sign signs the request for testNow.
	sign bool
}

// serve posts r to the handler through Echo and returns the recorder.
func serve(t *testing.T, h *Handler, r testRequest) *httptest.ResponseRecorder {
	t.Helper()
	e := echo.New()
	h.Mount(e.Group("/shopgate/api"))
	target := "/shopgate/api"
	if r.query != "" {
		target += "?" + r.query
	}
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(r.body))
	switch r.contentType {
	case "":
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case "-":
		req.Header.Del("Content-Type")
	default:
		req.Header.Set("Content-Type", r.contentType)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	if r.sign {
		shopgate.SignRequest(req.Header, shopgate.PrefixSPA, testCustomer, testAPIKey, testNow)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// call posts a form body to the handler through Echo, signed for testNow
// unless auth is false, and returns the recorder.
func call(t *testing.T, h *Handler, body string, auth bool) *httptest.ResponseRecorder {
	t.Helper()
	return serve(t, h, testRequest{body: body, sign: auth})
}

// liveRequest mounts h on a real HTTP server (closed when the test ends)
// and returns a form POST of body to it, signed for now.
func liveRequest(t *testing.T, h *Handler, body string, now time.Time) *http.Request {
	t.Helper()
	e := echo.New()
	h.Mount(e.Group("/shopgate/api"))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/shopgate/api", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	shopgate.SignRequest(req.Header, shopgate.PrefixSPA, testCustomer, testAPIKey, now)
	return req
}

// envelope decodes a JSON answer.
func envelope(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, body %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	return m
}

func wantError(t *testing.T, m map[string]any, code int, text string) {
	t.Helper()
	if got := int(m["error"].(float64)); got != code {
		t.Fatalf("error = %d (%v), want %d", got, m["error_text"], code)
	}
	if text != "" && m["error_text"] != text {
		t.Fatalf("error_text = %q, want %q", m["error_text"], text)
	}
}

type panicAdapter struct{ adapters.Customers }

func (panicAdapter) CustomerOrders(context.Context, adapters.Shop, adapters.CustomerOrdersQuery) ([]adapters.ExternalOrder, error) {
	panic("adapter exploded")
}

type failingAdapter struct{ adapters.Customers }

func (failingAdapter) CustomerOrders(context.Context, adapters.Shop, adapters.CustomerOrdersQuery) ([]adapters.ExternalOrder, error) {
	return nil, errors.New("db down: secret detail")
}

// TestConformance walks docs/protocol/plugin-api.md#conformance-checklist.
func TestConformance(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		body string
		auth bool
		code int
		text string
		also func(t *testing.T, m map[string]any)
	}{
		{name: "1 no auth", body: "action=ping", code: 120, text: "authentication failed",
			also: func(t *testing.T, m map[string]any) {
				if m["trace_id"] != nil {
					t.Errorf("trace_id = %v", m["trace_id"])
				}
			}},
		{name: "2 no action no auth", body: "", code: 120},
		{name: "3 no action", body: "shop_number=67890", auth: true, code: 20, text: "no action specified"},
		{name: "4 unknown", body: "action=foo", auth: true, code: 21, text: "unknown action requested"},
		{name: "5 case", body: "action=GET_SETTINGS", auth: true, code: 21},
		{name: "5b array action", body: "action[]=ping", auth: true, code: 21},
		{name: "6 disabled", body: "action=get_orders", auth: true, code: 22, text: "disabled action requested"},
		{name: "7 shop number", body: "action=ping&shop_number=11111", auth: true, code: 24, text: "unknown shop number received"},
		{name: "7b leading zeros", body: "action=ping&shop_number=0067890", auth: true, code: 0},
		{name: "9 ping", body: "action=ping&trace_id=sma-abc", auth: true, code: 0,
			also: func(t *testing.T, m map[string]any) {
				conf := m["configuration"].(map[string]any)
				if m["trace_id"] != "sma-abc" || m["pong"] != "OK" || conf["apikey"] != "XXXXXXXX" ||
					conf["customer_number"] != "XXXXXXXX" || conf["shop_number"] != "XXXXXXXX" {
					t.Errorf("ping = %v", m)
				}
				if m["shopgate_library_version"] != "2.10.3" || m["plugin_version"] != Version {
					t.Errorf("versions = %v %v", m["shopgate_library_version"], m["plugin_version"])
				}
			}},
		{name: "10 cron no jobs", body: "action=cron", auth: true, code: 40, text: `parameter "jobs" missing`},
		{name: "11 cron no job name", body: "action=cron&jobs[0][job_params][a]=1", auth: true, code: 41,
			text: `field "job_name" in parameter "jobs" missing`},
		{name: "12 cron unsupported", body: "action=cron&jobs[0][job_name]=x&jobs[1][job_name]=y", auth: true,
			code: 91, text: "unsupported job: x, y"},
		{name: "13 cron ok", body: "action=cron&jobs[0][job_name]=set_shipping_completed&jobs[1][job_name]=cancel_orders",
			auth: true, code: 0, also: func(t *testing.T, m map[string]any) {
				for _, k := range []string{"message", "execution_error_count", "execution_time"} {
					if _, ok := m[k]; !ok {
						t.Errorf("missing %s", k)
					}
				}
			}},
		{name: "14 log type", body: "action=get_log_file&log_type=foo", auth: true, code: 38, text: "unknown logtype"},
		{name: "15 clear no type", body: "action=clear_log_file", auth: true, code: 38},
		{name: "16 clear debug", body: "action=clear_log_file&log_type=debug", auth: true, code: 0},
		{name: "18 set_settings missing", body: "action=set_settings", auth: true, code: 50,
			text: `parameter "shopgate_settings" missing`},
		{name: "20 receive_authorization off", body: "action=receive_authorization", code: 22},
		{name: "21 receive_authorization classic", body: "action=receive_authorization",
			mod:  func(c *Config) { c.Shops[0].Enable["receive_authorization"] = true },
			code: 25, text: `invalid action call: => "receive_authorization" action can only be called for plugins with SMA-AuthService set to "OAuth" type`},
		{name: "22 no token", body: "action=get_orders", auth: true, code: 72, text: "customer token missing",
			mod: func(c *Config) { c.Shops[0].Enable["get_orders"] = true }},
		{name: "23 no language", body: "action=get_orders&customer_token=t", auth: true, code: 74,
			text: "customer language missing", mod: func(c *Config) { c.Shops[0].Enable["get_orders"] = true }},
		{name: "24 unexpected error", body: "action=get_orders&customer_token=t&customer_language=de", auth: true, code: 999,
			mod: func(c *Config) {
				c.Shops[0].Enable["get_orders"] = true
				c.Customers = failingAdapter{}
			},
			also: func(t *testing.T, m map[string]any) {
				text := m["error_text"].(string)
				if !strings.HasPrefix(text, `Unknown error code: "`) || strings.Contains(text, "secret") {
					t.Errorf("text = %q", text)
				}
			}},
		{name: "24b panic", body: "action=get_orders&customer_token=t&customer_language=de", auth: true, code: 999,
			mod: func(c *Config) {
				c.Shops[0].Enable["get_orders"] = true
				c.Customers = panicAdapter{}
			}},
		{name: "25 response type", body: "action=get_items&response_type=csv", auth: true, code: 51,
			mod: func(c *Config) { c.Shops[0].Enable["get_items"] = true }},
		{name: "28 no apikey", body: "action=ping", auth: true, code: 10,
			text: "invalid value in configuration: Shopgate customer number or  API key not set.",
			mod:  func(c *Config) { c.Shops[0].APIKey = "" }},
		{name: "register needs get_customer", body: "action=register_customer", auth: true, code: 22,
			text: "disabled action requested: Action 'get_customer' is not activated but is needed by register_customer",
			mod:  func(c *Config) { c.Shops[0].Enable["register_customer"] = true }},
		{name: "missing adapter", body: "action=add_order&order_number=1", auth: true, code: 22,
			mod: func(c *Config) { c.Shops[0].Enable["add_order"] = true }},
		{name: "order number missing", body: "action=add_order", auth: true, code: 30,
			mod: func(c *Config) { c.Shops[0].Enable["add_order"] = true }},
		{name: "get_debug_info default", body: "action=get_debug_info", auth: true, code: 0,
			mod: func(c *Config) { c.Shops[0].Enable["get_debug_info"] = true },
			also: func(t *testing.T, m map[string]any) {
				if len(m) != 5 {
					t.Errorf("default debug info adds keys: %v", m)
				}
			}},
		{name: "get_settings default", body: "action=get_settings", auth: true, code: 0,
			also: func(t *testing.T, m map[string]any) {
				tax, _ := m["tax"].(map[string]any)
				for _, k := range []string{"customer_groups", "allowed_address_countries", "allowed_shipping_countries", "payment_methods"} {
					if l, ok := m[k].([]any); !ok || len(l) != 0 {
						t.Errorf("%s = %v, want []", k, m[k])
					}
				}
				if _, ok := tax["tax_rules"].([]any); !ok {
					t.Errorf("tax = %v", m["tax"])
				}
			}},
		{name: "clear_cache outside cache dir", body: "action=clear_cache", auth: true, code: 79,
			mod: func(c *Config) { c.CacheDir = t.TempDir(); c.Info = cacheInfo{"/etc/passwd"} }},
		{name: "redeem_coupons", body: "action=redeem_coupons", auth: true, code: 22,
			mod: func(c *Config) { c.Shops[0].Enable["redeem_coupons"] = true }},
		{name: "too deep", body: "action=ping&a" + strings.Repeat("[x]", 70) + "=1", auth: true, code: 999,
			text: `Unknown error code: "request too large"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHandler(t, tt.mod)
			m := envelope(t, call(t, h, tt.body, tt.auth))
			wantError(t, m, tt.code, tt.text)
			if tt.code != 0 {
				if len(m) != 5 {
					t.Errorf("error envelope has %d keys: %v", len(m), m)
				}
			}
			if tt.also != nil {
				tt.also(t, m)
			}
		})
	}
}

// TestAuthErrors checks every failure of the SPA token (docs/protocol/plugin-api.md#spa-authentication).
func TestAuthErrors(t *testing.T) {
	tok := shopgate.Token("SPA", testCustomer, testNow.Unix(), testAPIKey)
	tests := []struct {
		name, user, token string
		now               time.Time
		code              int
	}{
		{"ok", "12345-1700000000", tok, testNow, 0},
		{"edge past", "12345-1700000000", tok, testNow.Add(1800 * time.Second), 0},
		{"edge future", "12345-1700000000", tok, testNow.Add(-1800 * time.Second), 0},
		{"expired", "12345-1700000000", tok, testNow.Add(1801 * time.Second), 120},
		{"future", "12345-1700000000", tok, testNow.Add(-1801 * time.Second), 120},
		{"missing user", "", tok, testNow, 120},
		{"missing token", "12345-1700000000", "", testNow, 120},
		{"malformed", "12345_1700000000", tok, testNow, 120},
		{"unanchored", "abc 12345-1700000000 xyz", tok, testNow, 120},
		{"uppercase token", "12345-1700000000", strings.ToUpper(tok), testNow, 120},
		{"SMA token", "12345-1700000000", shopgate.Token("SMA", testCustomer, testNow.Unix(), testAPIKey), testNow, 120},
		{"wrong customer", "54321-1700000000", shopgate.Token("SPA", "54321", testNow.Unix(), testAPIKey), testNow, 120},
		{"overflow", "12345-99999999999999999999", tok, testNow, 120},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHandler(t, func(c *Config) { c.Now = func() time.Time { return tt.now } })
			e := echo.New()
			h.Mount(e.Group("/api"))
			req := httptest.NewRequest(http.MethodPost, "/api", strings.NewReader("action=ping"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.user != "" {
				req.Header.Set(shopgate.HeaderAuthUser, tt.user)
			}
			if tt.token != "" {
				req.Header.Set(shopgate.HeaderAuthToken, tt.token)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			m := envelope(t, rec)
			wantError(t, m, tt.code, "")
			if tt.code == 120 {
				errLog, _ := h.Logs("").ReadAll(logs.Error)
				if !strings.Contains(string(errLog), "shopgate auth:") {
					t.Errorf("reason not logged: %s", errLog)
				}
				if strings.Contains(string(errLog), testAPIKey) || strings.Contains(string(errLog), tok) {
					t.Error("secret in error log")
				}
			}
		})
	}
}

func TestMethodAndBodyLimits(t *testing.T) {
	h := newTestHandler(t, func(c *Config) { c.MaxBodyBytes = 100 })
	e := echo.New()
	h.Mount(e.Group("/api"))
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET status = %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api", strings.NewReader("action=ping&x="+strings.Repeat("a", 200)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("large body status = %d", rec.Code)
	}
}

// TestMultipleShops: one mount, one configuration per shop number.
func TestMultipleShops(t *testing.T) {
	h, err := New(Config{
		Shops: []ShopConfig{
			{CustomerNumber: testCustomer, APIKey: testAPIKey, ShopNumber: "20001", Language: "de", Currency: "EUR"},
			{CustomerNumber: "54321", APIKey: "0123456789abcdef0123", ShopNumber: "20002", Language: "fr", Currency: "EUR", Country: "FR"},
		},
		LogDir: t.TempDir(),
		Now:    func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	e := echo.New()
	h.Mount(e.Group("/api"))
	post := func(body, customer, key string) map[string]any {
		req := httptest.NewRequest(http.MethodPost, "/api", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		shopgate.SignRequest(req.Header, "SPA", customer, key, testNow)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return envelope(t, rec)
	}
	m := post("action=ping&shop_number=20002", "54321", "0123456789abcdef0123")
	wantError(t, m, 0, "")
	if m["configuration"].(map[string]any)["language"] != "fr" {
		t.Errorf("wrong shop: %v", m["configuration"])
	}
	wantError(t, post("action=ping&shop_number=20002", testCustomer, testAPIKey), 120, "")
	wantError(t, post("action=ping&shop_number=99999", testCustomer, testAPIKey), 24, "")
	wantError(t, post("action=ping", testCustomer, testAPIKey), 24, "")
	if _, err := os.Stat(filepath.Join(h.cfg.LogDir, "20002", "shopgate_access.log")); err != nil {
		t.Errorf("per-shop logs: %v", err)
	}
}

func TestSetSettings(t *testing.T) {
	store := &memStore{}
	var notified map[string]any
	h := newTestHandler(t, func(c *Config) {
		c.Store = store
		c.OnSettingsChanged = func(_ string, ch map[string]any) { notified = ch }
	})
	m := envelope(t, call(t, h, "action=set_settings&shopgate_settings[0][name]=alias&shopgate_settings[0][value]=newalias"+
		"&shopgate_settings[1][name]=apikey&shopgate_settings[1][value]=x&shopgate_settings[2][name]=unknownkey&shopgate_settings[2][value]=1"+
		"&shopgate_settings[3][name]=cname&shopgate_settings[4][name]=server&shopgate_settings[4][value]=custom", true))
	wantError(t, m, 0, "")
	got, _ := json.Marshal(m["shopgate_settings"])
	if string(got) != `[{"name":"alias","new":"newalias","old":"my-shop"},{"name":"cname","new":null,"old":""}]` {
		t.Errorf("shopgate_settings = %s", got)
	}
	if h.Setting("", "alias") != "newalias" || h.Setting("", "server") != "live" || h.Setting("", "apikey") != testAPIKey {
		t.Error("live settings wrong")
	}
	if store.saved["alias"] != "newalias" || notified["alias"] != "newalias" {
		t.Errorf("store %v notified %v", store.saved, notified)
	}
	// Invalid values change nothing.
	m = envelope(t, call(t, h, "action=set_settings&shopgate_settings[0][name]=alias&shopgate_settings[0][value]=ok&shopgate_settings[1][name]=country&shopgate_settings[1][value]=Germany", true))
	wantError(t, m, 10, "invalid value in configuration")
	if h.Setting("", "alias") != "newalias" {
		t.Error("invalid request changed settings")
	}
	// Enable flags can be switched remotely.
	m = envelope(t, call(t, h, "action=set_settings&shopgate_settings[0][name]=enable_get_orders&shopgate_settings[0][value]=1", true))
	wantError(t, m, 0, "")
	wantError(t, envelope(t, call(t, h, "action=get_orders", true)), 72, "")
	// A restarted handler loads the stored overrides.
	h2 := newTestHandler(t, func(c *Config) { c.Store = store })
	if h2.Setting("", "alias") != "newalias" || h2.Setting("", "enable_get_orders") != true {
		t.Errorf("reload: %v %v", h2.Setting("", "alias"), h2.Setting("", "enable_get_orders"))
	}
	// Nothing acceptable: empty list, nothing changed.
	m = envelope(t, call(t, h, "action=set_settings&shopgate_settings[0][name]=apikey&shopgate_settings[0][value]=x", true))
	if b, _ := json.Marshal(m["shopgate_settings"]); string(b) != "[]" {
		t.Errorf("empty = %s", b)
	}
}

// cacheInfo is an Info adapter that only names cache files.
type cacheInfo struct{ file string }

func (cacheInfo) PluginInfo(context.Context, adapters.Shop) (map[string]any, error) { return nil, nil }
func (cacheInfo) ShopInfo(context.Context, adapters.Shop) (map[string]any, error)   { return nil, nil }
func (cacheInfo) DebugInfo(context.Context, adapters.Shop) (map[string]any, error)  { return nil, nil }
func (cacheInfo) Settings(context.Context, adapters.Shop) (map[string]any, error)   { return nil, nil }
func (c cacheInfo) CacheFiles(context.Context, adapters.Shop) ([]string, error) {
	return []string{c.file}, nil
}

type memStore struct{ saved map[string]any }

func (s *memStore) Load(context.Context, string) (map[string]any, error) {
	b, _ := json.Marshal(s.saved)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out, nil
}

func (s *memStore) Save(_ context.Context, _ string, o map[string]any) error {
	s.saved = o
	return nil
}

type cronAdapter struct{}

func (cronAdapter) RunCronJob(_ context.Context, _ adapters.Shop, job string, _ map[string]any) (string, int, error) {
	switch job {
	case "cancel_orders":
		return "cancelled some\n", 2, nil
	case "clean_orders":
		return "", 0, errors.New("boom")
	}
	return "shipped\n", 0, nil
}

func TestCronCounts(t *testing.T) {
	h := newTestHandler(t, func(c *Config) { c.Cron = cronAdapter{} })
	m := envelope(t, call(t, h, "action=cron&jobs[0][job_name]=set_shipping_completed&jobs[1][job_name]=cancel_orders&jobs[2][job_name]=clean_orders", true))
	wantError(t, m, 0, "")
	if m["execution_error_count"].(float64) != 3 {
		t.Errorf("count = %v", m["execution_error_count"])
	}
	msg := m["message"].(string)
	if !strings.Contains(msg, "2 errors occurred while executing cron job 'cancel_orders'\n") || !strings.HasSuffix(msg, `Job aborted: "internal error"`) {
		t.Errorf("message = %q", msg)
	}
}

func TestLogFiles(t *testing.T) {
	h := newTestHandler(t, nil)
	// debug_log=1 fills the debug log; a later debug request flushes it.
	wantError(t, envelope(t, call(t, h, "action=ping&debug_log=1&trace_id=first", true)), 0, "")
	wantError(t, envelope(t, call(t, h, "action=ping&debug_log=1&trace_id=second", true)), 0, "")
	d, _ := h.Logs("").ReadAll(logs.Debug)
	if strings.Contains(string(d), "first") || !strings.Contains(string(d), "second") {
		t.Errorf("debug log = %s", d)
	}
	// get_log_file never touches the debug log, even with debug_log=1.
	rec := call(t, h, "action=get_log_file&log_type=debug&debug_log=1&lines=100", true)
	if rec.Header().Get("Content-Type") != "text/plain; charset=UTF-8" || rec.Body.String() != string(d) {
		t.Errorf("get_log_file = %q %q", rec.Header().Get("Content-Type"), rec.Body)
	}
	after, _ := h.Logs("").ReadAll(logs.Debug)
	if string(after) != string(d) {
		t.Error("get_log_file changed the debug log")
	}
	// The access-log entry of the get_log_file request itself is included.
	rec = call(t, h, "action=get_log_file&log_type=access&lines=1&trace_id=tail-me", true)
	if !strings.Contains(rec.Body.String(), "tail-me") {
		t.Errorf("tail = %q", rec.Body)
	}
	// A request without debug_log writes nothing there.
	wantError(t, envelope(t, call(t, h, "action=clear_log_file&log_type=debug", true)), 0, "")
	wantError(t, envelope(t, call(t, h, "action=ping", true)), 0, "")
	d, _ = h.Logs("").ReadAll(logs.Debug)
	if len(d) != 0 {
		t.Errorf("debug written without debug_log: %s", d)
	}
	if _, err := os.Stat(h.Logs("").Path(logs.Debug)); err != nil {
		t.Error("clear_log_file removed the file")
	}
}

// TestSecretsNeverLogged calls an action with a password and greps all
// four logs for it.
func TestSecretsNeverLogged(t *testing.T) {
	const pw = "S3cret!pw"
	h := newTestHandler(t, func(c *Config) {
		c.Shops[0].Enable["get_customer"] = true
		c.Customers = failingAdapter{}
	})
	call(t, h, "action=get_customer&user=max%40example.com&pass=S3cret%21pw&debug_log=1&nested[password]=S3cret%21pw", true)
	call(t, h, "action=get_customer&user=max&pass=S3cret%21pw&trace_id=x", false)
	// set_settings names the secret in a sibling field, not in the key.
	call(t, h, "action=set_settings&shopgate_settings[0][name]=apikey&shopgate_settings[0][value]=S3cret%21pw"+
		"&shopgate_settings[1][name]=oauth_access_token&shopgate_settings[1][value]=S3cret%21pw", true)
	for _, lt := range logs.Types {
		b, err := h.Logs("").ReadAll(lt)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), pw) || strings.Contains(string(b), testAPIKey) {
			t.Errorf("%s log contains a secret:\n%s", lt, b)
		}
	}
	access, _ := h.Logs("").ReadAll(logs.Access)
	if !strings.Contains(string(access), "XXXXXXXX") {
		t.Errorf("access log not obfuscated: %s", access)
	}
}

func TestQueryUnderBody(t *testing.T) {
	h := newTestHandler(t, nil)
	e := echo.New()
	h.Mount(e.Group("/api"))
	req := httptest.NewRequest(http.MethodPost, "/api?action=foo&trace_id=q", strings.NewReader("action=ping"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	shopgate.SignRequest(req.Header, "SPA", testCustomer, testAPIKey, testNow)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	m := envelope(t, rec)
	wantError(t, m, 0, "")
	if m["trace_id"] != "q" {
		t.Errorf("trace_id = %v", m["trace_id"])
	}
}

// TestEndToEnd runs the endpoint in a real HTTP server.
func TestEndToEnd(t *testing.T) {
	h := newTestHandler(t, func(c *Config) { c.Now = time.Now })
	req := liveRequest(t, h, "action=ping&trace_id=e2e", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["pong"] != "OK" || m["trace_id"] != "e2e" {
		t.Fatalf("answer %s (%v)", b, err)
	}
	if resp.Header.Get("Content-Length") == "" {
		t.Error("no Content-Length")
	}
}

func BenchmarkPingRoundTrip(b *testing.B) {
	h, err := New(Config{
		Shops:  []ShopConfig{{CustomerNumber: testCustomer, APIKey: testAPIKey, ShopNumber: testShop}},
		LogDir: b.TempDir(),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	e := echo.New()
	h.Mount(e.Group("/shopgate/api"))
	body := "action=ping&trace_id=bench&shop_number=67890"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/shopgate/api", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		shopgate.SignRequest(req.Header, "SPA", testCustomer, testAPIKey, time.Now())
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

type smaFailingOrders struct{ err error }

func (o smaFailingOrders) AddOrder(context.Context, adapters.Shop, string) (adapters.OrderRef, error) {
	return adapters.OrderRef{}, o.err
}

func (o smaFailingOrders) UpdateOrder(context.Context, adapters.Shop, string, bool, bool) (adapters.OrderRef, error) {
	return adapters.OrderRef{}, o.err
}

// TestMerchantAPIErrorsBecome10x: errors of the Merchant API client keep
// their own code space and surface as 100/101/102 (docs/protocol/plugin-api.md#merchant-api-codes-inside-102).
func TestMerchantAPIErrorsBecome10x(t *testing.T) {
	tests := []struct {
		err  error
		code int
		text string
	}{
		{fmt.Errorf("import: %w", &shopgate.MerchantAPIError{Action: "get_orders", Code: 201, Text: "order not found"}), 102,
			`error code received: "201 - order not found"`},
		{&shopgate.CallError{Action: "get_orders", Kind: shopgate.ErrNoConnection}, 100, "no connection to server"},
		{shopgate.DatabaseError("insert", errors.New("deadlock")), 83, "database error"},
	}
	for _, tt := range tests {
		h := newTestHandler(t, func(c *Config) {
			c.Shops[0].Enable["add_order"] = true
			c.Orders = smaFailingOrders{tt.err}
		})
		wantError(t, envelope(t, call(t, h, "action=add_order&order_number=1001", true)), tt.code, tt.text)
	}
}

// FuzzWriteJSON: the string fast path of the envelope writer always
// produces JSON that decodes to the original (valid UTF-8) string.
func FuzzWriteJSON(f *testing.F) {
	for _, s := range []string{"", "plain", `quo"te`, `back\slash`, "tab\there", "ümlaut", "<b>&", "\x00", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		writeJSON(&buf, s)
		var back string
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatalf("%q encoded as %s: %v", s, buf.Bytes(), err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("%q came back as %q", s, back)
		}
	})
}

// TestEnvelopeKeyOrder checks the wire bytes: error, error_text, trace_id,
// shopgate_library_version and plugin_version lead, in this order, and
// the payload follows in its own order (docs/protocol/plugin-api.md#envelope).
func TestEnvelopeKeyOrder(t *testing.T) {
	h := newTestHandler(t, nil)
	lead := func(code, text, trace string) string {
		return `{"error":` + code + `,"error_text":` + text + `,"trace_id":` + trace +
			`,"shopgate_library_version":"2.10.3","plugin_version":"` + Version + `"`
	}
	tests := []struct{ body, prefix string }{
		{"action=foo&trace_id=abc", lead("21", `"unknown action requested"`, `"abc"`) + "}"},
		{"action=ping", lead("0", "null", "null") + `,"pong":"OK","configuration":`},
		{"action=ping&trace_id[a]=1", lead("0", "null", "null") + `,"pong":"OK",`},
		{"action=set_settings&shopgate_settings[0][name]=alias&shopgate_settings[0][value]=b", lead("0", "null", "null") +
			`,"shopgate_settings":[{"name":"alias","old":"my-shop","new":"b"}]}`},
	}
	for _, tt := range tests {
		if got := call(t, h, tt.body, true).Body.String(); !strings.HasPrefix(got, tt.prefix) {
			t.Errorf("%s:\n got %s\nwant %s…", tt.body, got, tt.prefix)
		}
	}
}

// TestCronAbortText: an aborted job's text is quoted as the SDK quotes it,
// with the inner quotes of the error text left alone.
func TestCronAbortText(t *testing.T) {
	h := newTestHandler(t, func(c *Config) { c.Cron = sentCron{} })
	m := envelope(t, call(t, h, "action=cron&jobs[0][job_name]=set_shipping_completed", true))
	if got := m["message"]; got != `Job aborted: "order status is "sent""` {
		t.Errorf("message = %q", got)
	}
}

type sentCron struct{}

func (sentCron) RunCronJob(context.Context, adapters.Shop, string, map[string]any) (string, int, error) {
	return "", 0, shopgate.NewAPIError(shopgate.CodeOrderStatusIsSent, "")
}

// TestUnparsableBody: a broken percent-escape is no decoding error (PHP's
// urldecode keeps it literally, issue 16 item 2); a body that cannot be
// decoded at all (multipart without boundary) is rejected as malformed,
// not as too large.
func TestUnparsableBody(t *testing.T) {
	h := newTestHandler(t, nil)
	wantError(t, envelope(t, call(t, h, "action=ping&x=%zz", true)), 0, "")
	m := envelope(t, send(t, h, shapeRequest{body: "action=ping", query: "trace_id=q", contentType: "multipart/form-data"}))
	wantError(t, m, 999, `Unknown error code: "malformed request"`)
	if m["trace_id"] != "q" {
		t.Errorf("trace_id = %v", m["trace_id"])
	}
}

func TestClearCacheDeletesInsideCacheDir(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "keywords.txt")
	if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newTestHandler(t, func(c *Config) { c.CacheDir = dir; c.Info = cacheInfo{f} })
	wantError(t, envelope(t, call(t, h, "action=clear_cache", true)), 0, "")
	if _, err := os.Stat(f); !os.IsNotExist(err) {
		t.Errorf("cache file still there: %v", err)
	}
}
