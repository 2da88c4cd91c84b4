package pglogs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters/pglogs"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/logs"
)

const (
	testCustomer = "12345"
	testAPIKey   = "abcdef0123456789abcd"
	testShop     = "67890"
)

// newDB returns a fresh migrated PostgreSQL database.
func newDB(t testing.TB) *gorm.DB {
	t.Helper()
	db := testdb.New(t)
	if err := gormmodels.Migrate(db); err != nil {
		t.Fatal(err)
	}
	return db
}

// newStore starts a store for process tag on db; the store is closed when
// the test ends.
func newStore(t testing.TB, db *gorm.DB, tag string, mod func(*pglogs.Config)) *pglogs.Store {
	t.Helper()
	cfg := pglogs.Config{DB: db, Process: tag}
	if mod != nil {
		mod(&cfg)
	}
	s, err := pglogs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}

// process is one simulated shop process: its store and Plugin API
// handler mounted on its own Echo.
type process struct {
	store *pglogs.Store
	h     *pluginapi.Handler
	e     *echo.Echo
}

func newProcess(t testing.TB, db *gorm.DB, tag string, log *zap.Logger) *process {
	t.Helper()
	st := newStore(t, db, tag, func(c *pglogs.Config) { c.Logger = log })
	h, err := pluginapi.New(pluginapi.Config{
		Shops: []pluginapi.ShopConfig{{CustomerNumber: testCustomer, APIKey: testAPIKey, ShopNumber: testShop,
			Logs: logs.OpenSink(st.Sink(testShop), logs.Options{})}},
		CacheDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	e := echo.New()
	h.Mount(e.Group("/shopgate/api"))
	return &process{store: st, h: h, e: e}
}

// call sends a signed (or, with auth false, unsigned) Plugin API request.
func (p *process) call(t testing.TB, params url.Values, auth bool) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/shopgate/api", strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth {
		shopgate.SignRequest(req.Header, shopgate.PrefixSPA, testCustomer, testAPIKey, time.Now())
	}
	rec := httptest.NewRecorder()
	p.e.ServeHTTP(rec, req)
	return rec
}

// ping sends an authenticated ping and fails the test unless it answers 0.
func (p *process) ping(t testing.TB, traceID string) {
	t.Helper()
	rec := p.call(t, url.Values{"action": {"ping"}, "trace_id": {traceID}}, true)
	if code := errorCode(t, rec); code != 0 {
		t.Fatalf("ping %s: error %d: %s", traceID, code, rec.Body.String())
	}
}

