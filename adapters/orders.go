package adapters

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// OrderHost is what the host shop fulfils so that Shopgate orders can be
// imported (add_order, update_order) and their later changes found by the
// cron jobs. The orders package drives it; adapters/gormorders implements
// it for GORM shops whose tables follow the usual layout.
//
// Every method receives tx, the transaction of the import or update (the
// cron jobs' reads get the plain database). The host must read and write
// through it: an import is saved completely or not at all, and the host
// may never commit on its own. Methods must not call remote services (the
// transaction would stay open meanwhile).
type OrderHost interface {
	// FindCustomer returns the customer with the given host id or, when
	// id is empty or unknown, host customer number. It returns nil, nil
	// when neither exists.
	FindCustomer(ctx context.Context, tx *gorm.DB, id, number string) (*OrderCustomer, error)
	// GuestCustomer returns a guest account for the buyer of an order,
	// creating it when needed. Hosts without guest accounts return a
	// customer with an empty ID (the order is then stored without one).
	GuestCustomer(ctx context.Context, tx *gorm.DB, g GuestAccount) (OrderCustomer, error)
	// Products returns what the host knows of the given item numbers
	// (the numbers it exported to Shopgate). Unknown numbers are absent
	// from the map.
	Products(ctx context.Context, tx *gorm.DB, itemNumbers []string) (map[string]OrderProduct, error)
	// PaymentMethodExists reports whether the host has an active payment
	// method with this code, e.g. "prepayment" or "Mobile Payment".
	PaymentMethodExists(ctx context.Context, tx *gorm.DB, code string) (bool, error)
	// MinimumOrderAmount is the items' total the host normally requires
	// (zero for none). Imports never fail on it; it becomes a note.
	MinimumOrderAmount(ctx context.Context, tx *gorm.DB) (decimal.Decimal, error)
	// CreateOrder stores a complete order with its lines and first
	// history entry and returns its identifiers.
	CreateOrder(ctx context.Context, tx *gorm.DB, o *ImportedOrder) (OrderRef, error)
	// UpdateOrder applies a change announced by update_order and records
	// it in the order's history.
	UpdateOrder(ctx context.Context, tx *gorm.DB, orderID string, u OrderChange) error
	// OrderStates returns the state of the given host orders; ids that no
	// longer exist are absent from the map.
	OrderStates(ctx context.Context, tx *gorm.DB, orderIDs []string) (map[string]HostOrderState, error)
}

// OrderRef names the host shop's order in answers to Shopgate.
type OrderRef struct {
	// ExternalOrderID is the host's order id.
	ExternalOrderID string
	// ExternalOrderNumber is the host's order number shown to the buyer;
	// empty is answered as null.
	ExternalOrderNumber string
}

// OrderCustomer is a host customer an order is attached to.
type OrderCustomer struct {
	// ID is the host's customer id; empty for an order without account.
	ID string
	// Number is the host's customer number.
	Number string
	// Guest marks a guest account.
	Guest bool
}

// GuestAccount is the data a guest account is made of: the order's
// contact data and invoice address.
type GuestAccount struct {
	Mail      string
	Phone     string
	Mobile    string
	Address   OrderAddress
	Birthday  string
	Gender    string
	CreatedAt time.Time
}

// OrderProduct is what an import needs to know of a host product.
type OrderProduct struct {
	// ID is the host's product id.
	ID string
	// Active reports whether the product is for sale.
	Active bool
	// Price is the current gross unit price.
	Price decimal.Decimal
	// Stock is the quantity in stock; HasStock says whether stock is kept.
	Stock    int
	HasStock bool
}

// OrderAddress is the Address of an order: one address type serves
// customers, carts and orders. An imported order's address carries no ID,
// no role flags, no birthday and no custom fields.
type OrderAddress = Address

// Order line kinds.
const (
	LineProduct = "product"
	LineCoupon  = "coupon"
	LinePayment = "payment"
)

