package shopgate

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// wireOrder is a get_orders order as PHP sends it: numbers as strings and
// numbers mixed, flags as 0/1 and "1", nulls, [] for empty objects, a list
// spelled as an object, unknown keys.
const wireOrder = `{
  "order_number": 1012001234,
  "external_order_number": null,
  "customer_number": "10000017",
  "external_customer_number": "",
  "mail": "erika@example.com",
  "client": {"type": "iphoneapp"},
  "custom_fields": [{"label": "Gift", "internal_field_name": "gift", "type": "checkbox", "value": 1}],
  "created_time": "2012-01-15T09:53:50+01:00",
  "payment_method": "PREPAY",
  "payment_group": "PREPAY",
  "is_paid": "0",
  "payment_time": null,
  "payment_infos": {"purpose": "SG1501511499", "nested": {"amount": 12.5}},
  "is_shipping_blocked": 0,
  "is_shipping_completed": false,
  "shipping_completed_time": "",
  "is_test": "1",
  "is_storno": 0,
  "is_customer_invoice_blocked": true,
  "shipping_group": "DHL",
  "shipping_type": "MANUAL",
  "shipping_infos": {"name": "std", "amount_gross": "4.90", "weight": "2300", "api_response": {"raw": [1, 2]}},
  "shipping_tax_percent": "19.00",
  "amount_items": 139.95,
  "amount_shipping": "4.90",
  "amount_shop_payment": 5,
  "payment_tax_percent": null,
  "amount_shopgate_payment": "",
  "amount_complete": "149.85",
  "currency": "EUR",
  "invoice_address": {"id": null, "is_invoice_address": 1, "first_name": "Erika", "zipcode": 51147, "country": "DE", "custom_fields": []},
  "delivery_address": [],
  "external_coupons": [],
  "shopgate_coupons": [{"order_index": "1", "code": "SAVE5", "amount_gross": "5.00", "is_free_shipping": "0", "error": 0, "error_text": null}],
  "items": {"0": {"item_number": "SKU-1", "quantity": "2", "unit_amount_with_tax": "49.99", "tax_percent": 19,
              "options": [{"option_number": 7, "value_number": "3", "additional_amount_with_tax": "1.50"}],
              "inputs": [], "attributes": [{"name": "Size", "value": 42}]},
            "1": {"item_number": "COUPON", "type": "sg_coupon", "quantity": 1.0, "unit_amount_with_tax": -5}},
  "delivery_notes": [{"shipping_service_id": "DHL", "tracking_number": "X1", "shipping_time": "2012-01-16 10:00:00"}],
  "tracking_get_parameters": [{"key": "utm_source", "value": "app"}],
  "some_future_field": {"x": 1}
}`

