package main

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/orders"
	"github.com/shopbridge/shopbridge/outbox"
)

// The demo flow end to end on both databases: a Shopgate test order is
// imported through the Plugin API, Shopgate's payment releases it, the
// merchant ships it with a tracking number on the admin page, and the
// outbox worker reports it to the (fake) Merchant API.
func TestAdminOrdersDemoFlow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		defer a.Close()
		b := newBrowser(t, a)

		loc, _ := b.post("/admin/shop/orders/demo", url.Values{}, http.StatusSeeOther)
		if !strings.Contains(loc, "msg=") {
			t.Fatalf("demo order: %s", loc)
		}
		var m gormmodels.ShopgateOrder
		if err := db.Take(&m).Error; err != nil {
			t.Fatal(err)
		}
		page := b.get("/admin/shop/orders", http.StatusOK)
		for _, want := range []string{"Shopgate " + m.OrderNumber, "SHIPPING BLOCKED", "TEST ORDER", "Mark shipped"} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		// Blocked: shipping is refused.
		loc, _ = b.post("/admin/shop/orders/"+m.HostOrderID+"/ship", url.Values{"carrier": {"DHL"}, "complete": {"1"}}, http.StatusSeeOther)
		if !strings.Contains(loc, "err=") {
			t.Fatalf("blocked order shipped: %s", loc)
		}
		b.post("/admin/shop/orders/"+m.HostOrderID+"/demo-pay", url.Values{}, http.StatusSeeOther)
		if page := b.get("/admin/shop/orders", http.StatusOK); !strings.Contains(page, "released for shipping") {
			t.Fatalf("not released:\n%s", page)
		}
		loc, _ = b.post("/admin/shop/orders/"+m.HostOrderID+"/ship",
			url.Values{"carrier": {"DHL"}, "tracking": {"00340434161094042557"}, "complete": {"1"}}, http.StatusSeeOther)
		if !strings.Contains(loc, "Shopgate+will+be+informed") {
			t.Fatalf("ship: %s", loc)
		}
		var o Order
		if err := db.Where("id = ?", m.HostOrderID).Take(&o).Error; err != nil || o.Status != StatusShipped || !o.IsPaid {
			t.Fatalf("host order %+v %v", o, err)
		}

		svc := a.sg.Plugin.Orders.(*orders.Service)
		w, err := outbox.New(outbox.Config{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		svc.Register(w)
		if n, err := w.RunOnce(context.Background()); err != nil || n != 1 {
			t.Fatalf("worker ran %d: %v", n, err)
		}
		st, ok := a.sg.Fake.Order(m.OrderNumber)
		if !ok || !st.ShippingCompleted || len(st.DeliveryNotes) != 1 || st.DeliveryNotes[0].TrackingNumber != "00340434161094042557" {
			t.Fatalf("at Shopgate: %+v", st)
		}
		if page := b.get("/admin/shop/orders", http.StatusOK); !strings.Contains(page, "Shopgate knows: shipped") {
			t.Errorf("page does not show the report")
		}
	})
}

func TestAdminOrdersCancelPartially(t *testing.T) {
	db := openSQLite(t)
	a := newTestApp(t, db)
	defer a.Close()
	b := newBrowser(t, a)
	b.post("/admin/shop/orders/demo", url.Values{}, http.StatusSeeOther)
	var m gormmodels.ShopgateOrder
	if err := db.Take(&m).Error; err != nil {
		t.Fatal(err)
	}
	var items []OrderItem
	db.Where("order_id = ? AND type = ?", m.HostOrderID, ItemProduct).Order("id").Find(&items)
	if len(items) == 0 {
		t.Fatal("no product lines")
	}
	form := url.Values{"qty_" + strconv.Itoa(int(items[0].ID)): {"1"}, "note": {"out of stock"}}
	loc, _ := b.post("/admin/shop/orders/"+m.HostOrderID+"/cancel", form, http.StatusSeeOther)
	if !strings.Contains(loc, "msg=") {
		t.Fatalf("cancel: %s", loc)
	}
	svc := a.sg.Plugin.Orders.(*orders.Service)
	w, err := outbox.New(outbox.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(w)
	if n, err := w.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("worker ran %d: %v", n, err)
	}
	st, _ := a.sg.Fake.Order(m.OrderNumber)
	if len(st.Cancellations) != 1 || st.Cancellations[0].Items[items[0].Number] != 1 || st.Cancellations[0].Note != "out of stock" {
		t.Fatalf("at Shopgate: %+v", st)
	}
	var h []OrderHistory
	db.Where("order_id = ?", m.HostOrderID).Order("id").Find(&h)
	if last := h[len(h)-1].Comment; !strings.Contains(last, "Cancelled: 1 ×") {
		t.Errorf("history %q", last)
	}
}
