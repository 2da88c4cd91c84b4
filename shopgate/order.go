package shopgate

import (
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"
)

// Order is a Shopgate order as returned by the Merchant API action
// get_orders (and sent by the Plugin API actions add_order and update_order).
// Field names follow the wire keys.
//
// Decoding is lenient because the wire format is PHP's: numbers may arrive
// as strings, flags as 0/1 or "0"/"1", missing values as null or "", and
// empty objects as []. Unknown keys are ignored. Money is always a
// [decimal.Decimal]; absent amounts decode as zero. Times absent or null
// decode as the zero [time.Time].
//
// Informational fields are decoded best-effort
// (docs/protocol/orders.md#r12-discrepancies-never-fail): a value that cannot
// mean anything of the field's type is left out and described in DecodeNotes
// instead of failing the order; a text field receiving an object or list keeps
// its JSON text. Money, flags and the fields the import depends on (order and
// item numbers, currency, items, quantities, line types) stay strict: a
// nonsensical value there fails the decode.
type Order struct {
	// OrderNumber is Shopgate's order number, the idempotency key of an import.
	OrderNumber string `json:"order_number" sg:"strict"`
	// ExternalOrderNumber is the shop's order number once Shopgate knows it.
	ExternalOrderNumber string `json:"external_order_number,omitempty"`
	// ExternalOrderID is the shop's order id once Shopgate knows it.
	ExternalOrderID string `json:"external_order_id,omitempty"`
	// CustomerNumber is the buyer's customer number at Shopgate.
	CustomerNumber string `json:"customer_number,omitempty"`
	// CustomerIP is the buyer's IP address.
	CustomerIP string `json:"customer_ip,omitempty"`
	// ExternalCustomerNumber is the shop's customer number (Shopgate Connect
	// login); empty together with ExternalCustomerID for guest orders.
	ExternalCustomerNumber string `json:"external_customer_number,omitempty"`
	// ExternalCustomerID is the shop's customer id (Shopgate Connect login).
	ExternalCustomerID string `json:"external_customer_id,omitempty"`
	// ExternalCustomerGroupID is the shop's customer group of that customer.
	ExternalCustomerGroupID string `json:"external_customer_group_id,omitempty"`
	// Mail is the buyer's e-mail address.
	Mail string `json:"mail,omitempty"`
	// Phone is the buyer's phone number.
	Phone string `json:"phone,omitempty"`
	// Mobile is the buyer's mobile number.
	Mobile string `json:"mobile,omitempty"`
	// Client is the device or channel the order was placed with.
	Client OrderClient `json:"client"`
	// CustomFields are extra checkout fields configured at Shopgate.
	CustomFields []CustomField `json:"custom_fields,omitempty"`
	// ConfirmShippingURL is Shopgate's legacy URL to confirm shipping.
	ConfirmShippingURL string `json:"confirm_shipping_url,omitempty"`
	// CreatedTime is when the order was placed at Shopgate.
	CreatedTime time.Time `json:"created_time"`

	// PaymentMethod is the payment method code, e.g. PREPAY, PAYPAL, SHOPGATE.
	PaymentMethod string `json:"payment_method,omitempty"`
	// PaymentGroup is the family of the payment method, e.g. INVOICE, CC.
	PaymentGroup string `json:"payment_group,omitempty"`
	// IsPaid is information only; shipping never depends on it.
	IsPaid bool `json:"is_paid"`
	// PaymentTime is when the payment was registered (zero if unknown).
	PaymentTime time.Time `json:"payment_time"`
	// PaymentTransactionNumber is the payment transaction reference.
	PaymentTransactionNumber string `json:"payment_transaction_number,omitempty"`
	// PaymentInfos holds method-specific payment details, kept verbatim.
	// Numbers inside are json.Number values.
	PaymentInfos map[string]any `json:"payment_infos,omitempty"`

	// IsShippingBlocked is the only flag deciding whether the order may be
	// shipped: false means it may be shipped even if unpaid.
	IsShippingBlocked bool `json:"is_shipping_blocked"`
	// IsShippingCompleted means Shopgate considers the order completely shipped.
	IsShippingCompleted bool `json:"is_shipping_completed"`
	// ShippingCompletedTime is when shipping was completed.
	ShippingCompletedTime time.Time `json:"shipping_completed_time"`
	// IsTest marks a test order.
	IsTest bool `json:"is_test"`
	// IsStorno means the order was cancelled at Shopgate.
	IsStorno bool `json:"is_storno"`
	// IsCustomerInvoiceBlocked forbids the merchant to send an invoice.
	IsCustomerInvoiceBlocked bool `json:"is_customer_invoice_blocked"`
	// UpdatePayment is set by the Plugin API's update_order when the payment changed.
	UpdatePayment bool `json:"update_payment"`
	// UpdateShipping is set by the Plugin API's update_order when the shipping state changed.
	UpdateShipping bool `json:"update_shipping"`

	// ShippingGroup is the carrier id, e.g. DHL (see the Carrier* constants).
	ShippingGroup string `json:"shipping_group,omitempty"`
	// ShippingType says how the shipping cost was computed, e.g. MANUAL.
	ShippingType string `json:"shipping_type,omitempty"`
	// ShippingInfos describes the chosen shipping method; nil if absent.
	ShippingInfos *ShippingInfo `json:"shipping_infos,omitempty"`
	// ShippingTaxPercent is the tax rate contained in AmountShipping.
	ShippingTaxPercent decimal.Decimal `json:"shipping_tax_percent"`

	// Currency is the ISO 4217 currency code.
	Currency string `json:"currency,omitempty" sg:"strict"`
	// AmountItems is the sum of the item lines, tax included.
	AmountItems decimal.Decimal `json:"amount_items"`
	// AmountShipping is the shipping cost, tax included.
	AmountShipping decimal.Decimal `json:"amount_shipping"`
	// AmountShopPayment is the fee of the merchant's own payment method, tax included.
	AmountShopPayment decimal.Decimal `json:"amount_shop_payment"`
	// PaymentTaxPercent is the tax rate contained in AmountShopPayment.
	PaymentTaxPercent decimal.Decimal `json:"payment_tax_percent"`
	// AmountShopgatePayment is Shopgate's fee to the merchant; never an order line.
	AmountShopgatePayment decimal.Decimal `json:"amount_shopgate_payment"`
	// AmountComplete is the total the buyer agreed to pay; store it exactly.
	AmountComplete decimal.Decimal `json:"amount_complete"`

	// InvoiceAddress is the billing address.
	InvoiceAddress Address `json:"invoice_address"`
	// DeliveryAddress is the shipping address.
	DeliveryAddress Address `json:"delivery_address"`

	// Items are the order lines (only with get_orders' with_items=1).
	Items []OrderItem `json:"items,omitempty" sg:"strict"`
	// ExternalCoupons are coupons of the shop itself, validated in check_cart.
	ExternalCoupons []ExternalCoupon `json:"external_coupons,omitempty"`
	// ShopgateCoupons are coupons managed by Shopgate.
	ShopgateCoupons []ShopgateCoupon `json:"shopgate_coupons,omitempty"`
	// DeliveryNotes are the delivery notes already registered at Shopgate.
	DeliveryNotes []DeliveryNote `json:"delivery_notes,omitempty"`
	// TrackingGetParameters are tracking parameters captured by the client,
	// kept verbatim (their structure is not specified).
	TrackingGetParameters json.RawMessage `json:"tracking_get_parameters,omitempty"`

	// Raw is the order's JSON object exactly as received (set by
	// [Order.UnmarshalJSON] and by get_orders for each order), unknown
	// keys included. It is never encoded.
	Raw json.RawMessage `json:"-"`
	// DecodeNotes describe informational values that could not be decoded
	// and were left out (or kept as JSON text), e.g.
	// `shipping_infos.weight: cannot use "1.5" as integer; left out`.
	// They are never encoded.
	DecodeNotes []string `json:"-"`
}

