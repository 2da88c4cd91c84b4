package drophero_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/drophero"
)

func decodeAll(body string) ([]*drophero.Product, []string, error) {
	var ps []*drophero.Product
	var del []string
	err := drophero.DecodeSubscribed(strings.NewReader(body), drophero.SubscribedHandler{
		Product: func(p *drophero.Product) error { ps = append(ps, p); return nil },
		Deleted: func(ids []string) error { del = append(del, ids...); return nil },
	})
	return ps, del, err
}

func TestDecodeLenient(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, ps []*drophero.Product, del []string)
	}{
		{"keyed object with deleted", `{"0":{"iditem":"5554","selling_price":"6.0000","qty":null,"payments":0},"deleted":["5557",5559]}`,
			func(t *testing.T, ps []*drophero.Product, del []string) {
				if len(ps) != 1 || ps[0].Qty.Valid || len(ps[0].Payments) != 0 || strings.Join(del, ",") != "5557,5559" {
					t.Errorf("%+v %v", ps, del)
				}
			}},
		{"array and numbers", `[{"iditem":6001,"selling_price":19.9,"qty":25,"tax_amount":21,"ean":8412345678905,
			"shipping":{"0":{"shipping_area_iso":"es","idshippingmode":1,"shipping_price":7.4}},"local_categories":[5,"6"]}]`,
			func(t *testing.T, ps []*drophero.Product, del []string) {
				p := ps[0]
				if p.IDItem != "6001" || !p.SellingPrice.Equal(decimal.RequireFromString("19.9")) || *p.EAN != "8412345678905" ||
					p.Shipping[0].AreaISO != "ES" || p.Shipping[0].ModeID != "1" || strings.Join(p.LocalCategories, ",") != "5,6" {
					t.Errorf("%+v", p)
				}
			}},
		{"empty spellings", `{"0":{"iditem":"1","selling_price":"1","payments":"0","wholesaler":null,"shipping":{},"local_categories":"","weight":""},"deleted":null}`,
			func(t *testing.T, ps []*drophero.Product, del []string) {
				if len(ps) != 1 || ps[0].Weight.Valid || len(del) != 0 {
					t.Errorf("%+v", ps[0])
				}
			}},
		{"negative qty clamped", `{"0":{"iditem":"1","selling_price":"1","qty":"-3.0000"}}`,
			func(t *testing.T, ps []*drophero.Product, del []string) {
				if !ps[0].Qty.Decimal.IsZero() || len(ps[0].Warnings) != 1 {
					t.Errorf("%+v", ps[0])
				}
			}},
		{"null body", `null`, func(t *testing.T, ps []*drophero.Product, del []string) {
			if len(ps) != 0 {
				t.Error(ps)
			}
		}},
		{"empty body", ``, func(t *testing.T, ps []*drophero.Product, del []string) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, del, err := decodeAll(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, ps, del)
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	for name, body := range map[string]string{
		"top-level number": `42`,
		"item not object":  `{"0":"x"}`,
		"missing iditem":   `{"0":{"selling_price":"1"}}`,
		"boolean id":       `{"0":{"iditem":true,"selling_price":"1"}}`,
		"fraction id":      `{"0":{"iditem":1.5,"selling_price":"1"}}`,
		"missing price":    `{"0":{"iditem":"1"}}`,
		"price abc":        `{"0":{"iditem":"1","selling_price":"abc"}}`,
		"price comma":      `{"0":{"iditem":"1","selling_price":"6,00"}}`,
		"negative price":   `{"0":{"iditem":"1","selling_price":"-1"}}`,
		"object for text":  `{"0":{"iditem":"1","selling_price":"1","product_name":{}}}`,
		"scalar list":      `{"0":{"iditem":"1","selling_price":"1","shipping":"x"}}`,
		"truncated":        `{"0":{"iditem":"1","selling_price":"1"}`,
		"trailing garbage": `{"0":{"iditem":"1","selling_price":"1"}} x`,
		"deleted bad":      `{"deleted":"abc"}`,
		"huge exponent":    `{"0":{"iditem":"1","selling_price":1e999999999}}`,
		"tiny exponent":    `{"0":{"iditem":"1","selling_price":"1","qty":1e-999999999}}`,
		"price too large":  `{"0":{"iditem":"1","selling_price":"10000000000000"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := decodeAll(body)
			var de *drophero.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *DecodeError", err)
			}
		})
	}
}

func FuzzDecodeSubscribed(f *testing.F) {
	f.Add(`{"0":{"iditem":"5554","selling_price":"6.0000","qty":null,"payments":0},"deleted":["5557"]}`)
	f.Add(`[{"iditem":1,"selling_price":1,"shipping":[{"idshippingmode":"1","shipping_area_iso":"ES","shipping_price":"1"}]}]`)
	f.Add(`null`)
	f.Add(`{"0":{"iditem":"1","selling_price":1e400,"qty":0e999999999}}`)
	f.Fuzz(func(t *testing.T, body string) {
		ps, _, err := decodeAll(body)
		if err != nil {
			var de *drophero.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error is not a DecodeError: %v", err)
			}
			return
		}
		for _, p := range ps {
			if p.IDItem == "" || p.SellingPrice.IsNegative() {
				t.Fatalf("accepted invalid product %+v", p)
			}
			// Accepted decimals are bounded: formatting them is cheap.
			for _, d := range []string{p.SellingPrice.StringFixed(4), p.Qty.Decimal.StringFixed(4), p.Weight.Decimal.StringFixed(4)} {
				if len(d) > 64 {
					t.Fatalf("unbounded decimal accepted: %.80s", d)
				}
			}
		}
	})
}

func TestAggregateShippingWorkedExample(t *testing.T) {
	sp := func(m1, m2 string) []drophero.ShippingPrice {
		out := []drophero.ShippingPrice{{AreaISO: "ES", ModeID: "1", Price: decimal.RequireFromString(m1)}}
		if m2 != "" {
			out = append(out, drophero.ShippingPrice{AreaISO: "ES", ModeID: "2", Price: decimal.RequireFromString(m2)})
		}
		return out
	}
	lines := []drophero.ItemShipping{
		{IDItem: "5554", Qty: decimal.NewFromInt(1), Prices: sp("7.40", "2.40")},
		{IDItem: "5555", Qty: decimal.NewFromInt(2), Prices: sp("7.40", "2.40")},
		{IDItem: "5556", Qty: decimal.NewFromInt(1), Prices: sp("14.00", "3.20")},
		{IDItem: "5560", Qty: decimal.NewFromInt(1), Prices: sp("7.40", "1.40")},
	}
	modes := map[string]drophero.ShippingMode{"1": {ID: "1", Name: "Express 24h"}, "2": {ID: "2", Name: "Standard post"}}
	tests := []struct {
		name    string
		lines   []drophero.ItemShipping
		country string
		want    string
	}{
		{"four items two modes", lines, "ES", "2:Standard post:11.80 1:Express 24h:43.60"},
		{"socks remove mode 2", append(append([]drophero.ItemShipping{}, lines...), drophero.ItemShipping{IDItem: "6002", Qty: decimal.NewFromInt(1), Prices: sp("3.00", "")}), "ES", "1:Express 24h:46.60"},
		{"lowercase country", lines, "es", "2:Standard post:11.80 1:Express 24h:43.60"},
		{"no lines", nil, "ES", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := drophero.AggregateShipping(tt.lines, tt.country, modes)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range opts {
				got = append(got, o.ModeID+":"+o.Label+":"+o.Total.StringFixed(2))
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("got %v, want %s", got, tt.want)
			}
		})
	}
	_, err := drophero.AggregateShipping(lines, "PT", modes)
	var nc *drophero.NoCommonModeError
	if !errors.As(err, &nc) || len(nc.Items) != 4 || len(nc.Undeliverable) != 4 {
		t.Errorf("PT: %v", err)
	}
	// Each ships to ES alone, not together: nothing is undeliverable.
	split := []drophero.ItemShipping{
		{IDItem: "a", Qty: one, Prices: []drophero.ShippingPrice{{AreaISO: "ES", ModeID: "1", Price: one}}},
		{IDItem: "b", Qty: one, Prices: []drophero.ShippingPrice{{AreaISO: "ES", ModeID: "2", Price: one}}},
	}
	_, err = drophero.AggregateShipping(split, "ES", modes)
	if !errors.As(err, &nc) || len(nc.Items) != 2 || len(nc.Undeliverable) != 0 {
		t.Errorf("ES split: %v %+v", err, nc)
	}
}

var one = decimal.NewFromInt(1)

func decimalFromString(s string) (decimal.Decimal, error) { return decimal.NewFromString(s) }
