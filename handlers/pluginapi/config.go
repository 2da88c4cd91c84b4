package pluginapi

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/progress"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/logs"
)

// Config configures a Plugin API handler. Only Shops is required.
type Config struct {
	// Shops are the Shopgate shops (marketplaces) answered on this mount,
	// one per shop number. With one shop, requests without shop_number are
	// for it; with several, shop_number selects the shop and an unknown or
	// missing one is answered with 24.
	Shops []ShopConfig

	// LogDir is where the four plugin logs are kept (one sub-directory per
	// shop number when there are several shops). Default "shopgate-logs".
	LogDir string
	// LogOptions configure rotation of the plugin logs.
	LogOptions logs.Options
	// CacheDir is the only directory clear_cache deletes files from.
	CacheDir string

	// LibraryVersion is reported as shopgate_library_version and in the
	// Merchant API headers. Default shopgate.DefaultLibraryVersion.
	LibraryVersion string
	// PluginVersion is the version of this integration. Default Version.
	PluginVersion string

	// MaxBodyBytes limits the request body; larger bodies get HTTP 413
	// (a declared Content-Length over it before anything is read).
	// Default 16 MiB.
	MaxBodyBytes int64
	// MaxVars limits the number of form variables. Default 100000.
	MaxVars int
	// MaxDepth limits bracket nesting of form variables. Default 64.
	MaxDepth int

	// PreAuthLogBytesPerSecond and PreAuthLogBurstBytes budget what
	// requests that did not authenticate may write to the logs of a shop
	// (a token bucket shared by the access and error log and the Logger
	// copy); entries over it are dropped and counted in one summary line,
	// so that unauthenticated traffic cannot rotate the history away.
	// Defaults 1 KiB/s and 64 KiB; a negative value switches the budget
	// off (docs/protocol/plugin-api.md#bounded-logging-of-unauthenticated-requests).
	PreAuthLogBytesPerSecond int
	PreAuthLogBurstBytes     int

	// InsecureSkipAuth switches authentication off. For local development
	// only: every request then logs a warning. Default false.
	InsecureSkipAuth bool

	// Store persists configuration changed by set_settings or the panel.
	// Nil keeps changes in memory only. A Store that is also a
	// SettingsUpdater (adapters/gormstore.Settings) makes every change a
	// read-modify-write of the stored document, so several processes on
	// one database never undo each other's changes; Reload applies what
	// the others stored (docs/architecture.md#shared-settings).
	Store SettingsStore
	// Secrets encrypts the Shopgate API key the merchant sets in a control
	// panel (ChangeSettings) before Store persists it, e.g. a
	// *dropship.Cipher. Without it such a change is refused when Store is
	// set (ErrNoSecretBox).
	Secrets SecretBox

	// Adapters answering the actions. Each is optional; an action whose
	// adapter is missing is answered as disabled (22). Orders and Cron are
	// normally an orders.Service, the others the host's own adapters.
	Orders    OrderImporter
	Cron      CronJobs
	Customers adapters.Customers
	Info      adapters.Info
	// Cart answers check_cart and check_stock (e.g. an adapters/gormcart
	// Cart).
	Cart adapters.CartChecker
	// CartHooks adjust the Cart adapter's check_cart answer, in order
	// (e.g. the DropHero shipping of dropship.Service.CartShipping); see
	// CartHook. Handler.AddCartHook adds more.
	CartHooks []CartHook
	// Settings answers get_settings (e.g. an adapters/gormcart Settings).
	Settings adapters.SettingsSource

	// Catalog is the source of get_items, get_categories and get_reviews
	// (e.g. an adapters/gormcatalog source).
	Catalog adapters.CatalogSource

	// OnClearCache runs during clear_cache (e.g. to drop cached redirect
	// keywords). Optional.
	OnClearCache func(ctx context.Context, shop adapters.Shop) error
	// OnSettingsChanged is called after set_settings persisted changes,
	// with the changed keys and their new values. Optional.
	OnSettingsChanged func(shopNumber string, changed map[string]any)

	// DatabaseDialect is reported in ping (e.g. "postgres", "sqlite").
	DatabaseDialect string
	// Logger receives a copy of every error entry. Default: no copy.
	Logger *zap.Logger
	// Now is the clock (for tests). Default time.Now.
	Now func() time.Time
	// Observe, when set, is called once per request after the answer with
	// the action (a whitelisted name, or "unknown"), the envelope's error
	// code (0: success; a broken streamed export counts as 999), the
	// records an export wrote and the duration; metrics.Metrics.PluginAPI
	// is such a hook. Default: none.
	Observe func(action string, code, records int, d time.Duration)
	// OnProgress receives the progress of a running catalogue export every
	// ProgressInterval (default 10s); the progress is also written to the
	// access log (e.g. status.Service.ReportProgress). Optional.
	OnProgress       func(progress.Snapshot)
	ProgressInterval time.Duration
}

