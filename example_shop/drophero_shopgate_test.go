package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// The buyer's path through the Shopgate app with DropHero products
// (docs/protocol/drophero.md#orders-through-shopgate): check_cart offers
// the DropHero modes, add_order brings the order back and the DropHero
// part reaches the (fake) DropHero.

// dhShopgateApp is a demo shop with its catalogue synced from the fake
// DropHero, the partner products in stock, and its Plugin API on a test
// server.
func dhShopgateApp(t *testing.T, db *gorm.DB) (*App, *httptest.Server, *dropHeroState) {
	t.Helper()
	a := newTestAppWith(t, db, func(c *Config) { c.DropHeroFake = []dropherotest.Option{dropherotest.WithoutRateLimit()} })
	t.Cleanup(a.Close)
	dropHeroDrain(t, a)
	if err := db.Model(&Product{}).Where("number LIKE ?", "DH-%").Updates(map[string]any{"stock_quantity": 40, "active": true}).Error; err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Echo)
	t.Cleanup(srv.Close)
	v, _ := dropHeroOf.Load(a)
	return a, srv, v.(*dropHeroState)
}

// sgLine is one check_cart item: a product number and a quantity.
type sgLine struct {
	number string
	qty    int
}

// checkCart sends a signed check_cart for lines delivered to country and
// returns the answer.
func checkCart(t *testing.T, srv *httptest.Server, db *gorm.DB, country string, lines ...sgLine) map[string]any {
	t.Helper()
	args := []string{"check_cart", "cart[currency]=EUR", "cart[delivery_address][country]=" + country,
		"cart[invoice_address][country]=DE"}
	for i, l := range lines {
		args = append(args, fmt.Sprintf("cart[items][%d][item_number]=%d", i, productID(t, db, l.number)),
			fmt.Sprintf("cart[items][%d][quantity]=%d", i, l.qty))
	}
	_, m, out := callShop(t, srv, time.Now(), args...)
	if m["error"].(float64) != 0 {
		t.Fatalf("check_cart: %s", out)
	}
	return m
}

// shipOption is a shipping method of a check_cart answer.
type shipOption struct {
	ID, Info, Mode string
	Amount         string
	WithTax        string
}

// shipOptions reads the shipping methods, each with the DropHero mode of
// its internal_shipping_info read back as add_order will.
func shipOptions(t *testing.T, m map[string]any) []shipOption {
	t.Helper()
	var out []shipOption
	for _, e := range m["shipping_methods"].([]any) {
		sm := e.(map[string]any)
		info, _ := sm["internal_shipping_info"].(string)
		mode, _ := dropship.ModeFromShippingInfo(info)
		out = append(out, shipOption{ID: sm["id"].(string), Info: info, Mode: mode,
			Amount: decimal.NewFromFloat(sm["amount"].(float64)).StringFixed(2), WithTax: decimal.NewFromFloat(sm["amount_with_tax"].(float64)).StringFixed(2)})
	}
	return out
}

// The worked example of the purchasing funnel through check_cart: ES
// gives two options (mode 1 43.60, mode 2 11.80), line E removes mode 2
// (46.60), PT answers 306 on every DropHero line.
func TestDropHeroCheckCartWorkedExample(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		_, srv, _ := dhShopgateApp(t, db)
		abcd := []sgLine{{"DH-5554", 1}, {"DH-5555", 2}, {"DH-5556", 1}, {"DH-5560", 1}}

		m := checkCart(t, srv, db, "ES", abcd...)
		got := shipOptions(t, m)
		want := []shipOption{
			{ID: "drophero-2", Info: `{"dh_mode":"2"}`, Mode: "2", Amount: "11.80", WithTax: "11.80"},
			{ID: "drophero-1", Info: `{"dh_mode":"1"}`, Mode: "1", Amount: "43.60", WithTax: "43.60"},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("ES options %+v, want %+v", got, want)
		}
		titles := map[string]bool{}
		for _, e := range m["shipping_methods"].([]any) {
			titles[e.(map[string]any)["title"].(string)] = true
		}
		if !titles["Standard post"] || !titles["Express 24h"] {
			t.Errorf("titles %v", titles)
		}
		for _, e := range m["items"].([]any) {
			if it := e.(map[string]any); it["error"] != nil || it["is_buyable"].(float64) != 1 {
				t.Errorf("item %v", it)
			}
		}

		m = checkCart(t, srv, db, "ES", append(abcd, sgLine{"DH-6002", 1})...)
		if got := shipOptions(t, m); len(got) != 1 || got[0].Mode != "1" || got[0].Amount != "46.60" {
			t.Errorf("with line E: %+v", got)
		}

		m = checkCart(t, srv, db, "PT", abcd...)
		if got := shipOptions(t, m); len(got) != 0 {
			t.Errorf("PT options %+v", got)
		}
		for i, e := range m["items"].([]any) {
			it := e.(map[string]any)
			text, _ := it["error_text"].(string)
			// The German marketplace answers in German, naming the item.
			name := fmt.Sprintf(`"Test product %d"`, []int{1, 2, 3, 7}[i])
			if it["error"] != float64(306) || it["is_buyable"].(float64) != 0 || !strings.Contains(text, name) ||
				!strings.Contains(text, "kann nicht nach PT geliefert werden") || strings.Contains(text, "zusammen") {
				t.Errorf("PT item %d: %v", i, it)
			}
		}
	})
}

