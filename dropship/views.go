package dropship

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/gormmodels"
)

// Installation states reported in Status.InstallState (docs: the resumable
// installation flow). "" means no keys were saved yet.
const (
	InstallKeysSaved       = gormmodels.DropHeroKeysSaved
	InstallContacted       = gormmodels.DropHeroContacted
	InstallCategoriesSent  = gormmodels.DropHeroCategoriesSent
	InstallCatalogueSynced = gormmodels.DropHeroCatalogueSynced
	Installed              = gormmodels.DropHeroInstalled
	InstallKeysRejected    = gormmodels.DropHeroKeysRejected
	InstallDisabled        = gormmodels.DropHeroDisabled
)

// Submission states of the DropHero part of a host order (Order.State).
const (
	OrderAwaitingPayment      = gormmodels.DropHeroAwaitingPayment
	OrderAwaitingConfirmation = gormmodels.DropHeroAwaitingConfirmation
	OrderQueued               = gormmodels.DropHeroQueued
	OrderSubmitting           = gormmodels.DropHeroSubmitting
	OrderSubmitted            = gormmodels.DropHeroSubmitted
	OrderRejected             = gormmodels.DropHeroRejected
	OrderNeedsAttention       = gormmodels.DropHeroNeedsAttention
)

// Link origins (Link.Origin).
const (
	OriginImported = gormmodels.DropHeroImported // the shop product was created from the DropHero item
	OriginManaged  = gormmodels.DropHeroManaged  // an existing shop product matched by EAN ("DropHero managed")
)

// Order is the DropHero part of a host order, as the control panel shows it.
type Order struct {
	OrderID      string // host order number = idordershop
	State        string // one of the Order* states
	ShippingMode string
	// DropHeroStatus is the last applied code "1".."4" ("" before submission).
	DropHeroStatus  string
	Alert           string
	LastError       string
	SubmitAttempted bool
	SubmittedAt     *time.Time
	CreatedAt       time.Time
}

func orderView(r gormmodels.DropHeroOrder) Order {
	return Order{OrderID: r.OrderID, State: r.State, ShippingMode: r.ShippingMode, DropHeroStatus: r.DropHeroStatus,
		Alert: r.Alert, LastError: r.LastError, SubmitAttempted: r.SubmitAttempted, SubmittedAt: r.SubmittedAt, CreatedAt: r.CreatedAt}
}

// Link ties a DropHero item to a host product.
type Link struct {
	IDItem       string
	ProductID    string
	Origin       string // OriginImported or OriginManaged
	Active       bool
	NeedsReview  bool // a managed product whose subscription ended: review price and stock
	StockUnknown bool
	SyncedAt     time.Time
}

// Conflict is a DropHero item whose EAN matched several shop products (or
// only products linked to other items); ResolveConflict settles it.
type Conflict struct {
	IDItem     string
	EAN        string
	Candidates string // JSON list of product ids
	UpdatedAt  time.Time
}

// ShippingModes returns DropHero's shipping modes as last fetched, ordered
// by id.
func (s *Service) ShippingModes(ctx context.Context) ([]drophero.ShippingMode, error) {
	var rows []gormmodels.DropHeroShippingMode
	if err := s.cfg.DB.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]drophero.ShippingMode, len(rows))
	for i, m := range rows {
		out[i] = drophero.ShippingMode{ID: m.ID, AreaISO: m.AreaISO, Name: m.Name, Description: m.Description, TransitHours: m.TransitHours}
	}
	return out, nil
}

// OrdersAwaitingPayment returns the ids of the orders among those selected
// by among (a query of the host's paid order ids inside tx, e.g.
// tx.Table("orders").Select("number").Where("is_paid")) whose DropHero part
// waits for their payment; pass each to OrderPaid.
func (s *Service) OrdersAwaitingPayment(tx, among *gorm.DB) ([]string, error) {
	var ids []string
	err := tx.Model(&gormmodels.DropHeroOrder{}).Where("state = ? AND order_id IN (?)", OrderAwaitingPayment, among).
		Pluck("order_id", &ids).Error
	return ids, err
}

// OrdersToCancel returns the ids of the orders among those selected by among
// (a query of the host's cancelled order ids inside tx) that OrderCancelled
// has not handled yet; pass each to OrderCancelled.
func (s *Service) OrdersToCancel(tx, among *gorm.DB) ([]string, error) {
	var ids []string
	err := tx.Model(&gormmodels.DropHeroOrder{}).Where("state <> ? AND alert = '' AND order_id IN (?)", OrderRejected, among).
		Pluck("order_id", &ids).Error
	return ids, err
}
