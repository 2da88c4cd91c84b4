package dropship

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/outbox"
)

type submitJob struct {
	OrderID string `json:"order_id"`
}

// dropHeroLines returns the lines of o whose product has an active link,
// with their iditems.
func (s *Service) dropHeroLines(tx *gorm.DB, o *adapters.DropHeroOrder) (lines []adapters.DropHeroOrderLine, iditems []string, mixed bool, err error) {
	pids := make([]string, 0, len(o.Lines))
	for _, l := range o.Lines {
		pids = append(pids, l.ProductID)
	}
	var links []gormmodels.DropHeroLink
	if len(pids) > 0 {
		if err := tx.Select("id_item", "product_id").Where("product_id IN ? AND active", pids).Find(&links).Error; err != nil {
			return nil, nil, false, err
		}
	}
	item := map[string]string{}
	for _, l := range links {
		item[l.ProductID] = l.IDItem
	}
	for _, l := range o.Lines {
		if id, ok := item[l.ProductID]; ok {
			lines = append(lines, l)
			iditems = append(iditems, id)
		} else {
			mixed = true
		}
	}
	return lines, iditems, mixed, nil
}

// OrderPlaced records the DropHero part of a new host order. Call it inside
// the transaction that creates the order. Paid orders with auto-submit on are
// queued for submission at once; the others wait for payment or for the
// merchant's confirmation. Orders without DropHero items are ignored.
func (s *Service) OrderPlaced(ctx context.Context, tx *gorm.DB, orderID string) error {
	o, err := s.cfg.Host.DropHeroOrder(ctx, tx, orderID)
	if err != nil {
		return fmt.Errorf("drophero order %s: %w", orderID, err)
	}
	return s.recordOrder(ctx, tx, orderID, o, o.ShippingMode, o.Paid, "")
}

// recordOrder writes the DropHero row of host order orderID (o) with the chosen mode
// and, when it may go at once, queues its submission in tx. why, when not
// "", replaces the merchant note of an order without a valid mode.
func (s *Service) recordOrder(ctx context.Context, tx *gorm.DB, orderID string, o *adapters.DropHeroOrder, mode string, paid bool, why string) error {
	lines, iditems, _, err := s.dropHeroLines(tx, o)
	if err != nil || len(lines) == 0 {
		return err
	}
	st, err := s.settings(tx)
	if err != nil {
		return err
	}
	row := gormmodels.DropHeroOrder{OrderID: orderID, ShippingMode: mode}
	switch {
	case !s.modeValid(tx, iditems, o.Shipping.Country, mode):
		row.State = gormmodels.DropHeroNeedsAttention
		row.LastError = "no valid DropHero shipping mode chosen for " + o.Shipping.Country
		if why != "" {
			row.LastError = why
		}
	case paid && st.AutoSubmit:
		row.State = gormmodels.DropHeroQueued
	case !paid && st.AutoSubmit:
		row.State = gormmodels.DropHeroAwaitingPayment
	default:
		row.State = gormmodels.DropHeroAwaitingConfirmation
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("drophero order %s: %w", orderID, err)
	}
	if row.State == gormmodels.DropHeroQueued {
		return s.cfg.Enqueue(tx, outbox.Job{Kind: KindSubmitOrder, Key: orderID, Payload: submitJob{orderID}})
	}
	return nil
}

// modeValid reports whether mode is offered to country by every item.
func (s *Service) modeValid(tx *gorm.DB, iditems []string, country, mode string) bool {
	if mode == "" {
		return false
	}
	var n int64
	tx.Model(&gormmodels.DropHeroShipping{}).Where("id_item IN ? AND mode_id = ? AND area_iso = ?", iditems, mode, country).
		Distinct("id_item").Count(&n)
	uniq := map[string]bool{}
	for _, id := range iditems {
		uniq[id] = true
	}
	return int(n) == len(uniq)
}

