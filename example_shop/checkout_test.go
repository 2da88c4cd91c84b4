package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// guestForm is a complete checkout form of a guest.
func guestForm() url.Values {
	return url.Values{
		"email": {"max@example.org"}, "phone": {"+49 89 555"},
		"invoice_gender": {"m"}, "invoice_first_name": {"Max"}, "invoice_last_name": {"Muster"},
		"invoice_street1": {"Hauptstraße 1"}, "invoice_zipcode": {"80331"}, "invoice_city": {"München"},
		"invoice_country": {"DE"}, "shipping": {"standard"}, "payment": {PaymentPrepayment},
		"comment": {"Please ring twice."},
	}
}

// addToCart puts qty of a product into the browser's cart.
func addToCart(b *browser, id uint, qty int) {
	b.t.Helper()
	loc, _ := b.post("/cart", url.Values{"product_id": {fmt.Sprint(id)}, "quantity": {fmt.Sprint(qty)}}, http.StatusSeeOther)
	if loc != "/cart" {
		b.t.Fatalf("add to cart redirects to %q", loc)
	}
}

// loadOrder reads an order with items and history by number.
func loadOrder(t *testing.T, db *gorm.DB, number string) Order {
	t.Helper()
	var o Order
	if err := db.Preload("Items", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Preload("History").Where("number = ?", number).Take(&o).Error; err != nil {
		t.Fatalf("order %s: %v", number, err)
	}
	return o
}

// stock returns a product's stock quantity.
func stock(t *testing.T, db *gorm.DB, id uint) int {
	t.Helper()
	var p Product
	if err := db.Take(&p, id).Error; err != nil {
		t.Fatal(err)
	}
	return p.StockQuantity
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestCheckoutGuest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		b := newBrowser(t, a)
		headphones := productID(t, db, "SB-1090") // €149.00, stock 25
		coffee := productID(t, db, "SB-1190")     // €18.90, tier 3+ €17.50

		if loc, _ := b.post("/checkout", guestForm(), http.StatusSeeOther); loc != "/cart" {
			t.Fatalf("checkout without session redirects to %q, want /cart", loc)
		}
		addToCart(b, headphones, 1)
		addToCart(b, coffee, 2)
		addToCart(b, coffee, 1) // same article again: quantity 3, tier price
		cart := b.get("/cart", 200)
		if !containsInOrder(cart, "Studio Over-Ear Headphones", "€149.00", "Espresso Beans", "€17.50", `value="3"`, "€52.50", "Subtotal", "€201.50") {
			t.Fatalf("cart page wrong:\n%s", cart)
		}
		if !strings.Contains(cart, "Cart (4)") {
			t.Errorf("header does not count 4 articles")
		}
		page := b.get("/checkout", 200)
		if !containsInOrder(page, "Ordering as a guest", `name="invoice_first_name"`, "Standard (DHL", "Prepayment", "Invoice", "€201.50") {
			t.Fatalf("checkout page wrong:\n%s", page)
		}

		// Problems the buyer can fix show the form again with a message.
		bad := guestForm()
		bad.Set("email", "not an address")
		if _, body := b.post("/checkout", bad, http.StatusUnprocessableEntity); !strings.Contains(body, "valid e-mail") {
			t.Errorf("invalid e-mail: message missing")
		}
		bad = guestForm()
		bad.Set("coupon", "XMAS2024")
		if _, body := b.post("/checkout", bad, http.StatusUnprocessableEntity); !strings.Contains(body, "expired") {
			t.Errorf("expired coupon: message missing")
		}
		bad = guestForm()
		bad.Set("invoice_country", "US")
		b.post("/checkout", bad, http.StatusUnprocessableEntity)

		form := guestForm()
		form.Set("coupon", "WELCOME10")
		form.Set("other_delivery", "1")
		for k, v := range map[string]string{"first_name": "Eva", "last_name": "Muster", "company": "ACME AG",
			"street1": "Ring 2", "zipcode": "1010", "city": "Wien", "country": "AT"} {
			form.Set("delivery_"+k, v)
		}
		loc, _ := b.post("/checkout", form, http.StatusSeeOther)
		number, ok := strings.CutPrefix(loc, "/order/")
		if !ok {
			t.Fatalf("checkout redirects to %q", loc)
		}
		done := b.get(loc, 200)
		if !containsInOrder(done, "Thank you", number, "max@example.org", "€181.35", "IBAN", "Wien") {
			t.Errorf("confirmation page wrong:\n%s", done)
		}

		o := loadOrder(t, db, number)
		if o.CustomerID != nil || o.Source != "web" || o.Status != StatusNew || o.PaymentMethod != PaymentPrepayment ||
			o.ShippingMethod != "standard" || o.Currency != "EUR" || o.CouponCode != "WELCOME10" {
			t.Errorf("order header wrong: %+v", o)
		}
		for name, got := range map[string][2]decimal.Decimal{
			"items": {o.AmountItems, dec("201.50")}, "shipping": {o.AmountShipping, dec("0")},
			"discount": {o.AmountDiscount, dec("20.15")}, "total": {o.AmountTotal, dec("181.35")},
		} {
			if !got[0].Equal(got[1]) {
				t.Errorf("%s = %s, want %s", name, got[0], got[1])
			}
		}
		if o.InvoiceAddress.City != "München" || o.DeliveryAddress.City != "Wien" || o.DeliveryAddress.Company != "ACME AG" ||
			o.InvoiceAddress.Gender != "m" || o.CustomerComment != "Please ring twice." || o.Email != "max@example.org" {
			t.Errorf("addresses or contact wrong: %+v / %+v", o.InvoiceAddress, o.DeliveryAddress)
		}
		if len(o.Items) != 3 {
			t.Fatalf("%d items, want 2 products and a coupon line", len(o.Items))
		}
		if it := o.Items[1]; it.Number != "SB-1190" || it.Quantity != 3 || !it.UnitPrice.Equal(dec("17.50")) ||
			!it.Total.Equal(dec("52.50")) || !it.TaxRate.Equal(dec("7")) || it.Type != ItemProduct || it.ProductID == nil {
			t.Errorf("coffee line wrong: %+v", it)
		}
		if it := o.Items[2]; it.Type != ItemCoupon || !it.Total.Equal(dec("-20.15")) {
			t.Errorf("coupon line wrong: %+v", it)
		}
		if len(o.History) != 1 || o.History[0].Status != StatusNew || o.History[0].CreatedAt.IsZero() {
			t.Errorf("history wrong: %+v", o.History)
		}
		if got := stock(t, db, headphones); got != 24 {
			t.Errorf("headphones stock %d, want 24", got)
		}
		if got := stock(t, db, coffee); got != 77 {
			t.Errorf("coffee stock %d, want 77", got)
		}
		if body := b.get("/cart", 200); !strings.Contains(body, "Your cart is empty") {
			t.Errorf("cart not emptied after the order")
		}

		// Another browser cannot see the confirmation.
		other := newBrowser(t, a)
		other.get(loc, 404)
	})
}

