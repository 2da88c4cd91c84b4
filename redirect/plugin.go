package redirect

// PluginSettings reads the live Plugin API configuration of a shop by
// setting name ("alias", "enable_mobile_website", ...), as configured at
// start and changed by Shopgate through set_settings. *pluginapi.Handler
// satisfies it; shopNumber "" selects its only shop.
type PluginSettings interface {
	Setting(shopNumber, key string) any
}

// WithPluginSettings returns base overlaid with the Mobile Redirect
// settings the Plugin API holds for shop base.ShopNumber, so that the
// Plugin API is the one source: ping shows what the redirect does and
// set_settings changes it (rebuild the Config in pluginapi's
// OnSettingsChanged and pass it to middleware.MobileRedirectSettings.Update).
//
// The mapping:
//
//	enable_mobile_website   → Enabled
//	shop_is_active          → ShopActive
//	alias, cname            → Alias, CNAME
//	enable_default_redirect → DefaultRedirect
//	html_tags               → HTMLTags
//	redirectable_get_params → RedirectableParams ([]string)
//	mobile_header_parent    → HeaderParent (when not empty)
//	mobile_header_prepend   → HeaderAppend (negated)
//
// A setting that is missing or has another type leaves the base value.
// Everything else (ShopNumber, Server, Technique, PageTypes, MobileHeader,
// HeaderText, SuppressBrowserRedirect) is local configuration and stays as
// in base; in particular the Mobile Website environment may differ from
// the Plugin API's server setting.
func WithPluginSettings(base Config, s PluginSettings) Config {
	cfg := base
	get := func(key string) any { return s.Setting(base.ShopNumber, key) }
	str := func(key string, dst *string) {
		if v, ok := get(key).(string); ok {
			*dst = v
		}
	}
	flag := func(key string, dst *bool) {
		if v, ok := get(key).(bool); ok {
			*dst = v
		}
	}
	flag("enable_mobile_website", &cfg.Enabled)
	flag("shop_is_active", &cfg.ShopActive)
	str("alias", &cfg.Alias)
	str("cname", &cfg.CNAME)
	flag("enable_default_redirect", &cfg.DefaultRedirect)
	str("html_tags", &cfg.HTMLTags)
	if v, ok := get("redirectable_get_params").([]string); ok {
		cfg.RedirectableParams = v
	}
	if v, ok := get("mobile_header_parent").(string); ok && v != "" {
		cfg.HeaderParent = v
	}
	if v, ok := get("mobile_header_prepend").(bool); ok {
		cfg.HeaderAppend = !v
	}
	return cfg
}
