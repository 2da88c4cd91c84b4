package dropship_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/orders"
	"github.com/shopbridge/shopbridge/shopgate"
)

// sgHost implements adapters.OrderHost on the test host's tables: an
// imported order becomes a th_orders row that testHost.DropHeroOrder reads.
type sgHost struct{ seq atomic.Int64 }

func (*sgHost) FindCustomer(context.Context, *gorm.DB, string, string) (*adapters.OrderCustomer, error) {
	return nil, nil
}

func (*sgHost) GuestCustomer(context.Context, *gorm.DB, adapters.GuestAccount) (adapters.OrderCustomer, error) {
	return adapters.OrderCustomer{}, nil
}

func (*sgHost) Products(ctx context.Context, tx *gorm.DB, numbers []string) (map[string]adapters.OrderProduct, error) {
	var ps []hostProduct
	if err := tx.Where("id IN ?", numbers).Find(&ps).Error; err != nil {
		return nil, err
	}
	out := map[string]adapters.OrderProduct{}
	for _, p := range ps {
		id := strconv.Itoa(int(p.ID))
		out[id] = adapters.OrderProduct{ID: id, Active: p.Active, Price: p.Price, Stock: int(p.Stock), HasStock: true}
	}
	return out, nil
}

func (*sgHost) PaymentMethodExists(context.Context, *gorm.DB, string) (bool, error) { return true, nil }

func (*sgHost) MinimumOrderAmount(context.Context, *gorm.DB) (decimal.Decimal, error) {
	return decimal.Zero, nil
}

func (h *sgHost) CreateOrder(ctx context.Context, tx *gorm.DB, o *adapters.ImportedOrder) (adapters.OrderRef, error) {
	id := fmt.Sprintf("SG%s-%d", o.ExternalNumber, h.seq.Add(1))
	ad := func(a adapters.OrderAddress) adapters.DropHeroAddress {
		return adapters.DropHeroAddress{Name: a.FirstName + " " + a.LastName, Street: a.Street1, Postcode: a.Zipcode, City: a.City, Country: a.Country, Phone: a.Phone}
	}
	d := adapters.DropHeroOrder{ID: id, Paid: o.IsPaid, Currency: o.Currency, Billing: ad(o.InvoiceAddress), Shipping: ad(o.DeliveryAddress)}
	for i, l := range o.Lines {
		if l.Kind != adapters.LineProduct || l.ProductID == "" {
			continue
		}
		d.Lines = append(d.Lines, adapters.DropHeroOrderLine{LineID: strconv.Itoa(i + 1), ProductID: l.ProductID,
			Qty: decimal.NewFromInt(int64(l.Quantity)), UnitPrice: l.UnitPrice.Div(decimal.NewFromInt(100).Add(l.TaxRate)).Mul(decimal.NewFromInt(100)).Round(4), TaxRate: l.TaxRate})
	}
	b, _ := json.Marshal(d)
	if err := tx.Create(&hostOrder{ID: id, Data: string(b), State: o.Status}).Error; err != nil {
		return adapters.OrderRef{}, err
	}
	return adapters.OrderRef{ExternalOrderID: id}, nil
}

func (*sgHost) UpdateOrder(ctx context.Context, tx *gorm.DB, id string, u adapters.OrderChange) error {
	var o hostOrder
	if err := tx.First(&o, "id = ?", id).Error; err != nil {
		return err
	}
	var d adapters.DropHeroOrder
	if err := json.Unmarshal([]byte(o.Data), &d); err != nil {
		return err
	}
	if u.IsPaid != nil {
		d.Paid = *u.IsPaid
	}
	if u.Status != "" {
		o.State = u.Status
	}
	b, _ := json.Marshal(d)
	o.Data = string(b)
	return tx.Save(&o).Error
}

func (*sgHost) OrderStates(ctx context.Context, tx *gorm.DB, ids []string) (map[string]adapters.HostOrderState, error) {
	var os []hostOrder
	if err := tx.Where("id IN ?", ids).Find(&os).Error; err != nil {
		return nil, err
	}
	out := map[string]adapters.HostOrderState{}
	for _, o := range os {
		out[o.ID] = adapters.HostOrderState{Status: o.State}
	}
	return out, nil
}