func TestCartRules(t *testing.T) {
	db := openSQLite(t)
	a := newTestApp(t, db)
	b := newBrowser(t, a)
	shirt := productID(t, db, "SB-1000")
	b.post("/cart", url.Values{"product_id": {fmt.Sprint(shirt)}}, http.StatusBadRequest) // must pick a variant
	b.post("/cart", url.Values{"product_id": {"abc"}}, http.StatusBadRequest)
	b.post("/cart", url.Values{"product_id": {"999999"}}, http.StatusNotFound)
	b.post("/cart", url.Values{"product_id": {fmt.Sprint(productID(t, db, "SB-9999"))}}, http.StatusNotFound) // inactive
	mouse := productID(t, db, "SB-1170")
	var v Product
	if err := db.Where("parent_id = ?", mouse).Order("id").Take(&v).Error; err != nil {
		t.Fatal(err)
	}
	b.post("/cart", url.Values{"product_id": {fmt.Sprint(v.ID)}, "quantity": {"100"}}, http.StatusBadRequest)
	addToCart(b, v.ID, 60)
	addToCart(b, v.ID, 60) // capped at 99
	var it CartItem
	if err := db.Where("product_id = ?", v.ID).Take(&it).Error; err != nil {
		t.Fatal(err)
	}
	if it.Quantity != maxLineQuantity {
		t.Errorf("quantity %d, want the cap %d", it.Quantity, maxLineQuantity)
	}
	b.post("/cart/update", url.Values{fmt.Sprintf("qty_%d", v.ID): {"2"}}, http.StatusSeeOther)
	if body := b.get("/cart", 200); !containsInOrder(body, "Wireless Mouse", "Colour: Graphite", `value="2"`) {
		t.Errorf("updated cart wrong:\n%s", body)
	}
	b.post("/cart/update", url.Values{fmt.Sprintf("qty_%d", v.ID): {"0"}}, http.StatusSeeOther)
	if body := b.get("/cart", 200); !strings.Contains(body, "Your cart is empty") {
		t.Errorf("quantity 0 must remove the line")
	}
}

