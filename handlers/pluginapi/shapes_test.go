package pluginapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shopbridge/shopbridge/adapters"
)

// This file holds the request shapes of issue 16 (a differential run
// against the PHP SDK's own dispatcher): each row is one request and the
// envelope we answer, with the decision it follows in
// docs/protocol/plugin-api.md.

// recCustomers records the get_orders query.
type recCustomers struct {
	adapters.Customers
	mu    sync.Mutex
	calls []adapters.CustomerOrdersQuery
}

func (c *recCustomers) CustomerOrders(_ context.Context, _ adapters.Shop, q adapters.CustomerOrdersQuery) ([]adapters.ExternalOrder, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, q)
	return []adapters.ExternalOrder{{OrderNumber: "1001"}}, nil
}

// recCart answers check_cart and check_stock and counts the calls.
type recCart struct {
	mu    sync.Mutex
	carts []*adapters.Cart
	items [][]adapters.CartItem
}

func (c *recCart) CheckCart(_ context.Context, _ adapters.Shop, cart *adapters.Cart) (*adapters.CartResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.carts = append(c.carts, cart)
	return &adapters.CartResult{}, nil
}

func (c *recCart) CheckStock(_ context.Context, _ adapters.Shop, items []adapters.CartItem) ([]adapters.CartItemVerdict, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items = append(c.items, items)
	out := make([]adapters.CartItemVerdict, len(items))
	for i, it := range items {
		out[i] = adapters.CartItemVerdict{ItemNumber: it.ItemNumber, IsBuyable: true, StockQuantity: 1}
	}
	return out, nil
}

// shapeRequest is one request of the shape table.
type shapeRequest struct {
	body  string
	query string
	// contentType of the body; "-" sends none, "" the form type.
	contentType string
}

// send posts a shape request, signed.
func send(t *testing.T, h *Handler, r shapeRequest) *httptest.ResponseRecorder {
	t.Helper()
	return serve(t, h, testRequest{body: r.body, query: r.query, contentType: r.contentType, sign: true})
}

// shapeEnv is what a shape test has at hand after the call.
type shapeEnv struct {
	customers *recCustomers
	cart      *recCart
	orders    *orderImporter
}

