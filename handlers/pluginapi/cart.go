package pluginapi

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

// checkCart decodes Shopgate's cart, lets the adapter check it and encodes
// the verdicts (docs/protocol/cart.md#check_cart). The four list keys are
// always present. A cart that is not a key/value structure is 31
// (docs/protocol/plugin-api.md#decision-check_cart-cart-that-is-not-a-structure).
func (h *Handler) checkCart(r *request) (payload, error) {
	if r.Empty("cart") {
		return nil, shopgate.NewAPIError(shopgate.CodeNoCart, "")
	}
	raw := r.Map("cart")
	if raw == nil {
		return nil, shopgate.NewAPIError(shopgate.CodeNoCart, "cart is not a structure")
	}
	if h.cfg.Cart == nil {
		return nil, errNoAdapter("cart")
	}
	cart, rawItems := decodeCart(raw)
	cart.Language = r.String("language")
	res, err := h.cfg.Cart.CheckCart(r.Ctx, r.Shop, cart)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, shopgate.NewAPIError(shopgate.CodeWrongResponseFormat, "no cart result returned")
	}
	if err := h.runCartHooks(r.Ctx, r.Shop, cart, res); err != nil {
		return nil, err
	}
	return encodeCartResult(res, cart, rawItems), nil
}

// checkStock returns the stock of the requested items
// (docs/protocol/cart.md#check_stock). Items that are not a list of
// structures are 42
// (docs/protocol/plugin-api.md#decision-check_stock-items-that-are-not-structures).
func (h *Handler) checkStock(r *request) (payload, error) {
	raw, ok := r.List("items")
	if r.Empty("items") || !ok {
		return nil, shopgate.NewAPIError(shopgate.CodeNoItems, "")
	}
	if h.cfg.Cart == nil {
		return nil, errNoAdapter("cart")
	}
	items := make([]adapters.CartItem, 0, len(raw))
	rawItems := make([]map[string]any, 0, len(raw))
	for _, e := range raw {
		m, isMap := e.(map[string]any)
		if !isMap {
			return nil, shopgate.NewAPIError(shopgate.CodeNoItems, "item is not a structure")
		}
		items = append(items, decodeCartItem(m))
		rawItems = append(rawItems, m)
	}
	res, err := h.cfg.Cart.CheckStock(r.Ctx, r.Shop, items)
	if err != nil {
		return nil, err
	}
	out := make([]wireStockItem, 0, len(res))
	for i, v := range res {
		w := wireStockItem{ItemNumber: v.ItemNumber, IsBuyable: flag(v.IsBuyable), StockQuantity: v.StockQuantity}
		w.Error, w.ErrorText = itemError(v)
		w.Options, w.Inputs, w.Attributes = echoLists(rawItems, i)
		out = append(out, w)
	}
	return payload{{"items", out}}, nil
}

// decodeCart turns the cart parameter into the typed cart; it also
// returns the raw items (their option lists are echoed unchanged).
func decodeCart(m map[string]any) (*adapters.Cart, []map[string]any) {
	c := &adapters.Cart{
		CustomerNumber:          scalar(m["customer_number"]),
		ExternalCustomerID:      scalar(m["external_customer_id"]),
		ExternalCustomerNumber:  scalar(m["external_customer_number"]),
		ExternalCustomerGroupID: scalar(m["external_customer_group_id"]),
		Mail:                    scalar(m["mail"]),
		Currency:                scalar(m["currency"]),
		InternalCartInfo:        scalar(m["internal_cart_info"]),
		PaymentMethod:           scalar(m["payment_method"]),
		ShippingGroup:           scalar(m["shipping_group"]),
		ShippingType:            scalar(m["shipping_type"]),
		InvoiceAddress:          decodeCartAddress(m["invoice_address"]),
		DeliveryAddress:         decodeCartAddress(m["delivery_address"]),
	}
	list, _ := asList(m["items"])
	raws := make([]map[string]any, 0, len(list))
	for _, e := range list {
		im, _ := e.(map[string]any)
		if im == nil {
			im = map[string]any{}
		}
		c.Items = append(c.Items, decodeCartItem(im))
		raws = append(raws, im)
	}
	coupons, _ := asList(m["external_coupons"])
	for _, e := range coupons {
		cm, _ := e.(map[string]any)
		c.Coupons = append(c.Coupons, adapters.CartCoupon{Code: strings.TrimSpace(scalar(cm["code"]))})
	}
	return c, raws
}

