package shopgate_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

var traceRe = regexp.MustCompile(`^spa-[0-9a-f]{13}$`)

// newPair starts a fake Merchant API and a client for it; mod may change
// the client configuration.
func newPair(t *testing.T, mod func(*shopgate.ClientConfig), opts ...shopgatetest.Option) (*shopgatetest.Server, *shopgate.Client) {
	t.Helper()
	srv := shopgatetest.NewServer(opts...)
	t.Cleanup(srv.Close)
	cfg := srv.ClientConfig()
	cfg.PluginVersion = "1.2.3"
	if mod != nil {
		mod(&cfg)
	}
	c, err := shopgate.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// fields returns the action-specific fields of a recorded request.
func fields(r shopgatetest.Request) map[string]any {
	m := maps.Clone(r.Params)
	for _, k := range []string{"action", "shop_number", "trace_id", "access_token"} {
		delete(m, k)
	}
	return m
}

func lastRequest(t *testing.T, srv *shopgatetest.Server) shopgatetest.Request {
	t.Helper()
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request received")
	}
	return reqs[len(reqs)-1]
}

func wantFields(t *testing.T, srv *shopgatetest.Server, action string, want map[string]any) {
	t.Helper()
	r := lastRequest(t, srv)
	if r.Action != action {
		t.Fatalf("action = %q, want %q", r.Action, action)
	}
	if got := fields(r); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s fields\n got %#v\nwant %#v", action, got, want)
	}
}

func fixedClock(unix int64) func() time.Time { return func() time.Time { return time.Unix(unix, 0) } }

