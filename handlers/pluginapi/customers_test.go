package pluginapi

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
	"github.com/shopbridge/shopbridge/adapters/gormcustomers"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/internal/testhost"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// severalGroups reads a customer's groups from a link table (created by
// seedAnna) instead of the example's one group column, so a customer can
// be in several groups.
func severalGroups(c *gormcustomers.Config) {
	c.Groups = &gormcustomers.Groups{
		From:     "shop_customer_groups g JOIN test_customer_group_links l ON l.group_id = g.id",
		Customer: "l.customer_id", ID: "g.id", Name: "g.name",
	}
}

// anna is the customer of the get_customer worked example
// (docs/protocol/customers.md#get_customer).
func seedAnna(t *testing.T, db *gorm.DB) {
	t.Helper()
	if err := testhost.Migrate(db); err != nil {
		t.Fatal(err)
	}
	if err := gormmodels.Migrate(db); err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("CREATE TABLE test_customer_group_links (customer_id INTEGER, group_id INTEGER)").Error; err != nil {
		t.Fatal(err)
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte("S3cret!pass"), bcrypt.MinCost)
	birthday := time.Date(1988, 7, 21, 0, 0, 0, 0, time.UTC)
	reg := time.Date(2021, 3, 14, 9, 22, 5, 0, time.UTC)
	group := uint(2)
	rows := []any{
		&[]testhost.CustomerGroup{{ID: 2, Name: "Retail"}, {ID: 7, Name: "Friends"}},
		&testhost.Customer{ID: 4711, Number: "K-004711", Email: "anna.schmidt@example.com", PasswordHash: string(hash),
			Token: "c3f9a1d07e5b4b8f9d2e6a41", FirstName: "Anna", LastName: "Schmidt", Gender: "f", Birthday: &birthday,
			Phone: "+49 30 1234567", Newsletter: true, Active: true, CustomerGroupID: &group, CreatedAt: reg, UpdatedAt: reg},
		// The delivery-only address has the lower id: the default one must
		// still come first.
		&testhost.Address{ID: 900, CustomerID: 4711, IsDelivery: true, Gender: "f", FirstName: "Anna", LastName: "Schmidt",
			Company: "Beispiel GmbH", Street1: "Friedrichstraße 68", Street2: "3. OG", Zipcode: "10117", City: "Berlin", Country: "DE"},
		&testhost.Address{ID: 901, CustomerID: 4711, IsDefault: true, IsInvoice: true, IsDelivery: true, Gender: "f",
			FirstName: "Anna", LastName: "Schmidt", Street1: "Invalidenstraße 117", Zipcode: "10115", City: "Berlin",
			Country: "DE", Phone: "+49 30 1234567"},
		// The host's address table has no mail column: shopbridge keeps it.
		&gormmodels.CustomerExtra{CustomerID: "4711", Data: `{"addresses":{"901":{"mail":"anna.schmidt@example.com"}}}`},
	}
	for _, r := range rows {
		if err := db.Create(r).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Exec("INSERT INTO test_customer_group_links VALUES (4711, 2), (4711, 7)").Error; err != nil {
		t.Fatal(err)
	}
}

func newCustomersHandler(t *testing.T, db *gorm.DB, mod func(*gormcustomers.Config)) *Handler {
	t.Helper()
	cfg := testhost.CustomersConfig(db)
	if mod != nil {
		mod(&cfg)
	}
	store, err := gormcustomers.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return newTestHandler(t, func(c *Config) {
		for _, a := range []string{"get_customer", "register_customer", "get_orders", "sync_favourite_list"} {
			c.Shops[0].Enable[a] = true
		}
		c.Customers = store
	})
}

// wantFields reports every key of want whose value in m differs.
func wantFields(t *testing.T, what string, m, want map[string]any) {
	t.Helper()
	for k, w := range want {
		if m[k] != w {
			t.Errorf("%s[%s] = %v, want %v", what, k, m[k], w)
		}
	}
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// TestGetCustomerWorkedExample: docs/protocol/customers.md#get_customer,
// key for key; the default address comes first.
func TestGetCustomerWorkedExample(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedAnna(t, db)
		h := newCustomersHandler(t, db, severalGroups)
		rec := call(t, h, form("action", "get_customer", "user", "anna.schmidt@example.com", "pass", "S3cret!pass",
			"trace_id", "sma-7a21c9"), true)
		m := envelope(t, rec)
		wantError(t, m, 0, "")
		ud := m["user_data"].(map[string]any)
		reg, err := time.Parse(time.RFC3339, ud["registration_date"].(string))
		if err != nil || !reg.Equal(time.Date(2021, 3, 14, 10, 22, 5, 0, time.FixedZone("", 3600))) {
			t.Errorf("registration_date = %v (%v)", ud["registration_date"], err)
		}
		delete(ud, "registration_date")
		var want map[string]any
		if err := json.Unmarshal([]byte(`{
    "customer_id": "4711",
    "customer_number": "K-004711",
    "customer_token": "c3f9a1d07e5b4b8f9d2e6a41",
    "customer_groups": [{"id": "2", "name": "Retail"}, {"id": "7", "name": "Friends"}],
    "tax_class_key": "default",
    "tax_class_id": "1",
    "first_name": "Anna",
    "last_name": "Schmidt",
    "gender": "f",
    "birthday": "1988-07-21",
    "phone": "+49 30 1234567",
    "mobile": null,
    "mail": "anna.schmidt@example.com",
    "custom_fields": [],
    "newsletter_subscription": 1,
    "customer_group": null,
    "customer_group_id": null
  }`), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ud, want) {
			t.Errorf("user_data\n got %v\nwant %v", ud, want)
		}
		var wantAddrs []any
		if err := json.Unmarshal([]byte(`[
    {"id": "901", "is_invoice_address": 1, "is_delivery_address": 1,
     "first_name": "Anna", "last_name": "Schmidt", "gender": "f", "birthday": null,
     "company": null, "street_1": "Invalidenstraße 117", "street_2": null,
     "zipcode": "10115", "city": "Berlin", "country": "DE", "state": null,
     "phone": "+49 30 1234567", "mobile": null, "mail": "anna.schmidt@example.com",
     "custom_fields": []},
    {"id": "900", "is_invoice_address": 0, "is_delivery_address": 1,
     "first_name": "Anna", "last_name": "Schmidt", "gender": "f", "birthday": null,
     "company": "Beispiel GmbH", "street_1": "Friedrichstraße 68", "street_2": "3. OG",
     "zipcode": "10117", "city": "Berlin", "country": "DE", "state": null,
     "phone": null, "mobile": null, "mail": null, "custom_fields": []}
  ]`), &wantAddrs); err != nil {
			t.Fatal(err)
		}
		if got := m["addresses"]; !reflect.DeepEqual(got, wantAddrs) {
			t.Errorf("addresses\n got %v\nwant %v", got, wantAddrs)
		}
		if m["trace_id"] != "sma-7a21c9" {
			t.Errorf("trace_id = %v", m["trace_id"])
		}

		// Wrong password and unknown login: 71, the same text.
		for _, body := range []string{form("action", "get_customer", "user", "anna.schmidt@example.com", "pass", "nope"),
			form("action", "get_customer", "user", "nobody@example.com", "pass", "S3cret!pass")} {
			wantError(t, envelope(t, call(t, h, body, true)), 71, "wrong username or password")
		}
		wantError(t, envelope(t, call(t, h, form("action", "get_customer", "pass", "x"), true)), 35, "")
		wantError(t, envelope(t, call(t, h, form("action", "get_customer", "user", "x"), true)), 36, "")
		// An unconfirmed account: 75 (after the password matched).
		db.Exec("UPDATE shop_customers SET active = ? WHERE id = 4711", false)
		wantError(t, envelope(t, call(t, h, form("action", "get_customer", "user", "anna.schmidt@example.com", "pass", "S3cret!pass"), true)), 75, "")
	})
}

