package adapters

import "context"

// Info supplies the informational parts of ping, get_debug_info and
// clear_cache (get_settings is answered by a SettingsSource). Each method
// may return nil for the default.
type Info interface {
	// PluginInfo is ping's plugin_info.
	PluginInfo(ctx context.Context, shop Shop) (map[string]any, error)
	// ShopInfo is ping's shop_info (category_count, item_count, ...).
	ShopInfo(ctx context.Context, shop Shop) (map[string]any, error)
	// DebugInfo is the payload of get_debug_info.
	DebugInfo(ctx context.Context, shop Shop) (map[string]any, error)
	// CacheFiles lists cache files clear_cache deletes; paths outside the
	// configured cache directory are refused.
	CacheFiles(ctx context.Context, shop Shop) ([]string, error)
}
