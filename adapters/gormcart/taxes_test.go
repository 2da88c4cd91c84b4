package gormcart_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcart"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

// taxes maps the host's tax tables: the classes "default" (id 1, the
// default) and "business" (id 2) for customers; every rate of h_tax_rates
// holds for "default" only, and business buyers get reduced goods to AT
// at 0 % (docs/protocol/cart.md#taxes-by-destination).
func taxes() *gormcart.Taxes {
	return &gormcart.Taxes{
		ProductTaxClasses: &gormcart.TaxClasses{From: "h_tax_classes tc", ID: "tc.id", Key: "tc.name"},
		CustomerTaxClasses: &gormcart.TaxClasses{From: "(SELECT 1 AS id, 'default' AS k, 1 AS d UNION ALL SELECT 2, 'business', 0) ctc",
			ID: "ctc.id", Key: "ctc.k", IsDefault: "ctc.d = 1"},
		TaxRates: &gormcart.TaxRates{
			From: "(SELECT id, tax_class_id, country, rate, 1 AS cc FROM h_tax_rates" +
				" UNION ALL SELECT 100, 2, 'AT', 0, 2) r JOIN h_tax_classes tc ON tc.id = r.tax_class_id",
			ID: "r.id", Key: "tc.name || '_' || LOWER(r.country) || '_' || r.cc", DisplayName: "tc.name", Percent: "r.rate",
			Country: "r.country", ProductTaxClass: "r.tax_class_id", CustomerTaxClass: "r.cc"},
	}
}

// taxedConfig is cartConfig with the tax rules mapped; shipping and the
// COD fee are of the product tax class "standard". Customer 4712 is a
// business buyer.
func taxedConfig(db *gorm.DB) gormcart.Config {
	cfg := cartConfig(db)
	cfg.Taxes = taxes()
	cfg.Customers.TaxClassKey = "CASE WHEN c.id = 4712 THEN 'business' ELSE 'default' END"
	cfg.Shipping.TaxClass = "'standard'"
	cfg.Payments.TaxClass = "CASE WHEN pm.tax IS NULL THEN NULL ELSE 'standard' END"
	return cfg
}

// taxCart is a T-shirt (standard, 19.95 gross) and two packs of socks
// (reduced, 10.70 gross) to country.
func taxCart(customer, country string) *adapters.Cart {
	return &adapters.Cart{ExternalCustomerID: customer, Currency: "EUR",
		DeliveryAddress: &adapters.CartAddress{Country: country},
		Items:           []adapters.CartItem{{ItemNumber: "TS-1001", Quantity: 1}, {ItemNumber: "PACK-5005", Quantity: 2}}}
}

// taxed is what a check answered about taxes: the items' net and gross
// unit prices, the first shipping method's net, gross and percent, the
// COD fee's net, gross and percent.
type taxed struct {
	items                     [2][2]string
	shipNet, shipGross, shipP string
	codNet, codGross, codP    string
}

func taxesOf(t *testing.T, res *adapters.CartResult) taxed {
	t.Helper()
	if len(res.Items) != 2 || len(res.ShippingMethods) == 0 || len(res.PaymentMethods) != 2 {
		t.Fatalf("answer: %+v", res)
	}
	var out taxed
	for i, v := range res.Items[:2] {
		out.items[i] = [2]string{v.UnitAmount.Decimal.String(), v.UnitAmountWithTax.Decimal.String()}
	}
	s, p := res.ShippingMethods[0], res.PaymentMethods[1]
	out.shipNet, out.shipGross, out.shipP = s.Amount.String(), s.AmountWithTax.String(), s.TaxPercent.String()
	out.codNet, out.codGross, out.codP = p.Amount.String(), p.AmountWithTax.String(), p.TaxPercent.Decimal.String()
	return out
}