// sgMerchant is a Merchant API that only answers get_orders.
type sgMerchant struct {
	mu     sync.Mutex
	orders map[string]shopgate.Order
}

func (m *sgMerchant) put(o shopgate.Order) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.orders[o.OrderNumber] = o
}

func (m *sgMerchant) GetOrder(ctx context.Context, n string) (*shopgate.Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[n]
	if !ok {
		return nil, errors.New("no such order")
	}
	return &o, nil
}

func (*sgMerchant) AddOrderDeliveryNote(context.Context, shopgate.DeliveryNoteRequest) (*shopgate.Response, error) {
	return nil, errors.New("unused")
}

func (*sgMerchant) SetOrderShippingCompleted(context.Context, shopgate.ShippingCompletedRequest) (*shopgate.Response, error) {
	return nil, errors.New("unused")
}

func (*sgMerchant) CancelOrder(context.Context, shopgate.CancelOrderRequest) (*shopgate.CancelOrderResult, error) {
	return nil, errors.New("unused")
}

// sgEnv is an installed DropHero env plus an orders service whose import
// hook is the integration's.
type sgEnv struct {
	*env
	merchant *sgMerchant
	orders   *orders.Service
	shop     adapters.Shop
}

func newSGEnv(t *testing.T) *sgEnv {
	e := newEnv(t, true)
	if err := e.db.AutoMigrate(&gormmodels.ShopgateOrder{}); err != nil {
		t.Fatal(err)
	}
	e.db.Create(&hostProduct{SKU: "OWN", Name: "Own", Price: decimal.NewFromInt(3), Active: true, Stock: 10})
	e.install()
	if err := e.svc.SetAutoSubmit(e.ctx, true); err != nil {
		t.Fatal(err)
	}
	m := &sgMerchant{orders: map[string]shopgate.Order{}}
	svc, err := orders.New(orders.Config{DB: e.db, Host: &sgHost{}, Merchant: orders.SingleMerchant(m),
		Hooks: []orders.Hook{e.svc.OrdersHook(nil)}})
	if err != nil {
		t.Fatal(err)
	}
	return &sgEnv{env: e, merchant: m, orders: svc, shop: adapters.Shop{Number: "10000"}}
}

// sgOrder is a Shopgate order for ES with 5554 ×2, 5556 ×1 and the own
// product; info is its internal_shipping_info.
func (e *sgEnv) sgOrder(number string, paid bool, info string) shopgate.Order {
	e.t.Helper()
	addr := shopgate.Address{AddressFields: shopgate.AddressFields{FirstName: "Ana", LastName: "Puig", Street1: "Carrer Nou 7", Zipcode: "08221", City: "Terrassa", Country: "ES"}}
	o := shopgate.Order{OrderNumber: number, Currency: "EUR", IsPaid: paid, PaymentMethod: "PREPAY",
		InvoiceAddress: addr, DeliveryAddress: addr, Mail: "ana@example.com",
		AmountShipping: decimal.RequireFromString("99.00"), AmountComplete: decimal.RequireFromString("130.00"),
		ShippingInfos: &shopgate.ShippingInfo{Name: "Partner: Standard post", InternalShippingInfo: info}}
	for i, sku := range []string{"DH-5554", "DH-5556", "OWN"} {
		p := e.product("sku = ?", sku)
		gross := p.Price.Mul(decimal.RequireFromString("1.21")).Round(2)
		o.Items = append(o.Items, shopgate.OrderItem{ItemNumber: itoa(p.ID), Type: shopgate.OrderItemTypeItem, Quantity: 2 - i%2,
			Name: p.Name, UnitAmount: p.Price, UnitAmountWithTax: gross, TaxPercent: decimal.NewFromInt(21), Currency: "EUR"})
	}
	e.merchant.put(o)
	return o
}

// hostID returns the host order id of an imported Shopgate order.
func (e *sgEnv) hostID(number string) string {
	e.t.Helper()
	var m gormmodels.ShopgateOrder
	if err := e.db.First(&m, "order_number = ?", number).Error; err != nil {
		e.t.Fatal(err)
	}
	return m.HostOrderID
}

