package main

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// TestTaxClassesAgree: every tax class key the example answers — the
// customer of get_customer and check_cart, the customer groups, the
// exported items, shipping and payment methods — is one get_settings
// lists, with the same id, and every tax rule links listed classes and
// rates (docs/protocol/cart.md#get_settings). check_cart to DE, AT and CH
// taxes items, shipping and payment fees at the rate get_settings' rules
// give their class in that country for the customer's class, keeping the
// gross prices the shop stores; a Trade (business) customer buys
// tax-free to AT at the net prices
// (docs/protocol/cart.md#taxes-by-destination).
func TestTaxClassesAgree(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		t.Cleanup(a.Close)
		srv := httptest.NewServer(a.Echo)
		t.Cleanup(srv.Close)
		now := time.Now()
		var trade CustomerGroup
		if err := db.Where("name = ?", "Trade").Take(&trade).Error; err != nil {
			t.Fatal(err)
		}
		// The demo customer as a consumer (Retail) and as a business buyer
		// (Trade: tax class "business", tax-free to AT).
		for _, group := range []string{"Retail", "Trade"} {
			business := group == "Trade"
			if business {
				if err := db.Model(&Customer{}).Where("email = ?", demoEmail).Update("customer_group_id", trade.ID).Error; err != nil {
					t.Fatal(err)
				}
			}
			for _, shop := range []string{demoShopNumber, demoShopNumberUS} {
				t.Run(group+"/"+shop, func(t *testing.T) {
					_, set, out := callShop(t, srv, now, "get_settings", "shop_number="+shop)
					tax, _ := set["tax"].(map[string]any)
					if tax == nil {
						t.Fatalf("get_settings: %s", out)
					}
					classes := func(key string) map[string]string { // key -> id
						t.Helper()
						m := map[string]string{}
						for _, c := range tax[key].([]any) {
							cm := c.(map[string]any)
							m[fmt.Sprint(cm["key"])] = fmt.Sprint(cm["id"])
						}
						if len(m) == 0 {
							t.Fatalf("no %s: %s", key, out)
						}
						return m
					}
					product, customer := classes("product_tax_classes"), classes("customer_tax_classes")
					rates := map[string]bool{}
					for _, r := range tax["tax_rates"].([]any) {
						rates[fmt.Sprint(r.(map[string]any)["id"])] = true
					}
					ids := func(m map[string]string) map[string]bool {
						out := map[string]bool{}
						for _, id := range m {
							out[id] = true
						}
						return out
					}
					for _, r := range tax["tax_rules"].([]any) {
						rm := r.(map[string]any)
						for list, known := range map[string]map[string]bool{"product_tax_classes": ids(product),
							"customer_tax_classes": ids(customer), "tax_rates": rates} {
							for _, ref := range rm[list].([]any) {
								if id := fmt.Sprint(ref.(map[string]any)["id"]); !known[id] {
									t.Errorf("tax rule %v: %s id %s is not listed", rm["id"], list, id)
								}
							}
						}
					}
					wantKey := func(what string, m map[string]string, key any) {
						t.Helper()
						if _, ok := m[fmt.Sprint(key)]; !ok {
							t.Errorf("%s: tax class %v is not in get_settings (%v)", what, key, m)
						}
					}
					for _, g := range set["customer_groups"].([]any) {
						wantKey("customer group", customer, g.(map[string]any)["customer_tax_class_key"])
					}

					_, m, out := callShop(t, srv, now, "get_customer", "shop_number="+shop, "user="+demoEmail, "pass="+demoPassword)
					ud := m["user_data"].(map[string]any)
					wantKey("get_customer", customer, ud["tax_class_key"])
					if id := customer[fmt.Sprint(ud["tax_class_key"])]; fmt.Sprint(ud["tax_class_id"]) != id {
						t.Errorf("get_customer tax_class_id %v, get_settings id %s: %s", ud["tax_class_id"], id, out)
					}

					var products []Product
					if err := db.Preload("TaxClass").Where("active AND parent_id IS NULL").Order("id").Limit(5).Find(&products).Error; err != nil {
						t.Fatal(err)
					}
					// The rate get_settings' rules give a product tax class in a
					// country for the customer's class.
					ratePct := map[string]float64{}
					for _, r := range tax["tax_rates"].([]any) {
						rm := r.(map[string]any)
						ratePct[fmt.Sprint(rm["id"])] = rm["tax_percent"].(float64)
					}
					rateCountry := map[string]string{}
					for _, r := range tax["tax_rates"].([]any) {
						rm := r.(map[string]any)
						rateCountry[fmt.Sprint(rm["id"])] = fmt.Sprint(rm["country"])
					}
					ruleRate := map[string]decimal.Decimal{} // class key + "/" + country
					for _, r := range tax["tax_rules"].([]any) {
						rm := r.(map[string]any)
						forCustomer := false
						for _, c := range rm["customer_tax_classes"].([]any) {
							forCustomer = forCustomer || fmt.Sprint(c.(map[string]any)["key"]) == fmt.Sprint(ud["tax_class_key"])
						}
						if !forCustomer {
							continue
						}
						for _, pc := range rm["product_tax_classes"].([]any) {
							for _, rr := range rm["tax_rates"].([]any) {
								id := fmt.Sprint(rr.(map[string]any)["id"])
								ruleRate[fmt.Sprint(pc.(map[string]any)["key"])+"/"+rateCountry[id]] = decimal.NewFromFloat(ratePct[id])
							}
						}
					}
					// wantRate: net = gross / (1 + rate) with the rules' rate of
					// class in country (docs/protocol/cart.md#taxes-by-destination).
					wantRate := func(what, class, country string, net, gross any, pct any) {
						t.Helper()
						rate, ok := ruleRate[class+"/"+country]
						if !ok {
							t.Errorf("%s: get_settings has no rate for %s in %s", what, class, country)
							return
						}
						g := decimal.NewFromFloat(gross.(float64))
						if n := decimal.NewFromFloat(net.(float64)); !n.Equal(g.DivRound(decimal.NewFromInt(1).Add(rate.Shift(-2)), 2)) {
							t.Errorf("%s to %s: net %s of gross %s is not at %s %%", what, country, n, g, rate)
						}
						if pct != nil && !decimal.NewFromFloat(pct.(float64)).Equal(rate) {
							t.Errorf("%s to %s: tax_percent %v, get_settings %s", what, country, pct, rate)
						}
					}
					form := url.Values{"action": {"get_items"}, "shop_number": {shop}}
					for _, p := range products {
						form.Add("uids[]", strconv.Itoa(int(p.ID)))
					}
					grossIn, netIn := map[string][]any{}, map[string][]any{} // country -> items' gross, net
					for _, country := range []string{"DE", "AT", "CH"} {
						args := []string{"check_cart", "shop_number=" + shop, "cart[external_customer_id]=" + fmt.Sprint(ud["customer_id"]),
							"cart[delivery_address][country]=" + country}
						for i, p := range products {
							args = append(args, fmt.Sprintf("cart[items][%d][item_number]=%d", i, p.ID))
						}
						_, cart, out := callShop(t, srv, now, args...)
						cu, _ := cart["customer"].(map[string]any)
						if cu == nil {
							t.Fatalf("check_cart without customer: %s", out)
						}
						wantKey("check_cart customer", customer, cu["customer_tax_class_key"])
						for _, list := range []string{"shipping_methods", "payment_methods"} {
							if list == "shipping_methods" && len(cart[list].([]any)) == 0 {
								t.Errorf("no shipping to %s: %s", country, out)
							}
							for _, sm := range cart[list].([]any) {
								m := sm.(map[string]any)
								if k := m["tax_class"]; k != nil {
									wantKey("check_cart "+list, product, k)
									wantRate(fmt.Sprint(list, " ", m["id"]), fmt.Sprint(k), country, m["amount"], m["amount_with_tax"], m["tax_percent"])
								}
							}
						}
						items := cart["items"].([]any)
						if len(items) != len(products) {
							t.Fatalf("check_cart to %s: %s", country, out)
						}
						for i, it := range items {
							im := it.(map[string]any)
							wantRate("item "+fmt.Sprint(im["item_number"]), products[i].TaxClass.Name, country, im["unit_amount"], im["unit_amount_with_tax"], nil)
							grossIn[country] = append(grossIn[country], im["unit_amount_with_tax"])
							netIn[country] = append(netIn[country], im["unit_amount"])
							// Gross prices stay what the shop stores, which is
							// what the order import compares Shopgate's prices with.
							if shop == demoShopNumber && !business && !decimal.NewFromFloat(im["unit_amount_with_tax"].(float64)).Equal(products[i].Price) {
								t.Errorf("item %d to %s: gross %v, the shop's price %s", products[i].ID, country, im["unit_amount_with_tax"], products[i].Price)
							}
						}
					}
					switch {
					case fmt.Sprint(grossIn["DE"]) != fmt.Sprint(grossIn["CH"]):
						t.Errorf("gross prices differ by country: %v", grossIn)
					case !business && fmt.Sprint(grossIn["DE"]) != fmt.Sprint(grossIn["AT"]):
						t.Errorf("gross prices differ by country: %v", grossIn)
					case business && fmt.Sprint(netIn["DE"]) != fmt.Sprint(grossIn["AT"]):
						// Tax-free to AT: the net price of DE (the fixed rate).
						t.Errorf("business buyer to AT pays %v, not the net prices %v", grossIn["AT"], netIn["DE"])
					}
					if business && ud["tax_class_key"] != "business" {
						t.Errorf("Trade customer's tax class %v", ud["tax_class_key"])
					}
					res, body := signedPost(t, srv.URL, form, now)
					res.Body.Close()
					found := regexp.MustCompile(`<tax_class><!\[CDATA\[([^\]]*)\]\]></tax_class>`).FindAllSubmatch(body, -1)
					if len(found) != len(products) {
						t.Fatalf("get_items: %d tax classes for %d items", len(found), len(products))
					}
					for _, f := range found {
						wantKey("get_items", product, string(f[1]))
					}
				})
			}
		}
	})
}
