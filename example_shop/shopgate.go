package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormstore"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/metrics"
	"github.com/shopbridge/shopbridge/settingsync"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/logs"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// Demo credentials: the Plugin API accepts them and the in-process fake
// Merchant API is started with them.
const (
	demoCustomerNumber = "10001"
	demoShopNumber     = "20001"
	demoAPIKey         = "deadbeefcafe00112233"
	// demoShopNumberUS is the English/USD marketplace of the demo.
	demoShopNumberUS = "20002"
)

// shopgateCredentials are the merchant's Shopgate credentials and the
// Merchant API environment.
type shopgateCredentials struct {
	CustomerNumber string
	ShopNumber     string
	APIKey         string
	Server         string // live, pg or custom
	APIURL         string // for custom
	// ShopNumberUS is the shop number of the English/USD marketplace
	// (SHOPGATE_SHOP_NUMBER_US); empty: only one marketplace.
	ShopNumberUS string
}

// shopgateCredentialsFromEnv reads SHOPGATE_* variables; demo is true when
// SHOPGATE_CUSTOMER_NUMBER is not set.
func shopgateCredentialsFromEnv(getenv func(string) string) (shopgateCredentials, bool) {
	if getenv("SHOPGATE_CUSTOMER_NUMBER") == "" {
		return shopgateCredentials{CustomerNumber: demoCustomerNumber, ShopNumber: demoShopNumber,
			APIKey: demoAPIKey, Server: "custom", ShopNumberUS: demoShopNumberUS}, true
	}
	c := shopgateCredentials{
		CustomerNumber: getenv("SHOPGATE_CUSTOMER_NUMBER"),
		ShopNumber:     getenv("SHOPGATE_SHOP_NUMBER"),
		APIKey:         getenv("SHOPGATE_APIKEY"),
		Server:         getenv("SHOPGATE_SERVER"),
		APIURL:         getenv("SHOPGATE_API_URL"),
		ShopNumberUS:   getenv("SHOPGATE_SHOP_NUMBER_US"),
	}
	if c.Server == "" {
		c.Server = "live"
	}
	return c, false
}

// shopgateState is what the Shopgate integration shares with the other
// integration files: the Merchant API client, the fake behind it in demo
// mode, the plugin logs and the Plugin API configuration that the order
// and catalogue integrations complete before mountPluginAPI builds it.
type shopgateState struct {
	Creds   shopgateCredentials
	Client  *shopgate.Client
	Fake    *shopgatetest.Server
	Logs    *logs.Set
	Plugin  pluginapi.Config
	Handler *pluginapi.Handler
	// ClearCache are run by the Plugin API's clear_cache action; the other
	// integrations add what they cache (e.g. the redirect keyword lists).
	ClearCache []func(ctx context.Context) error
	// SettingsChanged are called after Shopgate changed settings through
	// set_settings (e.g. the mobile redirect follows alias changes).
	SettingsChanged []func(shopNumber string, changed map[string]any)
	// Watcher applies settings another process stored (shareSettings).
	Watcher *settingsync.Watcher
}

