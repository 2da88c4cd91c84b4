package orders

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testhost"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// Worked example 8.1: guest order, prepayment, Shopgate coupon.
func TestAddOrderWorkedExample81(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product("TS-1001", "19.95", 10, true)
	e.product("HD-2002", "49.95", 5, true)
	e.addRaw(specOrder(t))

	ref := e.addOrder("1402011234")
	if ref.ExternalOrderID == "" || ref.ExternalOrderNumber == "" {
		t.Fatalf("ref %+v", ref)
	}

	// The Merchant API call of 2.3.
	reqs := e.fake.RequestsFor(shopgate.ActionGetOrders)
	if len(reqs) != 1 {
		t.Fatalf("%d get_orders calls", len(reqs))
	}
	if got := reqs[0].Params["order_numbers"]; !strings.Contains(strings.Join(toStrings(got), ","), "1402011234") {
		t.Errorf("order_numbers = %v", got)
	}
	if reqs[0].Param("with_items") != "1" {
		t.Errorf("with_items = %q", reqs[0].Param("with_items"))
	}

	o := e.hostOrder(ref.ExternalOrderID)
	if o.Number != ref.ExternalOrderNumber || o.Source != "shopgate" || o.ExternalNumber != "1402011234" {
		t.Errorf("order ids: %+v", o)
	}
	if o.Status != "new" {
		t.Errorf("status %q: is_shipping_blocked=1 must keep the order from shipping", o.Status)
	}
	checks := []struct {
		name      string
		got, want decimal.Decimal
	}{
		{"total", o.AmountTotal, dec("86.75")},
		{"shipping", o.AmountShipping, dec("4.90")},
		{"payment fee", o.AmountPayment, dec("2.00")},
		{"items", o.AmountItems, dec("89.85")},
		{"discount", o.AmountDiscount, dec("10.00")},
	}
	for _, c := range checks {
		if !c.got.Equal(c.want) {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	if o.PaymentMethod != "prepayment" || o.IsPaid {
		t.Errorf("payment %q paid=%v", o.PaymentMethod, o.IsPaid)
	}
	if o.InvoiceAddress.Street1 != "Invalidenstraße 117" || o.DeliveryAddress.Company != "Beispiel GmbH" ||
		o.DeliveryAddress.Street2 != "3. OG" || o.InvoiceAddress.Zipcode != "10115" {
		t.Errorf("addresses %+v / %+v", o.InvoiceAddress, o.DeliveryAddress)
	}
	for _, want := range []string{"SHIPPING BLOCKED", "purpose: SG1402011234", "Delivery instructions: Please leave with the neighbour",
		"Prepayment (own processing)", "Payment costs: 2.00 EUR incl. 19% tax", "Shipping: DHL Standard (DHL), 4.90 EUR incl. 19% tax"} {
		if !strings.Contains(o.Comment, want) {
			t.Errorf("comment lacks %q:\n%s", want, o.Comment)
		}
	}
	if strings.Contains(o.Comment, "Discrepancies") {
		t.Errorf("consistent order has discrepancies:\n%s", o.Comment)
	}

	items := e.items(o.ID)
	if len(items) != 3 {
		t.Fatalf("%d lines, want 3 (amount_shopgate_payment is never a line)", len(items))
	}
	if items[0].Number != "TS-1001" || items[0].Quantity != 2 || !items[0].Total.Equal(dec("39.90")) || items[0].ProductID == nil ||
		items[0].Attributes != "Colour: White" {
		t.Errorf("line 1 %+v", items[0])
	}
	if items[1].Attributes != "Size: M; Name print: ANNA" {
		t.Errorf("line 2 details %q", items[1].Attributes)
	}
	if c := items[2]; c.Type != "coupon" || c.Number != "COUPON" || !c.Total.Equal(dec("-10")) || c.ProductID != nil {
		t.Errorf("coupon line %+v", c)
	}

	var guests []testhost.Customer
	e.db.Find(&guests)
	if len(guests) != 1 || guests[0].Email != "anna.schmidt@example.com" || guests[0].PasswordHash != "" ||
		o.CustomerID == nil || *o.CustomerID != guests[0].ID {
		t.Fatalf("guest account: %+v, order customer %v", guests, o.CustomerID)
	}
	if n := e.count(&testhost.Address{}); n != 1 {
		t.Errorf("%d guest addresses", n)
	}

	m := e.mapping("1402011234")
	if m.HostOrderID != ref.ExternalOrderID || !m.IsShippingBlocked || m.IsPaid || !m.Guest ||
		!m.AmountComplete.Equal(dec("86.75")) || m.RawOrder == "" || m.Notes != "" {
		t.Errorf("bookkeeping row %+v", m)
	}
	if h := e.history(o.ID); len(h) != 1 || !strings.Contains(h[0].Comment, "1402011234") {
		t.Errorf("history %+v", h)
	}
}

func toStrings(v any) []string {
	switch t := v.(type) {
	case []any:
		var out []string
		for _, e := range t {
			s, _ := e.(string)
			out = append(out, s)
		}
		return out
	case string:
		return []string{t}
	}
	return nil
}

// Worked example 8.2: the retry answers 60 and changes nothing, without
// asking the Merchant API again.
func TestAddOrderDuplicate82(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.addRaw(specOrder(t))
	e.addOrder("1402011234")
	_, err := e.svc.AddOrder(context.Background(), e.shop, "1402011234")
	if apiCode(err) != shopgate.CodeDuplicateOrder {
		t.Fatalf("second add_order: %v", err)
	}
	if n := e.count(&testhost.Order{}); n != 1 {
		t.Errorf("%d orders", n)
	}
	if n := len(e.fake.RequestsFor(shopgate.ActionGetOrders)); n != 1 {
		t.Errorf("%d get_orders calls, want 1", n)
	}
}

// 16 add_order calls for one number at the same moment: one order,
// fifteen 60s.
func TestAddOrderConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.addRaw(specOrder(t))
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = e.svc.AddOrder(context.Background(), e.shop, "1402011234")
		}()
	}
	close(start)
	wg.Wait()
	ok, dup := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case apiCode(err) == shopgate.CodeDuplicateOrder:
			dup++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || dup != 15 {
		t.Fatalf("%d imported, %d duplicates", ok, dup)
	}
	for model, want := range map[string]struct {
		m any
		n int64
	}{"orders": {&testhost.Order{}, 1}, "customers": {&testhost.Customer{}, 1},
		"lines": {&testhost.OrderItem{}, 3}, "mappings": {&gormmodels.ShopgateOrder{}, 1}} {
		if got := e.count(want.m); got != want.n {
			t.Errorf("%s: %d, want %d", model, got, want.n)
		}
	}
}

