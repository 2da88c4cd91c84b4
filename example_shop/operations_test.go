package main

import (
	"bytes"
	"context"
	"fmt"
	"gorm.io/gorm"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/gormmodels"
)

// serveApp runs a's server on a loopback port until the test ends and
// returns its base URL.
func serveApp(t *testing.T, a *App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.ServeListener(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String()
}

// The start-up logs (demo mode, banner included) name every URL but never
// the API key, the DropHero secret or a callback token.
func TestStartupLogsCarryNoSecrets(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	var buf syncBuffer
	log := zap.New(zapcore.NewTee(core, zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&buf), zap.DebugLevel)))
	keyFile := filepath.Join(t.TempDir(), "conf", "shopbridge-secret.key")
	a := newTestAppWith(t, openSQLite(t), func(c *Config) {
		c.Log = log
		c.KeyFile = keyFile
		c.DropHeroFake = []dropherotest.Option{dropherotest.WithoutRateLimit()}
	})
	base := serveApp(t, a)
	deadline := time.Now().Add(10 * time.Second)
	for logs.FilterMessage("shop is listening").Len() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	banner := logs.FilterMessage("shop is listening").All()
	if len(banner) != 1 {
		t.Fatalf("%d banners", len(banner))
	}
	f := banner[0].ContextMap()
	for _, k := range []string{"storefront", "admin", "plugin_api", "metrics", "readiness", "demo_customer_login"} {
		if f[k] == nil || f[k] == "" {
			t.Errorf("banner without %s: %v", k, f)
		}
	}
	if f["addr"] != strings.TrimPrefix(base, "http://") {
		t.Errorf("banner addr %v, bound %s", f["addr"], base)
	}
	// The key file is created 0600 outside the data directory and its
	// location is logged.
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	if !strings.Contains(buf.String(), keyFile) {
		t.Error("key file location not logged")
	}
	key, _ := os.ReadFile(keyFile)
	var st gormmodels.DropHeroSettings
	a.DB.First(&st)
	secrets := map[string]string{
		"Shopgate API key":     demoAPIKey,
		"DropHero secret key":  dropherotest.DefaultSecretKey,
		"key-encryption key":   strings.TrimSpace(string(key)),
		"callback token (enc)": st.TokenEnc,
		"callback token hash":  st.TokenHash,
	}
	if v, ok := dropHeroOf.Load(a); ok {
		if dst, err := v.(*dropHeroState).svc.Status(context.Background()); err == nil {
			for k, u := range dst.CallbackURLs {
				// The token is the path segment before the kind.
				parts := strings.Split(strings.TrimSuffix(u, "/"), "/")
				secrets["callback token "+k] = parts[len(parts)-2]
			}
		}
	}
	for name, s := range secrets {
		if s != "" && strings.Contains(buf.String(), s) {
			t.Errorf("start-up log contains the %s", name)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// /healthz, /readyz (with the outbox workers running) and /metrics answer;
// the scrape shows the shopbridge families, the settings watcher's on
// both databases and, on PostgreSQL, the shared Plugin API log store's
// with LISTEN up (docs/operations.md#settings-watcher-state).
func TestOperationsEndpoints(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) { testOperationsEndpoints(t, db) })
}

