package main

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"
)

func TestShopgateCartAndStock(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		t.Cleanup(a.Close)
		srv := httptest.NewServer(a.Echo)
		t.Cleanup(srv.Close)
		var inStock, soldOut Product
		if err := db.Where("active = ? AND stock_quantity > 5 AND parent_id IS NULL", true).Order("id").First(&inStock).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Model(&Product{}).Where("id <> ?", inStock.ID).Order("id").Limit(1).Update("stock_quantity", 0).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Where("id <> ? AND stock_quantity = 0", inStock.ID).Order("id").First(&soldOut).Error; err != nil {
			t.Fatal(err)
		}
		id := strconv.Itoa(int(inStock.ID))
		now := time.Now()

		_, m, out := callShop(t, srv, now, "check_stock", "items[0][item_number]="+id, "items[1][item_number]=nope",
			"items[2][item_number]="+strconv.Itoa(int(soldOut.ID)))
		items, _ := m["items"].([]any)
		if m["error"].(float64) != 0 || len(items) != 3 {
			t.Fatalf("check_stock: %s", out)
		}
		first, missing, empty := items[0].(map[string]any), items[1].(map[string]any), items[2].(map[string]any)
		if first["is_buyable"].(float64) != 1 || first["stock_quantity"].(float64) != float64(inStock.StockQuantity) || first["error"] != nil {
			t.Errorf("in stock: %v", first)
		}
		if _, leaked := first["qty_buyable"]; leaked {
			t.Error("check_stock answered qty_buyable")
		}
		if missing["error"].(float64) != 301 || empty["error"].(float64) != 300 {
			t.Errorf("missing %v, sold out %v", missing, empty)
		}

		over := strconv.Itoa(inStock.StockQuantity + 3)
		_, m, out = callShop(t, srv, now, "check_cart", "cart[currency]=EUR",
			"cart[items][0][item_number]="+id, "cart[items][0][quantity]="+over,
			"cart[external_coupons][0][code]=welcome10", "cart[external_coupons][0][order_index]=1",
			"cart[external_coupons][1][code]=XMAS2024")
		if m["error"].(float64) != 0 {
			t.Fatalf("check_cart: %s", out)
		}
		ci := m["items"].([]any)[0].(map[string]any)
		if ci["error"].(float64) != 302 || ci["qty_buyable"].(float64) != float64(inStock.StockQuantity) ||
			ci["unit_amount_with_tax"] != inStock.Price.InexactFloat64() {
			t.Errorf("cart item: %v", ci)
		}
		coupons := m["external_coupons"].([]any)
		valid, expired := coupons[0].(map[string]any), coupons[1].(map[string]any)
		if valid["is_valid"].(float64) != 1 || expired["is_valid"].(float64) != 0 || expired["not_valid_message"] == "" {
			t.Errorf("coupons: %v", coupons)
		}
		if _, ok := valid["order_index"]; ok {
			t.Error("order_index returned")
		}
		// Without a delivery address the shop's country (DE) is assumed: the
		// cart is too heavy for express; prepayment, invoice and cash on
		// delivery are offered.
		if len(m["shipping_methods"].([]any)) != 1 || len(m["payment_methods"].([]any)) != 3 || m["currency"] != "EUR" {
			t.Errorf("methods: %s", out)
		}
	})
}