// failingHost writes everything through the real adapter and then fails,
// like a crash after the order lines were written.
type failingHost struct {
	adapters.OrderHost
}

var errInjected = errors.New("injected failure after the items were written")

func (f failingHost) CreateOrder(ctx context.Context, tx *gorm.DB, o *adapters.ImportedOrder) (adapters.OrderRef, error) {
	if _, err := f.OrderHost.CreateOrder(ctx, tx, o); err != nil {
		return adapters.OrderRef{}, err
	}
	return adapters.OrderRef{}, errInjected
}

func TestAddOrderFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.addRaw(specOrder(t))
	good := e.svc.cfg.Host
	e.svc.cfg.Host = failingHost{good}
	_, err := e.svc.AddOrder(context.Background(), e.shop, "1402011234")
	if apiCode(err) != shopgate.CodeDatabaseError || !errors.Is(err, errInjected) {
		t.Fatalf("err = %v, want 83 wrapping the injected failure", err)
	}
	for name, m := range map[string]any{"orders": &testhost.Order{}, "lines": &testhost.OrderItem{},
		"history": &testhost.OrderHistory{}, "customers": &testhost.Customer{},
		"addresses": &testhost.Address{}, "mappings": &gormmodels.ShopgateOrder{}} {
		if n := e.count(m); n != 0 {
			t.Errorf("%d %s left behind", n, name)
		}
	}
	// Shopgate's retry then succeeds.
	e.svc.cfg.Host = good
	e.addOrder("1402011234")
}

func TestAddOrderCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	known := testhost.Customer{Number: "K-004711", Email: "anna.schmidt@example.com", PasswordHash: "$2a$10$x",
		Token: "tok", FirstName: "Anna", LastName: "Schmidt", Active: true}
	if err := e.db.Create(&known).Error; err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		id, number   string
		mail         string
		wantCustomer func(got *uint) bool
		wantNote     string
	}{
		{"known by id", strconv.Itoa(int(known.ID)), "", "anna.schmidt@example.com",
			func(got *uint) bool { return got != nil && *got == known.ID }, ""},
		{"known by number", "", "K-004711", "anna.schmidt@example.com",
			func(got *uint) bool { return got != nil && *got == known.ID }, ""},
		{"unknown id falls back to guest", "999999", "", "new.buyer@example.com",
			func(got *uint) bool { return got != nil && *got != known.ID }, "not found in the shop"},
		{"guest", "", "", "guest@example.com",
			func(got *uint) bool { return got != nil && *got != known.ID }, ""},
		{"guest with a registered customer's address", "", "", "anna.schmidt@example.com",
			func(got *uint) bool { return got == nil }, "belongs to a registered customer"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			number := strconv.Itoa(1500000000 + i)
			m := specOrder(t)
			m["order_number"] = number
			m["external_customer_id"] = tt.id
			m["external_customer_number"] = tt.number
			m["mail"] = tt.mail
			e.addRaw(m)
			ref := e.addOrder(number)
			o := e.hostOrder(ref.ExternalOrderID)
			if !tt.wantCustomer(o.CustomerID) {
				t.Errorf("customer %v", o.CustomerID)
			}
			if tt.wantNote != "" && !strings.Contains(o.Comment, tt.wantNote) {
				t.Errorf("comment lacks %q:\n%s", tt.wantNote, o.Comment)
			}
		})
	}
	// A second guest order with the same address reuses the guest account.
	m := specOrder(t)
	m["order_number"] = "1599999999"
	m["mail"] = "guest@example.com"
	e.addRaw(m)
	e.addOrder("1599999999")
	var n int64
	e.db.Model(&testhost.Customer{}).Where("email = ?", "guest@example.com").Count(&n)
	if n != 1 {
		t.Errorf("%d guest accounts for one address", n)
	}
}

func TestAddOrderPaymentPaths(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) {
		c.PaymentMethods["DEBIT"] = "debit" // the host has no such method
		c.PaymentGroups["SEPA"] = "sepa"    // nor this one
	})
	tests := []struct {
		name, method, group string
		infos               map[string]any
		wantMethod          string
		wantComment         []string
		notInComment        []string
	}{
		{"settled by Shopgate", "SHOPGATE", "SHOPGATE", map[string]any{"shopgate_payment_name": "Shopgate Credit Card"},
			"Shopgate", []string{"Shopgate Credit Card"}, nil},
		{"own method the shop supports", "PREPAY", "PREPAY", map[string]any{"shopgate_payment_name": "Vorkasse", "purpose": "SG1"},
			"prepayment", []string{"purpose: SG1"}, nil},
		{"mapped by group", "BILLSAFE", "INVOICE", map[string]any{"billsafe_transaction_id": "B-1"},
			"invoice", []string{"billsafe_transaction_id: B-1"}, nil},
		{"own method the shop lacks", "PP_WSPP_CC", "CC", map[string]any{
			"shopgate_payment_name": "Credit card",
			"credit_card":           map[string]any{"holder": "Anna Schmidt", "masked_number": "************1111", "type": "visa"},
			"transaction_id":        "TX-77"},
			"Mobile Payment", []string{"credit_card.holder: Anna Schmidt", "credit_card.masked_number: ************1111", "transaction_id: TX-77"}, nil},
		{"mapped method missing in the shop", "DEBIT", "DEBIT", map[string]any{"iban": "DE02120300000000202051"},
			"Mobile Payment", []string{"iban: DE02120300000000202051", "debit is not available"}, nil},
		{"mapped method missing, group mapping exists", "DEBIT", "INVOICE", map[string]any{"iban": "DE02120300000000202051"},
			"invoice", []string{"Payment method debit is not available in the shop; booked as invoice."}, []string{"Mobile Payment"}},
		{"mapped method and group missing", "DEBIT", "SEPA", map[string]any{"iban": "DE02120300000000202051"},
			"Mobile Payment", []string{"Payment method debit is not available in the shop; booked as Mobile Payment.",
				"Payment method sepa is not available in the shop; booked as Mobile Payment."}, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			number := strconv.Itoa(1600000000 + i)
			m := specOrder(t)
			m["order_number"] = number
			m["payment_method"], m["payment_group"], m["payment_infos"] = tt.method, tt.group, tt.infos
			e.addRaw(m)
			o := e.hostOrder(e.addOrder(number).ExternalOrderID)
			if o.PaymentMethod != tt.wantMethod {
				t.Errorf("method %q, want %q", o.PaymentMethod, tt.wantMethod)
			}
			for _, w := range tt.wantComment {
				if !strings.Contains(o.Comment, w) {
					t.Errorf("comment lacks %q:\n%s", w, o.Comment)
				}
			}
			for _, w := range tt.notInComment {
				if strings.Contains(o.Comment, w) {
					t.Errorf("comment has %q:\n%s", w, o.Comment)
				}
			}
		})
	}
}

