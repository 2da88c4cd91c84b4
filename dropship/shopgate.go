package dropship

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/orders"
	"github.com/shopbridge/shopbridge/shopgate"
)

// ShippingInfoKey is the key of the DropHero shipping mode in the
// internal_shipping_info of a check_cart shipping method
// (docs/protocol/drophero.md#orders-through-shopgate).
const ShippingInfoKey = "dh_mode"

// ShippingInfo returns the internal_shipping_info naming mode, e.g.
// {"dh_mode":"2"}, for a check_cart shipping method.
func ShippingInfo(mode string) string {
	b, _ := json.Marshal(map[string]string{ShippingInfoKey: mode})
	return string(b)
}

// MaxModeLen is the longest DropHero shipping mode id accepted back from
// Shopgate (the width of the stored mode); a longer one counts as missing
// (docs/protocol/drophero.md#orders-through-shopgate).
const MaxModeLen = 32

// ModeFromShippingInfo reads the DropHero mode back from the
// internal_shipping_info Shopgate returned with an order: a JSON object
// whose "dh_mode" is a non-empty string of at most MaxModeLen bytes or a
// whole number; other keys (e.g. "shop", the shop's own part of a
// combined method) are ignored. ok is false when there is none.
func ModeFromShippingInfo(info string) (mode string, ok bool) {
	mode, ok = modeFromShippingInfo(info)
	if len(mode) > MaxModeLen {
		return "", false
	}
	return mode, ok
}

func modeFromShippingInfo(info string) (mode string, ok bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(strings.TrimSpace(info)), &m); err != nil {
		return "", false
	}
	raw, found := m[ShippingInfoKey]
	if !found {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		s = strings.TrimSpace(s)
		return s, s != ""
	}
	var n json.Number
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if dec.Decode(&n) == nil {
		if i, err := n.Int64(); err == nil && i >= 0 {
			return n.String(), true
		}
	}
	return "", false
}

// ShopgateReady reports whether a Shopgate order may go to DropHero as a
// paid order: paid, not blocked for shipping and not cancelled
// (docs/protocol/drophero.md#orders-through-shopgate).
func ShopgateReady(o *shopgate.Order) bool {
	return o.IsPaid && !o.IsShippingBlocked && !o.IsStorno
}

// OrdersHook returns the [orders.Hook] that hands the DropHero part of
// Shopgate orders to the integration
// (docs/protocol/drophero.md#orders-through-shopgate): on import the
// DropHero lines are recorded with the mode named by
// shipping_infos.internal_shipping_info and, when the order is ready (see
// [ShopgateReady]) and auto-submit is on, queued for submission in the
// import's transaction; a missing or invalid mode sends it to
// needs_attention with a note for the merchant and submits nothing. On
// update, an order that became ready is submitted as [Service.OrderPaid]
// does, and a cancelled one is handled as [Service.OrderCancelled].
//
// hostOrderID maps the host order of an import to the id
// [adapters.DropHeroHost.DropHeroOrder] expects; nil uses the order number
// (ExternalOrderNumber, else ExternalOrderID).
func (s *Service) OrdersHook(hostOrderID func(adapters.OrderRef) string) orders.Hook {
	if hostOrderID == nil {
		hostOrderID = func(r adapters.OrderRef) string {
			if r.ExternalOrderNumber != "" {
				return r.ExternalOrderNumber
			}
			return r.ExternalOrderID
		}
	}
	return func(ctx context.Context, tx *gorm.DB, ev orders.Event) error {
		id := hostOrderID(ev.Host)
		o := ev.Order
		if id == "" || o == nil {
			return nil
		}
		switch ev.Kind {
		case orders.EventImported:
			ho, err := s.cfg.Host.DropHeroOrder(ctx, tx, id)
			if err != nil {
				return fmt.Errorf("drophero order %s: %w", id, err)
			}
			info := ""
			if o.ShippingInfos != nil {
				info = o.ShippingInfos.InternalShippingInfo
			}
			mode, ok := ModeFromShippingInfo(info)
			why := fmt.Sprintf("Shopgate order %s: DropHero shipping mode %q is not offered for every DropHero item to %s; choose a mode and submit", o.OrderNumber, mode, ho.Shipping.Country)
			if !ok {
				why = fmt.Sprintf("Shopgate order %s names no DropHero shipping mode (internal_shipping_info %q); choose a mode and submit", o.OrderNumber, clip(info, 80))
			}
			return s.recordOrder(ctx, tx, id, ho, mode, ShopgateReady(o), why)
		case orders.EventUpdated:
			if o.IsStorno && !ev.Before.IsStorno {
				return s.OrderCancelled(ctx, tx, id)
			}
			wasReady := ev.Before.IsPaid && !ev.Before.IsShippingBlocked && !ev.Before.IsStorno
			if ShopgateReady(o) && !wasReady {
				return s.OrderPaid(ctx, tx, id)
			}
		}
		return nil
	}
}

// clip shortens s to at most n bytes (on a rune boundary) for a note,
// marking the cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
