package main

import (
	"context"
	"runtime"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

// shopInfo fills ping's shop_info and get_debug_info.
type shopInfo struct{ a *App }

var _ adapters.Info = shopInfo{}

// PluginInfo names the host shop.
func (s shopInfo) PluginInfo(context.Context, adapters.Shop) (map[string]any, error) {
	return map[string]any{"shop_system": "shopbridge example_shop"}, nil
}

// ShopInfo answers the catalogue adapter's cached counts of categories,
// items and reviews: no COUNT(*) on the request path, so ping stays fast
// at any catalogue size (docs/catalog.md#counts).
func (s shopInfo) ShopInfo(ctx context.Context, _ adapters.Shop) (map[string]any, error) {
	if s.a.catalog == nil {
		return nil, nil
	}
	n, err := s.a.catalog.Counts(ctx)
	if err != nil {
		return nil, shopgate.DatabaseError("count catalogue", err)
	}
	return n.ShopInfo(), nil
}

// DebugInfo reports runtime figures.
func (s shopInfo) DebugInfo(context.Context, adapters.Shop) (map[string]any, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return map[string]any{"goroutines": runtime.NumGoroutine(), "heap_alloc_bytes": ms.HeapAlloc,
		"database_dialect": s.a.DB.Dialector.Name()}, nil
}

// CacheFiles: the example shop caches nothing on disk.
func (s shopInfo) CacheFiles(context.Context, adapters.Shop) ([]string, error) { return nil, nil }