// OrderPaid tells the integration that a host order is now paid. Call it inside
// the transaction that records the payment: with auto-submit on at that moment,
// the order is queued for submission
// (docs/protocol/drophero.md#order-submission) — whether it was awaiting
// payment or, placed while auto-submit was off, awaiting the merchant's
// confirmation.
func (s *Service) OrderPaid(ctx context.Context, tx *gorm.DB, orderID string) error {
	st, err := s.settings(tx)
	if err != nil || !st.AutoSubmit {
		return err
	}
	res := tx.Model(&gormmodels.DropHeroOrder{}).
		Where("order_id = ? AND state IN ?", orderID, []string{gormmodels.DropHeroAwaitingPayment, gormmodels.DropHeroAwaitingConfirmation}).
		Update("state", gormmodels.DropHeroQueued)
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	return s.cfg.Enqueue(tx, outbox.Job{Kind: KindSubmitOrder, Key: orderID, Payload: submitJob{orderID}})
}

// ConfirmOrder is the merchant's "submit to DropHero" button (DropHero
// charges the account). mode, when not "", sets the shipping mode of an
// order that needs attention.
func (s *Service) ConfirmOrder(ctx context.Context, orderID, mode string) error {
	return s.cfg.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row gormmodels.DropHeroOrder
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&row, "order_id = ?", orderID).Error; err != nil {
			return fmt.Errorf("drophero confirm %s: %w", orderID, err)
		}
		switch row.State {
		case gormmodels.DropHeroAwaitingPayment, gormmodels.DropHeroAwaitingConfirmation, gormmodels.DropHeroNeedsAttention:
		default:
			return fmt.Errorf("drophero confirm %s: order is %s", orderID, row.State)
		}
		upd := map[string]any{"state": gormmodels.DropHeroQueued, "last_error": ""}
		if row.SubmitAttempted {
			// DropHero may hold it already: the job asks before it sends.
			upd["state"] = gormmodels.DropHeroSubmitting
		}
		if mode != "" {
			upd["shipping_mode"] = mode
		} else if row.State == gormmodels.DropHeroNeedsAttention && !row.SubmitAttempted {
			return fmt.Errorf("drophero confirm %s: choose a shipping mode", orderID)
		}
		if err := tx.Model(&row).Updates(upd).Error; err != nil {
			return err
		}
		return s.cfg.Enqueue(tx, outbox.Job{Kind: KindSubmitOrder, Key: orderID, Payload: submitJob{orderID}})
	})
}

// PendingOrders lists the DropHero orders in the given states (all when
// none), newest first, at most 200.
func (s *Service) PendingOrders(ctx context.Context, states ...string) ([]Order, error) {
	var rows []gormmodels.DropHeroOrder
	q := s.cfg.DB.WithContext(ctx).Order("created_at DESC").Limit(200)
	if len(states) > 0 {
		q = q.Where("state IN ?", states)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Order, len(rows))
	for i, r := range rows {
		out[i] = orderView(r)
	}
	return out, nil
}

// Order returns the DropHero part of the host order orderID; ok is false
// when the order has none.
func (s *Service) Order(ctx context.Context, orderID string) (o Order, ok bool, err error) {
	var rows []gormmodels.DropHeroOrder
	if err := s.cfg.DB.WithContext(ctx).Where("order_id = ?", orderID).Limit(1).Find(&rows).Error; err != nil || len(rows) == 0 {
		return Order{}, false, err
	}
	return orderView(rows[0]), true, nil
}

// ManagedProducts lists active links (managed first).
func (s *Service) ManagedProducts(ctx context.Context, limit int) ([]Link, error) {
	var rows []gormmodels.DropHeroLink
	err := s.cfg.DB.WithContext(ctx).Select("id_item", "product_id", "origin", "active", "needs_review", "stock_unknown", "synced_at").
		Where("active OR needs_review").Order("origin DESC, id_item").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]Link, len(rows))
	for i, r := range rows {
		out[i] = Link{IDItem: r.IDItem, ProductID: r.ProductID, Origin: r.Origin, Active: r.Active,
			NeedsReview: r.NeedsReview, StockUnknown: r.StockUnknown, SyncedAt: r.SyncedAt}
	}
	return out, nil
}

