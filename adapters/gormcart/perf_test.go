package gormcart_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcart"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

// perfCart is a cart that touches group prices (quantity and customer
// group), a product-restricted coupon, an unrestricted one, a limited one
// and an unknown product.
func perfCart(customer string) *adapters.Cart {
	return &adapters.Cart{ExternalCustomerID: customer, Currency: "EUR",
		DeliveryAddress: &adapters.CartAddress{Country: "DE"},
		Items: []adapters.CartItem{{ItemNumber: "MUG-3003", Quantity: 2}, {ItemNumber: "PACK-5005", Quantity: 6},
			{ItemNumber: "TS-1001", Quantity: 1}, {ItemNumber: "NOPE-1", Quantity: 1}},
		Coupons: []adapters.CartCoupon{{Code: "MUGS"}, {Code: "summer5"}, {Code: "ONCE"}, {Code: "NONE"}}}
}

// Folding group prices and coupon products into the product and coupon
// statements (docs/protocol/cart.md#performance) gives the very answers of
// separate statements.
func TestFoldedStatementsAnswerAlike(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedHost(t, db)
		folded, err := gormcart.New(cartConfig(db))
		if err != nil {
			t.Fatal(err)
		}
		separate, err := gormcart.New(cartConfig(db))
		if err != nil {
			t.Fatal(err)
		}
		gormcart.Unfold(separate)
		for _, tc := range []struct {
			name     string
			shop     adapters.Shop
			customer string
		}{{"trade group", shopDE, "4711"}, {"default group", shopDE, "4712"}, {"unknown customer", shopDE, "9999"},
			{"guest", shopDE, ""}, {"usd", shopEN, "4711"}} {
			t.Run(tc.name, func(t *testing.T) {
				a, b := check(t, folded, tc.shop, perfCart(tc.customer)), check(t, separate, tc.shop, perfCart(tc.customer))
				if !reflect.DeepEqual(a, b) {
					t.Errorf("folded  %+v\nseparate %+v", a, b)
				}
				if tc.shop == shopDE && tc.customer == "4711" && a.Items[0].UnitAmountWithTax.Decimal.String() != "9.99" {
					t.Errorf("group price not applied: %+v", a.Items[0])
				}
				if tc.shop == shopDE && !a.Coupons[0].IsValid {
					t.Errorf("product-restricted coupon: %+v", a.Coupons[0])
				}
			})
		}
	})
}

// Shipping rates and payment methods are reused for Config.CacheTTL: a
// change shows at once without caching and not within a long TTL.
func TestCacheTTL(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedHost(t, db)
		cart := func(ttl time.Duration) *gormcart.Cart {
			cfg := cartConfig(db)
			cfg.CacheTTL = ttl
			c, err := gormcart.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		uncached, cached := cart(-1), cart(time.Hour)
		first := func(c *gormcart.Cart) (string, string) {
			t.Helper()
			res := check(t, c, shopDE, &adapters.Cart{Currency: "EUR", DeliveryAddress: &adapters.CartAddress{Country: "DE"},
				Items: []adapters.CartItem{{ItemNumber: "TS-1001", Quantity: 1}}})
			if len(res.ShippingMethods) == 0 || len(res.PaymentMethods) < 2 {
				t.Fatalf("no methods: %+v", res)
			}
			return res.ShippingMethods[0].AmountWithTax.String(), res.PaymentMethods[1].AmountWithTax.String()
		}
		for _, c := range []*gormcart.Cart{uncached, cached} {
			if ship, pay := first(c); ship != "4.9" || pay != "6" {
				t.Fatalf("before: shipping %s payment %s", ship, pay)
			}
		}
		if err := db.Exec("UPDATE h_shipping SET price = 5.5 WHERE code = 'dhl_standard' AND country = 'DE' AND currency = 'EUR'").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("UPDATE h_payments SET fee = 7 WHERE code = 'COD'").Error; err != nil {
			t.Fatal(err)
		}
		if ship, pay := first(uncached); ship != "5.5" || pay != "7" {
			t.Errorf("uncached after change: shipping %s payment %s", ship, pay)
		}
		if ship, pay := first(cached); ship != "4.9" || pay != "6" {
			t.Errorf("cached within TTL: shipping %s payment %s", ship, pay)
		}
	})
}

