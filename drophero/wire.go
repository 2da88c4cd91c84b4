package drophero

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Product is one subscribed item as returned by GET /v1/subscribed[/from].
// Optional fields that DropHero sent as null are nil or not Valid.
type Product struct {
	IDItem           string
	Name             *string
	EAN              *string
	Qty              decimal.NullDecimal
	Status           string // raw JSON of status ("" when null), not interpreted
	SellingPrice     decimal.Decimal
	SuggestedRetail  decimal.NullDecimal
	Weight           decimal.NullDecimal
	DescriptionShort *string
	DescriptionLong  *string
	ImgURL           *string
	RMAPolicy        *string
	TaxRate          decimal.NullDecimal // "tax_amount": a VAT percentage
	Wholesalers      []Wholesaler
	Shipping         []ShippingPrice
	LocalCategories  []string
	Payments         []Payment
	Warnings         []string        // non-fatal oddities met while decoding (negative qty clamped)
	Raw              json.RawMessage // the item exactly as received
}

// Wholesaler is a supplier of a product.
type Wholesaler struct {
	ID      string `json:"idwholesaler"`
	Name    string `json:"wholesaler_name"`
	Country string `json:"wholesaler_country"`
}

// ShippingPrice is the price of one shipping mode to one country for one unit.
type ShippingPrice struct {
	AreaISO string          `json:"shipping_area_iso"`
	ModeID  string          `json:"idshippingmode"`
	Price   decimal.Decimal `json:"shipping_price"`
}

// Payment is a payment method DropHero supports for a product.
type Payment struct {
	AreaISO string          `json:"payment_area_iso"`
	Name    string          `json:"payment_name"`
	Charge  decimal.Decimal `json:"payment_charge"`
}

// ShippingMode is an entry of GET /v1/shipping.
type ShippingMode struct {
	ID           string
	AreaISO      string
	Name         string
	Description  string
	TransitHours string
}

// Category is a shop category as DropHero holds it. ParentID "0" is top level.
type Category struct {
	ID       string
	Name     string
	ParentID string
}

// OrderStatus is an entry of GET /v1/orders[/{id}].
type OrderStatus struct {
	IDOrderShop string
	Status      string          // "1".."4", or an unknown raw value
	Raw         json.RawMessage // the entry as received (extra fields such as tracking)
}

// Order is the payload of one order for POST /v1/orders/new. Amounts are
// computed by the caller (see NewOrderLine) and written with 4 decimals.
type Order struct {
	IDOrderShop           string
	BuyerName             string
	BuyerAddress          string
	BuyerPostcode         string
	BuyerCity             string
	BuyerCountry          string
	BuyerPhone            string
	BuyerMessage          string
	BuyerVATIN            string
	BuyerShippingName     string
	BuyerShippingAddress  string
	BuyerShippingPostcode string
	BuyerShippingCity     string
	BuyerShippingCountry  string
	BuyerShippingPhone    string
	ShippingPrice         decimal.Decimal
	Currency              string
	Lines                 []OrderLine
}

// OrderLine is one selled_items entry.
type OrderLine struct {
	LineID       string // key in selled_items (the shop's order-line id)
	IDItem       string
	Qty          decimal.Decimal
	UnitPrice    decimal.Decimal // net
	Discount     decimal.Decimal // net, whole line
	TaxRate      decimal.Decimal // percent
	ShippingMode string
}

// RowTotal is qty × unit price − discount, rounded to cents.
func (l OrderLine) RowTotal() decimal.Decimal {
	return l.Qty.Mul(l.UnitPrice).Sub(l.Discount).Round(2)
}

// TaxAmount is the VAT of the whole line, rounded half-up to cents.
func (l OrderLine) TaxAmount() decimal.Decimal {
	return l.RowTotal().Mul(l.TaxRate).Div(decimal.NewFromInt(100)).Round(2)
}

// Total is the order_total: Σ row totals incl. tax + shipping.
func (o Order) Total() decimal.Decimal {
	t := o.ShippingPrice.Round(2)
	for _, l := range o.Lines {
		t = t.Add(l.RowTotal()).Add(l.TaxAmount())
	}
	return t
}

func d4(d decimal.Decimal) string { return d.StringFixed(4) }