// setupShopgate creates the plugin logs and the Merchant API client; in
// demo mode it starts the fake Merchant API in-process so every flow works
// offline. mountPluginAPI finishes the job after the other integrations
// have added their adapters to a.sg.Plugin.
func (a *App) setupShopgate() error {
	creds, demoCreds := shopgateCredentialsFromEnv(os.Getenv)
	// Real credentials switch demo mode off.
	demo := a.Demo && demoCreds
	a.Demo = demo
	st := &shopgateState{Creds: creds}
	ls, err := a.openPluginLogs(creds.ShopNumber)
	if err != nil {
		return err
	}
	st.Logs = ls

	cc := shopgate.ClientConfig{
		Environment:    shopgate.Environment(creds.Server),
		BaseURL:        creds.APIURL,
		CustomerNumber: creds.CustomerNumber,
		ShopNumber:     creds.ShopNumber,
		APIKey:         creds.APIKey,
		PluginVersion:  pluginapi.Version,
		Logger:         ls.RequestLogger(),
		Observe: func(action, outcome string, d time.Duration) {
			a.metrics.MerchantAPI(action, outcome, d)
			a.status.MerchantAPI(action, outcome, d)
		},
	}
	// On PostgreSQL all processes share one budget; SQLite serves one
	// process (docs/protocol/merchant-api.md#shared-request-budget).
	// Benchmarks lift it.
	if v := os.Getenv("SHOPGATE_REQUESTS_PER_HOUR"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n == 0 {
			return fmt.Errorf("SHOPGATE_REQUESTS_PER_HOUR %q: want a number of requests, negative for no limit", v)
		}
		cc.RequestsPerHour = n
	}
	if a.DB.Dialector.Name() == "postgres" {
		if cc.Budget, err = gormstore.NewRateBudget(a.DB); err != nil {
			return fmt.Errorf("shopgate request budget: %w", err)
		}
	}
	if demo {
		st.Fake = shopgatetest.NewServer(shopgatetest.WithCredentials(creds.CustomerNumber, creds.APIKey, creds.ShopNumber))
		a.OnClose(st.Fake.Close)
		cc.Environment, cc.BaseURL = shopgate.EnvCustom, st.Fake.URL()
		cc.RequestsPerHour = -1
	}
	if st.Client, err = shopgate.NewClient(cc); err != nil {
		return fmt.Errorf("shopgate client: %w", err)
	}
	enable := map[string]bool{}
	for _, action := range []string{"add_order", "update_order", "cron", "get_items", "get_categories",
		"get_reviews", "get_settings", "get_debug_info", "get_customer", "register_customer", "get_orders", "sync_favourite_list", "check_cart", "check_stock"} {
		enable[action] = true
	}
	// The Mobile Website settings start from the environment (demo: on,
	// alias demo-shop); Shopgate may change them later with set_settings.
	mw := mobileRedirectSettings(os.Getenv, demo, creds.ShopNumber)
	initial := map[string]any{"enable_mobile_website": mw.Enabled, "shop_is_active": mw.ShopActive, "cname": mw.CNAME}
	if mw.Alias != "" {
		initial["alias"] = mw.Alias
	}
	st.Plugin = pluginapi.Config{
		Shops: []pluginapi.ShopConfig{{
			CustomerNumber: creds.CustomerNumber, ShopNumber: creds.ShopNumber, APIKey: creds.APIKey,
			Server: creds.Server, APIURL: creds.APIURL, Enable: enable, Logs: ls, Settings: initial,
		}},
		CacheDir: filepath.Join(a.DataDir, "shopgate-cache"),
		Store:    gormstore.Settings{DB: a.DB},
		// The API key the merchant saves in the panel is stored encrypted
		// with the key of the DropHero keys; every server of the shop
		// needs the same SHOPBRIDGE_SECRET_KEY or key file.
		Secrets:         lazySecretBox{a},
		DatabaseDialect: a.DB.Dialector.Name(),
		Logger:          a.Log,
		Info:            shopInfo{a},
		Observe: func(action string, code, records int, d time.Duration) {
			a.metrics.PluginAPI(action, code, records, d)
			a.status.PluginAPI(action, code, records, d)
		},
		OnProgress: a.status.ReportProgress,
	}
	// The second marketplace sells in English and US dollars with the same
	// catalogue, cart and settings adapters ({lang}/{currency} in their
	// mappings); it is configured when it has a shop number.
	if creds.ShopNumberUS != "" {
		st.Plugin.Shops[0].Language, st.Plugin.Shops[0].Currency, st.Plugin.Shops[0].Country = "de", Currency, "DE"
		st.Plugin.Shops = append(st.Plugin.Shops, pluginapi.ShopConfig{
			CustomerNumber: creds.CustomerNumber, ShopNumber: creds.ShopNumberUS, APIKey: creds.APIKey,
			Server: creds.Server, APIURL: creds.APIURL, Enable: enable,
			Language: "en", Currency: "USD", Country: "US", Logs: a.pluginLogsOf(creds.ShopNumberUS),
		})
		st.Plugin.LogDir = filepath.Join(a.DataDir, "shopgate-logs")
	}
	if creds.Server == "custom" && !demo {
		st.Plugin.Shops[0].APIURL = creds.APIURL
	}
	if demo {
		st.Plugin.Shops[0].APIURL = st.Fake.URL() // the panel's connection test
	}
	a.sg = st
	if demo {
		// The API key never reaches a log, not even the demo one: it is in
		// the README and in this file (demoAPIKey).
		a.Log.Info("Shopgate demo mode: Plugin API credentials",
			zap.String("customer_number", creds.CustomerNumber), zap.String("shop_number", creds.ShopNumber),
			zap.String("apikey", "see README (demo key)"), zap.String("plugin_api", a.PublicURL+"/shopgate/api"),
			zap.String("fake_merchant_api", st.Fake.URL()))
	}
	return nil
}

