package main

import (
	"context"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
)

// The DropHero page is the control panel's (handlers/panel, mounted in
// panel.go). The example adds only the demo buttons that make the fake
// DropHero change something and call back (on /admin/shop/orders).

// mountAdmin adds the demo actions under /admin/shop/drophero.
func (st *dropHeroState) mountAdmin() {
	if st.fake != nil {
		st.a.admin.shop.POST("/drophero/demo", st.demoCallback)
	}
}

func dhBack(c echo.Context, msg string, err error) error {
	q := url.Values{}
	if err != nil {
		q.Set("err", err.Error())
	} else {
		q.Set("msg", msg)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/drophero?"+q.Encode())
}

// demoCallback makes the fake DropHero change something and call back.
func (st *dropHeroState) demoCallback(c echo.Context) error {
	switch c.FormValue("what") {
	case "price":
		p := dropherotest.SeedProduct("5554", "Test product 1", "1")
		p["selling_price"], p["qty"] = "5.5000", "40.0000"
		st.fake.PutProduct(p)
		st.fake.FireCallbackAsync("products")
	case "status":
		if o, ok := st.lastSubmitted(c.Request().Context()); ok {
			next := map[string]string{"1": "3", "3": "4"}[o.DropHeroStatus]
			if next == "" {
				next = "4"
			}
			st.fake.SetOrderStatus(o.OrderID, next)
		}
		st.fake.FireCallbackAsync("orderstatus")
	}
	return dhBack(c, "The fake DropHero called back.", nil)
}

// lastSubmitted returns the most recently submitted DropHero order.
func (st *dropHeroState) lastSubmitted(ctx context.Context) (dropship.Order, bool) {
	orders, err := st.svc.PendingOrders(ctx, dropship.OrderSubmitted)
	var last dropship.Order
	for _, o := range orders {
		if o.SubmittedAt != nil && (last.SubmittedAt == nil || o.SubmittedAt.After(*last.SubmittedAt)) {
			last = o
		}
	}
	return last, err == nil && last.OrderID != ""
}
