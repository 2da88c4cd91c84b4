package gormcart

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

// Taxes maps the host's tax rules for check_cart: the rate of a line,
// a shipping method or a payment fee follows the tax class, the buyer's
// customer tax class and the delivery country
// (docs/protocol/cart.md#taxes-by-destination). Give it the very values
// SettingsConfig gets, so check_cart charges what get_settings tells
// Shopgate.
type Taxes struct {
	// ProductTaxClasses translate the class ids of TaxRates into the keys
	// the products (Items.Fields.TaxClass), Shipping.TaxClass and
	// Payments.TaxClass answer. Required (From, ID, Key).
	ProductTaxClasses *TaxClasses
	// CustomerTaxClasses translate TaxRates.CustomerTaxClass ids into
	// keys; the one with IsDefault is the class of guests and of
	// customers without one. nil: ids are compared as keys, no default.
	CustomerTaxClasses *TaxClasses
	// TaxRates are the rates per class and country. Required (From,
	// Percent, Country, ProductTaxClass).
	TaxRates *TaxRates
}

// validate checks the mapping at build time.
func (t *Taxes) validate() error {
	if t == nil {
		return nil
	}
	if p := t.ProductTaxClasses; p == nil || p.From == "" || p.ID == "" || p.Key == "" {
		return errors.New("gormcart: Taxes needs ProductTaxClasses with From, ID and Key")
	}
	if c := t.CustomerTaxClasses; c != nil && (c.From == "" || c.ID == "" || c.Key == "") {
		return errors.New("gormcart: Taxes.CustomerTaxClasses needs From, ID and Key")
	}
	if r := t.TaxRates; r == nil || r.From == "" || r.Percent == "" || r.Country == "" || r.ProductTaxClass == "" {
		return errors.New("gormcart: Taxes needs TaxRates with From, Percent, Country and ProductTaxClass")
	}
	return nil
}

// taxRules reads the host's tax tables of one marketplace into memory
// and keeps them for the cache TTL; nil: no rules are mapped.
type taxRules struct {
	db    *gorm.DB
	sql   string    // one statement: classes, customer classes and rates
	cache *rowCache // the marketplace's cache of shipping and payment rows
}

// newTaxRules builds the statement that reads t (nil: none). The three
// tables are read with one UNION ALL of text columns: kind, id, key or
// class, flag or customer class, percent, country, state.
func newTaxRules(db *gorm.DB, t *Taxes, cache *rowCache) *taxRules {
	if t == nil {
		return nil
	}
	txt := func(e string) string {
		if e == "" {
			return "CAST(NULL AS TEXT)"
		}
		return "CAST(" + e + " AS TEXT)"
	}
	flag := func(e string) string {
		if e == "" {
			return "'0'"
		}
		return "CASE WHEN (" + e + ") THEN '1' ELSE '0' END"
	}
	null := txt("")
	pc := t.ProductTaxClasses
	parts := []string{selectSQL(pc.From, pc.Where, "'p'", txt(pc.ID), txt(pc.Key), "'0'", null, null, null, null)}
	if cc := t.CustomerTaxClasses; cc != nil {
		parts = append(parts, selectSQL(cc.From, cc.Where, "'c'", txt(cc.ID), txt(cc.Key), flag(cc.IsDefault), null, null, null, null))
	}
	r := t.TaxRates
	parts = append(parts, selectSQL(r.From, r.Where, "'r'", txt(r.ID), txt(r.ProductTaxClass), txt(r.CustomerTaxClass),
		txt(r.Percent), txt("UPPER("+r.Country+")"), txt(r.State), txt(r.ID)))
	return &taxRules{db: db, sql: strings.Join(parts, " UNION ALL "), cache: cache}
}

// taxTable is the host's tax rules in memory.
type taxTable struct {
	// rates are the rates per product class key and country, in the
	// order of their ids.
	rates map[taxKey][]taxRate
	// governed are the product class keys that have at least one rate.
	governed map[string]bool
	// defaultCustomer is the customer tax class of guests.
	defaultCustomer string
}

// taxKey is a product class key and a country.
type taxKey struct{ class, country string }

type taxRate struct {
	customer string // customer class key; "": every customer class
	state    string // upper case; "": the whole country
	percent  decimal.Decimal
}

// get returns the table, reading it when the cached one is older than
// the TTL (docs/protocol/cart.md#cached-shipping-and-payment-rows).
func (r *taxRules) get(ctx context.Context) (*taxTable, error) {
	return cached(r.cache, "taxes", func() (*taxTable, error) {
		rows, err := query(ctx, r.db, r.sql)
		if err != nil {
			return nil, shopgate.DatabaseError("load tax rules", err)
		}
		return buildTaxTable(rows), nil
	})
}

// buildTaxTable indexes the rows of taxRules.sql.
func buildTaxTable(rows []row) *taxTable {
	productKey, customerKey := map[string]string{}, map[string]string{}
	t := &taxTable{rates: map[taxKey][]taxRate{}, governed: map[string]bool{}}
	type sorted struct {
		class, country, id string
		rate               taxRate
	}
	var rates []sorted
	for _, r := range rows {
		if len(r) < 8 {
			continue
		}
		switch str(r[0]) {
		case "p":
			productKey[str(r[1])] = str(r[2])
		case "c":
			customerKey[str(r[1])] = str(r[2])
			if str(r[3]) == "1" && t.defaultCustomer == "" {
				t.defaultCustomer = str(r[2])
			}
		case "r":
			pct, ok := dec(r[4])
			country := str(r[5])
			if !ok || country == "" {
				continue
			}
			rates = append(rates, sorted{class: str(r[2]), country: country, id: str(r[7]),
				rate: taxRate{customer: str(r[3]), state: strings.ToUpper(strings.TrimSpace(str(r[6]))), percent: pct}})
		}
	}
	sort.SliceStable(rates, func(i, j int) bool { return idLess(rates[i].id, rates[j].id) })
	for _, s := range rates {
		key, ok := productKey[s.class]
		if !ok {
			continue
		}
		if s.rate.customer != "" && len(customerKey) > 0 {
			if k, ok := customerKey[s.rate.customer]; ok {
				s.rate.customer = k
			}
		}
		t.governed[key] = true
		k := taxKey{key, s.country}
		t.rates[k] = append(t.rates[k], s.rate)
	}
	return t
}

