package main

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
	"go.uber.org/zap"
	"gorm.io/gorm"
)

// OrderHook runs inside the transaction that places an order, after the
// order, its items and its first history row are written. Returning an
// error rolls the whole order back. Integrations register hooks with
// OnOrderPlaced, e.g. to enqueue outbox jobs atomically with the order.
type OrderHook func(tx *gorm.DB, o *Order) error

// OnOrderPlaced registers h for every order placed in the storefront.
func (a *App) OnOrderPlaced(h OrderHook) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.orderHooks = append(a.orderHooks, h)
}

// paymentMethods lists the payment methods of the checkout, in order.
var paymentMethods = []struct{ Code, Name string }{
	{PaymentPrepayment, "Prepayment (bank transfer)"},
	{PaymentInvoice, "Invoice"},
}

// paymentName returns the display name of a payment code, "" if unknown.
func paymentName(code string) string {
	for _, m := range paymentMethods {
		if m.Code == code {
			return m.Name
		}
	}
	return ""
}

// CheckoutInput is everything needed to place an order from a cart.
type CheckoutInput struct {
	SessionToken    string
	CustomerID      *uint // nil for guests
	Email           string
	Phone           string
	InvoiceAddress  OrderAddress
	DeliveryAddress *OrderAddress // nil: same as invoice
	ShippingMethod  string
	PaymentMethod   string
	CouponCode      string
	CustomerComment string
}

// CheckoutError is a problem the buyer can fix; its message is shown.
type CheckoutError struct{ Msg string }

// Error implements error.
func (e *CheckoutError) Error() string { return e.Msg }

// validate checks the input's form before anything is read or written.
func (in *CheckoutInput) validate() error {
	in.Email = strings.TrimSpace(in.Email)
	if addr, err := mail.ParseAddress(in.Email); err != nil || addr.Address != in.Email {
		return &CheckoutError{"Please enter a valid e-mail address."}
	}
	if err := validateAddress(&in.InvoiceAddress); err != nil {
		return err
	}
	if in.DeliveryAddress != nil {
		if err := validateAddress(in.DeliveryAddress); err != nil {
			return err
		}
	}
	if paymentName(in.PaymentMethod) == "" {
		return &CheckoutError{"Please choose a payment method."}
	}
	if len(in.CustomerComment) > 2000 {
		return &CheckoutError{"Your comment is too long (2000 characters at most)."}
	}
	return nil
}

// validateAddress trims the fields and requires the ones a parcel needs.
func validateAddress(ad *OrderAddress) error {
	for _, f := range []*string{&ad.Gender, &ad.Company, &ad.FirstName, &ad.LastName, &ad.Street1,
		&ad.Street2, &ad.Zipcode, &ad.City, &ad.Country, &ad.State, &ad.Phone} {
		*f = strings.TrimSpace(*f)
		if len(*f) > 255 {
			return &CheckoutError{"An address field is too long."}
		}
	}
	ad.Country = strings.ToUpper(ad.Country)
	if ad.FirstName == "" || ad.LastName == "" || ad.Street1 == "" || ad.Zipcode == "" || ad.City == "" {
		return &CheckoutError{"Please fill in name, street, postcode and city."}
	}
	if _, ok := countries[ad.Country]; !ok {
		return &CheckoutError{"Sorry, we do not deliver to this country."}
	}
	if ad.Gender != "" && ad.Gender != "m" && ad.Gender != "f" && ad.Gender != "d" {
		ad.Gender = ""
	}
	return nil
}

// couponDiscount checks a coupon code against the items' total and returns
// the discount (never more than the total) and whether shipping is free.
func couponDiscount(tx *gorm.DB, code string, items decimal.Decimal, now time.Time) (*Coupon, decimal.Decimal, error) {
	var cp Coupon
	err := tx.Where("code = ? AND active = ?", code, true).Take(&cp).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, decimal.Zero, &CheckoutError{"This coupon code is not valid."}
	}
	if err != nil {
		return nil, decimal.Zero, fmt.Errorf("load coupon: %w", err)
	}
	if cp.ValidUntil != nil && now.After(*cp.ValidUntil) {
		return nil, decimal.Zero, &CheckoutError{"This coupon has expired."}
	}
	if cp.MinOrderAmount.IsPositive() && items.LessThan(cp.MinOrderAmount) {
		return nil, decimal.Zero, &CheckoutError{"This coupon needs an order value of at least " + formatMoney(cp.MinOrderAmount) + "."}
	}
	var d decimal.Decimal
	switch cp.Kind {
	case CouponPercent:
		d = items.Mul(cp.Value).Div(decimal.NewFromInt(100)).Round(2)
	default:
		d = cp.Value
	}
	if d.GreaterThan(items) {
		d = items
	}
	return &cp, d, nil
}

