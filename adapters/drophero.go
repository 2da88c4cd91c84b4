package adapters

import (
	"context"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// DropHeroHost is what the host shop fulfils for the DropHero integration:
// its public categories, product lookup by EAN, product creation and
// updates, and orders. Every method receives tx, the transaction the
// integration is running in (or the plain database for reads outside
// one); the host must do its reads and writes through it so that a
// catalogue sync is applied all or nothing.
type DropHeroHost interface {
	// PublicCategories returns every category that is visible in the
	// storefront together with all its ancestors. ParentID "" or "0" is top level.
	PublicCategories(ctx context.Context, tx *gorm.DB) ([]DropHeroCategory, error)
	// ProductsByEAN returns the products whose EAN equals one of eans
	// (exact string comparison; the integration passes the spellings it
	// considers equal).
	ProductsByEAN(ctx context.Context, tx *gorm.DB, eans []string) ([]DropHeroProduct, error)
	// CreateProducts creates products and returns their ids in order.
	CreateProducts(ctx context.Context, tx *gorm.DB, products []DropHeroProductFields) ([]string, error)
	// UpdateProduct changes the fields of f that are set.
	UpdateProduct(ctx context.Context, tx *gorm.DB, id string, f DropHeroProductFields) error
	// DropHeroOrder returns the order with the data DropHero needs.
	DropHeroOrder(ctx context.Context, tx *gorm.DB, orderID string) (*DropHeroOrder, error)
	// SetDropHeroOrderState moves the host order after a DropHero status
	// change (docs/protocol/drophero.md#order-status-sync).
	SetDropHeroOrderState(ctx context.Context, tx *gorm.DB, orderID string, u DropHeroOrderUpdate) error
}

// DropHeroCategory is a public host category.
type DropHeroCategory struct {
	ID       string
	Name     string // default-locale name
	ParentID string // "" or "0" at the top level
}

// DropHeroProduct is what the integration needs to know of an existing product.
type DropHeroProduct struct {
	ID       string
	EAN      string
	Price    decimal.Decimal // net
	Stock    int64
	HasImage bool
}

// DropHeroProductFields are product fields to create or update; nil fields
// are left as they are on update (and take the host's default on create).
type DropHeroProductFields struct {
	SKU              *string
	Name             *string
	EAN              *string
	DescriptionShort *string
	DescriptionLong  *string
	// ImageURL is the main image; with ImageOnlyIfEmpty it is set only
	// when the product has no image.
	ImageURL         *string
	ImageOnlyIfEmpty bool
	Price            *decimal.Decimal // net, excluding VAT
	TaxRate          *decimal.Decimal // VAT percent
	Stock            *int64
	Weight           *decimal.Decimal // kg
	Active           *bool
	// CategoryIDs are host category ids (unknown ids are skipped by the
	// host). ReplaceCategories replaces the product's categories; otherwise
	// they are added to the existing ones.
	CategoryIDs       []string
	ReplaceCategories bool
}

// DropHeroAddress is a postal address with a phone number.
type DropHeroAddress struct {
	Name     string
	Street   string // lines joined with ", "
	Postcode string
	City     string
	Country  string // ISO 3166-1 alpha-2
	Phone    string
}

// DropHeroOrderLine is one line of a host order.
type DropHeroOrderLine struct {
	LineID    string
	ProductID string
	Qty       decimal.Decimal
	UnitPrice decimal.Decimal // net
	Discount  decimal.Decimal // net, whole line
	TaxRate   decimal.Decimal // percent
}

// DropHeroOrder is a host order as the integration needs it.
type DropHeroOrder struct {
	ID       string
	Paid     bool
	Currency string
	Billing  DropHeroAddress
	Shipping DropHeroAddress
	VATIN    string
	Message  string
	// ShippingMode is the DropHero idshippingmode the buyer chose at
	// checkout ("" when unknown).
	ShippingMode string
	Lines        []DropHeroOrderLine
}

// DropHeroOrderState is the host-side state to set after a DropHero status.
type DropHeroOrderState string

// Host order states the integration asks for.
const (
	DropHeroStateProcessing       DropHeroOrderState = "processing"
	DropHeroStateOnHold           DropHeroOrderState = "on_hold" // DropHero cancelled: merchant must act
	DropHeroStatePartiallyShipped DropHeroOrderState = "partially_shipped"
	DropHeroStateShipped          DropHeroOrderState = "shipped"
)

// DropHeroOrderUpdate describes a DropHero status change for the host.
type DropHeroOrderUpdate struct {
	State          DropHeroOrderState
	DropHeroStatus string // "1".."4"
	// Mixed is true when the order also holds the shop's own items: the
	// host should then mark only the DropHero part (e.g. "shipped" only
	// once its own items are shipped too).
	Mixed bool
	Note  string
}
