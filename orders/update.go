package orders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/shopgate"
)

var errNotFound = errors.New("order not found")

// UpdateOrder implements pluginapi.OrderImporter
// (docs/protocol/orders.md#update-rules): it fetches the order again and
// applies payment and shipping changes, a cancellation at Shopgate, and records
// each change in the host order's history. A repeated update with nothing new
// succeeds without changes. The flags of the request only say what Shopgate
// changed; the order's fields are applied whatever they say
// (docs/protocol/orders.md#u7-both-flags-zero).
//
// Concurrent updates of one order are serialised from the fetch to the
// commit (see lockOrder), so that an older snapshot is never applied after
// a newer one. On PostgreSQL each waiting update holds one pooled
// connection.
func (s *Service) UpdateOrder(ctx context.Context, shop adapters.Shop, orderNumber string, paymentChanged, shippingChanged bool) (adapters.OrderRef, error) {
	log := s.log.With(zap.String("order_number", orderNumber), zap.String("shop_number", shop.Number))
	db, unlock, err := s.lockOrder(ctx, shop.Number, orderNumber)
	if err != nil {
		return adapters.OrderRef{}, dbError("update order "+orderNumber, err)
	}
	defer unlock()
	var m gormmodels.ShopgateOrder
	err = db.Where("order_number = ?", orderNumber).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return adapters.OrderRef{}, shopgate.NewAPIError(shopgate.CodeOrderNotFound, orderNumber)
	}
	if err != nil {
		return adapters.OrderRef{}, shopgate.DatabaseError("read order "+orderNumber, err)
	}
	client, err := s.merchant(shop.Number)
	if err != nil {
		return adapters.OrderRef{}, err
	}
	o, err := client.GetOrder(ctx, orderNumber)
	if err != nil {
		return adapters.OrderRef{}, fmt.Errorf("update order %s: get_orders: %w", orderNumber, err)
	}
	err = db.Transaction(func(tx *gorm.DB) error {
		return s.applyUpdate(ctx, tx, orderNumber, o, &m)
	})
	if errors.Is(err, errNotFound) {
		return adapters.OrderRef{}, shopgate.NewAPIError(shopgate.CodeOrderNotFound, orderNumber)
	}
	if err != nil {
		if _, ok := shopgate.AsAPIError(err); !ok {
			log.Error("update order failed", zap.Error(err))
		}
		return adapters.OrderRef{}, dbError("update order "+orderNumber, err)
	}
	log.Info("order updated", zap.Bool("payment", paymentChanged), zap.Bool("shipping", shippingChanged))
	return adapters.OrderRef{ExternalOrderID: m.HostOrderID, ExternalOrderNumber: m.HostOrderNumber}, nil
}

