package main

import (
	"context"
	"os"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/adapters/gormstore"
	"github.com/shopbridge/shopbridge/middleware"
	"github.com/shopbridge/shopbridge/redirect"
)

// demoAlias is the Mobile Website alias of the demo shop.
const demoAlias = "demo-shop"

// mobileRedirectSettings builds the Shopgate Mobile Redirect settings from
// the environment. In demo mode the Mobile Website is switched on with the
// alias demo-shop (SHOPGATE_ENABLE_MOBILE_WEBSITE=0 switches it off);
// otherwise SHOPGATE_ENABLE_MOBILE_WEBSITE=1 switches it on (the master
// switch is off by default). SHOPGATE_ALIAS, SHOPGATE_CNAME and
// SHOPGATE_REDIRECT_TYPE (http or js) override the defaults in both modes.
// The Mobile Website environment follows redirectServer.
//
// The result is always valid (redirect.New accepts it), so that it can
// seed the Plugin API's settings: the cname comes normalised
// ("HTTPS://M.Example.com/" is "https://M.Example.com"), and settings that
// are invalid switch the redirect off (see mobileRedirectFromEnv).
func mobileRedirectSettings(getenv func(string) string, demo bool, shopNumber string) redirect.Config {
	cfg, _ := mobileRedirectFromEnv(getenv, demo, shopNumber)
	return cfg
}

// mobileRedirectFromEnv is mobileRedirectSettings; err is the reason why
// the configured settings were replaced by a switched-off redirect (no
// alias, cname or redirect type of its own; Shopgate may switch it on
// later through set_settings). Invalid settings never stop the shop
// (docs/protocol/mobile-redirect.md, "Invalid settings").
func mobileRedirectFromEnv(getenv func(string) string, demo bool, shopNumber string) (redirect.Config, error) {
	cfg := redirect.Config{
		Enabled:    (demo && getenv("SHOPGATE_ENABLE_MOBILE_WEBSITE") != "0") || getenv("SHOPGATE_ENABLE_MOBILE_WEBSITE") == "1",
		ShopNumber: shopNumber,
		ShopActive: true,
		Alias:      getenv("SHOPGATE_ALIAS"),
		CNAME:      getenv("SHOPGATE_CNAME"),
		Technique:  redirect.Technique(strings.ToLower(strings.TrimSpace(getenv("SHOPGATE_REDIRECT_TYPE")))),
		Server:     redirectServer(getenv, demo),
		// The demo has no hosted header script to load; show our own.
		MobileHeader: redirect.HeaderBuiltin,
	}
	if cfg.Alias == "" && demo {
		cfg.Alias = demoAlias
	}
	r, err := redirect.New(cfg)
	if err != nil {
		return redirect.Config{ShopNumber: shopNumber, ShopActive: true, Server: cfg.Server, MobileHeader: cfg.MobileHeader}, err
	}
	cfg.CNAME = r.Config().CNAME
	return cfg, nil
}

// redirectServer selects the Mobile Website environment: the value of
// SHOPGATE_REDIRECT_SERVER if set, otherwise the Shopgate server the rest of
// the shop uses (SHOPGATE_SERVER; in demo mode, whose Merchant API is the
// in-process fake, live). Values are trimmed and lower-cased; empty and unknown
// values mean live, as in Shopgate's SDK
// (docs/protocol/mobile-redirect.md#configuration).
func redirectServer(getenv func(string) string, demo bool) redirect.Server {
	s, _ := parseRedirectServer(getenv, demo)
	return s
}

// parseRedirectServer is redirectServer; raw is the configured value when
// it is not one of live, pg, sl and custom (empty otherwise).
func parseRedirectServer(getenv func(string) string, demo bool) (server redirect.Server, raw string) {
	v := strings.TrimSpace(getenv("SHOPGATE_REDIRECT_SERVER"))
	if v == "" && !demo {
		v = strings.TrimSpace(getenv("SHOPGATE_SERVER"))
	}
	switch s := redirect.Server(strings.ToLower(v)); s {
	case "":
		return redirect.ServerLive, ""
	case redirect.ServerLive, redirect.ServerPlayground, redirect.ServerSpotlight, redirect.ServerCustom:
		return s, ""
	}
	return redirect.ServerLive, v
}