// handleSubmit submits one order exactly once
// (docs/protocol/drophero.md#order-submission).
func (s *Service) handleSubmit(ctx context.Context, payload json.RawMessage) error {
	var j submitJob
	if err := json.Unmarshal(payload, &j); err != nil || j.OrderID == "" {
		return outbox.Permanent(fmt.Errorf("drophero submit: bad payload"))
	}
	db := s.cfg.DB.WithContext(ctx)
	var row gormmodels.DropHeroOrder
	if err := db.First(&row, "order_id = ?", j.OrderID).Error; err != nil {
		return outbox.Permanent(fmt.Errorf("drophero submit %s: %w", j.OrderID, err))
	}
	c, err := s.client(ctx)
	if err != nil {
		return err
	}
	switch row.State {
	case gormmodels.DropHeroQueued:
	case gormmodels.DropHeroSubmitting:
		// The previous attempt's outcome is unknown: ask before resubmitting.
		st, err := c.OrderStatus(ctx, j.OrderID)
		if err == nil {
			return s.markSubmitted(ctx, j.OrderID, st.Status)
		}
		var de *drophero.DecodeError
		if errors.Is(err, drophero.ErrNoOrderStatus) || errors.As(err, &de) {
			// Only a 404 says DropHero lacks the order; anything else
			// leaves it unknown, and DropHero charges per order: the
			// merchant checks and confirms again (which asks again).
			s.needsAttention(ctx, j.OrderID, "DropHero's answer does not tell whether it holds the order; check at DropHero before confirming again: "+err.Error())
			return outbox.Permanent(err)
		}
		if !errors.Is(err, drophero.ErrNotFound) {
			return err
		}
	default:
		return nil
	}
	// Built before the order is marked submitting, so that a passing
	// database problem is retried instead of rejecting the order for good.
	o, err := s.buildOrder(ctx, db, j.OrderID, row.ShippingMode)
	if err != nil {
		var nc *drophero.NoCommonModeError
		if !errors.Is(err, errNoLines) && !errors.Is(err, errModeNotOffered) && !errors.Is(err, gorm.ErrRecordNotFound) && !errors.As(err, &nc) {
			return err
		}
		s.reject(ctx, j.OrderID, err.Error())
		return outbox.Permanent(err)
	}
	if row.State == gormmodels.DropHeroQueued {
		res := db.Model(&gormmodels.DropHeroOrder{}).Where("order_id = ? AND state = ?", j.OrderID, gormmodels.DropHeroQueued).
			Updates(map[string]any{"state": gormmodels.DropHeroSubmitting, "submit_attempted": true})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // another worker won
		}
	}
	err = c.SubmitOrder(ctx, *o)
	var ae *drophero.APIError
	switch {
	case err == nil:
		return s.markSubmitted(ctx, j.OrderID, "1")
	case errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusForbidden:
		s.reject(ctx, j.OrderID, err.Error())
		return outbox.Permanent(err)
	default:
		db.Model(&gormmodels.DropHeroOrder{}).Where("order_id = ?", j.OrderID).Update("last_error", err.Error())
		return err
	}
}

// needsAttention hands an order whose submission outcome is unknown to the
// merchant; ConfirmOrder queues it again behind a status check.
func (s *Service) needsAttention(ctx context.Context, orderID, msg string) {
	err := s.cfg.DB.WithContext(context.WithoutCancel(ctx)).Model(&gormmodels.DropHeroOrder{}).Where("order_id = ?", orderID).
		Updates(map[string]any{"state": gormmodels.DropHeroNeedsAttention, "last_error": msg}).Error
	s.log.Error("drophero order needs attention", zap.String("order", orderID), zap.String("reason", msg), zap.Error(err))
}

func (s *Service) reject(ctx context.Context, orderID, msg string) {
	s.cfg.DB.WithContext(context.WithoutCancel(ctx)).Model(&gormmodels.DropHeroOrder{}).Where("order_id = ?", orderID).
		Updates(map[string]any{"state": gormmodels.DropHeroRejected, "last_error": msg})
	s.log.Error("drophero rejected an order", zap.String("order", orderID), zap.String("error", msg))
}

