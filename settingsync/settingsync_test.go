package settingsync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/adapters/gormstore"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/middleware"
	"github.com/shopbridge/shopbridge/redirect"
	"github.com/shopbridge/shopbridge/settingsync"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// Credentials the merchant switches to in the tests: another Merchant API
// (a second fake) with other numbers and key.
const (
	newCustomer = "77777"
	newShop     = "88888"
	newKey      = "feedfacefeedface0011"
	iPhone      = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
)

// stack is one shop process: its own connection pool, Plugin API handler,
// Mobile Redirect, Merchant API client and watcher, wired as the example
// shop wires them.
type stack struct {
	t        testing.TB
	db       *gorm.DB
	h        *pluginapi.Handler
	e        *echo.Echo
	client   *shopgate.Client
	redirect *middleware.MobileRedirectSettings
	w        *settingsync.Watcher

	mu     sync.Mutex
	causes []string
}

// open opens a new pool on dsn (PostgreSQL URL or SQLite file DSN).
func open(t testing.TB, dsn string) *gorm.DB {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres") {
		db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if s, err := db.DB(); err == nil {
				s.Close()
			}
		})
		return db
	}
	return testdb.OpenSQLite(t, dsn)
}

// newIdleStack builds one process on dsn whose Merchant API is
// merchantURL, with its settings loaded and its watcher not yet running
// (run starts it).
func newIdleStack(t testing.TB, dsn, merchantURL string, cfg settingsync.Config) *stack {
	t.Helper()
	s := &stack{t: t, db: open(t, dsn)}
	if err := gormmodels.Migrate(s.db); err != nil {
		t.Fatal(err)
	}
	ciph, err := dropship.NewCipher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	s.client, err = shopgate.NewClient(shopgate.ClientConfig{Environment: shopgate.EnvCustom, BaseURL: merchantURL,
		CustomerNumber: shopgatetest.DefaultCustomerNumber, ShopNumber: shopgatetest.DefaultShopNumber,
		APIKey: shopgatetest.DefaultAPIKey, RequestsPerHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	base := redirect.Config{ShopNumber: shopgatetest.DefaultShopNumber, Server: redirect.ServerLive,
		Technique: redirect.TechniqueHTTP, MobileHeader: redirect.HeaderBuiltin}
	s.h, err = pluginapi.New(pluginapi.Config{
		Shops: []pluginapi.ShopConfig{{CustomerNumber: shopgatetest.DefaultCustomerNumber, ShopNumber: shopgatetest.DefaultShopNumber,
			APIKey: shopgatetest.DefaultAPIKey, Server: "custom", APIURL: merchantURL, Alias: "first-alias",
			Settings: map[string]any{"enable_mobile_website": true, "shop_is_active": true}}},
		LogDir: t.TempDir(), Store: gormstore.Settings{DB: s.db}, Secrets: ciph,
		OnSettingsChanged: func(_ string, changed map[string]any) {
			if err := s.redirect.Update(redirect.WithPluginSettings(base, s.h)); err != nil {
				t.Errorf("redirect update: %v", err)
			}
			if pluginapi.AffectsMerchantAPI(changed) {
				cr, _ := s.h.MerchantCredentials("")
				if err := s.client.SetCredentials(cr); err != nil {
					t.Errorf("client credentials: %v", err)
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.h.Close() })
	if s.redirect, err = middleware.NewMobileRedirectSettings(redirect.WithPluginSettings(base, s.h)); err != nil {
		t.Fatal(err)
	}
	s.e = echo.New()
	s.h.Mount(s.e.Group("/shopgate/api"))
	shop := s.e.Group("", middleware.MobileRedirectWithConfig(middleware.MobileRedirectConfig{Settings: s.redirect}))
	shop.GET("/", func(c echo.Context) error { return c.HTML(http.StatusOK, "<html><body>home</body></html>") })

	cfg.DB, cfg.Version, cfg.Apply = s.db, gormstore.Settings{DB: s.db}.Version, s.h.Reload
	cfg.OnApply = func(cause string, err error) {
		if err != nil {
			t.Errorf("apply (%s): %v", cause, err)
		}
		s.mu.Lock()
		s.causes = append(s.causes, cause)
		s.mu.Unlock()
	}
	if s.w, err = settingsync.New(cfg); err != nil {
		t.Fatal(err)
	}
	return s
}

// newStack is newIdleStack with its watcher running.
func newStack(t testing.TB, dsn, merchantURL string, cfg settingsync.Config) *stack {
	t.Helper()
	s := newIdleStack(t, dsn, merchantURL, cfg)
	s.run()
	return s
}

// run starts the watcher until the test ends.
func (s *stack) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.w.Run(ctx) }()
	s.t.Cleanup(func() { cancel(); <-done })
}

// call posts a Plugin API action signed with the given credentials.
func (s *stack) call(form url.Values, customer, key string) map[string]any {
	s.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/shopgate/api", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	shopgate.SignRequest(req.Header, shopgate.PrefixSPA, customer, key, time.Now())
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		s.t.Fatalf("%s: %d %s", form.Get("action"), rec.Code, rec.Body)
	}
	return m
}

// setAlias is Shopgate's set_settings of alias on s.
func (s *stack) setAlias(alias string) {
	s.t.Helper()
	m := s.call(url.Values{"action": {"set_settings"}, "shopgate_settings[0][name]": {"alias"},
		"shopgate_settings[0][value]": {alias}}, shopgatetest.DefaultCustomerNumber, shopgatetest.DefaultAPIKey)
	if m["error"] != float64(0) {
		s.t.Fatalf("set_settings: %v", m)
	}
}

// pingAlias is the alias ping reports with the given credentials ("" when
// the call is refused).
func (s *stack) pingAlias(customer, key string) string {
	s.t.Helper()
	m := s.call(url.Values{"action": {"ping"}}, customer, key)
	conf, _ := m["configuration"].(map[string]any)
	alias, _ := conf["alias"].(string)
	return alias
}

// redirectTarget is where a phone is sent from the home page.
func (s *stack) redirectTarget() string {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("User-Agent", iPhone)
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	return rec.Header().Get("Location")
}

func (s *stack) sawCause(cause string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.causes, cause)
}

// eventually polls cond with a generous deadline (no timing is asserted).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 60 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNotifyReachesOtherProcess: two processes with their own pools and
// watchers on one PostgreSQL database. The periodic check is an hour, so
// only the notification can carry the change: Shopgate's set_settings of
// alias on A reaches B's ping and B's redirect; the merchant's change of
// server and credentials on A reaches B's Merchant API client and B's
// authentication, and the key is stored encrypted.
func TestNotifyReachesOtherProcess(t *testing.T) {
	dsn := testdb.NewURL(t)
	oldAPI := shopgatetest.NewServer()
	t.Cleanup(oldAPI.Close)
	newAPI := shopgatetest.NewServer(shopgatetest.WithCredentials(newCustomer, newKey, newShop))
	t.Cleanup(newAPI.Close)
	cfg := settingsync.Config{Interval: time.Hour}
	a := newStack(t, dsn, oldAPI.URL(), cfg)
	b := newStack(t, dsn, oldAPI.URL(), cfg)
	eventually(t, "both listening and caught up", func() bool {
		return a.w.Listening() && b.w.Listening() && a.sawCause(settingsync.CauseListen) && b.sawCause(settingsync.CauseListen)
	})

	if got := b.redirectTarget(); !strings.Contains(got, "first-alias") {
		t.Fatalf("B redirects to %q before the change", got)
	}
	a.setAlias("shared-alias")
	eventually(t, "B's ping shows the alias set on A", func() bool {
		return b.pingAlias(shopgatetest.DefaultCustomerNumber, shopgatetest.DefaultAPIKey) == "shared-alias"
	})
	eventually(t, "B's redirect follows", func() bool { return strings.Contains(b.redirectTarget(), "shared-alias.shopgate.com") })
	// With an hour between checks, only a notification can have done it.
	eventually(t, "B applied on a notification", func() bool { return b.sawCause(settingsync.CauseNotify) })
	// State tells metrics and the panel (docs/operations.md#settings-watcher-state).
	if st := b.w.State(); !st.Notify || !st.Listening || st.LastApplied.IsZero() || st.LastFailed ||
		st.LastAttempt.Before(st.LastApplied) || st.LastCause == "" || st.Interval != time.Hour {
		t.Errorf("B's state after a notification: %+v", st)
	}

	// The merchant moves A to another Merchant API with new credentials.
	err := a.h.ChangeSettings(context.Background(), "", map[string]string{"server": "custom", "api_url": newAPI.URL(),
		"customer_number": newCustomer, "shop_number": newShop, "apikey": newKey})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "B's Merchant API client uses the new server and credentials", func() bool {
		_, err := b.client.GetShopInfo(context.Background())
		return err == nil && len(newAPI.RequestsFor("get_shop_info")) > 0
	})
	eventually(t, "B authenticates Shopgate with the new key", func() bool {
		return b.pingAlias(newCustomer, newKey) == "shared-alias"
	})
	if got := b.pingAlias(shopgatetest.DefaultCustomerNumber, shopgatetest.DefaultAPIKey); got != "" {
		t.Errorf("B still accepts the old key")
	}
	var row gormmodels.ShopSettings
	if err := a.db.First(&row).Error; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(row.Data, newKey) {
		t.Errorf("the API key is stored in clear: %s", row.Data)
	}
	info, _ := b.h.SettingInfo("", "apikey")
	if info.Origin != pluginapi.OriginPanel || !info.Set || info.Value != nil {
		t.Errorf("B's API key info %+v", info)
	}
}

