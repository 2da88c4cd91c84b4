package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters/gormstore"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/redirect"
)

// callShop sends a Plugin API request (action, then key=value
// parameters) signed with the demo credentials at time now, as "shopbridge
// call" does, and decodes the JSON answer. It returns 0 for an answer
// without error, 1 otherwise.
func callShop(t *testing.T, srv *httptest.Server, now time.Time, args ...string) (int, map[string]any, string) {
	t.Helper()
	form := url.Values{"action": {args[0]}, "shop_number": {demoShopNumber}}
	for _, a := range args[1:] {
		k, v, _ := strings.Cut(a, "=")
		if k == "shop_number" {
			form.Set(k, v) // another marketplace
			continue
		}
		form.Add(k, v)
	}
	res, raw := signedPost(t, srv.URL, form, now)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("answer %q: %v", raw, err)
	}
	code := 0
	if res.StatusCode != http.StatusOK || m["error"].(float64) != 0 {
		code = 1
	}
	return code, m, string(raw)
}

func TestPluginAPIThroughSignedCalls(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		t.Cleanup(a.Close)
		srv := httptest.NewServer(a.Echo)
		t.Cleanup(srv.Close)
		waitExactCounts(t, a)
		now := time.Now()

		code, m, out := callShop(t, srv, now, "ping")
		if code != 0 || m["pong"] != "OK" {
			t.Fatalf("ping: exit %d, %s", code, out)
		}
		if si := m["shop_info"].(map[string]any); si["item_count"].(float64) < 10 {
			t.Errorf("shop_info = %v", si)
		}
		// A token from 31 minutes ago is refused.
		code, m, _ = callShop(t, srv, now.Add(-31*time.Minute), "ping")
		if code != 1 || m["error"].(float64) != 120 {
			t.Errorf("old token: exit %d, %v", code, m)
		}
		// Connect login with the demo customer's storefront credentials.
		_, m, out = callShop(t, srv, now, "get_customer", "user="+demoEmail, "pass="+demoPassword)
		ud, _ := m["user_data"].(map[string]any)
		addrs, _ := m["addresses"].([]any)
		if ud["mail"] != demoEmail || len(addrs) != 2 || ud["customer_token"] == "" {
			t.Fatalf("get_customer: %s", out)
		}
		if _, ok := ud["addresses"]; ok {
			t.Error("user_data contains addresses")
		}
		_, m, _ = callShop(t, srv, now, "get_customer", "user="+demoEmail, "pass=wrong")
		if m["error"].(float64) != 71 {
			t.Errorf("wrong password: %v", m)
		}
		// Nested parameters in bracket notation reach the dispatcher.
		_, m, out = callShop(t, srv, now, "cron", "jobs[0][job_name]=nope", "jobs[1][job_name]=other")
		if m["error"].(float64) != 91 || m["error_text"] != "unsupported job: nope, other" {
			t.Errorf("cron: %s", out)
		}
		// set_settings is persisted in the shop's database.
		_, m, out = callShop(t, srv, now, "set_settings", "shopgate_settings[0][name]=alias",
			"shopgate_settings[0][value]=demo-shop-2")
		if m["error"].(float64) != 0 {
			t.Fatalf("set_settings: %s", out)
		}
		stored, err := gormstore.Settings{DB: db}.Load(t.Context(), demoShopNumber)
		if err != nil || stored["alias"] != "demo-shop-2" {
			t.Errorf("stored = %v, %v", stored, err)
		}
		// Only POST reaches the dispatcher.
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/shopgate/api", nil)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET status = %d", res.StatusCode)
		}
	})
}

// TestClearCacheDropsRedirectKeywords: clear_cache removes the keyword
// lists the mobile redirect keeps in the database.
func TestClearCacheDropsRedirectKeywords(t *testing.T) {
	db := testdb.New(t)
	a := newTestApp(t, db)
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Echo)
	t.Cleanup(srv.Close)
	store := gormstore.NewRedirectKeywords(db, demoShopNumber)
	if err := store.SaveKeywords(t.Context(), redirect.StoredKeywords{
		Keywords: redirect.Keywords{Keywords: []string{"iphone"}}, UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := store.LoadKeywords(t.Context()); !ok || err != nil {
		t.Fatalf("saved keywords not found: %v", err)
	}
	code, m, out := callShop(t, srv, time.Now(), "clear_cache")
	if code != 0 || m["error"].(float64) != 0 {
		t.Fatalf("clear_cache: %s", out)
	}
	if _, ok, err := store.LoadKeywords(t.Context()); ok || err != nil {
		t.Errorf("keywords still stored after clear_cache (err %v)", err)
	}
}

// TestSetSettingsSteersMobileRedirect: ping shows the settings the mobile
// redirect uses, and Shopgate's set_settings changes them live.
func TestSetSettingsSteersMobileRedirect(t *testing.T) {
	db := testdb.New(t)
	a := newTestApp(t, db)
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Echo)
	t.Cleanup(srv.Close)
	now := time.Now()

	_, m, _ := callShop(t, srv, now, "ping")
	conf := m["configuration"].(map[string]any)
	if conf["alias"] != demoAlias || conf["enable_mobile_website"] != float64(1) {
		t.Fatalf("ping configuration: alias %v, enable_mobile_website %v", conf["alias"], conf["enable_mobile_website"])
	}
	if rec := shopRequest(t, a, "/product/1", iPhoneUA, ""); rec.Code != http.StatusMovedPermanently ||
		!strings.HasPrefix(rec.Header().Get("Location"), a.PublicURL+"/m/") { // the demo's local Mobile Website
		t.Fatalf("before: %d %q", rec.Code, rec.Header().Get("Location"))
	}

	_, m, out := callShop(t, srv, now, "set_settings", "shopgate_settings[0][name]=alias", "shopgate_settings[0][value]=renamed-shop")
	if m["error"].(float64) != 0 {
		t.Fatalf("set_settings: %s", out)
	}
	if loc := shopRequest(t, a, "/product/1", iPhoneUA, "").Header().Get("Location"); !strings.HasPrefix(loc, "http://renamed-shop.shopgate.com/") {
		t.Errorf("after alias change: %q", loc)
	}

	callShop(t, srv, now, "set_settings", "shopgate_settings[0][name]=enable_mobile_website", "shopgate_settings[0][value]=0")
	if rec := shopRequest(t, a, "/product/1", iPhoneUA, ""); rec.Code != http.StatusOK {
		t.Errorf("mobile website switched off, iPhone got %d", rec.Code)
	}
}

// TestRequestLogHidesCallbackTokens: the request log never shows the
// secret token of DropHero's callback URLs.
func TestRequestLogHidesCallbackTokens(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	a, err := NewApp(openSQLite(t), Config{Log: zap.New(core), Demo: true, SeedDemo: false, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	const token = "s3cr3t-callback-token"
	a.Echo.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/drophero/callback/"+token+"/products", nil))
	a.Echo.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/product/7", nil))
	var paths []string
	for _, e := range logs.FilterMessage("request").All() {
		paths = append(paths, e.ContextMap()["path"].(string))
	}
	joined := strings.Join(paths, " ")
	if strings.Contains(joined, token) || !strings.Contains(joined, "/product/7") || len(paths) != 2 {
		t.Errorf("logged paths %q", paths)
	}
}