// TestRequestShapes: request → expected envelope (code, text, trace_id and
// the key fields) for every shape of issue 16, items 1–12.
func TestRequestShapes(t *testing.T) {
	const tooLarge = `Unknown error code: "request too large"`
	deep := "a" + strings.Repeat("[x]", 70) + "=1"
	null := any(nil)
	tests := []struct {
		name  string
		req   shapeRequest
		mod   func(*Config)
		code  int
		text  string
		trace any // nil: trace_id must be null
		check func(t *testing.T, m map[string]any, env *shapeEnv)
	}{
		// Item 1: only form bodies are read, as PHP fills $_POST.
		{name: "1 no content type", req: shapeRequest{body: "action=ping&trace_id=t", contentType: "-"},
			code: 20, text: "no action specified", trace: null},
		{name: "1 text/plain", req: shapeRequest{body: "action=ping&trace_id=t", contentType: "text/plain"},
			code: 20, text: "no action specified", trace: null},
		{name: "1 json", req: shapeRequest{body: `{"action":"ping"}`, contentType: "application/json"},
			code: 20, trace: null},
		{name: "1 text/plain keeps query", req: shapeRequest{body: "action=foo", query: "action=ping&trace_id=q",
			contentType: "text/plain"}, code: 0, trace: "q"},
		{name: "1 form type case-insensitive with parameters", req: shapeRequest{body: "action=ping&trace_id=t",
			contentType: "Application/X-WWW-Form-URLEncoded; charset=UTF-8"}, code: 0, trace: "t"},

		// Item 2: invalid percent escapes stay literal (PHP urldecode).
		{name: "2 invalid escapes", req: shapeRequest{body: "action=ping&trace_id=%zz&x=%"}, code: 0, trace: "%zz"},
		{name: "2 truncated escape", req: shapeRequest{body: "trace_id=a%2&action=ping"}, code: 0, trace: "a%2"},
		{name: "2 invalid escape in action", req: shapeRequest{body: "action=ping%zz&trace_id=t"}, code: 21, trace: "t"},

		// Item 3: "request too large" still echoes the trace id.
		{name: "3 too deep, trace first", req: shapeRequest{body: "action=ping&trace_id=t&" + deep},
			code: 999, text: tooLarge, trace: "t"},
		{name: "3 too deep, trace last", req: shapeRequest{body: "action=ping&" + deep + "&trace_id=t"},
			code: 999, text: tooLarge, trace: "t"},
		{name: "3 too deep, trace in query", req: shapeRequest{body: "action=ping&" + deep, query: "trace_id=q"},
			code: 999, text: tooLarge, trace: "q"},
		{name: "3 too deep, body trace wins", req: shapeRequest{body: "trace_id=b&" + deep, query: "trace_id=q"},
			code: 999, text: tooLarge, trace: "b"},
		{name: "3 too deep, trace not a string", req: shapeRequest{body: "trace_id[a]=1&" + deep, query: "trace_id=q"},
			code: 999, text: tooLarge, trace: null},
		{name: "3 too deep in query", req: shapeRequest{body: "action=ping&trace_id=t", query: deep},
			code: 999, text: tooLarge, trace: "t"},
		{name: "3 too many variables", req: shapeRequest{body: "trace_id=t&action=ping&a=1&b=2&c=3&d=4"},
			mod: func(c *Config) { c.MaxVars = 5 }, code: 999, text: tooLarge, trace: "t"},

		// Item 4: order_number blank or not a string → 30 (Decision).
		{name: "4 add_order order_number list", req: shapeRequest{body: "action=add_order&trace_id=t&order_number[]=1001"},
			code: 30, text: `parameter "order_number" missing`, trace: "t", check: func(t *testing.T, _ map[string]any, env *shapeEnv) {
				if len(env.orders.calls) != 0 {
					t.Errorf("importer called: %v", env.orders.calls)
				}
			}},
		{name: "4 add_order blank", req: shapeRequest{body: "action=add_order&order_number=+++"}, code: 30, trace: null},
		{name: "4 update_order map", req: shapeRequest{body: "action=update_order&order_number[a]=1"}, code: 30},
		{name: "4 add_order ok", req: shapeRequest{body: "action=add_order&order_number=1001"}, code: 0,
			check: func(t *testing.T, m map[string]any, env *shapeEnv) {
				if !slices.Equal(env.orders.calls, []string{"add 67890 1001"}) {
					t.Errorf("calls %v", env.orders.calls)
				}
			}},

		// Item 5: a cart that is not a key/value structure → 31 (Decision).
		{name: "5 check_cart list", req: shapeRequest{body: "action=check_cart&trace_id=t&cart[]=x"},
			code: 31, text: `parameter "cart" missing`, trace: "t", check: func(t *testing.T, _ map[string]any, env *shapeEnv) {
				if len(env.cart.carts) != 0 {
					t.Errorf("adapter called with %v", env.cart.carts)
				}
			}},
		{name: "5 check_cart scalar", req: shapeRequest{body: "action=check_cart&cart=foo"}, code: 31},
		{name: "5 check_cart ok", req: shapeRequest{body: "action=check_cart&cart[currency]=EUR"}, code: 0,
			check: func(t *testing.T, m map[string]any, _ *shapeEnv) {
				if m["currency"] != "EUR" || !reflect.DeepEqual(m["items"], []any{}) {
					t.Errorf("answer %v", m)
				}
			}},

		// Item 6: items that are not a list of structures → 42 (Decision).
		{name: "6 check_stock scalar", req: shapeRequest{body: "action=check_stock&trace_id=t&items=foo"},
			code: 42, text: `parameter "items" missing`, trace: "t"},
		{name: "6 check_stock list of scalars", req: shapeRequest{body: "action=check_stock&items[0]=foo"}, code: 42,
			check: func(t *testing.T, _ map[string]any, env *shapeEnv) {
				if len(env.cart.items) != 0 {
					t.Errorf("adapter called with %v", env.cart.items)
				}
			}},
		{name: "6 check_stock ok", req: shapeRequest{body: "action=check_stock&items[0][item_number]=A1"}, code: 0,
			check: func(t *testing.T, m map[string]any, _ *shapeEnv) {
				items, _ := m["items"].([]any)
				if len(items) != 1 {
					t.Fatalf("items %v", m["items"])
				}
				if it, _ := items[0].(map[string]any); it["item_number"] != "A1" || it["is_buyable"] != float64(1) {
					t.Errorf("items %v", m["items"])
				}
			}},

		// Item 8: get_orders paging is cast like PHP, never 999.
		{name: "8 get_orders limit=abc", req: shapeRequest{body: "action=get_orders&customer_token=c&customer_language=de&trace_id=t&limit=abc"},
			code: 0, trace: "t", check: func(t *testing.T, m map[string]any, env *shapeEnv) {
				if !reflect.DeepEqual(m["orders"], []any{}) || len(env.customers.calls) != 0 {
					t.Errorf("orders %v, adapter calls %v", m["orders"], env.customers.calls)
				}
			}},
		{name: "8 get_orders offset=-3", req: shapeRequest{body: "action=get_orders&customer_token=c&customer_language=de&offset=-3"},
			code: 0, check: wantOrdersQuery(10, 0)},
		{name: "8 get_orders limit=5x offset=2.9", req: shapeRequest{body: "action=get_orders&customer_token=c&customer_language=de&limit=5x&offset=2.9"},
			code: 0, check: wantOrdersQuery(5, 2)},
		{name: "8 get_orders limit list", req: shapeRequest{body: "action=get_orders&customer_token=c&customer_language=de&limit[]=7&offset[a]=1"},
			code: 0, check: wantOrdersQuery(1, 1)},
		{name: "8 get_orders blank takes defaults", req: shapeRequest{body: "action=get_orders&customer_token=c&customer_language=de&limit=&offset=+"},
			code: 0, check: wantOrdersQuery(10, 0)},
		{name: "8 get_orders negative limit", req: shapeRequest{body: "action=get_orders&customer_token=c&customer_language=de&limit=-1"},
			code: 0, check: func(t *testing.T, m map[string]any, env *shapeEnv) {
				if !reflect.DeepEqual(m["orders"], []any{}) || len(env.customers.calls) != 0 {
					t.Errorf("orders %v, adapter calls %v", m["orders"], env.customers.calls)
				}
			}},

		// Item 9: unsupported job names; an array prints as "Array".
		{name: "9 cron array job name", req: shapeRequest{body: "action=cron&trace_id=t&jobs[0][job_name][]=x"},
			code: 91, text: "unsupported job: Array", trace: "t"},
		{name: "9 cron mixed", req: shapeRequest{body: "action=cron&jobs[0][job_name]=x&jobs[1][job_name][a]=y&jobs[2][job_name]=clean_orders"},
			code: 91, text: "unsupported job: x, Array"},

		// Item 10: an empty or non-string name is skipped; only a missing
		// name is 50.
		{name: "10 set_settings empty name", req: shapeRequest{body: "action=set_settings&trace_id=t&shopgate_settings[0][name]="},
			code: 0, trace: "t", check: func(t *testing.T, m map[string]any, _ *shapeEnv) {
				if !reflect.DeepEqual(m["shopgate_settings"], []any{}) {
					t.Errorf("shopgate_settings %v", m["shopgate_settings"])
				}
			}},
		{name: "10 set_settings list name", req: shapeRequest{body: "action=set_settings&shopgate_settings[0][name][]=alias&shopgate_settings[0][value]=x"},
			code: 0, check: func(t *testing.T, m map[string]any, _ *shapeEnv) {
				if !reflect.DeepEqual(m["shopgate_settings"], []any{}) {
					t.Errorf("shopgate_settings %v", m["shopgate_settings"])
				}
			}},
		{name: "10 set_settings empty name then alias",
			req:  shapeRequest{body: "action=set_settings&shopgate_settings[0][name]=&shopgate_settings[1][name]=alias&shopgate_settings[1][value]=neu"},
			code: 0, check: func(t *testing.T, m map[string]any, _ *shapeEnv) {
				want := []any{map[string]any{"name": "alias", "old": "my-shop", "new": "neu"}}
				if !reflect.DeepEqual(m["shopgate_settings"], want) {
					t.Errorf("shopgate_settings %v", m["shopgate_settings"])
				}
			}},
		{name: "10 set_settings missing name", req: shapeRequest{body: "action=set_settings&shopgate_settings[0][value]=x"},
			code: 50, text: `parameter "shopgate_settings" missing`},
		{name: "10 set_settings entry not a structure", req: shapeRequest{body: "action=set_settings&shopgate_settings[0]=alias"},
			code: 50},

		// Items 11, 12: ping's configuration.
		{name: "11 ping masks the four keys, unset or not", req: shapeRequest{body: "action=ping&trace_id=t"}, code: 0, trace: "t",
			check: func(t *testing.T, m map[string]any, _ *shapeEnv) {
				conf := m["configuration"].(map[string]any)
				for _, k := range []string{"customer_number", "shop_number", "apikey", "oauth_access_token"} {
					if conf[k] != "XXXXXXXX" {
						t.Errorf("configuration.%s = %v", k, conf[k])
					}
				}
				if _, shown := conf["cron_job_white_list"]; shown {
					t.Error("cron_job_white_list shown in ping")
				}
				if conf["alias"] != "my-shop" {
					t.Errorf("alias = %v", conf["alias"])
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := &shapeEnv{customers: &recCustomers{}, cart: &recCart{}, orders: &orderImporter{
				ref: adapters.OrderRef{ExternalOrderID: "1"}}}
			h := newTestHandler(t, func(c *Config) {
				for _, a := range []string{"add_order", "update_order", "check_cart", "check_stock", "get_orders"} {
					c.Shops[0].Enable[a] = true
				}
				c.Customers, c.Cart, c.Orders = env.customers, env.cart, env.orders
				if tt.mod != nil {
					tt.mod(c)
				}
			})
			m := envelope(t, send(t, h, tt.req))
			wantError(t, m, tt.code, tt.text)
			if m["trace_id"] != tt.trace {
				t.Errorf("trace_id = %#v, want %#v", m["trace_id"], tt.trace)
			}
			if tt.code != 0 && len(m) != 5 {
				t.Errorf("error envelope has %d keys: %v", len(m), m)
			}
			if tt.check != nil {
				tt.check(t, m, env)
			}
		})
	}
}

// wantOrdersQuery checks the paging the customers adapter received.
func wantOrdersQuery(limit, offset int) func(t *testing.T, m map[string]any, env *shapeEnv) {
	return func(t *testing.T, m map[string]any, env *shapeEnv) {
		t.Helper()
		if len(env.customers.calls) != 1 {
			t.Fatalf("adapter calls %v", env.customers.calls)
		}
		q := env.customers.calls[0]
		if q.Limit != limit || q.Offset != offset {
			t.Errorf("limit %d offset %d, want %d %d", q.Limit, q.Offset, limit, offset)
		}
		if l, _ := m["orders"].([]any); len(l) != 1 {
			t.Errorf("orders %v", m["orders"])
		}
	}
}

// TestExportPagingShapes: item 7, limit and offset sent as arrays are cast
// like PHP's (int) of a non-empty array, i.e. 1.
func TestExportPagingShapes(t *testing.T) {
	src := &fakeCatalog{n: 5}
	h := newExportHandler(t, src, nil)
	tests := []struct {
		body, record string
		want         []string
		limit, off   int
	}{
		{"action=get_items&limit[]=1", "item", seq(1, 1), 1, 0},
		{"action=get_items&limit[]=3&limit[]=4", "item", seq(1, 1), 1, 0},
		{"action=get_items&offset[]=1&limit=2", "item", seq(2, 3), 2, 1},
		{"action=get_items&offset[a]=x", "item", seq(2, 5), -1, 1},
		{"action=get_categories&limit[x]=9", "category", seq(1, 1), 1, 0},
		{"action=get_reviews&limit[]=1&offset[]=1", "review", seq(2, 2), 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			rec := call(t, h, tt.body, true)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/xml" {
				t.Fatalf("status %d, Content-Type %q, body %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
			if got := recordUIDs(t, rec.Body.Bytes(), tt.record); !slices.Equal(got, tt.want) {
				t.Errorf("records %v, want %v", got, tt.want)
			}
			if src.last.Limit != tt.limit || src.last.Offset != tt.off {
				t.Errorf("query limit %d offset %d, want %d %d", src.last.Limit, src.last.Offset, tt.limit, tt.off)
			}
		})
	}
}
