package main

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
)

// orderPlaced records the DropHero part of a new order: it checks the
// chosen DropHero shipping mode, adds its total to the order and tells the
// integration (inside the order's transaction).
func (st *dropHeroState) orderPlaced(tx *gorm.DB, o *Order) error {
	ctx := tx.Statement.Context
	var cart []dropship.CartLine
	for _, it := range o.Items {
		if it.Type == ItemProduct && it.ProductID != nil {
			cart = append(cart, dropship.CartLine{ProductID: strconv.Itoa(int(*it.ProductID)), Qty: decimal.NewFromInt(int64(it.Quantity))})
		}
	}
	opts, err := st.svc.ShippingOptions(ctx, tx, cart, o.DeliveryAddress.Country)
	var nc *drophero.NoCommonModeError
	if errors.As(err, &nc) {
		return &CheckoutError{Msg: st.undeliverable(tx, nc)}
	}
	if err != nil {
		return err
	}
	if len(opts) == 0 {
		return nil // no DropHero items
	}
	if shown, _ := ctx.Value(dhCountryKey{}).(string); shown != "" && shown != o.DeliveryAddress.Country {
		// The options the buyer saw were for another country.
		return &CheckoutError{Msg: "The partner items ship to " + countryName(o.DeliveryAddress.Country) +
			" at other prices: please check their shipping below and place the order again."}
	}
	mode, _ := ctx.Value(dhModeKey{}).(string)
	if mode == "" && len(opts) == 1 {
		mode = opts[0].ModeID
	}
	var chosen *drophero.ShippingOption
	for i := range opts {
		if opts[i].ModeID == mode {
			chosen = &opts[i]
		}
	}
	if chosen == nil {
		return &CheckoutError{Msg: "Please choose how the partner-delivered items are shipped."}
	}
	item := OrderItem{OrderID: o.ID, Type: ItemShipping, Number: dhModePrefix + chosen.ModeID,
		Name: "Partner shipping: " + chosen.Label, Quantity: 1, UnitPrice: chosen.Total, TaxRate: decimal.Zero, Total: chosen.Total}
	if err := tx.Create(&item).Error; err != nil {
		return err
	}
	o.Items = append(o.Items, item)
	o.AmountShipping = o.AmountShipping.Add(chosen.Total)
	o.AmountTotal = o.AmountTotal.Add(chosen.Total)
	if err := tx.Model(&Order{}).Where("id = ?", o.ID).Updates(map[string]any{
		"amount_shipping": o.AmountShipping, "amount_total": o.AmountTotal}).Error; err != nil {
		return err
	}
	return st.svc.OrderPlaced(ctx, tx, o.Number)
}

// ordersPaid submits the orders that waited for their payment and reports
// cancelled ones.
func (st *dropHeroState) ordersPaid(tx *gorm.DB) error {
	orders := func() *gorm.DB {
		return tx.Session(&gorm.Session{NewDB: true}).Table((Order{}).TableName()).Select("number")
	}
	// Shopgate orders are followed by the orders hook (OrdersHook), which
	// also waits until Shopgate releases them for shipping.
	numbers, err := st.svc.OrdersAwaitingPayment(tx, orders().Where("is_paid = ? AND source <> ?", true, "shopgate"))
	if err != nil {
		return err
	}
	for _, n := range numbers {
		if err := st.svc.OrderPaid(tx.Statement.Context, tx, n); err != nil {
			return err
		}
	}
	// Cancelled shop orders: DropHero has no cancel endpoint (warn, alert).
	numbers, err = st.svc.OrdersToCancel(tx, orders().Where("status = ?", StatusCancelled))
	if err != nil {
		return err
	}
	for _, n := range numbers {
		if err := st.svc.OrderCancelled(tx.Statement.Context, tx, n); err != nil {
			return err
		}
	}
	return nil
}