// Discrepancies never fail the import; they are noted for the merchant.
func TestAddOrderDiscrepanciesAreNoted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product("TS-1001", "17.95", 1, true) // other price, too little stock
	e.product("HD-2002", "49.95", 5, false)
	m := specOrder(t)
	items := m["items"].([]any)
	gone := map[string]any{"item_number": "GONE-404", "type": "item", "quantity": 1, "name": "Discontinued mug",
		"unit_amount_with_tax": "0.00", "tax_percent": "19.00"}
	m["items"] = append(items, gone)
	m["amount_complete"] = "90.00" // not lines + shipping + fee
	inv := m["invoice_address"].(map[string]any)
	inv["country"] = "XX1"
	inv["city"] = strings.Repeat("Ü", 300) // longer than the host column
	m["shipping_infos"].(map[string]any)["display_name"] = strings.Repeat("Express ", 20)
	e.addRaw(m)

	o := e.hostOrder(e.addOrder("1402011234").ExternalOrderID)
	if !o.AmountTotal.Equal(dec("90")) {
		t.Errorf("total %s: Shopgate's amount_complete must be kept", o.AmountTotal)
	}
	for _, want := range []string{
		"Product GONE-404 (Discontinued mug) does not exist",
		"Price of TS-1001 differs: Shopgate 19.95, shop 17.95",
		"Not enough stock for TS-1001: ordered 2, in stock 1",
		"HD-2002 (Hooded Sweatshirt) is not active",
		"Shopgate's total is 90.00",
		`Unknown country code "XX1"`,
	} {
		if !strings.Contains(o.Comment, want) {
			t.Errorf("comment lacks %q:\n%s", want, o.Comment)
		}
	}
	lines := e.items(o.ID)
	if len(lines) != 4 || lines[3].Number != "GONE-404" || lines[3].ProductID != nil {
		t.Errorf("missing product not imported as a line: %+v", lines)
	}
	if mp := e.mapping("1402011234"); !strings.Contains(mp.Notes, "GONE-404") {
		t.Errorf("notes %q", mp.Notes)
	}
}

