package pluginapi

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/adapters"
)

// Wire encoding of the customer actions (docs/protocol/customers.md): the
// only place that knows Shopgate's keys for customers, addresses and
// external orders. Optional strings are null when empty, flags are 0/1,
// money is a JSON number and the default address comes first.

// wireTime is the datetime format of the customer actions.
const wireTime = "2006-01-02T15:04:05-07:00"

type wireCustomer struct {
	RegistrationDate *string             `json:"registration_date"`
	CustomerID       string              `json:"customer_id"`
	CustomerNumber   *string             `json:"customer_number"`
	CustomerToken    string              `json:"customer_token"`
	CustomerGroups   []wireCustomerGroup `json:"customer_groups"`
	TaxClassKey      *string             `json:"tax_class_key"`
	TaxClassID       *string             `json:"tax_class_id"`
	FirstName        string              `json:"first_name"`
	LastName         string              `json:"last_name"`
	Gender           *string             `json:"gender"`
	Birthday         *string             `json:"birthday"`
	Phone            *string             `json:"phone"`
	Mobile           *string             `json:"mobile"`
	Mail             *string             `json:"mail"`
	CustomFields     []wireCustomField   `json:"custom_fields"`
	Newsletter       int                 `json:"newsletter_subscription"`
	CustomerGroup    *string             `json:"customer_group"`
	CustomerGroupID  *string             `json:"customer_group_id"`
}

type wireCustomerGroup struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type wireCustomField struct {
	Label             string `json:"label"`
	InternalFieldName string `json:"internal_field_name"`
	Value             any    `json:"value"`
	Type              string `json:"type,omitempty"`
}

type wireAddress struct {
	ID                *string           `json:"id"`
	IsInvoiceAddress  int               `json:"is_invoice_address"`
	IsDeliveryAddress int               `json:"is_delivery_address"`
	FirstName         string            `json:"first_name"`
	LastName          string            `json:"last_name"`
	Gender            *string           `json:"gender"`
	Birthday          *string           `json:"birthday"`
	Company           *string           `json:"company"`
	Street1           *string           `json:"street_1"`
	Street2           *string           `json:"street_2"`
	Zipcode           string            `json:"zipcode"`
	City              string            `json:"city"`
	Country           string            `json:"country"`
	State             *string           `json:"state"`
	Phone             *string           `json:"phone"`
	Mobile            *string           `json:"mobile"`
	Mail              *string           `json:"mail"`
	CustomFields      []wireCustomField `json:"custom_fields"`
}

type wireExternalOrder struct {
	OrderNumber              *string            `json:"order_number"`
	ExternalOrderNumber      string             `json:"external_order_number"`
	ExternalOrderID          string             `json:"external_order_id"`
	StatusName               string             `json:"status_name"`
	StatusColor              *string            `json:"status_color"`
	CreatedTime              string             `json:"created_time"`
	Mail                     *string            `json:"mail"`
	Phone                    *string            `json:"phone"`
	Mobile                   *string            `json:"mobile"`
	CustomFields             []wireCustomField  `json:"custom_fields"`
	InvoiceAddress           *wireAddress       `json:"invoice_address"`
	DeliveryAddress          *wireAddress       `json:"delivery_address"`
	Currency                 string             `json:"currency"`
	AmountItemsGross         json.Number        `json:"amount_items_gross"`
	AmountItemsNet           json.Number        `json:"amount_items_net"`
	AmountCompleteGross      json.Number        `json:"amount_complete_gross"`
	AmountCompleteNet        json.Number        `json:"amount_complete_net"`
	AmountComplete           json.Number        `json:"amount_complete"`
	IsPaid                   int                `json:"is_paid"`
	PaymentMethod            *string            `json:"payment_method"`
	PaymentTime              *string            `json:"payment_time"`
	PaymentTransactionNumber *string            `json:"payment_transaction_number"`
	IsShippingCompleted      int                `json:"is_shipping_completed"`
	ShippingCompletedTime    *string            `json:"shipping_completed_time"`
	DeliveryNotes            []wireDeliveryNote `json:"delivery_notes"`
	OrderTaxes               []wireOrderTax     `json:"order_taxes"`
	ExtraCosts               []wireExtraCost    `json:"extra_costs"`
	ExternalCoupons          []wireOrderCoupon  `json:"external_coupons"`
	Items                    []wireExternalItem `json:"items"`
}

