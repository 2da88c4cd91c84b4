package middleware

import (
	"net/http"
	"strings"
	"testing"

	"github.com/shopbridge/shopbridge/redirect"
)

// TestMobileRedirectLiveSettings: settings changed while the shop runs
// (Shopgate's set_settings) apply to the next request; invalid ones are
// refused and the old ones stay.
func TestMobileRedirectLiveSettings(t *testing.T) {
	off := fixtureSettings()
	off.Enabled = false
	settings, err := NewMobileRedirectSettings(off)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fixtureConfig(redirect.Product("SKU-1"))
	cfg.Settings = settings

	rec, called := serve(t, cfg, newRequest(http.MethodGet, "/p", uaIPhone, ""), nil)
	if rec.Code != http.StatusOK || !called || rec.Body.String() != fixturePage {
		t.Fatalf("switched off: %d %q", rec.Code, rec.Body)
	}

	on := fixtureSettings()
	if err := settings.Update(on); err != nil {
		t.Fatal(err)
	}
	rec, _ = serve(t, cfg, newRequest(http.MethodGet, "/p", uaIPhone, ""), nil)
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != base+"/item/534b552d31" {
		t.Fatalf("switched on: %d %q", rec.Code, rec.Header().Get("Location"))
	}

	on.Alias = "other-shop"
	if err := settings.Update(on); err != nil {
		t.Fatal(err)
	}
	rec, _ = serve(t, cfg, newRequest(http.MethodGet, "/p", uaIPhone, ""), nil)
	if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, "http://other-shop.shopgate.com/") {
		t.Fatalf("new alias: %q", loc)
	}
	// The desktop snippet follows the new alias too (pooled snippets are
	// rendered again for new settings).
	rec, _ = serve(t, cfg, newRequest(http.MethodGet, "/p", uaChromeWin, ""), nil)
	if !strings.Contains(rec.Body.String(), "other-shop") {
		t.Errorf("snippet kept the old settings: %s", rec.Body)
	}

	bad := on
	bad.Alias = "not an alias!"
	if err := settings.Update(bad); err == nil {
		t.Fatal("invalid alias accepted")
	}
	if settings.Config().Alias != "other-shop" {
		t.Errorf("settings after a refused update: %q", settings.Config().Alias)
	}
}
