package shopgatetest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/shopgate"
)

const testNow = 1700000000

// post sends a raw form request with the given auth headers (nil = valid
// SMA headers) and returns the status and decoded JSON answer (nil if not
// JSON).
func post(t *testing.T, s *Server, path string, form url.Values, header http.Header) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if header == nil {
		shopgate.SignRequest(req.Header, shopgate.PrefixSMA, DefaultCustomerNumber, DefaultAPIKey, time.Unix(testNow, 0))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, m
}

func form(kv ...string) url.Values {
	v := url.Values{"shop_number": {DefaultShopNumber}, "trace_id": {"spa-0123456789abc"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func errorCode(t *testing.T, m map[string]any) int {
	t.Helper()
	if m == nil {
		t.Fatal("answer is not JSON")
	}
	n, ok := m["error"].(float64)
	if !ok {
		t.Fatalf("no error field in %v", m)
	}
	return int(n)
}

func newTestServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s := NewServer(append([]Option{WithClock(func() time.Time { return time.Unix(testNow, 0) })}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

func TestAuthentication(t *testing.T) {
	s := newTestServer(t)
	hdr := func(user, token string) http.Header {
		h := http.Header{}
		if user != "" {
			h.Set(shopgate.HeaderAuthUser, user)
		}
		if token != "" {
			h.Set(shopgate.HeaderAuthToken, token)
		}
		if len(h) == 0 {
			h.Set("X-Nothing", "1")
		}
		return h
	}
	ts := strconv.Itoa(testNow)
	sma := func(cn string, at int64, key string) string { return shopgate.Token("SMA", cn, at, key) }
	tests := []struct {
		name   string
		header http.Header
		want   int
	}{
		{"valid", nil, 0},
		{"no headers", hdr("", ""), shopgate.SMACodeAuthNotSet},
		{"no token", hdr("12345-"+ts, ""), shopgate.SMACodeAuthNotSet},
		{"bad user format", hdr("12345_"+ts, sma("12345", testNow, DefaultAPIKey)), shopgate.SMACodeAuthUserInvalid},
		{"wrong key", hdr("12345-"+ts, sma("12345", testNow, "ffffffffffffffffffff")), shopgate.SMACodeAuthTokenInvalid},
		{"wrong customer", hdr("54321-"+ts, sma("54321", testNow, DefaultAPIKey)), shopgate.SMACodeAuthTokenInvalid},
		{"SPA token", hdr("12345-"+ts, shopgate.Token("SPA", "12345", testNow, DefaultAPIKey)), shopgate.SMACodeAuthTokenInvalid},
		{"uppercase token", hdr("12345-"+ts, strings.ToUpper(sma("12345", testNow, DefaultAPIKey))), shopgate.SMACodeAuthTokenInvalid},
		{"31 min old", hdr("12345-"+strconv.Itoa(testNow-1801), sma("12345", testNow-1801, DefaultAPIKey)), shopgate.SMACodeAuthTooOld},
		{"31 min ahead", hdr("12345-"+strconv.Itoa(testNow+1801), sma("12345", testNow+1801, DefaultAPIKey)), shopgate.SMACodeAuthTooOld},
		{"30 min old ok", hdr("12345-"+strconv.Itoa(testNow-1800), sma("12345", testNow-1800, DefaultAPIKey)), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, m := post(t, s, DefaultPath, form("action", "get_shop_info"), tc.header)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			if got := errorCode(t, m); got != tc.want {
				t.Fatalf("error %d (%v), want %d", got, m["error_text"], tc.want)
			}
			if m["trace_id"] != "spa-0123456789abc" || m["sma_version"] != "1.0" {
				t.Errorf("envelope %v", m)
			}
			if tc.want == 0 && m["error_text"] != nil {
				t.Errorf("error_text on success: %v", m["error_text"])
			}
		})
	}

	shop := []struct {
		name string
		f    url.Values
		want int
	}{
		{"shop number missing", url.Values{"action": {"get_shop_info"}}, shopgate.SMACodeShopNumberNotSet},
		{"other shop", url.Values{"action": {"get_shop_info"}, "shop_number": {"11111"}}, shopgate.SMACodeShopNotFound},
	}
	for _, tc := range shop {
		if _, m := post(t, s, DefaultPath, tc.f, nil); errorCode(t, m) != tc.want {
			t.Errorf("%s: %v", tc.name, m)
		}
	}
}

func TestOAuthMode(t *testing.T) {
	s := newTestServer(t, WithOAuth("secret-token"))
	noAuth := http.Header{"X-None": {"1"}}
	if _, m := post(t, s, DefaultPath, url.Values{"action": {"get_shop_info"}, "access_token": {"secret-token"}}, noAuth); errorCode(t, m) != 0 {
		t.Errorf("valid token without shop_number: %v", m)
	}
	for _, tok := range []string{"", "wrong"} {
		if _, m := post(t, s, DefaultPath, url.Values{"action": {"get_shop_info"}, "access_token": {tok}}, noAuth); errorCode(t, m) != shopgate.SMACodeAccessTokenInvalid {
			t.Errorf("token %q: %v", tok, m)
		}
	}
}

func TestTransport(t *testing.T) {
	s := newTestServer(t)
	// Both path spellings work.
	if _, m := post(t, s, strings.TrimSuffix(DefaultPath, "/"), form("action", "get_shop_info"), nil); errorCode(t, m) != 0 {
		t.Errorf("path without slash: %v", m)
	}
	resp, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || json.Valid(body) {
		t.Errorf("GET: %d %q", resp.StatusCode, body)
	}
	resp, err = http.Post(s.URL(), "application/json", strings.NewReader(`{"action":"get_shop_info"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("JSON body: %d", resp.StatusCode)
	}
	if status, _ := post(t, s, "/other", form("action", "get_shop_info"), nil); status != http.StatusNotFound {
		t.Errorf("other path: %d", status)
	}
	reqs := s.Requests()
	if len(reqs) != 3 || reqs[1].Method != http.MethodGet || reqs[1].Error != -1 || reqs[2].Error != -1 {
		t.Errorf("recorded %+v, want the three requests on the API path", reqs)
	}
}

func TestDispatchValidation(t *testing.T) {
	s := newTestServer(t)
	s.AddOrder(NewTestOrder("1"))
	tests := []struct {
		name     string
		f        url.Values
		want     int
		textPart string
	}{
		{"unknown action", form("action", "get_everything"), shopgate.SMACodeUnknownAction, ""},
		{"no action", form(), shopgate.SMACodeUnknownAction, ""},
		{"missing fields", form("action", "add_order_delivery_note"), shopgate.SMACodeMissingParameters, "order_number, shipping_service_id"},
		{"empty order number", form("action", "cancel_order", "order_number", " "), shopgate.SMACodeMissingParameters, "order_number"},
		{"bad flag", form("action", "set_order_shipping_completed", "order_number", "1", "send_customer_email", "true"), shopgate.SMACodeWrongParameterType, "send_customer_email"},
		{"bad limit", form("action", "get_orders", "limit", "ten"), shopgate.SMACodeWrongParameterType, "limit"},
		{"bad date", form("action", "get_orders", "date_from", "yesterday"), shopgate.SMACodeWrongParameterType, "date_from"},
		{"bad quantity", url.Values{"action": {"cancel_order"}, "shop_number": {DefaultShopNumber}, "order_number": {"1"},
			"cancellation_items[0][item_number]": {"SKU-1001"}, "cancellation_items[0][quantity]": {"x"}}, shopgate.SMACodeWrongParameterType, "quantity"},
		{"no cancel arguments", form("action", "cancel_order", "order_number", "1", "cancel_complete_order", "0", "cancel_shipping", "0"), shopgate.SMACodeCancelInvalidArguments, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, m := post(t, s, DefaultPath, tc.f, nil)
			if got := errorCode(t, m); got != tc.want {
				t.Fatalf("error %d (%v), want %d", got, m["error_text"], tc.want)
			}
			if text, _ := m["error_text"].(string); !strings.Contains(text, tc.textPart) {
				t.Errorf("error_text %q lacks %q", text, tc.textPart)
			}
		})
	}
}

func TestGetOrdersFilters(t *testing.T) {
	s := newTestServer(t)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 120 {
		o := NewTestOrder(strconv.Itoa(5000 + i))
		o.CreatedTime = base.Add(time.Duration(i) * time.Hour)
		s.AddOrder(o)
	}
	orders := func(m map[string]any) []any { l, _ := m["orders"].([]any); return l }

	_, m := post(t, s, DefaultPath, form("action", "get_orders"), nil)
	if len(orders(m)) != 50 || m["has_more_results"] != true || m["limit"] != 50.0 || m["offset"] != 0.0 {
		t.Errorf("defaults: %d orders, meta %v %v %v", len(orders(m)), m["has_more_results"], m["limit"], m["offset"])
	}
	first := orders(m)[0].(map[string]any)
	if first["order_number"] != "5000" || len(first["items"].([]any)) != 0 || first["is_test"] != 1.0 || first["amount_complete"] != "149.85" {
		t.Errorf("wire order: %v", first)
	}
	_, m = post(t, s, DefaultPath, form("action", "get_orders", "limit", "500", "offset", "100"), nil)
	if len(orders(m)) != 20 || m["limit"] != 100.0 || m["has_more_results"] != false {
		t.Errorf("clamped: %d orders, limit %v", len(orders(m)), m["limit"])
	}
	_, m = post(t, s, DefaultPath, form("action", "get_orders", "limit", "0"), nil)
	if len(orders(m)) != 1 {
		t.Errorf("limit 0 → %d orders, want 1", len(orders(m)))
	}
	// Inclusive range, in another time zone: 5002..5004.
	_, m = post(t, s, DefaultPath, form("action", "get_orders", "date_from", "2026-03-01T03:00:00+01:00", "date_to", "2026-03-01T04:00:00Z", "with_items", "1"), nil)
	if l := orders(m); len(l) != 3 || l[0].(map[string]any)["order_number"] != "5002" || len(l[0].(map[string]any)["items"].([]any)) != 2 {
		t.Errorf("date range: %v", l)
	}
	f := form("action", "get_orders")
	f.Set("order_numbers[0]", "5007")
	f.Set("order_numbers[1]", "nope")
	f.Set("order_numbers[2]", "5003")
	_, m = post(t, s, DefaultPath, f, nil)
	if l := orders(m); len(l) != 2 || l[0].(map[string]any)["order_number"] != "5003" {
		t.Errorf("order_numbers: %v", l)
	}
}

func TestRequestsRecorded(t *testing.T) {
	s := newTestServer(t)
	f := form("action", "get_items", "limit", "5")
	f.Set("item_numbers[0]", "A")
	f.Set("item_numbers[1]", "B")
	post(t, s, DefaultPath, f, nil)
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Action != "get_items" || r.Method != http.MethodPost || r.Path != DefaultPath || r.Param("limit") != "5" ||
		r.Header.Get(shopgate.HeaderAuthUser) == "" || !r.Time.Equal(time.Unix(testNow, 0)) || r.Error != 0 {
		t.Errorf("record %+v", r)
	}
	if nums, _ := r.Params["item_numbers"].([]any); len(nums) != 2 || nums[1] != "B" {
		t.Errorf("decoded list %v", r.Params["item_numbers"])
	}
	s.ClearRequests()
	if len(s.Requests()) != 0 {
		t.Error("ClearRequests")
	}
}

func TestNewTestOrderIsConsistent(t *testing.T) {
	o := NewTestOrder("42")
	sum := o.AmountItems.Add(o.AmountShipping).Add(o.AmountShopPayment)
	if !sum.Equal(o.AmountComplete) {
		t.Errorf("amounts do not add up: %s != %s", sum, o.AmountComplete)
	}
	var items = o.Items[0].UnitAmountWithTax.Mul(decimalFromInt(o.Items[0].Quantity)).Add(o.Items[1].UnitAmountWithTax.Mul(decimalFromInt(o.Items[1].Quantity)))
	if !items.Equal(o.AmountItems) {
		t.Errorf("item lines %s != amount_items %s", items, o.AmountItems)
	}
	if o.OrderNumber != "42" || o.CreatedTime.IsZero() || o.IsShippingBlocked || !o.InvoiceAddress.IsInvoiceAddress || !o.DeliveryAddress.IsDeliveryAddress {
		t.Errorf("order %+v", o)
	}
	// Each call returns independent data.
	p := NewTestOrder("43")
	p.Items[0].Quantity = 9
	if NewTestOrder("43").Items[0].Quantity != 2 {
		t.Error("shared state between test orders")
	}
}

func TestUnstartedServerHandler(t *testing.T) {
	s := NewUnstartedServer(WithPath("api/merchant"))
	s.Start()
	defer s.Close()
	if !strings.HasSuffix(s.URL(), "/api/merchant") {
		t.Fatalf("URL %s", s.URL())
	}
	cfg := s.ClientConfig()
	c, err := shopgate.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetShopInfo(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func decimalFromInt(n int) decimal.Decimal { return decimal.NewFromInt(int64(n)) }

func TestCustomCredentialsAndCategoryTree(t *testing.T) {
	s := NewServer(WithCredentials("55555", "abcdefabcdefabcdefab", "77777"))
	defer s.Close()
	if s.CustomerNumber() != "55555" || s.APIKey() != "abcdefabcdefabcdefab" || s.ShopNumber() != "77777" {
		t.Fatal("credentials not applied")
	}
	c, err := shopgate.NewClient(s.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	s.PutCategory(map[string]any{"category_number": "root"})
	s.PutCategory(map[string]any{"category_number": "child", "parent_category_number": "root"})
	s.PutCategory(map[string]any{"category_number": "grandchild", "parent_category_number": "child"})
	s.PutItem(map[string]any{"item_number": "I1"})
	s.PutItem(map[string]any{"item_number": "I2"})
	for _, req := range []shopgate.ItemCategoryRequest{{CategoryNumber: "child", ItemNumber: "I1"}, {CategoryNumber: "root", ItemNumber: "I2"}} {
		if _, err := c.AddItemToCategory(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteCategory(ctx, shopgate.DeleteCategoryRequest{CategoryNumber: "child", DeleteSubcategories: true, DeleteItems: true}); err != nil {
		t.Fatal(err)
	}
	if got := s.CategoryNumbers(); len(got) != 1 || got[0] != "root" {
		t.Errorf("categories %v", got)
	}
	if got := s.ItemNumbers(); len(got) != 1 || got[0] != "I2" {
		t.Errorf("items %v", got)
	}
	// A PHP list with gaps (order_numbers[5]=…) is still a list.
	s.AddOrder(NewTestOrder("9"))
	f := url.Values{"action": {"get_orders"}, "shop_number": {"77777"}, "order_numbers[5]": {"9"}}
	req, _ := http.NewRequest(http.MethodPost, s.URL(), strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	shopgate.SignRequest(req.Header, shopgate.PrefixSMA, "55555", "abcdefabcdefabcdefab", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if l, _ := m["orders"].([]any); len(l) != 1 {
		t.Errorf("gap list: %v", m)
	}
}
