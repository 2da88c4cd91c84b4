// Package gormcart answers check_cart, check_stock and get_settings from
// the host shop's own tables through GORM (docs/protocol/cart.md). Like
// adapters/gormcatalog it is mapped onto the host's schema by a Config of
// SQL expressions and never imports the host's model types; products are
// read with the very gormcatalog.Items mapping the catalogue export uses,
// so the item numbers Shopgate sends (the exported uids) are found again.
//
// Every expression is copied into SQL as written and may contain the
// marketplace placeholders {lang} and {currency} (gormcatalog.Localize).
// Expressions come from the host's code, never from requests; they must
// not contain '?' and must not name a table or alias sb_items or
// sb_coupons (the adapter's named subqueries,
// docs/protocol/cart.md#performance).
package gormcart

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
)

// Config maps the host's tables for check_cart and check_stock.
type Config struct {
	// DB is the host database. Required.
	DB *gorm.DB
	// Items is the catalogue's product mapping (the value given to
	// gormcatalog). Used: From, Key, UID, Where and the fields Name,
	// TaxPercent, TaxClass, PriceType, SalePrice (else Price),
	// StockQuantity, UseStock, Backorders, IsSaleable,
	// MinimumOrderQuantity, MaximumOrderQuantity and Weight. Required.
	Items gormcatalog.Items
	// GroupPrices are customer-group and quantity prices; nil: none.
	GroupPrices *GroupPrices
	// Customers finds the buyer's customer group and tax class from the
	// cart's external_customer_id; nil: no customer is returned.
	Customers *Customers
	// Coupons are the shop's coupon codes; nil: every coupon is unknown.
	Coupons *Coupons
	// Shipping are the shipping rates per delivery country; nil: no
	// shipping methods are offered.
	Shipping *Shipping
	// Payments are the payment methods and their fees; nil: none.
	Payments *Payments
	// Taxes are the host's tax rules: with them, items, shipping and
	// payment fees are taxed at the rate of the delivery country and the
	// buyer's customer tax class; nil: at the fixed rates of Items,
	// Shipping and Payments (docs/protocol/cart.md#taxes-by-destination).
	Taxes *Taxes
	// Messages are the buyer-facing texts per language (lower case ISO
	// 639); missing languages and keys fall back to DefaultMessages.
	Messages map[string]Messages
	// Now is the clock (coupon validity). Default time.Now.
	Now func() time.Time
	// CacheTTL is how long the shipping rates of a delivery country,
	// the payment methods and the tax rules, once read, are reused by later checks of the
	// same marketplace: a change to those tables shows within CacheTTL
	// (docs/protocol/cart.md#cached-shipping-and-payment-rows). 0:
	// DefaultCacheTTL; negative: read them on every check.
	CacheTTL time.Duration
	// Validate, when set, runs after the built-in item checks of
	// check_cart and may set further item errors on the verdicts (303
	// input invalid, 306/307 combination rules, 308 silent update). An
	// error ends the whole check.
	Validate func(ctx context.Context, shop adapters.Shop, cart *adapters.Cart, verdicts []adapters.CartItemVerdict) error
}

// GroupPrices maps unit prices per customer group and minimum quantity,
// e.g. a tier price table. The lowest applicable price wins over the
// item's own price.
type GroupPrices struct {
	From    string // e.g. "shop_tier_prices tp"
	Product string // the product key, e.g. "tp.product_id"
	// Group is the customer group id; NULL: every buyer.
	Group string
	// MinQuantity is the quantity from which the price applies; empty: 1.
	MinQuantity string
	// Price is the unit price, of the item's PriceType (gross or net).
	Price string
	Where string
}

// Customers maps the buyer's customer record.
type Customers struct {
	From string // e.g. "shop_customers c"
	// ID is compared with the cart's external_customer_id, e.g. "c.id".
	ID string
	// Group is the customer's group id (NULL: none), e.g.
	// "c.customer_group_id"; DefaultGroup is used when it is NULL.
	Group        string
	DefaultGroup string
	// TaxClassKey is the customer's tax class key, e.g. "'default'".
	TaxClassKey string
	Where       string
}

// Coupons maps the coupon table. Codes are compared case-insensitively.
type Coupons struct {
	From string // e.g. "shop_coupons cp"
	Key  string // integer or text key, e.g. "cp.id"
	Code string // e.g. "cp.code"
	// Active is a boolean expression; empty: always.
	Active      string
	Name        string // empty: the code
	Description string
	// Kind is 'percent' or 'fixed'; Value the percentage or the gross
	// amount off.
	Kind  string
	Value string
	// ValidFrom and ValidUntil are timestamps; NULL: unlimited.
	ValidFrom  string
	ValidUntil string
	// MinAmount is the gross item total needed; NULL or 0: none.
	MinAmount string
	// FreeShipping is a boolean expression.
	FreeShipping string
	// MaxPerCustomer is how often one customer may use the coupon (NULL
	// or 0: unlimited; 1: once only). Uses are counted in Redemptions,
	// and a coupon with a limit needs a known customer.
	MaxPerCustomer string
	// Redemptions counts past uses, e.g. orders with the coupon.
	Redemptions *Redemptions
	// Products restricts a coupon to products: when a coupon has rows,
	// only those products count towards its minimum and discount.
	Products *CouponProducts
}

// Redemptions maps past uses of coupons.
type Redemptions struct {
	From     string // e.g. "shop_orders o"
	Code     string // the coupon code used, e.g. "o.coupon_code"
	Customer string // the customer id, e.g. "o.customer_id"
	Where    string // e.g. "o.status <> 'cancelled'"
}

// CouponProducts maps coupon product restrictions.
type CouponProducts struct {
	From    string // e.g. "shop_coupon_products cpp"
	Coupon  string // the coupon key, e.g. "cpp.coupon_id"
	Product string // the product key, e.g. "cpp.product_id"
}

// Shipping maps shipping rates: one row per method and delivery country.
// A rate is offered when the cart's weight and gross item total lie within
// its bounds; no row for a country means the shop does not ship there.
type Shipping struct {
	From string // e.g. "shop_shipping_rates r JOIN shop_shipping_methods m ON m.id = r.method_id"
	// ID is the method id sent to Shopgate and back in the order.
	ID string
	// Country is the ISO 3166-1 alpha-2 code of the rate, e.g. "r.country".
	Country     string
	Title       string
	Carrier     string // Shopgate's shipping_group, e.g. "'DHL'"
	Description string
	SortOrder   string
	// Price is the gross cost; TaxPercent its tax rate; TaxClass the key
	// (with Config.Taxes, the rate of TaxClass at the destination replaces
	// TaxPercent: docs/protocol/cart.md#taxes-by-destination).
	Price      string
	TaxPercent string
	TaxClass   string
	// FreeFrom is the gross item total from which the rate is free (NULL
	// or 0: never).
	FreeFrom string
	// MinWeight/MaxWeight bound the cart weight (in the unit of
	// Items.Fields.Weight), MinAmount/MaxAmount the gross item total;
	// NULL: unbounded.
	MinWeight string
	MaxWeight string
	MinAmount string
	MaxAmount string
	Where     string
}

// Payments maps the payment methods.
type Payments struct {
	From string // e.g. "shop_payment_methods pm"
	// ID is Shopgate's payment method code, e.g. "pm.code".
	ID   string
	Name string
	// Fee is the gross fee; TaxPercent its rate (NULL: no tax); TaxClass
	// the key (with Config.Taxes, the rate of TaxClass at the destination
	// replaces TaxPercent).
	Fee        string
	TaxPercent string
	TaxClass   string
	SortOrder  string
	Where      string
}
