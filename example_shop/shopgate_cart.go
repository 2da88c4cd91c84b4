package main

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

// shopCart answers check_cart and check_stock from the shop's products,
// coupons and its fixed shipping and payment offer.
type shopCart struct{ a *App }

var _ adapters.Cart = shopCart{}

// Shipping offered to Shopgate carts (the storefront's checkout uses the
// same figures).
var (
	shopgateShippingGross = decimal.RequireFromString("4.90")
	shopgateShippingTax   = decimal.RequireFromString("19")
	freeShippingFrom      = decimal.RequireFromString("50")
)

// itemVerdict is the check of one requested item.
type itemVerdict struct {
	m        map[string]any
	gross    decimal.Decimal
	quantity int
}

// productForItem finds the product Shopgate means by an item number: the
// exported uid (the product id) or, failing that, the article number.
func productForItem(db *gorm.DB, itemNumber string) (*Product, error) {
	var p Product
	q := db.Preload("TaxClass")
	if id, err := strconv.ParseUint(itemNumber, 10, 64); err == nil {
		err := q.Where("id = ?", id).Take(&p).Error
		if err == nil {
			return &p, nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, err
		}
	}
	err := db.Preload("TaxClass").Where("number = ?", itemNumber).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &p, err
}

// checkItem builds the CartItem answer for one requested item.
func (s shopCart) checkItem(db *gorm.DB, item map[string]any) (itemVerdict, error) {
	num, _ := item["item_number"].(string)
	qty := 1
	if q, ok := item["quantity"].(string); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(q)); err == nil && n > 0 {
			qty = n
		}
	}
	m := map[string]any{"item_number": num, "options": listOr(item["options"]), "inputs": listOr(item["inputs"]),
		"attributes": listOr(item["attributes"]), "error": nil, "error_text": nil}
	p, err := productForItem(db, num)
	if err != nil {
		return itemVerdict{}, shopgate.DatabaseError("load product", err)
	}
	setErr := func(code int) {
		text, _ := shopgate.ErrorText(code)
		m["error"], m["error_text"] = code, text
	}
	if p == nil || !p.Active {
		m["is_buyable"], m["qty_buyable"], m["stock_quantity"] = 0, 0, 0
		setErr(shopgate.CodeCartItemProductNotFound)
		return itemVerdict{m: m}, nil
	}
	rate := p.TaxClass.Rate
	net := p.Price.Div(decimal.NewFromInt(1).Add(rate.Div(decimal.NewFromInt(100)))).Round(4)
	m["unit_amount"], m["unit_amount_with_tax"] = net.StringFixed(4), p.Price.StringFixed(4)
	m["stock_quantity"] = p.StockQuantity
	buyable := qty
	switch {
	case p.StockQuantity <= 0:
		buyable = 0
		m["is_buyable"] = 0
		setErr(shopgate.CodeCartItemOutOfStock)
	case p.StockQuantity < qty:
		buyable = p.StockQuantity
		m["is_buyable"] = 1
		setErr(shopgate.CodeCartItemQtyNotAvailable)
	default:
		m["is_buyable"] = 1
	}
	m["qty_buyable"] = buyable
	return itemVerdict{m: m, gross: p.Price.Mul(decimal.NewFromInt(int64(buyable))), quantity: buyable}, nil
}

func listOr(v any) any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{}
}

// CheckStock reports stock for each requested item.
func (s shopCart) CheckStock(ctx context.Context, _ adapters.Shop, items []map[string]any) ([]map[string]any, error) {
	db := s.a.DB.WithContext(ctx)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		v, err := s.checkItem(db, it)
		if err != nil {
			return nil, err
		}
		out = append(out, v.m)
	}
	return out, nil
}