func TestLogin(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		b := newBrowser(t, a)
		coffee := productID(t, db, "SB-1190")
		addToCart(b, coffee, 1) // a guest cart survives the login

		for _, bad := range []url.Values{
			{"email": {demoEmail}, "password": {"demo12345"}},
			{"email": {"nobody@example.com"}, "password": {demoPassword}},
			{"email": {demoEmail}, "password": {""}},
		} {
			if _, body := b.post("/login", bad, http.StatusUnauthorized); !strings.Contains(body, "Wrong e-mail address or password") {
				t.Errorf("failed login: message missing")
			}
		}
		loc, _ := b.post("/login", url.Values{"email": {"  Demo@Example.com "}, "password": {demoPassword}, "next": {"//evil.example"}}, http.StatusSeeOther)
		if loc != "/account" {
			t.Errorf("login redirects to %q, want /account", loc)
		}
		acc := b.get("/account", 200)
		if !containsInOrder(acc, "Erika Mustermann", "Hello Erika", "K10001", "Heidestraße 17", "Berlin", "Am Sandtorkai 50", "Hamburg", "900003", "900002", "900001") {
			t.Errorf("account page wrong:\n%s", acc)
		}

		var cu Customer
		if err := db.Preload("Addresses", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).Where("email = ?", demoEmail).Take(&cu).Error; err != nil {
			t.Fatal(err)
		}
		page := b.get("/checkout", 200)
		if !containsInOrder(page, "Logged in as Erika Mustermann", "Heidestraße 17", "Am Sandtorkai 50", "Espresso") {
			t.Errorf("checkout does not offer saved addresses:\n%s", page)
		}
		loc, _ = b.post("/checkout", url.Values{
			"invoice_address_id": {fmt.Sprint(cu.Addresses[0].ID)}, "delivery_address_id": {fmt.Sprint(cu.Addresses[1].ID)},
			"shipping": {"express"}, "payment": {PaymentInvoice},
		}, http.StatusSeeOther)
		o := loadOrder(t, db, strings.TrimPrefix(loc, "/order/"))
		if o.CustomerID == nil || *o.CustomerID != cu.ID || o.Email != demoEmail || o.PaymentMethod != PaymentInvoice {
			t.Errorf("order not bound to the customer: %+v", o)
		}
		if o.InvoiceAddress.City != "Berlin" || o.DeliveryAddress.City != "Hamburg" || o.DeliveryAddress.Street2 != "3. OG" {
			t.Errorf("saved addresses not used: %+v / %+v", o.InvoiceAddress, o.DeliveryAddress)
		}
		if !o.AmountShipping.Equal(dec("9.90")) || !o.AmountTotal.Equal(dec("28.80")) {
			t.Errorf("amounts: shipping %s total %s, want 9.90 and 28.80", o.AmountShipping, o.AmountTotal)
		}
		if acc := b.get("/account", 200); !strings.Contains(acc, o.Number) {
			t.Errorf("account does not list the order")
		}
		b.get(loc, 200) // the customer may see the confirmation later too

		// Someone else's saved address id is ignored.
		if _, err := a.Authenticate(db, demoEmail, "wrong"); !errors.Is(err, ErrBadLogin) {
			t.Errorf("Authenticate with a wrong password: %v", err)
		}
		b.post("/logout", nil, http.StatusSeeOther)
		if code, loc, _ := b.do(http.MethodGet, "/account", nil); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Errorf("after logout /account: %d %q", code, loc)
		}
	})
}

func TestPasswordIsHashed(t *testing.T) {
	db := openSQLite(t)
	newTestApp(t, db)
	var cu Customer
	if err := db.Where("email = ?", demoEmail).Take(&cu).Error; err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cu.PasswordHash, "$2") || strings.Contains(cu.PasswordHash, demoPassword) {
		t.Errorf("password hash %q is not bcrypt", cu.PasswordHash)
	}
}