// A mixed cart: each DropHero mode is added to each of the shop's methods
// for its own items alone, and the shop's part of the information comes
// back too.
func TestDropHeroCheckCartMixed(t *testing.T) {
	db := pgDB(t)
	_, srv, _ := dhShopgateApp(t, db)
	var own Product
	if err := db.Where("number NOT LIKE ? AND parent_id IS NULL AND active = ? AND stock_quantity > 2 AND weight_grams < 1000", "DH-%", true).
		Order("price").Take(&own).Error; err != nil {
		t.Fatal(err)
	}
	ownOnly := shipOptions(t, checkCart(t, srv, db, "DE", sgLine{own.Number, 1}))
	if len(ownOnly) == 0 {
		t.Fatal("the shop offers no shipping to DE")
	}
	// DE: 5554 mode 3 at 4.90.
	got := shipOptions(t, checkCart(t, srv, db, "DE", sgLine{own.Number, 1}, sgLine{"DH-5554", 1}))
	if len(got) != len(ownOnly) {
		t.Fatalf("mixed %+v, own only %+v", got, ownOnly)
	}
	for i, o := range got {
		base := ownOnly[i]
		wantTax := decimal.RequireFromString(base.WithTax).Add(decimal.RequireFromString("4.90")).StringFixed(2)
		if o.ID != base.ID+"+drophero-3" || o.Mode != "3" || o.WithTax != wantTax || !strings.Contains(o.Info, `"shop":"`+base.Info+`"`) {
			t.Errorf("option %d %+v (own %+v)", i, o, base)
		}
	}
}

// pgDB is the PostgreSQL backend of the shop's tests.
func pgDB(t *testing.T) *gorm.DB {
	t.Helper()
	for _, b := range backends {
		if b.name == "postgres" {
			return b.open(t)
		}
	}
	t.Fatal("no postgres backend")
	return nil
}

// dhShopgateOrder puts a Shopgate order for Spain with 5554 ×2 and 5556 ×1
// at the fake Merchant API; info is its internal_shipping_info and
// Shopgate's shipping amount is 99.00 (which must never reach DropHero).
func dhShopgateOrder(t *testing.T, a *App, db *gorm.DB, number string, paid bool, info string) shopgate.Order {
	t.Helper()
	so := shopgatetest.NewTestOrder(number)
	for _, ad := range []*shopgate.Address{&so.InvoiceAddress, &so.DeliveryAddress} {
		ad.Street1, ad.Zipcode, ad.City, ad.Country = "Carrer Nou 7", "08221", "Terrassa", "ES"
	}
	so.IsPaid, so.IsShippingBlocked = paid, !paid
	so.AmountShipping = decimal.RequireFromString("99.00")
	so.ShippingInfos = &shopgate.ShippingInfo{Name: "Standard post", Amount: so.AmountShipping, AmountGross: so.AmountShipping,
		InternalShippingInfo: info}
	so.Items = nil
	total := decimal.Zero
	for i, l := range []sgLine{{"DH-5554", 2}, {"DH-5556", 1}} {
		var p Product
		if err := db.Where("number = ?", l.number).Take(&p).Error; err != nil {
			t.Fatal(err)
		}
		so.Items = append(so.Items, shopgate.OrderItem{ItemNumber: strconv.Itoa(int(p.ID)), ItemNumberPublic: p.Number,
			OrderItemID: fmt.Sprintf("%s%02d", number, i+1), Type: shopgate.OrderItemTypeItem, Quantity: l.qty, Name: p.Name,
			UnitAmountWithTax: p.Price, UnitAmount: p.Price.Div(decimal.RequireFromString("1.21")).Round(2),
			TaxPercent: decimal.NewFromInt(21), Currency: "EUR", InternalOrderInfo: p.Number})
		total = total.Add(p.Price.Mul(decimal.NewFromInt(int64(l.qty))))
	}
	so.AmountItems = total
	so.AmountComplete = total.Add(so.AmountShipping).Add(so.AmountShopPayment)
	a.sg.Fake.AddOrder(so)
	return so
}