// UnmarshalJSON decodes an order leniently (see [Order]).
func (o *Order) UnmarshalJSON(b []byte) error { return unmarshalLenient(b, o) }

// setRaw implements rawKeeper.
func (o *Order) setRaw(raw json.RawMessage) { o.Raw = raw }

// setDecodeNotes implements decodeNoter.
func (o *Order) setDecodeNotes(notes []string) { o.DecodeNotes = notes }

// OrderClient is the device or channel an order was placed with.
type OrderClient struct {
	// Type is one of mobilesite, iphoneapp, ipadapp, androidphoneapp, androidtabletapp.
	Type string `json:"type,omitempty"`
}

// CustomField is an extra checkout or address field configured at Shopgate.
type CustomField struct {
	// Label is the text shown to the buyer.
	Label string `json:"label,omitempty"`
	// InternalFieldName is the stable key of the field.
	InternalFieldName string `json:"internal_field_name,omitempty"`
	// Type is the field type sent by the Merchant API, e.g. date.
	Type string `json:"type,omitempty"`
	// Value is the entered value as decoded from JSON.
	Value any `json:"value,omitempty"`
}

// ShippingInfo describes the shipping method chosen for an order.
type ShippingInfo struct {
	// Name is the internal name of the method.
	Name string `json:"name,omitempty"`
	// DisplayName is the name shown to the buyer.
	DisplayName string `json:"display_name,omitempty"`
	// Description describes the method.
	Description string `json:"description,omitempty"`
	// Amount is deprecated; use AmountNet and AmountGross.
	Amount decimal.Decimal `json:"amount"`
	// AmountNet is the shipping cost without tax.
	AmountNet decimal.Decimal `json:"amount_net"`
	// AmountGross is the shipping cost with tax.
	AmountGross decimal.Decimal `json:"amount_gross"`
	// Weight is the weight used for the calculation.
	Weight int `json:"weight"`
	// APIResponse is the raw carrier API response, kept verbatim.
	APIResponse json.RawMessage `json:"api_response,omitempty"`
	// InternalShippingInfo is the opaque value the shop's check_cart returned.
	InternalShippingInfo string `json:"internal_shipping_info,omitempty"`
}