type wireDeliveryNote struct {
	ShippingServiceID   string  `json:"shipping_service_id"`
	ShippingServiceName *string `json:"shipping_service_name"`
	TrackingNumber      string  `json:"tracking_number"`
	ShippingTime        *string `json:"shipping_time"`
}

type wireOrderTax struct {
	Label      string      `json:"label"`
	TaxPercent json.Number `json:"tax_percent"`
	Amount     json.Number `json:"amount"`
}

type wireExtraCost struct {
	Type       *string     `json:"type"`
	TaxPercent json.Number `json:"tax_percent"`
	Amount     json.Number `json:"amount"`
	Label      *string     `json:"label"`
}

type wireOrderCoupon struct {
	Code           string      `json:"code"`
	OrderIndex     *int        `json:"order_index"`
	Name           *string     `json:"name"`
	Description    *string     `json:"description"`
	Amount         json.Number `json:"amount"`
	Currency       string      `json:"currency"`
	IsFreeShipping int         `json:"is_free_shipping"`
	InternalInfo   *string     `json:"internal_info"`
}

type wireExternalItem struct {
	ItemNumber        string      `json:"item_number"`
	ItemNumberPublic  *string     `json:"item_number_public"`
	Quantity          int         `json:"quantity"`
	Name              string      `json:"name"`
	UnitAmount        json.Number `json:"unit_amount"`
	UnitAmountWithTax json.Number `json:"unit_amount_with_tax"`
	TaxPercent        json.Number `json:"tax_percent"`
	Currency          string      `json:"currency"`
	Description       *string     `json:"description"`
}

// nullStr is nil for "" and &s otherwise.
func nullStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func num(d decimal.Decimal) json.Number { return json.Number(d.String()) }

func nullDate(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := t.Format("2006-01-02")
	return &s
}

func nullTime(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := t.Format(wireTime)
	return &s
}

func encodeCustomFields(fs []adapters.CustomField) []wireCustomField {
	out := make([]wireCustomField, 0, len(fs))
	for _, f := range fs {
		out = append(out, wireCustomField{Label: f.Label, InternalFieldName: f.Name, Value: f.Value, Type: f.Type})
	}
	return out
}

// encodeCustomer splits a customer into user_data and the address list,
// default address first (the others keep their order).
func encodeCustomer(c *adapters.Customer) (wireCustomer, []wireAddress) {
	groups := make([]wireCustomerGroup, 0, len(c.Groups))
	for _, g := range c.Groups {
		groups = append(groups, wireCustomerGroup{ID: g.ID, Name: g.Name})
	}
	var reg *string
	if !c.RegistrationDate.IsZero() {
		s := c.RegistrationDate.Format(wireTime)
		reg = &s
	}
	ud := wireCustomer{
		RegistrationDate: reg, CustomerID: c.ID, CustomerNumber: nullStr(c.Number), CustomerToken: c.Token,
		CustomerGroups: groups, TaxClassKey: nullStr(c.TaxClassKey), TaxClassID: nullStr(c.TaxClassID),
		FirstName: c.FirstName, LastName: c.LastName, Gender: nullStr(normGender(c.Gender)),
		Birthday: nullDate(c.Birthday), Phone: nullStr(c.Phone), Mobile: nullStr(c.Mobile), Mail: nullStr(c.Mail),
		CustomFields: encodeCustomFields(c.CustomFields), Newsletter: flag(c.Newsletter),
	}
	addrs := make([]adapters.Address, len(c.Addresses))
	copy(addrs, c.Addresses)
	sort.SliceStable(addrs, func(i, j int) bool { return addrs[i].IsDefault && !addrs[j].IsDefault })
	out := make([]wireAddress, 0, len(addrs))
	for i := range addrs {
		out = append(out, encodeAddress(&addrs[i]))
	}
	return ud, out
}

func encodeAddress(a *adapters.Address) wireAddress {
	return wireAddress{
		ID: nullStr(a.ID), IsInvoiceAddress: flag(a.IsInvoice), IsDeliveryAddress: flag(a.IsDelivery),
		FirstName: a.FirstName, LastName: a.LastName, Gender: nullStr(normGender(a.Gender)), Birthday: nullDate(a.Birthday),
		Company: nullStr(a.Company), Street1: nullStr(a.Street1), Street2: nullStr(a.Street2), Zipcode: a.Zipcode,
		City: a.City, Country: a.Country, State: nullStr(a.State), Phone: nullStr(a.Phone), Mobile: nullStr(a.Mobile),
		Mail: nullStr(a.Mail), CustomFields: encodeCustomFields(a.CustomFields),
	}
}

