package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/shopgate"
)

// Cron job names of the Plugin API action cron
// (docs/protocol/orders.md#cron-jobs).
const (
	JobSetShippingCompleted = "set_shipping_completed"
	JobCancelOrders         = "cancel_orders"
	JobCleanOrders          = "clean_orders"
)

// outboxRetention is how long clean_orders keeps finished outbox jobs.
const outboxRetention = 30 * 24 * time.Hour

// RunCronJob implements pluginapi.CronJobs. The jobs repair what the
// outbox could not deliver or what changed in the host without
// RecordShipment / RecordCancellation:
//
//   - set_shipping_completed: host orders that are shipped but whose
//     complete shipping Shopgate has not accepted yet, and that have no
//     report queued, get a set_order_shipping_completed job; when
//     delivery notes of the order died, those are queued again instead
//     (carrier and tracking number kept, the last one completing);
//   - cancel_orders: the same for cancelled host orders and cancel_order;
//   - clean_orders: bookkeeping rows of deleted host orders are removed,
//     and finished outbox jobs older than 30 days.
//
// Orders whose last report failed permanently (wrong carrier, unknown
// order at Shopgate) are skipped until job_params[retry_failed]=1.
func (s *Service) RunCronJob(ctx context.Context, shop adapters.Shop, job string, params map[string]any) (string, int, error) {
	retryFailed := params["retry_failed"] == "1" || params["retry_failed"] == true
	switch job {
	case JobSetShippingCompleted:
		n, errs, err := s.repair(ctx, shop, adapters.StatusShipped, "shipping_reported_at", retryFailed)
		return fmt.Sprintf("%d orders queued for set_order_shipping_completed\n", n), errs, err
	case JobCancelOrders:
		n, errs, err := s.repair(ctx, shop, adapters.StatusCancelled, "cancellation_reported_at", retryFailed)
		return fmt.Sprintf("%d orders queued for cancel_order\n", n), errs, err
	case JobCleanOrders:
		n, purged, err := s.clean(ctx, shop)
		return fmt.Sprintf("%d order mappings of deleted orders removed, %d finished outbox jobs purged\n", n, purged), 0, err
	}
	return "", 0, shopgate.NewAPIErrorShown(shopgate.CodeCronUnsupportedJob, job)
}

// repair queues reports for host orders in status whose column reported
// is still empty and that have no report under way.
func (s *Service) repair(ctx context.Context, shop adapters.Shop, status, reported string, retryFailed bool) (queued, errCount int, err error) {
	db := s.db.WithContext(ctx)
	var lastID uint64
	for {
		var ms []gormmodels.ShopgateOrder
		q := db.Where(reported+" IS NULL AND is_storno = ? AND host_order_id <> '' AND id > ?", false, lastID)
		if shop.Number != "" {
			q = q.Where("shop_number = ?", shop.Number)
		}
		if !retryFailed {
			q = q.Where("sync_error = ''")
		}
		if err := q.Order("id").Limit(s.cfg.CronBatch).Find(&ms).Error; err != nil {
			return queued, errCount, shopgate.DatabaseError("cron: read orders", err)
		}
		if len(ms) == 0 {
			return queued, errCount, nil
		}
		lastID = ms[len(ms)-1].ID
		ids := make([]string, len(ms))
		for i, m := range ms {
			ids[i] = m.HostOrderID
		}
		states, err := s.cfg.Host.OrderStates(ctx, db, ids)
		if err != nil {
			return queued, errCount, dbError("cron: host order states", err)
		}
		for _, m := range ms {
			if states[m.HostOrderID].Status != status {
				continue
			}
			ok, err := s.queueRepair(ctx, m, status)
			if err != nil {
				errCount++
				s.log.Error("cron: queue report", zap.String("order_number", m.OrderNumber), zap.Error(err))
				continue
			}
			if ok {
				queued++
			}
		}
		if len(ms) < s.cfg.CronBatch {
			return queued, errCount, nil
		}
	}
}

