package main

import (
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters/gormcart"
)

// The Shopgate cart check (check_cart, check_stock) and get_settings are
// answered by adapters/gormcart, mapped here onto the shop's tables
// (models.go, models_cart.go). Products use the catalogue's mapping, so
// the item numbers Shopgate sends are the exported uids. {lang} and
// {currency} are the requesting marketplace's (docs/protocol/cart.md).

// cartConfig maps check_cart and check_stock.
func cartConfig(db *gorm.DB, publicURL string) gormcart.Config {
	return gormcart.Config{
		DB:    db,
		Items: catalogConfig(db, publicURL).Items,
		// Tier and group prices are kept per currency.
		GroupPrices: &gormcart.GroupPrices{From: "shop_tier_prices tp", Product: "tp.product_id",
			Group: "tp.customer_group_id", MinQuantity: "tp.min_quantity", Price: "tp.price", Where: "tp.currency = {currency}"},
		Customers: &gormcart.Customers{From: "shop_customers c", ID: "c.id", Where: "c.active",
			Group:       "COALESCE(c.customer_group_id, (SELECT g.id FROM shop_customer_groups g WHERE g.name = 'Retail'))",
			TaxClassKey: customerTaxClassKey},
		Coupons: &gormcart.Coupons{From: "shop_coupons cp", Key: "cp.id", Code: "cp.code", Active: "cp.active",
			Name: "cp.code", Description: "cp.description", Kind: "cp.kind", Value: "cp.value",
			ValidFrom: "cp.valid_from", ValidUntil: "cp.valid_until", MinAmount: "cp.min_order_amount",
			FreeShipping: "cp.free_shipping", MaxPerCustomer: "cp.max_per_customer",
			Redemptions: &gormcart.Redemptions{From: "shop_orders o", Code: "o.coupon_code", Customer: "o.customer_id",
				Where: "o.status <> 'cancelled'"},
			Products: &gormcart.CouponProducts{From: "shop_coupon_products cpp", Coupon: "cpp.coupon_id", Product: "cpp.product_id"}},
		Shipping: shippingMapping(),
		Payments: paymentMapping(),
		// Items, shipping ('standard') and the COD fee ('standard') are
		// taxed at the delivery country's rate: a cart to AT pays 20 %
		// (10 % reduced) in the same gross prices
		// (docs/protocol/cart.md#taxes-by-destination).
		Taxes: taxMapping(),
	}
}

// The shop's customer tax classes: "default" (id 1) for consumers and
// "business" (id 2) for the "Trade" group. The customer mappings of
// check_cart and get_customer (over shop_customers c) and the groups of
// get_settings (shop_customer_groups g) derive them the same way.
const (
	customerTaxClassBusiness = 2
	customerTaxClassKey      = "CASE WHEN c.customer_group_id = (SELECT tg.id FROM shop_customer_groups tg WHERE tg.name = 'Trade')" +
		" THEN 'business' ELSE 'default' END"
	customerTaxClassID = "CASE WHEN c.customer_group_id = (SELECT tg.id FROM shop_customer_groups tg WHERE tg.name = 'Trade')" +
		" THEN '2' ELSE '1' END"
	groupTaxClassKey = "CASE WHEN g.name = 'Trade' THEN 'business' ELSE 'default' END"
)

// taxMapping is the shop's tax model, the same for check_cart and
// get_settings: the product tax classes of shop_tax_classes with their
// rates per country in shop_tax_rates (some limited to a customer tax
// class), and the customer tax classes "default" (the default) and
// "business".
func taxMapping() *gormcart.Taxes {
	return &gormcart.Taxes{
		ProductTaxClasses: &gormcart.TaxClasses{From: "shop_tax_classes tc", ID: "tc.id", Key: "tc.name"},
		CustomerTaxClasses: &gormcart.TaxClasses{From: "(SELECT 1 AS id, 'default' AS k UNION ALL SELECT 2, 'business') ctc",
			ID: "ctc.id", Key: "ctc.k", IsDefault: "ctc.id = 1"},
		TaxRates: &gormcart.TaxRates{From: "shop_tax_rates tr JOIN shop_tax_classes tc ON tc.id = tr.tax_class_id",
			ID: "tr.id", Key: "tc.name || '_' || LOWER(tr.country) || CASE WHEN tr.customer_tax_class_id = 2 THEN '_business' ELSE '' END",
			DisplayName: "tc.name || ' ' || tr.country || CASE WHEN tr.customer_tax_class_id = 2 THEN ' business' ELSE '' END",
			Percent:     "tr.rate", Country: "tr.country", ProductTaxClass: "tr.tax_class_id", CustomerTaxClass: "tr.customer_tax_class_id"},
	}
}

// shippingMapping offers the rates of the delivery country in the
// marketplace's currency, titled in its language (the base texts are
// English).
func shippingMapping() *gormcart.Shipping {
	return &gormcart.Shipping{
		From: "shop_shipping_rates r JOIN shop_shipping_methods m ON m.id = r.method_id" +
			" LEFT JOIN shop_shipping_method_translations mt ON mt.method_id = m.id AND mt.language = {lang}",
		Where: "m.active AND r.currency = {currency}",
		ID:    "m.code", Country: "r.country", Title: "COALESCE(mt.name, m.name)", SortOrder: "m.sort_order",
		Carrier:     "CASE WHEN m.code = 'express' THEN 'DHLEXPRESS' ELSE 'DHL' END",
		Description: "COALESCE(mt.description, CASE WHEN m.code = 'express' THEN 'next working day' ELSE '2-3 working days' END)",
		Price:       "r.price", TaxPercent: "m.tax_rate", TaxClass: "'standard'", FreeFrom: "r.free_from",
		MaxWeight: "r.max_weight_grams",
	}
}

// paymentMapping lists the active payment methods and their fees in the
// marketplace's currency; a method with a fee but none in that currency
// is not offered there.
func paymentMapping() *gormcart.Payments {
	return &gormcart.Payments{
		From: "shop_payment_methods pm" +
			" LEFT JOIN shop_payment_method_fees pf ON pf.method_id = pm.id AND pf.currency = {currency}",
		Where: "pm.active AND ({currency} = '" + Currency + "' OR pm.fee = 0 OR pf.fee IS NOT NULL)",
		ID:    "pm.code", Name: "pm.name",
		Fee:        "CASE WHEN {currency} = '" + Currency + "' OR pm.fee = 0 THEN pm.fee ELSE pf.fee END",
		TaxPercent: "pm.tax_rate", TaxClass: "CASE WHEN pm.tax_rate IS NULL THEN NULL ELSE 'standard' END",
		SortOrder: "pm.sort_order"}
}

// settingsConfig maps get_settings: "Retail" is the default group, its
// customers have the tax class "default", Trade customers "business"; the
// shop ships to (and accepts addresses in) the countries it has shipping
// rates for.
func settingsConfig(db *gorm.DB) gormcart.SettingsConfig {
	tax := taxMapping()
	return gormcart.SettingsConfig{
		DB: db,
		CustomerGroups: &gormcart.CustomerGroups{From: "shop_customer_groups g", ID: "g.id", Name: "g.name",
			IsDefault: "g.name = 'Retail'", TaxClassKey: groupTaxClassKey},
		Shipping:           shippingMapping(),
		Payments:           paymentMapping(),
		ProductTaxClasses:  tax.ProductTaxClasses,
		CustomerTaxClasses: tax.CustomerTaxClasses,
		TaxRates:           tax.TaxRates,
	}
}
