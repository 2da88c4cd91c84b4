package dropship_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
)

// CartShipping is a Plugin API cart hook.
var _ pluginapi.CartHook = (*dropship.CartShipping)(nil)

// linkedProduct is the host product id of a DropHero item.
func (e *env) linkedProduct(iditem string) string {
	e.t.Helper()
	var l gormmodels.DropHeroLink
	if err := e.db.First(&l, "id_item = ?", iditem).Error; err != nil {
		e.t.Fatalf("link %s: %v", iditem, err)
	}
	return l.ProductID
}

// ownShop is the shop's own shipping for the test: "std" at 4.90 (19 %)
// and "exp" at 9.90, recording the items it was asked about.
type ownShop struct {
	asked   [][]string
	methods []adapters.ShippingMethod
	err     error
}

func (o *ownShop) quote(_ context.Context, items []adapters.CartItem) ([]adapters.ShippingMethod, error) {
	var nums []string
	for _, it := range items {
		nums = append(nums, it.ItemNumber)
	}
	o.asked = append(o.asked, nums)
	return o.methods, o.err
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var shopMethods = []adapters.ShippingMethod{
	{ID: "std", Title: "Standard", ShippingGroup: "DHL", Amount: dec("4.12"), AmountWithTax: dec("4.90"), TaxClass: "standard", TaxPercent: dec("19"), InternalShippingInfo: "std"},
	{ID: "exp", Title: "Express", ShippingGroup: "DHLEXPRESS", Amount: dec("8.32"), AmountWithTax: dec("9.90"), TaxClass: "standard", TaxPercent: dec("19"), InternalShippingInfo: "exp"},
}

// The check_cart hook on the fake's catalogue
// (docs/protocol/drophero.md#orders-through-shopgate), called directly
// with the Cart adapter's verdicts; the example shop's tests run it
// through a signed check_cart.
func TestCartShipping(t *testing.T) {
	e := newEnv(t, true)
	// 5570 ships to Spain by mode 2 only; the socks (6002) by mode 1 only.
	only2 := dropherotest.SeedProduct("5570", "Only standard", "")
	only2["shipping"] = []any{map[string]any{"shipping_area_iso": "ES", "idshippingmode": "2", "shipping_price": "1.0000"}}
	e.fake.PutProduct(only2)
	e.db.Create(&hostProduct{SKU: "OWN", Name: "Own", Price: decimal.NewFromInt(3), Active: true, Stock: 10})
	e.install()
	own := itoa(e.product("sku = ?", "OWN").ID)
	p5554, socks, p5570 := e.linkedProduct("5554"), e.linkedProduct("6002"), e.linkedProduct("5570")

	type line struct {
		number  string
		qty     int
		unbuyer bool // the adapter says not buyable
	}
	tests := []struct {
		name      string
		shop      adapters.Shop
		delivery  string
		invoice   string
		lines     []line
		own       *ownShop
		names     map[string]string // host names by product id
		wantShip  []string          // id amount amount_with_tax tax% info
		wantErrs  map[string]string // item number → part of the 306 text
		wantAsked string
		wantErr   string
	}{
		{name: "only own items: unchanged", delivery: "DE", lines: []line{{own, 1, false}},
			own: &ownShop{methods: shopMethods}, wantShip: []string{"unchanged"}},
		{name: "together: both named, English", shop: adapters.Shop{Language: "en"}, delivery: "es",
			lines: []line{{socks, 1, false}, {p5570, 1, false}}, names: map[string]string{socks: "Socks (shop name)"},
			wantShip: []string{}, wantErrs: map[string]string{
				socks: `"Socks (shop name)" and "Only standard" cannot be shipped together to ES. Please order them separately.`,
				p5570: `"Socks (shop name)" and "Only standard" cannot be shipped together to ES. Please order them separately.`}},
		{name: "one undeliverable: named alone, German", shop: adapters.Shop{Language: "de"}, delivery: "AT",
			lines:    []line{{p5554, 1, false}, {socks, 2, false}},
			wantShip: []string{}, wantErrs: map[string]string{socks: `"Wool socks" kann nicht nach AT geliefert werden.`}},
		{name: "unbuyable partner line ships with nobody", delivery: "AT", lines: []line{{p5554, 1, false}, {socks, 1, true}},
			wantShip: []string{`drophero-4 6.5 6.5 0 {"dh_mode":"4"}`}},
		{name: "mixed: each shop method plus the mode", delivery: "DE", lines: []line{{own, 2, false}, {p5554, 2, false}},
			own: &ownShop{methods: shopMethods}, wantAsked: own,
			wantShip: []string{`std+drophero-3 13.92 14.7 19 {"dh_mode":"3","shop":"std"}`, `exp+drophero-3 18.12 19.7 19 {"dh_mode":"3","shop":"exp"}`}},
		{name: "mixed, the shop does not ship its items there", delivery: "ES", lines: []line{{own, 1, false}, {p5554, 1, false}},
			own: &ownShop{}, wantAsked: own, wantShip: []string{}},
		{name: "own shipping fails", delivery: "DE", lines: []line{{own, 1, false}, {p5554, 1, false}},
			own: &ownShop{err: errors.New("db down")}, wantAsked: own, wantErr: "db down"},
		{name: "no delivery address: the invoice country", invoice: "DE", lines: []line{{p5554, 1, false}},
			wantShip: []string{`drophero-3 4.9 4.9 0 {"dh_mode":"3"}`}},
		{name: "no address: the shop's country", shop: adapters.Shop{Country: "AT"}, lines: []line{{p5554, 3, false}},
			wantShip: []string{`drophero-4 19.5 19.5 0 {"dh_mode":"4"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cart := &adapters.Cart{}
			if tt.delivery != "" {
				cart.DeliveryAddress = &adapters.CartAddress{Country: tt.delivery}
			}
			if tt.invoice != "" {
				cart.InvoiceAddress = &adapters.CartAddress{Country: tt.invoice}
			}
			res := &adapters.CartResult{ShippingMethods: []adapters.ShippingMethod{{ID: "unchanged"}}}
			for _, l := range tt.lines {
				cart.Items = append(cart.Items, adapters.CartItem{ItemNumber: l.number, Quantity: l.qty})
				res.Items = append(res.Items, adapters.CartItemVerdict{ItemNumber: l.number, IsBuyable: !l.unbuyer, QtyBuyable: l.qty})
			}
			if l := tt.lines[len(tt.lines)-1]; l.unbuyer {
				res.Items[len(res.Items)-1].Error = adapters.ItemErrOutOfStock
			}
			quote := tt.own
			if quote == nil {
				quote = &ownShop{err: errors.New("not to be asked")}
			}
			hook := e.svc.CartShipping(dropship.CartShippingConfig{ItemNames: func(_ context.Context, _ adapters.Shop, ids []string) (map[string]string, error) {
				out := map[string]string{}
				for _, id := range ids {
					if n, ok := tt.names[id]; ok {
						out[id] = n
					}
				}
				return out, nil
			}})
			err := hook.AdjustCart(e.ctx, tt.shop, cart, res, quote.quote)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, m := range res.ShippingMethods {
				if m.ID == "unchanged" {
					got = append(got, m.ID)
					continue
				}
				got = append(got, strings.Join([]string{m.ID, m.Amount.String(), m.AmountWithTax.String(), m.TaxPercent.String(), m.InternalShippingInfo}, " "))
				if mode, ok := dropship.ModeFromShippingInfo(m.InternalShippingInfo); !ok || !strings.HasSuffix(m.ID, "drophero-"+mode) {
					t.Errorf("%s: mode %q does not round-trip", m.ID, mode)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.wantShip, "\n") {
				t.Errorf("shipping methods\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.wantShip, "\n"))
			}
			for i, v := range res.Items {
				want, bad := tt.wantErrs[v.ItemNumber]
				switch {
				case bad && (v.Error != adapters.ItemErrNotCombinable || v.IsBuyable || v.ErrorText != want):
					t.Errorf("item %d: %+v, want 306 %q", i, v, want)
				case !bad && v.Error == adapters.ItemErrNotCombinable:
					t.Errorf("item %d: unexpected %+v", i, v)
				}
			}
			if asked := strings.Join(flatten(quote.asked), ";"); asked != tt.wantAsked {
				t.Errorf("own shipping asked for %q, want %q", asked, tt.wantAsked)
			}
		})
	}
}

func flatten(calls [][]string) []string {
	var out []string
	for _, c := range calls {
		out = append(out, strings.Join(c, ","))
	}
	return out
}
