package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/handlers/panel"
	"github.com/shopbridge/shopbridge/orders"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// orderAdmin is the merchant's order page of the example
// (/admin/shop/orders, behind the control panel's login and CSRF check,
// panel.go): every order with its Shopgate flags and discrepancy notes, and
// the actions that ship, cancel or mark it paid. In demo mode it can also
// play Shopgate's part.
type orderAdmin struct {
	a   *App
	svc *orders.Service
}

// adminOrder is one row of the page.
type adminOrder struct {
	Order    Order
	Shopgate *gormmodels.ShopgateOrder
	// Jobs counts the order's outbox jobs by state (pending, running, dead).
	Jobs map[string]int
	// Products are the cancellable product lines.
	Products []OrderItem
}

type adminPage struct {
	Orders   []adminOrder
	Carriers []string
	Message  string
	Error    string
	Demo     bool
	// DropHeroDemo shows the buttons that make the fake DropHero call back.
	DropHeroDemo bool
	// CSRF is the control panel's token every form carries.
	CSRF string
}

func (o *orderAdmin) list(c echo.Context) error {
	ctx := c.Request().Context()
	db := o.a.DB.WithContext(ctx)
	var rows []Order
	if err := db.Preload("Items", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Order("id DESC").Limit(50).Find(&rows).Error; err != nil {
		return err
	}
	ids := make([]string, len(rows))
	for i, ord := range rows {
		ids[i] = strconv.FormatUint(uint64(ord.ID), 10)
	}
	var maps []gormmodels.ShopgateOrder
	if len(ids) > 0 {
		if err := db.Where("host_order_id IN ?", ids).Find(&maps).Error; err != nil {
			return err
		}
	}
	byHost := map[string]*gormmodels.ShopgateOrder{}
	byNumber := map[string]map[string]int{}
	for i := range maps {
		byHost[maps[i].HostOrderID] = &maps[i]
		byNumber[maps[i].OrderNumber] = map[string]int{}
	}
	// Open and failed jobs, to show what is still on its way to Shopgate.
	var jobs []gormmodels.OutboxJob
	if len(maps) > 0 {
		if err := db.Select("state", "payload").Where("state IN ?", []string{gormmodels.OutboxPending,
			gormmodels.OutboxRunning, gormmodels.OutboxDead}).Order("id DESC").Limit(1000).Find(&jobs).Error; err != nil {
			return err
		}
	}
	for _, j := range jobs {
		var p struct {
			OrderNumber string `json:"order_number"`
		}
		if json.Unmarshal([]byte(j.Payload), &p) == nil && byNumber[p.OrderNumber] != nil {
			byNumber[p.OrderNumber][j.State]++
		}
	}
	page := adminPage{Carriers: shopgate.Carriers, Message: c.QueryParam("msg"), Error: c.QueryParam("err"), Demo: o.a.Demo && o.a.sg.Fake != nil,
		CSRF: panel.CSRFToken(c)}
	if st, ok := dropHeroOf.Load(o.a); ok {
		page.DropHeroDemo = st.(*dropHeroState).fake != nil
	}
	for i, ord := range rows {
		row := adminOrder{Order: ord, Shopgate: byHost[ids[i]]}
		if row.Shopgate != nil {
			row.Jobs = byNumber[row.Shopgate.OrderNumber]
		}
		for _, it := range ord.Items {
			if it.Type == ItemProduct {
				row.Products = append(row.Products, it)
			}
		}
		page.Orders = append(page.Orders, row)
	}
	return o.a.render(c, "orders_admin.html", page)
}

// back redirects to the list with a message or an error.
func back(c echo.Context, msg string, err error) error {
	q := url.Values{}
	if err != nil {
		q.Set("err", err.Error())
	} else {
		q.Set("msg", msg)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/shop/orders?"+q.Encode())
}

var errNotAllowed = errors.New("not allowed")

// loadForChange reads an order and its Shopgate row inside tx.
func loadForChange(tx *gorm.DB, id string) (*Order, *gormmodels.ShopgateOrder, error) {
	var ord Order
	if err := tx.Preload("Items").Where("id = ?", id).Take(&ord).Error; err != nil {
		return nil, nil, fmt.Errorf("order %s: %w", id, err)
	}
	var ms []gormmodels.ShopgateOrder
	if err := tx.Where("host_order_id = ?", id).Limit(1).Find(&ms).Error; err != nil {
		return nil, nil, err
	}
	if len(ms) == 0 {
		return &ord, nil, nil
	}
	return &ord, &ms[0], nil
}

// ship marks an order (partially) shipped and, for Shopgate orders,
// queues the report in the same transaction.
func (o *orderAdmin) ship(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	carrier := c.FormValue("carrier")
	tracking := strings.TrimSpace(c.FormValue("tracking"))
	complete := c.FormValue("complete") == "1"
	var reported bool
	err := o.a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ord, m, err := loadForChange(tx, id)
		if err != nil {
			return err
		}
		if ord.Status == StatusCancelled || ord.Status == StatusShipped {
			return fmt.Errorf("%w: order %s is %s", errNotAllowed, ord.Number, ord.Status)
		}
		if m != nil && m.IsShippingBlocked {
			return fmt.Errorf("%w: Shopgate has not released order %s for shipping", errNotAllowed, ord.Number)
		}
		text := "Partial shipment"
		status := ord.Status
		set := map[string]any{"updated_at": time.Now()}
		if complete {
			text, status = "Shipped", StatusShipped
			now := time.Now()
			set["status"], set["shipped_at"] = status, &now
		}
		if carrier != "" {
			text += " with " + carrier
		}
		if tracking != "" {
			text += ", tracking number " + tracking
		}
		if err := tx.Model(&Order{}).Where("id = ?", ord.ID).Updates(set).Error; err != nil {
			return err
		}
		if err := tx.Create(&OrderHistory{OrderID: ord.ID, Status: status, Comment: text + "."}).Error; err != nil {
			return err
		}
		reported, err = o.svc.RecordShipment(ctx, tx, id, orders.Shipment{Carrier: carrier, TrackingNumber: tracking, Complete: complete})
		return err
	})
	if err != nil && !errors.Is(err, errNotAllowed) {
		o.a.Log.Error("ship order", zap.String("order_id", id), zap.Error(err))
	}
	msg := "Shipment saved."
	if reported {
		msg += " Shopgate will be informed."
	}
	return back(c, msg, err)
}