// TestGetCustomerThrottled: a brute-force run locks the login (76) and
// the real customer gets in after the lock.
func TestGetCustomerThrottled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedAnna(t, db)
		now := time.Unix(1700000000, 0)
		h := newCustomersHandler(t, db, func(c *gormcustomers.Config) {
			c.Throttle = gormcustomers.Throttle{PerLogin: 3, Window: time.Minute, Lock: 5 * time.Minute}
			c.Now = func() time.Time { return now }
		})
		login := func(pass string) map[string]any {
			return envelope(t, call(t, h, form("action", "get_customer", "user", "anna.schmidt@example.com", "pass", pass), true))
		}
		for i := 0; i < 3; i++ {
			wantError(t, login("guess"+string(rune('a'+i))), 71, "")
		}
		wantError(t, login("S3cret!pass"), 76, "unknown error while customer login: too many failed logins, try again later")
		now = now.Add(5*time.Minute + time.Second)
		wantError(t, login("S3cret!pass"), 0, "")
	})
}

// TestRegisterCustomerRoundTrip: every field Shopgate sends comes back
// from get_customer; the default group is assigned; 221 and 222.
func TestRegisterCustomerRoundTrip(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedAnna(t, db)
		// The host keeps one group per customer in a column.
		h := newCustomersHandler(t, db, nil)
		body := form("action", "register_customer", "user", "Max.Muster@Example.com", "pass", "n3w-Passw0rd",
			"user_data[first_name]", "Max", "user_data[last_name]", "Muster", "user_data[gender]", "m",
			"user_data[birthday]", "1990-02-03", "user_data[phone]", "+49 40 111", "user_data[mobile]", "+49 170 222",
			"user_data[mail]", "max.muster@example.com", "user_data[newsletter_subscription]", "1",
			"user_data[custom_fields][0][label]", "Loyalty card", "user_data[custom_fields][0][internal_field_name]", "loyalty",
			"user_data[custom_fields][0][value]", "LC-77",
			"user_data[addresses][0][is_invoice_address]", "1", "user_data[addresses][0][is_delivery_address]", "0",
			"user_data[addresses][0][first_name]", "Max", "user_data[addresses][0][last_name]", "Muster",
			"user_data[addresses][0][gender]", "m", "user_data[addresses][0][street_1]", "Hafenstraße 1",
			"user_data[addresses][0][zipcode]", "20095", "user_data[addresses][0][city]", "Hamburg",
			"user_data[addresses][0][country]", "de", "user_data[addresses][0][mobile]", "+49 170 222",
			"user_data[addresses][0][mail]", "max.muster@example.com", "user_data[addresses][0][birthday]", "1990-02-03",
			"user_data[addresses][0][custom_fields][0][label]", "Floor", "user_data[addresses][0][custom_fields][0][internal_field_name]", "floor",
			"user_data[addresses][0][custom_fields][0][value]", "4",
			"user_data[addresses][1][is_invoice_address]", "0", "user_data[addresses][1][is_delivery_address]", "1",
			"user_data[addresses][1][first_name]", "Max", "user_data[addresses][1][last_name]", "Muster",
			"user_data[addresses][1][company]", "Muster AG", "user_data[addresses][1][street_1]", "Kai 5",
			"user_data[addresses][1][street_2]", "Tor 2", "user_data[addresses][1][zipcode]", "20457",
			"user_data[addresses][1][city]", "Hamburg", "user_data[addresses][1][country]", "DE",
			"user_data[addresses][1][state]", "DE-HH", "user_data[addresses][1][phone]", "+49 40 333")
		reg := envelope(t, call(t, h, body, true))
		wantError(t, reg, 0, "")
		got := envelope(t, call(t, h, form("action", "get_customer", "user", "max.muster@example.com", "pass", "n3w-Passw0rd"), true))
		wantError(t, got, 0, "")
		for _, k := range []string{"user_data", "addresses"} {
			if !reflect.DeepEqual(reg[k], got[k]) {
				t.Errorf("register_customer %s differs from get_customer:\n%v\n%v", k, reg[k], got[k])
			}
		}
		ud := got["user_data"].(map[string]any)
		wantFields(t, "user_data", ud, map[string]any{"first_name": "Max", "last_name": "Muster", "gender": "m", "birthday": "1990-02-03",
			"phone": "+49 40 111", "mobile": "+49 170 222", "mail": "max.muster@example.com", "newsletter_subscription": 1.0,
			"tax_class_key": "default"})
		if g := ud["customer_groups"].([]any); len(g) != 1 || g[0].(map[string]any)["name"] != "Retail" {
			t.Errorf("customer_groups = %v, want the default group Retail", g)
		}
		if cf := ud["custom_fields"].([]any); len(cf) != 1 || cf[0].(map[string]any)["value"] != "LC-77" ||
			cf[0].(map[string]any)["internal_field_name"] != "loyalty" || cf[0].(map[string]any)["label"] != "Loyalty card" {
			t.Errorf("custom_fields = %v", cf)
		}
		addrs := got["addresses"].([]any)
		if len(addrs) != 2 {
			t.Fatalf("addresses = %v", addrs)
		}
		a0, a1 := addrs[0].(map[string]any), addrs[1].(map[string]any)
		wantFields(t, "address 0", a0, map[string]any{"is_invoice_address": 1.0, "is_delivery_address": 0.0, "gender": "m",
			"street_1": "Hafenstraße 1", "country": "DE", "mobile": "+49 170 222", "mail": "max.muster@example.com",
			"birthday": "1990-02-03"})
		if cf := a0["custom_fields"].([]any); len(cf) != 1 || cf[0].(map[string]any)["value"] != "4" {
			t.Errorf("address custom_fields = %v", cf)
		}
		wantFields(t, "address 1", a1, map[string]any{"is_invoice_address": 0.0, "is_delivery_address": 1.0, "company": "Muster AG",
			"street_2": "Tor 2", "state": "DE-HH", "phone": "+49 40 333"})
		// The same login again (any case): 221.
		wantError(t, envelope(t, call(t, h, strings.Replace(body, "Max.Muster", "MAX.muster", 1), true)), 221, "")
		// Missing last name: 222.
		wantError(t, envelope(t, call(t, h, form("action", "register_customer", "user", "x@example.com", "pass", "pw",
			"user_data[first_name]", "X"), true)), 222, "")
		wantError(t, envelope(t, call(t, h, form("action", "register_customer", "user", "x@example.com", "pass", "pw"), true)), 37, "")
	})
}