// idLess orders ids numerically when both are integers, else as text.
func idLess(a, b string) bool {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return x < y
	}
	return a < b
}

// cartTax is the tax situation of one cart: the rules, the buyer's
// customer tax class and the destination. A nil *cartTax changes
// nothing (no rules mapped: every rate stays the mapping's fixed one).
type cartTax struct {
	t                        *taxTable
	customer, country, state string
}

// forCart returns the tax situation of a cart to country (upper case)
// and state for the customer cust (nil: a guest); nil when no rules are
// mapped.
func (r *taxRules) forCart(ctx context.Context, cust *adapters.CartCustomer, country, state string) (*cartTax, error) {
	if r == nil {
		return nil, nil
	}
	t, err := r.get(ctx)
	if err != nil {
		return nil, err
	}
	c := &cartTax{t: t, customer: t.defaultCustomer, country: country, state: strings.ToUpper(strings.TrimSpace(state))}
	if cust != nil && cust.TaxClassKey != "" {
		c.customer = cust.TaxClassKey
	}
	return c, nil
}

// cartState is the state of the address the cart's country comes from
// (docs/protocol/cart.md#shipping: delivery, else invoice address).
func cartState(cart *adapters.Cart) string {
	if a := cart.DeliveryAddress; a != nil && a.Country != "" {
		return a.State
	}
	if a := cart.InvoiceAddress; a != nil && a.Country != "" {
		return a.State
	}
	return ""
}

// rate is the percent the rules give for the product tax class key
// class; ok is false when the rules do not decide it (no rules, a class
// without any rate, or no rate for this country and customer class), and
// the fixed rate of the mapping stays
// (docs/protocol/cart.md#taxes-by-destination).
func (c *cartTax) rate(class string) (decimal.Decimal, bool) {
	if c == nil || class == "" || !c.t.governed[class] {
		return decimal.Zero, false
	}
	best, score := -1, -1
	rates := c.t.rates[taxKey{class, c.country}]
	for i, r := range rates {
		s := 0
		switch {
		case r.customer == "":
		case r.customer == c.customer:
			s += 2
		default:
			continue
		}
		switch {
		case r.state == "":
		case c.state != "" && (r.state == c.state || c.country+"-"+r.state == c.state):
			s++
		default:
			continue
		}
		if s > score {
			best, score = i, s
		}
	}
	if best < 0 {
		return decimal.Zero, false
	}
	return rates[best].percent, true
}

// apply sets the destination's rate on a copy of a product: the price
// type the host stores stays fixed (gross prices keep their gross, net
// ones their net) and the other amount follows the rate; at 0 % (a
// tax-free sale) a gross price is first reduced to its net at the fixed
// rate, which the buyer then pays
// (docs/protocol/cart.md#taxes-by-destination).
func (c *cartTax) apply(p *product) {
	pct, ok := c.rate(p.taxClass)
	if !ok || pct.Equal(p.taxPercent) {
		return
	}
	if pct.IsZero() && !p.net {
		f := p.factor
		p.price = p.price.DivRound(f, 2)
		if len(p.groupPrices) > 0 {
			gps := make([]groupPrice, len(p.groupPrices))
			for i, g := range p.groupPrices {
				g.price = g.price.DivRound(f, 2)
				gps[i] = g
			}
			p.groupPrices = gps
		}
		p.net = true
	}
	p.taxPercent = pct
	p.factor = one.Add(pct.Shift(-2))
}

// amounts returns the net and gross of a gross amount taxed at fixed
// percent when the destination's rate is pct: the gross stays, except
// at 0 %, where the buyer pays the net at the fixed rate.
func amounts(gross, fixed, pct decimal.Decimal) (net, withTax decimal.Decimal) {
	if pct.IsZero() {
		net = gross.DivRound(one.Add(fixed.Shift(-2)), 2)
		return net, net
	}
	return gross.DivRound(one.Add(pct.Shift(-2)), 2), gross
}

// shipping sets the destination's rate on the shipping methods.
func (c *cartTax) shipping(ms []adapters.ShippingMethod) {
	for i := range ms {
		m := &ms[i]
		if pct, ok := c.rate(m.TaxClass); ok && !pct.Equal(m.TaxPercent) {
			m.Amount, m.AmountWithTax = amounts(m.AmountWithTax, m.TaxPercent, pct)
			m.TaxPercent = pct
		}
	}
}

// payments sets the destination's rate on the payment fees. A fee
// without a tax class stays as it is.
func (c *cartTax) payments(ms []adapters.PaymentMethod) {
	for i := range ms {
		m := &ms[i]
		if pct, ok := c.rate(m.TaxClass); ok && !(m.TaxPercent.Valid && pct.Equal(m.TaxPercent.Decimal)) {
			m.Amount, m.AmountWithTax = amounts(m.AmountWithTax, m.TaxPercent.Decimal, pct)
			m.TaxPercent = decimal.NewNullDecimal(pct)
		}
	}
}
