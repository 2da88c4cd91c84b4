package gormcustomers

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/adapters"
)

func TestTotalsCouponLowersTaxes(t *testing.T) {
	d := decimal.RequireFromString
	item := func(gross, percent string, qty int) adapters.ExternalOrderItem {
		t.Helper()
		return adapters.ExternalOrderItem{Quantity: qty, UnitAmountWithTax: d(gross), TaxPercent: d(percent),
			UnitAmount: net(d(gross), d(percent))}
	}
	coupon := func(amount string) []adapters.OrderCoupon {
		return []adapters.OrderCoupon{{Code: "C", Amount: d(amount)}}
	}
	tests := []struct {
		name    string
		order   adapters.ExternalOrder
		taxes   map[string]string // percent -> tax amount
		netSum  string
		grossIt string
	}{
		{name: "no coupon", order: adapters.ExternalOrder{AmountCompleteGross: d("119"),
			Items: []adapters.ExternalOrderItem{item("119", "19", 1)}},
			taxes: map[string]string{"19": "19"}, netSum: "100", grossIt: "119"},
		{name: "one rate, 11.90 off", order: adapters.ExternalOrder{AmountCompleteGross: d("107.10"),
			Items: []adapters.ExternalOrderItem{item("119", "19", 1)}, Coupons: coupon("11.90")},
			taxes: map[string]string{"19": "17.1"}, netSum: "90", grossIt: "119"},
		{name: "two rates split by gross share", order: adapters.ExternalOrder{AmountCompleteGross: d("216"),
			// 119 at 19 % and 107 at 7 %: 10.00 off splits 5.27 / 4.73.
			Items: []adapters.ExternalOrderItem{item("119", "19", 1), item("53.50", "7", 2)}, Coupons: coupon("10")},
			taxes: map[string]string{"19": "18.16", "7": "6.69"}, netSum: "191.15", grossIt: "226"},
		{name: "coupon above the items is capped", order: adapters.ExternalOrder{AmountCompleteGross: d("4.90"),
			Items: []adapters.ExternalOrderItem{item("10.70", "7", 1)}, Coupons: coupon("20"),
			ExtraCosts: []adapters.ExtraCost{{Type: adapters.ExtraCostShipping, Amount: d("4.90"), TaxPercent: d("19")}}},
			taxes: map[string]string{"19": "0.78"}, netSum: "4.12", grossIt: "10.7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eo := tc.order
			totals(&eo)
			got := map[string]string{}
			sum := decimal.Zero
			for _, tx := range eo.Taxes {
				if !tx.Amount.IsZero() {
					got[tx.Percent.String()] = tx.Amount.String()
				}
				sum = sum.Add(tx.Amount)
			}
			if len(got) != len(tc.taxes) {
				t.Fatalf("taxes %v, want %v", got, tc.taxes)
			}
			for k, v := range tc.taxes {
				if got[k] != v {
					t.Fatalf("taxes %v, want %v", got, tc.taxes)
				}
			}
			if eo.AmountCompleteNet.String() != tc.netSum || !eo.AmountCompleteNet.Add(sum).Equal(eo.AmountCompleteGross) {
				t.Fatalf("net %s (+ taxes %s), want %s and gross %s", eo.AmountCompleteNet, sum, tc.netSum, eo.AmountCompleteGross)
			}
			if eo.AmountItemsGross.String() != tc.grossIt {
				t.Fatalf("items gross %s, want %s", eo.AmountItemsGross, tc.grossIt)
			}
		})
	}
}
