package main

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/outbox"
)

// dropHeroDrain runs the DropHero jobs of the app until none is due.
func dropHeroDrain(t *testing.T, a *App) {
	t.Helper()
	v, ok := dropHeroOf.Load(a)
	if !ok {
		t.Fatal("DropHero not set up")
	}
	st := v.(*dropHeroState)
	w, err := outbox.New(outbox.Config{DB: a.DB, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	st.svc.Register(w)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := 0; i < 50; i++ {
		n, err := w.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("DropHero jobs do not drain")
}

func TestDropHeroDemo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		// The test drives the queue faster than 1 request/s.
		a := newTestAppWith(t, db, func(c *Config) { c.DropHeroFake = []dropherotest.Option{dropherotest.WithoutRateLimit()} })
		t.Cleanup(a.Close)
		st, _ := dropHeroOf.Load(a)
		fake := st.(*dropHeroState).fake
		dropHeroDrain(t, a)
		b := newBrowser(t, a)

		page := b.get("/admin/drophero", 200)
		if !strings.Contains(page, "Connected and working") || strings.Contains(page, "s3cr3tK3y") || strings.Contains(page, "AKDHTEST0001") {
			t.Fatalf("admin page:\n%s", page)
		}
		var p Product
		if err := db.Where("number = ?", "DH-5554").Take(&p).Error; err != nil {
			t.Fatal(err)
		}
		if p.Price.StringFixed(2) != "7.26" { // 6.00 net + 21 % VAT
			t.Errorf("DropHero product price %s", p.Price)
		}
		var p3 Product
		db.Where("number = ?", "DH-5556").Take(&p3)
		db.Model(&Product{}).Where("id IN ?", []uint{p.ID, p3.ID}).Update("stock_quantity", 10)

		b.post("/cart", url.Values{"product_id": {strconv.Itoa(int(p.ID))}, "quantity": {"2"}}, 303)
		b.post("/cart", url.Values{"product_id": {strconv.Itoa(int(p3.ID))}, "quantity": {"1"}}, 303)
		// A guest's form starts with Germany: the options are for DE
		// (2 × 4.90 + 5.90).
		checkout := b.get("/checkout", 200)
		if !strings.Contains(checkout, `name="drophero_mode" value="3"`) || !strings.Contains(checkout, "15.70") {
			t.Fatalf("checkout lacks the DropHero options for DE:\n%s", checkout)
		}
		form := url.Values{"email": {"ana@example.com"}, "invoice_first_name": {"Ana"}, "invoice_last_name": {"Puig"},
			"invoice_street1": {"Carrer Major 1"}, "invoice_zipcode": {"08001"}, "invoice_city": {"Barcelona"},
			"invoice_country": {"ES"}, "shipping": {"standard"}, "payment": {"prepayment"}, "drophero_mode": {"3"}, "drophero_country": {"DE"}}
		// The buyer typed a Spanish address: the form comes back with the
		// ES options instead of placing the order at the DE price.
		_, checkout = b.post("/checkout", form, 422)
		if !strings.Contains(checkout, `name="drophero_mode" value="2"`) || !strings.Contains(checkout, "8.00") || !strings.Contains(checkout, "to Spain") {
			t.Fatalf("checkout lacks the DropHero options:\n%s", checkout)
		}
		form.Set("drophero_mode", "2")
		form.Set("drophero_country", "ES")
		loc, _ := b.post("/checkout", form, 303)
		number := strings.TrimPrefix(loc, "/order/")
		var o Order
		if err := db.Preload("Items").Where("number = ?", number).Take(&o).Error; err != nil {
			t.Fatalf("order %q: %v", loc, err)
		}
		found := false
		for _, it := range o.Items {
			if it.Number == dhModePrefix+"2" && it.Total.StringFixed(2) == "8.00" {
				found = true
			}
		}
		if !found {
			t.Errorf("order items %+v lack the DropHero shipping", o.Items)
		}
		svc := st.(*dropHeroState).svc
		dho, ok, err := svc.Order(context.Background(), number)
		if err != nil || !ok || dho.State != dropship.OrderAwaitingConfirmation {
			t.Fatalf("DropHero order %+v %v %v", dho, ok, err)
		}
		b.post("/admin/drophero/orders/"+number+"/confirm", url.Values{"confirm": {"yes"}}, 303)
		dropHeroDrain(t, a)
		data, status, ok := fake.Order(number)
		if !ok || status != "1" || data["shipping_price"] != "8.0000" || data["buyer_shipping_country"] != "ES" {
			t.Fatalf("at DropHero: %v %q %v", ok, status, data)
		}
		// Status callback through HTTP, then the queued sync maps it.
		fake.SetOrderStatus(number, "4")
		s, _ := st.(*dropHeroState).svc.Status(context.Background())
		cb := s.CallbackURLs["orders"]
		path := cb[strings.Index(cb, "/drophero/"):]
		b.get(path, 200)
		b.get(strings.Replace(path, "/callback/", "/callback/x", 1), 404)
		dropHeroDrain(t, a)
		db.Take(&o, o.ID)
		if o.Status != StatusShipped {
			t.Errorf("order status %q after DropHero status 4", o.Status)
		}
		// Cancelling a submitted order in the shop alerts the merchant.
		if err := db.Model(&Order{}).Where("id = ?", o.ID).Update("status", StatusCancelled).Error; err != nil {
			t.Fatal(err)
		}
		if dho, _, _ = svc.Order(context.Background(), number); dho.Alert == "" {
			t.Error("no alert for a cancelled submitted order")
		}
		if page := b.get("/admin/drophero", 200); !strings.Contains(page, "contact DropHero") {
			t.Error("alert not on the merchant page")
		}
	})
}

