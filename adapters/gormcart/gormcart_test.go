package gormcart_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcart"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

var (
	shopDE = adapters.Shop{Number: "31337", Language: "de", Currency: "EUR", Country: "DE"}
	shopEN = adapters.Shop{Number: "31338", Language: "en", Currency: "USD", Country: "DE"}
)

// api mounts a Plugin API with two marketplaces (German/EUR 31337,
// English/USD 31338) answered by the gormcart adapters.
func api(t *testing.T, db *gorm.DB) func(form ...string) map[string]any {
	t.Helper()
	cart, err := gormcart.New(cartConfig(db))
	if err != nil {
		t.Fatal(err)
	}
	settings, err := gormcart.NewSettings(settingsConfig(db))
	if err != nil {
		t.Fatal(err)
	}
	enable := map[string]bool{"check_cart": true, "check_stock": true, "get_settings": true}
	h, err := pluginapi.New(pluginapi.Config{
		Shops: []pluginapi.ShopConfig{
			{CustomerNumber: "10001", ShopNumber: "31337", APIKey: "deadbeefcafe00112233", Language: "de", Currency: "EUR", Country: "DE", Enable: enable},
			{CustomerNumber: "10001", ShopNumber: "31338", APIKey: "deadbeefcafe00112233", Language: "en", Currency: "USD", Country: "DE", Enable: enable},
		},
		LogDir: t.TempDir(), InsecureSkipAuth: true, Cart: cart, Settings: settings,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	e := echo.New()
	h.Mount(e.Group("/api"))
	return func(form ...string) map[string]any {
		t.Helper()
		v := url.Values{}
		for _, f := range form {
			k, val, _ := strings.Cut(f, "=")
			v.Add(k, val)
		}
		req := httptest.NewRequest(http.MethodPost, "/api", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("answer %q: %v", rec.Body.String(), err)
		}
		return m
	}
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { l, _ := v.([]any); return l }

// want compares JSON values of an answer with expectations given as JSON.
func want(t *testing.T, what string, got any, expected string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(expected), &w); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	e, _ := json.Marshal(w)
	if string(g) != string(e) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, e)
	}
}