func TestOrderHooks(t *testing.T) {
	db := openSQLite(t)
	a := newTestApp(t, db)
	headphones := productID(t, db, "SB-1090")
	session := func() string {
		tok, err := newToken()
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&Session{Token: tok}).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&CartItem{SessionToken: tok, ProductID: headphones, Quantity: 2}).Error; err != nil {
			t.Fatal(err)
		}
		return tok
	}
	input := func(tok string) CheckoutInput {
		return CheckoutInput{SessionToken: tok, Email: "a@example.org", ShippingMethod: "standard", PaymentMethod: PaymentInvoice,
			InvoiceAddress: OrderAddress{FirstName: "A", LastName: "B", Street1: "C 1", Zipcode: "12345", City: "D", Country: "de"}}
	}

	fail := errors.New("integration down")
	var seen []string
	a.OnOrderPlaced(func(tx *gorm.DB, o *Order) error {
		var n int64
		tx.Model(&OrderItem{}).Where("order_id = ?", o.ID).Count(&n)
		seen = append(seen, fmt.Sprintf("%s/%d", o.Number, n))
		if o.Email == "fail@example.org" {
			return fail
		}
		return nil
	})

	tok := session()
	in := input(tok)
	in.Email = "fail@example.org"
	if _, err := a.PlaceOrder(context.Background(), in); !errors.Is(err, fail) {
		t.Fatalf("PlaceOrder with a failing hook: %v, want %v", err, fail)
	}
	// The demo customer's seeded order history is not counted.
	var orders, items int64
	db.Model(&Order{}).Where("number NOT LIKE ?", "9000%").Count(&orders)
	db.Model(&CartItem{}).Where("session_token = ?", tok).Count(&items)
	if orders != 0 || items != 1 || stock(t, db, headphones) != 25 {
		t.Errorf("failed hook must roll back: %d orders, %d cart lines, stock %d", orders, items, stock(t, db, headphones))
	}

	o, err := a.PlaceOrder(context.Background(), input(tok))
	if err != nil {
		t.Fatal(err)
	}
	if want := o.Number + "/1"; len(seen) != 2 || seen[1] != want {
		t.Errorf("hook saw %q, want the final number and the items (%s)", seen, want)
	}
	if o.InvoiceAddress.Country != "DE" {
		t.Errorf("country not normalised: %q", o.InvoiceAddress.Country)
	}
	if _, err := a.PlaceOrder(context.Background(), input(tok)); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("second order from an emptied cart: %v", err)
	}
}

func TestLastUnitSoldOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		id := productID(t, db, "SB-1090")
		if err := db.Model(&Product{}).Where("id = ?", id).Update("stock_quantity", 1).Error; err != nil {
			t.Fatal(err)
		}
		const buyers = 4
		toks := make([]string, buyers)
		for i := range toks {
			toks[i], _ = newToken()
			db.Create(&Session{Token: toks[i]})
			db.Create(&CartItem{SessionToken: toks[i], ProductID: id, Quantity: 1})
		}
		var wg sync.WaitGroup
		errs := make([]error, buyers)
		for i := range buyers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = a.PlaceOrder(context.Background(), CheckoutInput{SessionToken: toks[i], Email: "a@example.org",
					ShippingMethod: "standard", PaymentMethod: PaymentPrepayment,
					InvoiceAddress: OrderAddress{FirstName: "A", LastName: "B", Street1: "C 1", Zipcode: "12345", City: "D", Country: "DE"}})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			var ce *CheckoutError
			switch {
			case err == nil:
				ok++
			case errors.As(err, &ce):
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 || stock(t, db, id) != 0 {
			t.Errorf("%d orders for the last unit, stock %d; want exactly 1 and 0", ok, stock(t, db, id))
		}
	})
}

func TestPruneSessions(t *testing.T) {
	db := openSQLite(t)
	a := newTestApp(t, db)
	headphones := productID(t, db, "SB-1090")
	now := time.Now()
	for i, age := range []time.Duration{time.Hour, 31 * 24 * time.Hour} {
		tok := fmt.Sprintf("tok-%d", i)
		if err := db.Create(&Session{Token: tok, CreatedAt: now.Add(-age)}).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&CartItem{SessionToken: tok, ProductID: headphones, Quantity: 1}).Error; err != nil {
			t.Fatal(err)
		}
	}
	n, err := a.pruneSessions(context.Background(), now)
	if err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want 1", n, err)
	}
	var left []Session
	db.Preload("Items").Find(&left)
	if len(left) != 1 || left[0].Token != "tok-0" || len(left[0].Items) != 1 {
		t.Errorf("left %+v, want only the young session with its cart", left)
	}
}