// wire renders the order in DropHero's keyed form.
func (o Order) wire() map[string]any {
	items := make(map[string]any, len(o.Lines))
	for _, l := range o.Lines {
		rt, tax := l.RowTotal(), l.TaxAmount()
		items[l.LineID] = map[string]any{
			"iditem":                l.IDItem,
			"qty":                   d4(l.Qty),
			"item_selling_price":    d4(l.UnitPrice),
			"item_selling_discount": d4(l.Discount),
			"row_total":             d4(rt),
			"item_selling_tax":      d4(l.TaxRate),
			"item_tax_amount":       d4(tax),
			"row_total_incl_tax":    d4(rt.Add(tax)),
			"idshippingmode":        l.ShippingMode,
		}
	}
	return map[string]any{o.IDOrderShop: map[string]any{
		"idordershop":             o.IDOrderShop,
		"status":                  "1",
		"buyer_name":              o.BuyerName,
		"buyer_address":           o.BuyerAddress,
		"buyer_postcode":          o.BuyerPostcode,
		"buyer_city":              o.BuyerCity,
		"buyer_country":           o.BuyerCountry,
		"buyer_phone":             o.BuyerPhone,
		"buyer_message":           o.BuyerMessage,
		"buyer_vatin":             o.BuyerVATIN,
		"buyer_shipping_name":     o.BuyerShippingName,
		"buyer_shipping_address":  o.BuyerShippingAddress,
		"buyer_shipping_postcode": o.BuyerShippingPostcode,
		"buyer_shipping_city":     o.BuyerShippingCity,
		"buyer_shipping_country":  o.BuyerShippingCountry,
		"buyer_shipping_phone":    o.BuyerShippingPhone,
		"shipping_price":          d4(o.ShippingPrice),
		"currency":                o.Currency,
		"order_total":             d4(o.Total()),
		"selled_items":            items,
	}}
}

// rawProduct holds the fields of a subscribed item undecoded.
type rawProduct struct {
	IDItem          json.RawMessage `json:"iditem"`
	ProductName     json.RawMessage `json:"product_name"`
	EAN             json.RawMessage `json:"ean"`
	Qty             json.RawMessage `json:"qty"`
	Status          json.RawMessage `json:"status"`
	SellingPrice    json.RawMessage `json:"selling_price"`
	SRP             json.RawMessage `json:"suggested_retail_price"`
	Weight          json.RawMessage `json:"weight"`
	DescShort       json.RawMessage `json:"description_short"`
	DescLong        json.RawMessage `json:"description_long"`
	ImgURL          json.RawMessage `json:"img_url"`
	RMA             json.RawMessage `json:"rma_policy"`
	Tax             json.RawMessage `json:"tax_amount"`
	Wholesaler      json.RawMessage `json:"wholesaler"`
	Shipping        json.RawMessage `json:"shipping"`
	LocalCategories json.RawMessage `json:"local_categories"`
	Payments        json.RawMessage `json:"payments"`
}