func encodeOrderAddress(a *adapters.Address, invoice bool) *wireAddress {
	if a == nil {
		return nil
	}
	w := encodeAddress(a)
	// In an order the role flags follow the slot, as the SDK forces them.
	w.IsInvoiceAddress, w.IsDeliveryAddress = flag(invoice), flag(!invoice)
	return &w
}

// encodeOrder encodes one order of a customer's history.
func encodeOrder(o *adapters.ExternalOrder) wireExternalOrder {
	w := wireExternalOrder{
		OrderNumber: nullStr(o.OrderNumber), ExternalOrderNumber: o.ExternalOrderNumber, ExternalOrderID: o.ExternalOrderID,
		StatusName: o.StatusName, StatusColor: nullStr(o.StatusColor), CreatedTime: o.CreatedTime.Format(wireTime),
		Mail: nullStr(o.Mail), Phone: nullStr(o.Phone), Mobile: nullStr(o.Mobile), CustomFields: encodeCustomFields(o.CustomFields),
		InvoiceAddress: encodeOrderAddress(o.InvoiceAddress, true), DeliveryAddress: encodeOrderAddress(o.DeliveryAddress, false),
		Currency: o.Currency, AmountItemsGross: num(o.AmountItemsGross), AmountItemsNet: num(o.AmountItemsNet),
		AmountCompleteGross: num(o.AmountCompleteGross), AmountCompleteNet: num(o.AmountCompleteNet),
		AmountComplete: num(o.AmountCompleteGross), IsPaid: flag(o.IsPaid), PaymentMethod: nullStr(o.PaymentMethod),
		PaymentTime: nullTime(o.PaymentTime), PaymentTransactionNumber: nullStr(o.PaymentTransactionNumber),
		IsShippingCompleted: flag(o.IsShippingCompleted), ShippingCompletedTime: nullTime(o.ShippingCompletedTime),
		DeliveryNotes: []wireDeliveryNote{}, OrderTaxes: []wireOrderTax{}, ExtraCosts: []wireExtraCost{},
		ExternalCoupons: []wireOrderCoupon{}, Items: []wireExternalItem{},
	}
	for _, n := range o.DeliveryNotes {
		t := n.Time
		w.DeliveryNotes = append(w.DeliveryNotes, wireDeliveryNote{ShippingServiceID: n.ServiceID,
			ShippingServiceName: nullStr(n.ServiceName), TrackingNumber: n.TrackingNumber, ShippingTime: nullTime(&t)})
	}
	for _, t := range o.Taxes {
		w.OrderTaxes = append(w.OrderTaxes, wireOrderTax{Label: t.Label, TaxPercent: num(t.Percent), Amount: num(t.Amount)})
	}
	for _, c := range o.ExtraCosts {
		var typ *string
		switch c.Type {
		case adapters.ExtraCostShipping, adapters.ExtraCostPayment, adapters.ExtraCostMisc:
			t := c.Type
			typ = &t
		}
		w.ExtraCosts = append(w.ExtraCosts, wireExtraCost{Type: typ, TaxPercent: num(c.TaxPercent), Amount: num(c.Amount), Label: nullStr(c.Label)})
	}
	for _, c := range o.Coupons {
		cur := c.Currency
		if cur == "" {
			cur = o.Currency
		}
		w.ExternalCoupons = append(w.ExternalCoupons, wireOrderCoupon{Code: c.Code, OrderIndex: c.OrderIndex,
			Name: nullStr(c.Name), Description: nullStr(c.Description), Amount: num(c.Amount), Currency: cur,
			IsFreeShipping: flag(c.IsFreeShipping), InternalInfo: nullStr(c.InternalInfo)})
	}
	for _, it := range o.Items {
		cur := it.Currency
		if cur == "" {
			cur = o.Currency
		}
		w.Items = append(w.Items, wireExternalItem{ItemNumber: it.ItemNumber, ItemNumberPublic: nullStr(it.ItemNumberPublic),
			Quantity: it.Quantity, Name: it.Name, UnitAmount: num(it.UnitAmount), UnitAmountWithTax: num(it.UnitAmountWithTax),
			TaxPercent: num(it.TaxPercent), Currency: cur, Description: nullStr(it.Description)})
	}
	return w
}