// Address is an invoice or delivery address of an order.
//
// Its name, postal and contact fields are the embedded [AddressFields]; in
// a composite literal name them through it:
// Address{IsInvoiceAddress: true, AddressFields: AddressFields{FirstName: "Erika"}}.
type Address struct {
	// ID is the shop's address id when a stored address was used.
	ID string `json:"id,omitempty"`
	// IsInvoiceAddress marks the invoice address.
	IsInvoiceAddress bool `json:"is_invoice_address"`
	// IsDeliveryAddress marks the delivery address.
	IsDeliveryAddress bool `json:"is_delivery_address"`
	AddressFields
	// CustomFields are extra address fields.
	CustomFields []CustomField `json:"custom_fields,omitempty"`
}

// AddressFields are the name, postal and contact fields of an address
// under Shopgate's keys, without id, roles and custom fields. [Address]
// embeds them; a shop that keeps address fields in Shopgate's keys (such
// as the extras of adapters/gormcustomers) embeds them too, so the keys
// are written once.
type AddressFields struct {
	// FirstName is the first name.
	FirstName string `json:"first_name,omitempty"`
	// LastName is the last name.
	LastName string `json:"last_name,omitempty"`
	// Gender is m, f, d or empty.
	Gender string `json:"gender,omitempty"`
	// Birthday is the date of birth as sent (YYYY-MM-DD), or empty.
	Birthday string `json:"birthday,omitempty"`
	// Company is the company name.
	Company string `json:"company,omitempty"`
	// Street1 is the street line including the house number.
	Street1 string `json:"street_1,omitempty"`
	// Street2 is the second street line.
	Street2 string `json:"street_2,omitempty"`
	// Zipcode is the postcode.
	Zipcode string `json:"zipcode,omitempty"`
	// City is the city.
	City string `json:"city,omitempty"`
	// Country is the ISO 3166-1 alpha-2 country code.
	Country string `json:"country,omitempty"`
	// State is the ISO 3166-2 subdivision code, e.g. US-CA.
	State string `json:"state,omitempty"`
	// Phone is the phone number for this address.
	Phone string `json:"phone,omitempty"`
	// Mobile is the mobile number for this address.
	Mobile string `json:"mobile,omitempty"`
	// Mail is the e-mail address for this address.
	Mail string `json:"mail,omitempty"`
}

