package drophero

import (
	"encoding/json"
	"testing"
)

func FuzzParseOrderStatuses(f *testing.F) {
	f.Add(`{"100000123":{"idordershop":"100000123","status":"3"},"1":"4"}`)
	f.Add(`[{"idordershop":5,"status":2}]`)
	f.Add(`{"idordershop":"9","status":"1"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		if !json.Valid([]byte(body)) {
			return
		}
		sts, _, err := parseOrderStatuses(json.RawMessage(body))
		if err != nil {
			return
		}
		for _, s := range sts {
			if s.Status == "" || s.IDOrderShop == "" && s.Raw == nil {
				t.Fatalf("entry without status or id: %+v", s)
			}
		}
	})
}

func FuzzParseProduct(f *testing.F) {
	f.Add(`{"iditem":"1","selling_price":"6.0000","payments":0,"shipping":{"0":{"idshippingmode":"1","shipping_area_iso":"ES","shipping_price":"2.4"}}}`)
	f.Fuzz(func(t *testing.T, body string) {
		if !json.Valid([]byte(body)) {
			return
		}
		p, err := ParseProduct(json.RawMessage(body))
		if err != nil {
			return
		}
		if p.IDItem == "" || p.SellingPrice.IsNegative() {
			t.Fatalf("invalid product accepted: %+v", p)
		}
		for _, s := range p.Shipping {
			if s.ModeID == "" || s.Price.IsNegative() {
				t.Fatalf("invalid shipping accepted: %+v", s)
			}
		}
	})
}