// TestGetOrdersHistory: the full external-order structure, the status in
// the buyer's language, item numbers equal to the catalogue export's uids,
// paging and sorting, and the token errors.
func TestGetOrdersHistory(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedAnna(t, db)
		tax := testhost.TaxClass{ID: 1, Name: "standard", Rate: decimal.NewFromInt(19)}
		products := []testhost.Product{
			{ID: 10, Number: "SB-1090", Name: "T-Shirt", Price: decimal.RequireFromString("19.95"), TaxClassID: 1, Active: true, StockQuantity: 5},
			{ID: 11, Number: "SB-1091", Name: "Mug", Price: decimal.RequireFromString("11.90"), TaxClassID: 1, Active: true, StockQuantity: 5},
		}
		customer := uint(4711)
		paid := time.Date(2025, 11, 2, 10, 0, 0, 0, time.UTC)
		shipped := time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)
		addr := testhost.OrderAddress{FirstName: "Anna", LastName: "Schmidt", Street1: "Invalidenstraße 117", Zipcode: "10115", City: "Berlin", Country: "DE"}
		orders := []testhost.Order{
			{ID: 1, Number: "100001", Source: "web", CustomerID: &customer, Email: "anna.schmidt@example.com", Status: "shipped",
				PaymentMethod: "prepayment", ShippingMethod: "standard", Currency: "EUR",
				AmountItems: decimal.RequireFromString("51.80"), AmountShipping: decimal.RequireFromString("4.90"),
				AmountDiscount: decimal.RequireFromString("5"), AmountTotal: decimal.RequireFromString("51.70"), CouponCode: "FIVEOFF",
				IsPaid: true, PaidAt: &paid, ShippedAt: &shipped, InvoiceAddress: addr, DeliveryAddress: addr,
				CreatedAt: time.Date(2025, 11, 1, 10, 0, 0, 0, time.UTC)},
			{ID: 2, Number: "100002", Source: "shopgate", ExternalNumber: "1000099001", CustomerID: &customer, Email: "anna.schmidt@example.com",
				Status: "new", PaymentMethod: "invoice", ShippingMethod: "standard", Currency: "EUR",
				AmountItems: decimal.RequireFromString("11.90"), AmountTotal: decimal.RequireFromString("11.90"),
				CreatedAt: time.Date(2025, 12, 1, 10, 0, 0, 0, time.UTC)},
		}
		p10, p11 := uint(10), uint(11)
		items := []testhost.OrderItem{
			{OrderID: 1, Type: "product", ProductID: &p10, Number: "SB-1090", Name: "T-Shirt", Quantity: 2,
				UnitPrice: decimal.RequireFromString("19.95"), TaxRate: decimal.NewFromInt(19), Total: decimal.RequireFromString("39.90")},
			{OrderID: 1, Type: "product", ProductID: &p11, Number: "SB-1091", Name: "Mug", Quantity: 1,
				UnitPrice: decimal.RequireFromString("11.90"), TaxRate: decimal.NewFromInt(19), Total: decimal.RequireFromString("11.90")},
			{OrderID: 1, Type: "coupon", Number: "FIVEOFF", Name: "Coupon", Quantity: 1,
				UnitPrice: decimal.RequireFromString("-5"), TaxRate: decimal.NewFromInt(19), Total: decimal.RequireFromString("-5")},
			{OrderID: 2, Type: "product", ProductID: &p11, Number: "SB-1091", Name: "Mug", Quantity: 1,
				UnitPrice: decimal.RequireFromString("11.90"), TaxRate: decimal.NewFromInt(19), Total: decimal.RequireFromString("11.90")},
		}
		for _, r := range []any{&tax, &products, &orders, &items} {
			if err := db.Create(r).Error; err != nil {
				t.Fatal(err)
			}
		}
		h := newCustomersHandler(t, db, nil)
		m := envelope(t, call(t, h, form("action", "get_orders", "customer_token", "c3f9a1d07e5b4b8f9d2e6a41",
			"customer_language", "de_DE"), true))
		wantError(t, m, 0, "")
		list := m["orders"].([]any)
		if len(list) != 2 {
			t.Fatalf("orders = %v", list)
		}
		newest, first := list[0].(map[string]any), list[1].(map[string]any)
		if newest["external_order_number"] != "100002" || newest["order_number"] != "1000099001" || first["order_number"] != nil {
			t.Errorf("order numbers: %v / %v", newest, first)
		}
		keys := make([]string, 0, len(first))
		for k := range first {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(keys) != 29 {
			t.Errorf("external order has %d keys, want 29: %v", len(keys), keys)
		}
		wantFields(t, "order", first, map[string]any{"status_name": "Versandt", "status_color": "#33CC33", "currency": "EUR",
			"amount_items_gross": 51.8, "amount_complete_gross": 51.7, "amount_complete": 51.7, "is_paid": 1.0,
			"is_shipping_completed": 1.0, "payment_method": "prepayment", "external_order_id": "1",
			"created_time": "2025-11-01T10:00:00+00:00"})
		if ia := first["invoice_address"].(map[string]any); ia["street_1"] != "Invalidenstraße 117" || ia["is_invoice_address"] != 1.0 {
			t.Errorf("invoice_address = %v", ia)
		}
		if ec := first["extra_costs"].([]any); len(ec) != 1 || ec[0].(map[string]any)["type"] != "shipping" || ec[0].(map[string]any)["amount"] != 4.9 {
			t.Errorf("extra_costs = %v", ec)
		}
		if cp := first["external_coupons"].([]any); len(cp) != 1 || cp[0].(map[string]any)["code"] != "FIVEOFF" || cp[0].(map[string]any)["amount"] != 5.0 {
			t.Errorf("external_coupons = %v", cp)
		}
		if tx := first["order_taxes"].([]any); len(tx) != 1 || tx[0].(map[string]any)["tax_percent"] != 19.0 {
			t.Errorf("order_taxes = %v", tx)
		}

		// Item numbers are the uids the catalogue export sends.
		src, err := gormcatalog.New(gormcatalog.Config{DB: db, Items: gormcatalog.Items{From: "shop_products p", Key: "p.id",
			Where: "p.active", Currency: "EUR", Fields: gormcatalog.ItemFields{Name: "p.name", SalePrice: "p.price"}}})
		if err != nil {
			t.Fatal(err)
		}
		uids := map[string]bool{}
		if err := src.Items(context.Background(), adapters.Shop{}, adapters.CatalogQuery{Limit: -1}, func(it *export.Item) error {
			uids[it.UID] = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		lines := first["items"].([]any)
		if len(lines) != 2 {
			t.Fatalf("items = %v", lines)
		}
		for _, l := range lines {
			it := l.(map[string]any)
			if !uids[it["item_number"].(string)] {
				t.Errorf("item_number %v is not an exported uid (%v)", it["item_number"], uids)
			}
		}
		if l0 := lines[0].(map[string]any); l0["item_number_public"] != "SB-1090" || l0["quantity"] != 2.0 ||
			l0["unit_amount_with_tax"] != 19.95 || l0["unit_amount"] != 16.76 {
			t.Errorf("item 0 = %v", l0)
		}

		// Paging, sorting and the date filter.
		m = envelope(t, call(t, h, form("action", "get_orders", "customer_token", "c3f9a1d07e5b4b8f9d2e6a41",
			"customer_language", "en", "limit", "1", "offset", "0", "sort_order", "created_asc"), true))
		if l := m["orders"].([]any); len(l) != 1 || l[0].(map[string]any)["status_name"] != "Shipped" {
			t.Errorf("created_asc, limit 1: %v", l)
		}
		m = envelope(t, call(t, h, form("action", "get_orders", "customer_token", "c3f9a1d07e5b4b8f9d2e6a41",
			"customer_language", "", "order_date_from", "2025-11-15"), true))
		if l := m["orders"].([]any); len(l) != 1 || l[0].(map[string]any)["external_order_number"] != "100002" {
			t.Errorf("order_date_from: %v", l)
		}
		wantError(t, envelope(t, call(t, h, form("action", "get_orders", "customer_language", "de"), true)), 72, "")
		wantError(t, envelope(t, call(t, h, form("action", "get_orders", "customer_token", "nope", "customer_language", "de"), true)), 73, "")
		wantError(t, envelope(t, call(t, h, form("action", "get_orders", "customer_token", "nope"), true)), 74, "")
	})
}