// queueRepair enqueues the report of one order unless one is under way.
func (s *Service) queueRepair(ctx context.Context, m gormmodels.ShopgateOrder, status string) (bool, error) {
	queued := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		kinds := []string{KindDeliveryNote, KindShippingCompleted}
		if status == adapters.StatusCancelled {
			kinds = []string{KindCancelOrder}
		}
		var live int64
		err := tx.Model(&gormmodels.OutboxJob{}).
			Where("kind IN ? AND state IN ? AND payload LIKE ?", kinds,
				[]string{gormmodels.OutboxPending, gormmodels.OutboxRunning}, `%"order_number":"`+m.OrderNumber+`"%`).
			Count(&live).Error
		if err != nil || live > 0 {
			return err
		}
		if status == adapters.StatusShipped {
			// Delivery notes that died carry tracking numbers and
			// carriers a bare completion would lose: send them again,
			// the last one completing the shipping.
			notes, err := s.undeliveredNotes(tx, m.OrderNumber)
			if err != nil {
				return err
			}
			for i, n := range notes {
				n.Complete = n.Complete || i == len(notes)-1
				if err := outbox.Enqueue(tx, outbox.Job{Kind: KindDeliveryNote, Payload: n}); err != nil {
					return fmt.Errorf("requeue delivery note of order %s: %w", m.OrderNumber, err)
				}
			}
			if len(notes) > 0 {
				queued = true
				return nil
			}
		}
		job := outbox.Job{Kind: KindShippingCompleted, Key: m.OrderNumber, Payload: shippingCompletedJob{
			ShopNumber: m.ShopNumber, OrderNumber: m.OrderNumber, SendCustomerEmail: s.cfg.SendCustomerEmail,
		}}
		if status == adapters.StatusCancelled {
			job = outbox.Job{Kind: KindCancelOrder, Key: m.OrderNumber + ":complete", Payload: cancelJob{
				ShopNumber: m.ShopNumber, OrderNumber: m.OrderNumber, Complete: true,
			}}
		}
		queued = true
		return outbox.Enqueue(tx, job)
	})
	return queued && err == nil, err
}

// undeliveredNotes returns, oldest first, the payloads of the dead
// delivery-note jobs of an order whose parcel (carrier and tracking
// number) no delivery-note job delivered, one per parcel.
func (s *Service) undeliveredNotes(tx *gorm.DB, orderNumber string) ([]deliveryNoteJob, error) {
	var jobs []gormmodels.OutboxJob
	err := tx.Where("kind = ? AND state IN ? AND payload LIKE ?", KindDeliveryNote,
		[]string{gormmodels.OutboxDead, gormmodels.OutboxDone}, `%"order_number":"`+orderNumber+`"%`).
		Order("id").Find(&jobs).Error
	if err != nil {
		return nil, fmt.Errorf("read delivery notes of order %s: %w", orderNumber, err)
	}
	type parcel struct{ carrier, tracking string }
	delivered := map[parcel]bool{}
	var dead []deliveryNoteJob
	for _, j := range jobs {
		var n deliveryNoteJob
		if err := json.Unmarshal([]byte(j.Payload), &n); err != nil || n.OrderNumber != orderNumber {
			continue // not this order's, or undecodable (it died for that)
		}
		if j.State == gormmodels.OutboxDone {
			delivered[parcel{n.Carrier, n.TrackingNumber}] = true
			continue
		}
		dead = append(dead, n)
	}
	var out []deliveryNoteJob
	for _, n := range dead {
		p := parcel{n.Carrier, n.TrackingNumber}
		if delivered[p] {
			continue
		}
		delivered[p] = true // once per parcel
		out = append(out, n)
	}
	return out, nil
}

// clean removes bookkeeping rows whose host order is gone and purges old
// finished outbox jobs.
func (s *Service) clean(ctx context.Context, shop adapters.Shop) (removed int, purged int64, err error) {
	db := s.db.WithContext(ctx)
	var lastID uint64
	for {
		var ms []gormmodels.ShopgateOrder
		q := db.Select("id", "host_order_id").Where("id > ? AND host_order_id <> ''", lastID)
		if shop.Number != "" {
			q = q.Where("shop_number = ?", shop.Number)
		}
		if err := q.Order("id").Limit(s.cfg.CronBatch).Find(&ms).Error; err != nil {
			return removed, 0, shopgate.DatabaseError("clean_orders: read orders", err)
		}
		if len(ms) == 0 {
			break
		}
		lastID = ms[len(ms)-1].ID
		ids := make([]string, len(ms))
		for i, m := range ms {
			ids[i] = m.HostOrderID
		}
		states, err := s.cfg.Host.OrderStates(ctx, db, ids)
		if err != nil {
			return removed, 0, dbError("clean_orders: host order states", err)
		}
		var gone []uint64
		for _, m := range ms {
			if _, ok := states[m.HostOrderID]; !ok {
				gone = append(gone, m.ID)
			}
		}
		if len(gone) > 0 {
			if err := db.Where("id IN ?", gone).Delete(&gormmodels.ShopgateOrder{}).Error; err != nil {
				return removed, 0, shopgate.DatabaseError("clean_orders: delete", err)
			}
			removed += len(gone)
		}
		if len(ms) < s.cfg.CronBatch {
			break
		}
	}
	purged, err = outbox.Purge(ctx, s.db, s.cfg.Now().Add(-outboxRetention))
	if err != nil {
		return removed, purged, shopgate.DatabaseError("clean_orders: purge outbox", err)
	}
	return removed, purged, nil
}