func decodeCartAddress(v any) *adapters.CartAddress {
	m, _ := v.(map[string]any)
	if len(m) == 0 {
		return nil
	}
	return &adapters.CartAddress{
		FirstName: scalar(m["first_name"]), LastName: scalar(m["last_name"]), Company: scalar(m["company"]),
		Street1: scalar(m["street_1"]), Street2: scalar(m["street_2"]), Zipcode: scalar(m["zipcode"]),
		City: scalar(m["city"]), Country: strings.ToUpper(strings.TrimSpace(scalar(m["country"]))),
		State: scalar(m["state"]),
	}
}

// decodeCartItem reads one item; a missing or invalid quantity is 1.
func decodeCartItem(m map[string]any) adapters.CartItem {
	it := adapters.CartItem{ItemNumber: scalar(m["item_number"]), Quantity: 1,
		InternalOrderInfo: scalar(m["internal_order_info"])}
	if n, err := strconv.Atoi(strings.TrimSpace(scalar(m["quantity"]))); err == nil && n > 0 {
		it.Quantity = n
	}
	if d, err := decimal.NewFromString(strings.TrimSpace(scalar(m["unit_amount_with_tax"]))); err == nil {
		it.UnitAmountWithTax = decimal.NewNullDecimal(d)
	}
	opts, _ := asList(m["options"])
	for _, e := range opts {
		om, _ := e.(map[string]any)
		it.Options = append(it.Options, adapters.CartItemOption{OptionNumber: scalar(om["option_number"]),
			ValueNumber: scalar(om["value_number"]), Name: scalar(om["name"]), Value: scalar(om["value"])})
	}
	inputs, _ := asList(m["inputs"])
	for _, e := range inputs {
		im, _ := e.(map[string]any)
		it.Inputs = append(it.Inputs, adapters.CartItemInput{InputNumber: scalar(im["input_number"]),
			Type: scalar(im["type"]), Label: scalar(im["label"]), UserInput: scalar(im["user_input"])})
	}
	attrs, _ := asList(m["attributes"])
	for _, e := range attrs {
		am, _ := e.(map[string]any)
		it.Attributes = append(it.Attributes, adapters.CartItemAttribute{Name: scalar(am["name"]), Value: scalar(am["value"])})
	}
	return it
}

// scalar is a parameter leaf as a string ("" for structures and nil).
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	}
	return ""
}

// Wire shapes of the answers (docs/protocol/cart.md). Pointers are sent as
// null when nil.
type (
	wireCartItem struct {
		ItemNumber        string       `json:"item_number"`
		IsBuyable         int          `json:"is_buyable"`
		QtyBuyable        int          `json:"qty_buyable"`
		StockQuantity     int          `json:"stock_quantity"`
		UnitAmount        *json.Number `json:"unit_amount"`
		UnitAmountWithTax *json.Number `json:"unit_amount_with_tax"`
		Error             *int         `json:"error"`
		ErrorText         *string      `json:"error_text"`
		Options           []any        `json:"options"`
		Inputs            []any        `json:"inputs"`
		Attributes        []any        `json:"attributes"`
	}
	wireStockItem struct {
		ItemNumber    string  `json:"item_number"`
		IsBuyable     int     `json:"is_buyable"`
		StockQuantity int     `json:"stock_quantity"`
		Error         *int    `json:"error"`
		ErrorText     *string `json:"error_text"`
		Options       []any   `json:"options"`
		Inputs        []any   `json:"inputs"`
		Attributes    []any   `json:"attributes"`
	}
	wireCoupon struct {
		Code            string       `json:"code"`
		Name            *string      `json:"name"`
		Description     *string      `json:"description"`
		Amount          *json.Number `json:"amount"`
		AmountNet       *json.Number `json:"amount_net"`
		AmountGross     *json.Number `json:"amount_gross"`
		TaxType         string       `json:"tax_type"`
		Currency        string       `json:"currency"`
		IsFreeShipping  *int         `json:"is_free_shipping"`
		InternalInfo    *string      `json:"internal_info"`
		IsValid         int          `json:"is_valid"`
		NotValidMessage *string      `json:"not_valid_message"`
	}
	wireShipping struct {
		ID                   string      `json:"id"`
		Title                string      `json:"title"`
		ShippingGroup        string      `json:"shipping_group"`
		Description          string      `json:"description"`
		SortOrder            int         `json:"sort_order"`
		Amount               json.Number `json:"amount"`
		AmountWithTax        json.Number `json:"amount_with_tax"`
		TaxClass             *string     `json:"tax_class"`
		TaxPercent           json.Number `json:"tax_percent"`
		InternalShippingInfo *string     `json:"internal_shipping_info"`
	}
	wirePayment struct {
		ID            string       `json:"id"`
		Amount        json.Number  `json:"amount"`
		AmountWithTax json.Number  `json:"amount_with_tax"`
		TaxClass      *string      `json:"tax_class"`
		TaxPercent    *json.Number `json:"tax_percent"`
	}
	wireGroupRef struct {
		ID string `json:"id"`
	}
	wireCartCustomer struct {
		TaxClassKey *string        `json:"customer_tax_class_key"`
		Groups      []wireGroupRef `json:"customer_groups"`
	}
)

