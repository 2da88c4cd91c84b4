package dropship

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/gormmodels"
)

// CartShippingConfig configures [Service.CartShipping].
type CartShippingConfig struct {
	// ProductID maps a check_cart item to the host product id the
	// DropHero links use. Default: the item number (the uid the catalogue
	// export sends, e.g. the product id).
	ProductID func(item adapters.CartItem) string
	// ItemNames returns the buyer-facing names of host products by
	// product id in the shop's (marketplace's) language, for the texts of
	// item error 306. Optional; a product it does not name is called by
	// DropHero's product name, else by its item number.
	ItemNames func(ctx context.Context, shop adapters.Shop, productIDs []string) (map[string]string, error)
}

// CartShipping offers DropHero's shipping modes in Shopgate's check_cart
// (docs/protocol/drophero.md#orders-through-shopgate). It implements the
// Plugin API's cart hook (pluginapi.CartHook): register it with
// pluginapi.Config.CartHooks or Handler.AddCartHook. Build it with
// [Service.CartShipping].
type CartShipping struct {
	s   *Service
	cfg CartShippingConfig
}

// CartShipping returns the check_cart hook of the integration.
func (s *Service) CartShipping(cfg CartShippingConfig) *CartShipping {
	if cfg.ProductID == nil {
		cfg.ProductID = func(it adapters.CartItem) string { return it.ItemNumber }
	}
	return &CartShipping{s: s, cfg: cfg}
}

// DropHeroShippingGroup is the carrier code (Shopgate's shipping_group) of
// a check_cart shipping method that ships DropHero items only.
const DropHeroShippingGroup = "OTHER"

// AdjustCart applies the purchasing funnel to a check_cart answer
// (docs/protocol/drophero.md#orders-through-shopgate): when the cart holds
// buyable products with an active DropHero link, the shipping methods
// become one per DropHero mode common to all those lines, each priced at
// the mode's DropHero total (drophero.AggregateShipping) plus, for the
// shop's own lines, the price of the shop's method for those lines alone
// (asked through ownShipping; one method per combination when the shop
// offers several), with the mode in internal_shipping_info
// ([ShippingInfo]). When no mode is common to the destination (the
// delivery address's country, else the invoice address's, else the
// shop's), the affected DropHero lines get item error 306 with a text
// naming them and no shipping method is offered. A cart without DropHero
// lines is left as it is.
func (c *CartShipping) AdjustCart(ctx context.Context, shop adapters.Shop, cart *adapters.Cart, res *adapters.CartResult,
	ownShipping func(ctx context.Context, items []adapters.CartItem) ([]adapters.ShippingMethod, error)) error {
	if cart == nil || res == nil || len(cart.Items) == 0 {
		return nil
	}
	db := c.s.cfg.DB.WithContext(ctx)
	all := make([]CartLine, len(cart.Items))
	for i, it := range cart.Items {
		all[i] = CartLine{ProductID: c.cfg.ProductID(it)}
	}
	item, err := activeLinks(db, all)
	if err != nil {
		return err
	}
	var (
		dh    []CartLine
		dhIdx []int // cart index of each line of dh
		own   []adapters.CartItem
	)
	for i, it := range cart.Items {
		if _, linked := item[all[i].ProductID]; !linked {
			own = append(own, it)
			continue
		}
		qty := it.Quantity
		if v := verdictOf(res, i, it); v != nil {
			if !v.IsBuyable {
				continue // not ordered: ships with nobody
			}
			if v.QtyBuyable > 0 {
				qty = v.QtyBuyable
			}
		}
		if qty <= 0 {
			continue
		}
		dh = append(dh, CartLine{ProductID: all[i].ProductID, Qty: decimal.NewFromInt(int64(qty))})
		dhIdx = append(dhIdx, i)
	}
	if len(dh) == 0 {
		return nil
	}
	country := cartCountry(shop, cart)
	opts, err := shippingOptions(db, dh, item, country)
	var nc *drophero.NoCommonModeError
	if errors.As(err, &nc) {
		res.ShippingMethods = []adapters.ShippingMethod{}
		return c.markUndeliverable(ctx, shop, cart, res, dh, dhIdx, item, nc)
	}
	if err != nil {
		return err
	}
	var ownMethods []adapters.ShippingMethod
	if len(own) > 0 {
		if ownMethods, err = ownShipping(ctx, own); err != nil {
			return fmt.Errorf("shop shipping of the own items: %w", err)
		}
		if len(ownMethods) == 0 {
			// The shop does not ship its own items there: nothing can
			// ship the whole cart.
			res.ShippingMethods = []adapters.ShippingMethod{}
			return nil
		}
	}
	res.ShippingMethods = combineShipping(opts, ownMethods)
	return nil
}

