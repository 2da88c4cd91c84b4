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
		checkout := b.get("/checkout", 200)
		if !strings.Contains(checkout, `name="drophero_mode" value="2"`) || !strings.Contains(checkout, "8.00") {
			t.Fatalf("checkout lacks the DropHero options:\n%s", checkout)
		}
		form := url.Values{"email": {"ana@example.com"}, "invoice_first_name": {"Ana"}, "invoice_last_name": {"Puig"},
			"invoice_street1": {"Carrer Major 1"}, "invoice_zipcode": {"08001"}, "invoice_city": {"Barcelona"},
			"invoice_country": {"ES"}, "shipping": {"standard"}, "payment": {"prepayment"}, "drophero_mode": {"2"}}
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