// TestSyncFavouriteList: add, keep, remove, list; 72, 73 and 43.
func TestSyncFavouriteList(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedAnna(t, db)
		h := newCustomersHandler(t, db, nil)
		tok := "c3f9a1d07e5b4b8f9d2e6a41"
		sync := func(kv ...string) map[string]any {
			return envelope(t, call(t, h, form(append([]string{"action", "sync_favourite_list", "customer_token", tok}, kv...)...), true))
		}
		numbers := func(m map[string]any) []string {
			wantError(t, m, 0, "")
			var out []string
			for _, it := range m["items"].([]any) {
				out = append(out, it.(map[string]any)["item_number"].(string))
			}
			return out
		}
		if got := numbers(sync()); len(got) != 0 {
			t.Errorf("empty list = %v", got)
		}
		got := numbers(sync("items[0][item_number]", "10", "items[0][status]", "new",
			"items[1][item_number]", "11", "items[1][status]", "new", "items[2][item_number]", "12", "items[2][status]", "weird"))
		if !reflect.DeepEqual(got, []string{"10", "11"}) {
			t.Errorf("after adding = %v", got)
		}
		got = numbers(sync("items[0][item_number]", "10", "items[0][status]", "deleted",
			"items[1][item_number]", "11", "items[1][status]", "existing", "items[2][item_number]", "11", "items[2][status]", "new"))
		if !reflect.DeepEqual(got, []string{"11"}) {
			t.Errorf("after removing = %v", got)
		}
		wantError(t, sync("items[0][item_number]", "10"), 43, "")
		wantError(t, envelope(t, call(t, h, form("action", "sync_favourite_list"), true)), 72, "")
		tok = "unknown"
		wantError(t, sync(), 73, "")
	})
}

