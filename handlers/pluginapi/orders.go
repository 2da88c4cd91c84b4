package pluginapi

import (
	"context"
	"strings"

	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

// OrderImporter imports Shopgate orders (add_order, update_order). The
// orders package implements it (orders.Service).
type OrderImporter interface {
	// AddOrder fetches order orderNumber from the Merchant API and stores
	// it. An order imported before is answered with code 60.
	AddOrder(ctx context.Context, shop adapters.Shop, orderNumber string) (adapters.OrderRef, error)
	// UpdateOrder applies payment and/or shipping changes of an imported
	// order (code 61 when unknown).
	UpdateOrder(ctx context.Context, shop adapters.Shop, orderNumber string, paymentChanged, shippingChanged bool) (adapters.OrderRef, error)
}

// CronJobs runs the jobs of the cron action (set_shipping_completed,
// cancel_orders, clean_orders). The orders package implements it
// (orders.Service).
type CronJobs interface {
	// RunCronJob runs one job. errorCount counts failures of single
	// records; a returned error aborts the job (and is counted once).
	RunCronJob(ctx context.Context, shop adapters.Shop, job string, params map[string]any) (message string, errorCount int, err error)
}

// addOrder imports a new Shopgate order (docs/protocol/orders.md#add_order-processing): the adapter
// fetches it from the Merchant API and stores it in one transaction. A
// repeated call answers 60.
func (h *Handler) addOrder(r *request) (payload, error) {
	number, err := h.orderNumber(r)
	if err != nil {
		return nil, err
	}
	r.Debug.Info("add_order", zap.String("order_number", number))
	ref, err := h.cfg.Orders.AddOrder(r.Ctx, r.Shop, number)
	if err != nil {
		return nil, err
	}
	return orderRefPayload(ref), nil
}

// updateOrder applies the payment and/or shipping change Shopgate
// announces for an imported order (docs/protocol/orders.md#update-rules); 61 when unknown.
func (h *Handler) updateOrder(r *request) (payload, error) {
	number, err := h.orderNumber(r)
	if err != nil {
		return nil, err
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

// orderNumber returns the order_number parameter of add_order and
// update_order; missing, empty, blank or not a string is error 30
// (docs/protocol/plugin-api.md#decision-order_number-blank-or-not-a-string),
// and without an order adapter the action is disabled.
func (h *Handler) orderNumber(r *request) (string, error) {
	n := strings.TrimSpace(r.String("order_number"))
	if n == "" {
		return "", shopgate.NewAPIError(shopgate.CodeNoOrderNumber, "")
	}
	if h.cfg.Orders == nil {
		return "", shopgate.NewAPIError(shopgate.CodeDisabledAction, "no order adapter configured")
	}
	return n, nil
}

// orderRefPayload is the answer of add_order and update_order: both keys
// always, an empty order number as null (docs/protocol/orders.md#add_order-response).
func orderRefPayload(ref adapters.OrderRef) payload {
	var number any
	if ref.ExternalOrderNumber != "" {
		number = ref.ExternalOrderNumber
	}
	return payload{
		{"external_order_id", ref.ExternalOrderID},
		{"external_order_number", number},
	}
}