// mountPluginAPI builds the Plugin API with the adapters the integrations
// registered and mounts it at POST /shopgate/api.
func (a *App) mountPluginAPI() error {
	if err := os.MkdirAll(a.sg.Plugin.CacheDir, 0o750); err != nil {
		return err
	}
	st := a.sg
	a.sg.Plugin.OnClearCache = func(ctx context.Context, _ adapters.Shop) error {
		for _, f := range st.ClearCache {
			if err := f(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	a.sg.Plugin.OnSettingsChanged = func(shopNumber string, changed map[string]any) {
		for _, f := range st.SettingsChanged {
			f(shopNumber, changed)
		}
	}
	h, err := pluginapi.New(a.sg.Plugin)
	if err != nil {
		return err
	}
	a.sg.Handler = h
	a.OnClose(func() { h.Close() })
	h.Mount(a.Echo.Group("/shopgate/api"))
	return a.shareSettings(h)
}

// shareSettings keeps this process in step with the others on the same
// database (docs/architecture.md#shared-settings): the Merchant API client
// follows the live settings (server, URL, credentials; stored ones win
// over the environment), and a settingsync.Watcher applies what another
// process stored, within a second by PostgreSQL notification or within
// its 5 s check.
func (a *App) shareSettings(h *pluginapi.Handler) error {
	st, number := a.sg, a.sg.Creds.ShopNumber
	// Changes may be reported concurrently (a local change and one read
	// from another process): one at a time, each reading the live
	// settings, so the last one applied is the newest.
	var mu sync.Mutex
	follow := func() {
		mu.Lock()
		defer mu.Unlock()
		cr, ok := h.MerchantCredentials(number)
		if !ok {
			return
		}
		if err := st.Client.SetCredentials(cr); err != nil {
			// The error names the setting, never a key.
			a.Log.Error("Merchant API client: new Shopgate settings refused, keeping the old ones", zap.Error(err))
		}
	}
	follow()
	st.SettingsChanged = append(st.SettingsChanged, func(shopNumber string, changed map[string]any) {
		if shopgate.SameNumber(shopNumber, number) && pluginapi.AffectsMerchantAPI(changed) {
			follow()
		}
	})
	w, err := settingsync.New(settingsync.Config{DB: a.DB, Version: gormstore.Settings{DB: a.DB}.Version,
		Apply: h.Reload, Logger: a.Log.Named("settingsync"), OnApply: a.metrics.SettingsApplied})
	if err != nil {
		return err
	}
	// Its state on /metrics and the panel's Overview
	// (docs/operations.md#settings-watcher-state).
	if err := a.metrics.WatchSettings(func() metrics.SettingsState {
		st := w.State()
		return metrics.SettingsState{Listening: st.Listening, LastApplied: st.LastApplied}
	}); err != nil {
		return err
	}
	a.sg.Watcher = w
	a.Background(func(ctx context.Context) { _ = w.Run(ctx) })
	// Stopped before the database closes.
	a.OnClose(func() { _ = w.Close() })
	return nil
}

// lazySecretBox is the App's cipher, built on first use, so that no key
// file is created before there is a secret to store.
type lazySecretBox struct{ a *App }

// Encrypt implements pluginapi.SecretBox.
func (l lazySecretBox) Encrypt(plain string) (string, error) {
	c, err := l.a.secretBox()
	if err != nil {
		return "", err
	}
	return c.Encrypt(plain)
}

// Decrypt implements pluginapi.SecretBox.
func (l lazySecretBox) Decrypt(enc string) (string, error) {
	c, err := l.a.secretBox()
	if err != nil {
		return "", err
	}
	return c.Decrypt(enc)
}

// secretBox returns the cipher that encrypts stored credentials (DropHero
// keys, the Shopgate API key saved in the panel), built once from
// SHOPBRIDGE_SECRET_KEY or the key file.
func (a *App) secretBox() (*dropship.Cipher, error) {
	a.cipherOnce.Do(func() {
		var key []byte
		if key, a.cipherErr = dropHeroKey(a.keyFile, a.Log); a.cipherErr == nil {
			a.cipher, a.cipherErr = dropship.NewCipher(key)
		}
	})
	return a.cipher, a.cipherErr
}