// OrderLine is one line of an imported order. Amounts are gross and taken
// from Shopgate unchanged.
type OrderLine struct {
	// Kind is LineProduct, LineCoupon or LinePayment.
	Kind string
	// ProductID is the host product, empty when none matches (coupon,
	// fee, or a product that no longer exists).
	ProductID string
	// Number is the article number (COUPON for Shopgate coupons).
	Number string
	// Name is the line's name at order time.
	Name string
	// Details describes options, inputs and attributes in readable form,
	// e.g. "Size: M; Name print: ANNA".
	Details string
	// Quantity is the ordered quantity.
	Quantity int
	// UnitPrice is the gross unit price (negative for coupons).
	UnitPrice decimal.Decimal
	// TaxRate is the tax percentage contained in UnitPrice.
	TaxRate decimal.Decimal
	// Total is UnitPrice × Quantity.
	Total decimal.Decimal
}

// Host order statuses an import or update asks for. Hosts map them onto
// their own status values.
const (
	// StatusNew is an order that must not be shipped yet (shipping blocked).
	StatusNew = "new"
	// StatusProcessing is an order released for shipping.
	StatusProcessing = "processing"
	// StatusShipped is a completely shipped order.
	StatusShipped = "shipped"
	// StatusCancelled is a cancelled order.
	StatusCancelled = "cancelled"
)

// ImportedOrder is a Shopgate order translated for the host.
type ImportedOrder struct {
	// Source names the channel, "shopgate".
	Source string
	// ExternalNumber is the Shopgate order number.
	ExternalNumber string
	// Customer is the account the order belongs to.
	Customer OrderCustomer
	// Mail and Phone are the buyer's contact data.
	Mail  string
	Phone string
	// Status is one of the Status* constants.
	Status string
	// PaymentMethod is the host payment method code (mapped).
	PaymentMethod string
	// ShippingMethod names the shipping method (carrier / Shopgate name).
	ShippingMethod string
	// Currency is the ISO 4217 code.
	Currency string
	// AmountItems is the sum of the product lines (gross).
	AmountItems decimal.Decimal
	// AmountDiscount is the sum of the coupon lines as a positive number.
	AmountDiscount decimal.Decimal
	// AmountShipping is the shipping cost (gross), ShippingTaxRate its tax.
	AmountShipping  decimal.Decimal
	ShippingTaxRate decimal.Decimal
	// AmountPayment is the payment cost (gross), PaymentTaxRate its tax.
	AmountPayment  decimal.Decimal
	PaymentTaxRate decimal.Decimal
	// AmountTotal is Shopgate's amount_complete, stored exactly.
	AmountTotal decimal.Decimal
	// IsPaid and PaidAt are the payment state.
	IsPaid bool
	PaidAt *time.Time
	// IsTest marks a test order.
	IsTest bool
	// Addresses of the order.
	InvoiceAddress  OrderAddress
	DeliveryAddress OrderAddress
	// Lines are the order lines.
	Lines []OrderLine
	// Comment is the merchant-visible note: Shopgate flags, payment
	// details, custom fields and discrepancies.
	Comment string
	// CustomerComment is what the buyer wrote (custom fields).
	CustomerComment string
	// History is the first history entry.
	History string
	// CreatedAt is Shopgate's created_time.
	CreatedAt time.Time
}

// OrderChange is what update_order changes on a host order. Nil fields are
// left alone.
type OrderChange struct {
	// Status is the new status, empty to keep it.
	Status string
	// IsPaid and PaidAt set the payment state when IsPaid is not nil.
	IsPaid *bool
	PaidAt *time.Time
	// Comment is appended to the merchant-visible note.
	Comment string
	// History is the text of the history entry recording the change.
	History string
}

// HostOrderState is what the cron jobs need to know of a host order.
type HostOrderState struct {
	// Status is the host's status mapped to a Status* constant ("" when
	// the host status means none of them).
	Status string
	// ShippedAt is when the order was shipped, if it was.
	ShippedAt *time.Time
}
