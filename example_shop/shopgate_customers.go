package main

import (
	"github.com/shopbridge/shopbridge/adapters/gormcustomers"
)

// Shopgate Connect: get_customer, register_customer, get_orders and
// sync_favourite_list are answered by shopbridge's gormcustomers adapter,
// mapped here onto the shop's own tables. No Shopgate key appears in
// this shop's code. The mapping is the worked example of
// docs/protocol/customers.md.

// customerStatusNames are the order status texts of the order history,
// per buyer language.
var customerStatusNames = map[string]map[string]string{
	"de": {StatusNew: "Neu", StatusProcessing: "In Bearbeitung", StatusShipped: "Versandt", StatusCancelled: "Storniert"},
	"en": {StatusNew: "New", StatusProcessing: "Processing", StatusShipped: "Shipped", StatusCancelled: "Cancelled"},
}

// customersConfig maps gormcustomers onto the example shop's tables.
// Item numbers of the order history are the product ids, exactly the uid
// the catalogue mapping (catalogConfig: Items.Key "p.id") exports; lines
// whose product no longer exists fall back to the stored article number.
func (a *App) customersConfig() gormcustomers.Config {
	return gormcustomers.Config{
		DB: a.DB,
		Customers: gormcustomers.Customers{
			Table: "shop_customers", ID: "id", Login: "email", Password: "password_hash", Token: "token",
			Number: "number", FirstName: "first_name", LastName: "last_name", Gender: "gender", Birthday: "birthday",
			Phone: "phone", Mobile: "mobile", Mail: "email", Newsletter: "newsletter", Active: "active",
			Permitted:    "NOT c.connect_barred",
			Group:        "customer_group_id",
			DefaultGroup: "(SELECT id FROM shop_customer_groups WHERE name = 'Retail')",
			CreatedAt:    "created_at", UpdatedAt: "updated_at",
			// "business" for the Trade group, else "default", as
			// get_settings lists them (shopgate_cartconfig.go).
			TaxClassKey: customerTaxClassKey, TaxClassID: customerTaxClassID,
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
			InvoiceAddress: &gormcustomers.OrderAddress{
				FirstName: "o.invoice_first_name", LastName: "o.invoice_last_name", Gender: "o.invoice_gender",
				Company: "o.invoice_company", Street1: "o.invoice_street1", Street2: "o.invoice_street2",
				Zipcode: "o.invoice_zipcode", City: "o.invoice_city", Country: "o.invoice_country",
				State: "o.invoice_state", Phone: "o.invoice_phone", Mail: "o.email",
			},
			DeliveryAddress: &gormcustomers.OrderAddress{
				FirstName: "o.delivery_first_name", LastName: "o.delivery_last_name", Gender: "o.delivery_gender",
				Company: "o.delivery_company", Street1: "o.delivery_street1", Street2: "o.delivery_street2",
				Zipcode: "o.delivery_zipcode", City: "o.delivery_city", Country: "o.delivery_country",
				State: "o.delivery_state", Phone: "o.delivery_phone",
			},
			Items: gormcustomers.OrderItems{
				From: "shop_order_items oi", Order: "oi.order_id", Where: "oi.type = 'product'", OrderBy: "oi.order_id, oi.id",
				ItemNumber:       "COALESCE(CAST(oi.product_id AS TEXT), oi.number)",
				ItemNumberPublic: "oi.number", Quantity: "oi.quantity", Name: "oi.name",
				UnitAmountWithTax: "oi.unit_price", TaxPercent: "oi.tax_rate", Description: "oi.attributes",
			},
			StatusNames: customerStatusNames,
			StatusColors: map[string]string{StatusNew: "#3366CC", StatusProcessing: "#FF9900",
				StatusShipped: "#33CC33", StatusCancelled: "#CC3333"},
		},
		// Favourites: the shop has no wish list table; shopbridge keeps them.
		Passwords: gormcustomers.Bcrypt{Cost: passwordCost},
		// The app's checkout needs an address; an account without one is
		// refused with 70 (docs/protocol/customers.md#customers-without-an-address).
		RequireAddress: true,
	}
}

// setupCustomers answers the Shopgate Connect customer actions.
func (a *App) setupCustomers() error {
	store, err := gormcustomers.New(a.customersConfig())
	if err != nil {
		return err
	}
	a.sg.Plugin.Customers = store
	return nil
}