// ShopConfig is the configuration of one Shopgate shop.
type ShopConfig struct {
	// CustomerNumber, ShopNumber and APIKey are the merchant's Shopgate
	// credentials.
	CustomerNumber string
	ShopNumber     string
	APIKey         string
	// Language, Currency and Country are the export locale. Defaults de,
	// EUR, DE.
	Language string
	Currency string
	Country  string
	// Alias and CNAME address the shop's mobile website.
	Alias string
	CNAME string
	// Server is live, pg, sl or custom; APIURL is the Merchant API URL for
	// custom.
	Server string
	APIURL string
	// Enable switches actions on (true) or off (false) over their defaults,
	// keyed by action name ("add_order").
	Enable map[string]bool
	// Settings sets further configuration keys by their Plugin API names.
	Settings map[string]any
	// Logs is an already opened log set for this shop (e.g. one whose
	// RequestLogger the Merchant API client writes to). Default: opened in
	// LogDir. The handler does not close a set it did not open.
	Logs *logs.Set
}

// SettingsStore persists the configuration keys a shop changed through
// set_settings, so they survive a restart.
type SettingsStore interface {
	// Load returns the stored overrides of a shop (nil when none).
	Load(ctx context.Context, shopNumber string) (map[string]any, error)
	// Save replaces the stored overrides of a shop atomically.
	Save(ctx context.Context, shopNumber string, overrides map[string]any) error
}

// Version is the version of this integration, the default PluginVersion.
const Version = "0.1.0"

// defaultMaxBodyBytes is the default request body limit.
const defaultMaxBodyBytes = 16 << 20

func (c *Config) withDefaults() {
	if c.LogDir == "" {
		c.LogDir = "shopgate-logs"
	}
	if c.LibraryVersion == "" {
		c.LibraryVersion = shopgate.DefaultLibraryVersion
	}
	if c.PluginVersion == "" {
		c.PluginVersion = Version
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = defaultMaxBodyBytes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.PreAuthLogBytesPerSecond == 0 {
		c.PreAuthLogBytesPerSecond = defaultPreAuthLogRate
	}
	if c.PreAuthLogBurstBytes == 0 {
		c.PreAuthLogBurstBytes = defaultPreAuthLogBurst
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
}

// shopSettings builds the initial settings of a shop from its config.
func (sc ShopConfig) settings() (settings, error) {
	s := defaultSettings()
	set := func(k, v string) {
		if v != "" {
			s[k] = v
		}
	}
	set("customer_number", sc.CustomerNumber)
	set("shop_number", sc.ShopNumber)
	set("apikey", sc.APIKey)
	set("language", sc.Language)
	set("currency", sc.Currency)
	set("country", sc.Country)
	set("alias", sc.Alias)
	set("cname", sc.CNAME)
	set("server", sc.Server)
	set("api_url", sc.APIURL)
	for name, on := range sc.Enable {
		if _, ok := actionSpecs[name]; !ok && name != "mobile_website" && name != "default_redirect" && name != "redirect_keyword_update" {
			return nil, fmt.Errorf("enable: unknown action %q", name)
		}
		s["enable_"+name] = on
	}
	for k, v := range sc.Settings {
		if _, ok := settingSpecs[k]; !ok {
			return nil, fmt.Errorf("unknown setting %q", k)
		}
		s[k] = v
	}
	for _, k := range []string{"customer_number", "shop_number", "apikey", "alias", "cname", "server", "api_url", "language", "country", "currency"} {
		if v, ok := s[k].(string); ok && v != "" {
			if err := validateSetting(k, v); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// errNoShops is returned by New without any shop.
var errNoShops = errors.New("pluginapi: Config.Shops is empty")

// shopLogDir is the log directory of a shop.
func (c *Config) shopLogDir(shopNumber string) string {
	if len(c.Shops) == 1 {
		return c.LogDir
	}
	return filepath.Join(c.LogDir, shopNumber)
}
