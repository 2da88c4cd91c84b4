// Package orders imports Shopgate orders into the host shop and reports
// the merchant's later changes back to Shopgate.
//
// Import (Plugin API add_order / update_order): the order is fetched from
// the Merchant API first, then written through an [adapters.OrderHost] in
// one database transaction together with a bookkeeping row
// (gormmodels.ShopgateOrder) whose unique order number makes add_order
// idempotent. Discrepancies (unknown products, price or stock
// differences, minimum order amount, unknown customers) never fail an
// import; they become a note the merchant sees on the order.
//
// Sync back (Merchant API add_order_delivery_note,
// set_order_shipping_completed, cancel_order): the host calls
// [Service.RecordShipment] or [Service.RecordCancellation] inside the
// transaction that changes its order; that writes a durable outbox job,
// which an outbox.Worker with [Service.Register] sends. The cron
// jobs of the Plugin API re-check and repair (see [Service.RunCronJob]).
package orders

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/shopgate"
)

// MerchantAPI is the part of the Shopgate Merchant API the service uses;
// *shopgate.Client implements it.
type MerchantAPI interface {
	// GetOrder fetches one order with its items.
	GetOrder(ctx context.Context, orderNumber string) (*shopgate.Order, error)
	// AddOrderDeliveryNote reports a parcel (carrier, tracking number).
	AddOrderDeliveryNote(ctx context.Context, req shopgate.DeliveryNoteRequest) (*shopgate.Response, error)
	// SetOrderShippingCompleted reports the order as completely shipped.
	SetOrderShippingCompleted(ctx context.Context, req shopgate.ShippingCompletedRequest) (*shopgate.Response, error)
	// CancelOrder reports a complete or partial cancellation.
	CancelOrder(ctx context.Context, req shopgate.CancelOrderRequest) (*shopgate.CancelOrderResult, error)
}

var _ MerchantAPI = (*shopgate.Client)(nil)

// Default names of the payment methods of payment mapping rule 1 and 3
// (docs/protocol/orders.md#payment-mapping).
const (
	DefaultShopgatePaymentMethod = "Shopgate"
	DefaultMobilePaymentMethod   = "Mobile Payment"
	DefaultCouponItemNumber      = "COUPON"
	// Source is the value of ImportedOrder.Source.
	Source = "shopgate"
)

// Config configures a [Service]. DB, Host and Merchant are required.
type Config struct {
	// DB is the host shop's database; the bookkeeping and outbox tables
	// (gormmodels.Migrate) live in it too.
	DB *gorm.DB
	// Host stores orders in the host shop.
	Host adapters.OrderHost
	// Merchant returns the Merchant API client of a Shopgate shop number.
	Merchant func(shopNumber string) (MerchantAPI, error)

	// PaymentMethods maps Shopgate payment_method codes (e.g. PREPAY, PAYPAL)
	// to host payment method codes; PaymentGroups does the same for
	// payment_group as a fallback. A method the host does not have falls back
	// to MobilePaymentMethod (docs/protocol/orders.md#payment-mapping).
	PaymentMethods map[string]string
	PaymentGroups  map[string]string
	// ShopgatePaymentMethod is the host method for payment_method
	// SHOPGATE. Default "Shopgate".
	ShopgatePaymentMethod string
	// MobilePaymentMethod is the host method for everything else.
	// Default "Mobile Payment".
	MobilePaymentMethod string
	// CouponItemNumber is the article number of Shopgate coupon lines.
	// Default "COUPON"; when the merchant changed it, a product with that
	// number is expected in the host shop.
	CouponItemNumber string
	// SendCustomerEmail asks Shopgate to e-mail the buyer about shipping.
	SendCustomerEmail bool
	// CronBatch limits how many orders one cron job examines. Default 500.
	CronBatch int

	// Hooks run inside every import and every update that changed
	// something (see [Hook]); [Service.AddHook] adds more.
	Hooks []Hook

	// Logger receives errors and sync outcomes. Default: no logging.
	Logger *zap.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Service imports orders and reports changes back. It implements
// pluginapi.OrderImporter and pluginapi.CronJobs (handlers/pluginapi).
type Service struct {
	cfg Config
	db  *gorm.DB
	log *zap.Logger
	// locks serialises update_order per order on dialects without
	// advisory locks (see lockOrder).
	locks keyedMutex
	hooks []Hook
}

// New validates cfg and returns a service.
func New(cfg Config) (*Service, error) {
	if cfg.DB == nil || cfg.Host == nil || cfg.Merchant == nil {
		return nil, errors.New("orders: Config.DB, Host and Merchant are required")
	}
	if cfg.ShopgatePaymentMethod == "" {
		cfg.ShopgatePaymentMethod = DefaultShopgatePaymentMethod
	}
	if cfg.MobilePaymentMethod == "" {
		cfg.MobilePaymentMethod = DefaultMobilePaymentMethod
	}
	if cfg.CouponItemNumber == "" {
		cfg.CouponItemNumber = DefaultCouponItemNumber
	}
	if cfg.CronBatch <= 0 {
		cfg.CronBatch = 500
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{cfg: cfg, db: cfg.DB, log: cfg.Logger}
	for _, h := range cfg.Hooks {
		s.AddHook(h)
	}
	return s, nil
}

// SingleMerchant serves every shop number with one client, for hosts with
// one Shopgate shop.
func SingleMerchant(c MerchantAPI) func(string) (MerchantAPI, error) {
	return func(string) (MerchantAPI, error) { return c, nil }
}

// WorkerConfig is the outbox configuration on db recommended for the sync
// jobs: the Merchant API allows 150 requests per hour, so failed calls
// back off in minutes (docs/protocol/merchant-api.md#rate-limit).
func WorkerConfig(db *gorm.DB, log *zap.Logger) outbox.Config {
	return outbox.Config{
		DB:          db,
		Logger:      log,
		BaseBackoff: time.Minute,
		MaxBackoff:  2 * time.Hour,
		MaxAttempts: 30,
	}
}

func (s *Service) merchant(shopNumber string) (MerchantAPI, error) {
	c, err := s.cfg.Merchant(shopNumber)
	if err != nil {
		return nil, fmt.Errorf("merchant api client for shop %s: %w", shopNumber, err)
	}
	if c == nil {
		return nil, fmt.Errorf("no merchant api client for shop %s", shopNumber)
	}
	return c, nil
}

// dbError turns a failure inside an import transaction into the answer
// Shopgate gets: Plugin API errors pass, everything else is 83.
func dbError(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := shopgate.AsAPIError(err); ok {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return shopgate.DatabaseError(op, err)
}
