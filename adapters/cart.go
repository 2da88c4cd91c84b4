package adapters

import (
	"context"

	"github.com/shopspring/decimal"
)

// CartChecker answers check_cart and check_stock (docs/protocol/cart.md).
// It works on typed values only: the Plugin API handler decodes Shopgate's
// cart into a Cart and encodes the verdicts with Shopgate's keys.
type CartChecker interface {
	// CheckCart validates a cart: one CartItemVerdict per cart item in the
	// order of cart.Items, one CouponVerdict per external coupon in the
	// order of cart.Coupons, and the shipping and payment methods available
	// for the cart and its delivery address. Problems with single items or
	// coupons go into the verdicts; an error ends the whole check.
	CheckCart(ctx context.Context, shop Shop, cart *Cart) (*CartResult, error)
	// CheckStock returns one verdict per item in the order given (only
	// IsBuyable, StockQuantity, Error and ErrorText are sent).
	CheckStock(ctx context.Context, shop Shop, items []CartItem) ([]CartItemVerdict, error)
}

// Cart is the cart Shopgate asks about (check_cart), decoded from the
// request. Empty strings mean "not sent".
type Cart struct {
	// CustomerNumber is Shopgate's customer number of the buyer.
	CustomerNumber string
	// ExternalCustomerID is the shop's customer id of a Shopgate Connect
	// buyer (empty for guests).
	ExternalCustomerID string
	// ExternalCustomerNumber is the shop's customer number.
	ExternalCustomerNumber string
	// ExternalCustomerGroupID is the shop's customer group id Shopgate
	// knows for the buyer.
	ExternalCustomerGroupID string
	// Mail is the buyer's e-mail address.
	Mail string
	// Currency is the cart's currency (ISO 4217).
	Currency string
	// Language is the buyer's language when the request names one.
	Language string
	// InternalCartInfo is what the previous CheckCart returned as
	// CartResult.InternalCartInfo for this cart.
	InternalCartInfo string
	// PaymentMethod is the chosen payment method code, if any.
	PaymentMethod string
	// ShippingGroup and ShippingType describe the chosen shipping, if any.
	ShippingGroup string
	ShippingType  string
	// InvoiceAddress and DeliveryAddress are nil when not sent.
	InvoiceAddress  *CartAddress
	DeliveryAddress *CartAddress
	// Items are the cart lines.
	Items []CartItem
	// Coupons are the external (shop) coupons to validate.
	Coupons []CartCoupon
}

// CartAddress is the Address of a cart: one address type serves
// customers, carts and orders. A cart's address carries the name,
// company, street, zipcode, city, country (upper case) and state; the
// other fields are empty.
type CartAddress = Address

// CartItem is one line of a cart or one item of check_stock.
type CartItem struct {
	// ItemNumber is the item's uid as exported by the catalogue.
	ItemNumber string
	// Quantity is the requested quantity (1 when not sent).
	Quantity int
	// UnitAmountWithTax is the unit price the app knows, if sent.
	UnitAmountWithTax decimal.NullDecimal
	// InternalOrderInfo is the item's internal_order_info from the export.
	InternalOrderInfo string
	// Options, Inputs and Attributes are the chosen item options.
	Options    []CartItemOption
	Inputs     []CartItemInput
	Attributes []CartItemAttribute
}

// CartItemOption is a chosen option of an item.
type CartItemOption struct {
	OptionNumber string
	ValueNumber  string
	Name         string
	Value        string
}

// CartItemInput is a text input of an item.
type CartItemInput struct {
	InputNumber string
	Type        string
	Label       string
	UserInput   string
}

// CartItemAttribute is an attribute value of an item.
type CartItemAttribute struct {
	Name  string
	Value string
}

// CartCoupon is an external coupon of a cart.
type CartCoupon struct {
	Code string
}

// Item error codes of check_cart and check_stock (docs/protocol/cart.md).
const (
	ItemErrOutOfStock       = 300
	ItemErrNotFound         = 301
	ItemErrQtyNotAvailable  = 302
	ItemErrInputInvalid     = 303
	ItemErrQtyBelowMinimum  = 304
	ItemErrQtyAboveMaximum  = 305
	ItemErrNotCombinable    = 306
	ItemErrNotAllowedInCart = 307
	ItemErrSilentUpdate     = 308
)

// CartItemVerdict is the check of one cart item.
type CartItemVerdict struct {
	// ItemNumber is echoed from the request.
	ItemNumber string
	// IsBuyable says the item can be ordered now.
	IsBuyable bool
	// QtyBuyable is the quantity that can be ordered now.
	QtyBuyable int
	// StockQuantity is the current stock.
	StockQuantity int
	// UnitAmount and UnitAmountWithTax are the current unit price without
	// and with tax (invalid: not sent, null).
	UnitAmount        decimal.NullDecimal
	UnitAmountWithTax decimal.NullDecimal
	// Error is an item error code (ItemErr...), 0 for none.
	Error int
	// ErrorText is shown to the buyer; empty: the standard text of Error.
	ErrorText string
}

// CouponVerdict is the check of one external coupon. For an invalid coupon
// only Code, IsValid and NotValidMessage matter (the other values are sent
// as null when zero).
type CouponVerdict struct {
	Code        string
	Name        string
	Description string
	// AmountNet and AmountGross are the discount (invalid: null).
	AmountNet   decimal.NullDecimal
	AmountGross decimal.NullDecimal
	// TaxType is "auto", "percent" or "fixed"; default "auto".
	TaxType        string
	Currency       string
	IsFreeShipping bool
	// InternalInfo is expected back in the order.
	InternalInfo    string
	IsValid         bool
	NotValidMessage string
}

// ShippingMethod is a shipping method offered for a cart.
type ShippingMethod struct {
	ID            string
	Title         string
	ShippingGroup string // carrier code, e.g. DHL
	Description   string
	SortOrder     int
	Amount        decimal.Decimal // without tax
	AmountWithTax decimal.Decimal
	TaxClass      string
	TaxPercent    decimal.Decimal
	// InternalShippingInfo is expected back in the order.
	InternalShippingInfo string
}

// PaymentMethod is a payment method offered for a cart, with its fee.
type PaymentMethod struct {
	// ID is the payment method code (e.g. PREPAY, COD, INVOICE).
	ID            string
	Amount        decimal.Decimal // fee without tax
	AmountWithTax decimal.Decimal
	// TaxClass and TaxPercent are sent as null when empty / invalid.
	TaxClass   string
	TaxPercent decimal.NullDecimal
}

// CartCustomer tells Shopgate the buyer's tax class and customer groups.
type CartCustomer struct {
	TaxClassKey string
	GroupIDs    []string
}

// CartResult is the answer of CheckCart.
type CartResult struct {
	// InternalCartInfo is opaque state wanted back on the next check
	// (empty: null).
	InternalCartInfo string
	// Currency is the shop's currency for this cart; empty: the cart's.
	Currency string
	// Customer is sent only when not nil.
	Customer        *CartCustomer
	ShippingMethods []ShippingMethod
	PaymentMethods  []PaymentMethod
	Items           []CartItemVerdict
	Coupons         []CouponVerdict
}
