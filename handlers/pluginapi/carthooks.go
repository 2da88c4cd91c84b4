package pluginapi

import (
	"context"
	"fmt"
	"sync"

	"github.com/shopbridge/shopbridge/adapters"
)

// CartHook is how an integration that ships part of the goods itself (e.g.
// a dropshipping partner) takes part in check_cart
// (docs/protocol/cart.md#cart-hooks). After the Cart adapter has checked
// the cart, each registered hook may change the result: replace the
// shipping methods with its own combined ones, or set item errors (e.g.
// 306) on the lines it cannot ship. The handler knows nothing about the
// integration; it only runs the hooks in order.
//
// The method uses only adapters and standard types, so an integration
// package implements it without importing pluginapi.
type CartHook interface {
	// AdjustCart changes res, the Cart adapter's answer for cart, in
	// place. ownShipping asks the Cart adapter for the shipping methods it
	// offers for a part of the cart: the same cart (addresses, customer,
	// coupons) with only items, so that an integration can price the
	// shop's own lines without its partner lines. An error ends the check
	// like an adapter error (problems of single items go into res.Items).
	AdjustCart(ctx context.Context, shop adapters.Shop, cart *adapters.Cart, res *adapters.CartResult,
		ownShipping func(ctx context.Context, items []adapters.CartItem) ([]adapters.ShippingMethod, error)) error
}

// cartHooks are the registered CartHooks.
type cartHooks struct {
	mu    sync.RWMutex
	hooks []CartHook
}

// AddCartHook registers h after the hooks of Config.CartHooks. Call it
// while setting up (e.g. from an integration built after the handler);
// it is safe to call while requests are served.
func (h *Handler) AddCartHook(hook CartHook) {
	if hook == nil {
		return
	}
	h.cartHooks.mu.Lock()
	defer h.cartHooks.mu.Unlock()
	h.cartHooks.hooks = append(h.cartHooks.hooks, hook)
}

// runCartHooks lets the Config.CartHooks and the added hooks adjust the
// Cart adapter's answer (docs/protocol/cart.md#cart-hooks).
func (h *Handler) runCartHooks(ctx context.Context, shop adapters.Shop, cart *adapters.Cart, res *adapters.CartResult) error {
	h.cartHooks.mu.RLock()
	hooks := append(append([]CartHook(nil), h.cfg.CartHooks...), h.cartHooks.hooks...)
	h.cartHooks.mu.RUnlock()
	if len(hooks) == 0 {
		return nil
	}
	own := func(ctx context.Context, items []adapters.CartItem) ([]adapters.ShippingMethod, error) {
		part := *cart
		part.Items = append([]adapters.CartItem(nil), items...)
		r, err := h.cfg.Cart.CheckCart(ctx, shop, &part)
		if err != nil {
			return nil, err
		}
		if r == nil {
			return nil, nil
		}
		return r.ShippingMethods, nil
	}
	for _, hook := range hooks {
		if hook == nil {
			continue
		}
		if err := hook.AdjustCart(ctx, shop, cart, res, own); err != nil {
			return fmt.Errorf("check_cart hook: %w", err)
		}
	}
	return nil
}
