package main

import (
	"context"
	"runtime"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

func b01(b bool) int {
	if b {
		return 1
	}
	return 0
}

// shopInfo fills ping's shop_info and get_debug_info.
type shopInfo struct{ a *App }

var _ adapters.Info = shopInfo{}

// PluginInfo names the host shop.
func (s shopInfo) PluginInfo(context.Context, adapters.Shop) (map[string]any, error) {
	return map[string]any{"shop_system": "shopbridge example_shop"}, nil
}

// ShopInfo counts categories, items and reviews.
func (s shopInfo) ShopInfo(ctx context.Context, _ adapters.Shop) (map[string]any, error) {
	db := s.a.DB.WithContext(ctx)
	var cats, items, reviews int64
	if err := db.Model(&Category{}).Where("active = ?", true).Count(&cats).Error; err != nil {
		return nil, shopgate.DatabaseError("count categories", err)
	}
	if err := db.Model(&Product{}).Where("active = ? AND parent_id IS NULL", true).Count(&items).Error; err != nil {
		return nil, shopgate.DatabaseError("count products", err)
	}
	if err := db.Model(&Review{}).Where("active = ?", true).Count(&reviews).Error; err != nil {
		return nil, shopgate.DatabaseError("count reviews", err)
	}
	return map[string]any{"category_count": cats, "item_count": items, "review_count": reviews}, nil
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