// The same cart costs the same gross to DE and AT, but its net amounts
// and percents follow the destination's rates; a customer tax class the
// rules do not cover keeps the fixed rates; without Taxes every rate is
// the mapping's fixed one, as before.
func TestTaxesByDestination(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedHost(t, db)
		taxedCart, err := gormcart.New(taxedConfig(db))
		if err != nil {
			t.Fatal(err)
		}
		fixedCart, err := gormcart.New(cartConfig(db))
		if err != nil {
			t.Fatal(err)
		}
		de := taxed{items: [2][2]string{{"16.76", "19.95"}, {"10", "10.7"}},
			shipNet: "4.12", shipGross: "4.9", shipP: "19", codNet: "5.04", codGross: "6", codP: "19"}
		at := taxed{items: [2][2]string{{"16.63", "19.95"}, {"9.73", "10.7"}},
			shipNet: "8.25", shipGross: "9.9", shipP: "20", codNet: "5", codGross: "6", codP: "20"}
		// The fixed rates: the items' DE rate, 19 % for shipping and COD.
		atFixed := taxed{items: [2][2]string{{"16.76", "19.95"}, {"10", "10.7"}},
			shipNet: "8.32", shipGross: "9.9", shipP: "19", codNet: "5.04", codGross: "6", codP: "19"}
		// Business buyers: reduced goods to AT at 0 % (tax-free: they pay
		// the net price, 10.70 / 1.07), the rest has no rule for their
		// class and keeps the fixed rates.
		atBusiness := atFixed
		atBusiness.items[1] = [2]string{"10", "10"}
		for _, tc := range []struct {
			name string
			c    *gormcart.Cart
			cart *adapters.Cart
			want taxed
		}{
			{"DE", taxedCart, taxCart("4711", "DE"), de},
			{"AT", taxedCart, taxCart("4711", "AT"), at},
			{"AT guest: default customer class", taxedCart, taxCart("", "AT"), at},
			{"AT unknown customer: default class", taxedCart, taxCart("9999", "AT"), at},
			{"AT business class", taxedCart, taxCart("4712", "AT"), atBusiness},
			{"AT invoice address", taxedCart, &adapters.Cart{ExternalCustomerID: "4711", Currency: "EUR",
				InvoiceAddress: &adapters.CartAddress{Country: "at"}, Items: taxCart("", "").Items}, at},
			{"no address: shop country", taxedCart, &adapters.Cart{Currency: "EUR", Items: taxCart("", "").Items}, de},
			{"no rules mapped: DE", fixedCart, taxCart("4711", "DE"), de},
			{"no rules mapped: AT", fixedCart, taxCart("4711", "AT"), atFixed},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := taxesOf(t, check(t, tc.c, shopDE, tc.cart)); got != tc.want {
					t.Errorf("got  %+v\nwant %+v", got, tc.want)
				}
			})
		}
		// A coupon's net amount follows the lines' net amounts:
		// 5 × (16.76 + 2 × 10) / 41.35 to DE, 5 × (16.63 + 2 × 9.73) / 41.35 to AT.
		for country, net := range map[string]string{"DE": "4.44", "AT": "4.36"} {
			cart := taxCart("4711", country)
			cart.Coupons = []adapters.CartCoupon{{Code: "SUMMER5"}}
			res := check(t, taxedCart, shopDE, cart)
			if c := res.Coupons[0]; !c.IsValid || c.AmountNet.Decimal.String() != net || c.AmountGross.Decimal.String() != "5" {
				t.Errorf("coupon to %s: %+v, want net %s", country, c, net)
			}
		}
	})
}

// A country without a rate keeps the fixed rates; a state-specific rate
// wins over the country's; at 0 % the buyer pays the net prices.
func TestTaxesNoRuleAndStates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedHost(t, db)
		if err := db.Exec("INSERT INTO h_shipping (code, title, carrier, country, currency, price, sort) VALUES" +
			" ('dhl_world', 'DHL World', 'DHL', 'CH', 'EUR', 19.9, 1), ('dhl_world', 'DHL World', 'DHL', 'ES', 'EUR', 11.9, 1)," +
			" ('dhl_world', 'DHL World', 'DHL', 'NO', 'EUR', 19.9, 1)").Error; err != nil {
			t.Fatal(err)
		}
		cfg := taxedConfig(db)
		cfg.Taxes.TaxRates.From = "(SELECT id, tax_class_id, country, rate, NULL AS st FROM h_tax_rates" +
			" UNION ALL SELECT 200, 1, 'ES', 21, NULL UNION ALL SELECT 201, 1, 'ES', 7, 'CN'" +
			" UNION ALL SELECT 202, 1, 'NO', 0, NULL UNION ALL SELECT 203, 2, 'NO', 0, NULL) r JOIN h_tax_classes tc ON tc.id = r.tax_class_id"
		cfg.Taxes.TaxRates.CustomerTaxClass = ""
		cfg.Taxes.TaxRates.State = "r.st"
		c, err := gormcart.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ch := taxesOf(t, check(t, c, shopDE, taxCart("4711", "CH")))
		if ch.items[0] != [2]string{"16.76", "19.95"} || ch.shipNet != "16.72" || ch.shipP != "19" || ch.codP != "19" {
			t.Errorf("CH (no rule): %+v", ch)
		}
		es := taxesOf(t, check(t, c, shopDE, taxCart("4711", "ES")))
		if es.items[0] != [2]string{"16.49", "19.95"} || es.shipP != "21" {
			t.Errorf("ES: %+v", es)
		}
		no := taxesOf(t, check(t, c, shopDE, taxCart("4711", "NO")))
		if want := (taxed{items: [2][2]string{{"16.76", "16.76"}, {"10", "10"}}, shipNet: "16.72", shipGross: "16.72", shipP: "0",
			codNet: "5.04", codGross: "5.04", codP: "0"}); no != want {
			t.Errorf("NO (0 %%):\n got  %+v\nwant %+v", no, want)
		}
		canary := taxCart("4711", "ES")
		canary.DeliveryAddress.State = "ES-CN"
		if got := taxesOf(t, check(t, c, shopDE, canary)); got.items[0] != [2]string{"18.64", "19.95"} || got.shipP != "7" {
			t.Errorf("ES-CN: %+v", got)
		}
	})
}

