package pluginapi

import (
	"strings"

	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

// addOrder imports a new Shopgate order (orders spec 2.3): the adapter
// fetches it from the Merchant API and stores it in one transaction. A
// repeated call answers 60.
func (h *Handler) addOrder(r *Request) (Payload, error) {
	number, err := orderNumberParam(r)
	if err != nil {
		return nil, err
	}
	if h.cfg.Orders == nil {
		return nil, shopgate.NewAPIError(shopgate.CodeDisabledAction, "no order adapter configured")
	}
	r.Debug.Info("add_order", zap.String("order_number", number))
	ref, err := h.cfg.Orders.AddOrder(r.Ctx, r.Shop, number)
	if err != nil {
		return nil, err
	}
	return orderRefPayload(ref), nil
}

// updateOrder applies the payment and/or shipping change Shopgate
// announces for an imported order (orders spec 2.8); 61 when unknown.
func (h *Handler) updateOrder(r *Request) (Payload, error) {
	number, err := orderNumberParam(r)
	if err != nil {
		return nil, err
	}
	if h.cfg.Orders == nil {
		return nil, shopgate.NewAPIError(shopgate.CodeDisabledAction, "no order adapter configured")
	}
	payment, shipping := r.Bool("payment"), r.Bool("shipping")
	r.Debug.Info("update_order", zap.String("order_number", number),
		zap.Bool("payment", payment), zap.Bool("shipping", shipping))
	ref, err := h.cfg.Orders.UpdateOrder(r.Ctx, r.Shop, number, payment, shipping)
	if err != nil {
		return nil, err
	}
	return orderRefPayload(ref), nil
}

// orderNumberParam returns the order_number parameter; missing, empty or
// blank is error 30 (orders spec 9 item 12: empty counts as missing).
func orderNumberParam(r *Request) (string, error) {
	n := strings.TrimSpace(r.String("order_number"))
	if n == "" {
		return "", shopgate.NewAPIError(shopgate.CodeNoOrderNumber, "")
	}
	return n, nil
}

// orderRefPayload is the answer of add_order and update_order: both keys
// always, an empty order number as null (orders spec 2.4).
func orderRefPayload(ref adapters.OrderRef) Payload {
	var number any
	if ref.ExternalOrderNumber != "" {
		number = ref.ExternalOrderNumber
	}
	return Payload{
		{"external_order_id", ref.ExternalOrderID},
		{"external_order_number", number},
	}
}