// Amounts Shopgate sends from PHP floats (19.9499999 for 19.95) are
// compared in the currency's minor unit: only real differences are noted.
func TestAddOrderTotalsRoundedToCurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product("TS-1001", "19.95", 10, true)
	e.product("HD-2002", "49.95", 10, true)
	tests := []struct {
		name     string
		currency string
		unit     map[string]any // item_number -> unit_amount_with_tax
		amounts  map[string]any // order fields
		want     []string       // in the comment
		notWant  []string
	}{
		{"float noise is no difference", "EUR",
			map[string]any{"TS-1001": 19.9499999, "HD-2002": 49.9500001},
			map[string]any{"amount_items": 79.8499999, "amount_complete": 86.7500001},
			nil, []string{"differs", "Shopgate's total"}},
		{"a cent is a difference", "EUR",
			map[string]any{"TS-1001": 19.9499999},
			map[string]any{"amount_items": "79.84", "amount_complete": "86.74"},
			[]string{"Sum of the lines 79.85 differs from Shopgate's amount_items 79.84",
				"Lines + shipping + payment fee = 86.75, but Shopgate's total is 86.74"}, []string{"Price of"}},
		{"a shop price off by a cent is noted", "EUR",
			map[string]any{"TS-1001": "19.94"},
			map[string]any{"amount_items": "79.83", "amount_complete": "86.73"},
			[]string{"Price of TS-1001 differs: Shopgate 19.94, shop 19.95"}, []string{"Shopgate's total"}},
		{"currency without minor unit", "JPY",
			nil, map[string]any{"amount_complete": "86.9"},
			nil, []string{"Shopgate's total"}},
		{"fractions matter in a two-decimal currency", "EUR",
			nil, map[string]any{"amount_complete": "86.9"},
			[]string{"Lines + shipping + payment fee = 86.75, but Shopgate's total is 86.90"}, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			number := strconv.Itoa(1650000000 + i)
			m := specOrder(t)
			m["order_number"] = number
			m["currency"] = tt.currency
			for _, it := range m["items"].([]any) {
				it := it.(map[string]any)
				if v, ok := tt.unit[it["item_number"].(string)]; ok {
					it["unit_amount_with_tax"] = v
				}
			}
			for k, v := range tt.amounts {
				m[k] = v
			}
			e.addRaw(m)
			o := e.hostOrder(e.addOrder(number).ExternalOrderID)
			for _, w := range tt.want {
				if !strings.Contains(o.Comment, w) {
					t.Errorf("comment lacks %q:\n%s", w, o.Comment)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(o.Comment, w) {
					t.Errorf("comment has %q:\n%s", w, o.Comment)
				}
			}
		})
	}
}

func TestCurrencyDecimals(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]int32{"EUR": 2, "usd": 2, "": 2, "JPY": 0, "KRW": 0, "KWD": 3, " bhd ": 3} {
		if got := currencyDecimals(code); got != want {
			t.Errorf("currencyDecimals(%q) = %d, want %d", code, got, want)
		}
	}
}

func TestAddOrderMinimumAmountAndCouponNumber(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.CouponItemNumber = "GUTSCHEIN" })
	e.svc.cfg.Host = minHost{e.svc.cfg.Host}
	m := specOrder(t)
	e.addRaw(m)
	o := e.hostOrder(e.addOrder("1402011234").ExternalOrderID)
	for _, want := range []string{"below the shop's minimum order amount 100.00", "coupon article number GUTSCHEIN"} {
		if !strings.Contains(o.Comment, want) {
			t.Errorf("comment lacks %q:\n%s", want, o.Comment)
		}
	}
	if it := e.items(o.ID); it[2].Type != "coupon" {
		t.Errorf("sg_coupon line type %q", it[2].Type)
	}
}

type minHost struct{ adapters.OrderHost }

func (minHost) MinimumOrderAmount(context.Context, *gorm.DB) (decimal.Decimal, error) {
	return dec("100"), nil
}

func TestAddOrderMerchantAPIErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault shopgatetest.Fault
		want  int
	}{
		{"error answered", shopgatetest.ErrorFault(shopgate.SMACodeShopNotFound, "shop not found"), shopgate.CodeMerchantAPIErrorReceived},
		{"no answer", shopgatetest.EmptyBody(), shopgate.CodeMerchantAPINoConnection},
		{"no orders list", shopgatetest.MissingPayload(), shopgate.CodeMerchantAPIInvalidResp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.addRaw(specOrder(t))
			e.fake.FailNext(shopgate.ActionGetOrders, tt.fault)
			_, err := e.svc.AddOrder(context.Background(), e.shop, "1402011234")
			if got := apiCode(err); got != tt.want {
				t.Fatalf("code %d (%v), want %d", got, err, tt.want)
			}
			if n := e.count(&gormmodels.ShopgateOrder{}); n != 0 {
				t.Errorf("%d mappings after a failed fetch", n)
			}
		})
	}
	e := newEnv(t)
	_, err := e.svc.AddOrder(context.Background(), e.shop, "1000000000")
	if got := apiCode(err); got != shopgate.CodeMerchantAPIInvalidResp {
		t.Fatalf("unknown order at Shopgate: code %d (%v)", got, err)
	}
}