// TestPeriodicReReadWithoutNotifications: the listener connections are
// killed (pg_terminate_backend) and not opened again for an hour; the
// periodic version check still applies A's change on B. On SQLite (one
// file, two pools) only the periodic check exists.
func TestPeriodicReReadWithoutNotifications(t *testing.T) {
	for _, backend := range []string{"postgres", "sqlite"} {
		t.Run(backend, func(t *testing.T) {
			api := shopgatetest.NewServer()
			t.Cleanup(api.Close)
			cfg := settingsync.Config{Interval: 100 * time.Millisecond, MinBackoff: time.Hour, MaxBackoff: time.Hour}
			var dsn string
			if backend == "postgres" {
				dsn = testdb.NewURL(t)
			} else {
				dsn = "file:" + filepath.Join(t.TempDir(), "shop.db") + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)"
			}
			a := newStack(t, dsn, api.URL(), cfg)
			b := newStack(t, dsn, api.URL(), cfg)
			if backend == "postgres" {
				eventually(t, "both listening and caught up", func() bool {
					return a.w.Listening() && b.w.Listening() && a.sawCause(settingsync.CauseListen) && b.sawCause(settingsync.CauseListen)
				})
				var killed []bool
				if err := a.db.Raw(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
					WHERE datname = current_database() AND query LIKE 'LISTEN%'`).Scan(&killed).Error; err != nil {
					t.Fatal(err)
				}
				if len(killed) != 2 {
					t.Fatalf("killed %d listener connections, want 2", len(killed))
				}
				eventually(t, "listeners down", func() bool { return !a.w.Listening() && !b.w.Listening() })
			} else {
				eventually(t, "both caught up at start", func() bool {
					return a.sawCause(settingsync.CauseStart) && b.sawCause(settingsync.CauseStart)
				})
				if a.w.Listening() {
					t.Fatal("listening on SQLite")
				}
			}
			a.setAlias("polled-alias")
			eventually(t, "B's ping shows the alias", func() bool {
				return b.pingAlias(shopgatetest.DefaultCustomerNumber, shopgatetest.DefaultAPIKey) == "polled-alias"
			})
			eventually(t, "B's redirect follows", func() bool { return strings.Contains(b.redirectTarget(), "polled-alias.shopgate.com") })
			// Listeners dead (and caught up before), so only the periodic
			// check can have done it.
			eventually(t, "B applied on the periodic check", func() bool { return b.sawCause(settingsync.CausePoll) })
			if b.w.Listening() {
				t.Error("B listens again although its backoff is an hour")
			}
			// The state shows LISTEN down (or not used) and the poll applied.
			if st := b.w.State(); st.Listening || st.Notify != (backend == "postgres") || st.LastApplied.IsZero() || st.LastFailed {
				t.Errorf("B's state: %+v", st)
			}
		})
	}
}

// TestConcurrentChangesAreNotLost: A and B change different keys at the
// same moment, each from its own (possibly stale) view; both changes end
// up stored and applied on both.
func TestConcurrentChangesAreNotLost(t *testing.T) {
	dsn := testdb.NewURL(t)
	api := shopgatetest.NewServer()
	t.Cleanup(api.Close)
	cfg := settingsync.Config{Interval: time.Hour}
	a := newStack(t, dsn, api.URL(), cfg)
	b := newStack(t, dsn, api.URL(), cfg)
	var wg sync.WaitGroup
	for i, s := range []*stack{a, b} {
		key := []string{"cname", "enable_default_redirect"}[i]
		val := []string{"m.example.com", "1"}[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.h.ChangeSettings(context.Background(), "", map[string]string{key: val}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for name, s := range map[string]*stack{"A": a, "B": b} {
		eventually(t, name+" has both changes", func() bool {
			return s.h.Setting("", "cname") == "m.example.com" && s.h.Setting("", "enable_default_redirect") == true
		})
	}
}

func TestNewValidates(t *testing.T) {
	db := testdb.SQLite(t)
	ok := func(context.Context) error { return nil }
	ver := func(context.Context) (int64, error) { return 0, nil }
	for name, cfg := range map[string]settingsync.Config{
		"no DB":      {Version: ver, Apply: ok},
		"no Version": {DB: db, Apply: ok},
		"no Apply":   {DB: db, Version: ver},
	} {
		if _, err := settingsync.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// BenchmarkPropagation changes the alias on A 50 times (per iteration)
// and measures how long B takes to redirect to it: the delay a merchant
// sees between two servers, by notification with the default 5 s check
// behind it. Reported as p50 and p99 in milliseconds.
func BenchmarkPropagation(b *testing.B) {
	dsn := testdb.NewURL(b)
	api := shopgatetest.NewServer()
	b.Cleanup(api.Close)
	sa := newStack(b, dsn, api.URL(), settingsync.Config{})
	sb := newStack(b, dsn, api.URL(), settingsync.Config{})
	eventually(b, "both listening", func() bool { return sa.w.Listening() && sb.w.Listening() })
	var delays []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < 50; j++ {
			alias := fmt.Sprintf("alias-%d-%d", i, j)
			start := time.Now()
			sa.setAlias(alias)
			for sb.redirect.Config().Alias != alias {
				if time.Since(start) > time.Minute {
					b.Fatalf("alias %s not applied within a minute", alias)
				}
				time.Sleep(200 * time.Microsecond)
			}
			delays = append(delays, time.Since(start))
		}
	}
	b.StopTimer()
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(delays[len(delays)/2]), "p50-ms")
	b.ReportMetric(ms(delays[len(delays)*99/100]), "p99-ms")
}

// TestChangeBeforeRun: a change another process stores after this one
// loaded its settings and before its watcher runs is applied when the
// watcher starts (cause start). The periodic check is an hour away and
// there is no notification on SQLite, so nothing else could apply it.
func TestChangeBeforeRun(t *testing.T) {
	api := shopgatetest.NewServer()
	t.Cleanup(api.Close)
	cfg := settingsync.Config{Interval: time.Hour, MinBackoff: time.Hour, MaxBackoff: time.Hour}
	dsn := "file:" + filepath.Join(t.TempDir(), "shop.db") + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)"
	a := newStack(t, dsn, api.URL(), cfg)
	b := newIdleStack(t, dsn, api.URL(), cfg)
	a.setAlias("early-alias")
	b.run()
	eventually(t, "B's ping shows the alias", func() bool {
		return b.pingAlias(shopgatetest.DefaultCustomerNumber, shopgatetest.DefaultAPIKey) == "early-alias"
	})
	if !b.sawCause(settingsync.CauseStart) {
		t.Errorf("B applied without the start cause: %v", b.causes)
	}
}