func TestOrderDecodesWireFormat(t *testing.T) {
	var o Order
	if err := json.Unmarshal([]byte(wireOrder), &o); err != nil {
		t.Fatal(err)
	}
	d := decimal.RequireFromString
	checks := []struct {
		name string
		ok   bool
	}{
		{"OrderNumber from number", o.OrderNumber == "1012001234"},
		{"ExternalOrderNumber null", o.ExternalOrderNumber == ""},
		{"ExternalCustomerNumber empty", o.ExternalCustomerNumber == ""},
		{"Client", o.Client.Type == "iphoneapp"},
		{"CustomFields", len(o.CustomFields) == 1 && o.CustomFields[0].Type == "checkbox" && o.CustomFields[0].Value == json.Number("1")},
		{"CreatedTime", o.CreatedTime.Equal(time.Date(2012, 1, 15, 8, 53, 50, 0, time.UTC))},
		{"IsPaid \"0\"", !o.IsPaid},
		{"PaymentTime null", o.PaymentTime.IsZero()},
		{"PaymentInfos nested", o.PaymentInfos["purpose"] == "SG1501511499" && o.PaymentInfos["nested"].(map[string]any)["amount"] == json.Number("12.5")},
		{"IsShippingBlocked 0", !o.IsShippingBlocked},
		{"IsShippingCompleted false", !o.IsShippingCompleted},
		{"ShippingCompletedTime empty", o.ShippingCompletedTime.IsZero()},
		{"IsTest \"1\"", o.IsTest},
		{"IsCustomerInvoiceBlocked true", o.IsCustomerInvoiceBlocked},
		{"ShippingInfos", o.ShippingInfos != nil && o.ShippingInfos.AmountGross.Equal(d("4.90")) && o.ShippingInfos.Weight == 2300},
		{"ShippingInfos.APIResponse raw", o.ShippingInfos != nil && string(o.ShippingInfos.APIResponse) == `{"raw":[1,2]}`},
		{"ShippingTaxPercent", o.ShippingTaxPercent.Equal(d("19"))},
		{"AmountItems number", o.AmountItems.String() == "139.95"},
		{"AmountShipping string", o.AmountShipping.String() == "4.9"},
		{"AmountShopPayment int", o.AmountShopPayment.Equal(d("5"))},
		{"PaymentTaxPercent null", o.PaymentTaxPercent.IsZero()},
		{"AmountShopgatePayment empty", o.AmountShopgatePayment.IsZero()},
		{"AmountComplete exact", o.AmountComplete.String() == "149.85"},
		{"InvoiceAddress", o.InvoiceAddress.IsInvoiceAddress && o.InvoiceAddress.Zipcode == "51147" && o.InvoiceAddress.FirstName == "Erika"},
		{"DeliveryAddress []", reflect.DeepEqual(o.DeliveryAddress, Address{})},
		{"ExternalCoupons empty", len(o.ExternalCoupons) == 0},
		{"ShopgateCoupons", len(o.ShopgateCoupons) == 1 && o.ShopgateCoupons[0].OrderIndex == 1 && o.ShopgateCoupons[0].Code == "SAVE5" && o.ShopgateCoupons[0].AmountGross.Equal(d("5"))},
		{"Items from object, in key order", len(o.Items) == 2 && o.Items[0].ItemNumber == "SKU-1" && o.Items[1].ItemNumber == "COUPON"},
		{"Item quantity string", len(o.Items) == 2 && o.Items[0].Quantity == 2 && o.Items[1].Quantity == 1},
		{"Item amounts", len(o.Items) == 2 && o.Items[0].UnitAmountWithTax.Equal(d("49.99")) && o.Items[1].UnitAmountWithTax.Equal(d("-5"))},
		{"Item option", len(o.Items) == 2 && len(o.Items[0].Options) == 1 && o.Items[0].Options[0].OptionNumber == "7" && o.Items[0].Options[0].AdditionalAmountWithTax.Equal(d("1.5"))},
		{"Item attribute number", len(o.Items) == 2 && len(o.Items[0].Attributes) == 1 && o.Items[0].Attributes[0].Value == "42"},
		{"DeliveryNotes", len(o.DeliveryNotes) == 1 && o.DeliveryNotes[0].ShippingTime.Equal(time.Date(2012, 1, 16, 10, 0, 0, 0, time.UTC))},
		{"TrackingGetParameters raw", strings.Contains(string(o.TrackingGetParameters), "utm_source")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: wrong (order: %+v)", c.name, o)
		}
	}
}

func TestOrderDecodeRejectsNonsense(t *testing.T) {
	tests := map[string]string{
		"amount not a number":  `{"order_number":"1","amount_complete":"abc"}`,
		"amount boolean":       `{"order_number":"1","amount_complete":true}`,
		"quantity fractional":  `{"order_number":"1","items":[{"quantity":1.5}]}`,
		"flag word":            `{"order_number":"1","is_paid":"maybe"}`,
		"items not a list":     `{"order_number":"1","items":"none"}`,
		"order number object":  `{"order_number":{"a":1}}`,
		"item number object":   `{"order_number":"1","items":[{"item_number":{"a":1}}]}`,
		"line type list":       `{"order_number":"1","items":[{"type":["item"]}]}`,
		"currency object":      `{"order_number":"1","currency":{"code":"EUR"}}`,
		"line amount garbage":  `{"order_number":"1","items":[{"unit_amount_with_tax":"ten"}]}`,
		"money in info struct": `{"order_number":"1","shipping_infos":{"weight":"1.5","amount_gross":"x"}}`,
		"flag in coupon":       `{"order_number":"1","shopgate_coupons":[{"is_free_shipping":"perhaps"}]}`,
		"not an object":        `[1,2]`,
		"trailing data":        `{"order_number":"1"} {}`,
	}
	for name, in := range tests {
		var o Order
		err := json.Unmarshal([]byte(in), &o)
		if err == nil {
			t.Errorf("%s: decoded without error: %+v", name, o)
		}
	}
}