// cancel cancels an order completely or some of its lines.
func (o *orderAdmin) cancel(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	complete := c.FormValue("complete") == "1"
	note := strings.TrimSpace(c.FormValue("note"))
	var reported bool
	err := o.a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ord, _, err := loadForChange(tx, id)
		if err != nil {
			return err
		}
		if ord.Status == StatusCancelled || ord.Status == StatusShipped {
			return fmt.Errorf("%w: order %s is %s", errNotAllowed, ord.Number, ord.Status)
		}
		cx := orders.Cancellation{Complete: complete, CancelShipping: c.FormValue("cancel_shipping") == "1", Note: note}
		var parts []string
		if !complete {
			for _, it := range ord.Items {
				q, _ := strconv.Atoi(c.FormValue("qty_" + strconv.FormatUint(uint64(it.ID), 10)))
				if it.Type != ItemProduct || q <= 0 {
					continue
				}
				if q > it.Quantity {
					return fmt.Errorf("%w: only %d × %s ordered", errNotAllowed, it.Quantity, it.Number)
				}
				cx.Items = append(cx.Items, shopgate.CancellationItem{ItemNumber: it.Number, Quantity: q})
				parts = append(parts, fmt.Sprintf("%d × %s", q, it.Name))
			}
			if len(cx.Items) == 0 && !cx.CancelShipping {
				return fmt.Errorf("%w: choose what to cancel", errNotAllowed)
			}
		}
		status, text := ord.Status, "Cancelled: "+strings.Join(parts, ", ")
		if cx.CancelShipping {
			text += " (shipping costs)"
		}
		if complete {
			status, text = StatusCancelled, "Order cancelled"
			if err := tx.Model(&Order{}).Where("id = ?", ord.ID).Update("status", status).Error; err != nil {
				return err
			}
		}
		if note != "" {
			text += " — " + note
		}
		if err := tx.Create(&OrderHistory{OrderID: ord.ID, Status: status, Comment: text + "."}).Error; err != nil {
			return err
		}
		reported, err = o.svc.RecordCancellation(ctx, tx, id, cx)
		return err
	})
	if err != nil && !errors.Is(err, errNotAllowed) {
		o.a.Log.Error("cancel order", zap.String("order_id", id), zap.Error(err))
	}
	msg := "Cancellation saved."
	if reported {
		msg += " Shopgate will be informed."
	}
	return back(c, msg, err)
}

