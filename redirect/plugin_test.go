package redirect_test

import (
	"reflect"
	"testing"

	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/redirect"
)

// The Plugin API handler is the PluginSettings of a shop.
var _ redirect.PluginSettings = (*pluginapi.Handler)(nil)

// settingsMap is a PluginSettings of one shop.
type settingsMap struct {
	shop string
	m    map[string]any
	asks []string // shop numbers asked for
}

func (s *settingsMap) Setting(shopNumber, key string) any {
	s.asks = append(s.asks, shopNumber)
	if shopNumber != s.shop {
		return nil
	}
	return s.m[key]
}

func TestWithPluginSettings(t *testing.T) {
	base := redirect.Config{
		ShopNumber: "20001", Server: redirect.ServerPlayground, Technique: redirect.TechniqueJS,
		MobileHeader: redirect.HeaderBuiltin, HeaderText: "Go mobile", PageTypes: []redirect.PageType{redirect.PageHome},
		Alias: "base-alias", HeaderParent: "#top", SuppressBrowserRedirect: true,
	}
	s := &settingsMap{shop: "20001", m: map[string]any{
		"enable_mobile_website":   true,
		"shop_is_active":          true,
		"alias":                   "my-alias",
		"cname":                   "https://m.example.com",
		"enable_default_redirect": true,
		"html_tags":               `{"html_tags":[]}`,
		"redirectable_get_params": []string{"gclid"},
		"mobile_header_parent":    "#header",
		"mobile_header_prepend":   false,
		"server":                  "live", // not mapped: local configuration
	}}
	got := redirect.WithPluginSettings(base, s)
	want := base
	want.Enabled, want.ShopActive = true, true
	want.Alias, want.CNAME = "my-alias", "https://m.example.com"
	want.DefaultRedirect = true
	want.HTMLTags = `{"html_tags":[]}`
	want.RedirectableParams = []string{"gclid"}
	want.HeaderParent = "#header"
	want.HeaderAppend = true
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	for _, n := range s.asks {
		if n != "20001" {
			t.Fatalf("asked for shop %q, want base.ShopNumber", n)
		}
	}

	// Empty header parent, missing and mistyped settings keep the base.
	s.m = map[string]any{"mobile_header_parent": "", "alias": 7, "enable_mobile_website": "1", "redirectable_get_params": []any{"x"}}
	base.Enabled, base.HeaderAppend = true, true
	if got := redirect.WithPluginSettings(base, s); !reflect.DeepEqual(got, base) {
		t.Errorf("got  %+v\nwant %+v", got, base)
	}
	// Settings that switch off.
	s.m = map[string]any{"enable_mobile_website": false, "mobile_header_prepend": true, "redirectable_get_params": []string{}}
	got = redirect.WithPluginSettings(base, s)
	if got.Enabled || got.HeaderAppend || got.RedirectableParams == nil || len(got.RedirectableParams) != 0 {
		t.Errorf("switched off: %+v", got)
	}
}

// TestWithPluginSettingsHandler maps the Plugin API handler's defaults and
// shop configuration.
func TestWithPluginSettingsHandler(t *testing.T) {
	h, err := pluginapi.New(pluginapi.Config{
		Shops: []pluginapi.ShopConfig{{
			CustomerNumber: "10001", ShopNumber: "20001", APIKey: "deadbeefcafe00112233",
			Alias: "shop-alias", Settings: map[string]any{"enable_mobile_website": true, "shop_is_active": true},
		}},
		LogDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, shop := range []string{"20001", ""} {
		cfg := redirect.WithPluginSettings(redirect.Config{ShopNumber: shop, HeaderAppend: true}, h)
		if !cfg.Enabled || !cfg.ShopActive || cfg.Alias != "shop-alias" || cfg.CNAME != "" || cfg.DefaultRedirect ||
			cfg.HeaderAppend || cfg.HeaderParent != "body" || !reflect.DeepEqual(cfg.RedirectableParams, redirect.DefaultRedirectableParams) {
			t.Errorf("shop %q: %+v", shop, cfg)
		}
		r, err := redirect.New(cfg)
		if shop == "" {
			continue // no shop number: valid but inactive
		}
		if err != nil || !r.Active() || r.BaseURL() != "http://shop-alias.shopgate.com" {
			t.Errorf("shop %q: New = %v, %v", shop, r, err)
		}
	}
}
