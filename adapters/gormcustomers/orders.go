package gormcustomers

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

var hundred = decimal.NewFromInt(100)

// net returns the amount without tax of a gross amount, rounded to cents.
func net(gross, percent decimal.Decimal) decimal.Decimal {
	return gross.Div(decimal.NewFromInt(1).Add(percent.Div(hundred))).Round(2)
}

// CustomerOrders implements adapters.Customers: one query for the page of
// orders, one for their lines, one for translations and one for delivery
// notes, whatever the page size.
func (s *Store) CustomerOrders(ctx context.Context, shop adapters.Shop, q adapters.CustomerOrdersQuery) ([]adapters.ExternalOrder, error) {
	db := s.cfg.DB.WithContext(ctx)
	id, err := s.customerID(db, q.Token, true)
	if err != nil {
		return nil, err
	}
	o := s.cfg.Orders
	if o == nil {
		return []adapters.ExternalOrder{}, nil
	}
	f := o.Fields
	var sl sel
	number := f.Number
	if number == "" {
		number = o.Key
	}
	exprs := []string{o.Key, number, f.ShopgateNumber, o.CreatedAt, f.Status, f.Mail, f.Phone, f.Mobile, f.Currency,
		f.AmountComplete, f.IsPaid, f.PaymentMethod, f.PaymentTime, f.PaymentTransactionNumber, f.IsShipped, f.ShippedTime,
		f.ShippingAmount, f.ShippingTaxPercent, f.ShippingLabel, f.PaymentAmount, f.PaymentTaxPercent, f.PaymentLabel,
		f.CouponCode, f.CouponAmount, f.CouponFreeShipping}
	for _, e := range exprs {
		sl.add(e)
	}
	addrStart := len(sl.exprs)
	for _, a := range []*OrderAddress{o.InvoiceAddress, o.DeliveryAddress} {
		if a == nil {
			a = &OrderAddress{}
		}
		for _, e := range []string{a.FirstName, a.LastName, a.Gender, a.Company, a.Street1, a.Street2, a.Zipcode, a.City,
			a.Country, a.State, a.Phone, a.Mobile, a.Mail} {
			sl.add(e)
		}
	}
	where := o.Customer + " = ?"
	args := []any{id}
	if o.Where != "" {
		where += " AND (" + o.Where + ")"
	}
	if !q.From.IsZero() {
		where += " AND " + o.CreatedAt + " >= ?"
		args = append(args, q.From.UTC())
	}
	dir := "DESC"
	if q.Ascending {
		dir = "ASC"
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	query := fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s %s, %s %s LIMIT %d OFFSET %d",
		sl.list(), o.From, where, o.CreatedAt, dir, o.Key, dir, limit, max(q.Offset, 0))
	rows, err := db.Raw(query, args...).Rows()
	if err != nil {
		return nil, shopgate.DatabaseError("load orders", err)
	}
	defer rows.Close()
	out := []adapters.ExternalOrder{}
	var keys []any
	byKey := map[string]int{}
	currency := shop.Currency
	for rows.Next() {
		v, err := scanRow(rows, len(sl.exprs))
		if err != nil {
			return nil, shopgate.DatabaseError("load orders", err)
		}
		eo := adapters.ExternalOrder{
			ExternalOrderID: asString(v[0]), ExternalOrderNumber: asString(v[1]), OrderNumber: asString(v[2]),
			Mail: asString(v[5]), Phone: asString(v[6]), Mobile: asString(v[7]), Currency: asString(v[8]),
			AmountCompleteGross: asDecimal(v[9]), IsPaid: asBool(v[10]), PaymentMethod: asString(v[11]),
			PaymentTime: asTime(v[12]), PaymentTransactionNumber: asString(v[13]), IsShippingCompleted: asBool(v[14]),
			ShippingCompletedTime: asTime(v[15]), CustomFields: []adapters.CustomField{},
		}
		if eo.Currency == "" {
			eo.Currency = currency
		}
		if t := asTime(v[3]); t != nil {
			eo.CreatedTime = *t
		}
		status := asString(v[4])
		eo.StatusName, eo.StatusColor = s.statusName(status, q.Language, shop.Language), o.StatusColors[status]
		if amt := asDecimal(v[16]); !amt.IsZero() {
			eo.ExtraCosts = append(eo.ExtraCosts, adapters.ExtraCost{Type: adapters.ExtraCostShipping,
				TaxPercent: asDecimal(v[17]), Amount: amt, Label: asString(v[18])})
		}
		if amt := asDecimal(v[19]); !amt.IsZero() {
			eo.ExtraCosts = append(eo.ExtraCosts, adapters.ExtraCost{Type: adapters.ExtraCostPayment,
				TaxPercent: asDecimal(v[20]), Amount: amt, Label: asString(v[21])})
		}
		if code := asString(v[22]); code != "" {
			idx := 0
			eo.Coupons = append(eo.Coupons, adapters.OrderCoupon{Code: code, OrderIndex: &idx, Amount: asDecimal(v[23]).Abs(),
				Currency: eo.Currency, IsFreeShipping: asBool(v[24])})
		}
		eo.InvoiceAddress = orderAddress(o.InvoiceAddress, v[addrStart:addrStart+13], true)
		eo.DeliveryAddress = orderAddress(o.DeliveryAddress, v[addrStart+13:addrStart+26], false)
		byKey[eo.ExternalOrderID] = len(out)
		keys = append(keys, v[0])
		out = append(out, eo)
	}
	if err := rows.Err(); err != nil {
		return nil, shopgate.DatabaseError("load orders", err)
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	if err := s.orderItems(db, keys, byKey, out, q.Language); err != nil {
		return nil, err
	}
	if err := s.deliveryNotes(db, keys, byKey, out); err != nil {
		return nil, err
	}
	for i := range out {
		totals(&out[i])
	}
	return out, nil
}

// totals derives the net amounts and the tax breakdown from the lines,
// fees and coupons (docs/protocol/customers.md#order-taxes). Coupon
// discounts are gross amounts: each is split over the item tax rates in
// proportion to the rate's gross item total and lowers that rate's tax by
// the tax contained in its share, so that the net total plus the taxes is
// the gross total the buyer paid.
func totals(eo *adapters.ExternalOrder) {
	tax := map[string]*adapters.OrderTax{}
	add := func(percent, gross, netAmount decimal.Decimal) {
		if percent.IsZero() {
			return
		}
		k := percent.String()
		t := tax[k]
		if t == nil {
			t = &adapters.OrderTax{Label: percent.String() + "%", Percent: percent}
			tax[k] = t
		}
		t.Amount = t.Amount.Add(gross.Sub(netAmount))
	}
	// Gross item totals per rate, in a stable order for the split.
	type rate struct {
		percent, gross decimal.Decimal
	}
	var rates []*rate
	byPercent := map[string]*rate{}
	for _, it := range eo.Items {
		q := decimal.NewFromInt(int64(it.Quantity))
		gross := it.UnitAmountWithTax.Mul(q)
		eo.AmountItemsGross = eo.AmountItemsGross.Add(gross)
		eo.AmountItemsNet = eo.AmountItemsNet.Add(it.UnitAmount.Mul(q))
		add(it.TaxPercent, gross, it.UnitAmount.Mul(q))
		r := byPercent[it.TaxPercent.String()]
		if r == nil {
			r = &rate{percent: it.TaxPercent}
			byPercent[it.TaxPercent.String()] = r
			rates = append(rates, r)
		}
		r.gross = r.gross.Add(gross)
	}
	for _, c := range eo.ExtraCosts {
		add(c.TaxPercent, c.Amount, net(c.Amount, c.TaxPercent))
	}
	discount := decimal.Zero
	for _, c := range eo.Coupons {
		discount = discount.Add(c.Amount.Abs())
	}
	if discount.GreaterThan(eo.AmountItemsGross) {
		discount = eo.AmountItemsGross
	}
	if discount.IsPositive() {
		sort.Slice(rates, func(i, j int) bool { return rates[i].percent.GreaterThan(rates[j].percent) })
		left := discount
		for i, r := range rates {
			share := left
			if i < len(rates)-1 {
				share = discount.Mul(r.gross).Div(eo.AmountItemsGross).Round(2)
				left = left.Sub(share)
			}
			add(r.percent, share.Neg(), net(share, r.percent).Neg())
		}
	}
	totalTax := decimal.Zero
	keys := make([]string, 0, len(tax))
	for k := range tax {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return tax[keys[i]].Percent.GreaterThan(tax[keys[j]].Percent) })
	for _, k := range keys {
		eo.Taxes = append(eo.Taxes, *tax[k])
		totalTax = totalTax.Add(tax[k].Amount)
	}
	eo.AmountCompleteNet = eo.AmountCompleteGross.Sub(totalTax)
}

