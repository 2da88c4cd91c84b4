package adapters

import (
	"context"
	"errors"
	"time"

	"github.com/shopspring/decimal"
)

// Customers answers the Shopgate Connect customer actions (get_customer,
// register_customer, get_orders, sync_favourite_list). It takes and
// returns Go types only: the Plugin API handler alone knows the wire keys
// and encodes them (docs/protocol/customers.md). An action whose adapter
// is not configured is answered as a disabled action.
//
// Errors: return the Err* values of this file (wrapped or not) for the
// documented cases; any other error is answered as an internal error.
type Customers interface {
	// GetCustomer logs a customer in. Wrong login or password:
	// ErrWrongCredentials (never say which part was wrong); unconfirmed
	// account: ErrAccountNotConfirmed; an account barred from Shopgate
	// Connect: ErrMissingPermissions; too many failed attempts:
	// ErrLoginThrottled; no address where the host requires one:
	// ErrNoAddresses.
	GetCustomer(ctx context.Context, shop Shop, cred Credentials) (*Customer, error)
	// RegisterCustomer creates an account with every field of c (ID,
	// Number, Token and RegistrationDate are assigned by the host) and
	// returns it as GetCustomer would. A taken login: ErrLoginTaken;
	// missing required fields: a *MissingFieldsError; no address where
	// the host requires one: ErrNoAddresses; the customer record was
	// refused: ErrAddCustomerFailed; a later part (an address) refused:
	// ErrRegistrationFailed. Nothing is kept after an error.
	RegisterCustomer(ctx context.Context, shop Shop, cred Credentials, c Customer) (*Customer, error)
	// CustomerOrders lists the order history of the customer q.Token
	// belongs to. Unknown token: ErrUnknownCustomerToken; the account is
	// no longer active: ErrAccountNotConfirmed; barred from Shopgate
	// Connect: ErrMissingPermissions.
	CustomerOrders(ctx context.Context, shop Shop, q CustomerOrdersQuery) ([]ExternalOrder, error)
	// SyncFavouriteList applies the changes (new: add, deleted: remove,
	// anything else: keep as is) to the favourite list of the customer
	// token belongs to and returns the complete resulting list. Unknown
	// token: ErrUnknownCustomerToken.
	SyncFavouriteList(ctx context.Context, shop Shop, token string, changes []FavouriteChange) ([]FavouriteItem, error)
}

// Errors a Customers implementation returns for the documented cases.
var (
	// ErrWrongCredentials: unknown login or wrong password (code 71).
	ErrWrongCredentials = errors.New("wrong username or password")
	// ErrAccountNotConfirmed: the account exists but is not confirmed or
	// not active (code 75).
	ErrAccountNotConfirmed = errors.New("customer account not confirmed")
	// ErrLoginThrottled: too many failed logins for this login or client
	// address; the password was not checked (code 76).
	ErrLoginThrottled = errors.New("too many failed logins, try again later")
	// ErrLoginTaken: register_customer with a login that already exists
	// (code 221).
	ErrLoginTaken = errors.New("user name already exists")
	// ErrUnknownCustomerToken: no customer has this token (code 73).
	ErrUnknownCustomerToken = errors.New("invalid customer token")
	// ErrMissingPermissions: the account exists and the password matched,
	// but it may not use Shopgate Connect (code 77).
	ErrMissingPermissions = errors.New("missing account permissions")
	// ErrNoAddresses: the customer has no address although the host
	// requires one for Shopgate Connect (code 70,
	// docs/protocol/customers.md#customers-without-an-address).
	ErrNoAddresses = errors.New("no addresses found for customer")
	// ErrAddCustomerFailed: the customer record itself was refused, e.g.
	// a value too long for its column (code 220).
	ErrAddCustomerFailed = errors.New("failed to add user")
	// ErrRegistrationFailed: the account could not be completed after
	// the customer record was added, e.g. an address or an extra field
	// was refused; nothing of it is kept (code 66).
	ErrRegistrationFailed = errors.New("error while registering new customer")
)

// MissingFieldsError is returned by RegisterCustomer when required fields
// are missing (code 222).
type MissingFieldsError struct {
	// Fields names the missing fields (Go field names, e.g. "FirstName").
	Fields []string
}

// Error implements error.
func (e *MissingFieldsError) Error() string {
	s := "required fields missing:"
	for _, f := range e.Fields {
		s += " " + f
	}
	return s
}