// TestDropHeroAdminPreselectsSavedMode: confirming an order that needs
// attention must not silently switch it to the first shipping mode.
func TestDropHeroAdminPreselectsSavedMode(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestAppWith(t, db, func(c *Config) { c.DropHeroFake = []dropherotest.Option{dropherotest.WithoutRateLimit()} })
		t.Cleanup(a.Close)
		dropHeroDrain(t, a)
		st, _ := dropHeroOf.Load(a)
		modes, err := st.(*dropHeroState).svc.ShippingModes(context.Background())
		if err != nil || len(modes) < 2 {
			t.Fatalf("shipping modes %v %v", modes, err)
		}
		saved := modes[len(modes)-1].ID
		o := gormmodels.DropHeroOrder{OrderID: "SB-ATTN-1", State: gormmodels.DropHeroNeedsAttention, ShippingMode: saved}
		if err := db.Create(&o).Error; err != nil {
			t.Fatal(err)
		}
		page := newBrowser(t, a).get("/admin/drophero", 200)
		want := `<option value="` + saved + `" selected>`
		if !strings.Contains(page, want) || strings.Count(page, " selected>") != 1 {
			t.Errorf("admin page does not preselect mode %s:\n%s", saved, page)
		}
	})
}

// TestDropHeroCheckoutDestination: the partner shipping is offered for the
// delivery address the buyer chose (the default first), one undeliverable
// partner item is named without "together", and product pages say where
// partner products ship.
func TestDropHeroCheckoutDestination(t *testing.T) {
	db := testdb.New(t)
	a := newTestAppWith(t, db, func(c *Config) { c.DropHeroFake = []dropherotest.Option{dropherotest.WithoutRateLimit()} })
	t.Cleanup(a.Close)
	dropHeroDrain(t, a)
	var cu Customer
	if err := db.Where("email = ?", demoEmail).Take(&cu).Error; err != nil {
		t.Fatal(err)
	}
	// A later, non-default delivery address in Austria.
	at := Address{CustomerID: cu.ID, IsDelivery: true, FirstName: "Erika", LastName: "Mustermann",
		Street1: "Ringstraße 1", Zipcode: "1010", City: "Wien", Country: "AT"}
	if err := db.Create(&at).Error; err != nil {
		t.Fatal(err)
	}
	boots, socks := productID(t, db, "DH-6001"), productID(t, db, "DH-6002")
	db.Model(&Product{}).Where("id IN ?", []uint{boots, socks}).Updates(map[string]any{"stock_quantity": 10, "active": true})

	b := newBrowser(t, a)
	page := b.get("/product/"+strconv.Itoa(int(socks)), 200)
	if !strings.Contains(page, "Delivered by our partner") || !strings.Contains(page, "Ships to Germany, Spain.") || strings.Contains(page, "Austria") {
		t.Errorf("socks page does not say where they ship:\n%s", page)
	}
	if page := b.get("/product/"+strconv.Itoa(int(productID(t, db, "DH-5554"))), 200); !strings.Contains(page, "Ships to Austria, Germany, Spain.") || !strings.Contains(page, "Post Austria") {
		t.Errorf("5554 page lacks its countries")
	}
	var own Product
	db.Where("number NOT LIKE ? AND parent_id IS NULL AND active = ?", "DH-%", true).Take(&own)
	if page := b.get("/product/"+strconv.Itoa(int(own.ID)), 200); strings.Contains(page, "Delivered by our partner") {
		t.Error("own product page shows partner shipping")
	}

	b.post("/login", url.Values{"email": {demoEmail}, "password": {demoPassword}}, 303)
	b.post("/cart", url.Values{"product_id": {strconv.Itoa(int(boots))}, "quantity": {"1"}}, 303)
	checkout := b.get("/checkout", 200)
	if !strings.Contains(checkout, "partner items to Germany") || !strings.Contains(checkout, `value="3" checked> DHL Paket — 5.90 EUR`) {
		t.Fatalf("checkout is not for the default address (Germany):\n%s", checkout)
	}
	var home Address
	db.Where("customer_id = ? AND is_default", cu.ID).Take(&home)
	form := url.Values{"invoice_address_id": {strconv.Itoa(int(home.ID))}, "delivery_address_id": {strconv.Itoa(int(at.ID))},
		"shipping": {"standard"}, "payment": {"prepayment"}, "drophero_mode": {"3"}, "drophero_country": {"DE"}}
	_, body := b.post("/checkout", form, 422)
	if !strings.Contains(body, "partner items to Austria") || !strings.Contains(body, `value="4" checked> Post Austria — 8.90 EUR`) {
		t.Fatalf("checkout shown again is not for the chosen address (Austria):\n%s", body)
	}
	// The socks do not ship to Austria: named alone, not "together".
	b.post("/cart", url.Values{"product_id": {strconv.Itoa(int(socks))}, "quantity": {"1"}}, 303)
	form.Set("drophero_mode", "4")
	form.Set("drophero_country", "AT")
	_, body = b.post("/checkout", form, 422)
	if !strings.Contains(body, `&#34;Wool socks&#34; cannot be delivered to Austria.`) || strings.Contains(body, "together") {
		t.Fatalf("message for one undeliverable item:\n%s", body)
	}
	// To the default address in Germany both ship: the order goes through.
	form.Set("delivery_address_id", strconv.Itoa(int(home.ID)))
	form.Set("drophero_mode", "3")
	form.Set("drophero_country", "DE")
	loc, _ := b.post("/checkout", form, 303)
	var o Order
	if err := db.Preload("Items").Where("number = ?", strings.TrimPrefix(loc, "/order/")).Take(&o).Error; err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range o.Items {
		found = found || (it.Number == dhModePrefix+"3" && it.Total.StringFixed(2) == "8.40") // 5.90 + 2.50
	}
	if !found || o.DeliveryAddress.Country != "DE" {
		t.Errorf("order %+v", o.Items)
	}
}