// The check_cart worked example (docs/protocol/cart.md#worked-example):
// TS-1001 has only 2 in stock, HD-2002 is sold out, MUG-3003 is fine;
// SUMMER5 gives 5.00 off, EXPIRED20 has expired; the customer is in
// group 2 (whose price for the mug is lower).
func TestCheckCartWorkedExample(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedHost(t, db)
		call := api(t, db)
		m := call("action=check_cart", "shop_number=31338", "trace_id=sma-8b33d1",
			"cart[customer_number]=5550123", "cart[external_customer_id]=4711", "cart[external_customer_number]=K-004711",
			"cart[mail]=anna.schmidt@example.com", "cart[currency]=EUR", "cart[client][type]=androidphoneapp",
			`cart[internal_cart_info]={"quote":991}`,
			"cart[delivery_address][first_name]=Anna", "cart[delivery_address][last_name]=Schmidt",
			"cart[delivery_address][street_1]=Invalidenstraße 117", "cart[delivery_address][zipcode]=10115",
			"cart[delivery_address][city]=Berlin", "cart[delivery_address][country]=DE",
			"cart[items][0][item_number]=TS-1001", "cart[items][0][quantity]=3", "cart[items][0][unit_amount_with_tax]=19.95",
			`cart[items][0][internal_order_info]={"product_id":1001}`,
			"cart[items][1][item_number]=HD-2002", "cart[items][1][quantity]=1",
			"cart[items][1][options][0][option_number]=size", "cart[items][1][options][0][value_number]=XXL",
			"cart[items][2][item_number]=MUG-3003", "cart[items][2][quantity]=1",
			"cart[external_coupons][0][code]=SUMMER5", "cart[external_coupons][0][order_index]=1",
			"cart[external_coupons][1][code]=EXPIRED20")
		if m["error"].(float64) != 0 {
			t.Fatalf("answer %v", m)
		}
		// The English marketplace answers in English; its currency is USD
		// (the mug has a USD price; group prices are in EUR only).
		if m["currency"] != "USD" || m["internal_cart_info"] != nil {
			t.Errorf("currency %v, internal_cart_info %v", m["currency"], m["internal_cart_info"])
		}
		want(t, "customer", m["customer"], `{"customer_tax_class_key":"default","customer_groups":[{"id":"2"}]}`)
		want(t, "items", m["items"], `[
			{"item_number":"TS-1001","is_buyable":1,"qty_buyable":2,"stock_quantity":2,"unit_amount":16.76,
			 "unit_amount_with_tax":19.95,"error":302,"error_text":"Only 2 pieces are available.","options":[],"inputs":[],"attributes":[]},
			{"item_number":"HD-2002","is_buyable":0,"qty_buyable":0,"stock_quantity":0,"unit_amount":41.97,
			 "unit_amount_with_tax":49.95,"error":300,"error_text":"This product is sold out.",
			 "options":[{"option_number":"size","value_number":"XXL"}],"inputs":[],"attributes":[]},
			{"item_number":"MUG-3003","is_buyable":1,"qty_buyable":1,"stock_quantity":120,"unit_amount":12.18,
			 "unit_amount_with_tax":14.49,"error":null,"error_text":null,"options":[],"inputs":[],"attributes":[]}]`)
		want(t, "coupons", m["external_coupons"], `[
			{"code":"SUMMER5","name":"Summer voucher","description":null,"amount":null,"amount_net":4.2,"amount_gross":5,
			 "tax_type":"auto","currency":"USD","is_free_shipping":0,"internal_info":"12","is_valid":1,"not_valid_message":null},
			{"code":"EXPIRED20","name":null,"description":null,"amount":null,"amount_net":null,"amount_gross":null,
			 "tax_type":"auto","currency":"USD","is_free_shipping":null,"internal_info":null,"is_valid":0,
			 "not_valid_message":"This coupon has expired."}]`)
		want(t, "shipping", m["shipping_methods"], `[
			{"id":"dhl_standard","title":"DHL Standard","shipping_group":"DHL","description":"","sort_order":1,"amount":4.96,
			 "amount_with_tax":5.9,"tax_class":"shipping","tax_percent":19,"internal_shipping_info":"dhl_standard"}]`)
		want(t, "payment", m["payment_methods"], `[
			{"id":"PREPAY","amount":0,"amount_with_tax":0,"tax_class":null,"tax_percent":null},
			{"id":"COD","amount":5.04,"amount_with_tax":6,"tax_class":"payment","tax_percent":19}]`)

		// The German marketplace: German texts, euros, the group price of
		// the mug, both DHL methods (standard and express) for Germany.
		m = call("action=check_cart", "shop_number=31337", "cart[external_customer_id]=4711",
			"cart[delivery_address][country]=DE", "cart[items][0][item_number]=TS-1001", "cart[items][0][quantity]=3",
			"cart[items][1][item_number]=MUG-3003", "cart[external_coupons][0][code]=EXPIRED20")
		it := list(m["items"])
		if obj(it[0])["error_text"] != "Nur noch 2 Stück verfügbar." || obj(it[1])["unit_amount_with_tax"] != 9.99 || m["currency"] != "EUR" {
			t.Errorf("German marketplace: %v", m)
		}
		if c := obj(list(m["external_coupons"])[0]); c["not_valid_message"] != "Dieser Gutschein ist abgelaufen." {
			t.Errorf("German coupon message: %v", c)
		}
		if ships := list(m["shipping_methods"]); len(ships) != 2 || obj(ships[1])["amount"] != 12.6 || obj(ships[0])["amount"] != 4.12 {
			t.Errorf("German shipping: %v", ships)
		}

		// Missing cart: 31.
		if m := call("action=check_cart", "shop_number=31337"); m["error"].(float64) != 31 {
			t.Errorf("missing cart: %v", m)
		}
	})
}

// The check_stock worked example: the item answers carry no qty_buyable
// and no prices.
func TestCheckStockWorkedExample(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedHost(t, db)
		call := api(t, db)
		m := call("action=check_stock", "shop_number=31338", "trace_id=sma-9c44e2",
			"items[0][item_number]=TS-1001", "items[1][item_number]=MUG-3003",
			"items[1][options][0][option_number]=size", "items[1][options][0][value_number]=M",
			"items[2][item_number]=NOPE-404", "items[3][item_number]=HD-2002")
		want(t, "items", m["items"], `[
			{"item_number":"TS-1001","is_buyable":1,"stock_quantity":2,"error":null,"error_text":null,"options":[],"inputs":[],"attributes":[]},
			{"item_number":"MUG-3003","is_buyable":1,"stock_quantity":120,"error":null,"error_text":null,
			 "options":[{"option_number":"size","value_number":"M"}],"inputs":[],"attributes":[]},
			{"item_number":"NOPE-404","is_buyable":0,"stock_quantity":0,"error":301,"error_text":"This product is no longer available.","options":[],"inputs":[],"attributes":[]},
			{"item_number":"HD-2002","is_buyable":0,"stock_quantity":0,"error":300,"error_text":"This product is sold out.","options":[],"inputs":[],"attributes":[]}]`)
		if m := call("action=check_stock", "shop_number=31337"); m["error"].(float64) != 42 {
			t.Errorf("missing items: %v", m)
		}
	})
}

