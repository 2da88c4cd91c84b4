// Package gormcustomers is a configurable adapters.Customers on GORM: the
// Shopgate Connect actions (login, registration, order history,
// favourites) on the host shop's own tables. A host maps it onto its
// tables with a Config of table and column names (for writing) and SQL
// expressions (for reading orders); it never imports the host's model
// types. See docs/protocol/customers.md for the worked example.
//
// Besides the host's tables it uses three tables of shopbridge (package
// gormmodels, created by gormmodels.Migrate): login attempts for the
// throttling (shared by every process on the same database), favourites
// when the host has no favourite table, and the registration fields the
// host's tables have no column for.
//
// Column names and expressions come from the host's code, never from
// requests, and are copied into SQL as written; they must not contain
// '?' (GORM's placeholder).
package gormcustomers

import (
	"time"

	"gorm.io/gorm"
)

// Config maps the adapter onto the host's tables.
type Config struct {
	// DB is the host database (it must also hold shopbridge's tables).
	// Required.
	DB *gorm.DB
	// Customers maps the customer table. Required.
	Customers Customers
	// Addresses maps the address book; nil: customers have no stored
	// addresses (register_customer keeps the addresses in shopbridge's
	// extra table then).
	Addresses *Addresses
	// Groups reads a customer's groups; nil: none.
	Groups *Groups
	// Orders maps the order history; nil: every history is empty.
	Orders *Orders
	// Favourites maps the host's favourite table; nil: shopbridge's
	// table shopbridge_favourites is used.
	Favourites *Favourites
	// Passwords verifies and creates password hashes; default
	// Bcrypt{Cost: bcrypt.DefaultCost}.
	Passwords PasswordVerifier
	// Throttle limits failed logins.
	Throttle Throttle
	// RequireAddress makes get_customer answer 70 (ErrNoAddresses) for a
	// customer without any address, and register_customer refuse a
	// registration without one before anything is written
	// (docs/protocol/customers.md#customers-without-an-address).
	RequireAddress bool
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Customers maps the customer table. Fields ending in a column name are
// plain column names of Table (written at registration); empty optional
// columns are not written, and what Shopgate sends for them is kept in
// shopbridge's extra table instead.
type Customers struct {
	// Table is the customer table, e.g. "shop_customers". Required.
	Table string
	// ID is the key column (filled by the database), e.g. "id". Required.
	ID string
	// Login is the column the login is compared with, case-insensitively,
	// e.g. "email". Required.
	Login string
	// Password is the password hash column. Required.
	Password string
	// Token is the column of the opaque customer token (unique). Required.
	Token string
	// Number is the customer number column; optional.
	Number string
	// FirstName, LastName: required columns.
	FirstName string
	LastName  string
	// Optional columns.
	Gender     string
	Birthday   string // a date column
	Phone      string
	Mobile     string
	Mail       string // default: Login
	Newsletter string // boolean
	// Active is a boolean column; a customer with false gets "account
	// not confirmed" (75) from get_customer and get_orders. Empty: every
	// customer is active.
	Active string
	// Permitted is a boolean SQL expression over the customer row (alias
	// "c"), e.g. "c.app_login": false means the account may not use
	// Shopgate Connect, and get_customer (after the password matched) and
	// get_orders answer "missing account permissions" (77). Empty: every
	// account may.
	Permitted string
	// Group is the column of the customer's (single) group; registration
	// writes DefaultGroup into it. Optional.
	Group string
	// DefaultGroup is an SQL expression giving the group key of newly
	// registered customers, e.g.
	// "(SELECT id FROM shop_customer_groups WHERE name = 'Retail')".
	DefaultGroup string
	// CreatedAt and UpdatedAt are timestamp columns; optional. CreatedAt
	// is the registration date.
	CreatedAt string
	UpdatedAt string
	// TaxClassKey and TaxClassID are SQL expressions over the customer
	// row (alias "c") giving the customer tax class, e.g. "'default'";
	// optional.
	TaxClassKey string
	TaxClassID  string
	// NewNumber makes the customer number of a new customer from its
	// token; default "SG-" and the token's first ten characters.
	NewNumber func(token string) string
}

// Addresses maps the address book table.
type Addresses struct {
	// Table, e.g. "shop_addresses". Required.
	Table string
	// ID (key, filled by the database) and Customer (the customer key)
	// columns. Required.
	ID       string
	Customer string
	// IsDefault, IsInvoice, IsDelivery are boolean columns; optional.
	IsDefault  string
	IsInvoice  string
	IsDelivery string
	// Text columns; optional unless noted.
	FirstName string // required
	LastName  string // required
	Gender    string
	Birthday  string // a date column
	Company   string
	Street1   string // required
	Street2   string
	Zipcode   string // required
	City      string // required
	Country   string // required
	State     string
	Phone     string
	Mobile    string
	Mail      string
	// CreatedAt and UpdatedAt are timestamp columns; optional.
	CreatedAt string
	UpdatedAt string
}

// Groups reads a customer's groups: SELECT ID, Name FROM From WHERE
// Customer = <customer key> ORDER BY OrderBy.
type Groups struct {
	// From with joins, e.g. "shop_customer_groups g JOIN shop_customers gc
	// ON gc.customer_group_id = g.id".
	From string
	// Customer is the expression compared with the customer key, e.g.
	// "gc.id".
	Customer string
	// ID and Name expressions, e.g. "g.id", "g.name".
	ID   string
	Name string
	// OrderBy; default ID.
	OrderBy string
}

// Orders maps the order history (SQL expressions, read only).
type Orders struct {
	// From is the order table with alias and joins, e.g. "shop_orders o".
	From string
	// Key is the order key the items refer to, e.g. "o.id".
	Key string
	// Customer is compared with the customer key, e.g. "o.customer_id".
	Customer string
	// Where limits the history, e.g. "o.status <> 'cancelled'"; optional.
	Where string
	// CreatedAt is the order date (timestamp), e.g. "o.created_at".
	CreatedAt string
	// Fields map the scalar values.
	Fields OrderFields
	// InvoiceAddress and DeliveryAddress map the order's addresses;
	// nil: null.
	InvoiceAddress  *OrderAddress
	DeliveryAddress *OrderAddress
	// Items map the order lines. Required.
	Items OrderItems
	// DeliveryNotes map the parcels; nil: none.
	DeliveryNotes *DeliveryNotes
	// StatusNames translate the status (Fields.Status) per language:
	// language ("de", "en_US") → status → text. The buyer's language is
	// tried as given, then its language part; then the shop's language;
	// then the status is shown as stored.
	StatusNames map[string]map[string]string
	// StatusColors give a badge colour per status, e.g. "#33CC33".
	StatusColors map[string]string
}

// OrderFields are SQL expressions for an order's scalar values; empty:
// none. Money expressions are gross amounts.
type OrderFields struct {
	Number         string // host order number; default Key
	ShopgateNumber string // Shopgate's order number, NULL or '' for others
	Status         string
	Mail           string
	Phone          string
	Mobile         string
	Currency       string // default: the shop's currency
	// AmountComplete is the order total (gross). Required.
	AmountComplete           string
	IsPaid                   string // boolean
	PaymentMethod            string
	PaymentTime              string // timestamp
	PaymentTransactionNumber string
	IsShipped                string // boolean
	ShippedTime              string // timestamp
	// Extra costs (gross) with their tax rate; zero or NULL amounts are
	// left out.
	ShippingAmount     string
	ShippingTaxPercent string
	ShippingLabel      string
	PaymentAmount      string
	PaymentTaxPercent  string
	PaymentLabel       string
	// One coupon per order: code, discount (gross, positive) and whether
	// it granted free shipping.
	CouponCode         string
	CouponAmount       string
	CouponFreeShipping string
}

// OrderAddress maps an address stored with the order (SQL expressions).
type OrderAddress struct {
	FirstName, LastName, Gender, Company, Street1, Street2 string
	Zipcode, City, Country, State, Phone, Mobile, Mail     string
}

// OrderItems maps the order lines: SELECT ... FROM From WHERE Order IN
// (order keys) AND Where ORDER BY OrderBy.
type OrderItems struct {
	// From, e.g. "shop_order_items oi".
	From string
	// Order is the order key of a line, e.g. "oi.order_id".
	Order string
	// Where selects product lines (fees and coupons are mapped on the
	// order), e.g. "oi.type = 'product'"; optional.
	Where string
	// OrderBy; default Order.
	OrderBy string
	// ItemNumber is the product's uid exactly as the catalogue export's
	// mapping computes it, e.g. "CAST(oi.product_id AS TEXT)". Required.
	ItemNumber string
	// ItemNumberPublic is the shown article number, e.g. "oi.number".
	ItemNumberPublic string
	// Quantity, Name, UnitAmountWithTax (gross) and TaxPercent. Required.
	Quantity          string
	Name              string
	UnitAmountWithTax string
	TaxPercent        string
	// Description; optional.
	Description string
	// Translations, when set, replace Name (and Description) by the text
	// in the buyer's language where one exists; Product is the line's
	// product key they are looked up by, e.g. "oi.product_id".
	Translations *Translations
	Product      string
}

// Translations map a product translation table: SELECT Key, Name,
// Description FROM From WHERE Language = <language> AND Key IN (...).
type Translations struct {
	From        string // e.g. "shop_product_translations t"
	Key         string // product key, e.g. "t.product_id"
	Language    string // e.g. "t.language" (values like "en" or "en_US")
	Name        string // e.g. "t.name"
	Description string // optional
}

// DeliveryNotes map the parcels of an order (SQL expressions).
type DeliveryNotes struct {
	From           string // e.g. "shop_shipments s"
	Order          string // e.g. "s.order_id"
	ServiceID      string // carrier code, e.g. "s.carrier"
	ServiceName    string
	TrackingNumber string
	Time           string // timestamp
}

// Favourites maps the host's favourite (wish list) table.
type Favourites struct {
	// Table, e.g. "shop_wishlist_items". Required.
	Table string
	// Customer is the customer key column; Item the column holding the
	// product uid. Required.
	Customer string
	Item     string
	// CreatedAt is an optional timestamp column (filled on insert, list
	// order).
	CreatedAt string
}

// Throttle limits failed logins per login and per client address. While
// a key is locked, logins are refused without checking the password.
// Counts live in shopbridge_login_attempts, so they hold across every
// process on the same database.
type Throttle struct {
	// Disabled switches throttling off.
	Disabled bool
	// PerLogin is the number of failures of one login within Window
	// that locks the login; default 5.
	PerLogin int
	// PerAddress is the number of failures from one client address
	// within Window that locks the address; default 50. Shopgate calls
	// from a few servers for all buyers, so keep it well above PerLogin.
	PerAddress int
	// Window is the counting window; default 15 minutes.
	Window time.Duration
	// Lock is how long a locked key stays locked; default 15 minutes.
	Lock time.Duration
}
