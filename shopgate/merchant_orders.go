package shopgate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Merchant API order actions.
const (
	ActionGetOrders                 = "get_orders"
	ActionAddOrderDeliveryNote      = "add_order_delivery_note"
	ActionSetOrderShippingCompleted = "set_order_shipping_completed"
	ActionCancelOrder               = "cancel_order"
)

// Carrier ids accepted as shipping_service_id by add_order_delivery_note
// (and found in an order's shipping_group). Unknown ids get error 119;
// CarrierOther is the fallback.
const (
	CarrierDHL          = "DHL"
	CarrierDHLExpress   = "DHLEXPRESS"
	CarrierDeutschePost = "DP"
	CarrierDPD          = "DPD"
	CarrierFedEx        = "FEDEX"
	CarrierGLS          = "GLS"
	CarrierHermes       = "HLG"
	CarrierOther        = "OTHER"
	CarrierTNT          = "TNT"
	CarrierTransOFlex   = "TOF"
	CarrierUPS          = "UPS"
	CarrierUSPS         = "USPS"
	CarrierLaPoste      = "LAPOSTE"
	CarrierCollectStore = "COLL_STORE"
)

// Carriers lists the carrier ids the Shopgate SDK defines, in its order.
var Carriers = []string{
	CarrierDHL, CarrierDHLExpress, CarrierDeutschePost, CarrierDPD, CarrierFedEx, CarrierGLS,
	CarrierHermes, CarrierOther, CarrierTNT, CarrierTransOFlex, CarrierUPS, CarrierUSPS,
	CarrierLaPoste, CarrierCollectStore,
}

// MaxOrdersLimit is the largest page size get_orders accepts.
const MaxOrdersLimit = 100

// GetOrdersRequest filters get_orders. Zero fields are not sent (the
// server then applies its defaults: limit 50, offset 0, all dates).
type GetOrdersRequest struct {
	// DateFrom is the start of the created_time range (inclusive).
	DateFrom time.Time
	// DateTo is the end of the created_time range (inclusive).
	DateTo time.Time
	// Limit is the page size, at most MaxOrdersLimit. 0 = server default (50).
	Limit int
	// Offset is the number of orders to skip.
	Offset int
	// OrderNumbers restricts the answer to these Shopgate order numbers.
	OrderNumbers []string
	// WithItems includes each order's items.
	WithItems bool
}

// OrdersPage is one page of get_orders.
type OrdersPage struct {
	// Orders are the orders of this page.
	Orders []Order
	// Limit is the page size the server applied.
	Limit int
	// Offset is the offset the server applied.
	Offset int
	// HasMoreResults reports whether more orders follow.
	HasMoreResults bool
	// TraceID identifies the call for Shopgate support.
	TraceID string
}

// isoTime formats t like PHP's date('c'), which Shopgate expects.
func isoTime(t time.Time) string { return t.Format("2006-01-02T15:04:05-07:00") }

// GetOrders fetches one page of orders (action get_orders).
func (c *Client) GetOrders(ctx context.Context, req GetOrdersRequest) (*OrdersPage, error) {
	if req.Limit < 0 || req.Limit > MaxOrdersLimit || req.Offset < 0 {
		return nil, invalidArgument(ActionGetOrders, "limit must be 0..%d and offset >= 0", MaxOrdersLimit)
	}
	p := map[string]any{"with_items": req.WithItems}
	if !req.DateFrom.IsZero() {
		p["date_from"] = isoTime(req.DateFrom)
	}
	if !req.DateTo.IsZero() {
		p["date_to"] = isoTime(req.DateTo)
	}
	if req.Limit > 0 {
		p["limit"] = req.Limit
	}
	if req.Offset > 0 || req.Limit > 0 {
		p["offset"] = req.Offset
	}
	if len(req.OrderNumbers) > 0 {
		p["order_numbers"] = append([]string(nil), req.OrderNumbers...)
	}
	r, err := c.Do(ctx, ActionGetOrders, p)
	if err != nil {
		return nil, err
	}
	page := &OrdersPage{Limit: r.Limit, Offset: r.Offset, HasMoreResults: r.HasMoreResults, TraceID: r.TraceID}
	raw, ok := r.Payload["orders"]
	if !ok || !isJSONArrayOrObject(raw) {
		return nil, payloadError(ActionGetOrders, r, errors.New(`answer has no "orders" list`))
	}
	if _, err := r.DecodePayload("orders", &page.Orders); err != nil {
		return nil, payloadError(ActionGetOrders, r, err)
	}
	return page, nil
}

