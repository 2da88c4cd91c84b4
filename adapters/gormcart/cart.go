package gormcart

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
	"github.com/shopbridge/shopbridge/shopgate"
)

// Cart is an adapters.CartChecker on the host's tables. It is safe for
// concurrent use.
type Cart struct {
	cfg    Config
	msgs   map[string]Messages
	local  bool // the mapping has marketplace placeholders
	mu     sync.Mutex
	byShop map[string]*queries
	unfold bool // tests: never fold statements
}

var _ adapters.CartChecker = (*Cart)(nil)

// queries are the SQL statements of one marketplace.
type queries struct {
	cfg         Config
	items       string
	itemsByKey  string // items by integer key (when the uid is the key)
	groupPrices string
	customerSQL string
	couponsSQL  string
	couponProds string
	redemptions string
	shipping    string
	payments    string
	// folded: items carries each product's group prices and couponsSQL
	// each coupon's products as a JSON column (one statement each).
	folded bool
	cache  rowCache
	taxes  *taxRules // nil: fixed rates
	// itemsCust and itemsByKeyCust are items and itemsByKey with the
	// customer row (argument: the customer id) in column custCol; gpCol
	// is the column of the folded group prices (0: none).
	itemsCust      string
	itemsByKeyCust string
	gpCol, custCol int
	// lists passes the item numbers, keys and coupon codes.
	lists lists
}

// New returns a Cart for cfg; it checks the mapping and does not query the
// database.
func New(cfg Config) (*Cart, error) {
	if cfg.DB == nil {
		return nil, errors.New("gormcart: Config.DB is nil")
	}
	it := cfg.Items
	if it.From == "" || it.Key == "" || it.Fields.Name == "" {
		return nil, errors.New("gormcart: Items needs From, Key and Fields.Name")
	}
	if it.Fields.SalePrice == "" && it.Fields.Price == "" {
		return nil, errors.New("gormcart: Items needs Fields.SalePrice or Fields.Price")
	}
	if gp := cfg.GroupPrices; gp != nil && (gp.From == "" || gp.Product == "" || gp.Price == "") {
		return nil, errors.New("gormcart: GroupPrices needs From, Product and Price")
	}
	if c := cfg.Customers; c != nil && (c.From == "" || c.ID == "") {
		return nil, errors.New("gormcart: Customers needs From and ID")
	}
	if c := cfg.Coupons; c != nil {
		if c.From == "" || c.Key == "" || c.Code == "" || c.Kind == "" || c.Value == "" {
			return nil, errors.New("gormcart: Coupons needs From, Key, Code, Kind and Value")
		}
		if c.MaxPerCustomer != "" && c.Redemptions == nil {
			return nil, errors.New("gormcart: Coupons.MaxPerCustomer needs Coupons.Redemptions")
		}
	}
	if s := cfg.Shipping; s != nil && (s.From == "" || s.ID == "" || s.Country == "" || s.Price == "") {
		return nil, errors.New("gormcart: Shipping needs From, ID, Country and Price")
	}
	if p := cfg.Payments; p != nil && (p.From == "" || p.ID == "") {
		return nil, errors.New("gormcart: Payments needs From and ID")
	}
	if err := cfg.Taxes.validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Cart{cfg: cfg, msgs: map[string]Messages{}, byShop: map[string]*queries{}}
	for lang, m := range DefaultMessages {
		c.msgs[lang] = m
	}
	for lang, m := range cfg.Messages {
		d, ok := DefaultMessages[strings.ToLower(lang)]
		if !ok {
			d = DefaultMessages["en"]
		}
		c.msgs[strings.ToLower(lang)] = mergeMessages(m, d)
	}
	db := cfg.DB
	cfg.DB = nil
	c.local = gormcatalog.HasPlaceholders(cfg)
	c.cfg.DB = db
	return c, nil
}