func (s *Service) markSubmitted(ctx context.Context, orderID, status string) error {
	now := time.Now()
	return s.cfg.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&gormmodels.DropHeroOrder{}).Where("order_id = ?", orderID).Updates(map[string]any{
			"state": gormmodels.DropHeroSubmitted, "drop_hero_status": status, "submitted_at": now, "last_error": ""}).Error; err != nil {
			return err
		}
		return tx.Create(&gormmodels.DropHeroOrderHistory{OrderID: orderID, Status: status, Applied: true, Note: "submitted"}).Error
	})
}

// buildOrder assembles the orders/new payload: only the DropHero lines,
// shipping = the mode's total for them
// (docs/protocol/drophero.md#order-submission,
// docs/protocol/drophero.md#shipping-aggregation).
func (s *Service) buildOrder(ctx context.Context, db *gorm.DB, orderID, mode string) (*drophero.Order, error) {
	ho, err := s.cfg.Host.DropHeroOrder(ctx, db, orderID)
	if err != nil {
		return nil, fmt.Errorf("drophero order %s: host: %w", orderID, err)
	}
	lines, iditems, _, err := s.dropHeroLines(db, ho)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("drophero order %s: %w", orderID, errNoLines)
	}
	cart := make([]CartLine, len(lines))
	for i, l := range lines {
		cart[i] = CartLine{ProductID: l.ProductID, Qty: l.Qty}
	}
	opts, err := s.ShippingOptions(ctx, db, cart, ho.Shipping.Country)
	if err != nil {
		return nil, fmt.Errorf("drophero order %s: %w", orderID, err)
	}
	var ship *drophero.ShippingOption
	for i := range opts {
		if opts[i].ModeID == mode {
			ship = &opts[i]
		}
	}
	if ship == nil {
		return nil, fmt.Errorf("drophero order %s: shipping mode %q for %s: %w", orderID, mode, ho.Shipping.Country, errModeNotOffered)
	}
	o := &drophero.Order{IDOrderShop: orderID,
		BuyerName: ho.Billing.Name, BuyerAddress: ho.Billing.Street, BuyerPostcode: ho.Billing.Postcode,
		BuyerCity: ho.Billing.City, BuyerCountry: ho.Billing.Country, BuyerPhone: ho.Billing.Phone,
		BuyerMessage: ho.Message, BuyerVATIN: ho.VATIN,
		BuyerShippingName: ho.Shipping.Name, BuyerShippingAddress: ho.Shipping.Street, BuyerShippingPostcode: ho.Shipping.Postcode,
		BuyerShippingCity: ho.Shipping.City, BuyerShippingCountry: ho.Shipping.Country, BuyerShippingPhone: ho.Shipping.Phone,
		ShippingPrice: ship.Total, Currency: ho.Currency}
	for i, l := range lines {
		o.Lines = append(o.Lines, drophero.OrderLine{LineID: l.LineID, IDItem: iditems[i], Qty: l.Qty, UnitPrice: l.UnitPrice,
			Discount: l.Discount, TaxRate: l.TaxRate, ShippingMode: mode})
	}
	return o, nil
}

// statusRank orders the codes for the "never backwards" rule.
var statusRank = map[string]int{"1": 1, "3": 2, "4": 3}

