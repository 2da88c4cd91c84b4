package main

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/dropship"
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
		return &CheckoutError{Msg: "Some items are delivered by our partner and cannot be shipped together to " + nc.Country + "."}
	}
	if err != nil {
		return err
	}
	if len(opts) == 0 {
		return nil // no DropHero items
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
			if m := c.FormValue("drophero_mode"); m != "" {
				c.SetRequest(r.WithContext(context.WithValue(r.Context(), dhModeKey{}, m)))
			}
		}
		return next(c)
	}
}

// checkoutSection is the checkout form part with the DropHero shipping
// modes of the session's cart (see App.AddCheckoutSection).
func (st *dropHeroState) checkoutSection(c echo.Context, s *Session) template.HTML {
	return template.HTML(st.checkoutFieldset(c, s)) //nolint:gosec // rendered by dhFieldset, escaped
}

var dhFieldset = template.Must(template.New("dh").Parse(`<fieldset><legend>Shipping of partner items ({{.Country}})</legend>
<p class="muted">Some items are delivered by our partner DropHero; choose how (added to the shipping above). Other countries: the options are checked when you place the order.</p>
{{range $i, $o := .Options}}<label><input type="radio" name="drophero_mode" value="{{$o.ModeID}}"{{if eq $i 0}} checked{{end}}> {{$o.Label}} — {{$o.Total.StringFixed 2}} EUR{{with $o.TransitHours}} ({{.}} h){{end}}</label>
{{end}}{{with .Error}}<p class="msg error">{{.}}</p>{{end}}</fieldset>
`))

// checkoutFieldset renders the DropHero options for the session's cart
// (destination: the customer's delivery country, else the shipping area of
// DropHero's modes), or "" when the cart has no DropHero items.
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
	country := "ES"
	if modes, err := st.svc.ShippingModes(ctx); err == nil && len(modes) > 0 && modes[0].AreaISO != "" {
		country = modes[0].AreaISO
	}
	if cu := st.a.sessionCustomer(c, s); cu != nil {
		for _, ad := range cu.Addresses {
			if ad.IsDelivery {
				country = ad.Country
			}
		}
	}
	data := struct {
		Country string
		Options []drophero.ShippingOption
		Error   string
	}{Country: country}
	opts, err := st.svc.ShippingOptions(ctx, st.a.DB, cart, country)
	var nc *drophero.NoCommonModeError
	switch {
	case errors.As(err, &nc):
		data.Error = "These partner items cannot be shipped together to " + country + "."
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
