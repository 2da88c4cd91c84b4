package main

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
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

		// Without an address the app's checkout cannot start: 70, and no
		// account is created (docs/protocol/customers.md#customers-without-an-address).
		_, m, out = callShop(t, srv, now, "register_customer", "user=no.address@example.com", "pass=n3w-Passw0rd",
			"user_data[first_name]=No", "user_data[last_name]=Address")
		var n int64
		if db.Model(&Customer{}).Where("email = ?", "no.address@example.com").Count(&n); m["error"] != 70.0 || n != 0 {
			t.Errorf("register_customer without address: %d accounts, %s", n, out)
		}

		_, m, out = callShop(t, srv, now, "get_orders", "customer_token="+tok, "customer_language=de_DE")
		orders, _ := m["orders"].([]any)
		if len(orders) != 3 {
			t.Fatalf("get_orders: %s", out)
		}
		newest := orders[0].(map[string]any)
		if newest["external_order_number"] != "900003" || newest["order_number"] != "1000099001" || newest["status_name"] != "Neu" {
			t.Errorf("newest order: %v", newest)
		}
		coupons := 0
		for _, o := range orders {
			// docs/protocol/customers.md#order-taxes: a coupon lowers the
			// taxes below those of the lines and fees.
			om := o.(map[string]any)
			num := func(v any) decimal.Decimal { return decimal.RequireFromString(fmt.Sprint(v)) }
			taxes, full := decimal.Zero, decimal.Zero
			for _, tx := range om["order_taxes"].([]any) {
				taxes = taxes.Add(num(tx.(map[string]any)["amount"]))
			}
			for _, l := range om["items"].([]any) {
				it := l.(map[string]any)
				full = full.Add(num(it["unit_amount_with_tax"]).Sub(num(it["unit_amount"])).Mul(num(it["quantity"])))
			}
			for _, e := range om["extra_costs"].([]any) {
				ec := e.(map[string]any)
				gross := num(ec["amount"])
				full = full.Add(gross.Sub(gross.Div(num(ec["tax_percent"]).Div(decimal.NewFromInt(100)).Add(decimal.NewFromInt(1))).Round(2)))
			}
			if cs, _ := om["external_coupons"].([]any); len(cs) > 0 {
				coupons++
				if !taxes.LessThan(full) {
					t.Errorf("order %v: coupon does not lower the taxes (%s, lines and fees %s)", om["external_order_number"], taxes, full)
				}
			} else if !taxes.Equal(full) {
				t.Errorf("order %v: taxes %s, lines and fees %s", om["external_order_number"], taxes, full)
			}
			if sum := num(om["amount_complete_net"]).Add(taxes); !sum.Equal(num(om["amount_complete_gross"])) {
				t.Errorf("order %v: net + taxes %s != gross %v", om["external_order_number"], sum, om["amount_complete_gross"])
			}
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

		if coupons == 0 {
			t.Errorf("no seeded order with a coupon: %s", out)
		}

		// A merchant bars the account from the app: 77 for login and
		// history, the storefront login is unaffected.
		if err := db.Model(&Customer{}).Where("email = ?", demoEmail).Update("connect_barred", true).Error; err != nil {
			t.Fatal(err)
		}
		if _, m, out = callShop(t, srv, now, "get_customer", "user="+demoEmail, "pass="+demoPassword); m["error"] != 77.0 {
			t.Errorf("get_customer of a barred account: %s", out)
		}
		if _, m, out = callShop(t, srv, now, "get_orders", "customer_token="+tok, "customer_language=de"); m["error"] != 77.0 {
			t.Errorf("get_orders of a barred account: %s", out)
		}
		if _, err := a.Authenticate(db, demoEmail, demoPassword); err != nil {
			t.Errorf("storefront login of a barred account: %v", err)
		}
		if err := db.Model(&Customer{}).Where("email = ?", demoEmail).Update("connect_barred", false).Error; err != nil {
			t.Fatal(err)
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