func check(t *testing.T, c *gormcart.Cart, shop adapters.Shop, cart *adapters.Cart) *adapters.CartResult {
	t.Helper()
	res, err := c.CheckCart(context.Background(), shop, cart)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Every item error code: 300, 301, 302, 304 and 305 from the data; 303,
// 306, 307 and 308 from the host's Validate hook.
func TestItemErrorCodes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedHost(t, db)
		cfg := cartConfig(db)
		cfg.Validate = func(_ context.Context, _ adapters.Shop, cart *adapters.Cart, v []adapters.CartItemVerdict) error {
			for i, it := range cart.Items {
				switch {
				case len(it.Inputs) > 0 && len(it.Inputs[0].UserInput) > 5:
					v[i].Error, v[i].IsBuyable = adapters.ItemErrInputInvalid, false
				case it.InternalOrderInfo == "combo":
					v[i].Error = adapters.ItemErrNotCombinable
				case it.InternalOrderInfo == "constellation":
					v[i].Error = adapters.ItemErrNotAllowedInCart
				case it.InternalOrderInfo == "silent":
					v[i].Error, v[i].QtyBuyable = adapters.ItemErrSilentUpdate, 1
				}
			}
			return nil
		}
		c, err := gormcart.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		res := check(t, c, shopDE, &adapters.Cart{Items: []adapters.CartItem{
			{ItemNumber: "HD-2002", Quantity: 1},
			{ItemNumber: "NOPE", Quantity: 1},
			{ItemNumber: "OLD-4004", Quantity: 1}, // inactive: not found
			{ItemNumber: "TS-1001", Quantity: 5},
			{ItemNumber: "PACK-5005", Quantity: 1},
			{ItemNumber: "PACK-5005", Quantity: 11},
			{ItemNumber: "MUG-3003", Quantity: 1, Inputs: []adapters.CartItemInput{{InputNumber: "engraving", UserInput: "far too long"}}},
			{ItemNumber: "MUG-3003", Quantity: 1, InternalOrderInfo: "combo"},
			{ItemNumber: "MUG-3003", Quantity: 1, InternalOrderInfo: "constellation"},
			{ItemNumber: "MUG-3003", Quantity: 2, InternalOrderInfo: "silent"},
		}})
		codes := []int{300, 301, 301, 302, 304, 305, 303, 306, 307, 308}
		for i, v := range res.Items {
			if v.Error != codes[i] {
				t.Errorf("item %d (%s): error %d, want %d", i, v.ItemNumber, v.Error, codes[i])
			}
		}
		if v := res.Items[3]; v.QtyBuyable != 2 || !v.IsBuyable {
			t.Errorf("302: %+v", v)
		}
		if v := res.Items[4]; v.QtyBuyable != 2 || v.ErrorText != "Die Mindestbestellmenge ist 2." {
			t.Errorf("304: %+v", v)
		}
		if v := res.Items[5]; v.QtyBuyable != 10 {
			t.Errorf("305: %+v", v)
		}
		// A quantity price (from 5 pieces, for everyone) applies without a
		// customer group.
		res = check(t, c, shopDE, &adapters.Cart{Items: []adapters.CartItem{{ItemNumber: "PACK-5005", Quantity: 5}}})
		if v := res.Items[0]; v.Error != 0 || v.UnitAmountWithTax.Decimal.String() != "9.63" || v.UnitAmount.Decimal.String() != "9" {
			t.Errorf("quantity price: %+v", v)
		}
	})
}