// ParseProduct decodes one subscribed item leniently (see the package
// documentation). The error is a field error; Client methods wrap it in a
// *DecodeError.
func ParseProduct(raw json.RawMessage) (*Product, error) {
	if kind(raw) != '{' {
		return nil, fmt.Errorf("expected an object, got %s", kindName(kind(raw)))
	}
	// One pass into raw fields; each is then read leniently.
	var r rawProduct
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("invalid object: %w", err)
	}
	m := map[string]json.RawMessage{
		"iditem": r.IDItem, "product_name": r.ProductName, "ean": r.EAN, "qty": r.Qty, "status": r.Status,
		"selling_price": r.SellingPrice, "suggested_retail_price": r.SRP, "weight": r.Weight,
		"description_short": r.DescShort, "description_long": r.DescLong, "img_url": r.ImgURL, "rma_policy": r.RMA,
		"tax_amount": r.Tax, "wholesaler": r.Wholesaler, "shipping": r.Shipping, "local_categories": r.LocalCategories,
		"payments": r.Payments,
	}
	p := &Product{Raw: append(json.RawMessage(nil), raw...)}
	var err error
	if p.IDItem, err = parseID("iditem", m["iditem"]); err != nil {
		return nil, err
	}
	if p.IDItem == "" {
		return nil, fieldErr("iditem", "missing or empty")
	}
	texts := []struct {
		name string
		dst  **string
	}{
		{"product_name", &p.Name}, {"ean", &p.EAN}, {"description_short", &p.DescriptionShort},
		{"description_long", &p.DescriptionLong}, {"img_url", &p.ImgURL}, {"rma_policy", &p.RMAPolicy},
	}
	for _, t := range texts {
		if *t.dst, err = parseText(t.name, m[t.name]); err != nil {
			return nil, err
		}
	}
	decs := []struct {
		name string
		dst  *decimal.NullDecimal
	}{
		{"qty", &p.Qty}, {"suggested_retail_price", &p.SuggestedRetail}, {"weight", &p.Weight}, {"tax_amount", &p.TaxRate},
	}
	for _, d := range decs {
		if *d.dst, err = parseDecimal(d.name, m[d.name]); err != nil {
			return nil, err
		}
	}
	if p.Qty.Valid && p.Qty.Decimal.IsNegative() {
		p.Warnings = append(p.Warnings, "qty "+p.Qty.Decimal.String()+" clamped to 0")
		p.Qty.Decimal = decimal.Zero
	}
	sp, err := parseDecimal("selling_price", m["selling_price"])
	if err != nil {
		return nil, err
	}
	if !sp.Valid {
		return nil, fieldErr("selling_price", "missing or null")
	}
	if sp.Decimal.IsNegative() {
		return nil, fieldErr("selling_price", "negative price %s", sp.Decimal)
	}
	p.SellingPrice = sp.Decimal
	if st := m["status"]; !isNull(st) {
		if k := kind(st); k == '{' || k == '[' {
			return nil, fieldErr("status", "expected a scalar, got %s", kindName(k))
		}
		p.Status = strings.Trim(string(st), `"`)
	}
	if err := eachEntry("wholesaler", m["wholesaler"], nil, func(_ string, v json.RawMessage) error {
		f, err := objectFields(v)
		if err != nil {
			return fieldErr("wholesaler", "%v", err)
		}
		var w Wholesaler
		if w.ID, err = parseID("wholesaler.idwholesaler", f["idwholesaler"]); err != nil {
			return err
		}
		if w.Name, err = textOrEmpty("wholesaler.wholesaler_name", f["wholesaler_name"]); err != nil {
			return err
		}
		if w.Country, err = textOrEmpty("wholesaler.wholesaler_country", f["wholesaler_country"]); err != nil {
			return err
		}
		p.Wholesalers = append(p.Wholesalers, w)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := eachEntry("shipping", m["shipping"], nil, func(_ string, v json.RawMessage) error {
		f, err := objectFields(v)
		if err != nil {
			return fieldErr("shipping", "%v", err)
		}
		var s ShippingPrice
		if s.ModeID, err = parseID("shipping.idshippingmode", f["idshippingmode"]); err != nil {
			return err
		}
		if s.ModeID == "" {
			return fieldErr("shipping.idshippingmode", "missing")
		}
		if s.AreaISO, err = textOrEmpty("shipping.shipping_area_iso", f["shipping_area_iso"]); err != nil {
			return err
		}
		s.AreaISO = strings.ToUpper(strings.TrimSpace(s.AreaISO))
		pr, err := parseDecimal("shipping.shipping_price", f["shipping_price"])
		if err != nil {
			return err
		}
		if !pr.Valid || pr.Decimal.IsNegative() {
			return fieldErr("shipping.shipping_price", "missing or negative")
		}
		s.Price = pr.Decimal
		p.Shipping = append(p.Shipping, s)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := eachEntry("local_categories", m["local_categories"], nil, func(_ string, v json.RawMessage) error {
		id, err := parseID("local_categories", v)
		if err != nil {
			return err
		}
		if id != "" {
			p.LocalCategories = append(p.LocalCategories, id)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := eachEntry("payments", m["payments"], nil, func(_ string, v json.RawMessage) error {
		f, err := objectFields(v)
		if err != nil {
			return fieldErr("payments", "%v", err)
		}
		var pm Payment
		if pm.AreaISO, err = textOrEmpty("payments.payment_area_iso", f["payment_area_iso"]); err != nil {
			return err
		}
		if pm.Name, err = textOrEmpty("payments.payment_name", f["payment_name"]); err != nil {
			return err
		}
		ch, err := parseDecimal("payments.payment_charge", f["payment_charge"])
		if err != nil {
			return err
		}
		pm.Charge = ch.Decimal
		p.Payments = append(p.Payments, pm)
		return nil
	}); err != nil {
		return nil, err
	}
	return p, nil
}

func textOrEmpty(field string, raw json.RawMessage) (string, error) {
	s, err := parseText(field, raw)
	if err != nil || s == nil {
		return "", err
	}
	return *s, nil
}

// parseIDList reads a list of ids (the deleted list).
func parseIDList(field string, raw json.RawMessage) ([]string, error) {
	var ids []string
	err := eachEntry(field, raw, nil, func(_ string, v json.RawMessage) error {
		id, err := parseID(field, v)
		if err != nil {
			return err
		}
		if id != "" {
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

// parseOrderStatuses reads GET /v1/orders[/{id}] leniently: an array or keyed
// object of entries, a bare single entry, or key → scalar status. Entries
// without a usable status are skipped and reported in skipped.
func parseOrderStatuses(raw json.RawMessage) (out []OrderStatus, skipped []string, err error) {
	if isEmptySpelling(raw) {
		return nil, nil, nil
	}
	if kind(raw) == '{' {
		if m, _ := objectFields(raw); m != nil {
			if _, ok := m["status"]; ok {
				raw = json.RawMessage("[" + string(raw) + "]")
			}
		}
	}
	err = eachEntry("orders", raw, nil, func(key string, v json.RawMessage) error {
		var st OrderStatus
		st.Raw = append(json.RawMessage(nil), v...)
		switch k := kind(v); {
		case k == '{':
			f, _ := objectFields(v)
			id, err := parseID("idordershop", f["idordershop"])
			if err != nil {
				return err
			}
			if id == "" {
				id = key
			}
			st.IDOrderShop = id
			s, err := parseID("status", f["status"])
			if err != nil || s == "" {
				skipped = append(skipped, id)
				return nil
			}
			st.Status = s
		case k == '"' || k == '-' || (k >= '0' && k <= '9'):
			s, err := parseID("status", v)
			if err != nil || s == "" {
				skipped = append(skipped, key)
				return nil
			}
			st.IDOrderShop, st.Status = key, s
		default:
			return fieldErr("orders", "entry %s is %s", key, kindName(k))
		}
		out = append(out, st)
		return nil
	})
	return out, skipped, err
}
