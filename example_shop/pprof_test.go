package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPprofOffByDefault: the profiles are served only with Config.Pprof
// (SHOPBRIDGE_PPROF=1) and then only behind the admin login.
func TestPprofOffByDefault(t *testing.T) {
	get := func(srv *httptest.Server, user, pass string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/admin/debug/pprof/", nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	a := newTestApp(t, openSQLite(t))
	srv := httptest.NewServer(a.Echo)
	t.Cleanup(srv.Close)
	if code, _ := get(srv, "admin", testAdminPassword); code != http.StatusNotFound {
		t.Errorf("default: /admin/debug/pprof/ answered %d, want 404", code)
	}

	b := newTestAppWith(t, openSQLite(t), func(c *Config) { c.Pprof = true })
	srv2 := httptest.NewServer(b.Echo)
	t.Cleanup(srv2.Close)
	if code, _ := get(srv2, "", ""); code != http.StatusUnauthorized {
		t.Errorf("without login: %d, want 401", code)
	}
	if code, _ := get(srv2, "admin", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", code)
	}
	if code, body := get(srv2, "admin", testAdminPassword); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("admin: %d %.300s", code, body)
	}
}

func TestPprofFromEnv(t *testing.T) {
	for env, want := range map[string]bool{"": false, "0": false, "1": true} {
		o, err := parseOptions(nil, func(k string) string {
			if k == "SHOPBRIDGE_PPROF" {
				return env
			}
			return ""
		}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if o.pprof != want {
			t.Errorf("SHOPBRIDGE_PPROF=%q: pprof %v, want %v", env, o.pprof, want)
		}
	}
}