func orderAddress(m *OrderAddress, v []any, invoice bool) *adapters.Address {
	if m == nil {
		return nil
	}
	a := &adapters.Address{IsInvoice: invoice, IsDelivery: !invoice, FirstName: asString(v[0]), LastName: asString(v[1]),
		Gender: asString(v[2]), Company: asString(v[3]), Street1: asString(v[4]), Street2: asString(v[5]),
		Zipcode: asString(v[6]), City: asString(v[7]), Country: asString(v[8]), State: asString(v[9]),
		Phone: asString(v[10]), Mobile: asString(v[11]), Mail: asString(v[12])}
	if a.LastName == "" && a.Street1 == "" && a.City == "" {
		return nil
	}
	return a
}

// statusName translates a status into the buyer's language.
func (s *Store) statusName(status, lang, shopLang string) string {
	names := s.cfg.Orders.StatusNames
	for _, l := range languageCandidates(lang, shopLang) {
		if t, ok := names[l][status]; ok {
			return t
		}
	}
	return status
}

// languageCandidates lists "de_DE", "de", then the shop's language.
func languageCandidates(lang, shopLang string) []string {
	var out []string
	for _, l := range []string{lang, shopLang} {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		out = append(out, l, strings.ToLower(l))
		if i := strings.IndexAny(l, "_-"); i > 0 {
			out = append(out, strings.ToLower(l[:i]))
		}
	}
	return out
}

