package pluginapi

import (
	"github.com/shopbridge/shopbridge/shopgate"
)

// errNoAdapter answers an action whose adapter the host did not configure.
func errNoAdapter(area string) error {
	return shopgate.NewAPIErrorShown(shopgate.CodeDisabledAction, "no "+area+" adapter is configured")
}

// checkCart validates a cart through the adapter; the four list keys are
// always present.
func (h *Handler) checkCart(r *request) (payload, error) {
	if r.Empty("cart") {
		return nil, shopgate.NewAPIError(shopgate.CodeNoCart, "")
	}
	cart := r.Map("cart")
	if cart == nil {
		return nil, shopgate.NewAPIError(shopgate.CodeNoCart, "cart is not a structure")
	}
	if h.cfg.Cart == nil {
		return nil, errNoAdapter("cart")
	}
	res, err := h.cfg.Cart.CheckCart(r.Ctx, r.Shop, cart)
	if err != nil {
		return nil, err
	}
	currency := res["currency"]
	if currency == nil || currency == "" {
		currency, _ = cart["currency"].(string)
	}
	p := payload{{"internal_cart_info", res["internal_cart_info"]}, {"currency", currency}}
	if c, ok := res["customer"]; ok && c != nil {
		p = append(p, field{"customer", c})
	}
	for _, k := range []string{"shipping_methods", "payment_methods", "items", "external_coupons"} {
		v := res[k]
		if v == nil {
			v = []any{}
		}
		list, ok := asList(v)
		if !ok {
			if l, isMaps := v.([]map[string]any); isMaps {
				for _, e := range l {
					list = append(list, e)
				}
			} else {
				return nil, shopgate.NewAPIError(shopgate.CodeWrongResponseFormat, k+" is not a list")
			}
		}
		if k == "external_coupons" {
			for i, c := range list {
				if m, ok := c.(map[string]any); ok {
					cp := make(map[string]any, len(m))
					for mk, mv := range m {
						if mk != "order_index" {
							cp[mk] = mv
						}
					}
					list[i] = cp
				}
			}
		}
		if list == nil {
			list = []any{}
		}
		p = append(p, field{k, list})
	}
	return p, nil
}

// checkStock returns the stock of the requested items.
func (h *Handler) checkStock(r *request) (payload, error) {
	raw, ok := r.List("items")
	if r.Empty("items") || !ok {
		return nil, shopgate.NewAPIError(shopgate.CodeNoItems, "")
	}
	if h.cfg.Cart == nil {
		return nil, errNoAdapter("cart")
	}
	items := make([]map[string]any, 0, len(raw))
	for _, e := range raw {
		m, isMap := e.(map[string]any)
		if !isMap {
			return nil, shopgate.NewAPIError(shopgate.CodeNoItems, "item is not a structure")
		}
		items = append(items, m)
	}
	res, err := h.cfg.Cart.CheckStock(r.Ctx, r.Shop, items)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(res))
	for _, m := range res {
		cp := make(map[string]any, len(m))
		for k, v := range m {
			switch k {
			case "qty_buyable", "unit_amount", "unit_amount_with_tax":
			default:
				cp[k] = v
			}
		}
		out = append(out, cp)
	}
	return payload{{"items", out}}, nil
}