// Credentials are a login attempt.
type Credentials struct {
	// Login is the user name, usually the e-mail address.
	Login string
	// Password is the clear-text password. Never log it.
	Password string
	// ClientAddress is the IP address the request came from (for
	// throttling); may be empty.
	ClientAddress string
}

// Gender values of Customer and Address; "" is unknown.
const (
	GenderMale    = "m"
	GenderFemale  = "f"
	GenderDiverse = "d"
)

// Customer is a registered buyer as Shopgate Connect sees it.
type Customer struct {
	// ID is the host's customer id (becomes external_customer_id in orders).
	ID string
	// Number is the customer number; "" for none.
	Number string
	// Token is an opaque, stable, unguessable identifier Shopgate sends
	// back in get_orders and sync_favourite_list.
	Token string
	// RegistrationDate is when the account was created.
	RegistrationDate time.Time
	// Groups are the customer's groups (ids as used for group prices).
	Groups []CustomerGroup
	// TaxClassKey and TaxClassID are the customer tax class; "" for none.
	TaxClassKey string
	TaxClassID  string
	// FirstName and LastName are the customer's name.
	FirstName string
	LastName  string
	// Gender is GenderMale, GenderFemale, GenderDiverse or "".
	Gender string
	// Birthday is the date of birth (only the date counts); nil if unknown.
	Birthday *time.Time
	// Phone, Mobile and Mail are contact data; "" for none.
	Phone  string
	Mobile string
	Mail   string
	// Newsletter is true when the customer subscribed to the newsletter.
	Newsletter bool
	// CustomFields are extra fields.
	CustomFields []CustomField
	// Addresses are the customer's addresses. The handler sends the
	// default address (IsDefault) first.
	Addresses []Address
}

// CustomerGroup is a customer group of the host.
type CustomerGroup struct {
	// ID is the group's id as used for group prices in the export.
	ID string
	// Name is its display name.
	Name string
}

// CustomField is an extra field of a customer, address or order.
type CustomField struct {
	// Label is the shown text.
	Label string
	// Name is the stable key (internal_field_name).
	Name string
	// Value is the value (string, number, bool or nil).
	Value any
	// Type is an optional type hint Shopgate sends (e.g. "date").
	Type string
}

// Address is a postal address of a customer or an order.
type Address struct {
	// ID is the host's address id; "" for none (e.g. in orders).
	ID string
	// IsDefault marks the address offered first at checkout.
	IsDefault bool
	// IsInvoice and IsDelivery are the address's roles; both may be true.
	IsInvoice  bool
	IsDelivery bool
	// FirstName, LastName, Gender (Gender* or "") and Birthday of the
	// addressee.
	FirstName string
	LastName  string
	Gender    string
	Birthday  *time.Time
	// Company, Street1 (with house number) and Street2; "" for none.
	Company string
	Street1 string
	Street2 string
	// Zipcode and City.
	Zipcode string
	City    string
	// Country is ISO 3166-1 alpha-2 ("DE"); State ISO 3166-2 ("US-CA") or "".
	Country string
	State   string
	// Phone, Mobile and Mail for this address; "" for none.
	Phone  string
	Mobile string
	Mail   string
	// CustomFields are extra address fields.
	CustomFields []CustomField
}

// CustomerOrdersQuery selects a customer's order history (get_orders).
type CustomerOrdersQuery struct {
	// Token is the customer token from GetCustomer.
	Token string
	// Language is the buyer's language, e.g. "en_US" or "de"; texts
	// (status names, item names) are returned in it where the host has
	// translations.
	Language string
	// Limit is the maximum number of orders (> 0); Offset the number
	// skipped.
	Limit  int
	Offset int
	// From, when not zero, selects orders created at or after it.
	From time.Time
	// Ascending sorts oldest first; the default is newest first.
	Ascending bool
}