// TestCustomerErrorCodes: 70 for a customer without an address (when the
// host requires one), 75 and 77 for an inactive or barred account, 220
// when the customer record is refused, 66 when a later part of the
// registration is refused; nothing is kept after 220, 66 or 70 (docs/protocol/customers.md#customers-without-an-address).
func TestCustomerErrorCodes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		seedAnna(t, db)
		hash, _ := bcrypt.GenerateFromPassword([]byte("bob-pass"), bcrypt.MinCost)
		if err := db.Create(&testhost.Customer{ID: 4712, Number: "K-004712", Email: "bob@example.com", PasswordHash: string(hash),
			Token: "bob-token-4712", FirstName: "Bob", LastName: "Nowhere", Active: true}).Error; err != nil {
			t.Fatal(err)
		}
		register := func(user string, addresses bool) string {
			t.Helper()
			kv := []string{"action", "register_customer", "user", user, "pass", "n3w-Passw0rd",
				"user_data[first_name]", "Max", "user_data[last_name]", "Muster"}
			if addresses {
				kv = append(kv, "user_data[addresses][0][first_name]", "Max", "user_data[addresses][0][last_name]", "Muster",
					"user_data[addresses][0][street_1]", "Kai 5", "user_data[addresses][0][zipcode]", "20457",
					"user_data[addresses][0][city]", "Hamburg", "user_data[addresses][0][country]", "DE")
			}
			return form(kv...)
		}
		customers := func() int64 {
			t.Helper()
			var n int64
			if err := db.Table("shop_customers").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		if err := db.Create(&testhost.Customer{ID: 4713, Number: "K-004713", Email: "carl@example.com", PasswordHash: string(hash),
			Token: "carl-token-4713", FirstName: "Carl", LastName: "Gone", Active: false}).Error; err != nil {
			t.Fatal(err)
		}
		before := customers()
		barBob := func(c *gormcustomers.Config) { c.Customers.Permitted = "c.last_name <> 'Nowhere'" }
		requireAddress := func(c *gormcustomers.Config) { c.RequireAddress = true }
		tests := []struct {
			name string
			mod  func(*gormcustomers.Config)
			body string
			code int
			text string
		}{
			{name: "no address allowed", body: form("action", "get_customer", "user", "bob@example.com", "pass", "bob-pass")},
			{name: "no address refused", mod: requireAddress,
				body: form("action", "get_customer", "user", "bob@example.com", "pass", "bob-pass"), code: 70},
			{name: "address present", mod: requireAddress,
				body: form("action", "get_customer", "user", "anna.schmidt@example.com", "pass", "S3cret!pass")},
			{name: "barred account", mod: barBob,
				body: form("action", "get_customer", "user", "bob@example.com", "pass", "bob-pass"), code: 77},
			{name: "barred account, wrong password", mod: barBob,
				body: form("action", "get_customer", "user", "bob@example.com", "pass", "nope"), code: 71},
			{name: "barred account history", mod: barBob,
				body: form("action", "get_orders", "customer_token", "bob-token-4712", "customer_language", "de"), code: 77},
			{name: "barred account favourites", mod: barBob,
				body: form("action", "sync_favourite_list", "customer_token", "bob-token-4712")},
			{name: "other accounts unbarred", mod: barBob,
				body: form("action", "get_orders", "customer_token", "c3f9a1d07e5b4b8f9d2e6a41", "customer_language", "de")},
			{name: "inactive account history",
				body: form("action", "get_orders", "customer_token", "carl-token-4713", "customer_language", "de"), code: 75},
			{name: "register without address", mod: requireAddress, body: register("new1@example.com", false), code: 70},
			// The customer number is unique: a host whose numbering
			// repeats itself has the customer record refused.
			{name: "customer record refused", mod: func(c *gormcustomers.Config) {
				c.Customers.NewNumber = func(string) string { return "K-004711" }
			}, body: register("new2@example.com", true), code: 220},
			{name: "password refused", body: form("action", "register_customer", "user", "new3@example.com",
				"pass", strings.Repeat("p", 80), "user_data[first_name]", "Max", "user_data[last_name]", "Muster"),
				code: 220, text: "failed to add user: password not accepted"},
			// The address table refuses the row (a column the host does
			// not have): the customer record written before is rolled back.
			{name: "address refused", mod: func(c *gormcustomers.Config) {
				c.Addresses.Phone = "no_such_column"
			}, body: register("new4@example.com", true), code: 66},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				h := newCustomersHandler(t, db, tc.mod)
				m := envelope(t, call(t, h, tc.body, true))
				wantError(t, m, tc.code, tc.text)
				if n := customers(); n != before {
					t.Fatalf("%d customers, want %d: nothing may be kept", n, before)
				}
			})
		}
	})
}
