package pluginapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

// shipCart is echoCart that also offers one shipping method, "std", whose
// price is 1.00 per cart line, and records the carts it was asked about.
type shipCart struct {
	echoCart
	mu    sync.Mutex
	carts [][]string // item numbers per call
}

func (s *shipCart) CheckCart(ctx context.Context, shop adapters.Shop, c *adapters.Cart) (*adapters.CartResult, error) {
	res, _ := s.echoCart.CheckCart(ctx, shop, c)
	var nums []string
	for _, it := range c.Items {
		nums = append(nums, it.ItemNumber)
	}
	s.mu.Lock()
	s.carts = append(s.carts, nums)
	s.mu.Unlock()
	n := decimal.NewFromInt(int64(len(c.Items)))
	res.ShippingMethods = []adapters.ShippingMethod{{ID: "std", Amount: n, AmountWithTax: n, InternalShippingInfo: "std"}}
	return res, nil
}

// partnerHook plays an integration that ships the items whose number
// starts with "p": it prices the other items through ownShipping, adds
// 10.00 and marks "px" as not combinable.
type partnerHook struct{}

func (partnerHook) AdjustCart(ctx context.Context, _ adapters.Shop, cart *adapters.Cart, res *adapters.CartResult,
	own func(context.Context, []adapters.CartItem) ([]adapters.ShippingMethod, error)) error {
	var mine []adapters.CartItem
	for _, it := range cart.Items {
		if !strings.HasPrefix(it.ItemNumber, "p") {
			mine = append(mine, it)
		}
	}
	ms, err := own(ctx, mine)
	if err != nil {
		return err
	}
	ten := decimal.NewFromInt(10)
	res.ShippingMethods = nil
	for _, m := range ms {
		res.ShippingMethods = append(res.ShippingMethods, adapters.ShippingMethod{ID: m.ID + "+partner",
			Amount: m.Amount.Add(ten), AmountWithTax: m.AmountWithTax.Add(ten), InternalShippingInfo: `{"partner":1}`})
	}
	for i := range res.Items {
		if res.Items[i].ItemNumber == "px" {
			res.Items[i].Error, res.Items[i].ErrorText = adapters.ItemErrNotCombinable, "px cannot be shipped with the rest"
		}
	}
	return nil
}

// hookFunc adapts a function to CartHook.
type hookFunc func(ctx context.Context, shop adapters.Shop, cart *adapters.Cart, res *adapters.CartResult) error

func (f hookFunc) AdjustCart(ctx context.Context, shop adapters.Shop, cart *adapters.Cart, res *adapters.CartResult,
	_ func(context.Context, []adapters.CartItem) ([]adapters.ShippingMethod, error)) error {
	return f(ctx, shop, cart, res)
}

// Cart hooks (docs/protocol/cart.md#cart-hooks) run in order after the
// adapter, see its answer and can ask it about the shop's own items.
func TestCheckCartHooks(t *testing.T) {
	cart := &shipCart{}
	var sawPartner bool
	h := newTestHandler(t, func(c *Config) {
		c.Shops[0].Enable["check_cart"] = true
		c.Cart = cart
		c.CartHooks = []CartHook{partnerHook{}}
	})
	h.AddCartHook(nil)
	h.AddCartHook(hookFunc(func(_ context.Context, shop adapters.Shop, _ *adapters.Cart, res *adapters.CartResult) error {
		sawPartner = len(res.ShippingMethods) == 1 && res.ShippingMethods[0].ID == "std+partner" && shop.Number == testShop
		return nil
	}))
	rec := call(t, h, "action=check_cart&cart[items][0][item_number]=a&cart[items][1][item_number]=p1"+
		"&cart[items][2][item_number]=px&cart[items][3][item_number]=b", true)
	m := envelope(t, rec)
	wantError(t, m, 0, "")
	if !sawPartner {
		t.Error("the added hook did not run after the configured one")
	}
	b, _ := json.Marshal(m["shipping_methods"])
	// Own items a and b: 2.00 from the adapter + 10.00.
	if want := `[{"amount":12,"amount_with_tax":12,"description":"","id":"std+partner","internal_shipping_info":"{\"partner\":1}","shipping_group":"","sort_order":0,"tax_class":null,"tax_percent":0,"title":""}]`; string(b) != want {
		t.Errorf("shipping_methods %s\nwant %s", b, want)
	}
	px := m["items"].([]any)[2].(map[string]any)
	if px["error"] != float64(306) || px["error_text"] != "px cannot be shipped with the rest" {
		t.Errorf("px %v", px)
	}
	cart.mu.Lock()
	defer cart.mu.Unlock()
	if len(cart.carts) != 2 || strings.Join(cart.carts[1], ",") != "a,b" {
		t.Errorf("adapter calls %v", cart.carts)
	}
}

// A hook's error ends the check: its code when it is a Plugin API error,
// else 999 without internals.
func TestCheckCartHookErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		code int
	}{
		{"api error", shopgate.NewAPIError(shopgate.CodeWrongResponseFormat, "broken"), shopgate.CodeWrongResponseFormat},
		{"other", errors.New("secret internals"), 999},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHandler(t, func(c *Config) {
				c.Shops[0].Enable["check_cart"] = true
				c.Cart = &shipCart{}
			})
			h.AddCartHook(hookFunc(func(context.Context, adapters.Shop, *adapters.Cart, *adapters.CartResult) error { return tt.err }))
			rec := call(t, h, "action=check_cart&cart[items][0][item_number]=a", true)
			m := envelope(t, rec)
			wantError(t, m, tt.code, "")
			if strings.Contains(rec.Body.String(), "secret internals") {
				t.Errorf("internals answered: %s", rec.Body)
			}
		})
	}
}