// shippingCost returns the price of method m for an items' total.
func shippingCost(m ShippingMethod, items decimal.Decimal, free bool) decimal.Decimal {
	if free || (m.FreeFrom.IsPositive() && !items.LessThan(m.FreeFrom)) {
		return decimal.Zero
	}
	return m.Price
}

// PlaceOrder turns the session's cart into an order in one transaction:
// it reserves stock (failing when an article ran out), writes the order
// with items and a history row, runs the order hooks and empties the cart.
func (a *App) PlaceOrder(ctx context.Context, in CheckoutInput) (*Order, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	a.mu.Lock()
	hooks := append([]OrderHook(nil), a.orderHooks...)
	a.mu.Unlock()

	tmp, err := newToken()
	if err != nil {
		return nil, err
	}
	var o *Order
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cart, err := a.loadCart(ctx, tx, in.SessionToken)
		if err != nil {
			return err
		}
		if len(cart.Problems) > 0 {
			return &CheckoutError{strings.Join(cart.Problems, " ")}
		}
		if len(cart.Lines) == 0 {
			return &CheckoutError{"Your cart is empty."}
		}
		var ship ShippingMethod
		if err := tx.Where("code = ? AND active = ?", in.ShippingMethod, true).Take(&ship).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return &CheckoutError{"Please choose a shipping method."}
			}
			return fmt.Errorf("load shipping method: %w", err)
		}
		o = &Order{
			Number:          "tmp-" + tmp[:24], // replaced by the id-based number below
			Source:          "web",
			CustomerID:      in.CustomerID,
			Email:           in.Email,
			Phone:           strings.TrimSpace(in.Phone),
			Status:          StatusNew,
			PaymentMethod:   in.PaymentMethod,
			ShippingMethod:  ship.Code,
			Currency:        Currency,
			AmountItems:     cart.ItemsTotal,
			AmountPayment:   decimal.Zero,
			AmountDiscount:  decimal.Zero,
			CustomerComment: strings.TrimSpace(in.CustomerComment),
			InvoiceAddress:  in.InvoiceAddress,
			DeliveryAddress: in.InvoiceAddress,
		}
		if in.DeliveryAddress != nil {
			o.DeliveryAddress = *in.DeliveryAddress
		}
		freeShipping := false
		if code := strings.TrimSpace(in.CouponCode); code != "" {
			cp, discount, err := couponDiscount(tx, code, cart.ItemsTotal, time.Now())
			if err != nil {
				return err
			}
			o.CouponCode, o.AmountDiscount, freeShipping = cp.Code, discount, cp.FreeShipping
		}
		o.AmountShipping = shippingCost(ship, cart.ItemsTotal, freeShipping)
		o.AmountTotal = o.AmountItems.Add(o.AmountShipping).Add(o.AmountPayment).Sub(o.AmountDiscount)

		for _, l := range cart.Lines {
			// The conditional update is the stock reservation: two buyers of
			// the last unit cannot both succeed.
			res := tx.Model(&Product{}).Where("id = ? AND stock_quantity >= ?", l.Product.ID, l.Quantity).
				UpdateColumn("stock_quantity", gorm.Expr("stock_quantity - ?", l.Quantity))
			if res.Error != nil {
				return fmt.Errorf("reserve stock of %s: %w", l.Product.Number, res.Error)
			}
			if res.RowsAffected == 0 {
				return &CheckoutError{fmt.Sprintf("%q has just sold out.", l.Name)}
			}
			pid := l.Product.ID
			o.Items = append(o.Items, OrderItem{
				Type: ItemProduct, ProductID: &pid, Number: l.Product.Number, Name: l.Name,
				Attributes: l.Label, Quantity: l.Quantity, UnitPrice: l.UnitPrice, TaxRate: l.TaxRate,
				Total: l.Total,
			})
		}
		if o.CouponCode != "" {
			o.Items = append(o.Items, OrderItem{
				Type: ItemCoupon, Number: o.CouponCode, Name: "Coupon " + o.CouponCode, Quantity: 1,
				UnitPrice: o.AmountDiscount.Neg(), TaxRate: decimal.Zero, Total: o.AmountDiscount.Neg(),
			})
		}
		o.History = []OrderHistory{{Status: StatusNew, Comment: "Order placed in the storefront."}}
		if err := tx.Create(o).Error; err != nil {
			return fmt.Errorf("create order: %w", err)
		}
		o.Number = strconv.FormatUint(uint64(100000+o.ID), 10)
		if err := tx.Model(o).Update("number", o.Number).Error; err != nil {
			return fmt.Errorf("number order: %w", err)
		}
		for _, h := range hooks {
			if err := h(tx, o); err != nil {
				return fmt.Errorf("order hook: %w", err)
			}
		}
		if err := tx.Where("session_token = ?", in.SessionToken).Delete(&CartItem{}).Error; err != nil {
			return fmt.Errorf("empty cart: %w", err)
		}
		return tx.Model(&Session{}).Where("token = ?", in.SessionToken).Update("last_order_id", o.ID).Error
	})
	if err != nil {
		return nil, err
	}
	a.Log.Info("order placed", zap.String("order_number", o.Number), zap.String("total", o.AmountTotal.StringFixed(2)),
		zap.Int("items", len(o.Items)), zap.Bool("guest", o.CustomerID == nil))
	return o, nil
}

