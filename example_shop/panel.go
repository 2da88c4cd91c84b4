package main

// The merchant's control panel: shopbridge's handlers/panel mounted at
// /admin behind HTTP Basic (user "admin", password SHOP_ADMIN_PASSWORD),
// and beside it under /admin/shop the example's own admin pages (shipping
// and cancelling shop orders, marking them paid, the demo buttons), behind
// the same login and CSRF token.

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/handlers/panel"
	"github.com/shopbridge/shopbridge/internal/check"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/shopgate"
)

// adminUser is the login name of the control panel.
const adminUser = "admin"

// adminPanel is the control panel of an App.
type adminPanel struct {
	a        *App
	password string
	// protect is the panel's login and CSRF check (set by mountPanel,
	// before the server starts).
	protect []echo.MiddlewareFunc
	// shop is the group of the example's own admin pages (/admin/shop).
	shop *echo.Group
}

// errNoAdminPassword stops the shop outside demo mode without a password.
var errNoAdminPassword = errors.New("set SHOP_ADMIN_PASSWORD: the control panel at /admin is never served without a password outside demo mode")

// setupAdmin decides the panel password (Config.AdminPassword, else
// SHOP_ADMIN_PASSWORD; in demo mode a generated one, logged once) and
// creates the group of the example's own admin pages. It runs after
// setupShopgate, which settles demo mode.
func (a *App) setupAdmin() error {
	pw := a.adminPassword
	if pw == "" {
		pw = os.Getenv("SHOP_ADMIN_PASSWORD")
	}
	if pw == "" {
		if !a.Demo {
			return errNoAdminPassword
		}
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		pw = base64.RawURLEncoding.EncodeToString(b)
		a.Log.Info("demo control panel login (set SHOP_ADMIN_PASSWORD to choose the password)",
			zap.String("url", a.PublicURL+"/admin"), zap.String("user", adminUser), zap.String("password", pw))
	}
	ap := &adminPanel{a: a, password: pw}
	ap.shop = a.Echo.Group("/admin/shop", ap.protected)
	a.admin = ap
	return nil
}

// authorize checks HTTP Basic credentials in constant time.
func (ap *adminPanel) authorize(c echo.Context) (string, bool) {
	user, pass, ok := c.Request().BasicAuth()
	if !ok {
		return "", false
	}
	good := subtle.ConstantTimeCompare([]byte(user+"\x00"+pass), []byte(adminUser+"\x00"+ap.password)) == 1
	return user, good
}