// applyUpdate locks the bookkeeping row, so that concurrent updates of one
// order apply one after the other, and writes the changes.
func (s *Service) applyUpdate(ctx context.Context, tx *gorm.DB, orderNumber string, o *shopgate.Order, m *gormmodels.ShopgateOrder) error {
	q := tx.Where("order_number = ?", orderNumber)
	if tx.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(m).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errNotFound
		}
		return err
	}
	states, err := s.cfg.Host.OrderStates(ctx, tx, []string{m.HostOrderID})
	if err != nil {
		return err
	}
	st, exists := states[m.HostOrderID]
	if !exists {
		return errNotFound // the host order was deleted
	}

	var ch adapters.OrderChange
	var history, comment []string
	set := map[string]any{}
	now := s.cfg.Now().UTC()

	// Cancelled at Shopgate (docs/protocol/orders.md#u4-cancellation).
	if o.IsStorno && !m.IsStorno {
		if st.Status == adapters.StatusShipped {
			return shopgate.NewAPIError(shopgate.CodeOrderStatusIsSent,
				"order "+orderNumber+" was cancelled at Shopgate but is already shipped")
		}
		ch.Status = adapters.StatusCancelled
		history = append(history, "Cancelled at Shopgate.")
		comment = append(comment, "Cancelled at Shopgate.")
		set["is_storno"] = true
		set["cancellation_reported_at"] = now // Shopgate knows; nothing to report
	}
	// Payment (docs/protocol/orders.md#u2-payment). The payment details (time,
	// transaction number, payment_infos) are taken over whenever they changed,
	// also while is_paid stays the same (e.g. a new transaction of a paid
	// order).
	payTime, payTxn, payInfos, err := paymentDetails(o)
	if err != nil {
		return err
	}
	detailsChanged := !sameTime(payTime, m.PaymentTime) || payTxn != m.PaymentTransactionNumber || payInfos != m.PaymentInfos
	if o.IsPaid != m.IsPaid || detailsChanged {
		paid := o.IsPaid
		if paid && payTime != nil {
			t := *payTime
			ch.PaidAt = &t
		}
		var msg string
		switch {
		case paid && !m.IsPaid:
			msg = "Payment received at Shopgate"
		case !paid && m.IsPaid:
			msg = "Payment withdrawn at Shopgate"
		default:
			msg = "Payment details changed at Shopgate"
		}
		if paid != m.IsPaid || (paid && ch.PaidAt != nil) {
			// The host's paid state changes, or a paid order gets its
			// (new) payment time; an unchanged paid order without a
			// payment time keeps the host's.
			ch.IsPaid = &paid
		}
		if o.PaymentTransactionNumber != "" {
			msg += " (transaction " + o.PaymentTransactionNumber + ")"
		}
		if paid && payTime != nil && !sameTime(payTime, m.PaymentTime) {
			msg += ", paid at " + payTime.Format("2006-01-02 15:04:05 UTC")
		}
		history = append(history, msg+".")
		comment = append(comment, msg+".")
		// The payment details as Shopgate has them now
		// (docs/protocol/orders.md#u2-payment).
		for _, line := range flatten("", o.PaymentInfos) {
			if !strings.HasPrefix(line, "shopgate_payment_name:") {
				comment = append(comment, "  "+line)
			}
		}
		set["is_paid"] = paid
		set["payment_time"] = payTime
		set["payment_transaction_number"] = payTxn
		set["payment_infos"] = payInfos
	}
	// Shipping release is decided by is_shipping_blocked alone
	// (docs/protocol/orders.md#u3-shipping).
	// A shop order the merchant cancelled keeps its status: the toggle
	// is only noted (reviving it would let it be shipped).
	hostCancelled := st.Status == adapters.StatusCancelled
	if ch.Status == "" && !o.IsStorno && o.IsShippingBlocked != m.IsShippingBlocked {
		switch {
		case hostCancelled:
			msg := "Released for shipping by Shopgate; the order is cancelled in the shop, status unchanged."
			if o.IsShippingBlocked {
				msg = "Shipping blocked again by Shopgate; the order is cancelled in the shop, status unchanged."
			}
			history = append(history, msg)
			comment = append(comment, msg)
		case o.IsShippingBlocked:
			if st.Status == adapters.StatusShipped {
				return shopgate.NewAPIError(shopgate.CodeOrderStatusIsSent,
					"order "+orderNumber+" was blocked for shipping at Shopgate but is already shipped")
			}
			ch.Status = adapters.StatusNew
			history = append(history, "SHIPPING BLOCKED again by Shopgate: do not ship.")
			comment = append(comment, "SHIPPING BLOCKED again by Shopgate: do not ship.")
		default:
			if st.Status == adapters.StatusNew || st.Status == "" {
				ch.Status = adapters.StatusProcessing
			}
			history = append(history, "Released for shipping by Shopgate.")
			comment = append(comment, "Released for shipping by Shopgate.")
		}
		set["is_shipping_blocked"] = o.IsShippingBlocked
	}
	if o.IsShippingCompleted && !m.IsShippingCompleted {
		if ch.Status == "" && !o.IsShippingBlocked && !o.IsStorno && !hostCancelled {
			ch.Status = adapters.StatusShipped
		}
		history = append(history, "Shipping completed at Shopgate.")
		set["is_shipping_completed"] = true
		if m.ShippingReportedAt == nil {
			set["shipping_reported_at"] = now
		}
	}
	if o.IsCustomerInvoiceBlocked != m.IsCustomerInvoiceBlocked {
		if o.IsCustomerInvoiceBlocked {
			comment = append(comment, "INVOICE BLOCKED: never send an invoice to the customer; the payment provider invoices.")
		} else {
			comment = append(comment, "Invoice no longer blocked by Shopgate.")
		}
		history = append(history, comment[len(comment)-1])
		set["is_customer_invoice_blocked"] = o.IsCustomerInvoiceBlocked
	}
	if len(set) == 0 {
		// Nothing new: success without changes
		// (docs/protocol/orders.md#u6-idempotent-updates).
		return nil
	}
	if hostCancelled && ch.Status != adapters.StatusCancelled {
		ch.Status = "" // never revive a cancelled shop order
	}
	ch.History = "Shopgate update: " + strings.Join(history, " ")
	ch.Comment = strings.Join(comment, "\n")
	if err := s.cfg.Host.UpdateOrder(ctx, tx, m.HostOrderID, ch); err != nil {
		return fmt.Errorf("host update order: %w", err)
	}
	before := OrderFlags{IsPaid: m.IsPaid, IsShippingBlocked: m.IsShippingBlocked,
		IsShippingCompleted: m.IsShippingCompleted, IsStorno: m.IsStorno}
	if err := tx.Model(&gormmodels.ShopgateOrder{}).Where("id = ?", m.ID).Updates(set).Error; err != nil {
		return err
	}
	ev := Event{Kind: EventUpdated, ShopNumber: m.ShopNumber, Order: o, Before: before,
		Host: adapters.OrderRef{ExternalOrderID: m.HostOrderID, ExternalOrderNumber: m.HostOrderNumber}}
	if err := s.runHooks(ctx, tx, ev); err != nil {
		return fmt.Errorf("update hook: %w", err)
	}
	return nil
}

// sameTime reports whether two optional times are the same instant.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
