package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/internal/testdb"
)

// backends lists the databases the shop runs on: its embedded SQLite and
// PostgreSQL (skipped without TEST_DATABASE_URL, failing under CI).
var backends = []struct {
	name string
	open func(t *testing.T) *gorm.DB
}{
	{"sqlite", openSQLite},
	{"postgres", func(t *testing.T) *gorm.DB { return testdb.New(t) }},
}

// openSQLite opens a fresh SQLite file in the test's temp dir, configured
// as the shop configures it.
func openSQLite(t *testing.T) *gorm.DB {
	t.Helper()
	return testdb.OpenSQLite(t, sqliteDSN(filepath.Join(t.TempDir(), "shop.db")))
}

// forEachBackend runs f as a subtest on every database.
func forEachBackend(t *testing.T, f func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, b.open(t))
		})
	}
}

// newTestApp builds the shop on db with the demo catalogue.
func newTestApp(t *testing.T, db *gorm.DB) *App {
	t.Helper()
	return newTestAppWith(t, db, nil)
}

// newTestAppWith is newTestApp with the configuration changed by mod.
func newTestAppWith(t *testing.T, db *gorm.DB, mod func(*Config)) *App {
	t.Helper()
	cfg := Config{Log: testLogger(t), Demo: true, PublicURL: "http://shop.test", SeedDemo: true, DataDir: t.TempDir(), AdminPassword: testAdminPassword}
	if mod != nil {
		mod(&cfg)
	}
	a, err := NewApp(db, cfg)
	if err != nil {
		t.Fatalf("NewApp: %v", err)
	}
	t.Cleanup(a.Close)
	return a
}

// testLogger logs warnings and errors to t until the test ends, and
// drops them afterwards: integrations may still finish asynchronous work
// then, and testing.T must not be used after its test.
func testLogger(t *testing.T) *zap.Logger {
	t.Helper()
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return zaptest.NewLogger(w, zaptest.Level(zap.WarnLevel))
}

// testWriter is a zaptest.TestingT that goes quiet when the test ends.
type testWriter struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

// Logf implements zaptest.TestingT.
func (w *testWriter) Logf(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Logf(format, args...)
	}
}

// Errorf implements zaptest.TestingT.
func (w *testWriter) Errorf(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Errorf(format, args...)
	}
}

// Fail implements zaptest.TestingT.
func (w *testWriter) Fail() { w.t.Fail() }

// Failed implements zaptest.TestingT.
func (w *testWriter) Failed() bool { return w.t.Failed() }

// FailNow implements zaptest.TestingT.
func (w *testWriter) FailNow() { w.t.FailNow() }

// Name implements zaptest.TestingT.
func (w *testWriter) Name() string { return w.t.Name() }

// testAdminPassword is the control panel password of test apps.
const testAdminPassword = "test-admin-pw"

// browser is an HTTP client with cookies against a running shop.
type browser struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

// newBrowser starts the app's server and returns a client for it.
func newBrowser(t *testing.T, a *App) *browser {
	t.Helper()
	srv := httptest.NewServer(a.Echo)
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, srv: srv, c: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // tests look at redirects themselves
		},
	}}
}

// do sends a request and returns status, Location header and body.
func (b *browser) do(method, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var body io.Reader
	admin := strings.HasPrefix(path, "/admin")
	if admin && method == http.MethodPost {
		// The control panel's forms carry its CSRF token (the cookie's value).
		form = withCSRF(b, form)
	}
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if admin {
		req.SetBasicAuth("admin", testAdminPassword)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Location"), string(data)
}

// withCSRF adds the control panel's CSRF token to form, loading a panel
// page first when the browser has no token cookie yet.
func withCSRF(b *browser, form url.Values) url.Values {
	b.t.Helper()
	u, _ := url.Parse(b.srv.URL + "/admin/")
	token := func() string {
		for _, c := range b.c.Jar.Cookies(u) {
			if c.Name == "shopbridge_panel_csrf" {
				return c.Value
			}
		}
		return ""
	}
	if token() == "" {
		b.get("/admin/", http.StatusOK)
	}
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Set("_csrf", token())
	return out
}

// get fetches path and fails the test unless the status is want.
func (b *browser) get(path string, want int) string {
	b.t.Helper()
	code, _, body := b.do(http.MethodGet, path, nil)
	if code != want {
		b.t.Fatalf("GET %s: status %d, want %d\n%s", path, code, want, body)
	}
	return body
}

// post submits a form and fails unless the status is want; it returns the
// Location header and the body.
func (b *browser) post(path string, form url.Values, want int) (string, string) {
	b.t.Helper()
	code, loc, body := b.do(http.MethodPost, path, form)
	if code != want {
		b.t.Fatalf("POST %s: status %d, want %d\n%s", path, code, want, body)
	}
	return loc, body
}

// productID returns the id of the product with the given number.
func productID(t *testing.T, db *gorm.DB, number string) uint {
	t.Helper()
	var p Product
	if err := db.Where("number = ?", number).Take(&p).Error; err != nil {
		t.Fatalf("product %s: %v", number, err)
	}
	return p.ID
}

// categoryID returns the id of the category with the given slug.
func categoryID(t *testing.T, db *gorm.DB, slug string) uint {
	t.Helper()
	var c Category
	if err := db.Where("slug = ?", slug).Take(&c).Error; err != nil {
		t.Fatalf("category %s: %v", slug, err)
	}
	return c.ID
}

// containsInOrder reports whether s contains every part, in this order.
func containsInOrder(s string, parts ...string) bool {
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

func TestMain(m *testing.M) {
	// bcrypt at its default cost takes seconds per hash under -race.
	passwordCost = bcrypt.MinCost
	os.Exit(m.Run())
}
