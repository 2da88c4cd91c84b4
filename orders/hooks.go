package orders

import (
	"context"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

// EventKind says what happened to a Shopgate order.
type EventKind string

// The kinds of [Event].
const (
	// EventImported: add_order created the host order.
	EventImported EventKind = "imported"
	// EventUpdated: update_order changed the order.
	EventUpdated EventKind = "updated"
)

// OrderFlags are the Shopgate flags of an order as shopbridge last stored
// them.
type OrderFlags struct {
	IsPaid              bool
	IsShippingBlocked   bool
	IsShippingCompleted bool
	IsStorno            bool
}

// Event is what a [Hook] is told about an imported or updated order
// (docs/protocol/orders.md#hooks).
type Event struct {
	Kind       EventKind
	ShopNumber string
	// Order is the order as get_orders returned it (read only).
	Order *shopgate.Order
	// Host is the host order the import created.
	Host adapters.OrderRef
	// Before holds the flags before this update (EventUpdated only).
	Before OrderFlags
}

// Hook is how an integration (e.g. dropship) follows Shopgate orders. It
// runs inside the import or update transaction, after the host order and
// the bookkeeping row are written, so that whatever it writes (an outbox
// job, a state row) commits or rolls back together with the import: a
// duplicate add_order that loses the race never reaches the hooks' writes,
// and a crash loses nothing. A hook must not fail an import for a problem
// of the order itself (docs/protocol/orders.md#r12-discrepancies-never-fail):
// it records it for the merchant instead; an error it returns rolls the
// import back and is answered as a technical error that Shopgate retries.
// Update hooks run only when the update changed something.
type Hook func(ctx context.Context, tx *gorm.DB, ev Event) error

// AddHook registers h after the hooks of Config.Hooks. Call it while
// setting up, before the service handles requests.
func (s *Service) AddHook(h Hook) {
	if h != nil {
		s.hooks = append(s.hooks, h)
	}
}

// runHooks calls the hooks in order and stops at the first error.
func (s *Service) runHooks(ctx context.Context, tx *gorm.DB, ev Event) error {
	for _, h := range s.hooks {
		if err := h(ctx, tx, ev); err != nil {
			return err
		}
	}
	return nil
}