// normGender keeps m, f and d; anything else is unknown.
func normGender(s string) string {
	switch g := strings.ToLower(strings.TrimSpace(s)); g {
	case adapters.GenderMale, adapters.GenderFemale, adapters.GenderDiverse:
		return g
	}
	return ""
}

// Decoding of request input (register_customer's user_data,
// sync_favourite_list's items). Input is loosely typed: flags arrive as
// 0/1, "true"/"false"; lists as lists or maps keyed by index.

// wireString returns a scalar as trimmed text ("" for anything else).
func wireString(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	}
	return ""
}

// wireFlag reads a 0/1 flag.
func wireFlag(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "1", "true", "yes", "on":
			return true
		}
	}
	return false
}

// wireDate reads a YYYY-MM-DD date; values not starting with one are nil,
// longer values are cut to the date.
func wireDate(v any) *time.Time {
	s := wireString(v)
	if len(s) < 10 {
		return nil
	}
	t, err := time.Parse("2006-01-02", s[:10])
	if err != nil {
		return nil
	}
	return &t
}

func decodeCustomFields(v any) []adapters.CustomField {
	list, _ := asList(v)
	out := make([]adapters.CustomField, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		name := wireString(m["internal_field_name"])
		if name == "" {
			continue
		}
		out = append(out, adapters.CustomField{Label: wireString(m["label"]), Name: name, Value: m["value"], Type: wireString(m["type"])})
	}
	return out
}

// decodeAddress reads a ShopgateAddress.
func decodeAddress(m map[string]any) adapters.Address {
	return adapters.Address{
		ID: wireString(m["id"]), IsInvoice: wireFlag(m["is_invoice_address"]), IsDelivery: wireFlag(m["is_delivery_address"]),
		FirstName: wireString(m["first_name"]), LastName: wireString(m["last_name"]), Gender: normGender(wireString(m["gender"])),
		Birthday: wireDate(m["birthday"]), Company: wireString(m["company"]), Street1: wireString(m["street_1"]),
		Street2: wireString(m["street_2"]), Zipcode: wireString(m["zipcode"]), City: wireString(m["city"]),
		Country: strings.ToUpper(wireString(m["country"])), State: wireString(m["state"]), Phone: wireString(m["phone"]),
		Mobile: wireString(m["mobile"]), Mail: wireString(m["mail"]), CustomFields: decodeCustomFields(m["custom_fields"]),
	}
}

// decodeUserData reads register_customer's user_data into a Customer.
// The first address becomes the default one.
func decodeUserData(ud map[string]any) adapters.Customer {
	c := adapters.Customer{
		FirstName: wireString(ud["first_name"]), LastName: wireString(ud["last_name"]),
		Gender: normGender(wireString(ud["gender"])), Birthday: wireDate(ud["birthday"]),
		Phone: wireString(ud["phone"]), Mobile: wireString(ud["mobile"]), Mail: wireString(ud["mail"]),
		Newsletter: wireFlag(ud["newsletter_subscription"]), CustomFields: decodeCustomFields(ud["custom_fields"]),
	}
	list, _ := asList(ud["addresses"])
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		a := decodeAddress(m)
		a.ID = ""
		a.IsDefault = len(c.Addresses) == 0
		c.Addresses = append(c.Addresses, a)
	}
	return c
}

// errFavouriteItem marks a sync_favourite_list entry without item_number
// or status.
type errFavouriteItem struct{}

func (errFavouriteItem) Error() string { return "item_number or status missing" }

// decodeFavourites reads sync_favourite_list's items. Unknown statuses
// become "".
func decodeFavourites(v any) ([]adapters.FavouriteChange, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := asList(v)
	if !ok {
		if phpEmpty(v) {
			return nil, nil
		}
		return nil, errFavouriteItem{}
	}
	out := make([]adapters.FavouriteChange, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		num, status := wireString(m["item_number"]), wireString(m["status"])
		if num == "" || status == "" {
			return nil, errFavouriteItem{}
		}
		switch status {
		case adapters.FavouriteNew, adapters.FavouriteDeleted, adapters.FavouriteExisting:
		default:
			status = ""
		}
		out = append(out, adapters.FavouriteChange{ItemNumber: num, Status: status})
	}
	return out, nil
}
