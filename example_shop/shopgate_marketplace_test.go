package main

import (
	"encoding/xml"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
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
		// own tax rates, and AT's 0 % for business buyers.
		_, m, out = callShop(t, srv, time.Now(), "get_settings")
		groups := m["customer_groups"].([]any)
		if g := groups[0].(map[string]any); g["name"] != "Retail" || g["is_default"].(float64) != 1 {
			t.Errorf("groups: %s", out)
		}
		if len(m["allowed_shipping_countries"].([]any)) != 3 || len(m["tax"].(map[string]any)["tax_rates"].([]any)) != 8 {
			t.Errorf("settings: %s", out)
		}
	})
}

// TestMarketplaceTextsAndGroupPrices: the German marketplace exports
// German category names, variant names and variant dimensions and titles
// its shipping methods in German; the USD marketplace has its own quantity
// and group prices (docs/protocol/cart.md#marketplaces).
func TestMarketplaceTextsAndGroupPrices(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		t.Cleanup(a.Close)
		b := newBrowser(t, a)
		var first Product
		if err := db.Where("parent_id IS NULL").Order("id").Preload("Variants", func(tx *gorm.DB) *gorm.DB {
			return tx.Order("id")
		}).First(&first).Error; err != nil {
			t.Fatal(err)
		}
		if len(first.Variants) == 0 {
			t.Fatal("the first demo product has no variants")
		}
		uid := strconv.Itoa(int(first.ID))
		get := func(shop string, form url.Values) string {
			t.Helper()
			form.Set("shop_number", shop)
			_, body := pluginCall(t, b, form)
			return string(body)
		}
		for _, tc := range []struct {
			shop       string
			want, miss []string
		}{
			{shop: demoShopNumber, want: []string{"<![CDATA[Größe]]>", "<![CDATA[Farbe]]>", "<![CDATA[Schwarz]]>",
				"<![CDATA[" + germanNames[0] + ", Schwarz, "}, miss: []string{"<![CDATA[Size]]>"}},
			{shop: demoShopNumberUS, want: []string{"<![CDATA[Size]]>", "<![CDATA[Colour]]>", "<![CDATA[Black]]>",
				"<![CDATA[" + first.Name + ", Black, "}, miss: []string{"Größe", germanNames[0]}},
		} {
			items := get(tc.shop, url.Values{"action": {"get_items"}, "uids[]": {uid}})
			for _, w := range tc.want {
				if !strings.Contains(items, w) {
					t.Errorf("get_items of %s lacks %q", tc.shop, w)
				}
			}
			for _, m := range tc.miss {
				if strings.Contains(items, m) {
					t.Errorf("get_items of %s has %q", tc.shop, m)
				}
			}
		}
		de, en := get(demoShopNumber, url.Values{"action": {"get_categories"}}), get(demoShopNumberUS, url.Values{"action": {"get_categories"}})
		if !strings.Contains(de, "<![CDATA[Bekleidung]]>") || strings.Contains(de, "<![CDATA[Clothing]]>") ||
			!strings.Contains(en, "<![CDATA[Clothing]]>") || strings.Contains(en, "Bekleidung") {
			t.Errorf("category names: German export has Bekleidung %v, English has Clothing %v",
				strings.Contains(de, "Bekleidung"), strings.Contains(en, "Clothing"))
		}

		// Trade buyers pay their group price in either currency.
		var trade CustomerGroup
		if err := db.Where("name = ?", "Trade").Take(&trade).Error; err != nil {
			t.Fatal(err)
		}
		var eurGroup, usdGroup TierPrice
		if err := db.Where("product_id = ? AND customer_group_id = ? AND currency = ?", first.ID, trade.ID, "EUR").Take(&eurGroup).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Where("product_id = ? AND customer_group_id = ? AND currency = ?", first.ID, trade.ID, "USD").Take(&usdGroup).Error; err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a.Echo)
		t.Cleanup(srv.Close)
		cart := []string{"check_cart", "cart[items][0][item_number]=" + uid, "cart[delivery_address][country]=DE",
			"cart[external_customer_group_id]=" + strconv.Itoa(int(trade.ID))}
		_, m, out := callShop(t, srv, time.Now(), cart...)
		_, mu, outU := callShopNumber(t, srv, demoShopNumberUS, cart...)
		unit := func(m map[string]any) decimal.Decimal {
			return decimal.NewFromFloat(m["items"].([]any)[0].(map[string]any)["unit_amount_with_tax"].(float64))
		}
		if !unit(m).Equal(eurGroup.Price) || !unit(mu).Equal(usdGroup.Price) || usdGroup.Price.Equal(eurGroup.Price) {
			t.Errorf("group prices: EUR %s (want %s), USD %s (want %s)\n%s\n%s", unit(m), eurGroup.Price, unit(mu), usdGroup.Price, out, outU)
		}
		// Cash on delivery costs 6.00 EUR or 6.60 USD.
		fee := func(m map[string]any) any { return m["payment_methods"].([]any)[2].(map[string]any)["amount_with_tax"] }
		if fee(m) != 6.0 || fee(mu) != 6.6 {
			t.Errorf("COD fees: %v EUR / %v USD", fee(m), fee(mu))
		}
		title := func(m map[string]any) any { return m["shipping_methods"].([]any)[0].(map[string]any)["title"] }
		if title(m) != "Standardversand (DHL, 2–3 Tage)" || title(mu) != "Standard (DHL, 2–3 days)" {
			t.Errorf("shipping titles: %v / %v", title(m), title(mu))
		}
	})
}