// checkoutPage is the data of checkout.html.
type checkoutPage struct {
	Cart            cartView
	Customer        *Customer
	ShippingMethods []ShippingMethod
	Payments        []struct{ Code, Name string }
	Form            checkoutForm
	Error           string
	// Sections are extra form parts of integrations, shown before the
	// payment choice (see AddCheckoutSection).
	Sections []template.HTML
}

// CheckoutSection renders an extra part of the checkout form for the
// session's cart, or "" for none. Its fields arrive with the POST of
// /checkout; integrations read them in their own middleware or hooks.
type CheckoutSection func(c echo.Context, s *Session) template.HTML

// AddCheckoutSection adds an integration's part of the checkout form.
func (a *App) AddCheckoutSection(f CheckoutSection) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.checkoutSections = append(a.checkoutSections, f)
}

// checkoutForm holds the submitted fields so that a failed attempt can be
// shown again.
type checkoutForm struct {
	Email, Phone          string
	Invoice, Delivery     OrderAddress
	OtherDelivery         bool
	Shipping, Payment     string
	Coupon, Comment       string
	InvoiceID, DeliveryID uint // chosen saved addresses of a logged-in customer
}

// readCheckoutForm parses the checkout form.
func readCheckoutForm(c echo.Context) checkoutForm {
	addr := func(prefix string) OrderAddress {
		return OrderAddress{
			Gender: c.FormValue(prefix + "gender"), Company: c.FormValue(prefix + "company"),
			FirstName: c.FormValue(prefix + "first_name"), LastName: c.FormValue(prefix + "last_name"),
			Street1: c.FormValue(prefix + "street1"), Street2: c.FormValue(prefix + "street2"),
			Zipcode: c.FormValue(prefix + "zipcode"), City: c.FormValue(prefix + "city"),
			Country: c.FormValue(prefix + "country"), Phone: c.FormValue(prefix + "phone"),
		}
	}
	id := func(name string) uint {
		n, _ := strconv.ParseUint(c.FormValue(name), 10, 32)
		return uint(n)
	}
	return checkoutForm{
		Email: c.FormValue("email"), Phone: c.FormValue("phone"),
		Invoice: addr("invoice_"), Delivery: addr("delivery_"),
		OtherDelivery: c.FormValue("other_delivery") != "",
		Shipping:      c.FormValue("shipping"), Payment: c.FormValue("payment"),
		Coupon: c.FormValue("coupon"), Comment: c.FormValue("comment"),
		InvoiceID: id("invoice_address_id"), DeliveryID: id("delivery_address_id"),
	}
}

// snapshot copies a saved address into an order address.
func snapshot(ad Address) OrderAddress {
	return OrderAddress{
		Gender: ad.Gender, Company: ad.Company, FirstName: ad.FirstName, LastName: ad.LastName,
		Street1: ad.Street1, Street2: ad.Street2, Zipcode: ad.Zipcode, City: ad.City,
		Country: ad.Country, State: ad.State, Phone: ad.Phone,
	}
}

