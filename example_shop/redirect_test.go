package main

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/redirect"
)

const (
	iPhoneUA  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"
	desktopUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)

func shopRequest(t *testing.T, a *App, path, ua, cookie string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	a.Echo.ServeHTTP(rec, req)
	return rec
}

// TestMobileRedirectDemo: in demo mode an iPhone on a product page goes to
// the product on demo-shop's Mobile Website, a desktop browser gets the
// page with the snippet, and the opt-out shows the Mobile Header.
func TestMobileRedirectDemo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		var p Product
		if err := db.Where("active = ? AND parent_id IS NULL", true).Order("id").Take(&p).Error; err != nil {
			t.Fatal(err)
		}
		var cat Category
		if err := db.Where("active = ?", true).Order("id").Take(&cat).Error; err != nil {
			t.Fatal(err)
		}
		productPath := fmt.Sprintf("/product/%d", p.ID)
		// Demo mode redirects to its local stand-in of the Mobile Website.
		mobile := a.PublicURL + "/m"
		itemURL := mobile + "/item/" + hex.EncodeToString([]byte(fmt.Sprint(p.ID)))

		rec := shopRequest(t, a, productPath, iPhoneUA, "")
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != itemURL {
			t.Fatalf("iPhone on %s: %d %q, want 301 %s", productPath, rec.Code, rec.Header().Get("Location"), itemURL)
		}
		for path, want := range map[string]string{
			"/":                                  mobile,
			fmt.Sprintf("/category/%d", cat.ID):  mobile + "/category/" + hex.EncodeToString([]byte(fmt.Sprint(cat.ID))),
			"/search?q=red+shoes&utm_source=ads": mobile + "/search?s=red+shoes&utm_source=ads",
		} {
			if loc := shopRequest(t, a, path, iPhoneUA, "").Header().Get("Location"); loc != want {
				t.Errorf("iPhone on %s: Location %q, want %q", path, loc, want)
			}
		}

		rec = shopRequest(t, a, productPath, desktopUA, "")
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.Contains(body, p.Name) {
			t.Fatalf("desktop: %d", rec.Code)
		}
		if !strings.Contains(body, `href="`+itemURL+`"`) || !strings.Contains(body, "<!-- END SHOPGATE -->\n</head>") {
			t.Errorf("desktop page lacks the snippet before </head>")
		}
		if strings.Contains(body, "shopgate_mobile_header") {
			t.Error("desktop page shows the Mobile Header")
		}

		// Opt-out: page with header and cookie; cart and checkout untouched.
		rec = shopRequest(t, a, productPath+"?shopgate_redirect=1", iPhoneUA, "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `id="shopgate_mobile_header"`) {
			t.Fatalf("opt-out: %d, header missing", rec.Code)
		}
		if !strings.Contains(rec.Header().Get("Set-Cookie"), redirect.CookieName+"=1") {
			t.Errorf("opt-out cookie missing: %q", rec.Header().Get("Set-Cookie"))
		}
		if rec := shopRequest(t, a, "/", iPhoneUA, redirect.CookieName+"=1"); rec.Code != http.StatusOK {
			t.Errorf("opted-out home: %d", rec.Code)
		}
		if rec := shopRequest(t, a, "/login", iPhoneUA, ""); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "BEGIN SHOPGATE") {
			t.Errorf("login page: %d or snippet injected", rec.Code)
		}
	})
}

func TestMobileRedirectSettings(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	demo := mobileRedirectSettings(env(nil), true, "20001")
	if !demo.Enabled || demo.Alias != demoAlias || demo.ShopNumber != "20001" {
		t.Errorf("demo settings %+v", demo)
	}
	if mobileRedirectSettings(env(map[string]string{"SHOPGATE_ENABLE_MOBILE_WEBSITE": "0"}), true, "20001").Enabled {
		t.Error("demo ignores SHOPGATE_ENABLE_MOBILE_WEBSITE=0")
	}
	live := mobileRedirectSettings(env(nil), false, "20001")
	if live.Enabled {
		t.Error("mobile website on without SHOPGATE_ENABLE_MOBILE_WEBSITE")
	}
	custom := mobileRedirectSettings(env(map[string]string{
		"SHOPGATE_ENABLE_MOBILE_WEBSITE": "1", "SHOPGATE_ALIAS": "my-shop",
		"SHOPGATE_CNAME": "https://m.example.com", "SHOPGATE_REDIRECT_TYPE": "JS",
	}), false, "20001")
	r, err := redirect.New(custom)
	if err != nil {
		t.Fatal(err)
	}
	if !custom.Enabled || r.BaseURL() != "https://m.example.com" || r.Technique() != redirect.TechniqueJS {
		t.Errorf("settings %+v", custom)
	}
}