// combineShipping builds the check_cart methods: each DropHero option,
// added to each of the shop's methods for its own lines (none: the option
// alone). DropHero prices are used as they are, without tax on top
// (docs/protocol/drophero.md#shipping-aggregation).
func combineShipping(opts []drophero.ShippingOption, ownMethods []adapters.ShippingMethod) []adapters.ShippingMethod {
	out := make([]adapters.ShippingMethod, 0, len(opts)*max(1, len(ownMethods)))
	if len(ownMethods) == 0 {
		for _, o := range opts {
			out = append(out, adapters.ShippingMethod{ID: "drophero-" + o.ModeID, Title: o.Label,
				ShippingGroup: DropHeroShippingGroup, Description: o.Description, SortOrder: len(out) + 1,
				Amount: o.Total, AmountWithTax: o.Total, TaxPercent: decimal.Zero,
				InternalShippingInfo: ShippingInfo(o.ModeID)})
		}
		return out
	}
	for _, m := range ownMethods {
		for _, o := range opts {
			desc := m.Description
			if o.Description != "" {
				desc = strings.TrimSpace(desc + " · " + o.Label + ": " + o.Description)
			}
			out = append(out, adapters.ShippingMethod{ID: m.ID + "+drophero-" + o.ModeID, Title: m.Title + " + " + o.Label,
				ShippingGroup: m.ShippingGroup, Description: desc, SortOrder: len(out) + 1,
				Amount: m.Amount.Add(o.Total), AmountWithTax: m.AmountWithTax.Add(o.Total),
				TaxClass: m.TaxClass, TaxPercent: m.TaxPercent,
				InternalShippingInfo: shippingInfo(o.ModeID, m.InternalShippingInfo)})
		}
	}
	return out
}