// checkoutMiddleware hands the DropHero shipping mode chosen in the
// checkout form (checkoutSection) to the order hook through the request
// context.
func (st *dropHeroState) checkoutMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if c.Path() == "/checkout" && r.Method == http.MethodPost {
			ctx := r.Context()
			if m := c.FormValue("drophero_mode"); m != "" {
				ctx = context.WithValue(ctx, dhModeKey{}, m)
			}
			if cc := c.FormValue("drophero_country"); cc != "" {
				ctx = context.WithValue(ctx, dhCountryKey{}, strings.ToUpper(cc))
			}
			c.SetRequest(r.WithContext(ctx))
		}
		return next(c)
	}
}

// checkoutSection is the checkout form part with the DropHero shipping
// modes of the session's cart (see App.AddCheckoutSection).
func (st *dropHeroState) checkoutSection(c echo.Context, s *Session) template.HTML {
	return template.HTML(st.checkoutFieldset(c, s)) //nolint:gosec // rendered by dhFieldset, escaped
}

var dhFieldset = template.Must(template.New("dh").Parse(`<fieldset><legend>Shipping of partner items to {{.CountryName}}</legend>
<input type="hidden" name="drophero_country" value="{{.Country}}">
<p class="muted">Some items are delivered by our partner DropHero; choose how (added to the shipping above). The options are for the delivery address chosen above ({{.CountryName}}); another country is checked when you place the order.</p>
{{range $i, $o := .Options}}<label><input type="radio" name="drophero_mode" value="{{$o.ModeID}}"{{if eq $i 0}} checked{{end}}> {{$o.Label}} — {{$o.Total.StringFixed 2}} EUR{{with $o.TransitHours}} ({{.}} h){{end}}</label>
{{end}}{{with .Error}}<p class="msg error">{{.}}</p>{{end}}</fieldset>
`))

// checkoutFieldset renders the DropHero options for the session's cart
// (destination: the delivery address the buyer chose, see
// checkoutDestination), or "" when the cart has no DropHero items.
func (st *dropHeroState) checkoutFieldset(c echo.Context, s *Session) string {
	ctx := c.Request().Context()
	var items []CartItem
	if err := st.a.DB.WithContext(ctx).Where("session_token = ?", s.Token).Find(&items).Error; err != nil || len(items) == 0 {
		return ""
	}
	cart := make([]dropship.CartLine, len(items))
	for i, it := range items {
		cart[i] = dropship.CartLine{ProductID: strconv.Itoa(int(it.ProductID)), Qty: decimal.NewFromInt(int64(it.Quantity))}
	}
	country := checkoutDestination(c, st.a.sessionCustomer(c, s))
	data := struct {
		Country, CountryName string
		Options              []drophero.ShippingOption
		Error                string
	}{Country: country, CountryName: countryName(country)}
	opts, err := st.svc.ShippingOptions(ctx, st.a.DB, cart, country)
	var nc *drophero.NoCommonModeError
	switch {
	case errors.As(err, &nc):
		data.Error = st.undeliverable(st.a.DB.WithContext(ctx), nc)
	case err != nil:
		st.a.Log.Warn("drophero shipping options", zap.Error(err))
		return ""
	case len(opts) == 0:
		return ""
	}
	data.Options = opts
	var b strings.Builder
	if err := dhFieldset.Execute(&b, data); err != nil {
		return ""
	}
	return b.String()
}

// dhCountryKey carries the country the checkout form showed the DropHero
// options for (see checkoutMiddleware).
type dhCountryKey struct{}

