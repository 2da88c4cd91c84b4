package main

import (
	"context"
	"runtime"
	"strconv"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

func b01(b bool) int {
	if b {
		return 1
	}
	return 0
}

// shopInfo fills ping's shop_info and get_settings.
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

// Settings describes customer groups, countries, payment methods and tax.
func (s shopInfo) Settings(ctx context.Context, _ adapters.Shop) (map[string]any, error) {
	db := s.a.DB.WithContext(ctx)
	var groups []CustomerGroup
	if err := db.Order("id").Find(&groups).Error; err != nil {
		return nil, shopgate.DatabaseError("load customer groups", err)
	}
	var taxes []TaxClass
	if err := db.Order("id").Find(&taxes).Error; err != nil {
		return nil, shopgate.DatabaseError("load tax classes", err)
	}
	cg := []any{}
	for i, g := range groups {
		cg = append(cg, map[string]any{"id": strconv.Itoa(int(g.ID)), "name": g.Name, "is_default": b01(i == 0),
			"customer_tax_class_key": "default"})
	}
	ptc, rates, rules := []any{}, []any{}, []any{}
	for _, t := range taxes {
		id := strconv.Itoa(int(t.ID))
		ptc = append(ptc, map[string]any{"id": id, "key": t.Name})
		rates = append(rates, map[string]any{"id": id, "key": "rate_" + id, "display_name": t.Name,
			"tax_percent": t.Rate.StringFixed(2), "country": "DE", "state": "", "zipcode_type": "all"})
		rules = append(rules, map[string]any{"id": id, "name": t.Name, "priority": 0,
			"product_tax_classes":  []any{map[string]any{"id": id, "key": t.Name}},
			"customer_tax_classes": []any{map[string]any{"id": "1", "key": "default"}},
			"tax_rates":            []any{map[string]any{"id": id, "key": "rate_" + id}}})
	}
	countries := []any{map[string]any{"country": "DE", "state": []any{"All"}}, map[string]any{"country": "AT", "state": []any{"All"}}}
	return map[string]any{
		"customer_groups":            cg,
		"allowed_address_countries":  countries,
		"allowed_shipping_countries": countries,
		"payment_methods": []any{map[string]any{"id": PaymentPrepayment, "name": "Prepayment"},
			map[string]any{"id": PaymentInvoice, "name": "Invoice"}},
		"tax": map[string]any{"product_tax_classes": ptc,
			"customer_tax_classes": []any{map[string]any{"id": "1", "key": "default", "is_default": 1}},
			"tax_rates":            rates, "tax_rules": rules},
	}, nil
}

// CacheFiles: the example shop caches nothing on disk.
func (s shopInfo) CacheFiles(context.Context, adapters.Shop) ([]string, error) { return nil, nil }
