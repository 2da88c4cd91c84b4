package testhost

import (
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters/gormcustomers"
)

// CustomersConfig maps gormcustomers onto these tables exactly as the
// example shop maps it onto its own (the worked example of
// docs/protocol/customers.md; the example's
// TestCustomersMappingMatchesTestHost keeps both in step). Tests change
// the returned value for what they exercise. Two settings are the
// tests', not the example's: passwords are hashed at bcrypt.MinCost, and
// RequireAddress is off (the example shop turns it on).
func CustomersConfig(db *gorm.DB) gormcustomers.Config {
	return gormcustomers.Config{
		DB: db,
		Customers: gormcustomers.Customers{
			Table: "shop_customers", ID: "id", Login: "email", Password: "password_hash", Token: "token",
			Number: "number", FirstName: "first_name", LastName: "last_name", Gender: "gender", Birthday: "birthday",
			Phone: "phone", Mobile: "mobile", Mail: "email", Newsletter: "newsletter", Active: "active",
			Permitted:    "NOT c.connect_barred",
			Group:        "customer_group_id",
			DefaultGroup: "(SELECT id FROM shop_customer_groups WHERE name = 'Retail')",
			CreatedAt:    "created_at", UpdatedAt: "updated_at",
			// The example's "Trade" group buys as tax class "business" (id 2).
			TaxClassKey: "CASE WHEN c.customer_group_id = (SELECT tg.id FROM shop_customer_groups tg WHERE tg.name = 'Trade')" +
				" THEN 'business' ELSE 'default' END",
			TaxClassID: "CASE WHEN c.customer_group_id = (SELECT tg.id FROM shop_customer_groups tg WHERE tg.name = 'Trade')" +
				" THEN '2' ELSE '1' END",
		},
		Addresses: &gormcustomers.Addresses{
			Table: "shop_addresses", ID: "id", Customer: "customer_id", IsDefault: "is_default",
			IsInvoice: "is_invoice", IsDelivery: "is_delivery", FirstName: "first_name", LastName: "last_name",
			Gender: "gender", Company: "company", Street1: "street1", Street2: "street2", Zipcode: "zipcode",
			City: "city", Country: "country", State: "state", Phone: "phone",
			CreatedAt: "created_at", UpdatedAt: "updated_at",
		},
		Groups: &gormcustomers.Groups{
			From:     "shop_customer_groups g JOIN shop_customers gc ON gc.customer_group_id = g.id",
			Customer: "gc.id", ID: "g.id", Name: "g.name",
		},
		Orders: &gormcustomers.Orders{
			From: "shop_orders o", Key: "o.id", Customer: "o.customer_id", CreatedAt: "o.created_at",
			Fields: gormcustomers.OrderFields{
				Number: "o.number", ShopgateNumber: "CASE WHEN o.source = 'shopgate' THEN o.external_number END",
				Status: "o.status", Mail: "o.email", Phone: "o.phone", Currency: "o.currency",
				AmountComplete: "o.amount_total", IsPaid: "o.is_paid", PaymentMethod: "o.payment_method",
				PaymentTime: "o.paid_at", IsShipped: "o.shipped_at IS NOT NULL", ShippedTime: "o.shipped_at",
				ShippingAmount: "o.amount_shipping", ShippingTaxPercent: "19", ShippingLabel: "o.shipping_method",
				PaymentAmount: "o.amount_payment", PaymentTaxPercent: "19",
				CouponCode: "o.coupon_code", CouponAmount: "o.amount_discount",
			},
			InvoiceAddress:  orderAddress("invoice", "o.email"),
			DeliveryAddress: orderAddress("delivery", ""),
			Items: gormcustomers.OrderItems{
				From: "shop_order_items oi", Order: "oi.order_id", Where: "oi.type = 'product'", OrderBy: "oi.order_id, oi.id",
				ItemNumber:       "COALESCE(CAST(oi.product_id AS TEXT), oi.number)",
				ItemNumberPublic: "oi.number", Quantity: "oi.quantity", Name: "oi.name",
				UnitAmountWithTax: "oi.unit_price", TaxPercent: "oi.tax_rate", Description: "oi.attributes",
			},
			StatusNames: map[string]map[string]string{
				"de": {"new": "Neu", "processing": "In Bearbeitung", "shipped": "Versandt", "cancelled": "Storniert"},
				"en": {"new": "New", "processing": "Processing", "shipped": "Shipped", "cancelled": "Cancelled"},
			},
			StatusColors: map[string]string{"new": "#3366CC", "processing": "#FF9900", "shipped": "#33CC33", "cancelled": "#CC3333"},
		},
		Passwords: gormcustomers.Bcrypt{Cost: bcrypt.MinCost},
	}
}

// orderAddress maps the invoice_* or delivery_* columns of Order
// (OrderAddress embedded with that prefix); mail is the expression of
// the address's e-mail, "" for none.
func orderAddress(prefix, mail string) *gormcustomers.OrderAddress {
	c := func(name string) string { return "o." + prefix + "_" + name }
	return &gormcustomers.OrderAddress{
		FirstName: c("first_name"), LastName: c("last_name"), Gender: c("gender"), Company: c("company"),
		Street1: c("street1"), Street2: c("street2"), Zipcode: c("zipcode"), City: c("city"),
		Country: c("country"), State: c("state"), Phone: c("phone"), Mail: mail,
	}
}
