package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/shopgate"
)

// Outbox job kinds of the sync back to Shopgate.
const (
	KindDeliveryNote      = "shopgate.add_order_delivery_note"
	KindShippingCompleted = "shopgate.set_order_shipping_completed"
	KindCancelOrder       = "shopgate.cancel_order"
)

// Shipment is a parcel the merchant shipped.
type Shipment struct {
	// Carrier is the Shopgate carrier id (shopgate.Carrier*); unknown or
	// empty ids are sent as OTHER (the Merchant API rejects unknown ones).
	Carrier string
	// TrackingNumber is the parcel's tracking number, if any.
	TrackingNumber string
	// Complete says the order is now completely shipped.
	Complete bool
}

// Cancellation is what the merchant cancelled.
type Cancellation struct {
	// Complete cancels the whole order including shipping.
	Complete bool
	// Items are the cancelled lines of a partial cancellation; each
	// quantity is the number of units cancelled now.
	Items []shopgate.CancellationItem
	// CancelShipping also cancels the shipping costs.
	CancelShipping bool
	// Note is the reason sent to Shopgate.
	Note string
}

// Job payloads.
type deliveryNoteJob struct {
	ShopNumber        string `json:"shop_number"`
	OrderNumber       string `json:"order_number"`
	Carrier           string `json:"carrier"`
	TrackingNumber    string `json:"tracking_number"`
	Complete          bool   `json:"complete"`
	SendCustomerEmail bool   `json:"send_customer_email"`
}

type shippingCompletedJob struct {
	ShopNumber        string `json:"shop_number"`
	OrderNumber       string `json:"order_number"`
	SendCustomerEmail bool   `json:"send_customer_email"`
}

type cancelJob struct {
	ShopNumber     string                      `json:"shop_number"`
	OrderNumber    string                      `json:"order_number"`
	Complete       bool                        `json:"complete"`
	Items          []shopgate.CancellationItem `json:"items,omitempty"`
	CancelShipping bool                        `json:"cancel_shipping"`
	Note           string                      `json:"note"`
}

// lockMapping reads the bookkeeping row of a host order inside tx, locked
// on PostgreSQL so that concurrent records of one order serialise.
func lockMapping(tx *gorm.DB, hostOrderID string) (*gormmodels.ShopgateOrder, error) {
	var rows []gormmodels.ShopgateOrder
	q := tx.Where("host_order_id = ?", hostOrderID).Limit(1)
	if tx.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read shopgate order of host order %s: %w", hostOrderID, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

func carrier(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	if slices.Contains(shopgate.Carriers, c) {
		return c
	}
	return shopgate.CarrierOther
}

// RecordShipment queues the report of a shipment of host order
// hostOrderID. Call it inside the transaction that marks the host order
// shipped: the report is sent if and only if that transaction commits.
// ok is false (and nothing is queued) for orders not imported from
// Shopgate.
func (s *Service) RecordShipment(ctx context.Context, tx *gorm.DB, hostOrderID string, sh Shipment) (ok bool, err error) {
	m, err := lockMapping(tx.WithContext(ctx), hostOrderID)
	if err != nil || m == nil {
		return false, err
	}
	if m.IsStorno {
		return true, nil // cancelled at Shopgate: nothing to report
	}
	if sh.TrackingNumber != "" || !sh.Complete || sh.Carrier != "" {
		err = outbox.Enqueue(tx, outbox.Job{Kind: KindDeliveryNote, Payload: deliveryNoteJob{
			ShopNumber: m.ShopNumber, OrderNumber: m.OrderNumber, Carrier: carrier(sh.Carrier),
			TrackingNumber: strings.TrimSpace(sh.TrackingNumber), Complete: sh.Complete,
			SendCustomerEmail: s.cfg.SendCustomerEmail,
		}})
	} else {
		err = outbox.Enqueue(tx, outbox.Job{Kind: KindShippingCompleted, Key: m.OrderNumber, Payload: shippingCompletedJob{
			ShopNumber: m.ShopNumber, OrderNumber: m.OrderNumber, SendCustomerEmail: s.cfg.SendCustomerEmail,
		}})
	}
	if err != nil {
		return false, fmt.Errorf("record shipment of order %s: %w", m.OrderNumber, err)
	}
	return true, nil
}

// RecordCancellation queues the report of a cancellation of host order
// hostOrderID; call it inside the transaction that cancels in the host. A
// partial cancellation is refused (with an error) when its quantities, added to
// those Shopgate accepted before (ReportedCancellations) and to those still
// queued, would exceed an item's ordered quantity, so that no unit is cancelled
// twice (docs/protocol/orders.md#sync-bookkeeping). ok is false for orders not
// imported from Shopgate.
func (s *Service) RecordCancellation(ctx context.Context, tx *gorm.DB, hostOrderID string, c Cancellation) (ok bool, err error) {
	if !c.Complete && len(c.Items) == 0 && !c.CancelShipping {
		return false, errors.New("orders: a partial cancellation needs items or CancelShipping")
	}
	m, err := lockMapping(tx.WithContext(ctx), hostOrderID)
	if err != nil || m == nil {
		return false, err
	}
	if m.IsStorno {
		return true, nil
	}
	job := outbox.Job{Kind: KindCancelOrder, Payload: cancelJob{
		ShopNumber: m.ShopNumber, OrderNumber: m.OrderNumber, Complete: c.Complete,
		Items: c.Items, CancelShipping: c.CancelShipping, Note: c.Note,
	}}
	if c.Complete {
		job.Key = m.OrderNumber + ":complete"
	} else if len(c.Items) > 0 {
		queued, err := queuedCancellations(tx, m.OrderNumber)
		if err != nil {
			return false, err
		}
		if err := checkCancellation(m, queued, c.Items); err != nil {
			return false, err
		}
	}
	if err := outbox.Enqueue(tx, job); err != nil {
		return false, fmt.Errorf("record cancellation of order %s: %w", m.OrderNumber, err)
	}
	return true, nil
}

// Register makes w send the sync jobs. Run the worker with
// [WorkerConfig] or similar minutes-long backoff.
func (s *Service) Register(w *outbox.Worker) {
	w.Handle(KindDeliveryNote, s.sendDeliveryNote)
	w.Handle(KindShippingCompleted, s.sendShippingCompleted)
	w.Handle(KindCancelOrder, s.sendCancellation)
}

func decodeJob(raw json.RawMessage, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return outbox.Permanent(fmt.Errorf("decode job: %w", err))
	}
	return nil
}