func TestClientHeadersAndCommonFields(t *testing.T) {
	srv, c := newPair(t, func(cfg *shopgate.ClientConfig) { cfg.Now = fixedClock(1700000000) },
		shopgatetest.WithClock(fixedClock(1700000000)))
	r, err := c.Do(context.Background(), shopgate.ActionGetShopInfo, map[string]any{"shop_number": "99999"})
	if err != nil {
		t.Fatal(err)
	}
	req := lastRequest(t, srv)
	h := req.Header
	wantHeaders := map[string]string{
		shopgate.HeaderAuthUser:       "12345-1700000000",
		shopgate.HeaderAuthToken:      "2aaf32ba88790e7abd88c0e5b65f3c89983127ca", // docs/protocol/merchant-api.md#sma-authentication
		shopgate.HeaderLibraryVersion: "2.10.3",
		shopgate.HeaderPluginVersion:  "1.2.3",
		"User-Agent":                  "ShopgatePlugin/1.2.3",
		"Content-Type":                "application/x-www-form-urlencoded",
		"Accept":                      "*/*",
	}
	for k, v := range wantHeaders {
		if got := h.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if req.Method != http.MethodPost {
		t.Errorf("method %s", req.Method)
	}
	if got := req.Param("shop_number"); got != shopgatetest.DefaultShopNumber {
		t.Errorf("shop_number = %q, the configured value must override the caller's", got)
	}
	trace := req.Param("trace_id")
	if !traceRe.MatchString(trace) {
		t.Errorf("trace_id %q does not match %s", trace, traceRe)
	}
	if !strings.HasPrefix(trace, "spa-6553f100") { // 1700000000 = 0x6553f100
		t.Errorf("trace_id %q does not start with the hex seconds", trace)
	}
	if r.TraceID != trace {
		t.Errorf("echoed trace id %q, sent %q", r.TraceID, trace)
	}
	if r.SMAVersion != "1.0" {
		t.Errorf("sma_version %q", r.SMAVersion)
	}
	// Trace ids stay unique with a frozen clock.
	if _, err := c.Do(context.Background(), shopgate.ActionGetShopInfo, nil); err != nil {
		t.Fatal(err)
	}
	if next := lastRequest(t, srv).Param("trace_id"); next == trace || !traceRe.MatchString(next) {
		t.Errorf("second trace id %q (first %q)", next, trace)
	}
}

func TestClientDefaultVersionHeaders(t *testing.T) {
	srv, c := newPair(t, func(cfg *shopgate.ClientConfig) { cfg.PluginVersion = "" })
	if _, err := c.GetShopInfo(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := lastRequest(t, srv).Header
	if h.Get("User-Agent") != "ShopgatePlugin/called outside plugin" || h.Get(shopgate.HeaderPluginVersion) != "called outside plugin" {
		t.Errorf("headers without plugin version: %v", h)
	}
}

func TestClientAuthErrors(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name string
		mod  func(*shopgate.ClientConfig)
		code int
	}{
		{"wrong api key", func(c *shopgate.ClientConfig) { c.APIKey = "ffffffffffffffffffff" }, shopgate.SMACodeAuthTokenInvalid},
		{"wrong customer", func(c *shopgate.ClientConfig) { c.CustomerNumber = "54321" }, shopgate.SMACodeAuthTokenInvalid},
		{"clock 31 min behind", func(c *shopgate.ClientConfig) { c.Now = func() time.Time { return now.Add(-31 * time.Minute) } }, shopgate.SMACodeAuthTooOld},
		{"clock 31 min ahead", func(c *shopgate.ClientConfig) { c.Now = func() time.Time { return now.Add(31 * time.Minute) } }, shopgate.SMACodeAuthTooOld},
		{"no shop number", func(c *shopgate.ClientConfig) { c.ShopNumber = "" }, shopgate.SMACodeShopNumberNotSet},
		{"other shop", func(c *shopgate.ClientConfig) { c.ShopNumber = "11111" }, shopgate.SMACodeShopNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newPair(t, tc.mod, shopgatetest.WithClock(func() time.Time { return now }))
			_, err := c.GetShopInfo(context.Background())
			var me *shopgate.MerchantAPIError
			if !errors.As(err, &me) || me.Code != tc.code {
				t.Fatalf("err = %v, want MerchantAPIError %d", err, tc.code)
			}
			if me.TraceID == "" || me.Action != shopgate.ActionGetShopInfo {
				t.Errorf("error lacks trace id or action: %+v", me)
			}
		})
	}
	t.Run("clock 29 min off is fine", func(t *testing.T) {
		_, c := newPair(t, func(c *shopgate.ClientConfig) { c.Now = func() time.Time { return now.Add(-29 * time.Minute) } },
			shopgatetest.WithClock(func() time.Time { return now }))
		if _, err := c.GetShopInfo(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestClientOAuth(t *testing.T) {
	srv, c := newPair(t, nil, shopgatetest.WithOAuth("tok-123"))
	if !c.OAuth() {
		t.Fatal("client not in OAuth mode")
	}
	info, err := c.GetShopInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.OAuthAccessToken != "tok-123" || info.ShopNumber != shopgatetest.DefaultShopNumber || info.APIKey != shopgatetest.DefaultAPIKey {
		t.Errorf("shop info %+v", info)
	}
	req := lastRequest(t, srv)
	if req.Param("access_token") != "tok-123" {
		t.Errorf("access_token = %q", req.Param("access_token"))
	}
	if _, has := req.Params["shop_number"]; has {
		t.Error("shop_number sent in OAuth mode")
	}
	if req.Header.Get(shopgate.HeaderAuthUser) != "" || req.Header.Get(shopgate.HeaderAuthToken) != "" {
		t.Error("auth headers sent in OAuth mode")
	}
	if req.Header.Get(shopgate.HeaderLibraryVersion) != "2.10.3" {
		t.Error("version header missing in OAuth mode")
	}

	_, bad := newPair(t, func(c *shopgate.ClientConfig) { c.AccessToken = "wrong" }, shopgatetest.WithOAuth("tok-123"))
	var me *shopgate.MerchantAPIError
	if _, err := bad.GetShopInfo(context.Background()); !errors.As(err, &me) || me.Code != shopgate.SMACodeAccessTokenInvalid {
		t.Fatalf("wrong token: %v", err)
	}
}

func TestNewClientConfig(t *testing.T) {
	creds := shopgate.ClientConfig{CustomerNumber: "12345", APIKey: "0123456789abcdef0123", ShopNumber: "67890"}
	with := func(f func(*shopgate.ClientConfig)) shopgate.ClientConfig {
		c := creds
		f(&c)
		return c
	}
	good := []struct {
		cfg  shopgate.ClientConfig
		want string
	}{
		{creds, "https://api.shopgate.com/merchant/"},
		{with(func(c *shopgate.ClientConfig) { c.Environment = shopgate.EnvPlayground }), "https://api.shopgatepg.com/merchant/"},
		{with(func(c *shopgate.ClientConfig) { c.Environment = shopgate.EnvSpotlight }), "https://api.shopgatesl.com/merchant/"},
		{with(func(c *shopgate.ClientConfig) { c.AccessToken = "t" }), "https://api.shopgate.com/merchant2/"},
		{with(func(c *shopgate.ClientConfig) { c.Environment = shopgate.EnvPlayground; c.AccessToken = "t" }), "https://api.shopgatepg.com/merchant2/"},
		{with(func(c *shopgate.ClientConfig) { c.BaseURL = "http://127.0.0.1:1/x" }), "http://127.0.0.1:1/x"},
		{with(func(c *shopgate.ClientConfig) {
			c.Environment = shopgate.EnvCustom
			c.BaseURL = "https://dev.example/api/merchant"
		}), "https://dev.example/api/merchant"},
		{shopgate.ClientConfig{AccessToken: "t"}, "https://api.shopgate.com/merchant2/"},
	}
	for _, g := range good {
		c, err := shopgate.NewClient(g.cfg)
		if err != nil {
			t.Errorf("NewClient(%+v): %v", g.cfg, err)
			continue
		}
		if c.BaseURL() != g.want {
			t.Errorf("BaseURL = %q, want %q", c.BaseURL(), g.want)
		}
	}
	bad := map[string]shopgate.ClientConfig{
		"unknown environment": with(func(c *shopgate.ClientConfig) { c.Environment = "staging" }),
		"custom without url":  with(func(c *shopgate.ClientConfig) { c.Environment = shopgate.EnvCustom }),
		"custom with bad url": with(func(c *shopgate.ClientConfig) { c.BaseURL = "ftp://x" }),
		"custom with no host": with(func(c *shopgate.ClientConfig) { c.BaseURL = "http://" }),
		"url with live":       with(func(c *shopgate.ClientConfig) { c.Environment = shopgate.EnvLive; c.BaseURL = "http://x" }),
		"no api key":          with(func(c *shopgate.ClientConfig) { c.APIKey = " " }),
		"no customer number":  with(func(c *shopgate.ClientConfig) { c.CustomerNumber = "" }),
	}
	for name, cfg := range bad {
		if _, err := shopgate.NewClient(cfg); err == nil {
			t.Errorf("%s: NewClient accepted %+v", name, cfg)
		}
	}
}

func TestGetOrders(t *testing.T) {
	srv, c := newPair(t, nil)
	base := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	for i, n := range []string{"1005", "1001", "1003", "1002", "1004"} {
		o := shopgatetest.NewTestOrder(n)
		// Created in number order, added out of order.
		o.CreatedTime = base.Add(time.Duration(n[3]-'0') * time.Hour)
		_ = i
		srv.AddOrder(o)
	}
	ctx := context.Background()

	from := time.Date(2026, 1, 10, 13, 0, 0, 0, time.FixedZone("CET", 3600))
	page, err := c.GetOrders(ctx, shopgate.GetOrdersRequest{
		DateFrom: from, DateTo: base.Add(4 * time.Hour), Limit: 2, Offset: 1,
		OrderNumbers: []string{"1001", "1002", "1003", "1004", "1005"}, WithItems: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionGetOrders, map[string]any{
		"date_from": "2026-01-10T13:00:00+01:00", "date_to": "2026-01-10T16:00:00+00:00",
		"limit": "2", "offset": "1", "with_items": "1",
		"order_numbers": []any{"1001", "1002", "1003", "1004", "1005"},
	})
	// 12:00Z..16:00Z holds 1001..1004; offset 1, limit 2 → 1002, 1003.
	if len(page.Orders) != 2 || page.Orders[0].OrderNumber != "1002" || page.Orders[1].OrderNumber != "1003" {
		t.Fatalf("orders %+v", page.Orders)
	}
	if !page.HasMoreResults || page.Limit != 2 || page.Offset != 1 || page.TraceID == "" {
		t.Errorf("page meta %+v", page)
	}
	o := page.Orders[0]
	if len(o.Items) != 2 || !o.AmountComplete.Equal(decimal.RequireFromString("149.85")) || !o.IsTest ||
		o.IsShippingBlocked || o.InvoiceAddress.LastName != "Mustermann" || o.PaymentInfos["purpose"] != "SG1002" {
		t.Errorf("order decoded wrongly: %+v", o)
	}

	// Without with_items no items; no parameters → only with_items=0.
	page, err = c.GetOrders(ctx, shopgate.GetOrdersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionGetOrders, map[string]any{"with_items": "0"})
	if len(page.Orders) != 5 || len(page.Orders[0].Items) != 0 || page.HasMoreResults {
		t.Errorf("default page: %d orders, items %d, more %v", len(page.Orders), len(page.Orders[0].Items), page.HasMoreResults)
	}

	if _, err := c.GetOrders(ctx, shopgate.GetOrdersRequest{Limit: 101}); !errors.Is(err, shopgate.ErrInvalidArgument) {
		t.Errorf("limit 101: %v", err)
	}
}

func TestGetAllOrdersPaginates(t *testing.T) {
	srv, c := newPair(t, nil)
	base := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	for i := range 5 {
		o := shopgatetest.NewTestOrder("20" + string(rune('0'+i)))
		o.CreatedTime = base.Add(time.Duration(i) * time.Minute)
		srv.AddOrder(o)
	}
	all, err := c.GetAllOrders(context.Background(), shopgate.GetOrdersRequest{Limit: 2, WithItems: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range all {
		got = append(got, o.OrderNumber)
	}
	if strings.Join(got, ",") != "200,201,202,203,204" {
		t.Fatalf("orders %v", got)
	}
	reqs := srv.RequestsFor(shopgate.ActionGetOrders)
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3 (stop when has_more_results is false)", len(reqs))
	}
	for i, r := range reqs {
		if want := []string{"0", "2", "4"}[i]; r.Param("offset") != want {
			t.Errorf("request %d offset %q, want %s", i, r.Param("offset"), want)
		}
	}

	// A server that claims more results without sending any must not loop.
	srv.FailAlways(shopgate.ActionGetOrders, shopgatetest.HTTPFault(200, "application/json", `{"error":0,"orders":[],"has_more_results":1}`))
	if _, err := c.GetAllOrders(context.Background(), shopgate.GetOrdersRequest{}); !errors.Is(err, shopgate.ErrInvalidResponse) {
		t.Fatalf("endless pagination: %v", err)
	}
}

func TestGetOrder(t *testing.T) {
	srv, c := newPair(t, nil)
	srv.AddOrder(shopgatetest.NewTestOrder("1012001234"))
	o, err := c.GetOrder(context.Background(), "1012001234")
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionGetOrders, map[string]any{"order_numbers": []any{"1012001234"}, "with_items": "1"})
	if o.OrderNumber != "1012001234" || len(o.Items) != 2 || o.Items[0].Quantity != 2 {
		t.Errorf("order %+v", o)
	}
	_, err = c.GetOrder(context.Background(), "404")
	var ce *shopgate.CallError
	if !errors.Is(err, shopgate.ErrInvalidResponse) || !errors.As(err, &ce) {
		t.Fatalf("unknown order: %v", err)
	}
	if ae := shopgate.ToAPIError(err); ae == nil || ae.Code != shopgate.CodeMerchantAPIInvalidResp {
		t.Errorf("ToAPIError = %v", ae)
	}
}

func TestGetOrderRawWireData(t *testing.T) {
	srv, c := newPair(t, nil)
	err := srv.AddRawOrder(map[string]any{
		"order_number": 777, "created_time": "2026-01-02 03:04:05", "is_shipping_blocked": "1",
		"amount_complete": "10.10", "invoice_address": []any{}, "payment_infos": []any{},
		"items": map[string]any{"0": map[string]any{"item_number": "A", "quantity": "3", "unit_amount_with_tax": 3.3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	o, err := c.GetOrder(context.Background(), "777")
	if err != nil {
		t.Fatal(err)
	}
	if !o.IsShippingBlocked || o.AmountComplete.String() != "10.1" || len(o.Items) != 1 || o.Items[0].Quantity != 3 ||
		o.Items[0].UnitAmountWithTax.String() != "3.3" || o.CreatedTime.Hour() != 3 {
		t.Errorf("raw order decoded wrongly: %+v", o)
	}
	if err := srv.AddRawOrder(map[string]any{"amount_complete": "1"}); err == nil {
		t.Error("AddRawOrder accepted an order without number")
	}
}

func TestAddOrderDeliveryNote(t *testing.T) {
	srv, c := newPair(t, nil)
	srv.AddOrder(shopgatetest.NewTestOrder("1012001234"))
	ctx := context.Background()
	if _, err := c.AddOrderDeliveryNote(ctx, shopgate.DeliveryNoteRequest{OrderNumber: "1012001234", ShippingServiceID: shopgate.CarrierDHL}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionAddOrderDeliveryNote, map[string]any{
		"order_number": "1012001234", "shipping_service_id": "DHL", "tracking_number": "",
		"mark_as_completed": "0", "send_customer_email": "0",
	})
	if _, err := c.AddOrderDeliveryNote(ctx, shopgate.DeliveryNoteRequest{OrderNumber: "1012001234", ShippingServiceID: "UPS",
		TrackingNumber: "1Z 999", MarkAsCompleted: true, SendCustomerEmail: true}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionAddOrderDeliveryNote, map[string]any{
		"order_number": "1012001234", "shipping_service_id": "UPS", "tracking_number": "1Z 999",
		"mark_as_completed": "1", "send_customer_email": "1",
	})
	st, _ := srv.Order("1012001234")
	if !st.ShippingCompleted || len(st.DeliveryNotes) != 2 || st.DeliveryNotes[1].TrackingNumber != "1Z 999" {
		t.Errorf("state %+v", st)
	}
	// The order now shows the notes and the completed flag.
	o, err := c.GetOrder(ctx, "1012001234")
	if err != nil {
		t.Fatal(err)
	}
	if !o.IsShippingCompleted || len(o.DeliveryNotes) != 2 || o.ShippingCompletedTime.IsZero() {
		t.Errorf("order after notes: completed %v notes %d", o.IsShippingCompleted, len(o.DeliveryNotes))
	}

	codes := []struct {
		req  shopgate.DeliveryNoteRequest
		code int
	}{
		{shopgate.DeliveryNoteRequest{OrderNumber: "1012001234", ShippingServiceID: "DHL"}, shopgate.SMACodeOrderShippingCompleted},
		{shopgate.DeliveryNoteRequest{OrderNumber: "404", ShippingServiceID: "DHL"}, shopgate.SMACodeOrderNotFound},
		{shopgate.DeliveryNoteRequest{OrderNumber: "1012001234", ShippingServiceID: "MANUAL"}, shopgate.SMACodeInvalidShippingServiceID},
	}
	for _, tc := range codes {
		_, err := c.AddOrderDeliveryNote(ctx, tc.req)
		var me *shopgate.MerchantAPIError
		if !errors.As(err, &me) || me.Code != tc.code {
			t.Errorf("%+v: %v, want %d", tc.req, err, tc.code)
		}
	}
	if _, err := c.AddOrderDeliveryNote(ctx, shopgate.DeliveryNoteRequest{OrderNumber: "1"}); !errors.Is(err, shopgate.ErrInvalidArgument) {
		t.Errorf("missing carrier: %v", err)
	}
}

func TestSetOrderShippingCompleted(t *testing.T) {
	srv, c := newPair(t, nil)
	srv.AddOrder(shopgatetest.NewTestOrder("1"))
	ctx := context.Background()
	srv.SetOrderOnHold("1", true)
	var me *shopgate.MerchantAPIError
	if _, err := c.SetOrderShippingCompleted(ctx, shopgate.ShippingCompletedRequest{OrderNumber: "1"}); !errors.As(err, &me) || me.Code != shopgate.SMACodeOrderOnHold {
		t.Fatalf("on hold: %v", err)
	}
	srv.SetOrderOnHold("1", false)
	r, err := c.SetOrderShippingCompleted(ctx, shopgate.ShippingCompletedRequest{OrderNumber: "1", SendCustomerEmail: true})
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionSetOrderShippingCompleted, map[string]any{"order_number": "1", "send_customer_email": "1"})
	if string(r.Payload["order_number"]) != `"1"` {
		t.Errorf("payload %s", r.Payload["order_number"])
	}
	if _, err := c.SetOrderShippingCompleted(ctx, shopgate.ShippingCompletedRequest{OrderNumber: "1"}); !errors.As(err, &me) || me.Code != shopgate.SMACodeOrderShippingCompleted {
		t.Fatalf("second time: %v", err)
	}
	if _, err := c.SetOrderShippingCompleted(ctx, shopgate.ShippingCompletedRequest{OrderNumber: "2"}); !errors.As(err, &me) || me.Code != shopgate.SMACodeOrderNotFound {
		t.Fatalf("unknown: %v", err)
	}
	srv.AddOrder(shopgatetest.NewTestOrder("3"))
	srv.SetOrderShippingBlocked("3", true)
	if _, err := c.SetOrderShippingCompleted(ctx, shopgate.ShippingCompletedRequest{OrderNumber: "3"}); !errors.As(err, &me) || me.Code != shopgate.SMACodeOrderOnHold {
		t.Fatalf("shipping blocked: %v", err)
	}
}

func TestCancelOrder(t *testing.T) {
	srv, c := newPair(t, nil)
	srv.AddOrder(shopgatetest.NewTestOrder("1")) // SKU-1001 ×2, SKU-2002 ×1
	srv.AddOrder(shopgatetest.NewTestOrder("2"))
	ctx := context.Background()

	res, err := c.CancelOrder(ctx, shopgate.CancelOrderRequest{OrderNumber: "1",
		Items:          []shopgate.CancellationItem{{ItemNumber: "SKU-1001", Quantity: 1}, {ItemNumber: "SKU-2002", Quantity: 1}},
		CancelShipping: true, Note: "out of stock"})
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionCancelOrder, map[string]any{
		"order_number": "1", "cancel_complete_order": "0", "cancel_shipping": "1", "cancellation_note": "out of stock",
		"cancellation_items": []any{
			map[string]any{"item_number": "SKU-1001", "quantity": "1"},
			map[string]any{"item_number": "SKU-2002", "quantity": "1"},
		},
	})
	if res.CancellationNumber == "" || res.TraceID == "" {
		t.Errorf("result %+v", res)
	}
	st, _ := srv.Order("1")
	if st.RemainingItems["SKU-1001"] != 1 || st.RemainingItems["SKU-2002"] != 0 || !st.ShippingCancelled || st.Cancelled {
		t.Errorf("state after partial: %+v", st)
	}

	codes := []struct {
		name string
		req  shopgate.CancelOrderRequest
		code int
	}{
		{"shipping twice", shopgate.CancelOrderRequest{OrderNumber: "1", CancelShipping: true}, shopgate.SMACodeShippingAlreadyCancelled},
		{"unknown item", shopgate.CancelOrderRequest{OrderNumber: "1", Items: []shopgate.CancellationItem{{ItemNumber: "X", Quantity: 1}}}, shopgate.SMACodeCancelInvalidItem},
		{"too many", shopgate.CancelOrderRequest{OrderNumber: "1", Items: []shopgate.CancellationItem{{ItemNumber: "SKU-1001", Quantity: 2}}}, shopgate.SMACodeCancelInvalidQuantity},
		{"unknown order", shopgate.CancelOrderRequest{OrderNumber: "9", CancelCompleteOrder: true}, shopgate.SMACodeOrderNotFound},
	}
	for _, tc := range codes {
		_, err := c.CancelOrder(ctx, tc.req)
		var me *shopgate.MerchantAPIError
		if !errors.As(err, &me) || me.Code != tc.code {
			t.Errorf("%s: %v, want %d", tc.name, err, tc.code)
		}
	}

	res2, err := c.CancelOrder(ctx, shopgate.CancelOrderRequest{OrderNumber: "2", CancelCompleteOrder: true})
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionCancelOrder, map[string]any{
		"order_number": "2", "cancel_complete_order": "1", "cancel_shipping": "0", "cancellation_note": "",
	})
	if res2.CancellationNumber == res.CancellationNumber {
		t.Errorf("cancellation numbers repeat: %s", res.CancellationNumber)
	}
	var me *shopgate.MerchantAPIError
	if _, err := c.CancelOrder(ctx, shopgate.CancelOrderRequest{OrderNumber: "2", CancelCompleteOrder: true}); !errors.As(err, &me) || me.Code != shopgate.SMACodeOrderAlreadyCancelled {
		t.Errorf("already cancelled: %v", err)
	}
	if o, err := c.GetOrder(ctx, "2"); err != nil || !o.IsStorno {
		t.Errorf("cancelled order not storno: %v", err)
	}

	// Refused locally: the server would answer 226.
	n := len(srv.Requests())
	if _, err := c.CancelOrder(ctx, shopgate.CancelOrderRequest{OrderNumber: "1"}); !errors.Is(err, shopgate.ErrInvalidArgument) {
		t.Errorf("empty partial: %v", err)
	}
	if _, err := c.CancelOrder(ctx, shopgate.CancelOrderRequest{OrderNumber: "1", Items: []shopgate.CancellationItem{{ItemNumber: "A"}}}); !errors.Is(err, shopgate.ErrInvalidArgument) {
		t.Errorf("zero quantity: %v", err)
	}
	if len(srv.Requests()) != n {
		t.Error("invalid requests were sent")
	}
	// The server's own check, through Do.
	if _, err := c.Do(ctx, shopgate.ActionCancelOrder, map[string]any{"order_number": "1", "cancel_complete_order": false, "cancel_shipping": false}); !errors.As(err, &me) || me.Code != shopgate.SMACodeCancelInvalidArguments {
		t.Errorf("226: %v", err)
	}
}

func TestGetMobileRedirectUserAgents(t *testing.T) {
	srv, c := newPair(t, nil, shopgatetest.WithKeywords([]string{"iPhone", "Android"}, []string{"iPad"}))
	ctx := context.Background()
	ua, err := c.GetMobileRedirectUserAgents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionGetMobileRedirectUserAgents, map[string]any{})
	if !reflect.DeepEqual(ua.Keywords, []string{"iPhone", "Android"}) || !reflect.DeepEqual(ua.SkipKeywords, []string{"iPad"}) {
		t.Errorf("keywords %+v", ua)
	}
	srv.SetKeywords([]string{"Mobile"}, nil)
	if ua, err = c.GetMobileRedirectUserAgents(ctx); err != nil || !reflect.DeepEqual(ua.Keywords, []string{"Mobile"}) || ua.SkipKeywords == nil || len(ua.SkipKeywords) != 0 {
		t.Errorf("after SetKeywords: %+v, %v", ua, err)
	}

	// The docs' example spelling skipKeywords is accepted.
	srv.FailNext(shopgate.ActionGetMobileRedirectUserAgents, shopgatetest.HTTPFault(200, "application/json",
		`{"error":0,"keywords":["a"],"skipKeywords":["b"]}`))
	if ua, err = c.GetMobileRedirectUserAgents(ctx); err != nil || ua.SkipKeywords[0] != "b" {
		t.Errorf("skipKeywords fallback: %+v, %v", ua, err)
	}
	// Both lists are required.
	for _, body := range []string{`{"error":0,"keywords":["a"]}`, `{"error":0,"skip_keywords":["a"]}`, `{"error":0,"keywords":"a","skip_keywords":[]}`} {
		srv.FailNext(shopgate.ActionGetMobileRedirectUserAgents, shopgatetest.HTTPFault(200, "application/json", body))
		if _, err := c.GetMobileRedirectUserAgents(ctx); !errors.Is(err, shopgate.ErrInvalidResponse) {
			t.Errorf("%s: %v", body, err)
		}
	}
	srv.FailNext(shopgate.ActionGetMobileRedirectUserAgents, shopgatetest.MissingPayload())
	if _, err := c.GetMobileRedirectUserAgents(ctx); !errors.Is(err, shopgate.ErrInvalidResponse) {
		t.Errorf("missing payload: %v", err)
	}
}

// TestGetMobileRedirectUserAgentsTimeout checks the 1 s bound of the
// keyword call (the other calls keep their 30 s).
func TestGetMobileRedirectUserAgentsTimeout(t *testing.T) {
	srv, c := newPair(t, nil)
	srv.SetKeywordsDelay(5 * time.Second)
	start := time.Now()
	_, err := c.GetMobileRedirectUserAgents(context.Background())
	if !errors.Is(err, shopgate.ErrNoConnection) {
		t.Fatalf("err = %v, want ErrNoConnection", err)
	}
	// Generous upper bound: the machine may be loaded; the point is that
	// neither the 30 s default nor the 5 s delay was waited for.
	if d := time.Since(start); d < 900*time.Millisecond || d > 3*time.Second {
		t.Errorf("gave up after %v, want about 1 s", d)
	}
}

func TestGetShopInfo(t *testing.T) {
	srv, c := newPair(t, nil, shopgatetest.WithShopInfo("myshop", "m.example.com"))
	info, err := c.GetShopInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionGetShopInfo, map[string]any{})
	if info.Alias != "myshop" || info.CName != "m.example.com" || info.CustomerNumber != "12345" || info.ShopNumber != "67890" {
		t.Errorf("info %+v", info)
	}
	if _, ok := info.Payload["alias"]; !ok {
		t.Error("payload not kept")
	}
}

func TestItemActions(t *testing.T) {
	srv, c := newPair(t, nil)
	ctx := context.Background()
	dec := decimal.RequireFromString
	item := shopgate.Item{
		ItemNumber: "A1", Name: shopgate.Ptr("Shoe"), UnitAmountWithTax: shopgate.Ptr(dec("19.99")),
		TaxPercent: shopgate.Ptr(dec("19")), IsActive: shopgate.Ptr(false), CategoryNumbers: []string{"C1", "C2"},
		Options: []shopgate.ItemOption{{OptionNumber: "O1", Name: "Size", OptionValues: []shopgate.OptionValue{
			{ValueNumber: "V1", Value: "42", AdditionalAmountWithTax: shopgate.Ptr(dec("1.50"))}}}},
		Extra: map[string]any{"custom_x": "y", "name": "ignored"},
	}
	if _, err := c.AddItem(ctx, item); err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionAddItem, map[string]any{
		"item_number": "A1", "name": "Shoe", "unit_amount_with_tax": "19.99", "tax_percent": "19", "is_active": "0",
		"category_numbers": []any{"C1", "C2"}, "custom_x": "y",
		"options": []any{map[string]any{"option_number": "O1", "name": "Size", "option_values": []any{
			map[string]any{"value_number": "V1", "value": "42", "additional_amount_with_tax": "1.5"}}}},
	})
	var me *shopgate.MerchantAPIError
	if _, err := c.AddItem(ctx, item); !errors.As(err, &me) || me.Code != shopgate.SMACodeItemAlreadyExists {
		t.Errorf("add twice: %v", err)
	}
	// A partial update sends only what is set: no flag is reset.
	if _, err := c.UpdateItem(ctx, shopgate.Item{ItemNumber: "A1", StockQuantity: shopgate.Ptr(5)}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionUpdateItem, map[string]any{"item_number": "A1", "stock_quantity": "5"})
	if stored, _ := srv.Item("A1"); stored["name"] != "Shoe" || stored["stock_quantity"] != "5" {
		t.Errorf("stored %v", stored)
	}
	if _, err := c.UpdateItem(ctx, shopgate.Item{ItemNumber: "B"}); !errors.As(err, &me) || me.Code != shopgate.SMACodeItemNotFound {
		t.Errorf("update unknown: %v", err)
	}

	r, err := c.BatchAddItems(ctx, []shopgate.Item{{ItemNumber: "A2", Name: shopgate.Ptr("x")}, {ItemNumber: "A1"}, {ItemNumber: "A3", Name: shopgate.Ptr("y")}})
	if !errors.As(err, &me) || me.Code != shopgate.SMACodeBatchMultipleErrors || r == nil {
		t.Fatalf("batch with duplicate: %v", err)
	}
	if len(me.Errors) != 1 || me.Errors[0].Index != 1 || me.Errors[0].Code != shopgate.SMACodeItemAlreadyExists || len(me.Errors[0].Raw) == 0 {
		t.Errorf("batch errors %+v", me.Errors)
	}
	wantFields(t, srv, shopgate.ActionBatchAddItems, map[string]any{"items": []any{
		map[string]any{"item_number": "A2", "name": "x"}, map[string]any{"item_number": "A1"}, map[string]any{"item_number": "A3", "name": "y"},
	}})
	if ae := shopgate.ToAPIError(err); ae == nil || ae.Code != 102 {
		t.Errorf("ToAPIError %v", ae)
	} else if _, text := ae.Envelope(); !strings.HasPrefix(text, `error code received: "166 - `) || !strings.Contains(text, "\n[{") {
		t.Errorf("102 text with errors list: %q", text)
	}
	if _, err := c.BatchUpdateItems(ctx, []shopgate.Item{{ItemNumber: "A2", Name: shopgate.Ptr("z")}}); err != nil {
		t.Fatal(err)
	}
	if stored, _ := srv.Item("A2"); stored["name"] != "z" {
		t.Errorf("batch update stored %v", stored)
	}

	page, err := c.GetItems(ctx, shopgate.ItemFilter{ItemNumbers: []string{"A1", "A2"}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionGetItems, map[string]any{"item_numbers": []any{"A1", "A2"}, "limit": "10"})
	if len(page.Items) != 2 || page.Items[0].ItemNumber != "A1" || page.Items[0].StockQuantity == nil || *page.Items[0].StockQuantity != 5 ||
		page.Items[0].IsActive == nil || *page.Items[0].IsActive || !page.Items[0].UnitAmountWithTax.Equal(dec("19.99")) {
		t.Errorf("items %+v", page.Items)
	}

	if _, err := c.DeleteItem(ctx, "A3"); err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionDeleteItem, map[string]any{"item_number": "A3"})
	if _, err := c.DeleteItem(ctx, "A3"); !errors.As(err, &me) || me.Code != shopgate.SMACodeItemNotFound {
		t.Errorf("delete twice: %v", err)
	}
	if _, err := c.AddItem(ctx, shopgate.Item{}); !errors.Is(err, shopgate.ErrInvalidArgument) {
		t.Errorf("empty item number: %v", err)
	}
	srv.FailNext(shopgate.ActionGetItems, shopgatetest.MissingPayload())
	if _, err := c.GetItems(ctx, shopgate.ItemFilter{}); !errors.Is(err, shopgate.ErrInvalidResponse) {
		t.Errorf("items missing: %v", err)
	}
}

func TestBatchTooLarge(t *testing.T) {
	_, c := newPair(t, nil, shopgatetest.WithBatchLimit(2))
	var me *shopgate.MerchantAPIError
	_, err := c.BatchAddItems(context.Background(), []shopgate.Item{{ItemNumber: "1"}, {ItemNumber: "2"}, {ItemNumber: "3"}})
	if !errors.As(err, &me) || me.Code != shopgate.SMACodeBatchTooManyElements {
		t.Fatalf("%v", err)
	}
}

func TestCategoryActions(t *testing.T) {
	srv, c := newPair(t, nil)
	ctx := context.Background()
	var me *shopgate.MerchantAPIError
	if _, err := c.AddCategory(ctx, shopgate.Category{CategoryNumber: "C1", Name: shopgate.Ptr("Shoes"),
		ParentCategoryNumber: shopgate.Ptr(""), OrderIndex: shopgate.Ptr(3), IsActive: shopgate.Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionAddCategory, map[string]any{
		"category_number": "C1", "name": "Shoes", "parent_category_number": "", "order_index": "3", "is_active": "1",
	})
	if _, err := c.AddCategory(ctx, shopgate.Category{CategoryNumber: "C1"}); !errors.As(err, &me) || me.Code != shopgate.SMACodeCategoryNumberExists {
		t.Errorf("add twice: %v", err)
	}
	if _, err := c.AddCategory(ctx, shopgate.Category{CategoryNumber: "C2", ParentCategoryNumber: shopgate.Ptr("X")}); !errors.As(err, &me) || me.Code != shopgate.SMACodeParentCategoryNotFound {
		t.Errorf("unknown parent: %v", err)
	}
	if _, err := c.AddCategory(ctx, shopgate.Category{CategoryNumber: "C2", ParentCategoryNumber: shopgate.Ptr("C1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateCategory(ctx, shopgate.Category{CategoryNumber: "C2", Name: shopgate.Ptr("Boots")}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionUpdateCategory, map[string]any{"category_number": "C2", "name": "Boots"})
	if _, err := c.UpdateCategory(ctx, shopgate.Category{CategoryNumber: "C9"}); !errors.As(err, &me) || me.Code != shopgate.SMACodeCategoryNotFound {
		t.Errorf("update unknown: %v", err)
	}

	srv.PutItem(map[string]any{"item_number": "A1"})
	if _, err := c.AddItemToCategory(ctx, shopgate.ItemCategoryRequest{CategoryNumber: "C1", ItemNumber: "A1", OrderIndex: shopgate.Ptr(5)}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionAddItemToCategory, map[string]any{"category_number": "C1", "item_number": "A1", "order_index": "5"})
	if _, err := c.AddItemToCategory(ctx, shopgate.ItemCategoryRequest{CategoryNumber: "C2", ItemNumber: "A1"}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionAddItemToCategory, map[string]any{"category_number": "C2", "item_number": "A1"})
	if got := srv.CategoryItems("C1"); got["A1"] != 5 {
		t.Errorf("category items %v", got)
	}
	if _, err := c.AddItemToCategory(ctx, shopgate.ItemCategoryRequest{CategoryNumber: "C1", ItemNumber: "B"}); !errors.As(err, &me) || me.Code != shopgate.SMACodeItemNotFound {
		t.Errorf("unknown item: %v", err)
	}

	page, err := c.GetCategories(ctx, shopgate.CategoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionGetCategories, map[string]any{})
	if len(page.Categories) != 2 || page.Categories[0].CategoryNumber != "C1" || page.Categories[0].OrderIndex == nil ||
		*page.Categories[0].OrderIndex != 3 || page.Categories[0].IsActive == nil || !*page.Categories[0].IsActive {
		t.Errorf("categories %+v", page.Categories)
	}

	if _, err := c.DeleteItemFromCategory(ctx, "C2", "A1"); err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionDeleteItemFromCategory, map[string]any{"category_number": "C2", "item_number": "A1"})
	if _, err := c.DeleteItemFromCategory(ctx, "C2", "A1"); !errors.As(err, &me) || me.Code != shopgate.SMACodeItemNotFound {
		t.Errorf("remove twice: %v", err)
	}

	if _, err := c.DeleteCategory(ctx, shopgate.DeleteCategoryRequest{CategoryNumber: "C1"}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, srv, shopgate.ActionDeleteCategory, map[string]any{"category_number": "C1", "delete_subcategories": "0", "delete_items": "0"})
	if got := srv.CategoryNumbers(); !reflect.DeepEqual(got, []string{"C2"}) {
		t.Errorf("categories after delete %v", got)
	}
	if cat, _ := srv.Category("C2"); cat["parent_category_number"] != "" {
		t.Errorf("child not re-rooted: %v", cat)
	}
	if _, err := c.DeleteCategory(ctx, shopgate.DeleteCategoryRequest{CategoryNumber: "C1", DeleteItems: true, DeleteSubcategories: true}); !errors.As(err, &me) || me.Code != shopgate.SMACodeCategoryNotFound {
		t.Errorf("delete unknown: %v", err)
	}
	wantFields(t, srv, shopgate.ActionDeleteCategory, map[string]any{"category_number": "C1", "delete_subcategories": "1", "delete_items": "1"})
	srv.FailNext(shopgate.ActionGetCategories, shopgatetest.MissingPayload())
	if _, err := c.GetCategories(ctx, shopgate.CategoryFilter{}); !errors.Is(err, shopgate.ErrInvalidResponse) {
		t.Errorf("categories missing: %v", err)
	}
}

// TestErrorMapping covers rows 1–4 of
// docs/protocol/merchant-api.md#error-classification and the Plugin API mapping
// to 100/101/102.
func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name     string
		fault    shopgatetest.Fault
		kind     error // ErrNoConnection, ErrInvalidResponse or nil for a MerchantAPIError
		smaCode  int
		apiCode  int
		apiText  string
		useOrder bool
	}{
		{"503 without body", shopgatetest.Unavailable(), shopgate.ErrNoConnection, 0, 100, "no connection to server", false},
		{"empty body", shopgatetest.EmptyBody(), shopgate.ErrNoConnection, 0, 100, "no connection to server", false},
		{"connection closed", shopgatetest.CloseConnection(), shopgate.ErrNoConnection, 0, 100, "no connection to server", false},
		{"slow answer", shopgatetest.Delay(2 * time.Second), shopgate.ErrNoConnection, 0, 100, "no connection to server", false},
		{"html 500", shopgatetest.InvalidJSON(), shopgate.ErrInvalidResponse, 0, 101, "error parsing response: Response: <html>", false},
		{"empty object", shopgatetest.EmptyObject(), shopgate.ErrInvalidResponse, 0, 101, "error parsing response: Response: {}", false},
		{"json array", shopgatetest.HTTPFault(200, "application/json", `[1]`), shopgate.ErrInvalidResponse, 0, 101, "error parsing response: Response: [1]", false},
		{"no error field", shopgatetest.HTTPFault(200, "application/json", `{"orders":[]}`), shopgate.ErrInvalidResponse, 0, 101, "error parsing response", false},
		{"orders missing", shopgatetest.MissingPayload(), shopgate.ErrInvalidResponse, 0, 101, "error parsing response", true},
		{"orders not a list", shopgatetest.HTTPFault(200, "application/json", `{"error":0,"orders":"x"}`), shopgate.ErrInvalidResponse, 0, 101, "error parsing response", true},
		{"remote error", shopgatetest.ErrorFault(999, "unknown error"), nil, 999, 102, `error code received: "999 - unknown error"`, false},
		{"remote error on 500", shopgatetest.HTTPFault(500, "application/json", `{"error":803,"error_text":"db"}`), nil, 803, 102, `error code received: "803 - db"`, false},
		{"success on 500", shopgatetest.HTTPFault(500, "application/json", `{"error":0,"shop_number":"1"}`), nil, 0, 0, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newPair(t, func(cfg *shopgate.ClientConfig) { cfg.Timeout = 300 * time.Millisecond })
			srv.FailNext("", tc.fault)
			var err error
			if tc.useOrder {
				_, err = c.GetOrders(context.Background(), shopgate.GetOrdersRequest{})
			} else {
				_, err = c.GetShopInfo(context.Background())
			}
			if tc.apiCode == 0 {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			if tc.kind != nil {
				var ce *shopgate.CallError
				if !errors.Is(err, tc.kind) || !errors.As(err, &ce) || ce.TraceID == "" {
					t.Fatalf("err = %v, want %v", err, tc.kind)
				}
				if !strings.Contains(err.Error(), ce.TraceID) || !strings.Contains(err.Error(), shopgate.ActionGetShopInfo) && !tc.useOrder {
					t.Errorf("error text %q lacks action or trace id", err)
				}
			} else {
				var me *shopgate.MerchantAPIError
				if !errors.As(err, &me) || me.Code != tc.smaCode || me.Response == nil || me.TraceID == "" {
					t.Fatalf("err = %v, want MerchantAPIError %d", err, tc.smaCode)
				}
			}
			ae := shopgate.ToAPIError(err)
			if ae == nil {
				t.Fatal("ToAPIError = nil")
			}
			code, text := ae.Envelope()
			if code != tc.apiCode || !strings.HasPrefix(text, tc.apiText) {
				t.Errorf("Plugin API error %d %q, want %d %q…", code, text, tc.apiCode, tc.apiText)
			}
			if !errors.Is(ae, err) && !errors.Is(ae, tc.kind) {
				var me *shopgate.MerchantAPIError
				if !errors.As(ae, &me) {
					t.Errorf("APIError does not wrap the cause")
				}
			}
		})
	}
	if shopgate.ToAPIError(nil) != nil || shopgate.ToAPIError(errors.New("x")) != nil {
		t.Error("ToAPIError maps foreign errors")
	}
}

func TestServerDownAndContext(t *testing.T) {
	srv, c := newPair(t, nil)
	srv.Close()
	_, err := c.GetShopInfo(context.Background())
	if !errors.Is(err, shopgate.ErrNoConnection) {
		t.Fatalf("closed server: %v", err)
	}
	if ae := shopgate.ToAPIError(err); ae == nil || ae.Code != 100 {
		t.Errorf("ToAPIError %v", ae)
	}

	srv2, c2 := newPair(t, nil)
	srv2.FailAlways("", shopgatetest.Delay(5*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c2.GetShopInfo(ctx); !errors.Is(err, shopgate.ErrNoConnection) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("caller deadline: %v", err)
	}
	srv2.ClearFaults()
	if _, err := c2.GetShopInfo(context.Background()); err != nil {
		t.Fatalf("after ClearFaults: %v", err)
	}
}

func TestFaultsOneShotAndPersistent(t *testing.T) {
	srv, c := newPair(t, nil)
	ctx := context.Background()
	srv.FailNext(shopgate.ActionGetShopInfo, shopgatetest.ErrorFault(999, "once"))
	if _, err := c.GetShopInfo(ctx); err == nil {
		t.Fatal("fault not applied")
	}
	if _, err := c.GetShopInfo(ctx); err != nil {
		t.Fatalf("one-shot fault repeated: %v", err)
	}
	srv.FailAlways(shopgate.ActionGetShopInfo, shopgatetest.ErrorFault(803, "always"))
	for range 2 {
		if _, err := c.GetShopInfo(ctx); err == nil {
			t.Fatal("persistent fault not applied")
		}
	}
	if _, err := c.GetMobileRedirectUserAgents(ctx); err != nil {
		t.Fatalf("fault leaked to another action: %v", err)
	}
	reqs := srv.RequestsFor(shopgate.ActionGetShopInfo)
	if len(reqs) != 4 || reqs[0].Error != 999 || reqs[1].Error != 0 || reqs[3].Error != 803 {
		t.Errorf("recorded %+v", reqs)
	}
}

func TestClientRateLimit(t *testing.T) {
	srv, c := newPair(t, func(cfg *shopgate.ClientConfig) { cfg.RequestsPerHour = 2 })
	ctx := context.Background()
	for range 2 {
		if _, err := c.GetShopInfo(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// A second client for the same merchant shares the budget.
	cfg := srv.ClientConfig()
	cfg.RequestsPerHour = 2
	c2, err := shopgate.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c2.GetShopInfo(ctx)
	if !errors.Is(err, shopgate.ErrRateLimited) {
		t.Fatalf("third request: %v", err)
	}
	if len(srv.Requests()) != 2 {
		t.Errorf("%d requests reached the server", len(srv.Requests()))
	}
	if ae := shopgate.ToAPIError(err); ae == nil || ae.Code != 100 {
		t.Errorf("ToAPIError %v", ae)
	}
}

func TestServerRateLimit(t *testing.T) {
	_, c := newPair(t, nil, shopgatetest.WithRateLimit(2, 429))
	ctx := context.Background()
	for range 2 {
		if _, err := c.GetShopInfo(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var me *shopgate.MerchantAPIError
	if _, err := c.GetShopInfo(ctx); !errors.As(err, &me) || me.Code != 429 {
		t.Fatalf("over limit: %v", err)
	}
}

// TestRequestLogObfuscation checks the request log: every request is
// logged with its URL and parameters, and no secret reaches it.
func TestRequestLogObfuscation(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(lockedWriter{&buf, &mu}), zap.DebugLevel)
	srv, c := newPair(t, func(cfg *shopgate.ClientConfig) { cfg.Logger = zap.New(core) })
	ctx := context.Background()
	if _, err := c.GetShopInfo(ctx); err != nil { // answer carries the apikey
		t.Fatal(err)
	}
	if _, err := c.Do(ctx, shopgate.ActionGetShopInfo, map[string]any{"customer_number": "12345", "nested": map[string]any{"apikey": "k"}}); err != nil {
		t.Fatal(err)
	}
	srv.FailNext("", shopgatetest.ErrorFault(402, "bad"))
	_, _ = c.GetShopInfo(ctx)
	mu.Lock()
	log := buf.String()
	mu.Unlock()

	for _, secret := range []string{shopgatetest.DefaultAPIKey, shopgate.HeaderAuthToken, lastRequest(t, srv).Header.Get(shopgate.HeaderAuthToken)} {
		if strings.Contains(log, secret) {
			t.Errorf("request log contains %q:\n%s", secret, log)
		}
	}
	if strings.Contains(log, `"67890"`) || strings.Contains(log, `"12345"`) {
		t.Errorf("shop or customer number in clear:\n%s", log)
	}
	for _, want := range []string{`"shop_number":"XXXXXXXX"`, `"customer_number":"XXXXXXXX"`, `"apikey":"XXXXXXXX"`, `"url":"` + srv.URL() + `"`, `"action":"get_shop_info"`, `"trace_id":"spa-`} {
		if !strings.Contains(log, want) {
			t.Errorf("request log lacks %s:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "Sending request to Merchant API"); n != 3 {
		t.Errorf("%d request entries, want 3", n)
	}
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestClientConcurrentUse(t *testing.T) {
	srv, c := newPair(t, nil)
	srv.AddOrder(shopgatetest.NewTestOrder("1"))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			if _, err := c.GetOrder(context.Background(), "1"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for _, r := range srv.Requests() {
		if seen[r.Param("trace_id")] {
			t.Errorf("trace id %s reused", r.Param("trace_id"))
		}
		seen[r.Param("trace_id")] = true
	}
}

// TestRedirectNotFollowed: a 3xx answer is returned as is (its body is an
// invalid response), as the PHP SDK's cURL does.
func TestRedirectNotFollowed(t *testing.T) {
	var followed bool
	mux := http.NewServeMux()
	mux.HandleFunc("/merchant/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		followed = true
		_, _ = w.Write([]byte(`{"error":0}`))
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	c, err := shopgate.NewClient(shopgate.ClientConfig{BaseURL: ts.URL + "/merchant/", CustomerNumber: "12345", APIKey: "0123456789abcdef0123", ShopNumber: "67890"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetShopInfo(context.Background())
	var ce *shopgate.CallError
	if !errors.As(err, &ce) || !errors.Is(err, shopgate.ErrInvalidResponse) || ce.StatusCode != http.StatusFound {
		t.Fatalf("err = %v", err)
	}
	if followed {
		t.Error("redirect followed")
	}
}