// checkoutDestination is the delivery country of the checkout: the
// address posted with the form when it is shown again, else the address
// the form preselects for a customer (the default delivery address first,
// as App.checkout does), else the form's default country.
func checkoutDestination(c echo.Context, cu *Customer) string {
	if c.Request().Method == http.MethodPost {
		if cu != nil && len(cu.Addresses) > 0 {
			f := readCheckoutForm(c)
			id := f.DeliveryID
			if id == 0 {
				id = f.InvoiceID
			}
			for _, ad := range cu.Addresses {
				if ad.ID == id {
					return strings.ToUpper(ad.Country)
				}
			}
		}
		name := "invoice_country"
		if c.FormValue("other_delivery") != "" {
			name = "delivery_country"
		}
		if v := strings.ToUpper(strings.TrimSpace(c.FormValue(name))); v != "" {
			return v
		}
	}
	if cu != nil {
		var first *Address
		for i := range cu.Addresses {
			ad := &cu.Addresses[i]
			if ad.IsDelivery && ad.IsDefault {
				return strings.ToUpper(ad.Country)
			}
			if ad.IsDelivery && first == nil {
				first = ad
			}
		}
		if first == nil {
			for i := range cu.Addresses {
				if cu.Addresses[i].IsInvoice {
					first = &cu.Addresses[i]
					break
				}
			}
		}
		if first != nil {
			return strings.ToUpper(first.Country)
		}
	}
	return "DE"
}

// countryName is the English name of a country code, else the code.
func countryName(code string) string {
	if n, ok := countries[code]; ok {
		return n
	}
	return code
}

// undeliverable explains a DropHero shipping problem naming the items: an
// item that does not ship to the country at all is named alone, without
// "together"; items that ship there each on its own but with no common
// mode are named together.
func (st *dropHeroState) undeliverable(db *gorm.DB, nc *drophero.NoCommonModeError) string {
	names := st.itemNames(db, nc.Items)
	list := func(ids []string) string {
		var ns []string
		for _, id := range ids {
			ns = append(ns, names[id])
		}
		switch len(ns) {
		case 0:
			return "Some items"
		case 1:
			return ns[0]
		default:
			return strings.Join(ns[:len(ns)-1], ", ") + " and " + ns[len(ns)-1]
		}
	}
	where := countryName(nc.Country)
	switch {
	case len(nc.Undeliverable) == 1:
		return list(nc.Undeliverable) + " cannot be delivered to " + where + ". Please remove it or choose another delivery address."
	case len(nc.Undeliverable) > 1:
		return list(nc.Undeliverable) + " cannot be delivered to " + where + ". Please remove them or choose another delivery address."
	default:
		return list(nc.Items) + " are delivered by our partner, but cannot be shipped together to " + where + ". Please order them separately."
	}
}

// itemNames maps DropHero iditems to the names of their shop products
// ("item {id}" when unknown).
func (st *dropHeroState) itemNames(db *gorm.DB, iditems []string) map[string]string {
	out := map[string]string{}
	for _, id := range iditems {
		out[id] = "item " + id
	}
	var rows []struct {
		IDItem string
		Name   string
	}
	db.Table(gormmodels.DropHeroLink{}.TableName()+" l").Select("l.id_item, p.name").
		Joins("JOIN "+(Product{}).TableName()+" p ON CAST(p.id AS TEXT) = l.product_id").
		Where("l.id_item IN ?", iditems).Scan(&rows)
	for _, r := range rows {
		if r.Name != "" {
			out[r.IDItem] = `"` + r.Name + `"`
		}
	}
	return out
}

// productNames names products for the check_cart texts of DropHero items
// (dropship.CartShippingConfig.ItemNames), in the marketplace's language
// when the product has a translation.
func (st *dropHeroState) productNames(ctx context.Context, shop adapters.Shop, ids []string) (map[string]string, error) {
	var nums []uint64
	for _, id := range ids {
		if n, err := strconv.ParseUint(id, 10, 32); err == nil {
			nums = append(nums, n)
		}
	}
	var rows []struct {
		ID   uint
		Name string
	}
	if len(nums) == 0 {
		return nil, nil
	}
	err := st.a.DB.WithContext(ctx).Table((Product{}).TableName()+" p").
		Select("p.id, COALESCE(tr.name, p.name) AS name").
		Joins("LEFT JOIN "+(ProductTranslation{}).TableName()+" tr ON tr.product_id = p.id AND tr.language = ?", shop.Language).
		Where("p.id IN ?", nums).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("product names: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[strconv.Itoa(int(r.ID))] = r.Name
	}
	return out, nil
}