// forShop returns the statements of shop's marketplace.
func (c *Cart) forShop(shop adapters.Shop) *queries {
	key := ""
	if c.local {
		key = strings.ToLower(shop.Language) + "/" + strings.ToUpper(shop.Currency)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if q, ok := c.byShop[key]; ok {
		return q
	}
	cfg := c.cfg
	if c.local {
		db := cfg.DB
		cfg.DB = nil
		cfg.Now, cfg.Validate = nil, nil
		cfg = gormcatalog.Localize(cfg, shop)
		cfg.DB, cfg.Now, cfg.Validate = db, c.cfg.Now, c.cfg.Validate
	}
	q := buildQueries(cfg, !c.unfold)
	c.byShop[key] = q
	return q
}

// buildQueries builds the statements of cfg; fold allows folding group
// prices and coupon products into the product and coupon statements.
func buildQueries(cfg Config, fold bool) *queries {
	q := &queries{cfg: cfg}
	q.cache.ttl = cfg.CacheTTL
	if q.cache.ttl == 0 {
		q.cache.ttl = DefaultCacheTTL
	}
	q.taxes = newTaxRules(cfg.DB, cfg.Taxes, &q.cache)
	jsonAgg, folded := jsonRowsFunc(cfg.DB)
	folded = folded && fold
	q.folded = folded
	it, f := cfg.Items, cfg.Items.Fields
	uid := it.UID
	if uid == "" {
		uid = it.Key
	}
	price := f.SalePrice
	if price == "" {
		price = f.Price
	}
	cols := []string{"CAST(" + uid + " AS TEXT)", it.Key, f.Name, f.TaxPercent, f.TaxClass, f.PriceType, price, f.StockQuantity,
		f.UseStock, f.Backorders, f.IsSaleable, f.MinimumOrderQuantity, f.MaximumOrderQuantity, f.Weight}
	q.lists = listsFor(cfg.DB)
	byUID, byKey := and(it.Where, q.lists.in("CAST("+uid+" AS TEXT)", "TEXT")), ""
	if it.UID == "" {
		// Comparing the key itself lets the database use its index.
		byKey = and(it.Where, q.lists.in(it.Key, ""))
	}
	// Folded, the products are a named subquery (so the host's aliases
	// cannot shadow them) and further columns carry each product's group
	// prices and, in check_cart, the buyer's customer row.
	var extra, withCustomer []string
	gp, cu := cfg.GroupPrices, cfg.Customers
	if gp != nil {
		if folded {
			q.gpCol = len(cols)
			extra = append(extra, jsonAgg(gp.From, and(gp.Where, gp.Product+" = sb_items.c1"), gp.Group, gp.MinQuantity, gp.Price))
		} else {
			q.groupPrices = selectSQL(gp.From, and(gp.Where, gp.Product+" IN ?"), gp.Product, gp.Group, gp.MinQuantity, gp.Price)
		}
	}
	if cu != nil && folded {
		q.custCol = len(cols) + len(extra)
		withCustomer = append(append(withCustomer, extra...),
			jsonAgg(cu.From, and(cu.Where, "CAST("+cu.ID+" AS TEXT) = ?"), cu.Group, cu.TaxClassKey))
	}
	items := func(where string, extra []string) string {
		if where == "" {
			return ""
		}
		if len(extra) == 0 {
			return selectSQL(it.From, where, cols...)
		}
		return "WITH sb_items AS (" + selectSQL(it.From, where, aliased(cols)...) + ") SELECT sb_items.*, " +
			strings.Join(extra, ", ") + " FROM sb_items"
	}
	q.items, q.itemsByKey = items(byUID, extra), items(byKey, extra)
	if withCustomer != nil {
		q.itemsCust, q.itemsByKeyCust = items(byUID, withCustomer), items(byKey, withCustomer)
	}
	if cu := cfg.Customers; cu != nil {
		q.customerSQL = selectSQL(cu.From, and(cu.Where, "CAST("+cu.ID+" AS TEXT) = ?"), cu.Group, cu.TaxClassKey)
	}
	if cp := cfg.Coupons; cp != nil {
		cols := []string{cp.Key, cp.Code, cp.Active, cp.Name, cp.Description,
			cp.Kind, cp.Value, cp.ValidFrom, cp.ValidUntil, cp.MinAmount, cp.FreeShipping, cp.MaxPerCustomer}
		byCode := q.lists.in("UPPER("+cp.Code+")", "TEXT")
		q.couponsSQL = selectSQL(cp.From, byCode, cols...)
		if p := cp.Products; p != nil {
			if folded {
				q.couponsSQL = "WITH sb_coupons AS (" + selectSQL(cp.From, byCode, aliased(cols)...) +
					") SELECT sb_coupons.*, " + jsonAgg(p.From, p.Coupon+" = sb_coupons.c0", p.Product) + " FROM sb_coupons"
			} else {
				q.couponProds = selectSQL(p.From, p.Coupon+" IN ?", p.Coupon, p.Product)
			}
		}
		if r := cp.Redemptions; r != nil {
			q.redemptions = selectSQL(r.From, and(r.Where, "UPPER("+r.Code+") = ?", "CAST("+r.Customer+" AS TEXT) = ?"), "COUNT(*)")
		}
	}
	if s := cfg.Shipping; s != nil {
		q.shipping = selectSQL(s.From, and(s.Where, "UPPER("+s.Country+") = ?"), s.ID, s.Title, s.Carrier, s.Description,
			s.SortOrder, s.Price, s.TaxPercent, s.TaxClass, s.FreeFrom, s.MinWeight, s.MaxWeight, s.MinAmount, s.MaxAmount)
		if s.SortOrder != "" {
			q.shipping += " ORDER BY " + s.SortOrder + ", " + s.ID
		} else {
			q.shipping += " ORDER BY " + s.ID
		}
	}
	if p := cfg.Payments; p != nil {
		q.payments = selectSQL(p.From, p.Where, p.ID, p.Fee, p.TaxPercent, p.TaxClass)
		if p.SortOrder != "" {
			q.payments += " ORDER BY " + p.SortOrder + ", " + p.ID
		} else {
			q.payments += " ORDER BY " + p.ID
		}
	}
	return q
}

// product is a product row.
type product struct {
	uid, key      string
	name          string
	taxPercent    decimal.Decimal
	taxClass      string
	net           bool // prices are net
	price         decimal.Decimal
	stock         int
	hasStock      bool
	useStock      bool
	backorders    bool
	saleable      bool
	minQ, maxQ    int
	weight        decimal.Decimal
	factor        decimal.Decimal // 1 + taxPercent/100
	groupPrices   []groupPrice
	gross, netAmt decimal.Decimal // current unit prices
}

type groupPrice struct {
	group string // "" for everyone
	minQ  int
	price decimal.Decimal
}

// products reads the products of items. With a customer id (check_cart)
// and a folding dialect, the same statement reads the customer: cust are
// its rows and custRead says they were read.
func (q *queries) products(ctx context.Context, items []adapters.CartItem, customerID string) (
	out map[string]*product, cust []row, custRead bool, err error) {
	uids := make([]string, 0, len(items))
	seen := map[string]bool{}
	for _, it := range items {
		if it.ItemNumber != "" && !seen[it.ItemNumber] {
			seen[it.ItemNumber] = true
			uids = append(uids, it.ItemNumber)
		}
	}
	out = map[string]*product{}
	if len(uids) == 0 {
		return out, nil, false, nil
	}
	withCust := customerID != "" && q.itemsCust != ""
	stmt, args := q.items, []any{q.lists.strings(uids)}
	if withCust {
		stmt = q.itemsCust
		args = append(args, customerID)
	}
	if ints, ok := intKeys(uids); ok && q.itemsByKey != "" {
		stmt, args[0] = q.itemsByKey, q.lists.keys(uids, ints)
		if withCust {
			stmt = q.itemsByKeyCust
		}
	}
	rows, err := query(ctx, q.cfg.DB, stmt, args...)
	if err != nil {
		return nil, nil, false, shopgate.DatabaseError("load products", err)
	}
	if withCust && len(rows) > 0 {
		if cust, err = jsonRows(rows[0][q.custCol]); err != nil {
			return nil, nil, false, shopgate.DatabaseError("load customer", err)
		}
		custRead = true
	}
	byKey := map[string]*product{}
	for _, r := range rows {
		p := &product{uid: str(r[0]), key: str(r[1]), name: str(r[2]), taxClass: str(r[4]),
			net: strings.EqualFold(str(r[5]), "net"), saleable: true}
		p.taxPercent, _ = dec(r[3])
		p.factor = one.Add(p.taxPercent.Shift(-2))
		p.price, _ = dec(r[6])
		p.stock, p.hasStock = integer(r[7])
		p.useStock = p.hasStock && (r[8] == nil || boolean(r[8]))
		p.backorders = boolean(r[9])
		if r[10] != nil {
			p.saleable = boolean(r[10])
		}
		p.minQ, _ = integer(r[11])
		p.maxQ, _ = integer(r[12])
		p.weight, _ = dec(r[13])
		out[p.uid] = p
		byKey[p.key] = p
		if q.gpCol > 0 {
			gps, err := jsonRows(r[q.gpCol])
			if err != nil {
				return nil, nil, false, shopgate.DatabaseError("load group prices", err)
			}
			for _, g := range gps {
				p.addGroupPrice(g)
			}
		}
	}
	if q.groupPrices != "" && len(byKey) > 0 {
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		rows, err := query(ctx, q.cfg.DB, q.groupPrices, keyArgs(keys))
		if err != nil {
			return nil, nil, false, shopgate.DatabaseError("load group prices", err)
		}
		for _, r := range rows {
			if p := byKey[str(r[0])]; p != nil {
				p.addGroupPrice(r[1:])
			}
		}
	}
	return out, cust, custRead, nil
}

// addGroupPrice adds a group price row (group, minimum quantity, price).
func (p *product) addGroupPrice(r row) {
	if len(r) < 3 {
		return
	}
	g := groupPrice{group: str(r[0]), minQ: 1}
	if n, ok := integer(r[1]); ok {
		g.minQ = n
	}
	var ok bool
	if g.price, ok = dec(r[2]); ok {
		p.groupPrices = append(p.groupPrices, g)
	}
}

var hundred, one = decimal.NewFromInt(100), decimal.NewFromInt(1)

// unitPrices returns the unit price (net, gross) for qty and the groups.
func (p *product) unitPrices(qty int, groups []string) (net, gross decimal.Decimal) {
	price := p.price
	for _, g := range p.groupPrices {
		if g.minQ > qty {
			continue
		}
		if g.group != "" && !contains(groups, g.group) {
			continue
		}
		if g.price.LessThan(price) {
			price = g.price
		}
	}
	factor := p.factor
	if p.net {
		return price, price.Mul(factor).Round(2)
	}
	return price.DivRound(factor, 2), price
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// verdict checks one item; withLimits applies minimum and maximum
// quantities (check_cart only).
func (p *product) verdict(it adapters.CartItem, groups []string, msgs Messages, withLimits bool) adapters.CartItemVerdict {
	v := adapters.CartItemVerdict{ItemNumber: it.ItemNumber}
	if p == nil {
		v.Error, v.ErrorText = adapters.ItemErrNotFound, msgs.NotFound
		return v
	}
	qty := it.Quantity
	if qty <= 0 {
		qty = 1
	}
	available := qty
	if p.useStock && !p.backorders {
		available = max(p.stock, 0)
	}
	if p.hasStock {
		v.StockQuantity = max(p.stock, 0)
	}
	net, gross := p.unitPrices(qty, groups)
	p.netAmt, p.gross = net, gross
	v.UnitAmount, v.UnitAmountWithTax = decimal.NewNullDecimal(net), decimal.NewNullDecimal(gross)
	v.IsBuyable, v.QtyBuyable = true, qty
	switch {
	case !p.saleable || available <= 0:
		v.IsBuyable, v.QtyBuyable = false, 0
		v.Error, v.ErrorText = adapters.ItemErrOutOfStock, msgs.OutOfStock
	case withLimits && p.minQ > 1 && qty < p.minQ:
		v.QtyBuyable = min(p.minQ, available)
		v.Error, v.ErrorText = adapters.ItemErrQtyBelowMinimum, format(msgs.BelowMinimum, p.minQ)
		if available < p.minQ {
			v.IsBuyable, v.QtyBuyable = false, 0
		}
	case withLimits && p.maxQ > 0 && qty > p.maxQ:
		v.QtyBuyable = min(p.maxQ, available)
		v.Error, v.ErrorText = adapters.ItemErrQtyAboveMaximum, format(msgs.AboveMaximum, p.maxQ)
	case available < qty:
		v.QtyBuyable = available
		v.Error, v.ErrorText = adapters.ItemErrQtyNotAvailable, format(msgs.QtyNotAvailable, available)
	}
	return v
}

// CheckStock reports the stock of each item (errors 300, 301, 302).
func (c *Cart) CheckStock(ctx context.Context, shop adapters.Shop, items []adapters.CartItem) ([]adapters.CartItemVerdict, error) {
	q := c.forShop(shop)
	ps, _, _, err := q.products(ctx, items, "")
	if err != nil {
		return nil, err
	}
	msgs := c.messages(shop.Language)
	out := make([]adapters.CartItemVerdict, 0, len(items))
	for _, it := range items {
		out = append(out, ps[it.ItemNumber].verdict(it, nil, msgs, false))
	}
	return out, nil
}

// CheckCart checks items, coupons, shipping and payment of a cart.
func (c *Cart) CheckCart(ctx context.Context, shop adapters.Shop, cart *adapters.Cart) (*adapters.CartResult, error) {
	q := c.forShop(shop)
	lang := shop.Language
	if cart.Language != "" {
		lang = cart.Language
	}
	msgs := c.messages(lang)
	res := &adapters.CartResult{Currency: shop.Currency, Items: make([]adapters.CartItemVerdict, 0, len(cart.Items))}
	customerID := ""
	if q.customerSQL != "" {
		customerID = cart.ExternalCustomerID
	}
	ps, custRows, custRead, err := q.products(ctx, cart.Items, customerID)
	if err != nil {
		return nil, err
	}
	var cust *adapters.CartCustomer
	if custRead {
		cust = q.customerOf(custRows)
	} else if cust, err = q.customer(ctx, cart); err != nil {
		return nil, err
	}
	res.Customer = cust
	var groups []string
	if cust != nil {
		groups = cust.GroupIDs
	}
	country := shop.Country
	if a := cart.DeliveryAddress; a != nil && a.Country != "" {
		country = a.Country
	} else if a := cart.InvoiceAddress; a != nil && a.Country != "" {
		country = a.Country
	}
	country = strings.ToUpper(country)
	// docs/protocol/cart.md#taxes-by-destination
	tax, err := q.taxes.forCart(ctx, cust, country, cartState(cart))
	if err != nil {
		return nil, err
	}
	lines := make([]line, 0, len(cart.Items))
	for _, it := range cart.Items {
		p := ps[it.ItemNumber]
		var cp *product
		if p != nil {
			pc := *p
			tax.apply(&pc)
			cp = &pc
		}
		v := cp.verdict(it, groups, msgs, true)
		res.Items = append(res.Items, v)
		lines = append(lines, line{p: cp})
	}
	if c.cfg.Validate != nil {
		if err := c.cfg.Validate(ctx, shop, cart, res.Items); err != nil {
			return nil, err
		}
	}
	total, weight := decimal.Zero, decimal.Zero
	for i, v := range res.Items {
		l := &lines[i]
		if l.p == nil || !v.IsBuyable || v.QtyBuyable <= 0 {
			continue
		}
		n := decimal.NewFromInt(int64(v.QtyBuyable))
		l.gross, l.net = l.p.gross.Mul(n), l.p.netAmt.Mul(n)
		total = total.Add(l.gross)
		weight = weight.Add(l.p.weight.Mul(n))
	}
	freeShipping := false
	if res.Coupons, freeShipping, err = q.coupons(ctx, c.cfg.Now(), cart, lines, total, res.Currency, msgs); err != nil {
		return nil, err
	}
	if res.ShippingMethods, err = q.shippingMethods(ctx, country, weight, total, freeShipping); err != nil {
		return nil, err
	}
	tax.shipping(res.ShippingMethods)
	if res.PaymentMethods, err = q.paymentMethods(ctx); err != nil {
		return nil, err
	}
	tax.payments(res.PaymentMethods)
	return res, nil
}

// line is a checked cart line: its product (nil when unknown) and its
// buyable totals.
type line struct {
	p          *product
	gross, net decimal.Decimal
}

func (q *queries) customer(ctx context.Context, cart *adapters.Cart) (*adapters.CartCustomer, error) {
	if q.customerSQL == "" || cart.ExternalCustomerID == "" {
		if cart.ExternalCustomerGroupID != "" {
			return &adapters.CartCustomer{GroupIDs: []string{cart.ExternalCustomerGroupID}}, nil
		}
		return nil, nil
	}
	rows, err := query(ctx, q.cfg.DB, q.customerSQL, cart.ExternalCustomerID)
	if err != nil {
		return nil, shopgate.DatabaseError("load customer", err)
	}
	return q.customerOf(rows), nil
}

// customerOf is the customer of the first of rows (group, tax class key).
func (q *queries) customerOf(rows []row) *adapters.CartCustomer {
	if len(rows) == 0 || len(rows[0]) < 2 {
		return nil
	}
	cu := &adapters.CartCustomer{TaxClassKey: str(rows[0][1]), GroupIDs: []string{}}
	g := str(rows[0][0])
	if g == "" {
		g = q.cfg.Customers.DefaultGroup
	}
	if g != "" {
		cu.GroupIDs = append(cu.GroupIDs, g)
	}
	return cu
}

func (q *queries) shippingMethods(ctx context.Context, country string, weight, total decimal.Decimal, free bool) ([]adapters.ShippingMethod, error) {
	if q.shipping == "" || country == "" {
		return nil, nil
	}
	load := func() ([]row, error) { return query(ctx, q.cfg.DB, q.shipping, country) }
	var rows []row
	var err error
	if len(country) <= 3 {
		rows, err = q.cache.get("shipping/"+country, load)
	} else {
		rows, err = load()
	}
	if err != nil {
		return nil, shopgate.DatabaseError("load shipping rates", err)
	}
	var out []adapters.ShippingMethod
	for _, r := range rows {
		if d, ok := dec(r[9]); ok && weight.LessThan(d) {
			continue
		}
		if d, ok := dec(r[10]); ok && weight.GreaterThan(d) {
			continue
		}
		if d, ok := dec(r[11]); ok && total.LessThan(d) {
			continue
		}
		if d, ok := dec(r[12]); ok && total.GreaterThan(d) {
			continue
		}
		gross, _ := dec(r[5])
		tax, _ := dec(r[6])
		if d, ok := dec(r[8]); free || (ok && d.IsPositive() && total.GreaterThanOrEqual(d)) {
			gross = decimal.Zero
		}
		sort, _ := integer(r[4])
		id := str(r[0])
		out = append(out, adapters.ShippingMethod{ID: id, Title: str(r[1]), ShippingGroup: str(r[2]),
			Description: str(r[3]), SortOrder: sort, AmountWithTax: gross,
			Amount: gross.DivRound(decimal.NewFromInt(1).Add(tax.Div(hundred)), 2), TaxClass: str(r[7]),
			TaxPercent: tax, InternalShippingInfo: id})
	}
	return out, nil
}

func (q *queries) paymentMethods(ctx context.Context) ([]adapters.PaymentMethod, error) {
	if q.payments == "" {
		return nil, nil
	}
	rows, err := q.cache.get("payments", func() ([]row, error) { return query(ctx, q.cfg.DB, q.payments) })
	if err != nil {
		return nil, shopgate.DatabaseError("load payment methods", err)
	}
	out := make([]adapters.PaymentMethod, 0, len(rows))
	for _, r := range rows {
		fee, _ := dec(r[1])
		m := adapters.PaymentMethod{ID: str(r[0]), AmountWithTax: fee, Amount: fee, TaxClass: str(r[3])}
		if tax, ok := dec(r[2]); ok {
			m.TaxPercent = decimal.NewNullDecimal(tax)
			m.Amount = fee.DivRound(decimal.NewFromInt(1).Add(tax.Div(hundred)), 2)
		}
		out = append(out, m)
	}
	return out, nil
}

// intKeys returns keys as integers when every key is one.
func intKeys(keys []string) ([]int64, bool) {
	for _, k := range keys {
		// Checked before parsing: ParseInt allocates its error.
		if k == "" || (k[0] < '0' || k[0] > '9') && k[0] != '-' && k[0] != '+' {
			return nil, false
		}
	}
	out := make([]int64, 0, len(keys))
	for _, k := range keys {
		n, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// keyArgs passes keys read from the database back as query arguments:
// integers when they are integers, so integer columns compare natively.
func keyArgs(keys []string) any {
	if ints, ok := intKeys(keys); ok {
		return ints
	}
	return keys
}