// setupMobileRedirect puts the Mobile Redirect in front of the storefront:
// mobile visitors of the home, product, category and search pages go to the
// matching page of the Mobile Website; everything else gets the snippet.
// Keyword lists come from the Merchant API, are kept in the database and
// refreshed in the background. Invalid Mobile Redirect settings are logged
// once and leave the redirect out; the shop starts anyway.
func (a *App) setupMobileRedirect() error {
	shopNumber := ""
	var source redirect.KeywordSource
	if a.sg != nil {
		shopNumber = a.sg.Creds.ShopNumber
		if a.sg.Client != nil {
			source = redirect.FromMerchantAPI(a.sg.Client)
		}
	}
	base, envErr := mobileRedirectFromEnv(os.Getenv, a.Demo, shopNumber)
	if envErr != nil {
		// Invalid settings switch the redirect off, never the shop: one
		// line, then the shop runs with the redirect off.
		a.Log.Error("mobile redirect switched off: invalid Shopgate settings", zap.Error(envErr))
	}
	// The demo's own stand-in of the Mobile Website replaces demo-shop's:
	// the whole redirect → opt-out → Mobile Header → back round trip works
	// without an outside host (demo_mobile.go). Another alias or a cname,
	// from the environment or set_settings, leads to Shopgate again.
	local := func(cfg redirect.Config) redirect.Config { return cfg }
	if a.Demo {
		a.mountDemoMobile()
		local = func(cfg redirect.Config) redirect.Config {
			if cfg.Alias == demoAlias && cfg.CNAME == "" {
				cfg.MobileBaseURL = a.PublicURL + demoMobilePath
			}
			return cfg
		}
	}
	// The storefront is in English (the header would follow <html lang>
	// in the browser anyway; this also sets the text sent with the page).
	base.HeaderLanguage = "en"
	settings := base
	if a.sg != nil && a.sg.Handler != nil {
		// The Plugin API's configuration is the one source: ping shows
		// what the redirect does, and set_settings changes it live.
		settings = redirect.WithPluginSettings(base, a.sg.Handler)
	}
	settings = local(settings)
	if _, raw := parseRedirectServer(os.Getenv, a.Demo); raw != "" {
		a.Log.Warn("mobile redirect: unknown Shopgate server, using live", zap.String("server", raw))
	}
	live, err := middleware.NewMobileRedirectSettings(settings)
	if err != nil {
		// Invalid settings switch the redirect off, never the shop
		// (docs/protocol/mobile-redirect.md#invalid-settings): the storefront
		// runs without the middleware, and one line says why.
		if envErr == nil {
			a.Log.Error("mobile redirect switched off: invalid Shopgate settings", zap.Error(err))
		}
		return nil
	}
	if a.sg != nil && a.sg.Handler != nil {
		h := a.sg.Handler
		// One update at a time, each reading the live settings: concurrent
		// reports (a local change, one from another process) end with the
		// newest.
		var mu sync.Mutex
		a.sg.SettingsChanged = append(a.sg.SettingsChanged, func(string, map[string]any) {
			mu.Lock()
			defer mu.Unlock()
			if err := live.Update(local(redirect.WithPluginSettings(base, h))); err != nil {
				a.Log.Error("mobile redirect: new Shopgate settings refused, keeping the old ones", zap.Error(err))
			}
		})
	}
	store := gormstore.NewRedirectKeywords(a.DB, shopNumber)
	cache := redirect.NewKeywordCache(redirect.KeywordCacheConfig{
		Source: source,
		Store:  store,
		Logger: a.Log,
	})
	a.Background(cache.Run)
	// A refresh started by a page view may still run; let it finish before
	// the database and the loggers go away.
	a.OnClose(cache.Wait)
	if a.sg != nil {
		// clear_cache drops the cached keyword lists; the next page view
		// fetches them again.
		a.sg.ClearCache = append(a.sg.ClearCache, func(ctx context.Context) error {
			cache.Invalidate()
			return store.Delete(ctx)
		})
	}

	// Item and category uids of the catalogue export are the shop's ids,
	// so the route parameters are the Mobile Website identifiers.
	pages := middleware.NewRedirectPages()
	pages.Path("/", redirect.PageHome, "")
	pages.Path("/product/:id", redirect.PageProduct, "id")
	pages.Path("/category/:id", redirect.PageCategory, "id")
	pages.Path("/search", redirect.PageSearch, "?q")

	a.Echo.Use(middleware.MobileRedirectWithConfig(middleware.MobileRedirectConfig{
		Skipper:  storefrontOnly,
		Settings: live,
		Keywords: cache.Matcher,
		Pages:    pages,
		Logger:   a.Log.Named("mobile-redirect"),
		Counters: a.metrics.RedirectCounters(),
	}))
	a.Log.Info("mobile redirect", zap.Bool("enabled", settings.Enabled), zap.String("alias", settings.Alias),
		zap.String("cname", settings.CNAME), zap.String("type", string(settings.Technique)))
	return nil
}

// storefrontOnly skips everything that is not a storefront page: the
// integrations' endpoints, the account and checkout flow and static files.
func storefrontOnly(c echo.Context) bool {
	p := c.Request().URL.Path
	if p == demoMobilePath {
		return true
	}
	for _, prefix := range []string{"/shopgate/", "/drophero", "/static/", "/admin", "/api/", "/checkout", "/login", "/logout", "/account", "/order/", demoMobilePath + "/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}