func TestShopgateOrderSubmittedOnceWithModeAndShipping(t *testing.T) {
	e := newSGEnv(t)
	e.sgOrder("SG1001", true, dropship.ShippingInfo("2"))
	// Shopgate repeats add_order: 8 calls at once, exactly one import.
	var wg sync.WaitGroup
	var ok, dup atomic.Int32
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.orders.AddOrder(e.ctx, e.shop, "SG1001")
			if ae, is := shopgate.AsAPIError(err); is && ae.Code == shopgate.CodeDuplicateOrder {
				dup.Add(1)
				return
			}
			if err != nil {
				t.Errorf("add_order: %v", err)
				return
			}
			ok.Add(1)
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || dup.Load() != 7 {
		t.Fatalf("imports %d, duplicates %d", ok.Load(), dup.Load())
	}
	e.drain()
	id := e.hostID("SG1001")
	data, status, found := e.fake.Order(id)
	if !found || status != "1" || e.fake.Submissions(id) != 1 {
		t.Fatalf("not submitted once: found %v status %q submissions %d\n%s", found, status, e.fake.Submissions(id), e.jobErrors())
	}
	// 2 × 2.40 (5554) + 1 × 3.20 (5556) = 8.00, not Shopgate's 99.00.
	if data["shipping_price"] != "8.0000" {
		t.Errorf("shipping_price %v", data["shipping_price"])
	}
	items := data["selled_items"].(map[string]any)
	if len(items) != 2 {
		t.Errorf("selled_items %v (own item must not be sent)", items)
	}
	for k, v := range items {
		if m := v.(map[string]any)["idshippingmode"]; m != "2" {
			t.Errorf("line %s idshippingmode %v", k, m)
		}
	}
	if o := e.dhOrder(id); o.State != gormmodels.DropHeroSubmitted || o.ShippingMode != "2" {
		t.Errorf("state %s mode %q", o.State, o.ShippingMode)
	}
	var n int64
	e.db.Model(&gormmodels.DropHeroOrder{}).Count(&n)
	if n != 1 {
		t.Errorf("%d DropHero orders, want 1", n)
	}
}

func TestShopgateOrderWithoutValidModeNeedsAttention(t *testing.T) {
	e := newSGEnv(t)
	// A mode wider than the stored column and a huge value are hostile
	// input: the import must neither fail (Shopgate would retry forever)
	// nor copy the value whole into the merchant's note.
	for number, info := range map[string]string{"SG2001": "", "SG2002": `{"dh_mode":"7"}`, "SG2003": "not json",
		"SG2004": `{"dh_mode":"` + strings.Repeat("9", 40) + `"}`, "SG2005": strings.Repeat("x", 1<<20)} {
		e.sgOrder(number, true, info)
		if _, err := e.orders.AddOrder(e.ctx, e.shop, number); err != nil {
			t.Fatalf("%s: import must not fail: %v", number, err)
		}
		e.drain()
		id := e.hostID(number)
		o := e.dhOrder(id)
		if o.State != gormmodels.DropHeroNeedsAttention || o.LastError == "" || len(o.LastError) > 400 {
			t.Errorf("%s (%q): state %s note %q", number, info, o.State, o.LastError)
		}
		if _, _, found := e.fake.Order(id); found {
			t.Errorf("%s submitted without a valid mode", number)
		}
		t.Logf("%s: %.200s", number, o.LastError)
	}
}