// encodeCartResult builds the check_cart payload.
func encodeCartResult(res *adapters.CartResult, cart *adapters.Cart, rawItems []map[string]any) payload {
	currency := res.Currency
	if currency == "" {
		currency = cart.Currency
	}
	p := payload{{"internal_cart_info", nullString(res.InternalCartInfo)}, {"currency", currency}}
	if c := res.Customer; c != nil {
		wc := wireCartCustomer{TaxClassKey: nullString(c.TaxClassKey), Groups: []wireGroupRef{}}
		for _, g := range c.GroupIDs {
			wc.Groups = append(wc.Groups, wireGroupRef{g})
		}
		p = append(p, field{"customer", wc})
	}
	ships := make([]wireShipping, 0, len(res.ShippingMethods))
	for _, s := range res.ShippingMethods {
		ships = append(ships, wireShipping{ID: s.ID, Title: s.Title, ShippingGroup: s.ShippingGroup,
			Description: s.Description, SortOrder: s.SortOrder, Amount: money(s.Amount),
			AmountWithTax: money(s.AmountWithTax), TaxClass: nullString(s.TaxClass), TaxPercent: money(s.TaxPercent),
			InternalShippingInfo: nullString(s.InternalShippingInfo)})
	}
	pays := make([]wirePayment, 0, len(res.PaymentMethods))
	for _, m := range res.PaymentMethods {
		pays = append(pays, wirePayment{ID: m.ID, Amount: money(m.Amount), AmountWithTax: money(m.AmountWithTax),
			TaxClass: nullString(m.TaxClass), TaxPercent: nullMoney(m.TaxPercent)})
	}
	items := make([]wireCartItem, 0, len(res.Items))
	for i, v := range res.Items {
		w := wireCartItem{ItemNumber: v.ItemNumber, IsBuyable: flag(v.IsBuyable), QtyBuyable: v.QtyBuyable,
			StockQuantity: v.StockQuantity, UnitAmount: nullMoney(v.UnitAmount), UnitAmountWithTax: nullMoney(v.UnitAmountWithTax)}
		w.Error, w.ErrorText = itemError(v)
		w.Options, w.Inputs, w.Attributes = echoLists(rawItems, i)
		items = append(items, w)
	}
	coupons := make([]wireCoupon, 0, len(res.Coupons))
	for _, c := range res.Coupons {
		w := wireCoupon{Code: c.Code, Name: nullString(c.Name), Description: nullString(c.Description),
			AmountNet: nullMoney(c.AmountNet), AmountGross: nullMoney(c.AmountGross), TaxType: c.TaxType,
			Currency: c.Currency, InternalInfo: nullString(c.InternalInfo), IsValid: flag(c.IsValid),
			NotValidMessage: nullString(c.NotValidMessage)}
		if w.TaxType == "" {
			w.TaxType = "auto"
		}
		if w.Currency == "" {
			w.Currency = currency
		}
		if c.IsValid {
			f := flag(c.IsFreeShipping)
			w.IsFreeShipping = &f
		}
		coupons = append(coupons, w)
	}
	return append(p, field{"shipping_methods", ships}, field{"payment_methods", pays},
		field{"items", items}, field{"external_coupons", coupons})
}

// itemError is the error and error_text of a verdict (null when none; the
// standard text when the adapter gave none).
func itemError(v adapters.CartItemVerdict) (*int, *string) {
	if v.Error == 0 {
		return nil, nil
	}
	code, text := v.Error, v.ErrorText
	if text == "" {
		text, _ = shopgate.ErrorText(code)
	}
	return &code, &text
}

// echoLists returns the options, inputs and attributes of request item i
// unchanged (empty lists when absent).
func echoLists(raw []map[string]any, i int) (opts, inputs, attrs []any) {
	list := func(k string) []any {
		if i >= len(raw) {
			return []any{}
		}
		l, _ := asList(raw[i][k])
		if l == nil {
			return []any{}
		}
		return l
	}
	return list("options"), list("inputs"), list("attributes")
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// money encodes a decimal as a JSON number without trailing zeros.
func money(d decimal.Decimal) json.Number {
	if d.Exponent() >= -4 {
		// Already at most 4 decimals: Round(4) would only rescale (String
		// trims trailing zeros either way).
		return json.Number(d.String())
	}
	return json.Number(d.Round(4).String())
}

func nullMoney(d decimal.NullDecimal) *json.Number {
	if !d.Valid {
		return nil
	}
	n := money(d.Decimal)
	return &n
}