// ExternalOrder is one order of a customer's history, wherever it was
// placed.
type ExternalOrder struct {
	// OrderNumber is Shopgate's order number for orders that came from
	// Shopgate, else "".
	OrderNumber string
	// ExternalOrderNumber and ExternalOrderID are the host's order number
	// and id.
	ExternalOrderNumber string
	ExternalOrderID     string
	// StatusName is the status text in the requested language;
	// StatusColor a badge colour such as "#33CC33" ("" for none).
	StatusName  string
	StatusColor string
	// CreatedTime is the order date.
	CreatedTime time.Time
	// Mail, Phone and Mobile are the order's contact data.
	Mail   string
	Phone  string
	Mobile string
	// CustomFields are extra order fields.
	CustomFields []CustomField
	// InvoiceAddress and DeliveryAddress; nil for none.
	InvoiceAddress  *Address
	DeliveryAddress *Address
	// Currency is ISO 4217.
	Currency string
	// Item totals and order totals with (gross) and without (net) tax.
	AmountItemsGross    decimal.Decimal
	AmountItemsNet      decimal.Decimal
	AmountCompleteGross decimal.Decimal
	AmountCompleteNet   decimal.Decimal
	// IsPaid, PaymentMethod (name or code), PaymentTime (nil: unknown)
	// and PaymentTransactionNumber describe the payment.
	IsPaid                   bool
	PaymentMethod            string
	PaymentTime              *time.Time
	PaymentTransactionNumber string
	// IsShippingCompleted and ShippingCompletedTime (nil: not shipped or
	// unknown) describe the shipment.
	IsShippingCompleted   bool
	ShippingCompletedTime *time.Time
	// DeliveryNotes are the parcels sent.
	DeliveryNotes []DeliveryNote
	// Taxes is the tax breakdown.
	Taxes []OrderTax
	// ExtraCosts are shipping, payment and other fees.
	ExtraCosts []ExtraCost
	// Coupons are the coupons used.
	Coupons []OrderCoupon
	// Items are the order lines.
	Items []ExternalOrderItem
}

// DeliveryNote is one parcel of an order.
type DeliveryNote struct {
	// ServiceID is the carrier code (e.g. "DHL"); ServiceName its name.
	ServiceID   string
	ServiceName string
	// TrackingNumber is the parcel's tracking number.
	TrackingNumber string
	// Time is when it was shipped.
	Time time.Time
}

// OrderTax is one line of an order's tax breakdown.
type OrderTax struct {
	// Label is the shown text, e.g. "19% VAT".
	Label string
	// Percent is the rate and Amount the tax amount.
	Percent decimal.Decimal
	Amount  decimal.Decimal
}

// Extra cost types.
const (
	ExtraCostShipping = "shipping"
	ExtraCostPayment  = "payment"
	ExtraCostMisc     = "misc"
)

// ExtraCost is a fee of an order.
type ExtraCost struct {
	// Type is ExtraCostShipping, ExtraCostPayment or ExtraCostMisc.
	Type string
	// TaxPercent is the fee's tax rate; Amount the fee with tax.
	TaxPercent decimal.Decimal
	Amount     decimal.Decimal
	// Label is the shown text.
	Label string
}

// OrderCoupon is a coupon used in an order.
type OrderCoupon struct {
	// Code is the code the buyer entered.
	Code string
	// OrderIndex is the coupon's position in the order; nil for none.
	OrderIndex *int
	// Name and Description are display texts.
	Name        string
	Description string
	// Amount is the discount (positive).
	Amount decimal.Decimal
	// Currency is ISO 4217.
	Currency string
	// IsFreeShipping is true when the coupon granted free shipping.
	IsFreeShipping bool
	// InternalInfo is an opaque value of the host; "" for none.
	InternalInfo string
}

// ExternalOrderItem is one line of an ExternalOrder.
type ExternalOrderItem struct {
	// ItemNumber is the product's uid as the catalogue export sends it.
	ItemNumber string
	// ItemNumberPublic is the shown article number (SKU); "" for none.
	ItemNumberPublic string
	// Quantity ordered.
	Quantity int
	// Name and Description of the line.
	Name        string
	Description string
	// UnitAmount (net) and UnitAmountWithTax (gross) per unit.
	UnitAmount        decimal.Decimal
	UnitAmountWithTax decimal.Decimal
	// TaxPercent is the line's tax rate.
	TaxPercent decimal.Decimal
	// Currency is ISO 4217.
	Currency string
}

// Favourite list change statuses (sync_favourite_list).
const (
	FavouriteNew      = "new"
	FavouriteDeleted  = "deleted"
	FavouriteExisting = "existing"
)

// FavouriteChange is one entry of a sync_favourite_list request.
type FavouriteChange struct {
	// ItemNumber is the product uid.
	ItemNumber string
	// Status is FavouriteNew, FavouriteDeleted, FavouriteExisting or ""
	// (any other value Shopgate sent).
	Status string
}

// FavouriteItem is one entry of a favourite list.
type FavouriteItem struct {
	// ItemNumber is the product uid.
	ItemNumber string
}