// The tax rules are read once per CacheTTL (check_cart gains no
// statement while they are cached), and a changed rate shows after it.
func TestTaxesCached(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedHost(t, db)
		var statements atomic.Int64
		count := func(*gorm.DB) { statements.Add(1) }
		if err := db.Callback().Row().After("*").Register("test:count", count); err != nil {
			t.Fatal(err)
		}
		if err := db.Callback().Query().After("*").Register("test:count", count); err != nil {
			t.Fatal(err)
		}
		cart := func(ttl time.Duration, taxes bool) *gormcart.Cart {
			cfg := taxedConfig(db)
			if !taxes {
				cfg.Taxes = nil
			}
			cfg.CacheTTL = ttl
			c, err := gormcart.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		statementsOf := func(c *gormcart.Cart) int64 {
			t.Helper()
			check(t, c, shopDE, taxCart("4711", "AT")) // warm the caches
			before := statements.Load()
			check(t, c, shopDE, taxCart("4711", "AT"))
			return statements.Load() - before
		}
		cached, short := cart(time.Hour, true), cart(200*time.Millisecond, true)
		if with, without := statementsOf(cached), statementsOf(cart(time.Hour, false)); with != without {
			t.Errorf("a cached check sends %d statements with tax rules, %d without", with, without)
		}
		statementsOf(short)
		if err := db.Exec("UPDATE h_tax_rates SET rate = 21 WHERE country = 'AT' AND tax_class_id = 1").Error; err != nil {
			t.Fatal(err)
		}
		ship := func(c *gormcart.Cart) string {
			res, err := c.CheckCart(context.Background(), shopDE, taxCart("4711", "AT"))
			if err != nil {
				t.Fatal(err)
			}
			return res.ShippingMethods[0].TaxPercent.String()
		}
		deadline := time.Now().Add(30 * time.Second)
		for ship(short) != "21" {
			if time.Now().After(deadline) {
				t.Fatal("the changed rate did not show after the cache TTL")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got := ship(cached); got != "20" {
			t.Errorf("within the TTL: %s %%, want the cached 20 %%", got)
		}
		if got := ship(cart(-1, true)); got != "21" {
			t.Errorf("uncached: %s %%", got)
		}
	})
}

// get_settings lists a rule per product tax class for the rates of every
// customer class and one per product and customer class for limited ones.
func TestSettingsCustomerTaxClassRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedHost(t, db)
		cfg := settingsConfig(db)
		tx := taxes()
		cfg.CustomerTaxClasses, cfg.TaxRates = tx.CustomerTaxClasses, tx.TaxRates
		s, err := gormcart.NewSettings(cfg)
		if err != nil {
			t.Fatal(err)
		}
		set, err := s.Settings(context.Background(), shopDE)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range set.TaxRules {
			s := r.ID + ":" + r.Name + ":"
			for _, c := range r.CustomerTaxClasses {
				s += c.Key + ","
			}
			for _, rate := range r.TaxRates {
				s += rate.ID + ","
			}
			got = append(got, s)
		}
		want := []string{"1-1:standard / default:default,1,2,", "2-1:reduced / default:default,3,4,", "2-2:reduced / business:business,100,"}
		if len(got) != len(want) {
			t.Fatalf("rules %q, want %q", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("rule %d: %q, want %q", i, got[i], want[i])
			}
		}
	})
}

// BenchmarkCheckCartTaxes: the same check_cart (adapter call, PostgreSQL)
// with fixed rates and with the tax rules mapped; with the rules cached,
// the difference is the Go work of applying them (compare CPU time and
// allocations per op, docs/protocol/cart.md#taxes-by-destination).
func BenchmarkCheckCartTaxes(b *testing.B) {
	db := testdb.New(b)
	seedHost(b, db)
	cart := taxCart("4711", "AT")
	for _, tc := range []struct {
		name  string
		taxes bool
	}{{"fixed", false}, {"rules", true}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := taxedConfig(db)
			if !tc.taxes {
				cfg.Taxes = nil
			}
			c, err := gormcart.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if _, err := c.CheckCart(ctx, shopDE, cart); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.CheckCart(ctx, shopDE, cart); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