func TestShopgateOrderPaidLaterSubmitted(t *testing.T) {
	e := newSGEnv(t)
	o := e.sgOrder("SG3001", false, `{"dh_mode":1,"shop":"x"}`)
	if _, err := e.orders.AddOrder(e.ctx, e.shop, "SG3001"); err != nil {
		t.Fatal(err)
	}
	e.drain()
	id := e.hostID("SG3001")
	if st := e.dhOrder(id).State; st != gormmodels.DropHeroAwaitingPayment {
		t.Fatalf("unpaid: %s", st)
	}
	if _, _, found := e.fake.Order(id); found {
		t.Fatal("unpaid order submitted")
	}
	// Paid but still blocked for shipping at Shopgate: not yet.
	o.IsPaid, o.IsShippingBlocked = true, true
	e.merchant.put(o)
	if _, err := e.orders.UpdateOrder(e.ctx, e.shop, "SG3001", true, false); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if _, _, found := e.fake.Order(id); found {
		t.Fatal("order blocked for shipping submitted")
	}
	o.IsShippingBlocked = false
	e.merchant.put(o)
	if _, err := e.orders.UpdateOrder(e.ctx, e.shop, "SG3001", false, true); err != nil {
		t.Fatal(err)
	}
	e.drain()
	data, _, found := e.fake.Order(id)
	if !found || e.fake.Submissions(id) != 1 {
		t.Fatalf("paid order not submitted once\n%s", e.jobErrors())
	}
	// Mode 1: 2 × 7.40 + 14.00 = 28.80.
	if data["shipping_price"] != "28.8000" {
		t.Errorf("shipping_price %v", data["shipping_price"])
	}

	// A second order cancelled at Shopgate before payment is never sent.
	o2 := e.sgOrder("SG3002", false, dropship.ShippingInfo("2"))
	if _, err := e.orders.AddOrder(e.ctx, e.shop, "SG3002"); err != nil {
		t.Fatal(err)
	}
	o2.IsStorno = true
	e.merchant.put(o2)
	if _, err := e.orders.UpdateOrder(e.ctx, e.shop, "SG3002", false, true); err != nil {
		t.Fatal(err)
	}
	e.drain()
	id2 := e.hostID("SG3002")
	if st := e.dhOrder(id2).State; st != gormmodels.DropHeroRejected {
		t.Errorf("cancelled order: %s", st)
	}
	if _, _, found := e.fake.Order(id2); found {
		t.Error("cancelled order submitted")
	}
}

func TestModeFromShippingInfo(t *testing.T) {
	for in, want := range map[string]string{
		`{"dh_mode":"2"}`: "2", `{"dh_mode":2}`: "2", ` {"x":1,"dh_mode":"13"} `: "13", dropship.ShippingInfo("4"): "4",
		`{"dh_mode":"` + strings.Repeat("7", dropship.MaxModeLen) + `"}`:   strings.Repeat("7", dropship.MaxModeLen),
		`{"dh_mode":"` + strings.Repeat("7", dropship.MaxModeLen+1) + `"}`: "", `{"dh_mode":` + strings.Repeat("7", 40) + `}`: "",
		"": "", "2": "", `{"dh_mode":""}`: "", `{"dh_mode":-1}`: "", `{"dh_mode":1.5}`: "", `{"mode":"2"}`: "", `[1]`: "",
	} {
		got, ok := dropship.ModeFromShippingInfo(in)
		if got != want || ok != (want != "") {
			t.Errorf("%q → %q %v, want %q", in, got, ok, want)
		}
	}
}

// FuzzModeFromShippingInfo: any internal_shipping_info Shopgate sends back
// gives no mode or a non-empty mode of at most MaxModeLen bytes that
// survives ShippingInfo unchanged.
func FuzzModeFromShippingInfo(f *testing.F) {
	for _, s := range []string{`{"dh_mode":"2"}`, `{"dh_mode":2,"shop":"std"}`, `{"dh_mode":" 3 "}`, `{"dh_mode":1e3}`, `[]`, `null`, ``, `{"dh_mode":"\ud800"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, info string) {
		mode, ok := dropship.ModeFromShippingInfo(info)
		if !ok {
			if mode != "" {
				t.Fatalf("%q: no mode but %q", info, mode)
			}
			return
		}
		if mode == "" || len(mode) > dropship.MaxModeLen {
			t.Fatalf("%q: mode %q", info, mode)
		}
		if back, ok := dropship.ModeFromShippingInfo(dropship.ShippingInfo(mode)); !ok || back != mode {
			t.Fatalf("%q: mode %q comes back as %q %v", info, mode, back, ok)
		}
	})
}