func (s *Service) sendDeliveryNote(ctx context.Context, raw json.RawMessage) error {
	var j deliveryNoteJob
	if err := decodeJob(raw, &j); err != nil {
		return err
	}
	c, err := s.merchant(j.ShopNumber)
	if err != nil {
		return err
	}
	_, err = c.AddOrderDeliveryNote(ctx, shopgate.DeliveryNoteRequest{
		OrderNumber: j.OrderNumber, ShippingServiceID: j.Carrier, TrackingNumber: j.TrackingNumber,
		MarkAsCompleted: j.Complete, SendCustomerEmail: j.SendCustomerEmail,
	})
	return s.outcome(ctx, j.OrderNumber, "add_order_delivery_note", err, classifyShipping, j.Complete, "shipping_reported_at")
}

func (s *Service) sendShippingCompleted(ctx context.Context, raw json.RawMessage) error {
	var j shippingCompletedJob
	if err := decodeJob(raw, &j); err != nil {
		return err
	}
	c, err := s.merchant(j.ShopNumber)
	if err != nil {
		return err
	}
	_, err = c.SetOrderShippingCompleted(ctx, shopgate.ShippingCompletedRequest{
		OrderNumber: j.OrderNumber, SendCustomerEmail: j.SendCustomerEmail,
	})
	return s.outcome(ctx, j.OrderNumber, "set_order_shipping_completed", err, classifyShipping, true, "shipping_reported_at")
}

func (s *Service) sendCancellation(ctx context.Context, raw json.RawMessage) error {
	var j cancelJob
	if err := decodeJob(raw, &j); err != nil {
		return err
	}
	c, err := s.merchant(j.ShopNumber)
	if err != nil {
		return err
	}
	if !j.Complete && len(j.Items) > 0 {
		// Never send units Shopgate already accepted as cancelled.
		if err := s.checkBeforeSend(ctx, j); err != nil {
			return err
		}
	}
	_, err = c.CancelOrder(ctx, shopgate.CancelOrderRequest{
		OrderNumber: j.OrderNumber, CancelCompleteOrder: j.Complete, Items: j.Items,
		CancelShipping: j.CancelShipping, Note: j.Note,
	})
	onlyShipping := !j.Complete && len(j.Items) == 0 && j.CancelShipping
	classify := func(code int) outcome { return classifyCancel(code, onlyShipping) }
	if err := s.outcome(ctx, j.OrderNumber, "cancel_order", err, classify, j.Complete, "cancellation_reported_at"); err != nil {
		return err
	}
	if !j.Complete && len(j.Items) > 0 {
		if err := s.addReported(ctx, j.OrderNumber, j.Items); err != nil {
			// Shopgate accepted; failing the job would send it again.
			s.log.Error("record accepted cancellation", zap.String("order_number", j.OrderNumber), zap.Error(err))
		}
	}
	return nil
}