// TestRedirectServerFromEnv: SHOPGATE_REDIRECT_SERVER wins; otherwise the
// redirect follows SHOPGATE_SERVER (not in demo mode, whose Merchant API is
// the in-process fake); values are normalised and unknown ones mean live.
func TestRedirectServerFromEnv(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		demo     bool
		want     redirect.Server
		wantHost string
		unknown  string
	}{
		{"nothing set", nil, false, redirect.ServerLive, "http://my-shop.shopgate.com", ""},
		{"demo", nil, true, redirect.ServerLive, "http://demo-shop.shopgate.com", ""},
		{"demo ignores SHOPGATE_SERVER", map[string]string{"SHOPGATE_SERVER": "custom"}, true, redirect.ServerLive, "http://demo-shop.shopgate.com", ""},
		{"demo override", map[string]string{"SHOPGATE_REDIRECT_SERVER": "pg"}, true, redirect.ServerPlayground, "http://demo-shop.shopgatepg.com", ""},
		{"follows SHOPGATE_SERVER", map[string]string{"SHOPGATE_SERVER": "pg"}, false, redirect.ServerPlayground, "http://my-shop.shopgatepg.com", ""},
		{"redirect server wins", map[string]string{"SHOPGATE_SERVER": "pg", "SHOPGATE_REDIRECT_SERVER": "sl"}, false, redirect.ServerSpotlight, "http://my-shop.shopgatesl.com", ""},
		{"upper case", map[string]string{"SHOPGATE_REDIRECT_SERVER": "LIVE"}, false, redirect.ServerLive, "http://my-shop.shopgate.com", ""},
		{"blanks", map[string]string{"SHOPGATE_REDIRECT_SERVER": " Custom\t"}, false, redirect.ServerCustom, "http://my-shop.localdev.cc/php/shopgate/index.php", ""},
		{"blank override falls back", map[string]string{"SHOPGATE_REDIRECT_SERVER": "  ", "SHOPGATE_SERVER": "PG"}, false, redirect.ServerPlayground, "http://my-shop.shopgatepg.com", ""},
		{"unknown means live", map[string]string{"SHOPGATE_REDIRECT_SERVER": "staging"}, false, redirect.ServerLive, "http://my-shop.shopgate.com", "staging"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			cfg := mobileRedirectSettings(getenv, tt.demo, "20001")
			if cfg.Server != tt.want {
				t.Fatalf("server %q, want %q", cfg.Server, tt.want)
			}
			if _, raw := parseRedirectServer(getenv, tt.demo); raw != tt.unknown {
				t.Errorf("unknown value %q, want %q", raw, tt.unknown)
			}
			if !tt.demo {
				cfg.Alias = redirect.DefaultAlias
			}
			r, err := redirect.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if r.BaseURL() != tt.wantHost {
				t.Errorf("base URL %q, want %q", r.BaseURL(), tt.wantHost)
			}
		})
	}
}

// TestMobileRedirectBadSettingsDoNotStopTheShop: a bad Mobile Redirect setting
// in the environment never stops the shop. Settings that can be normalised are
// used; the others leave the redirect out with one log line
// (docs/protocol/mobile-redirect.md#invalid-settings) and the pages are served
// unchanged.
func TestMobileRedirectBadSettingsDoNotStopTheShop(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		location string // "" = redirect switched off
		logs     []string
	}{
		// The demo alias leads to the demo's local Mobile Website.
		{"server in capitals", map[string]string{"SHOPGATE_REDIRECT_SERVER": "LIVE"}, "http://shop.test/m", nil},
		{"unknown server", map[string]string{"SHOPGATE_REDIRECT_SERVER": "staging"}, "http://shop.test/m",
			[]string{"mobile redirect: unknown Shopgate server, using live"}},
		{"bad redirect type", map[string]string{"SHOPGATE_REDIRECT_TYPE": "meta"}, "",
			[]string{"mobile redirect switched off: invalid Shopgate settings"}},
		// Issue 16 item 16: the cname's scheme is case-insensitive, as in
		// Shopgate's SDK; a cname that is no host switches the redirect off
		// with one log line and the shop starts.
		{"cname in capitals", map[string]string{"SHOPGATE_CNAME": "HTTPS://M.Example.com/"}, "https://M.Example.com", nil},
		{"bad cname", map[string]string{"SHOPGATE_CNAME": "https://m.example.com:8443/shop"}, "",
			[]string{"mobile redirect switched off: invalid Shopgate settings"}},
		{"cname without host", map[string]string{"SHOPGATE_CNAME": "https://"}, "",
			[]string{"mobile redirect switched off: invalid Shopgate settings"}},
		{"bad alias", map[string]string{"SHOPGATE_ALIAS": "my shop"}, "",
			[]string{"mobile redirect switched off: invalid Shopgate settings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			core, logs := observer.New(zap.WarnLevel)
			a, err := NewApp(openSQLite(t), Config{Log: zap.New(core), Demo: true, PublicURL: "http://shop.test", SeedDemo: true, DataDir: t.TempDir()})
			if err != nil {
				t.Fatalf("shop does not start: %v", err)
			}
			t.Cleanup(a.Close)
			rec := shopRequest(t, a, "/", iPhoneUA, "")
			if tt.location == "" {
				if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "BEGIN SHOPGATE") {
					t.Errorf("redirect not switched off: %d %q", rec.Code, rec.Header().Get("Location"))
				}
			} else if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != tt.location {
				t.Errorf("iPhone on /: %d %q, want 301 %s", rec.Code, rec.Header().Get("Location"), tt.location)
			}
			var got []string
			for _, e := range logs.All() {
				if strings.Contains(e.Message, "mobile redirect") {
					got = append(got, e.Message)
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.logs, "|") {
				t.Errorf("log lines %q, want %q", got, tt.logs)
			}
		})
	}
}
