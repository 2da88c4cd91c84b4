package main

import (
	"github.com/shopspring/decimal"
)

// Tables the Shopgate cart check, get_settings and the second marketplace
// read (through adapters/gormcart and adapters/gormcatalog, mapped in
// shopgate_cartconfig.go). The storefront does not use them yet.

// ShippingRate is the cost of a shipping method for one delivery country
// and currency. No rate for a country: the method is not offered there;
// no method for a country: the shop does not ship there. MaxWeightGrams,
// when set, is the heaviest cart the rate accepts.
type ShippingRate struct {
	ID             uint            `gorm:"primaryKey"`
	MethodID       uint            `gorm:"not null;index"`
	Country        string          `gorm:"size:2;not null"`
	Currency       string          `gorm:"size:3;not null;default:EUR"`
	Price          decimal.Decimal `gorm:"type:numeric(15,4);not null"`
	FreeFrom       decimal.Decimal `gorm:"type:numeric(15,4);not null;default:0"`
	MaxWeightGrams *int
}

// TableName implements gorm's tabler.
func (ShippingRate) TableName() string { return "shop_shipping_rates" }

// PaymentMethod is a payment method offered to Shopgate carts. Code is
// Shopgate's payment method code (PREPAY, INVOICE, COD); Fee is gross.
type PaymentMethod struct {
	ID        uint                `gorm:"primaryKey"`
	Code      string              `gorm:"size:32;not null;uniqueIndex"`
	Name      string              `gorm:"size:128;not null"`
	Fee       decimal.Decimal     `gorm:"type:numeric(15,4);not null;default:0"`
	TaxRate   decimal.NullDecimal `gorm:"type:numeric(7,4)"`
	SortOrder int                 `gorm:"not null;default:0"`
	Active    bool                `gorm:"not null"`
}

// TableName implements gorm's tabler.
func (PaymentMethod) TableName() string { return "shop_payment_methods" }

// TaxRate is the rate of a tax class in one country. CustomerTaxClassID,
// when set, limits it to one customer tax class (customerTaxClasses in
// shopgate_cartconfig.go); nil: every customer.
type TaxRate struct {
	ID                 uint            `gorm:"primaryKey"`
	TaxClassID         uint            `gorm:"not null;index"`
	Country            string          `gorm:"size:2;not null"`
	Rate               decimal.Decimal `gorm:"type:numeric(7,4);not null"`
	CustomerTaxClassID *uint
}

// TableName implements gorm's tabler.
func (TaxRate) TableName() string { return "shop_tax_rates" }

// ProductTranslation is a product's name and description in one language.
type ProductTranslation struct {
	ProductID   uint   `gorm:"primaryKey"`
	Language    string `gorm:"primaryKey;size:2"`
	Name        string `gorm:"size:255;not null"`
	Description string `gorm:"type:text"`
}

// TableName implements gorm's tabler.
func (ProductTranslation) TableName() string { return "shop_product_translations" }

// PaymentMethodFee is a payment method's gross fee in another currency
// than Currency. A method with a fee is offered in another currency only
// when it has a row for it.
type PaymentMethodFee struct {
	MethodID uint            `gorm:"primaryKey"`
	Currency string          `gorm:"primaryKey;size:3"`
	Fee      decimal.Decimal `gorm:"type:numeric(15,4);not null"`
}

// TableName implements gorm's tabler.
func (PaymentMethodFee) TableName() string { return "shop_payment_method_fees" }

// ShippingMethodTranslation is a shipping method's title and description
// in one language (the base texts in ShippingMethod are English).
type ShippingMethodTranslation struct {
	MethodID    uint   `gorm:"primaryKey"`
	Language    string `gorm:"primaryKey;size:2"`
	Name        string `gorm:"size:128;not null"`
	Description string `gorm:"size:255"`
}

// TableName implements gorm's tabler.
func (ShippingMethodTranslation) TableName() string { return "shop_shipping_method_translations" }

// CategoryTranslation is a category's name in one language.
type CategoryTranslation struct {
	CategoryID uint   `gorm:"primaryKey"`
	Language   string `gorm:"primaryKey;size:2"`
	Name       string `gorm:"size:255;not null"`
}

// TableName implements gorm's tabler.
func (CategoryTranslation) TableName() string { return "shop_category_translations" }

// AttributeTranslation is the label of a variant dimension (an
// attribute name such as "Size") in one language.
type AttributeTranslation struct {
	Name     string `gorm:"primaryKey;size:64"`
	Language string `gorm:"primaryKey;size:2"`
	Label    string `gorm:"size:64;not null"`
}

// TableName implements gorm's tabler.
func (AttributeTranslation) TableName() string { return "shop_attribute_translations" }

// ProductPrice is a product's gross price in another currency than
// Currency.
type ProductPrice struct {
	ProductID uint            `gorm:"primaryKey"`
	Currency  string          `gorm:"primaryKey;size:3"`
	Price     decimal.Decimal `gorm:"type:numeric(15,4);not null"`
}

// TableName implements gorm's tabler.
func (ProductPrice) TableName() string { return "shop_product_prices" }

// CouponProduct restricts a coupon to a product: a coupon with such rows
// only discounts those products.
type CouponProduct struct {
	CouponID  uint `gorm:"primaryKey"`
	ProductID uint `gorm:"primaryKey"`
}

// TableName implements gorm's tabler.
func (CouponProduct) TableName() string { return "shop_coupon_products" }

// cartModels are the tables of this file.
func cartModels() []any {
	return []any{&ShippingRate{}, &PaymentMethod{}, &TaxRate{}, &ProductTranslation{}, &ProductPrice{}, &CouponProduct{},
		&ShippingMethodTranslation{}, &CategoryTranslation{}, &AttributeTranslation{}, &PaymentMethodFee{}}
}