func errorCode(t testing.TB, rec *httptest.ResponseRecorder) int {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", rec.Code, rec.Body.String())
	}
	var m struct {
		Error int `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("not an envelope: %v: %q", err, rec.Body.String())
	}
	return m.Error
}

// getLog answers get_log_file through p as text; its own access entry
// has trace id "read".
func (p *process) getLog(t testing.TB, kind string, lines int) string {
	t.Helper()
	return p.getLogAs(t, kind, lines, "read")
}

func (p *process) getLogAs(t testing.TB, kind string, lines int, traceID string) string {
	t.Helper()
	rec := p.call(t, url.Values{"action": {"get_log_file"}, "log_type": {kind}, "lines": {strconv.Itoa(lines)}, "trace_id": {traceID}}, true)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("get_log_file: HTTP %d %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	return rec.Body.String()
}

func flush(t testing.TB, stores ...*pglogs.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range stores {
		if err := s.Flush(ctx); err != nil {
			t.Fatalf("flush %s: %v", s.Process(), err)
		}
	}
}

// lineOf returns the line of text that carries trace id id ("" if none).
func lineOf(text, id string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, `"trace_id": "`+id+`"`) {
			return l
		}
	}
	return ""
}

func TestGetLogFileMergesProcesses(t *testing.T) {
	db := newDB(t)
	a := newProcess(t, db, "web-a", nil)
	b := newProcess(t, db, "web-b", nil)
	order := []struct {
		p  *process
		id string
	}{{a, "a1"}, {b, "b1"}, {b, "b2"}, {a, "a2"}, {b, "b3"}}
	for _, c := range order {
		c.p.ping(t, c.id)
		// Each process writes in its own batches, so the rows arrive
		// in another order than they were logged; the read sorts by time.
	}
	flush(t, a.store, b.store)

	got := b.getLogAs(t, "access", 100, "read-b")
	var pos []int
	for _, c := range order {
		l := lineOf(got, c.id)
		if l == "" {
			t.Fatalf("line of %s missing:\n%s", c.id, got)
		}
		tag := "[" + c.p.store.Process() + "] "
		// Same format as the file line, with the tag after the stamp.
		if len(l) < 21 || l[19] != ':' || l[21:21+len(tag)] != tag || !strings.Contains(l, "incoming request") {
			t.Errorf("line of %s not tagged %q after the stamp: %q", c.id, tag, l)
		}
		pos = append(pos, strings.Index(got, l))
	}
	for i := 1; i < len(pos); i++ {
		if pos[i] <= pos[i-1] {
			t.Errorf("%s comes before %s:\n%s", order[i].id, order[i-1].id, got)
		}
	}

	// lines is honoured: the newest two are b's read and this one.
	got = a.getLogAs(t, "access", 2, "read-a")
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 2 || lineOf(got, "read-b") != lines[0] || lineOf(got, "read-a") != lines[1] ||
		!strings.Contains(lines[0], "[web-b]") || !strings.Contains(lines[1], "[web-a]") {
		t.Errorf("lines=2 answered:\n%s", got)
	}
}

func TestClearLogFileClearsEveryProcess(t *testing.T) {
	db := newDB(t)
	a := newProcess(t, db, "web-a", nil)
	b := newProcess(t, db, "web-b", nil)
	a.ping(t, "a1")
	b.ping(t, "b1")
	flush(t, a.store, b.store)
	if got := a.getLog(t, "access", 100); lineOf(got, "a1") == "" || lineOf(got, "b1") == "" {
		t.Fatalf("before clear:\n%s", got)
	}
	// b's newest line is still queued when a clears.
	b.ping(t, "b2")
	flush(t, b.store)
	rec := a.call(t, url.Values{"action": {"clear_log_file"}, "log_type": {"access"}}, true)
	if code := errorCode(t, rec); code != 0 {
		t.Fatalf("clear_log_file: %s", rec.Body.String())
	}
	got := b.getLog(t, "access", 100)
	for _, id := range []string{"a1", "b1", "b2"} {
		if lineOf(got, id) != "" {
			t.Errorf("%s still there after clear from the other process:\n%s", id, got)
		}
	}
	if lineOf(got, "read") == "" {
		t.Errorf("the read's own entry is missing:\n%s", got)
	}
}

// count returns the number of lines of shop and kind in the table.
func count(t testing.TB, db *gorm.DB, kind logs.Type) int64 {
	t.Helper()
	var n int64
	if err := db.Model(&gormmodels.PluginLogLine{}).Where("shop = ? AND kind = ?", testShop, string(kind)).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPruningBoundsTheTable(t *testing.T) {
	db := newDB(t)
	t.Run("by count, automatically", func(t *testing.T) {
		st := newStore(t, db, "p1", func(c *pglogs.Config) { c.MaxLines = 50; c.PruneEvery = 20 * time.Millisecond })
		ls := logs.OpenSink(st.Sink(testShop), logs.Options{})
		for i := 0; i < 400; i++ {
			ls.RequestLogger().Info("line", zap.Int("n", i))
		}
		flush(t, st)
		deadline := time.Now().Add(60 * time.Second)
		for count(t, db, logs.Request) > 50 {
			if time.Now().After(deadline) {
				t.Fatalf("request log still has %d lines, bound 50", count(t, db, logs.Request))
			}
			time.Sleep(50 * time.Millisecond)
		}
		got, err := ls.TailContext(context.Background(), logs.Request, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(got), "\n"); n != 50 || !strings.Contains(string(got), `"n": 399}`) || strings.Contains(string(got), `"n": 349}`) {
			t.Errorf("kept %d lines, not the newest 50:\n%s", n, got)
		}
	})
	t.Run("by age", func(t *testing.T) {
		st := newStore(t, db, "p2", func(c *pglogs.Config) { c.MaxAge = time.Hour; c.MaxLines = -1 })
		sink := st.Sink(testShop)
		sink.Write(logs.Debug, time.Now().Add(-2*time.Hour), []byte("01-01-2026 00:00:00: old\n"))
		sink.Write(logs.Debug, time.Now(), []byte("01-01-2026 00:00:00: new\n"))
		flush(t, st)
		if err := st.Prune(context.Background(), testShop); err != nil {
			t.Fatal(err)
		}
		got, err := sink.Tail(context.Background(), logs.Debug, 10)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "01-01-2026 00:00:00: [p2] new\n" {
			t.Errorf("after pruning by age: %q", got)
		}
	})
	t.Run("by age, automatically, a log nobody writes", func(t *testing.T) {
		if err := db.Exec(`INSERT INTO shopbridge_plugin_log_lines (shop, kind, at, line) VALUES ('idle', 'debug', now() - interval '2 hours', 'old')`).Error; err != nil {
			t.Fatal(err)
		}
		st := newStore(t, db, "p4", func(c *pglogs.Config) { c.MaxAge = time.Hour; c.PruneEvery = 20 * time.Millisecond })
		st.Sink("idle")
		deadline := time.Now().Add(60 * time.Second)
		for {
			var n int64
			if err := db.Model(&gormmodels.PluginLogLine{}).Where("shop = 'idle'").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the old line of an idle log was not pruned")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	t.Run("long lines are cut", func(t *testing.T) {
		st := newStore(t, db, "p3", func(c *pglogs.Config) { c.MaxLineBytes = 100 })
		sink := st.Sink("other")
		sink.Write(logs.Error, time.Now(), []byte("01-01-2026 00:00:00: "+strings.Repeat("x", 5000)+"\n"))
		got, err := sink.Tail(context.Background(), logs.Error, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > 150 || !strings.HasSuffix(string(got), "bytes)\n") {
			t.Errorf("long line stored as %d bytes: %q", len(got), got)
		}
	})
}

// TestPreAuthCapsApplyBeforeTheSink: an unauthenticated ping with a 5 MB
// trace_id adds no more to the shared logs than to the files
// (docs/protocol/plugin-api.md#bounded-logging-of-unauthenticated-requests).
func TestPreAuthCapsApplyBeforeTheSink(t *testing.T) {
	db := newDB(t)
	a := newProcess(t, db, "web-a", nil)
	rec := a.call(t, url.Values{"action": {"ping"}, "trace_id": {strings.Repeat("t", 5<<20)}}, false)
	if code := errorCode(t, rec); code == 0 {
		t.Fatalf("unauthenticated ping answered 0")
	}
	flush(t, a.store)
	var bytes int64
	if err := db.Raw(`SELECT coalesce(sum(length(line)), 0) FROM shopbridge_plugin_log_lines`).Scan(&bytes).Error; err != nil {
		t.Fatal(err)
	}
	if bytes == 0 || bytes > 2<<10 {
		t.Errorf("an unauthenticated 5 MB trace_id added %d bytes to the shared logs, want 1..2048", bytes)
	}
}

func TestDatabaseFailureKeepsServing(t *testing.T) {
	db := newDB(t)
	core, seen := observer.New(zapcore.InfoLevel)
	a := newProcess(t, db, "web-a", zap.New(core))
	a.ping(t, "before")
	flush(t, a.store)

	if err := db.Exec(`ALTER TABLE shopbridge_plugin_log_lines RENAME TO shopbridge_plugin_log_lines_away`).Error; err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		a.ping(t, "during")
		// Several batches fail, one warning.
		if err := a.store.Flush(context.Background()); err == nil {
			t.Fatal("flush succeeded without the table")
		}
	}
	warnings := seen.FilterMessageSnippet("writing to the database failed").All()
	if len(warnings) != 1 || warnings[0].Level != zapcore.WarnLevel {
		t.Fatalf("want exactly one warning, got %v", seen.All())
	}
	if st := a.store.Stats(); !st.Failing || st.Dropped < 5 || st.Failed < 5 || st.Failed > st.Dropped {
		t.Errorf("stats while failing: %+v", st)
	}
	// get_log_file cannot read, and says so with its code, not a crash.
	rec := a.call(t, url.Values{"action": {"get_log_file"}, "log_type": {"access"}}, true)
	if code := errorCode(t, rec); code != shopgate.CodeLogfileOpen {
		t.Errorf("get_log_file without the table: %d %s", code, rec.Body.String())
	}

	if err := db.Exec(`ALTER TABLE shopbridge_plugin_log_lines_away RENAME TO shopbridge_plugin_log_lines`).Error; err != nil {
		t.Fatal(err)
	}
	a.ping(t, "after")
	flush(t, a.store)
	if len(seen.FilterMessageSnippet("database works again").All()) != 1 {
		t.Errorf("no recovery note: %v", seen.All())
	}
	got := a.getLog(t, "access", 100)
	if lineOf(got, "before") == "" || lineOf(got, "after") == "" || lineOf(got, "during") != "" {
		t.Errorf("after recovery:\n%s", got)
	}

	// Connections killed under the store: calls go on, logging resumes.
	if err := db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Error; err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; ; i++ {
		a.ping(t, "reconnect")
		if a.store.Flush(context.Background()) == nil && lineOf(a.getLog(t, "access", 5), "reconnect") != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("logging did not resume after the connections were terminated")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := len(seen.FilterMessageSnippet("writing to the database failed").All()); n > 2 {
		t.Errorf("%d warnings: one per failure episode expected", n)
	}
}

func TestCloseWritesQueuedLines(t *testing.T) {
	db := newDB(t)
	st, err := pglogs.New(pglogs.Config{DB: db, Process: "closer", FlushEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ls := logs.OpenSink(st.Sink(testShop), logs.Options{})
	for i := 0; i < 321; i++ {
		ls.ErrorLogger().Error("queued", zap.Int("n", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, logs.Error); n != 321 {
		t.Errorf("after Close: %d lines, want 321", n)
	}
	ls.ErrorLogger().Error("after close") // dropped, no panic
	if err := st.Flush(ctx); err != pglogs.ErrClosed {
		t.Errorf("Flush after Close: %v", err)
	}
	if err := st.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestDebugLogIsClearedByADebugRequest(t *testing.T) {
	db := newDB(t)
	a := newProcess(t, db, "web-a", nil)
	b := newProcess(t, db, "web-b", nil)
	a.call(t, url.Values{"action": {"ping"}, "debug_log": {"1"}, "trace_id": {"first"}}, true)
	flush(t, a.store)
	b.call(t, url.Values{"action": {"ping"}, "debug_log": {"1"}, "trace_id": {"second"}}, true)
	got := b.getLog(t, "debug", 100)
	if !strings.Contains(got, "second") || strings.Contains(got, "first") {
		t.Errorf("debug log after a second debug request:\n%s", got)
	}
}

func TestNewRejects(t *testing.T) {
	db := newDB(t)
	tests := []struct {
		name string
		cfg  pglogs.Config
	}{
		{"no database", pglogs.Config{}},
		{"SQLite", pglogs.Config{DB: testdb.SQLite(t)}},
		{"long tag", pglogs.Config{DB: db, Process: strings.Repeat("x", 65)}},
		{"bracket in tag", pglogs.Config{DB: db, Process: "a]b"}},
		{"newline in tag", pglogs.Config{DB: db, Process: "a\nb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := pglogs.New(tt.cfg); err == nil {
				s.Close(context.Background())
				t.Error("accepted")
			}
		})
	}
}