// reportedCancellations decodes ReportedCancellations: item number →
// quantity Shopgate accepted as cancelled.
func reportedCancellations(m *gormmodels.ShopgateOrder) (map[string]int, error) {
	reported := map[string]int{}
	if m.ReportedCancellations != "" {
		if err := json.Unmarshal([]byte(m.ReportedCancellations), &reported); err != nil {
			return nil, fmt.Errorf("order %s: reported cancellations: %w", m.OrderNumber, err)
		}
	}
	return reported, nil
}

// orderedQuantities returns the ordered quantity per item number from the
// raw order kept at import; ok is false when it lists no items.
func orderedQuantities(m *gormmodels.ShopgateOrder) (map[string]int, bool) {
	var o shopgate.Order
	if m.RawOrder == "" || json.Unmarshal([]byte(m.RawOrder), &o) != nil || len(o.Items) == 0 {
		return nil, false
	}
	out := map[string]int{}
	for _, it := range o.Items {
		out[it.ItemNumber] += it.Quantity
	}
	return out, true
}

// checkCancellation reports an error when cancelling items on top of what
// Shopgate accepted (and of extra, e.g. still queued) would exceed an
// item's ordered quantity, or a quantity is not positive.
func checkCancellation(m *gormmodels.ShopgateOrder, extra map[string]int, items []shopgate.CancellationItem) error {
	reported, err := reportedCancellations(m)
	if err != nil {
		return err
	}
	ordered, known := orderedQuantities(m)
	total := map[string]int{}
	for _, it := range items {
		if it.Quantity <= 0 {
			return fmt.Errorf("order %s: cancel %d of item %s: quantity must be positive", m.OrderNumber, it.Quantity, it.ItemNumber)
		}
		total[it.ItemNumber] += it.Quantity
	}
	if !known {
		return nil
	}
	for number, q := range total {
		if sum := reported[number] + extra[number] + q; sum > ordered[number] {
			return fmt.Errorf("order %s: cancelling %d of item %s would cancel %d of %d ordered (%d accepted by Shopgate, %d queued)",
				m.OrderNumber, q, number, sum, ordered[number], reported[number], extra[number])
		}
	}
	return nil
}

// queuedCancellations sums the item quantities of the partial
// cancellations of an order still waiting in the outbox.
func queuedCancellations(tx *gorm.DB, orderNumber string) (map[string]int, error) {
	var jobs []gormmodels.OutboxJob
	err := tx.Model(&gormmodels.OutboxJob{}).
		Where("kind = ? AND state IN ? AND payload LIKE ?", KindCancelOrder,
			[]string{gormmodels.OutboxPending, gormmodels.OutboxRunning}, `%"order_number":"`+orderNumber+`"%`).
		Find(&jobs).Error
	if err != nil {
		return nil, fmt.Errorf("order %s: queued cancellations: %w", orderNumber, err)
	}
	out := map[string]int{}
	for _, jr := range jobs {
		var j cancelJob
		if err := json.Unmarshal([]byte(jr.Payload), &j); err != nil || j.OrderNumber != orderNumber || j.Complete {
			continue
		}
		for _, it := range j.Items {
			out[it.ItemNumber] += it.Quantity
		}
	}
	return out, nil
}

// checkBeforeSend fails a partial cancellation job for good when its
// quantities, added to those Shopgate already accepted, exceed the
// ordered quantities (e.g. a job sent again after Shopgate accepted it).
func (s *Service) checkBeforeSend(ctx context.Context, j cancelJob) error {
	var rows []gormmodels.ShopgateOrder
	db := s.db.WithContext(ctx)
	if err := db.Where("order_number = ?", j.OrderNumber).Limit(1).Find(&rows).Error; err != nil {
		return fmt.Errorf("order %s: read bookkeeping: %w", j.OrderNumber, err)
	}
	if len(rows) == 0 {
		return nil
	}
	if err := checkCancellation(&rows[0], nil, j.Items); err != nil {
		s.log.Error("cancellation not sent", zap.String("order_number", j.OrderNumber), zap.Error(err))
		if uerr := db.Model(&gormmodels.ShopgateOrder{}).Where("id = ?", rows[0].ID).
			Update("sync_error", truncate("cancel_order: "+err.Error(), 1000)).Error; uerr != nil {
			s.log.Error("record sync error", zap.Error(uerr))
		}
		return outbox.Permanent(err)
	}
	return nil
}

