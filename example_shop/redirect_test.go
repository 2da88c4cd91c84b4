package main

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
		itemURL := "http://demo-shop.shopgate.com/item/" + hex.EncodeToString([]byte(fmt.Sprint(p.ID)))

		rec := shopRequest(t, a, productPath, iPhoneUA, "")
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != itemURL {
			t.Fatalf("iPhone on %s: %d %q, want 301 %s", productPath, rec.Code, rec.Header().Get("Location"), itemURL)
		}
		for path, want := range map[string]string{
			"/":                                  "http://demo-shop.shopgate.com",
			fmt.Sprintf("/category/%d", cat.ID):  "http://demo-shop.shopgate.com/category/" + hex.EncodeToString([]byte(fmt.Sprint(cat.ID))),
			"/search?q=red+shoes&utm_source=ads": "http://demo-shop.shopgate.com/search?s=red+shoes&utm_source=ads",
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
