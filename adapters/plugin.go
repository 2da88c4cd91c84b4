package adapters

import "context"

// Plugin API actions answered by the host shop. Every interface is
// optional: an action whose adapter is not configured is answered as a
// disabled action (22). The order actions (add_order, update_order, cron)
// are answered by shopbridge's orders service, not by the host: their
// interfaces live in handlers/pluginapi.

// Cart answers check_cart and check_stock.
type Cart interface {
	// CheckCart validates a cart (Shopgate's cart structure, decoded from
	// the request) and returns the keys of the check_cart answer:
	// internal_cart_info, currency, customer, shipping_methods,
	// payment_methods, items, external_coupons.
	CheckCart(ctx context.Context, shop Shop, cart map[string]any) (map[string]any, error)
	// CheckStock returns the stock answer for each requested item.
	CheckStock(ctx context.Context, shop Shop, items []map[string]any) ([]map[string]any, error)
}

// Info supplies the informational parts of ping, get_debug_info,
// get_settings and clear_cache. Each method may return nil for the
// default.
type Info interface {
	// PluginInfo is ping's plugin_info.
	PluginInfo(ctx context.Context, shop Shop) (map[string]any, error)
	// ShopInfo is ping's shop_info (category_count, item_count, ...).
	ShopInfo(ctx context.Context, shop Shop) (map[string]any, error)
	// DebugInfo is the payload of get_debug_info.
	DebugInfo(ctx context.Context, shop Shop) (map[string]any, error)
	// Settings is the payload of get_settings (customer_groups, tax, ...).
	Settings(ctx context.Context, shop Shop) (map[string]any, error)
	// CacheFiles lists cache files clear_cache deletes; paths outside the
	// configured cache directory are refused.
	CacheFiles(ctx context.Context, shop Shop) ([]string, error)
}
