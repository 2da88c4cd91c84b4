package shopgatetest

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/shopgate"
)

// NewTestOrder returns a realistic order for tests and demos: a guest
// order from the Shopgate app, paid by prepayment, not blocked for
// shipping, with two product lines (2 × SKU-1001 at 49.99, 1 × SKU-2002 at
// 39.97, 19 % VAT), shipping by DHL 4.90 and a payment fee of 5.00, total
// 149.85 EUR. It is marked as a test order. CreatedTime is the current time
// (truncated to seconds); change any field before adding it.
func NewTestOrder(number string) shopgate.Order {
	d := decimal.RequireFromString
	created := time.Now().UTC().Truncate(time.Second)
	invoice := shopgate.Address{
		IsInvoiceAddress: true,
		AddressFields: shopgate.AddressFields{
			FirstName: "Erika",
			LastName:  "Mustermann",
			Gender:    "f",
			Birthday:  "1984-08-12",
			Street1:   "Heidestraße 17",
			Zipcode:   "51147",
			City:      "Köln",
			Country:   "DE",
			Phone:     "+49 221 1234567",
			Mail:      "erika.mustermann@example.com",
		},
	}
	delivery := invoice
	delivery.IsInvoiceAddress, delivery.IsDeliveryAddress = false, true
	delivery.Company = "Musterfirma GmbH"
	delivery.Street1 = "Industriestraße 5"
	delivery.Zipcode = "50735"
	return shopgate.Order{
		OrderNumber:        number,
		CustomerNumber:     "10000017",
		CustomerIP:         "203.0.113.42",
		Mail:               "erika.mustermann@example.com",
		Phone:              "+49 221 1234567",
		Client:             shopgate.OrderClient{Type: "iphoneapp"},
		ConfirmShippingURL: "https://api.shopgate.com/shop/confirm_shipping/" + number,
		CreatedTime:        created,
		PaymentMethod:      "PREPAY",
		PaymentGroup:       "PREPAY",
		PaymentInfos: map[string]any{
			"shopgate_payment_name": "Vorkasse",
			"purpose":               "SG" + number,
		},
		IsTest:             true,
		ShippingGroup:      shopgate.CarrierDHL,
		ShippingType:       "MANUAL",
		ShippingTaxPercent: d("19"),
		ShippingInfos: &shopgate.ShippingInfo{
			Name:        "DHL Paket",
			DisplayName: "DHL Paket (2-3 Werktage)",
			Amount:      d("4.90"),
			AmountNet:   d("4.12"),
			AmountGross: d("4.90"),
			Weight:      2300,
		},
		Currency:              "EUR",
		AmountItems:           d("139.95"),
		AmountShipping:        d("4.90"),
		AmountShopPayment:     d("5.00"),
		PaymentTaxPercent:     d("19"),
		AmountShopgatePayment: d("0.00"),
		AmountComplete:        d("149.85"),
		InvoiceAddress:        invoice,
		DeliveryAddress:       delivery,
		Items: []shopgate.OrderItem{
			{
				ItemNumber:        "SKU-1001",
				ItemNumberPublic:  "1001",
				OrderItemID:       number + "01",
				Type:              shopgate.OrderItemTypeItem,
				Quantity:          2,
				Name:              "Trail running shoe, blue, 42",
				UnitAmount:        d("42.01"),
				UnitAmountWithTax: d("49.99"),
				TaxPercent:        d("19"),
				Currency:          "EUR",
				InternalOrderInfo: `{"product_id":1001,"variant_id":42}`,
				Attributes: []shopgate.OrderItemAttribute{
					{Name: "Color", Value: "blue"},
					{Name: "Size", Value: "42"},
				},
			},
			{
				ItemNumber:        "SKU-2002",
				ItemNumberPublic:  "2002",
				OrderItemID:       number + "02",
				Type:              shopgate.OrderItemTypeItem,
				Quantity:          1,
				Name:              "Running socks, 3 pairs",
				UnitAmount:        d("33.59"),
				UnitAmountWithTax: d("39.97"),
				TaxPercent:        d("19"),
				Currency:          "EUR",
				InternalOrderInfo: `{"product_id":2002}`,
			},
		},
	}
}