// basicAuth guards the example's read-only admin endpoints (/metrics, the
// Go profiles) with the panel's login; they change nothing, so they need
// no CSRF token.
func (ap *adminPanel) basicAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := ap.authorize(c); !ok {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Basic realm="shop admin"`)
			return echo.NewHTTPError(http.StatusUnauthorized)
		}
		return next(c)
	}
}

// protected runs the panel's login and CSRF check before the example's
// own admin pages.
func (ap *adminPanel) protected(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if len(ap.protect) == 0 {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "the control panel is starting")
		}
		h := next
		for i := len(ap.protect) - 1; i >= 0; i-- {
			h = ap.protect[i](h)
		}
		return h(c)
	}
}

// mountPanel builds the library's control panel on the finished
// integrations and mounts it at /admin.
func (a *App) mountPanel() error {
	ap := a.admin
	cfg := panel.Config{
		BasePath:  "/admin",
		Realm:     "shop admin",
		Authorize: ap.authorize,
		DB:        a.DB,
		Shopgate:  a.sg.Handler,
		// The demo has two marketplaces: the page shows the first one's.
		ShopNumber: a.sg.Creds.ShopNumber,
		MerchantClient: func(cc *shopgate.ClientConfig) {
			cc.Logger = a.sg.Logs.RequestLogger()
			if a.sg.Fake != nil {
				cc.RequestsPerHour = -1
			}
		},
		// The Overview reads the status service (exports, progress, Merchant
		// API errors besides the tables) and retries dead outbox jobs.
		Status:          panel.StatusFrom(a.status),
		RetryJob:        func(ctx context.Context, id uint64) error { return outbox.Retry(ctx, a.DB, id) },
		ConnectionCheck: a.connectionCheck,
		SettingsSync:    a.sg.Watcher.State,
		Products:        a.panelProducts,
		Orders:          a.panelOrders,
		MarkPaid:        a.markOrderPaid,
		Logger:          a.Log.Named("panel"),
	}
	cfg.DropHero = a.dropHeroService()
	p, err := panel.New(cfg)
	if err != nil {
		return err
	}
	p.Mount(a.Echo.Group("/admin"))
	ap.protect = p.Protect()
	// The example's own order page: mark storefront orders paid.
	ap.shop.POST("/orders/:id/paid", a.markPaidAction)
	return nil
}

// connectionCheck runs Shopgate's connection checklist against the shop's
// own Plugin API with the credentials of its first shop, for the panel's
// "Run connection check" button. In demo mode the Merchant API is the
// in-process fake and the demo customer logs in; otherwise the configured
// Merchant API server is asked (read-only: no test order is given).
func (a *App) connectionCheck(ctx context.Context) (check.Report, error) {
	cr := a.sg.Creds
	cfg := check.Config{
		URL:            a.PublicURL + "/shopgate/api",
		CustomerNumber: cr.CustomerNumber,
		ShopNumber:     cr.ShopNumber,
		APIKey:         cr.APIKey,
		Storefront:     a.PublicURL,
		MerchantAPI:    cr.Server,
	}
	if cr.Server == "custom" {
		cfg.MerchantAPI = cr.APIURL
	}
	if a.sg.Fake != nil {
		cfg.MerchantAPI = a.sg.Fake.URL()
		cfg.Login = demoEmail + ":" + demoPassword
	}
	return check.Run(ctx, cfg), nil
}

// panelProducts names products for the panel's DropHero page.
func (a *App) panelProducts(ctx context.Context, ids []string) (map[string]panel.Product, error) {
	var ps []Product
	if err := a.DB.WithContext(ctx).Select("id", "name").Where("id IN ?", ids).Find(&ps).Error; err != nil {
		return nil, err
	}
	out := make(map[string]panel.Product, len(ps))
	for _, p := range ps {
		id := strconv.FormatUint(uint64(p.ID), 10)
		out[id] = panel.Product{Name: p.Name, URL: "/product/" + id}
	}
	return out, nil
}

// panelOrders describes shop orders by number for the panel.
func (a *App) panelOrders(ctx context.Context, numbers []string) (map[string]panel.HostOrder, error) {
	var rows []Order
	if err := a.DB.WithContext(ctx).Select("id", "number", "is_paid").Where("number IN ?", numbers).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]panel.HostOrder, len(rows))
	for _, o := range rows {
		out[o.Number] = panel.HostOrder{Number: o.Number, Paid: o.IsPaid, URL: "/admin/shop/orders#order-" + strconv.FormatUint(uint64(o.ID), 10)}
	}
	return out, nil
}

// markOrderPaid marks the shop order with this number paid (a prepayment
// arrived). The update hook of drophero.go then submits its DropHero part
// when auto-submit is on.
func (a *App) markOrderPaid(ctx context.Context, number string) error {
	now := time.Now()
	res := a.DB.WithContext(ctx).Model(&Order{}).Where("number = ? AND NOT is_paid", number).
		Updates(map[string]any{"is_paid": true, "paid_at": &now, "updated_at": now})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errors.New("order " + number + " is unknown or already paid")
	}
	return nil
}

// markPaidAction is the "payment received" button of the example's order
// page (POST /admin/shop/orders/:id/paid with the CSRF token and the
// confirmation box).
func (a *App) markPaidAction(c echo.Context) error {
	if c.FormValue("confirm") != "yes" {
		return back(c, "", errors.New("tick the box to confirm that the payment arrived"))
	}
	var o Order
	if err := a.DB.WithContext(c.Request().Context()).Select("number").Where("id = ?", c.Param("id")).Take(&o).Error; err != nil {
		return back(c, "", err)
	}
	err := a.markOrderPaid(c.Request().Context(), o.Number)
	return back(c, "Order "+o.Number+" is marked paid.", err)
}

// dropHeroService returns the DropHero integration of a (nil without).
func (a *App) dropHeroService() *dropship.Service {
	if st, ok := dropHeroOf.Load(a); ok {
		return st.(*dropHeroState).svc
	}
	return nil
}
