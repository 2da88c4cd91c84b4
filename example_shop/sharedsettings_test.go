package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate/logs"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// TestSettingsSharedBetweenProcesses runs two example shops ("servers
// behind a load balancer") with their own connection pools on one
// PostgreSQL database. Shopgate's set_settings of alias on A reaches B's
// ping and B's Mobile Redirect; the merchant's switch to another Merchant
// API with new credentials in A's panel reaches B's Merchant API client
// (docs/architecture.md#shared-settings).
func TestSettingsSharedBetweenProcesses(t *testing.T) {
	dsn := testdb.NewURL(t)
	keyFile := filepath.Join(t.TempDir(), "secret.key")
	start := func() (*App, *browser) {
		db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard})
		if err != nil {
			t.Fatal(err)
		}
		a := newTestAppWith(t, db, func(c *Config) { c.KeyFile = keyFile })
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		for _, f := range a.background {
			go f(ctx)
		}
		return a, newBrowser(t, a)
	}
	a, ba := start()
	b, bb := start()
	eventually := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("not within 60 s: %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	_, body := signedPost(t, ba.srv.URL, url.Values{"action": {"set_settings"},
		"shopgate_settings[0][name]": {"alias"}, "shopgate_settings[0][value]": {"other-alias"}}, time.Now())
	if !strings.Contains(string(body), `"error":0`) {
		t.Fatalf("set_settings on A: %s", body)
	}
	eventually("B's ping shows the alias set on A", func() bool {
		_, body := signedPost(t, bb.srv.URL, url.Values{"action": {"ping"}}, time.Now())
		var m struct {
			Configuration map[string]any `json:"configuration"`
		}
		return json.Unmarshal(body, &m) == nil && m.Configuration["alias"] == "other-alias"
	})
	eventually("B's redirect sends phones to the new alias", func() bool {
		req, _ := http.NewRequest(http.MethodGet, bb.srv.URL+"/", nil)
		req.Header.Set("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148")
		res, err := bb.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return strings.Contains(res.Header.Get("Location"), "other-alias.shopgate.com")
	})

	api := shopgatetest.NewServer(shopgatetest.WithCredentials("77777", "feedfacefeedface0011", "88888"))
	t.Cleanup(api.Close)
	if err := a.sg.Handler.ChangeSettings(context.Background(), demoShopNumber, map[string]string{"server": "custom",
		"api_url": api.URL(), "customer_number": "77777", "shop_number": "88888", "apikey": "feedfacefeedface0011"}); err != nil {
		t.Fatal(err)
	}
	if a.sg.Client.BaseURL() != api.URL() {
		t.Errorf("A's own client still calls %s", a.sg.Client.BaseURL())
	}
	eventually("B's Merchant API client calls the new server with the new credentials", func() bool {
		_, err := b.sg.Client.GetShopInfo(context.Background())
		return err == nil && b.sg.Client.BaseURL() == api.URL()
	})
}

// TestPanelAPIKeyNeverShown: an API key the merchant saves on the panel's
// Shopgate page (used at once by the Merchant API client and the Plugin
// API) appears in no page, log line, plugin log or metric.
func TestPanelAPIKeyNeverShown(t *testing.T) {
	const key = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	var buf syncBuffer
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&buf), zap.DebugLevel))
	a := newTestAppWith(t, openSQLite(t), func(c *Config) { c.Log = log })
	base := serveApp(t, a)
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, form url.Values) string {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, base+path, body)
		req.SetBasicAuth("admin", testAdminPassword)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.Header.Get("Location") + string(b)
	}
	page := do("GET", "/admin/shopgate", nil)
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no token:\n%s", page)
	}
	if loc := do("POST", "/admin/shopgate", url.Values{"_csrf": {m[1]}, "apikey": {key}}); !strings.Contains(loc, "msg=") {
		t.Fatalf("save: %s", loc)
	}
	if v := a.sg.Handler.Setting(demoShopNumber, "apikey"); v != key {
		t.Fatalf("apikey %v", v)
	}
	var seen []string
	seen = append(seen, do("GET", "/admin/shopgate", nil), do("POST", "/admin/shopgate/test", url.Values{"_csrf": {m[1]}}),
		do("GET", "/admin/", nil), do("GET", "/metrics", nil))
	// The Merchant API client signs with the new key now (the fake refuses
	// it, which is logged), and Shopgate's calls are checked against it.
	_, _ = a.sg.Client.GetShopInfo(context.Background())
	_, body := signedPost(t, base, url.Values{"action": {"ping"}}, time.Now())
	seen = append(seen, string(body), buf.String())
	for _, lt := range logs.Types {
		b, err := a.sg.Logs.ReadAll(lt)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, string(b))
	}
	var row gormmodels.ShopSettings
	a.DB.First(&row)
	seen = append(seen, row.Data)
	for i, s := range seen {
		if strings.Contains(s, key) {
			t.Errorf("output %d contains the API key", i)
		}
	}
}