// addOrder sends a signed add_order; it is safe to call from several
// goroutines and returns the envelope's error code.
func addOrder(srv *httptest.Server, action, number string, extra ...string) (int, string, error) {
	form := url.Values{"action": {action}, "shop_number": {demoShopNumber}, "order_number": {number}}
	for _, e := range extra {
		k, v, _ := strings.Cut(e, "=")
		form.Set(k, v)
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/shopgate/api", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	shopgate.SignRequest(req.Header, shopgate.PrefixSPA, demoCustomerNumber, demoAPIKey, time.Now())
	res, err := srv.Client().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	var m struct {
		Error     int    `json:"error"`
		ErrorText string `json:"error_text"`
	}
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		return 0, "", fmt.Errorf("HTTP %d: %w", res.StatusCode, err)
	}
	return m.Error, m.ErrorText, nil
}

// hostOrderNumber is the shop's order number of an imported Shopgate order.
func hostOrderNumber(t *testing.T, db *gorm.DB, sgNumber string) string {
	t.Helper()
	var m gormmodels.ShopgateOrder
	if err := db.Where("order_number = ?", sgNumber).Take(&m).Error; err != nil {
		t.Fatalf("Shopgate order %s not imported: %v", sgNumber, err)
	}
	var o Order
	if err := db.Where("id = ?", m.HostOrderID).Take(&o).Error; err != nil {
		t.Fatal(err)
	}
	return o.Number
}

// The option check_cart offered comes back with add_order: 8 concurrent
// duplicate calls import the order once, and DropHero gets it once with
// that mode and DropHero's total as shipping_price (not Shopgate's 99.00).
func TestDropHeroShopgateOrderThroughPluginAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a, srv, st := dhShopgateApp(t, db)
		ctx := context.Background()
		if err := st.svc.SetAutoSubmit(ctx, true); err != nil {
			t.Fatal(err)
		}
		opts := shipOptions(t, checkCart(t, srv, db, "ES", sgLine{"DH-5554", 2}, sgLine{"DH-5556", 1}))
		sort.Slice(opts, func(i, j int) bool { return opts[i].Mode < opts[j].Mode })
		// Mode 1: 2 × 7.40 + 14.00; mode 2: 2 × 2.40 + 3.20.
		if len(opts) != 2 || opts[0].Amount != "28.80" || opts[1].Amount != "8.00" {
			t.Fatalf("options %+v", opts)
		}
		dhShopgateOrder(t, a, db, "4100000001", true, opts[1].Info)

		var wg sync.WaitGroup
		codes := make([]int, 8)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, text, err := addOrder(srv, "add_order", "4100000001")
				if err != nil {
					t.Errorf("add_order: %v", err)
				}
				codes[i] = code
				if code != 0 && code != shopgate.CodeDuplicateOrder {
					t.Errorf("add_order: %d %s", code, text)
				}
			}()
		}
		wg.Wait()
		imported := 0
		for _, c := range codes {
			if c == 0 {
				imported++
			}
		}
		if imported != 1 {
			t.Fatalf("add_order codes %v: want one import and 7 duplicates", codes)
		}
		dropHeroDrain(t, a)
		number := hostOrderNumber(t, db, "4100000001")
		data, status, found := st.fake.Order(number)
		if !found || status != "1" || st.fake.Submissions(number) != 1 {
			t.Fatalf("DropHero: found %v status %q submissions %d", found, status, st.fake.Submissions(number))
		}
		if data["shipping_price"] != "8.0000" || data["buyer_shipping_country"] != "ES" {
			t.Errorf("at DropHero: shipping_price %v country %v", data["shipping_price"], data["buyer_shipping_country"])
		}
		items, _ := data["selled_items"].(map[string]any)
		if len(items) != 2 {
			t.Fatalf("selled_items %v", data["selled_items"])
		}
		for k, v := range items {
			if mode := v.(map[string]any)["idshippingmode"]; mode != "2" {
				t.Errorf("line %s idshippingmode %v", k, mode)
			}
		}
		if o, ok, err := st.svc.Order(ctx, number); err != nil || !ok || o.State != dropship.OrderSubmitted || o.ShippingMode != "2" {
			t.Errorf("DropHero order %+v %v %v", o, ok, err)
		}
	})
}

