package main

import (
	"encoding/xml"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// callShopNumber is callShop for another marketplace than the first.
func callShopNumber(t *testing.T, srv *httptest.Server, shopNumber string, args ...string) (int, map[string]any, string) {
	t.Helper()
	return callShop(t, srv, time.Now(), append([]string{args[0], "shop_number=" + shopNumber}, args[1:]...)...)
}

// The two demo marketplaces export the same catalogue in German/EUR and
// English/USD, and check carts in their language and currency.
func TestTwoMarketplaces(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		t.Cleanup(a.Close)
		b := newBrowser(t, a)
		var first Product
		if err := db.Where("parent_id IS NULL").Order("id").First(&first).Error; err != nil {
			t.Fatal(err)
		}
		uid := strconv.Itoa(int(first.ID))
		type item struct {
			UID       string `xml:"uid,attr"`
			Name      string `xml:"name"`
			Currency  string `xml:"currency"`
			SalePrice string `xml:"prices>sale_price"`
		}
		export := func(shop string) item {
			t.Helper()
			_, body := pluginCall(t, b, url.Values{"action": {"get_items"}, "shop_number": {shop}, "uids[]": {uid}})
			var doc struct {
				Items []item `xml:"item"`
			}
			if err := xml.Unmarshal(body, &doc); err != nil || len(doc.Items) != 1 {
				t.Fatalf("get_items for %s: %v %s", shop, err, body)
			}
			return doc.Items[0]
		}
		de, en := export(demoShopNumber), export(demoShopNumberUS)
		usd := first.Price.Mul(decimal.RequireFromString("1.1")).Round(2)
		if de.Name != germanNames[0] || de.Currency != "EUR" || en.Name != first.Name || en.Currency != "USD" {
			t.Errorf("de %+v, en %+v", de, en)
		}
		if got, err := decimal.NewFromString(en.SalePrice); err != nil || !got.Equal(usd) || de.SalePrice == en.SalePrice {
			t.Errorf("prices: de %s, en %s (USD %s)", de.SalePrice, en.SalePrice, usd)
		}

		srv := httptest.NewServer(a.Echo)
		t.Cleanup(srv.Close)
		var inStock Product
		if err := db.Where("active AND stock_quantity > 2 AND parent_id IS NULL").Order("id").First(&inStock).Error; err != nil {
			t.Fatal(err)
		}
		id := strconv.Itoa(int(inStock.ID))
		cart := []string{"check_cart", "cart[items][0][item_number]=" + id, "cart[items][1][item_number]=nope",
			"cart[delivery_address][country]=AT", "cart[external_coupons][0][code]=NOPE"}
		_, m, out := callShop(t, srv, time.Now(), cart...)
		_, mu, outU := callShopNumber(t, srv, demoShopNumberUS, cart...)
		if m["currency"] != "EUR" || mu["currency"] != "USD" {
			t.Fatalf("currencies: %s\n%s", out, outU)
		}
		deItem, enItem := m["items"].([]any)[1].(map[string]any), mu["items"].([]any)[1].(map[string]any)
		if deItem["error_text"] != "Dieser Artikel ist nicht mehr erhältlich." || enItem["error_text"] != "This product is no longer available." {
			t.Errorf("messages: %v / %v", deItem, enItem)
		}
		deShip, enShip := m["shipping_methods"].([]any), mu["shipping_methods"].([]any)
		if len(deShip) != 1 || len(enShip) != 1 || deShip[0].(map[string]any)["amount_with_tax"] != 7.9 ||
			enShip[0].(map[string]any)["amount_with_tax"] != 8.9 {
			t.Errorf("shipping to AT: %v / %v", deShip, enShip)
		}
		// Poland is not shipped to.
		_, m, _ = callShop(t, srv, time.Now(), "check_cart", "cart[items][0][item_number]="+id, "cart[delivery_address][country]=PL")
		if len(m["shipping_methods"].([]any)) != 0 {
			t.Errorf("shipping to PL: %v", m["shipping_methods"])
		}
		// get_settings: Retail is the default group; DE/AT/CH with their
		// own tax rates.
		_, m, out = callShop(t, srv, time.Now(), "get_settings")
		groups := m["customer_groups"].([]any)
		if g := groups[0].(map[string]any); g["name"] != "Retail" || g["is_default"].(float64) != 1 {
			t.Errorf("groups: %s", out)
		}
		if len(m["allowed_shipping_countries"].([]any)) != 3 || len(m["tax"].(map[string]any)["tax_rates"].([]any)) != 6 {
			t.Errorf("settings: %s", out)
		}
	})
}
