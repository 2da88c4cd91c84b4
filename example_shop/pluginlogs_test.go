package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopbridge/shopbridge/internal/testdb"
)

// TestPluginLogsSharedAcrossProcesses: two shops on one PostgreSQL (two
// processes behind a load balancer) answer get_log_file with the lines of
// both, tagged, and clear_log_file on one clears it for both
// (docs/operations.md#plugin-api-logs-in-postgresql).
func TestPluginLogsSharedAcrossProcesses(t *testing.T) {
	db := testdb.New(t)
	var srv [2]*httptest.Server
	keyFile := t.TempDir() + "/shared.key" // both processes decrypt the same stored keys
	for i, name := range []string{"web-1", "web-2"} {
		a := newTestAppWith(t, db, func(c *Config) { c.Instance, c.KeyFile = name, keyFile })
		if a.pluginLogStore == nil || !a.sg.Logs.Shared() {
			t.Fatal("PostgreSQL database, but the plugin logs are files")
		}
		srv[i] = httptest.NewServer(a.Echo)
		t.Cleanup(srv[i].Close)
	}
	now := time.Now()
	for i, id := range []string{"e2e-one", "e2e-two"} {
		if code, _, out := callShop(t, srv[i], now, "ping", "trace_id="+id); code != 0 {
			t.Fatalf("ping: %s", out)
		}
	}
	getLog := func(s *httptest.Server) string {
		t.Helper()
		res, raw := signedPost(t, s.URL, url.Values{"action": {"get_log_file"}, "log_type": {"access"}, "lines": {"50"}}, now)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("get_log_file: HTTP %d %s", res.StatusCode, raw)
		}
		return string(raw)
	}
	// web-2 writes its line within a flush interval; wait generously.
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := getLog(srv[0])
		one, two := strings.Index(got, "[web-1] incoming request"), strings.Index(got, "[web-2] incoming request")
		if one >= 0 && two >= 0 && strings.Contains(got, "e2e-one") && strings.Contains(got, "e2e-two") {
			if strings.Index(got, "e2e-one") > strings.Index(got, "e2e-two") {
				t.Errorf("not in time order:\n%s", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("web-1's get_log_file does not show both processes:\n%s", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, _, out := callShop(t, srv[1], now, "clear_log_file", "log_type=access"); code != 0 {
		t.Fatalf("clear_log_file: %s", out)
	}
	if got := getLog(srv[0]); strings.Contains(got, "e2e-one") || strings.Contains(got, "e2e-two") {
		t.Errorf("cleared on web-2, still on web-1:\n%s", got)
	}
}

func TestPluginLogsMode(t *testing.T) {
	t.Run("SQLite keeps files", func(t *testing.T) {
		a := newTestApp(t, openSQLite(t))
		if a.pluginLogStore != nil || a.sg.Logs.Shared() || a.sg.Logs.Dir() == "" {
			t.Error("SQLite shop does not keep its plugin logs in files")
		}
	})
	t.Run("files on PostgreSQL when asked", func(t *testing.T) {
		a := newTestAppWith(t, testdb.New(t), func(c *Config) { c.PluginLogs = PluginLogsFiles })
		if a.pluginLogStore != nil || a.sg.Logs.Shared() {
			t.Error("PluginLogsFiles ignored")
		}
	})
	for _, mode := range []string{PluginLogsPostgres, "syslog"} {
		t.Run("SQLite refuses "+mode, func(t *testing.T) {
			a, err := NewApp(openSQLite(t), Config{Demo: true, DataDir: t.TempDir(), PluginLogs: mode, AdminPassword: testAdminPassword})
			if err == nil {
				a.Close()
				t.Fatal("accepted")
			}
		})
	}
}
