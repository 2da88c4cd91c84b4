package pprof

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// guard admits requests with the header X-Admin: yes.
func guard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Header.Get("X-Admin") != "yes" {
			return echo.NewHTTPError(http.StatusUnauthorized)
		}
		return next(c)
	}
}

func get(t *testing.T, srv *httptest.Server, path string, admin bool) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if admin {
		req.Header.Set("X-Admin", "yes")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b), res.Header
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("no guard: want an error")
	}
	if _, err := New(Config{Unguarded: true}); err != nil {
		t.Errorf("unguarded: %v", err)
	}
	if _, err := New(Config{Guard: guard, Prefix: "debug"}); err == nil {
		t.Error("relative prefix: want an error")
	}
}

func TestServesProfilesBehindTheGuard(t *testing.T) {
	e := echo.New()
	h, err := New(Config{Guard: guard, MaxSeconds: 2})
	if err != nil {
		t.Fatal(err)
	}
	h.Mount(e.Group("/admin"))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)

	for _, p := range []string{"/admin/debug/pprof/", "/admin/debug/pprof/heap", "/admin/debug/pprof/profile?seconds=1"} {
		if code, _, _ := get(t, srv, p, false); code != http.StatusUnauthorized {
			t.Errorf("%s without login: %d, want 401", p, code)
		}
	}
	code, body, _ := get(t, srv, "/admin/debug/pprof/", true)
	if code != http.StatusOK || !strings.Contains(body, `href="goroutine?debug=1"`) || !strings.Contains(body, "heap") {
		t.Errorf("index: %d %s", code, body)
	}
	if code, _, hd := get(t, srv, "/admin/debug/pprof", true); code != http.StatusFound || hd.Get("Location") != "/admin/debug/pprof/" {
		t.Errorf("prefix without slash: %d %v", code, hd)
	}
	if code, body, _ := get(t, srv, "/admin/debug/pprof/goroutine?debug=2", true); code != http.StatusOK || !strings.Contains(body, "goroutine ") {
		t.Errorf("goroutine: %d %.200s", code, body)
	}
	if code, body, _ := get(t, srv, "/admin/debug/pprof/heap?debug=1&gc=1", true); code != http.StatusOK || !strings.Contains(body, "heap profile") {
		t.Errorf("heap: %d %.200s", code, body)
	}
	// Binary profiles are gzip-compressed protocol buffers.
	if code, body, _ := get(t, srv, "/admin/debug/pprof/allocs", true); code != http.StatusOK || !strings.HasPrefix(body, "\x1f\x8b") {
		t.Errorf("allocs: %d %q", code, body[:min(len(body), 20)])
	}
	if code, body, _ := get(t, srv, "/admin/debug/pprof/profile?seconds=1", true); code != http.StatusOK || !strings.HasPrefix(body, "\x1f\x8b") {
		t.Errorf("profile: %d %q", code, body[:min(len(body), 20)])
	}
	if code, body, _ := get(t, srv, "/admin/debug/pprof/trace?seconds=1", true); code != http.StatusOK || len(body) == 0 {
		t.Errorf("trace: %d, %d bytes", code, len(body))
	}
	if code, _, _ := get(t, srv, "/admin/debug/pprof/profile?seconds=3", true); code != http.StatusBadRequest {
		t.Errorf("profile beyond MaxSeconds: %d, want 400", code)
	}
	if code, _, _ := get(t, srv, "/admin/debug/pprof/nosuch", true); code != http.StatusNotFound {
		t.Errorf("unknown profile: %d, want 404", code)
	}
	if code, _, _ := get(t, srv, "/debug/pprof/", true); code != http.StatusNotFound {
		t.Errorf("outside the group: %d, want 404", code)
	}
	// Nothing lands on the default mux.
	rec := httptest.NewRecorder()
	http.DefaultServeMux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("http.DefaultServeMux serves /debug/pprof/: %d", rec.Code)
	}
}