// A cart with an out-of-stock item, a price change, a group price, an
// invalid and a valid coupon, and a country the shop does not ship to.
func TestCartScenario(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedHost(t, db)
		c, err := gormcart.New(cartConfig(db))
		if err != nil {
			t.Fatal(err)
		}
		cart := &adapters.Cart{ExternalCustomerID: "4711", Currency: "EUR",
			DeliveryAddress: &adapters.CartAddress{Country: "FR"},
			Items: []adapters.CartItem{
				{ItemNumber: "HD-2002", Quantity: 1},
				{ItemNumber: "TS-1001", Quantity: 1, UnitAmountWithTax: nullDec("17.95")},
				{ItemNumber: "MUG-3003", Quantity: 2},
			},
			Coupons: []adapters.CartCoupon{{Code: "bogus"}, {Code: "summer5"}},
		}
		res := check(t, c, shopDE, cart)
		if v := res.Items[0]; v.IsBuyable || v.Error != 300 {
			t.Errorf("out of stock: %+v", v)
		}
		if v := res.Items[1]; v.UnitAmountWithTax.Decimal.String() != "19.95" || v.Error != 0 {
			t.Errorf("price change: %+v", v)
		}
		if v := res.Items[2]; v.UnitAmountWithTax.Decimal.String() != "9.99" {
			t.Errorf("group price: %+v", v)
		}
		if cp := res.Coupons[0]; cp.IsValid || cp.NotValidMessage != "Dieser Gutscheincode ist ungültig." {
			t.Errorf("invalid coupon: %+v", cp)
		}
		if cp := res.Coupons[1]; !cp.IsValid || cp.AmountGross.Decimal.String() != "5" {
			t.Errorf("valid coupon: %+v", cp)
		}
		if len(res.ShippingMethods) != 0 {
			t.Errorf("shipping to FR: %+v", res.ShippingMethods)
		}
		if res.Customer == nil || res.Customer.GroupIDs[0] != "2" || res.Customer.TaxClassKey != "default" {
			t.Errorf("customer: %+v", res.Customer)
		}
		// Austria: the standard rate needs an item total of 20.
		cart.DeliveryAddress.Country = "AT"
		if res := check(t, c, shopDE, cart); len(res.ShippingMethods) != 1 || res.ShippingMethods[0].AmountWithTax.String() != "9.9" {
			t.Errorf("AT: %+v", res.ShippingMethods)
		}
		cart.Items = cart.Items[2:3]
		cart.Items[0].Quantity = 1
		if res := check(t, c, shopDE, cart); len(res.ShippingMethods) != 0 {
			t.Errorf("AT below minimum amount: %+v", res.ShippingMethods)
		}
		// Germany: express only up to 5 kg, standard free from 100.
		cart.DeliveryAddress.Country = "DE"
		cart.Items = []adapters.CartItem{{ItemNumber: "MUG-3003", Quantity: 13}}
		res = check(t, c, shopDE, cart)
		if len(res.ShippingMethods) != 1 || !res.ShippingMethods[0].AmountWithTax.IsZero() {
			t.Errorf("heavy cart: %+v", res.ShippingMethods)
		}
	})
}

// Coupon rules: dates, minimum amount, once per customer, product
// restrictions, free shipping, inactive codes.
func TestCouponRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedHost(t, db)
		c, err := gormcart.New(cartConfig(db))
		if err != nil {
			t.Fatal(err)
		}
		verdict := func(customer, code string, items ...adapters.CartItem) adapters.CouponVerdict {
			t.Helper()
			res := check(t, c, shopEN, &adapters.Cart{ExternalCustomerID: customer, Currency: "USD", Items: items,
				DeliveryAddress: &adapters.CartAddress{Country: "DE"}, Coupons: []adapters.CartCoupon{{Code: code}}})
			return res.Coupons[0]
		}
		ts := adapters.CartItem{ItemNumber: "TS-1001", Quantity: 2}
		mug := adapters.CartItem{ItemNumber: "MUG-3003", Quantity: 2}
		for _, tc := range []struct {
			customer, code string
			items          []adapters.CartItem
			valid          bool
			msg, gross     string
		}{
			{"", "SOON", []adapters.CartItem{ts}, false, "This coupon is not valid yet.", ""},
			{"", "EXPIRED20", []adapters.CartItem{ts}, false, "This coupon has expired.", ""},
			{"", "OFF", []adapters.CartItem{ts}, false, "This coupon code is not valid.", ""},
			{"", "BIG50", []adapters.CartItem{ts}, false, "This coupon requires an order value of at least 50.00 USD.", ""},
			{"", "BIG50", []adapters.CartItem{ts, mug}, true, "", "10"},
			{"", "ONCE", []adapters.CartItem{ts}, false, "Please log in to use this coupon.", ""},
			{"4712", "ONCE", []adapters.CartItem{ts}, false, "You have already used this coupon.", ""},
			{"4711", "ONCE", []adapters.CartItem{ts}, true, "", "3.99"},
			{"", "MUGS", []adapters.CartItem{ts}, false, "This coupon does not apply to any product in your cart.", ""},
			{"", "MUGS", []adapters.CartItem{ts, mug}, true, "", "14.49"},
		} {
			v := verdict(tc.customer, tc.code, tc.items...)
			if v.IsValid != tc.valid || v.NotValidMessage != tc.msg || (tc.valid && v.AmountGross.Decimal.String() != tc.gross) {
				t.Errorf("%s for %q: %+v", tc.code, tc.customer, v)
			}
		}
		res := check(t, c, shopEN, &adapters.Cart{Items: []adapters.CartItem{ts},
			DeliveryAddress: &adapters.CartAddress{Country: "DE"}, Coupons: []adapters.CartCoupon{{Code: "SHIPFREE"}}})
		if !res.Coupons[0].IsValid || !res.Coupons[0].IsFreeShipping || !res.ShippingMethods[0].AmountWithTax.IsZero() {
			t.Errorf("free shipping: %+v %+v", res.Coupons, res.ShippingMethods)
		}
	})
}

