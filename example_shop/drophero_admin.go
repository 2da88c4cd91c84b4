package main

import (
	"context"
	"html/template"
	"net/http"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
)

// The merchant page of the DropHero integration (/admin/drophero).

// mountAdmin adds the merchant page /admin/drophero and its actions.
func (st *dropHeroState) mountAdmin() {
	adm := &orderAdmin{a: st.a}
	g := st.a.Echo.Group("/admin/drophero", adm.guard)
	g.GET("", st.page)
	g.POST("/keys", st.saveKeys)
	g.POST("/settings", st.saveSettings)
	g.POST("/sync", st.syncNow)
	g.POST("/orders/:id/confirm", st.confirm)
	g.POST("/conflicts/:iditem", st.resolve)
	g.POST("/disable", st.disable)
	if st.fake != nil {
		g.POST("/demo/callback", st.demoCallback)
	}
}

type dropHeroPage struct {
	Status    *dropship.Status
	Conflicts []dropship.Conflict
	Waiting   []dropship.Order
	Recent    []dropship.Order
	Products  []dropship.Link
	Modes     []drophero.ShippingMode
	Message   string
	Error     string
	Demo      bool
}

func (st *dropHeroState) page(c echo.Context) error {
	ctx := c.Request().Context()
	d := dropHeroPage{Message: c.QueryParam("msg"), Error: c.QueryParam("err"), Demo: st.fake != nil}
	var err error
	if d.Status, err = st.svc.Status(ctx); err != nil {
		return err
	}
	if d.Waiting, err = st.svc.PendingOrders(ctx, dropship.OrderAwaitingConfirmation, dropship.OrderAwaitingPayment, dropship.OrderNeedsAttention); err != nil {
		return err
	}
	if d.Recent, err = st.svc.PendingOrders(ctx, dropship.OrderSubmitted, dropship.OrderRejected, dropship.OrderQueued, dropship.OrderSubmitting); err != nil {
		return err
	}
	if d.Products, err = st.svc.ManagedProducts(ctx, 100); err != nil {
		return err
	}
	if d.Conflicts, err = st.svc.Conflicts(ctx); err != nil {
		return err
	}
	d.Modes, _ = st.svc.ShippingModes(ctx)
	return st.a.render(c, "drophero_admin.html", d)
}

func dhBack(c echo.Context, msg string, err error) error {
	q := "?msg=" + urlQueryEscape(msg)
	if err != nil {
		q = "?err=" + urlQueryEscape(err.Error())
	}
	return c.Redirect(http.StatusSeeOther, "/admin/drophero"+q)
}

func urlQueryEscape(s string) string {
	if !utf8.ValidString(s) {
		s = "?"
	}
	return template.URLQueryEscaper(s)
}

func (st *dropHeroState) saveKeys(c echo.Context) error {
	err := st.svc.SaveKeys(c.Request().Context(), c.FormValue("public_key"), c.FormValue("secret_key"))
	return dhBack(c, "Keys saved; installation started.", err)
}

func (st *dropHeroState) saveSettings(c echo.Context) error {
	err := st.svc.SetAutoSubmit(c.Request().Context(), c.FormValue("auto_submit") == "1")
	return dhBack(c, "Settings saved.", err)
}

func (st *dropHeroState) syncNow(c echo.Context) error {
	err := st.svc.SyncNow(c.Request().Context(), c.FormValue("full") == "1")
	return dhBack(c, "Sync queued.", err)
}

func (st *dropHeroState) confirm(c echo.Context) error {
	err := st.svc.ConfirmOrder(c.Request().Context(), c.Param("id"), c.FormValue("mode"))
	return dhBack(c, "Order "+c.Param("id")+" queued for DropHero.", err)
}

func (st *dropHeroState) disable(c echo.Context) error {
	err := st.svc.Disable(c.Request().Context())
	return dhBack(c, "DropHero disabled; save the keys again to reinstall.", err)
}

func (st *dropHeroState) resolve(c echo.Context) error {
	err := st.svc.ResolveConflict(c.Request().Context(), c.Param("iditem"), c.FormValue("product_id"))
	return dhBack(c, "Conflict of DropHero item "+c.Param("iditem")+" resolved.", err)
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