// SyncOrderStatuses fetches GET /v1/orders and applies every changed status
// of a submitted order (docs/protocol/drophero.md#order-status-sync).
func (s *Service) SyncOrderStatuses(ctx context.Context) error {
	c, err := s.client(ctx)
	if err != nil {
		return outbox.Permanent(err)
	}
	sts, err := c.OrderStatuses(ctx)
	if err != nil {
		return permanentIfClient(err)
	}
	for _, st := range sts {
		if err := s.applyStatus(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) applyStatus(ctx context.Context, st drophero.OrderStatus) error {
	return s.cfg.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row gormmodels.DropHeroOrder
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("order_id = ? AND state = ?", st.IDOrderShop, gormmodels.DropHeroSubmitted).Limit(1).Find(&row).Error
		if err != nil {
			return err
		}
		if row.OrderID == "" || row.DropHeroStatus == st.Status || row.RawStatus == string(st.Raw) {
			return nil
		}
		hist := gormmodels.DropHeroOrderHistory{OrderID: row.OrderID, Status: st.Status}
		upd := map[string]any{"raw_status": string(st.Raw)}
		var state adapters.DropHeroOrderState
		oldRank, newRank := statusRank[row.DropHeroStatus], statusRank[st.Status]
		switch {
		case st.Status == "2":
			if row.DropHeroStatus == "3" || row.DropHeroStatus == "4" {
				upd["alert"] = "DropHero cancelled the order after shipping started"
				hist.Note = "cancel after shipping: alert only"
			} else {
				state = adapters.DropHeroStateOnHold
				upd["alert"] = "DropHero cancelled the order: contact the buyer; no automatic refund"
			}
		case newRank == 0:
			hist.Note = "unknown DropHero status, shop order unchanged"
			s.log.Warn("drophero unknown order status", zap.String("order", row.OrderID), zap.String("status", st.Status))
		case row.DropHeroStatus == "2" || newRank < oldRank:
			hist.Note = "status went backwards, shop order unchanged"
			upd["alert"] = "DropHero status went from " + row.DropHeroStatus + " to " + st.Status
		default:
			state = map[string]adapters.DropHeroOrderState{"1": adapters.DropHeroStateProcessing,
				"3": adapters.DropHeroStatePartiallyShipped, "4": adapters.DropHeroStateShipped}[st.Status]
		}
		if hist.Note == "" || state != "" {
			upd["drop_hero_status"] = st.Status
		}
		if state != "" {
			ho, err := s.cfg.Host.DropHeroOrder(ctx, tx, row.OrderID)
			if err != nil {
				return fmt.Errorf("drophero status %s: host: %w", row.OrderID, err)
			}
			_, _, mixed, err := s.dropHeroLines(tx, ho)
			if err != nil {
				return err
			}
			if !(mixed && st.Status == "1") {
				if err := s.cfg.Host.SetDropHeroOrderState(ctx, tx, row.OrderID, adapters.DropHeroOrderUpdate{
					State: state, DropHeroStatus: st.Status, Mixed: mixed}); err != nil {
					return fmt.Errorf("drophero status %s: host: %w", row.OrderID, err)
				}
				hist.Applied = true
			}
		}
		if err := tx.Model(&row).Updates(upd).Error; err != nil {
			return err
		}
		return tx.Create(&hist).Error
	})
}

// OrderCancelled tells the integration that the merchant cancelled a host
// order. DropHero has no cancel endpoint: an order still waiting is simply
// never sent; a submitted one gets a warning notify naming it and an alert
// telling the merchant to contact DropHero. Call it inside the transaction
// of the cancellation.
func (s *Service) OrderCancelled(ctx context.Context, tx *gorm.DB, orderID string) error {
	var row gormmodels.DropHeroOrder
	if err := tx.Where("order_id = ?", orderID).Limit(1).Find(&row).Error; err != nil || row.OrderID == "" {
		return err
	}
	switch {
	case row.SubmitAttempted && (row.State == gormmodels.DropHeroNeedsAttention || row.State == gormmodels.DropHeroQueued):
		// Sent before with an unknown outcome: DropHero may hold it.
		if err := tx.Model(&row).Updates(map[string]any{"state": gormmodels.DropHeroRejected,
			"alert": "cancelled in the shop after a submission attempt: check at DropHero and cancel it there if it exists"}).Error; err != nil {
			return err
		}
		return s.Notify(tx, "warning", "order "+orderID+" was cancelled in the shop; if you received it, please cancel it at DropHero")
	case row.State == gormmodels.DropHeroAwaitingPayment || row.State == gormmodels.DropHeroAwaitingConfirmation ||
		row.State == gormmodels.DropHeroNeedsAttention || row.State == gormmodels.DropHeroQueued:
		return tx.Model(&row).Updates(map[string]any{"state": gormmodels.DropHeroRejected, "last_error": "cancelled in the shop before submission"}).Error
	case row.State == gormmodels.DropHeroSubmitting || row.State == gormmodels.DropHeroSubmitted:
		if err := tx.Model(&row).Update("alert", "cancelled in the shop after submission: contact DropHero to stop it").Error; err != nil {
			return err
		}
		return s.Notify(tx, "warning", "order "+orderID+" was cancelled in the shop; please cancel it at DropHero")
	}
	return nil
}