// CheckCart validates items and external coupons and offers shipping and
// payment methods.
func (s shopCart) CheckCart(ctx context.Context, shop adapters.Shop, cart map[string]any) (map[string]any, error) {
	db := s.a.DB.WithContext(ctx)
	rawItems, _ := cart["items"].([]any)
	items := make([]any, 0, len(rawItems))
	total := decimal.Zero
	for _, raw := range rawItems {
		it, _ := raw.(map[string]any)
		v, err := s.checkItem(db, it)
		if err != nil {
			return nil, err
		}
		items = append(items, v.m)
		total = total.Add(v.gross)
	}
	currency := shop.Currency
	coupons := []any{}
	freeShipping := total.GreaterThanOrEqual(freeShippingFrom)
	rawCoupons, _ := cart["external_coupons"].([]any)
	for _, raw := range rawCoupons {
		c, _ := raw.(map[string]any)
		verdict, free, err := s.checkCoupon(db, c, total, currency)
		if err != nil {
			return nil, err
		}
		freeShipping = freeShipping || free
		coupons = append(coupons, verdict)
	}
	ship := shopgateShippingGross
	if freeShipping {
		ship = decimal.Zero
	}
	shipNet := ship.Div(decimal.NewFromInt(1).Add(shopgateShippingTax.Div(decimal.NewFromInt(100)))).Round(4)
	return map[string]any{
		"internal_cart_info": nil,
		"currency":           currency,
		"shipping_methods": []any{map[string]any{
			"id": "standard", "title": "Standard shipping", "shipping_group": "DHL", "description": "2-3 working days",
			"sort_order": 1, "amount": shipNet.StringFixed(4), "amount_with_tax": ship.StringFixed(4),
			"tax_class": "Standard", "tax_percent": shopgateShippingTax.StringFixed(2), "internal_shipping_info": "standard",
		}},
		"payment_methods": []any{
			map[string]any{"id": "PREPAY", "amount": "0.0000", "amount_with_tax": "0.0000", "tax_class": "Standard", "tax_percent": "19.00"},
			map[string]any{"id": "INVOICE", "amount": "0.0000", "amount_with_tax": "0.0000", "tax_class": "Standard", "tax_percent": "19.00"},
		},
		"items":            items,
		"external_coupons": coupons,
	}, nil
}

// checkCoupon validates one external coupon against the shop's coupons.
func (s shopCart) checkCoupon(db *gorm.DB, c map[string]any, itemsTotal decimal.Decimal, currency string) (map[string]any, bool, error) {
	code, _ := c["code"].(string)
	out := map[string]any{"code": code, "name": code, "description": "", "amount": "0.00", "amount_net": "0.00",
		"amount_gross": "0.00", "tax_type": "auto", "currency": currency, "is_free_shipping": 0,
		"internal_info": "", "is_valid": 0, "not_valid_message": ""}
	var cp Coupon
	err := db.Where("UPPER(code) = ? AND active = ?", strings.ToUpper(strings.TrimSpace(code)), true).Take(&cp).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && cp.ValidUntil != nil && cp.ValidUntil.Before(time.Now())) {
		text, _ := shopgate.ErrorText(shopgate.CodeCouponCodeNotValid)
		out["not_valid_message"] = text
		return out, false, nil
	}
	if err != nil {
		return nil, false, shopgate.DatabaseError("load coupon", err)
	}
	if cp.MinOrderAmount.IsPositive() && itemsTotal.LessThan(cp.MinOrderAmount) {
		text, _ := shopgate.ErrorText(shopgate.CodeCouponInvalidProduct)
		out["not_valid_message"] = text + ": minimum order amount " + cp.MinOrderAmount.StringFixed(2)
		return out, false, nil
	}
	discount := cp.Value
	if cp.Kind == CouponPercent {
		discount = itemsTotal.Mul(cp.Value).Div(decimal.NewFromInt(100)).Round(2)
	}
	if discount.GreaterThan(itemsTotal) {
		discount = itemsTotal
	}
	net := discount.Div(decimal.RequireFromString("1.19")).Round(2)
	out["name"], out["description"] = cp.Code, cp.Description
	out["amount"], out["amount_gross"], out["amount_net"] = discount.StringFixed(2), discount.StringFixed(2), net.StringFixed(2)
	out["is_valid"], out["is_free_shipping"] = 1, b01(cp.FreeShipping)
	out["internal_info"] = strconv.Itoa(int(cp.ID))
	return out, cp.FreeShipping, nil
}