func TestOrderRoundTrip(t *testing.T) {
	var o Order
	if err := json.Unmarshal([]byte(wireOrder), &o); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var back Order
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("decode own encoding: %v\n%s", err, b)
	}
	if !back.AmountComplete.Equal(o.AmountComplete) || back.OrderNumber != o.OrderNumber ||
		len(back.Items) != len(o.Items) || !back.CreatedTime.Equal(o.CreatedTime) || back.IsTest != o.IsTest ||
		back.IsCustomerInvoiceBlocked != o.IsCustomerInvoiceBlocked || !back.PaymentTime.IsZero() {
		t.Errorf("round trip changed the order:\n%+v\n%+v", o, back)
	}
}

func TestDecodeResponse(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr bool
		check   func(*Response) bool
	}{
		{"success with payload", `{"error":0,"error_text":null,"trace_id":"spa-1","sma_version":"1.0","orders":[],"limit":"50","offset":0,"has_more_results":"1"}`, false,
			func(r *Response) bool {
				_, hasOrders := r.Payload["orders"]
				_, hasErr := r.Payload["error"]
				return r.Error == 0 && r.TraceID == "spa-1" && r.SMAVersion == "1.0" && r.Limit == 50 && r.HasMoreResults && hasOrders && !hasErr && len(r.Payload) == 1
			}},
		{"error with errors list", `{"error":"166","error_text":"multi","errors":[{"index":1,"code":221,"message":"exists"},{"weird":true}]}`, false,
			func(r *Response) bool {
				return r.Error == 166 && r.ErrorText == "multi" && len(r.Errors) == 2 && r.Errors[0].Code == 221 && r.Errors[0].Index == 1 && string(r.Errors[1].Raw) == `{"weird":true}`
			}},
		{"version alias", `{"error":0,"version":"1.1"}`, false, func(r *Response) bool { return r.SMAVersion == "1.1" }},
		{"empty object", `{}`, true, nil},
		{"array", `[]`, true, nil},
		{"null", `null`, true, nil},
		{"zero", `0`, true, nil},
		{"string", `""`, true, nil},
		{"html", `<html></html>`, true, nil},
		{"no error key", `{"orders":[]}`, true, nil},
		{"error not a number", `{"error":"x"}`, true, nil},
		{"two objects", `{"error":0}{"error":1}`, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := DecodeResponse([]byte(tc.body))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("no error, got %+v", r)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(r) {
				t.Fatalf("unexpected %+v", r)
			}
		})
	}
}

// FuzzDecodeResponse checks that envelope decoding never panics, that a
// success always has a non-nil payload without envelope keys, and that
// orders payloads decode or fail cleanly.
func FuzzDecodeResponse(f *testing.F) {
	f.Add([]byte(`{"error":0,"error_text":null,"trace_id":"spa-1","orders":[{"order_number":"1","amount_complete":"1.5"}]}`))
	f.Add([]byte(`{"error":201,"error_text":"order not found","errors":[{"index":0}]}`))
	f.Add([]byte(`{"error":"0","has_more_results":"1","limit":"5","keywords":["a"],"skip_keywords":{"0":"b"}}`))
	f.Add([]byte(wireOrder))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := DecodeResponse(body)
		if err != nil {
			return
		}
		if r.Payload == nil {
			t.Fatal("nil payload")
		}
		for k := range metadataKeys {
			if _, ok := r.Payload[k]; ok {
				t.Fatalf("metadata key %q in payload", k)
			}
		}
		if r.Err("x") == nil && r.Error != 0 {
			t.Fatal("error code without error")
		}
		var orders []Order
		_, _ = r.DecodePayload("orders", &orders)
		var kw []string
		_, _ = r.DecodePayload("keywords", &kw)
	})
}