// Order item types.
const (
	OrderItemTypeItem     = "item"
	OrderItemTypePayment  = "payment"
	OrderItemTypeSGCoupon = "sg_coupon"
)

// OrderItem is one line of an order.
type OrderItem struct {
	// ItemNumber is the shop's product id as exported (COUPON for coupons by default).
	ItemNumber string `json:"item_number" sg:"strict"`
	// ItemNumberPublic is the public article number (SKU).
	ItemNumberPublic string `json:"item_number_public,omitempty"`
	// ParentItemNumber is the parent product of a variant.
	ParentItemNumber string `json:"parent_item_number,omitempty"`
	// OrderItemID is Shopgate's id of this line.
	OrderItemID string `json:"order_item_id,omitempty"`
	// Type is item, payment or sg_coupon (OrderItemType* constants).
	Type string `json:"type,omitempty" sg:"strict"`
	// Quantity is the ordered quantity.
	Quantity int `json:"quantity" sg:"strict"`
	// Name is the product name at order time.
	Name string `json:"name,omitempty"`
	// UnitAmount is the unit price without tax.
	UnitAmount decimal.Decimal `json:"unit_amount"`
	// UnitAmountWithTax is the unit price with tax (negative for coupons).
	UnitAmountWithTax decimal.Decimal `json:"unit_amount_with_tax"`
	// TaxPercent is the tax rate of the line.
	TaxPercent decimal.Decimal `json:"tax_percent"`
	// TaxClassKey is the shop's tax class key.
	TaxClassKey string `json:"tax_class_key,omitempty"`
	// TaxClassID is the shop's tax class id.
	TaxClassID string `json:"tax_class_id,omitempty"`
	// Currency is the ISO 4217 currency code.
	Currency string `json:"currency,omitempty"`
	// InternalOrderInfo is the opaque value exported with the product, handed back unchanged.
	InternalOrderInfo string `json:"internal_order_info,omitempty"`
	// Options are the selected product options.
	Options []OrderItemOption `json:"options,omitempty"`
	// Inputs are the text or image inputs of the buyer.
	Inputs []OrderItemInput `json:"inputs,omitempty"`
	// Attributes are the variant attributes.
	Attributes []OrderItemAttribute `json:"attributes,omitempty"`
}

// OrderItemOption is a selected product option of an order line.
type OrderItemOption struct {
	// OptionNumber is the shop's option id.
	OptionNumber string `json:"option_number,omitempty"`
	// Name is the option name.
	Name string `json:"name,omitempty"`
	// ValueNumber is the shop's id of the chosen value.
	ValueNumber string `json:"value_number,omitempty"`
	// Value is the chosen value text.
	Value string `json:"value,omitempty"`
	// AdditionalAmountWithTax is the surcharge.
	AdditionalAmountWithTax decimal.Decimal `json:"additional_amount_with_tax"`
}