// Item numbers and coupon codes travel as one array parameter on
// PostgreSQL (docs/protocol/cart.md#performance): numbers with quotes,
// backslashes, commas, braces, blanks or the word NULL still match exactly
// one product, and the literal given to other drivers reads back as the
// same strings.
func TestListArgumentsQuoting(t *testing.T) {
	nasty := []string{`A"1`, `B\2`, `C,3`, `{D}`, `NULL`, ` E `, `F'6`, `Ä-7`}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedHost(t, db)
		var rows []hProduct
		var items []adapters.CartItem
		for i, n := range nasty {
			rows = append(rows, hProduct{ID: uint(9000 + i), Number: n, Name: "Odd " + n, Price: d("1"), TaxClassID: 1,
				Stock: 5, Active: true})
			items = append(items, adapters.CartItem{ItemNumber: n, Quantity: 1})
		}
		items = append(items, adapters.CartItem{ItemNumber: `A"1"`, Quantity: 1}, adapters.CartItem{ItemNumber: "", Quantity: 1})
		if err := db.Create(&rows).Error; err != nil {
			t.Fatal(err)
		}
		c, err := gormcart.New(cartConfig(db))
		if err != nil {
			t.Fatal(err)
		}
		res := check(t, c, shopDE, &adapters.Cart{Currency: "EUR", Items: items,
			Coupons: []adapters.CartCoupon{{Code: `SUMMER5"`}, {Code: "summer5"}}})
		for i, v := range res.Items {
			if found := v.Error != adapters.ItemErrNotFound; found != (i < len(nasty)) {
				t.Errorf("item %q: %+v", items[i].ItemNumber, v)
			}
		}
		if res.Coupons[0].IsValid || !res.Coupons[1].IsValid {
			t.Errorf("coupons: %+v", res.Coupons)
		}
		if db.Dialector.Name() != "postgres" {
			return
		}
		var back []string
		lit := gormcart.TextArrayLiteral(nasty)
		if err := db.Raw("SELECT unnest(CAST(? AS TEXT[]))", lit).Scan(&back).Error; err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, nasty) {
			t.Errorf("literal %s reads back as %q", lit, back)
		}
	})
}

// Aggregated JSON columns decode to driver-like values: numbers as their
// text, strings unescaped, null as nil, booleans as 0/1, whatever the
// spacing of the dialect's JSON.
func TestJSONRowsCells(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     [][]any
		fails    bool
	}{
		{"postgres spacing", `[[2, 1, 9.9900], [null, 5, 9.63]]`, [][]any{{"2", "1", "9.9900"}, {nil, "5", "9.63"}}, false},
		{"sqlite", `[["2",1,1e3]]`, [][]any{{"2", "1", "1e3"}}, false},
		{"escapes", `[["a\"b\\c\u00e4", "plain", true, false]]`, [][]any{{`a"b\cä`, "plain", int64(1), int64(0)}}, false},
		{"nested", `[[[1, "x"]]]`, [][]any{{[]any{json.Number("1"), "x"}}}, false},
		{"empty", `[]`, [][]any{}, false},
		{"broken", `[[1,]`, nil, true},
		{"not rows", `{"a":1}`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := gormcart.JSONRows(tc.in)
			if (err != nil) != tc.fails {
				t.Fatalf("error %v", err)
			}
			if !tc.fails && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

// On PostgreSQL the product and coupon statements do not depend on the
// number of items or coupons (one array parameter each), so a connection
// prepares each once for carts of every size
// (docs/protocol/cart.md#performance).
func TestStatementsPreparedOnce(t *testing.T) {
	db := testdb.New(t)
	seedHost(t, db)
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1) // one session: its prepared statements are visible
	c, err := gormcart.New(cartConfig(db))
	if err != nil {
		t.Fatal(err)
	}
	numbers := []string{"TS-1001", "MUG-3003", "PACK-5005", "HD-2002", "NOPE-1"}
	codes := []string{"SUMMER5", "MUGS", "ONCE"}
	for n := 1; n <= len(numbers); n++ {
		cart := &adapters.Cart{ExternalCustomerID: "4711", Currency: "EUR"}
		for _, num := range numbers[:n] {
			cart.Items = append(cart.Items, adapters.CartItem{ItemNumber: num, Quantity: 1})
		}
		for _, code := range codes[:min(n, len(codes))] {
			cart.Coupons = append(cart.Coupons, adapters.CartCoupon{Code: code})
		}
		check(t, c, shopDE, cart)
	}
	for _, marker := range []string{"sb_items AS (", "sb_coupons AS ("} {
		var n int
		if err := db.Raw("SELECT COUNT(*) FROM pg_prepared_statements WHERE strpos(statement, ?) > 0", marker).
			Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d prepared statements with %q, want 1", n, marker)
		}
	}
}