// checkoutData loads what the checkout page shows besides the form.
func (a *App) checkoutData(c echo.Context, s *Session) (checkoutPage, error) {
	ctx := c.Request().Context()
	d := checkoutPage{Customer: a.sessionCustomer(c, s), Payments: paymentMethods}
	var err error
	if d.Cart, err = a.loadCart(ctx, a.DB, s.Token); err != nil {
		return d, err
	}
	if err := a.DB.WithContext(ctx).Where("active = ?", true).Order("sort_order, id").
		Find(&d.ShippingMethods).Error; err != nil {
		return d, fmt.Errorf("load shipping methods: %w", err)
	}
	a.mu.Lock()
	sections := append([]CheckoutSection(nil), a.checkoutSections...)
	a.mu.Unlock()
	for _, f := range sections {
		if h := f(c, s); h != "" {
			d.Sections = append(d.Sections, h)
		}
	}
	return d, nil
}

// checkout shows the checkout form, prefilled for logged-in customers.
func (a *App) checkout(c echo.Context) error {
	s := a.currentSession(c)
	if s == nil {
		return c.Redirect(http.StatusSeeOther, "/cart")
	}
	d, err := a.checkoutData(c, s)
	if err != nil {
		return err
	}
	if len(d.Cart.Lines) == 0 {
		return c.Redirect(http.StatusSeeOther, "/cart")
	}
	d.Form = checkoutForm{Shipping: "standard", Payment: PaymentPrepayment, Invoice: OrderAddress{Country: "DE"},
		Delivery: OrderAddress{Country: "DE"}}
	if cu := d.Customer; cu != nil {
		d.Form.Email, d.Form.Phone = cu.Email, cu.Phone
		for _, ad := range cu.Addresses {
			if ad.IsInvoice && d.Form.InvoiceID == 0 {
				d.Form.InvoiceID = ad.ID
			}
			if ad.IsDelivery && d.Form.DeliveryID == 0 {
				d.Form.DeliveryID = ad.ID
			}
		}
	}
	return a.render(c, "checkout.html", d)
}

// checkoutPlace places the order from the submitted form and sends the
// browser to the confirmation page; problems show the form again.
func (a *App) checkoutPlace(c echo.Context) error {
	s := a.currentSession(c)
	if s == nil {
		return c.Redirect(http.StatusSeeOther, "/cart")
	}
	f := readCheckoutForm(c)
	in := CheckoutInput{
		SessionToken: s.Token, Email: f.Email, Phone: f.Phone, InvoiceAddress: f.Invoice,
		ShippingMethod: f.Shipping, PaymentMethod: f.Payment, CouponCode: f.Coupon, CustomerComment: f.Comment,
	}
	if f.OtherDelivery {
		d := f.Delivery
		in.DeliveryAddress = &d
	}
	if cu := a.sessionCustomer(c, s); cu != nil {
		in.CustomerID = &cu.ID
		if in.Email == "" {
			in.Email = cu.Email
		}
		// Saved addresses are looked up among the customer's own only.
		for _, ad := range cu.Addresses {
			if ad.ID == f.InvoiceID {
				in.InvoiceAddress = snapshot(ad)
			}
			if ad.ID == f.DeliveryID && f.DeliveryID != f.InvoiceID {
				d := snapshot(ad)
				in.DeliveryAddress = &d
			}
		}
	}
	o, err := a.PlaceOrder(c.Request().Context(), in)
	var ce *CheckoutError
	if errors.As(err, &ce) {
		d, derr := a.checkoutData(c, s)
		if derr != nil {
			return derr
		}
		d.Form, d.Error = f, ce.Msg
		return a.renderStatus(c, http.StatusUnprocessableEntity, "checkout.html", d)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/order/"+o.Number)
}

// orderDonePage is the data of order_done.html.
type orderDonePage struct {
	Order       Order
	PaymentName string
}

// orderDone confirms an order to the browser that placed it (or to the
// customer it belongs to).
func (a *App) orderDone(c echo.Context) error {
	ctx := c.Request().Context()
	var o Order
	err := a.DB.WithContext(ctx).Preload("Items", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("number = ?", c.Param("number")).Take(&o).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("load order: %w", err)
	}
	s := a.currentSession(c)
	cu := a.sessionCustomer(c, s)
	mine := err == nil && s != nil && ((s.LastOrderID != nil && *s.LastOrderID == o.ID) ||
		(cu != nil && o.CustomerID != nil && *o.CustomerID == cu.ID))
	if !mine {
		return echo.NewHTTPError(http.StatusNotFound, "No such order.")
	}
	return a.render(c, "order_done.html", orderDonePage{Order: o, PaymentName: paymentName(o.PaymentMethod)})
}