// pluginCall sends a signed Plugin API request to the shop's own endpoint
// in-process, as Shopgate would, and returns the decoded answer.
func (o *orderAdmin) pluginCall(ctx context.Context, form url.Values) (map[string]any, error) {
	if form.Get("shop_number") == "" {
		// The demo has two marketplaces: name the German one.
		form.Set("shop_number", o.a.sg.Creds.ShopNumber)
	}
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/shopgate/api", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cr := o.a.sg.Creds
	shopgate.SignRequest(req.Header, shopgate.PrefixSPA, cr.CustomerNumber, cr.APIKey, time.Now())
	rec := httptest.NewRecorder()
	o.a.Echo.ServeHTTP(rec, req)
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		return nil, fmt.Errorf("plugin api answered HTTP %d: %w", rec.Code, err)
	}
	if code, _ := m["error"].(float64); code != 0 {
		return m, fmt.Errorf("plugin api error %v: %v", m["error"], m["error_text"])
	}
	return m, nil
}

// demoOrder places a test order at the fake Merchant API (two products of
// this shop, prepayment, blocked for shipping until paid) and lets the
// Plugin API import it, as Shopgate would.
func (o *orderAdmin) demoOrder(c echo.Context) error {
	if !o.a.Demo || o.a.sg.Fake == nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	ctx := c.Request().Context()
	n, err := rand.Int(rand.Reader, big.NewInt(899999999))
	if err != nil {
		return err
	}
	number := strconv.FormatInt(1000000000+n.Int64(), 10)
	so := shopgatetest.NewTestOrder(number)
	so.IsShippingBlocked = true
	var ps []Product
	if err := o.a.DB.WithContext(ctx).Where("active = ? AND stock_quantity > 0", true).Order("id").Limit(2).Find(&ps).Error; err != nil {
		return err
	}
	if len(ps) > 0 {
		total := decimal.Zero
		so.Items = so.Items[:len(ps)]
		for i, p := range ps {
			it := &so.Items[i]
			it.ItemNumber, it.ItemNumberPublic, it.Name = strconv.FormatUint(uint64(p.ID), 10), p.Number, p.Name
			it.UnitAmountWithTax = p.Price
			it.UnitAmount = p.Price.Div(decimal.RequireFromString("1.19")).Round(2)
			it.InternalOrderInfo = p.Number
			total = total.Add(p.Price.Mul(decimal.NewFromInt(int64(it.Quantity))))
		}
		so.AmountItems = total
		so.AmountComplete = total.Add(so.AmountShipping).Add(so.AmountShopPayment)
	}
	o.a.sg.Fake.AddOrder(so)
	_, err = o.pluginCall(ctx, url.Values{"action": {"add_order"}, "order_number": {number}, "trace_id": {"demo-" + number}})
	return back(c, "Shopgate test order "+number+" imported.", err)
}

// demoPay plays Shopgate receiving the payment of a demo order: the fake
// marks it paid and released, then update_order tells the shop.
func (o *orderAdmin) demoPay(c echo.Context) error {
	if !o.a.Demo || o.a.sg.Fake == nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	ctx := c.Request().Context()
	var m gormmodels.ShopgateOrder
	if err := o.a.DB.WithContext(ctx).Where("host_order_id = ?", c.Param("id")).Take(&m).Error; err != nil {
		return back(c, "", fmt.Errorf("not a Shopgate order: %w", err))
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(m.RawOrder), &raw); err != nil {
		return err
	}
	raw["is_paid"], raw["is_shipping_blocked"] = 1, 0
	raw["payment_time"] = time.Now().Format(time.RFC3339)
	raw["payment_transaction_number"] = "DEMO-" + m.OrderNumber
	if err := o.a.sg.Fake.AddRawOrder(raw); err != nil {
		return err
	}
	_, err := o.pluginCall(ctx, url.Values{"action": {"update_order"}, "order_number": {m.OrderNumber},
		"payment": {"1"}, "shipping": {"1"}, "trace_id": {"demo-pay-" + m.OrderNumber}})
	return back(c, "Shopgate reported the payment of "+m.OrderNumber+"; the order is released for shipping.", err)
}
