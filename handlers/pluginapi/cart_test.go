package pluginapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/adapters"
)

// echoCart answers every item as buyable at 1.00 and every coupon as
// invalid, so the encoding of what was decoded can be checked.
type echoCart struct{}

func (echoCart) CheckCart(_ context.Context, _ adapters.Shop, c *adapters.Cart) (*adapters.CartResult, error) {
	res := &adapters.CartResult{}
	for _, it := range c.Items {
		res.Items = append(res.Items, adapters.CartItemVerdict{ItemNumber: it.ItemNumber, IsBuyable: true,
			QtyBuyable: it.Quantity, UnitAmountWithTax: decimal.NewNullDecimal(decimal.NewFromInt(1))})
	}
	for _, cp := range c.Coupons {
		res.Coupons = append(res.Coupons, adapters.CouponVerdict{Code: cp.Code, NotValidMessage: "no"})
	}
	return res, nil
}

func (echoCart) CheckStock(_ context.Context, _ adapters.Shop, items []adapters.CartItem) ([]adapters.CartItemVerdict, error) {
	out := make([]adapters.CartItemVerdict, 0, len(items))
	for _, it := range items {
		out = append(out, adapters.CartItemVerdict{ItemNumber: it.ItemNumber, Error: adapters.ItemErrNotFound})
	}
	return out, nil
}

// FuzzDecodeCart feeds arbitrary form bodies through the parameter parser
// into the cart decoder and the answer encoder: no panic, one decoded item
// per raw item, quantities of at least 1, upper-case countries, and an
// answer that encodes to JSON with one entry per item and coupon.
func FuzzDecodeCart(f *testing.F) {
	f.Add("cart[items][0][item_number]=TS-1001&cart[items][0][quantity]=3&cart[external_coupons][0][code]=SUMMER5")
	f.Add("cart[delivery_address][country]=de&cart[items][0][options][0][option_number]=size&cart[items][1]=x")
	f.Add("cart[items]=1&cart[external_coupons][a][code][]=1&cart[items][0][quantity]=-4&cart[items][0][unit_amount_with_tax]=1e99")
	f.Add("cart[items][0][inputs][0][user_input]=%zz&cart[invoice_address]=x&cart[currency][]=EUR")
	h, err := New(Config{Shops: []ShopConfig{{CustomerNumber: testCustomer, APIKey: testAPIKey, ShopNumber: testShop}},
		LogDir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { h.Close() })
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/api", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		params, err := h.parseParams(req)
		if err != nil {
			return
		}
		raw, _ := params.params["cart"].(map[string]any)
		if raw == nil {
			return
		}
		cart, rawItems := decodeCart(raw)
		if len(cart.Items) != len(rawItems) {
			t.Fatalf("%d items decoded from %d", len(cart.Items), len(rawItems))
		}
		if l, _ := asList(raw["items"]); len(l) != len(cart.Items) {
			t.Fatalf("%d items decoded from a list of %d", len(cart.Items), len(l))
		}
		for _, it := range cart.Items {
			if it.Quantity < 1 {
				t.Fatalf("quantity %d", it.Quantity)
			}
		}
		for _, a := range []*adapters.CartAddress{cart.InvoiceAddress, cart.DeliveryAddress} {
			if a != nil && a.Country != strings.ToUpper(a.Country) {
				t.Fatalf("country %q", a.Country)
			}
		}
		res, _ := echoCart{}.CheckCart(context.Background(), adapters.Shop{}, cart)
		p := encodeCartResult(res, cart, rawItems)
		out := map[string]any{}
		for _, f := range p {
			out[f.Key] = f.Value
		}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if l, _ := back["items"].([]any); len(l) != len(cart.Items) {
			t.Fatalf("answer has %d items for %d", len(l), len(cart.Items))
		}
		if l, _ := back["external_coupons"].([]any); len(l) != len(cart.Coupons) {
			t.Fatalf("answer has %d coupons for %d", len(l), len(cart.Coupons))
		}
	})
}

// The wire encoding: nulls for what the adapter left out, 0/1 flags,
// numbers for money, no order_index, empty lists always present, and
// the standard error text when the adapter gave none.
func TestCheckCartEncoding(t *testing.T) {
	cart := &adapters.Cart{Currency: "EUR"}
	res := &adapters.CartResult{
		Items: []adapters.CartItemVerdict{{ItemNumber: "1", Error: adapters.ItemErrNotFound}},
		Coupons: []adapters.CouponVerdict{{Code: "A", IsValid: true, AmountGross: decimal.NewNullDecimal(decimal.RequireFromString("5.00")),
			AmountNet: decimal.NewNullDecimal(decimal.RequireFromString("4.2017")), InternalInfo: "12"}},
		PaymentMethods: []adapters.PaymentMethod{{ID: "PREPAY"}},
	}
	p := encodeCartResult(res, cart, []map[string]any{{"options": []any{map[string]any{"option_number": "size"}}}})
	out := map[string]any{}
	var keys []string
	for _, f := range p {
		out[f.Key] = f.Value
		keys = append(keys, f.Key)
	}
	if strings.Join(keys, ",") != "internal_cart_info,currency,shipping_methods,payment_methods,items,external_coupons" {
		t.Errorf("keys %v", keys)
	}
	b, _ := json.Marshal(out)
	for _, want := range []string{`"internal_cart_info":null`, `"currency":"EUR"`, `"shipping_methods":[]`,
		`{"id":"PREPAY","amount":0,"amount_with_tax":0,"tax_class":null,"tax_percent":null}`,
		`"error":301,"error_text":"product not found","options":[{"option_number":"size"}],"inputs":[],"attributes":[]`,
		`"unit_amount":null`, `"amount_net":4.2017,"amount_gross":5,"tax_type":"auto","currency":"EUR","is_free_shipping":0,"internal_info":"12","is_valid":1,"not_valid_message":null`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("missing %s in %s", want, b)
		}
	}
	res.Customer = &adapters.CartCustomer{GroupIDs: []string{"2"}}
	p = encodeCartResult(res, cart, nil)
	if p[2].Key != "customer" {
		t.Errorf("customer not third: %v", p)
	}
	if b, _ := json.Marshal(p[2].Value); string(b) != `{"customer_tax_class_key":null,"customer_groups":[{"id":"2"}]}` {
		t.Errorf("customer %s", b)
	}
}