func FuzzOrderUnmarshal(f *testing.F) {
	f.Add([]byte(wireOrder))
	f.Add([]byte(`{"order_number":"1","items":{"1":{"quantity":"3"}},"amount_complete":"1e2"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var o Order
		if err := json.Unmarshal(body, &o); err != nil {
			return
		}
		// Whatever decoded must encode and decode again to the same amounts.
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back Order
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("re-decode %s: %v", b, err)
		}
		if !back.AmountComplete.Equal(o.AmountComplete) || len(back.Items) != len(o.Items) {
			t.Fatalf("round trip changed the order")
		}
	})
}

func TestOrderTimeRange(t *testing.T) {
	var o Order
	if err := json.Unmarshal([]byte(`{"created_time":253402300800}`), &o); err != nil || !o.CreatedTime.IsZero() ||
		len(o.DecodeNotes) != 1 || !strings.HasPrefix(o.DecodeNotes[0], "created_time: cannot use number 253402300800 as time") {
		t.Fatalf("year 10000: %v %q %v", o.CreatedTime, o.DecodeNotes, err)
	}
	if err := json.Unmarshal([]byte(`{"created_time":1700000000}`), &o); err != nil || o.CreatedTime.Unix() != 1700000000 {
		t.Fatalf("unix seconds: %v %v", o.CreatedTime, err)
	}
	if _, err := json.Marshal(o); err != nil {
		t.Fatal(err)
	}
}

func TestOrderDecimalBounds(t *testing.T) {
	for _, in := range []string{`"1e999999999"`, `1e-999999999`, `"` + strings.Repeat("9", 65) + `"`} {
		var o Order
		if err := json.Unmarshal([]byte(`{"amount_complete":`+in+`}`), &o); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
	var o Order
	if err := json.Unmarshal([]byte(`{"amount_complete":"1.5e2"}`), &o); err != nil || o.AmountComplete.String() != "150" {
		t.Errorf("1.5e2: %v %v", o.AmountComplete, err)
	}
}

// TestWireTypesUnmarshalDirectly covers json.Unmarshal on the nested wire
// types, which callers may decode on their own (e.g. from stored JSON).
func TestWireTypesUnmarshalDirectly(t *testing.T) {
	var it OrderItem
	if err := json.Unmarshal([]byte(`{"item_number":5,"quantity":"2","unit_amount":"1.10"}`), &it); err != nil || it.ItemNumber != "5" || it.Quantity != 2 || it.UnitAmount.String() != "1.1" {
		t.Errorf("OrderItem %+v %v", it, err)
	}
	var a Address
	if err := json.Unmarshal([]byte(`{"is_delivery_address":"1","zipcode":12345}`), &a); err != nil || !a.IsDeliveryAddress || a.Zipcode != "12345" {
		t.Errorf("Address %+v %v", a, err)
	}
	var ec ExternalCoupon
	if err := json.Unmarshal([]byte(`{"code":"X","is_valid":"1","amount_net":"2"}`), &ec); err != nil || !ec.IsValid || ec.Code != "X" || ec.AmountNet.String() != "2" {
		t.Errorf("ExternalCoupon %+v %v", ec, err)
	}
	var sc ShopgateCoupon
	if err := json.Unmarshal([]byte(`{"code":"Y","error":"0","error_text":null}`), &sc); err != nil || sc.Code != "Y" {
		t.Errorf("ShopgateCoupon %+v %v", sc, err)
	}
	var item Item
	if err := json.Unmarshal([]byte(`{"item_number":"A","stock_quantity":"7","is_active":0,"name":null}`), &item); err != nil ||
		item.StockQuantity == nil || *item.StockQuantity != 7 || item.IsActive == nil || *item.IsActive || item.Name != nil {
		t.Errorf("Item %+v %v", item, err)
	}
	var cat Category
	if err := json.Unmarshal([]byte(`{"category_number":1,"order_index":"3"}`), &cat); err != nil || cat.CategoryNumber != "1" || *cat.OrderIndex != 3 {
		t.Errorf("Category %+v %v", cat, err)
	}
	var m map[string]int
	if err := unmarshalLenient([]byte(`["4","5"]`), &m); err != nil || m["1"] != 5 {
		t.Errorf("list as map: %v %v", m, err)
	}
	if err := unmarshalLenient([]byte(`{"a":"x"}`), &m); err == nil || !strings.Contains(err.Error(), "decode a: cannot use") {
		t.Errorf("error path: %v", err)
	}
}

// Informational fields are decoded best-effort
// (docs/protocol/orders.md#r12-discrepancies-never-fail): a value of the wrong
// type is left out with a note instead of failing the order.
func TestOrderDecodeBestEffort(t *testing.T) {
	in := `{"order_number":"1","amount_complete":"86.75","created_time":"yesterday",
	  "invoice_address":"Main St","custom_fields":[{"label":{"de":"Geschenk"},"value":1}],
	  "shipping_infos":{"name":"std","weight":"1.5","amount_gross":"4.90"},
	  "shopgate_coupons":[{"code":"X","error":"none","amount_gross":"5.00"}],
	  "items":[{"item_number":"A","quantity":"2","unit_amount_with_tax":"9.95","internal_order_info":{"product_id":1001}}]}`
	var o Order
	if err := json.Unmarshal([]byte(in), &o); err != nil {
		t.Fatal(err)
	}
	if !o.AmountComplete.Equal(decimal.RequireFromString("86.75")) || o.ShippingInfos == nil ||
		o.ShippingInfos.Name != "std" || o.ShippingInfos.Weight != 0 || !o.ShippingInfos.AmountGross.Equal(decimal.RequireFromString("4.9")) ||
		len(o.Items) != 1 || o.Items[0].Quantity != 2 || o.Items[0].InternalOrderInfo != `{"product_id":1001}` ||
		len(o.ShopgateCoupons) != 1 || o.ShopgateCoupons[0].Code != "X" || o.ShopgateCoupons[0].Error != 0 ||
		!o.CreatedTime.IsZero() || o.InvoiceAddress.Street1 != "" ||
		len(o.CustomFields) != 1 || o.CustomFields[0].Label != `{"de":"Geschenk"}` {
		t.Errorf("decoded %+v", o)
	}
	want := []string{
		`created_time: cannot use "yesterday" as time; left out`,
		`custom_fields[0].label: cannot use object as string; kept as JSON text`,
		`invoice_address: cannot use "Main St" as object; left out`,
		`items[0].internal_order_info: cannot use object as string; kept as JSON text`,
		`shipping_infos.weight: cannot use "1.5" as integer; left out`,
		`shopgate_coupons[0].error: cannot use "none" as integer; left out`,
	}
	if !reflect.DeepEqual(o.DecodeNotes, want) {
		t.Errorf("notes\n%q\nwant\n%q", o.DecodeNotes, want)
	}

	// The same inside a get_orders answer: notes are per order.
	var list []Order
	if err := unmarshalLenient([]byte(`[{"order_number":"2"},`+in+`]`), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].DecodeNotes != nil || !reflect.DeepEqual(list[1].DecodeNotes, want) {
		t.Errorf("list notes %q / %q", list[0].DecodeNotes, list[1].DecodeNotes)
	}
}

// Each decoded order keeps its JSON exactly as received
// (docs/protocol/orders.md#tolerant-decoding-and-raw-json), also inside a list
// PHP spelled as an object.
func TestOrderKeepsRaw(t *testing.T) {
	var o Order
	in := ` {"order_number": "1", "x_unknown": {"a": [1, 2.50]}} `
	if err := json.Unmarshal([]byte(in), &o); err != nil || string(o.Raw) != strings.TrimSpace(in) {
		t.Fatalf("raw %s %v", o.Raw, err)
	}
	if b, err := json.Marshal(o); err != nil || strings.Contains(string(b), "x_unknown") {
		t.Errorf("raw encoded: %s %v", b, err)
	}
	var list []Order
	if err := unmarshalLenient([]byte(`{"1": {"order_number":"B", "k":2}, "0": {"order_number":"A", "k":1}}`), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].OrderNumber != "A" || string(list[0].Raw) != `{"order_number":"A", "k":1}` ||
		string(list[1].Raw) != `{"order_number":"B", "k":2}` {
		t.Errorf("list %+v", list)
	}
}
