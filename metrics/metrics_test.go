package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters/gormstore"
	"github.com/shopbridge/shopbridge/adapters/pglogs"
	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/metrics"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/settingsync"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/logs"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

const (
	spaKey = "deadbeefcafe00112233"
	spaCN  = "10001"
)

// scrape GETs /metrics and returns the raw text and the parsed families.
func scrape(t testing.TB, e *echo.Echo) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body)
	}
	raw := rec.Body.String()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, raw)
	}
	return raw, fams
}

func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("family %s missing", name)
	}
next:
	for _, m := range f.Metric {
		for k, v := range labels {
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("%s%v not found", name, labels)
	return 0
}

func newOutboxDB(t testing.TB, db *gorm.DB) {
	t.Helper()
	if err := db.AutoMigrate(&gormmodels.OutboxJob{}); err != nil {
		t.Fatal(err)
	}
}

// Every family appears after real traffic through the hooks, and no
// credential appears anywhere in the scrape.
func TestScrapeShowsFamiliesAndNoSecrets(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var db *gorm.DB
			if backend == "sqlite" {
				db = testdb.SQLite(t)
			} else {
				db = testdb.New(t)
			}
			newOutboxDB(t, db)
			m, err := metrics.New(metrics.Config{DB: db})
			if err != nil {
				t.Fatal(err)
			}
			e := echo.New()
			m.Mount(e.Group(""))

			// Plugin API: a ping, an unknown action and a wrong signature.
			h, err := pluginapi.New(pluginapi.Config{
				Shops:   []pluginapi.ShopConfig{{CustomerNumber: spaCN, ShopNumber: "20001", APIKey: spaKey}},
				LogDir:  t.TempDir(),
				Observe: m.PluginAPI,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			h.Mount(e.Group("/shopgate/api"))
			for _, body := range []string{"action=ping", "action=" + spaKey, "action=get_items"} {
				req := httptest.NewRequest(http.MethodPost, "/shopgate/api", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				shopgate.SignRequest(req.Header, shopgate.PrefixSPA, spaCN, spaKey, time.Now())
				e.ServeHTTP(httptest.NewRecorder(), req)
			}
			m.PluginAPI("get_items", 0, 1234, 2*time.Second)

			// Merchant API through the fake, one success and one failure.
			sg := shopgatetest.NewServer()
			defer sg.Close()
			cfg := sg.ClientConfig()
			cfg.Observe = m.MerchantAPI
			sc, err := shopgate.NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = sc.GetItems(context.Background(), shopgate.ItemFilter{})
			_, _ = sc.DeleteItem(context.Background(), "no-such-item")

			// DropHero through the fake.
			dh := dropherotest.NewServer(dropherotest.WithoutRateLimit())
			defer dh.Close()
			dcfg := dh.ClientConfig()
			dcfg.Gate = &drophero.MemoryGate{Gap: time.Millisecond}
			dcfg.Observe, dcfg.GateWait = m.DropHero, m.DropHeroGateWait
			dc, err := drophero.NewClient(dcfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := dc.ShippingModes(context.Background()); err != nil {
				t.Fatal(err)
			}

			// Redirect decisions.
			m.RedirectCounters().Redirected.Inc()

			// Outbox: two pending, one dead.
			if err := db.Transaction(func(tx *gorm.DB) error {
				for _, k := range []string{"shopgate.cancel", "shopgate.cancel", "drophero.order"} {
					if err := outbox.Enqueue(tx, outbox.Job{Kind: k, Payload: map[string]string{"token": "callback-token-secret"}}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			db.Model(&gormmodels.OutboxJob{}).Where("kind = ?", "drophero.order").Update("state", gormmodels.OutboxDead)

			raw, fams := scrape(t, e)
			if v := value(t, fams, "shopbridge_pluginapi_requests_total", map[string]string{"action": "ping", "code": "0"}); v != 1 {
				t.Errorf("ping requests = %v", v)
			}
			if v := value(t, fams, "shopbridge_pluginapi_requests_total", map[string]string{"action": "unknown", "code": "21"}); v != 1 {
				t.Errorf("unknown action requests = %v", v)
			}
			value(t, fams, "shopbridge_pluginapi_request_duration_seconds", map[string]string{"action": "ping"})
			if v := value(t, fams, "shopbridge_export_records_total", map[string]string{"action": "get_items"}); v != 1234 {
				t.Errorf("export records = %v", v)
			}
			value(t, fams, "shopbridge_export_duration_seconds", map[string]string{"action": "get_items"})
			value(t, fams, "shopbridge_merchantapi_calls_total", map[string]string{"action": "get_items", "outcome": "ok"})
			value(t, fams, "shopbridge_merchantapi_calls_total", map[string]string{"action": "delete_item", "outcome": "api_error"})
			value(t, fams, "shopbridge_merchantapi_call_duration_seconds", map[string]string{"action": "get_items"})
			value(t, fams, "shopbridge_drophero_requests_total", map[string]string{"outcome": "ok"})
			value(t, fams, "shopbridge_drophero_request_duration_seconds", nil)
			if v := value(t, fams, "shopbridge_drophero_gate_wait_seconds", nil); v != 1 {
				t.Errorf("gate waits = %v", v)
			}
			if v := value(t, fams, "shopbridge_redirect_decisions_total", map[string]string{"outcome": "redirected"}); v != 1 {
				t.Errorf("redirects = %v", v)
			}
			if v := value(t, fams, "shopbridge_outbox_backlog_jobs", map[string]string{"kind": "shopgate.cancel"}); v != 2 {
				t.Errorf("backlog = %v", v)
			}
			if v := value(t, fams, "shopbridge_outbox_dead_jobs", map[string]string{"kind": "drophero.order"}); v != 1 {
				t.Errorf("dead = %v", v)
			}
			if v := value(t, fams, "shopbridge_outbox_oldest_pending_age_seconds", map[string]string{"kind": "shopgate.cancel"}); v < 0 || v > 600 {
				t.Errorf("age = %v", v)
			}
			for _, secret := range []string{spaKey, sg.APIKey(), dropherotest.DefaultSecretKey, dropherotest.DefaultPublicKey, "callback-token-secret"} {
				if strings.Contains(raw, secret) {
					t.Errorf("scrape contains secret %q", secret)
				}
			}
			for name := range fams {
				if !strings.HasPrefix(name, "shopbridge_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") && !strings.HasPrefix(name, "promhttp_") {
					t.Errorf("family %s outside the shopbridge_ prefix", name)
				}
			}
		})
	}
}

// A closed database makes the outbox families fail alone; the rest of the
// scrape is served.
func TestScrapeWithDatabaseDown(t *testing.T) {
	db := testdb.SQLite(t)
	newOutboxDB(t, db)
	m, err := metrics.New(metrics.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	sqlDB.Close()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "go_goroutines") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// BenchmarkScrapeOutbox100k measures one /metrics scrape with 100,000
// outbox rows on PostgreSQL in 8 kinds: "mostly-done" has 20,000 pending
// and 1,000 dead jobs, the rest done; "all-waiting" has 99,000 pending and
// 1,000 dead (a long outage). The table is vacuumed first, as autovacuum
// keeps it. "with-backlog-index" adds an index on (state, kind, created_at)
// that the grouped backlog query can use as an index-only scan, to compare
// (docs/architecture.md#operations: it is not part of the schema because it
// measured no gain).
func BenchmarkScrapeOutbox100k(b *testing.B) {
	for _, tc := range []struct{ name, state string }{
		{"mostly-done", "CASE WHEN i % 100 = 0 THEN 'dead' WHEN i % 5 = 0 THEN 'pending' ELSE 'done' END"},
		{"all-waiting", "CASE WHEN i % 100 = 0 THEN 'dead' ELSE 'pending' END"},
	} {
		b.Run(tc.name, func(b *testing.B) { benchScrape(b, tc.state, false) })
		b.Run(tc.name+"/with-backlog-index", func(b *testing.B) { benchScrape(b, tc.state, true) })
	}
}

func benchScrape(b *testing.B, stateExpr string, backlogIndex bool) {
	db := testdb.New(b)
	newOutboxDB(b, db)
	now := time.Now().UTC()
	err := db.Exec(`INSERT INTO shopbridge_outbox_jobs (kind, coalesce_key, payload, state, not_before, attempts, claim_token, last_error, created_at, updated_at)
SELECT 'kind.' || (i % 8), '', '{}', `+stateExpr+`,
  ?, 0, '', '', ?::timestamptz - make_interval(secs => i), ?
FROM generate_series(1, 100000) AS i`, now, now, now).Error
	if err != nil {
		b.Fatal(err)
	}
	if backlogIndex {
		if err := db.Exec("CREATE INDEX ix_bench_outbox_backlog ON shopbridge_outbox_jobs (state, kind, created_at)").Error; err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Exec("VACUUM ANALYZE shopbridge_outbox_jobs").Error; err != nil {
		b.Fatal(err)
	}
	m, err := metrics.New(metrics.Config{DB: db})
	if err != nil {
		b.Fatal(err)
	}
	e := echo.New()
	m.Mount(e.Group(""))
	raw, fams := scrape(b, e)
	if f := fams["shopbridge_outbox_backlog_jobs"]; f == nil || len(f.Metric) != 8 {
		b.Fatalf("backlog families: %v\n%s", f, raw)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != 200 || !bytes.Contains(rec.Body.Bytes(), []byte("shopbridge_outbox_dead_jobs")) {
			b.Fatal(fmt.Sprint(rec.Code))
		}
	}
}

// DropHero attempts the gate held back or ended unsent are counted
// (shopbridge_drophero_gate_delayed_total, _gate_refused_total{reason}).
func TestDropHeroGateDelaysAndRefusalsCounted(t *testing.T) {
	m, err := metrics.New(metrics.Config{DB: testdb.SQLite(t)})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	m.Mount(e.Group(""))
	dh := dropherotest.NewServer(dropherotest.WithoutRateLimit())
	defer dh.Close()
	dcfg := dh.ClientConfig()
	dcfg.Gate = &drophero.MemoryGate{Gap: 300 * time.Millisecond, BanPause: time.Hour}
	dcfg.Retries = -1
	dcfg.Observe, dcfg.GateWait, dcfg.GateRefused = m.DropHero, m.DropHeroGateWait, m.DropHeroGateRefused
	dc, err := drophero.NewClient(dcfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 2; i++ { // the second waits for the gap
		if _, err := dc.ShippingModes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	dh.FailNext("/v1/shipping", dropherotest.Status(403))
	if _, err := dc.ShippingModes(ctx); !errors.Is(err, drophero.ErrBanned) {
		t.Fatalf("403: %v", err)
	}
	if _, err := dc.ShippingModes(ctx); !errors.Is(err, drophero.ErrBanned) { // refused by the open circuit
		t.Fatalf("after the ban: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := dc.ShippingModes(cancelled); err == nil {
		t.Fatal("a cancelled call went through")
	}
	_, fams := scrape(t, e)
	if v := value(t, fams, "shopbridge_drophero_gate_delayed_total", nil); v < 1 {
		t.Errorf("delayed = %v, want ≥ 1", v)
	}
	if v := value(t, fams, "shopbridge_drophero_gate_refused_total", map[string]string{"reason": "circuit_open"}); v < 1 {
		t.Errorf("refused by the circuit = %v, want ≥ 1", v)
	}
	if v := value(t, fams, "shopbridge_drophero_gate_refused_total", map[string]string{"reason": "gate_error"}); v != 0 {
		t.Errorf("gate errors = %v, want 0", v)
	}
	if v := value(t, fams, "shopbridge_drophero_requests_total", map[string]string{"outcome": "ok"}); v != 2 {
		t.Errorf("sent ok = %v, want 2", v)
	}
}

// The settings watcher and the shared Plugin API log store are visible:
// a real watcher and a real log store on PostgreSQL, whose writes succeed
// and then fail (docs/operations.md#settings-watcher-state).
func TestSettingsAndPluginLogFamilies(t *testing.T) {
	db := testdb.New(t)
	if err := gormmodels.Migrate(db); err != nil {
		t.Fatal(err)
	}
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := settingsync.New(settingsync.Config{DB: db, Version: gormstore.Settings{DB: db}.Version,
		Apply: func(context.Context) error { return nil }, OnApply: m.SettingsApplied})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WatchSettings(func() metrics.SettingsState {
		st := w.State()
		return metrics.SettingsState{Listening: st.Listening, LastApplied: st.LastApplied}
	}); err != nil {
		t.Fatal(err)
	}
	store, err := pglogs.New(pglogs.Config{DB: db, Process: "web-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	if err := m.WatchPluginLogs(func() metrics.PluginLogStats {
		st := store.Stats()
		return metrics.PluginLogStats{Written: st.Written, Dropped: st.Dropped, Failed: st.Failed, Failing: st.Failing}
	}); err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	m.Mount(e.Group(""))

	_, fams := scrape(t, e)
	if v := value(t, fams, "shopbridge_settings_listening", nil); v != 0 {
		t.Errorf("listening before Run: %v", v)
	}
	if v := value(t, fams, "shopbridge_settings_applied_total", map[string]string{"cause": "notify", "outcome": "ok"}); v != 0 {
		t.Errorf("applied before Run: %v", v)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	// LISTEN up, then the catch-up apply it triggers.
	eventuallyScrape(t, e, "listening and applied once", func(fams map[string]*dto.MetricFamily) bool {
		return value(t, fams, "shopbridge_settings_listening", nil) == 1 &&
			value(t, fams, "shopbridge_settings_applied_total", map[string]string{"cause": "listen", "outcome": "ok"}) >= 1 &&
			value(t, fams, "shopbridge_settings_last_applied_timestamp_seconds", nil) > float64(time.Now().Add(-time.Hour).Unix())
	})

	sink := store.Sink("")
	sink.Write(logs.Access, time.Now(), []byte("written line\n"))
	if err := store.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`ALTER TABLE shopbridge_plugin_log_lines RENAME TO shopbridge_plugin_log_lines_away`).Error; err != nil {
		t.Fatal(err)
	}
	sink.Write(logs.Access, time.Now(), []byte("failed line\n"))
	if err := store.Flush(context.Background()); err == nil {
		t.Fatal("flush succeeded without the table")
	}
	_, fams = scrape(t, e)
	for _, tc := range []struct {
		outcome string
		want    float64
	}{{"written", 1}, {"failed", 1}, {"dropped", 0}} {
		if got := value(t, fams, "shopbridge_plugin_log_lines_total", map[string]string{"outcome": tc.outcome}); got != tc.want {
			t.Errorf("plugin log lines %s = %v, want %v", tc.outcome, got, tc.want)
		}
	}
	if got := value(t, fams, "shopbridge_plugin_log_failing", nil); got != 1 {
		t.Errorf("failing = %v, want 1", got)
	}
	// After Close lines are dropped, not failed.
	if err := store.Close(context.Background()); err != nil {
		t.Logf("close: %v", err)
	}
	sink.Write(logs.Access, time.Now(), []byte("late line\n"))
	_, fams = scrape(t, e)
	if got := value(t, fams, "shopbridge_plugin_log_lines_total", map[string]string{"outcome": "dropped"}); got != 1 {
		t.Errorf("dropped after close = %v, want 1", got)
	}
}

// eventuallyScrape scrapes until cond holds, with a generous deadline.
func eventuallyScrape(t *testing.T, e *echo.Echo, what string, cond func(map[string]*dto.MetricFamily) bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, fams := scrape(t, e)
		if cond(fams) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within 60 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