func testOperationsEndpoints(t *testing.T, db *gorm.DB) {
	a := newTestApp(t, db)
	base := serveApp(t, a)
	get := func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if path == "/metrics" {
			// The scrape is behind the control panel's login.
			req.SetBasicAuth("admin", testAdminPassword)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("healthz %d %s", code, body)
	}
	var code int
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if code, body = get("/readyz"); code == 200 {
			break
		}
	}
	if code != 200 || !strings.Contains(body, "order worker") {
		t.Fatalf("readyz %d %s", code, body)
	}
	get("/")
	code, body = get("/metrics")
	if code != 200 || !strings.Contains(body, "shopbridge_outbox_backlog_jobs") || !strings.Contains(body, "shopbridge_pluginapi_requests_total") && !strings.Contains(body, "# HELP shopbridge_") {
		t.Fatalf("metrics %d %.500s", code, body)
	}
	families := []string{"shopbridge_settings_listening", "shopbridge_settings_last_applied_timestamp_seconds",
		`shopbridge_settings_applied_total{cause="poll",outcome="ok"}`}
	postgres := db.Dialector.Name() == "postgres"
	if postgres {
		families = append(families, `shopbridge_plugin_log_lines_total{outcome="written"}`,
			`shopbridge_plugin_log_lines_total{outcome="dropped"}`, `shopbridge_plugin_log_lines_total{outcome="failed"}`,
			"shopbridge_plugin_log_failing 0")
	}
	for _, f := range families {
		if !strings.Contains(body, f) {
			t.Errorf("metrics lack %s", f)
		}
	}
	if !postgres && !strings.Contains(body, "shopbridge_settings_listening 0") {
		t.Error("listening on SQLite")
	}
	if postgres {
		// LISTEN comes up in the background, and its catch-up apply.
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if code, body = get("/metrics"); strings.Contains(body, "shopbridge_settings_listening 1") &&
				strings.Contains(body, `shopbridge_settings_applied_total{cause="listen",outcome="ok"} 1`) {
				break
			}
		}
		if !strings.Contains(body, "shopbridge_settings_listening 1") || !strings.Contains(body, `shopbridge_settings_applied_total{cause="listen",outcome="ok"} 1`) {
			t.Errorf("settings watcher not listening on PostgreSQL: %d\n%s", code, grepLines(body, "shopbridge_settings_"))
		}
	}
	if strings.Contains(body, demoAPIKey) || strings.Contains(body, dropherotest.DefaultSecretKey) {
		t.Fatal("metrics carry a secret")
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// /metrics needs the control panel's login.
func TestMetricsNeedAdmin(t *testing.T) {
	a := newTestApp(t, openSQLite(t))
	a.Demo = false
	base := serveApp(t, a)
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous /metrics: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.SetBasicAuth("admin", testAdminPassword)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("admin /metrics: %d", resp.StatusCode)
	}
}

// A request body sent at one byte per interval is cut off by the read
// timeout instead of holding a connection for ever.
func TestSlowBodyIsCutOff(t *testing.T) {
	a := newTestAppWith(t, openSQLite(t), func(c *Config) {
		c.Timeouts = Timeouts{ReadHeader: time.Second, Read: 700 * time.Millisecond, Idle: time.Second}
	})
	base := serveApp(t, a)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const size = 200
	fmt.Fprintf(conn, "POST /shopgate/api HTTP/1.1\r\nHost: shop\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", size)
	start := time.Now()
	cut := false
	for i := 0; i < size; i++ {
		conn.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := conn.Write([]byte("a")); err != nil {
			cut = true
			break
		}
		// Is the connection closed by the server?
		conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		var b [512]byte
		if n, err := conn.Read(b[:]); n > 0 || (err != nil && !isTimeout(err)) {
			cut = true
			break
		}
	}
	el := time.Since(start)
	if !cut || el > 5*time.Second {
		t.Fatalf("slow body not cut off (cut=%v after %v)", cut, el)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// Page routes answer HEAD, so the mobile redirect works for HEAD too.
func TestPagesAnswerHead(t *testing.T) {
	a := newTestApp(t, openSQLite(t))
	base := serveApp(t, a)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		ua   string
		want int
	}{{"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0", 200}, {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148", 301}} {
		req, _ := http.NewRequest(http.MethodHead, base+"/", nil)
		req.Header.Set("User-Agent", tc.ua)
		req.Header.Set("Accept", "text/html")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("HEAD / as %q: %d, want %d", tc.ua, resp.StatusCode, tc.want)
		}
	}
}

// shop.db is created readable by its owner only.
func TestSQLiteFileIsPrivate(t *testing.T) {
	p := filepath.Join(t.TempDir(), "shop.db")
	db, err := openDB("", p, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if s, err := db.DB(); err == nil {
		defer s.Close()
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("shop.db: %v %v", fi, err)
	}
}

// Console logs carry colour codes only for a terminal.
func TestConsoleLoggerColour(t *testing.T) {
	for _, color := range []bool{false, true} {
		var buf bytes.Buffer
		log, _ := newConsoleLogger(zapcore.AddSync(&buf), color)
		log.Info("hello")
		if got := strings.Contains(buf.String(), "\x1b["); got != color {
			t.Errorf("color=%v: escape codes %v in %q", color, got, buf.String())
		}
	}
}