// Without a DropHero mode the order is imported but needs the merchant,
// and nothing is submitted; an unpaid order is submitted once Shopgate
// reports the payment through update_order.
func TestDropHeroShopgateOrderModeAndPayment(t *testing.T) {
	db := pgDB(t)
	a, srv, st := dhShopgateApp(t, db)
	ctx := context.Background()
	if err := st.svc.SetAutoSubmit(ctx, true); err != nil {
		t.Fatal(err)
	}
	opts := shipOptions(t, checkCart(t, srv, db, "ES", sgLine{"DH-5554", 2}, sgLine{"DH-5556", 1}))
	mode1 := ""
	for _, o := range opts {
		if o.Mode == "1" {
			mode1 = o.Info
		}
	}
	if mode1 == "" {
		t.Fatalf("no mode 1 in %+v", opts)
	}

	// The app lost the internal_shipping_info: needs attention.
	dhShopgateOrder(t, a, db, "4100000002", true, "")
	if code, text, err := addOrder(srv, "add_order", "4100000002"); err != nil || code != 0 {
		t.Fatalf("add_order without mode: %d %s %v", code, text, err)
	}
	dropHeroDrain(t, a)
	number := hostOrderNumber(t, db, "4100000002")
	o, ok, err := st.svc.Order(ctx, number)
	if err != nil || !ok || o.State != dropship.OrderNeedsAttention || !strings.Contains(o.LastError, "4100000002") {
		t.Errorf("without mode: %+v %v %v", o, ok, err)
	}
	if _, _, found := st.fake.Order(number); found {
		t.Error("order without a mode submitted")
	}
	if page := newBrowser(t, a).get("/admin/drophero", 200); !strings.Contains(page, "names no DropHero shipping mode") {
		t.Error("the merchant page does not show the note")
	}

	// Unpaid (blocked for shipping): waits; update_order with the payment
	// submits it.
	so := dhShopgateOrder(t, a, db, "4100000003", false, mode1)
	if code, text, err := addOrder(srv, "add_order", "4100000003"); err != nil || code != 0 {
		t.Fatalf("add_order unpaid: %d %s %v", code, text, err)
	}
	dropHeroDrain(t, a)
	number = hostOrderNumber(t, db, "4100000003")
	if o, _, _ := st.svc.Order(ctx, number); o.State != dropship.OrderAwaitingPayment {
		t.Fatalf("unpaid: %s", o.State)
	}
	if _, _, found := st.fake.Order(number); found {
		t.Fatal("unpaid order submitted")
	}
	so.IsPaid, so.IsShippingBlocked = true, false
	so.PaymentTransactionNumber = "TX-4100000003"
	a.sg.Fake.AddOrder(so)
	if code, text, err := addOrder(srv, "update_order", "4100000003", "payment=1", "shipping=1"); err != nil || code != 0 {
		t.Fatalf("update_order: %d %s %v", code, text, err)
	}
	dropHeroDrain(t, a)
	data, _, found := st.fake.Order(number)
	if !found || st.fake.Submissions(number) != 1 || data["shipping_price"] != "28.8000" {
		t.Fatalf("paid later: found %v submissions %d data %v", found, st.fake.Submissions(number), data)
	}
}