// get_settings: groups with the default flagged, countries, payment
// methods, tax classes, tax rates per country and the rules linking them.
func TestSettings(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedHost(t, db)
		m := api(t, db)("action=get_settings", "shop_number=31337")
		want(t, "customer_groups", m["customer_groups"], `[{"id":"1","name":"Retail","is_default":1,"customer_tax_class_key":"default"},
			{"id":"2","name":"Trade","is_default":0,"customer_tax_class_key":"default"}]`)
		want(t, "allowed_shipping_countries", m["allowed_shipping_countries"], `[{"country":"AT","state":["All"]},{"country":"DE","state":["All"]}]`)
		want(t, "allowed_address_countries", m["allowed_address_countries"], `[{"country":"AT","state":["All"]},{"country":"DE","state":["All"]}]`)
		want(t, "payment_methods", m["payment_methods"], `[{"id":"COD","name":"Cash on delivery"},{"id":"PREPAY","name":"Prepayment"}]`)
		tax := obj(m["tax"])
		want(t, "product_tax_classes", tax["product_tax_classes"], `[{"id":"1","key":"standard"},{"id":"2","key":"reduced"}]`)
		want(t, "customer_tax_classes", tax["customer_tax_classes"], `[{"id":"1","key":"default","is_default":1}]`)
		rates := list(tax["tax_rates"])
		if len(rates) != 4 || obj(rates[1])["country"] != "AT" || obj(rates[1])["tax_percent"] != 20.0 || obj(rates[2])["tax_percent"] != 7.0 {
			t.Errorf("tax_rates: %v", rates)
		}
		want(t, "tax_rules", tax["tax_rules"], `[
			{"id":"1","name":"standard","priority":0,"product_tax_classes":[{"id":"1","key":"standard"}],
			 "customer_tax_classes":[{"id":"1","key":"default"}],"tax_rates":[{"id":"1","key":"standard_de"},{"id":"2","key":"standard_at"}]},
			{"id":"2","name":"reduced","priority":0,"product_tax_classes":[{"id":"2","key":"reduced"}],
			 "customer_tax_classes":[{"id":"1","key":"default"}],"tax_rates":[{"id":"3","key":"reduced_de"},{"id":"4","key":"reduced_at"}]}]`)
	})
}

func TestNewValidates(t *testing.T) {
	db := testdb.SQLite(t)
	for name, cfg := range map[string]gormcart.Config{
		"no db":       {Items: items()},
		"no items":    {DB: db},
		"coupon uses": {DB: db, Items: items(), Coupons: &gormcart.Coupons{From: "c", Key: "c.id", Code: "c.code", Kind: "'fixed'", Value: "1", MaxPerCustomer: "1"}},
		"shipping":    {DB: db, Items: items(), Shipping: &gormcart.Shipping{From: "s"}},
		"taxes":       {DB: db, Items: items(), Taxes: &gormcart.Taxes{TaxRates: &gormcart.TaxRates{From: "r", Percent: "r.rate", Country: "r.country", ProductTaxClass: "r.class"}}},
		"tax rates":   {DB: db, Items: items(), Taxes: &gormcart.Taxes{ProductTaxClasses: &gormcart.TaxClasses{From: "t", ID: "t.id", Key: "t.name"}, TaxRates: &gormcart.TaxRates{From: "r"}}},
	} {
		if _, err := gormcart.New(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := gormcart.NewSettings(gormcart.SettingsConfig{DB: db, TaxRates: &gormcart.TaxRates{From: "x"}}); err == nil {
		t.Error("settings: no error")
	}
}