// isJSONArrayOrObject reports whether raw starts a JSON list (or an object,
// PHP's spelling of a list with gaps).
func isJSONArrayOrObject(raw []byte) bool {
	s := strings.TrimSpace(string(raw))
	return strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{")
}

// GetAllOrders fetches all orders matching req, page by page, while the
// server reports has_more_results. Each page is one request of the
// hourly budget, so keep the range narrow. req.Limit defaults to
// MaxOrdersLimit here.
func (c *Client) GetAllOrders(ctx context.Context, req GetOrdersRequest) ([]Order, error) {
	if req.Limit == 0 {
		req.Limit = MaxOrdersLimit
	}
	var all []Order
	for {
		page, err := c.GetOrders(ctx, req)
		if err != nil {
			return all, err
		}
		all = append(all, page.Orders...)
		if !page.HasMoreResults {
			return all, nil
		}
		if len(page.Orders) == 0 {
			// A server claiming more results without sending any would
			// make this loop forever.
			return all, payloadError(ActionGetOrders, &Response{TraceID: page.TraceID}, errors.New("has_more_results set on an empty page"))
		}
		req.Offset += len(page.Orders)
	}
}

// GetOrder fetches one order with its items (order_numbers[0]=number,
// with_items=1), as the Plugin API's add_order and update_order do. An
// answer with zero or several orders is an invalid response (101).
func (c *Client) GetOrder(ctx context.Context, orderNumber string) (*Order, error) {
	if strings.TrimSpace(orderNumber) == "" {
		return nil, invalidArgument(ActionGetOrders, "empty order number")
	}
	page, err := c.GetOrders(ctx, GetOrdersRequest{OrderNumbers: []string{orderNumber}, WithItems: true})
	if err != nil {
		return nil, err
	}
	if len(page.Orders) != 1 {
		return nil, payloadError(ActionGetOrders, &Response{TraceID: page.TraceID},
			fmt.Errorf("expected exactly one order %s, got %d", orderNumber, len(page.Orders)))
	}
	return &page.Orders[0], nil
}

// DeliveryNoteRequest is the input of add_order_delivery_note.
type DeliveryNoteRequest struct {
	// OrderNumber is the Shopgate order number (required).
	OrderNumber string
	// ShippingServiceID is the carrier id (required; Carrier* constants).
	ShippingServiceID string
	// TrackingNumber is the parcel tracking number; sent even when empty.
	TrackingNumber string
	// MarkAsCompleted marks the order as completely shipped; false means
	// a partial shipment.
	MarkAsCompleted bool
	// SendCustomerEmail makes Shopgate e-mail the buyer.
	SendCustomerEmail bool
}

// AddOrderDeliveryNote adds a delivery note (carrier, tracking number) to
// an order (action add_order_delivery_note). Error 204 means the order's
// shipping was already completed.
func (c *Client) AddOrderDeliveryNote(ctx context.Context, req DeliveryNoteRequest) (*Response, error) {
	if strings.TrimSpace(req.OrderNumber) == "" || strings.TrimSpace(req.ShippingServiceID) == "" {
		return nil, invalidArgument(ActionAddOrderDeliveryNote, "order number and shipping service id are required")
	}
	return c.Do(ctx, ActionAddOrderDeliveryNote, map[string]any{
		"order_number":        req.OrderNumber,
		"shipping_service_id": req.ShippingServiceID,
		"tracking_number":     req.TrackingNumber,
		"mark_as_completed":   req.MarkAsCompleted,
		"send_customer_email": req.SendCustomerEmail,
	})
}

// ShippingCompletedRequest is the input of set_order_shipping_completed.
type ShippingCompletedRequest struct {
	// OrderNumber is the Shopgate order number (required).
	OrderNumber string
	// SendCustomerEmail makes Shopgate e-mail the buyer.
	SendCustomerEmail bool
}

// SetOrderShippingCompleted marks an order as completely shipped (action
// set_order_shipping_completed). Errors 202 (on hold), 203 and 204
// (already completed) are typical outcomes, see [MerchantAPIError].
func (c *Client) SetOrderShippingCompleted(ctx context.Context, req ShippingCompletedRequest) (*Response, error) {
	if strings.TrimSpace(req.OrderNumber) == "" {
		return nil, invalidArgument(ActionSetOrderShippingCompleted, "empty order number")
	}
	return c.Do(ctx, ActionSetOrderShippingCompleted, map[string]any{
		"order_number":        req.OrderNumber,
		"send_customer_email": req.SendCustomerEmail,
	})
}

// CancellationItem is one line of a partial cancellation.
type CancellationItem struct {
	// ItemNumber is the order line's item number.
	ItemNumber string `json:"item_number"`
	// Quantity is how many units to cancel (at least 1).
	Quantity int `json:"quantity"`
}

// CancelOrderRequest is the input of cancel_order. There is no hidden
// default: set CancelCompleteOrder for a full cancellation, or give Items
// and/or CancelShipping for a partial one.
type CancelOrderRequest struct {
	// OrderNumber is the Shopgate order number (required).
	OrderNumber string
	// CancelCompleteOrder cancels all items and the shipping costs.
	CancelCompleteOrder bool
	// Items are the lines to cancel in a partial cancellation.
	Items []CancellationItem
	// CancelShipping also cancels the shipping costs.
	CancelShipping bool
	// Note is sent as cancellation_note (always, even when empty).
	Note string
}

// CancelOrderResult is the answer of cancel_order.
type CancelOrderResult struct {
	// CancellationNumber is Shopgate's number of this cancellation.
	CancellationNumber string
	// TraceID identifies the call for Shopgate support.
	TraceID string
}

// CancelOrder cancels an order completely or partially (action
// cancel_order). A partial request without items and without
// CancelShipping is refused locally (the server would answer 226).
func (c *Client) CancelOrder(ctx context.Context, req CancelOrderRequest) (*CancelOrderResult, error) {
	if strings.TrimSpace(req.OrderNumber) == "" {
		return nil, invalidArgument(ActionCancelOrder, "empty order number")
	}
	if !req.CancelCompleteOrder && len(req.Items) == 0 && !req.CancelShipping {
		return nil, invalidArgument(ActionCancelOrder, "a partial cancellation needs items or CancelShipping")
	}
	p := map[string]any{
		"order_number":          req.OrderNumber,
		"cancel_complete_order": req.CancelCompleteOrder,
		"cancel_shipping":       req.CancelShipping,
		"cancellation_note":     req.Note,
	}
	if len(req.Items) > 0 {
		items := make([]any, len(req.Items))
		for i, it := range req.Items {
			if strings.TrimSpace(it.ItemNumber) == "" || it.Quantity < 1 {
				return nil, invalidArgument(ActionCancelOrder, "item %d needs an item number and a quantity >= 1", i)
			}
			items[i] = map[string]any{"item_number": it.ItemNumber, "quantity": it.Quantity}
		}
		p["cancellation_items"] = items
	}
	r, err := c.Do(ctx, ActionCancelOrder, p)
	if err != nil {
		return nil, err
	}
	res := &CancelOrderResult{TraceID: r.TraceID}
	if _, err := r.DecodePayload("cancellation_number", &res.CancellationNumber); err != nil {
		return nil, payloadError(ActionCancelOrder, r, err)
	}
	return res, nil
}