// OrderItemInput is a text or image input the buyer provided.
type OrderItemInput struct {
	// InputNumber is the shop's input id.
	InputNumber string `json:"input_number,omitempty"`
	// Type is text or image.
	Type string `json:"type,omitempty"`
	// Label is the input label.
	Label string `json:"label,omitempty"`
	// UserInput is the text, or the image reference.
	UserInput string `json:"user_input,omitempty"`
	// InfoText is the help text.
	InfoText string `json:"info_text,omitempty"`
	// AdditionalAmountWithTax is the surcharge.
	AdditionalAmountWithTax decimal.Decimal `json:"additional_amount_with_tax"`
}

// OrderItemAttribute is a variant attribute of an order line.
type OrderItemAttribute struct {
	// Name is the attribute name.
	Name string `json:"name,omitempty"`
	// Value is the attribute value.
	Value string `json:"value,omitempty"`
}

// Coupon holds the fields common to external and Shopgate coupons.
type Coupon struct {
	// OrderIndex is the position of the coupon in the order.
	OrderIndex int `json:"order_index"`
	// Code is the coupon code entered by the buyer.
	Code string `json:"code,omitempty"`
	// Name is the display name.
	Name string `json:"name,omitempty"`
	// Description is the display description.
	Description string `json:"description,omitempty"`
	// Amount is deprecated; use AmountNet and AmountGross.
	Amount decimal.Decimal `json:"amount"`
	// AmountNet is the discount without tax (positive).
	AmountNet decimal.Decimal `json:"amount_net"`
	// AmountGross is the discount with tax (positive).
	AmountGross decimal.Decimal `json:"amount_gross"`
	// TaxType says how tax applies to the discount, e.g. auto.
	TaxType string `json:"tax_type,omitempty"`
	// Currency is the ISO 4217 currency code.
	Currency string `json:"currency,omitempty"`
	// IsFreeShipping means the coupon grants free shipping.
	IsFreeShipping bool `json:"is_free_shipping"`
	// InternalInfo is the opaque value the shop's check_cart returned.
	InternalInfo string `json:"internal_info,omitempty"`
}

// ExternalCoupon is a coupon of the shop itself.
type ExternalCoupon struct {
	Coupon
	// IsValid reports whether the shop accepted the coupon.
	IsValid bool `json:"is_valid"`
	// NotValidMessage explains why it was not valid.
	NotValidMessage string `json:"not_valid_message,omitempty"`
}

// UnmarshalJSON decodes a coupon leniently (see [Order]).
func (c *ExternalCoupon) UnmarshalJSON(b []byte) error { return unmarshalLenient(b, c) }

// ShopgateCoupon is a coupon managed by Shopgate.
type ShopgateCoupon struct {
	Coupon
	// Error is Shopgate's error code for the coupon (0 if none).
	Error int `json:"error"`
	// ErrorText is Shopgate's error text for the coupon.
	ErrorText string `json:"error_text,omitempty"`
}

// UnmarshalJSON decodes a coupon leniently (see [Order]).
func (c *ShopgateCoupon) UnmarshalJSON(b []byte) error { return unmarshalLenient(b, c) }

// DeliveryNote is a delivery note registered at Shopgate for an order.
type DeliveryNote struct {
	// ShippingServiceID is the carrier id (Carrier* constants).
	ShippingServiceID string `json:"shipping_service_id,omitempty"`
	// ShippingServiceName is the carrier name.
	ShippingServiceName string `json:"shipping_service_name,omitempty"`
	// TrackingNumber is the parcel tracking number.
	TrackingNumber string `json:"tracking_number,omitempty"`
	// ShippingTime is when the parcel was shipped.
	ShippingTime time.Time `json:"shipping_time"`
}

// UnmarshalJSON decodes an order item leniently (see [Order]).
func (it *OrderItem) UnmarshalJSON(b []byte) error { return unmarshalLenient(b, it) }

// UnmarshalJSON decodes an address leniently (see [Order]).
func (a *Address) UnmarshalJSON(b []byte) error { return unmarshalLenient(b, a) }
