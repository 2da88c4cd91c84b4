package main

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestShopgateConnectDemoCustomer: the demo customer logs in with a group
// and a tax class, sees the seeded order history with item numbers equal
// to the catalogue export's uids (the product ids), and keeps favourites.
func TestShopgateConnectDemoCustomer(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		t.Cleanup(a.Close)
		srv := httptest.NewServer(a.Echo)
		t.Cleanup(srv.Close)
		now := time.Now()

		_, m, out := callShop(t, srv, now, "get_customer", "user="+demoEmail, "pass="+demoPassword)
		ud, _ := m["user_data"].(map[string]any)
		groups, _ := ud["customer_groups"].([]any)
		if len(groups) != 1 || groups[0].(map[string]any)["name"] != "Retail" || ud["tax_class_key"] != "default" {
			t.Fatalf("get_customer: %s", out)
		}
		if first := m["addresses"].([]any)[0].(map[string]any); first["street_1"] != "Heidestraße 17" {
			t.Errorf("default address not first: %v", first)
		}
		tok := ud["customer_token"].(string)

		_, m, out = callShop(t, srv, now, "get_orders", "customer_token="+tok, "customer_language=de_DE")
		orders, _ := m["orders"].([]any)
		if len(orders) != 3 {
			t.Fatalf("get_orders: %s", out)
		}
		newest := orders[0].(map[string]any)
		if newest["external_order_number"] != "900003" || newest["order_number"] != "1000099001" || newest["status_name"] != "Neu" {
			t.Errorf("newest order: %v", newest)
		}
		for _, o := range orders {
			for _, l := range o.(map[string]any)["items"].([]any) {
				it := l.(map[string]any)
				var p Product
				if err := db.Where("number = ?", it["item_number_public"]).Take(&p).Error; err != nil {
					t.Fatal(err)
				}
				if it["item_number"] != strconv.Itoa(int(p.ID)) {
					t.Errorf("item_number %v, want the export uid %d", it["item_number"], p.ID)
				}
			}
		}

		_, m, out = callShop(t, srv, now, "sync_favourite_list", "customer_token="+tok,
			"items[0][item_number]=1", "items[0][status]=new", "items[1][item_number]=2", "items[1][status]=new")
		if items, _ := m["items"].([]any); len(items) != 2 {
			t.Fatalf("sync_favourite_list: %s", out)
		}
		_, m, out = callShop(t, srv, now, "sync_favourite_list", "customer_token="+tok,
			"items[0][item_number]=1", "items[0][status]=deleted")
		if items, _ := m["items"].([]any); len(items) != 1 || items[0].(map[string]any)["item_number"] != "2" {
			t.Fatalf("sync_favourite_list after delete: %s", out)
		}
	})
}