// shippingInfo is ShippingInfo(mode) that also keeps the shop's own
// internal_shipping_info (key "shop") of a combined method.
func shippingInfo(mode, shop string) string {
	m := map[string]string{ShippingInfoKey: mode}
	if shop != "" {
		m["shop"] = shop
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// cartCountry is the destination of a cart: the delivery address's
// country, else the invoice address's (Shopgate sends one address when
// both are the same), else the shop's country, as the shop's own shipping
// is chosen (docs/protocol/drophero.md#orders-through-shopgate).
func cartCountry(shop adapters.Shop, cart *adapters.Cart) string {
	for _, a := range []*adapters.CartAddress{cart.DeliveryAddress, cart.InvoiceAddress} {
		if a != nil && strings.TrimSpace(a.Country) != "" {
			return strings.ToUpper(strings.TrimSpace(a.Country))
		}
	}
	return strings.ToUpper(strings.TrimSpace(shop.Country))
}

// verdictOf is the adapter's verdict of cart item i (nil when the adapter
// answered no verdict for it).
func verdictOf(res *adapters.CartResult, i int, it adapters.CartItem) *adapters.CartItemVerdict {
	if i < len(res.Items) && res.Items[i].ItemNumber == it.ItemNumber {
		return &res.Items[i]
	}
	for j := range res.Items {
		if res.Items[j].ItemNumber == it.ItemNumber {
			return &res.Items[j]
		}
	}
	return nil
}

// markUndeliverable sets item error 306 on the DropHero lines that cause
// nc: the lines that do not ship to the country at all (each named alone,
// without "together"), else every DropHero line (all named, "together").
func (c *CartShipping) markUndeliverable(ctx context.Context, shop adapters.Shop, cart *adapters.Cart, res *adapters.CartResult,
	dh []CartLine, dhIdx []int, item map[string]string, nc *drophero.NoCommonModeError) error {
	affected := map[string]bool{}
	for _, id := range nc.Undeliverable {
		affected[id] = true
	}
	together := len(affected) == 0
	var pids []string
	for _, l := range dh {
		if together || affected[item[l.ProductID]] {
			pids = append(pids, l.ProductID)
		}
	}
	names, err := c.names(ctx, shop, cart, dh, dhIdx, item, pids)
	if err != nil {
		return err
	}
	t := cartTexts(cart.Language, shop.Language)
	var all []string
	seen := map[string]bool{}
	for _, pid := range pids {
		if !seen[pid] {
			seen[pid] = true
			all = append(all, names[pid])
		}
	}
	for k, l := range dh {
		if !together && !affected[item[l.ProductID]] {
			continue
		}
		text := fmt.Sprintf(t.together, t.list(all), nc.Country)
		if !together {
			text = fmt.Sprintf(t.undeliverable, names[l.ProductID], nc.Country)
		}
		i := dhIdx[k]
		v := verdictOf(res, i, cart.Items[i])
		if v == nil {
			res.Items = append(res.Items, adapters.CartItemVerdict{ItemNumber: cart.Items[i].ItemNumber})
			v = &res.Items[len(res.Items)-1]
		}
		v.IsBuyable, v.Error, v.ErrorText = false, adapters.ItemErrNotCombinable, text
	}
	return nil
}

// names returns the quoted display names of the products pids: the
// host's (CartShippingConfig.ItemNames), else DropHero's product name,
// else the item number.
func (c *CartShipping) names(ctx context.Context, shop adapters.Shop, cart *adapters.Cart, dh []CartLine, dhIdx []int, item map[string]string, pids []string) (map[string]string, error) {
	out := map[string]string{}
	if c.cfg.ItemNames != nil {
		host, err := c.cfg.ItemNames(ctx, shop, pids)
		if err != nil {
			return nil, fmt.Errorf("item names: %w", err)
		}
		for pid, n := range host {
			if n = strings.TrimSpace(n); n != "" {
				out[pid] = `"` + n + `"`
			}
		}
	}
	var missing []string
	for _, pid := range pids {
		if _, ok := out[pid]; !ok {
			missing = append(missing, item[pid])
		}
	}
	if len(missing) > 0 {
		var links []gormmodels.DropHeroLink
		if err := c.s.cfg.DB.WithContext(ctx).Select("id_item", "product_id", "raw").Where("id_item IN ?", missing).Find(&links).Error; err != nil {
			return nil, fmt.Errorf("drophero item names: %w", err)
		}
		for _, l := range links {
			if p, err := drophero.ParseProduct(json.RawMessage(l.Raw)); err == nil && p.Name != nil && strings.TrimSpace(*p.Name) != "" {
				if _, ok := out[l.ProductID]; !ok {
					out[l.ProductID] = `"` + strings.TrimSpace(*p.Name) + `"`
				}
			}
		}
	}
	for k, l := range dh {
		if _, ok := out[l.ProductID]; !ok {
			out[l.ProductID] = `"` + cart.Items[dhIdx[k]].ItemNumber + `"`
		}
	}
	return out, nil
}

// cartText are the buyer-facing texts of error 306 in one language.
type cartText struct {
	undeliverable string // item, country
	together      string // items, country
	and           string
}

// cartTextTable holds the texts per language; English is the fallback.
var cartTextTable = map[string]cartText{
	"en": {undeliverable: "%s cannot be delivered to %s.", together: "%s cannot be shipped together to %s. Please order them separately.", and: "and"},
	"de": {undeliverable: "%s kann nicht nach %s geliefert werden.", together: "%s können nicht zusammen nach %s geliefert werden. Bitte bestellen Sie sie getrennt.", and: "und"},
}

// cartTexts picks the texts of the cart's language, else the shop's.
func cartTexts(langs ...string) cartText {
	for _, l := range langs {
		l = strings.ToLower(strings.TrimSpace(l))
		if len(l) > 2 {
			l = l[:2]
		}
		if t, ok := cartTextTable[l]; ok {
			return t
		}
	}
	return cartTextTable["en"]
}

// list joins names as "A, B and C".
func (t cartText) list(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + t.and + " " + names[len(names)-1]
}