func inList(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func (s *Store) orderItems(db *gorm.DB, keys []any, byKey map[string]int, out []adapters.ExternalOrder, lang string) error {
	it := s.cfg.Orders.Items
	var sl sel
	for _, e := range []string{it.Order, it.ItemNumber, it.ItemNumberPublic, it.Quantity, it.Name, it.UnitAmountWithTax,
		it.TaxPercent, it.Description, it.Product} {
		sl.add(e)
	}
	where := it.Order + " IN (" + inList(len(keys)) + ")"
	if it.Where != "" {
		where += " AND (" + it.Where + ")"
	}
	order := it.OrderBy
	if order == "" {
		order = it.Order
	}
	rows, err := db.Raw(fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s", sl.list(), it.From, where, order), keys...).Rows()
	if err != nil {
		return shopgate.DatabaseError("load order items", err)
	}
	defer rows.Close()
	type ref struct{ order, line int }
	products := map[string][]ref{}
	for rows.Next() {
		v, err := scanRow(rows, len(sl.exprs))
		if err != nil {
			return shopgate.DatabaseError("load order items", err)
		}
		i, ok := byKey[asString(v[0])]
		if !ok {
			continue
		}
		gross, percent := asDecimal(v[5]), asDecimal(v[6])
		line := adapters.ExternalOrderItem{ItemNumber: asString(v[1]), ItemNumberPublic: asString(v[2]), Quantity: asInt(v[3]),
			Name: asString(v[4]), UnitAmountWithTax: gross, TaxPercent: percent, UnitAmount: net(gross, percent),
			Description: asString(v[7]), Currency: out[i].Currency}
		out[i].Items = append(out[i].Items, line)
		if p := asString(v[8]); p != "" {
			products[p] = append(products[p], ref{i, len(out[i].Items) - 1})
		}
	}
	if err := rows.Err(); err != nil {
		return shopgate.DatabaseError("load order items", err)
	}
	rows.Close()
	tr := it.Translations
	if tr == nil || len(products) == 0 {
		return nil
	}
	cands := languageCandidates(lang, "")
	if len(cands) == 0 {
		return nil
	}
	pkeys := make([]any, 0, len(products))
	for k := range products {
		pkeys = append(pkeys, k)
	}
	langs := make([]any, 0, len(cands))
	for _, c := range cands {
		langs = append(langs, c)
	}
	q := fmt.Sprintf("SELECT %s, %s, %s, %s FROM %s WHERE %s IN (%s) AND %s IN (%s)", tr.Key, tr.Language, tr.Name,
		orNull(tr.Description), tr.From, tr.Language, inList(len(langs)), tr.Key, inList(len(pkeys)))
	trows, err := db.Raw(q, append(langs, pkeys...)...).Rows()
	if err != nil {
		return shopgate.DatabaseError("load translations", err)
	}
	defer trows.Close()
	rank := map[string]int{}
	for i, c := range cands {
		if _, ok := rank[c]; !ok {
			rank[c] = i
		}
	}
	best := map[string]int{}
	for trows.Next() {
		v, err := scanRow(trows, 4)
		if err != nil {
			return shopgate.DatabaseError("load translations", err)
		}
		p, l := asString(v[0]), asString(v[1])
		r, seen := best[p]
		if seen && r <= rank[l] {
			continue
		}
		best[p] = rank[l]
		for _, ref := range products[p] {
			line := &out[ref.order].Items[ref.line]
			if name := asString(v[2]); name != "" {
				line.Name = name
			}
			if d := asString(v[3]); d != "" {
				line.Description = d
			}
		}
	}
	return trows.Err()
}

func (s *Store) deliveryNotes(db *gorm.DB, keys []any, byKey map[string]int, out []adapters.ExternalOrder) error {
	d := s.cfg.Orders.DeliveryNotes
	if d == nil {
		return nil
	}
	var sl sel
	for _, e := range []string{d.Order, d.ServiceID, d.ServiceName, d.TrackingNumber, d.Time} {
		sl.add(e)
	}
	rows, err := db.Raw(fmt.Sprintf("SELECT %s FROM %s WHERE %s IN (%s) ORDER BY %s", sl.list(), d.From, d.Order,
		inList(len(keys)), d.Order), keys...).Rows()
	if err != nil {
		return shopgate.DatabaseError("load delivery notes", err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanRow(rows, 5)
		if err != nil {
			return shopgate.DatabaseError("load delivery notes", err)
		}
		i, ok := byKey[asString(v[0])]
		if !ok {
			continue
		}
		n := adapters.DeliveryNote{ServiceID: asString(v[1]), ServiceName: asString(v[2]), TrackingNumber: asString(v[3])}
		if t := asTime(v[4]); t != nil {
			n.Time = *t
		}
		out[i].DeliveryNotes = append(out[i].DeliveryNotes, n)
	}
	return rows.Err()
}
