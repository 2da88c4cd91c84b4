package gormcart

import (
	"context"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

// coupon is a coupon row.
type coupon struct {
	key, code, name, description  string
	active, percent, freeShipping bool
	value, minAmount              decimal.Decimal
	from, until                   time.Time
	hasFrom, hasUntil             bool
	maxPerCustomer                int
	products                      map[string]bool // restriction; nil: all
}

// coupons checks the external coupons of a cart; the second result says
// that a valid coupon grants free shipping.
func (q *queries) coupons(ctx context.Context, now time.Time, cart *adapters.Cart, lines []line, total decimal.Decimal,
	currency string, msgs Messages) ([]adapters.CouponVerdict, bool, error) {
	if len(cart.Coupons) == 0 {
		return nil, false, nil
	}
	byCode := map[string]*coupon{}
	if q.couponsSQL != "" {
		codes := make([]string, 0, len(cart.Coupons))
		for _, c := range cart.Coupons {
			codes = append(codes, strings.ToUpper(c.Code))
		}
		rows, err := query(ctx, q.cfg.DB, q.couponsSQL, q.lists.strings(codes))
		if err != nil {
			return nil, false, shopgate.DatabaseError("load coupons", err)
		}
		byKey := map[string]*coupon{}
		for _, r := range rows {
			cp := &coupon{key: str(r[0]), code: str(r[1]), active: r[2] == nil || boolean(r[2]), name: str(r[3]),
				description: str(r[4]), percent: strings.EqualFold(str(r[5]), "percent"), freeShipping: boolean(r[10])}
			cp.value, _ = dec(r[6])
			cp.from, cp.hasFrom = timestamp(r[7])
			cp.until, cp.hasUntil = timestamp(r[8])
			cp.minAmount, _ = dec(r[9])
			cp.maxPerCustomer, _ = integer(r[11])
			byCode[strings.ToUpper(cp.code)] = cp
			byKey[cp.key] = cp
			if q.folded && len(r) > 12 {
				prods, err := jsonRows(r[12])
				if err != nil {
					return nil, false, shopgate.DatabaseError("load coupon products", err)
				}
				for _, pr := range prods {
					if len(pr) > 0 {
						cp.addProduct(str(pr[0]))
					}
				}
			}
		}
		if q.couponProds != "" && len(byKey) > 0 {
			keys := make([]string, 0, len(byKey))
			for k := range byKey {
				keys = append(keys, k)
			}
			rows, err := query(ctx, q.cfg.DB, q.couponProds, keyArgs(keys))
			if err != nil {
				return nil, false, shopgate.DatabaseError("load coupon products", err)
			}
			for _, r := range rows {
				if cp := byKey[str(r[0])]; cp != nil {
					cp.addProduct(str(r[1]))
				}
			}
		}
	}
	free := false
	out := make([]adapters.CouponVerdict, 0, len(cart.Coupons))
	for _, in := range cart.Coupons {
		cp := byCode[strings.ToUpper(in.Code)]
		v, err := q.couponVerdict(ctx, now, cart, in.Code, cp, lines, total, msgs)
		if err != nil {
			return nil, false, err
		}
		v.Currency = currency
		free = free || (v.IsValid && v.IsFreeShipping)
		out = append(out, v)
	}
	return out, free, nil
}

// addProduct restricts the coupon to the product key k.
func (cp *coupon) addProduct(k string) {
	if cp.products == nil {
		cp.products = map[string]bool{}
	}
	cp.products[k] = true
}

func (q *queries) couponVerdict(ctx context.Context, now time.Time, cart *adapters.Cart, code string, cp *coupon,
	lines []line, total decimal.Decimal, msgs Messages) (adapters.CouponVerdict, error) {
	v := adapters.CouponVerdict{Code: code, TaxType: "auto"}
	invalid := func(msg string) (adapters.CouponVerdict, error) {
		v.NotValidMessage = msg
		return v, nil
	}
	switch {
	case cp == nil || !cp.active:
		return invalid(msgs.CouponUnknown)
	case cp.hasFrom && now.Before(cp.from):
		return invalid(msgs.CouponNotYetValid)
	case cp.hasUntil && now.After(cp.until):
		return invalid(msgs.CouponExpired)
	}
	base, baseNet := total, decimal.Zero
	for _, l := range lines {
		if cp.products != nil && (l.p == nil || !cp.products[l.p.key]) {
			continue
		}
		baseNet = baseNet.Add(l.net)
	}
	if cp.products != nil {
		base = decimal.Zero
		for _, l := range lines {
			if l.p != nil && cp.products[l.p.key] {
				base = base.Add(l.gross)
			}
		}
		if base.IsZero() {
			return invalid(msgs.CouponProducts)
		}
	}
	if cp.minAmount.IsPositive() && base.LessThan(cp.minAmount) {
		return invalid(format(msgs.CouponMinAmount, cp.minAmount.StringFixed(2)+" "+cart.Currency))
	}
	if cp.maxPerCustomer > 0 {
		if cart.ExternalCustomerID == "" {
			return invalid(msgs.CouponLogin)
		}
		rows, err := query(ctx, q.cfg.DB, q.redemptions, strings.ToUpper(cp.code), cart.ExternalCustomerID)
		if err != nil {
			return v, shopgate.DatabaseError("count coupon uses", err)
		}
		if n, _ := integer(rows[0][0]); n >= cp.maxPerCustomer {
			return invalid(msgs.CouponUsed)
		}
	}
	discount := cp.value
	if cp.percent {
		discount = base.Mul(cp.value).Div(hundred).Round(2)
	}
	if discount.GreaterThan(base) {
		discount = base
	}
	net := discount
	if base.IsPositive() {
		net = discount.Mul(baseNet).Div(base).Round(2)
	}
	v.Name, v.Description = cp.name, cp.description
	if v.Name == "" {
		v.Name = cp.code
	}
	v.AmountGross, v.AmountNet = decimal.NewNullDecimal(discount), decimal.NewNullDecimal(net)
	v.IsValid, v.IsFreeShipping, v.InternalInfo = true, cp.freeShipping, cp.key
	return v, nil
}