// addReported adds the items of a cancellation Shopgate accepted to
// ReportedCancellations, under a row lock on PostgreSQL.
func (s *Service) addReported(ctx context.Context, orderNumber string, items []shopgate.CancellationItem) error {
	return s.db.WithContext(context.WithoutCancel(ctx)).Transaction(func(tx *gorm.DB) error {
		var rows []gormmodels.ShopgateOrder
		q := tx.Where("order_number = ?", orderNumber).Limit(1)
		if tx.Dialector.Name() == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Find(&rows).Error; err != nil {
			return fmt.Errorf("order %s: read bookkeeping: %w", orderNumber, err)
		}
		if len(rows) == 0 {
			return nil
		}
		reported, err := reportedCancellations(&rows[0])
		if err != nil {
			return err
		}
		for _, it := range items {
			reported[it.ItemNumber] += it.Quantity
		}
		b, err := json.Marshal(reported)
		if err != nil {
			return fmt.Errorf("order %s: encode reported cancellations: %w", orderNumber, err)
		}
		if err := tx.Model(&gormmodels.ShopgateOrder{}).Where("id = ?", rows[0].ID).
			Update("reported_cancellations", string(b)).Error; err != nil {
			return fmt.Errorf("order %s: remember accepted cancellation: %w", orderNumber, err)
		}
		return nil
	})
}

// outcome is how a Merchant API answer counts for a sync job.
type outcome int

const (
	outcomeRetry outcome = iota
	outcomeDone
	outcomePermanent
)

// classifyShipping and classifyCancel are the table of
// docs/protocol/orders.md#merchant-api-outcomes.
func classifyShipping(code int) outcome {
	switch code {
	case shopgate.SMACodeOrderAlreadyCompleted, shopgate.SMACodeOrderShippingCompleted:
		return outcomeDone
	}
	return classifyCommon(code)
}

func classifyCancel(code int, onlyShipping bool) outcome {
	switch code {
	case shopgate.SMACodeOrderAlreadyCancelled:
		return outcomeDone
	case shopgate.SMACodeShippingAlreadyCancelled:
		if onlyShipping {
			return outcomeDone
		}
		return outcomePermanent
	}
	return classifyCommon(code)
}

// classifyCommon makes the codes docs/protocol/orders.md#merchant-api-outcomes
// lists as permanent permanent and every other code transient:
// docs/protocol/merchant-api.md#rate-limit asks order-sync callers to back off
// on any Merchant API error, and the code of the hourly request limit is
// undocumented, so a code outside the table must be retried rather than given
// up.
func classifyCommon(code int) outcome {
	switch code {
	case shopgate.SMACodeUnknownAction, shopgate.SMACodeShopNumberNotSet,
		shopgate.SMACodeMerchantNotFound, shopgate.SMACodeShopNotFound,
		shopgate.SMACodeMissingParameters, shopgate.SMACodeInvalidShippingServiceID,
		shopgate.SMACodeWrongParameterType, shopgate.SMACodeOrderNotFound,
		shopgate.SMACodeCancelInvalidItem, shopgate.SMACodeCancelInvalidQuantity,
		shopgate.SMACodeCancelInvalidArguments,
		shopgate.SMACodeAuthNotSet, shopgate.SMACodeAuthUserInvalid, shopgate.SMACodeAuthTokenInvalid,
		shopgate.SMACodeAccessTokenInvalid, shopgate.SMACodeNoAPIRights:
		return outcomePermanent
	}
	return outcomeRetry
}

// outcome records the result of a sync call on the bookkeeping row and
// tells the outbox whether to retry. final says the call reported the
// order's final state (complete shipping or cancellation), stored in
// column reportedCol.
func (s *Service) outcome(ctx context.Context, orderNumber, action string, err error, classify func(int) outcome, final bool, reportedCol string) error {
	log := s.log.With(zap.String("order_number", orderNumber), zap.String("action", action))
	result := outcomeDone
	if err != nil {
		var me *shopgate.MerchantAPIError
		switch {
		case errors.As(err, &me):
			result = classify(me.Code)
		case errors.Is(err, shopgate.ErrInvalidArgument):
			result = outcomePermanent
		default: // no connection, unusable answer, budget exhausted
			result = outcomeRetry
		}
	}
	db := s.db.WithContext(context.WithoutCancel(ctx)).Model(&gormmodels.ShopgateOrder{}).Where("order_number = ?", orderNumber)
	switch result {
	case outcomeDone:
		if err != nil {
			log.Info("shopgate says already done", zap.Error(err))
		}
		set := map[string]any{"sync_error": ""}
		if final {
			set[reportedCol] = s.cfg.Now().UTC()
		}
		if uerr := db.Updates(set).Error; uerr != nil {
			// The call succeeded; failing here would send it again.
			log.Error("record sync success", zap.Error(uerr))
		}
		return nil
	case outcomePermanent:
		log.Error("sync failed for good", zap.Error(err))
		if uerr := db.Update("sync_error", truncate(action+": "+err.Error(), 1000)).Error; uerr != nil {
			log.Error("record sync error", zap.Error(uerr))
		}
		return outbox.Permanent(err)
	default:
		return err
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
