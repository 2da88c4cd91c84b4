package adapters

import (
	"context"

	"github.com/shopspring/decimal"
)

// SettingsSource answers get_settings with the shop's customer groups,
// countries, payment methods and tax model (docs/protocol/cart.md#get_settings).
type SettingsSource interface {
	// Settings returns the settings of the shop (marketplace) given.
	Settings(ctx context.Context, shop Shop) (*Settings, error)
}

// Settings is the payload of get_settings.
type Settings struct {
	CustomerGroups []SettingsCustomerGroup
	// AddressCountries are the countries allowed in customer addresses.
	AddressCountries []AllowedCountry
	// ShippingCountries are the countries the shop ships to.
	ShippingCountries []AllowedCountry
	PaymentMethods    []SettingsPaymentMethod
	// ProductTaxClasses and CustomerTaxClasses are the tax classes.
	ProductTaxClasses  []TaxClassRef
	CustomerTaxClasses []TaxClassRef
	TaxRates           []TaxRate
	TaxRules           []TaxRule
}

// SettingsCustomerGroup is a customer group of the shop.
type SettingsCustomerGroup struct {
	ID          string
	Name        string
	IsDefault   bool
	TaxClassKey string
}

// AllowedCountry is an allowed country; no States means all states.
type AllowedCountry struct {
	Country string
	States  []string
}

// SettingsPaymentMethod is a payment method of the shop.
type SettingsPaymentMethod struct {
	ID   string
	Name string
}

// TaxClassRef is a tax class (IsDefault is sent for customer tax classes).
type TaxClassRef struct {
	ID        string
	Key       string
	IsDefault bool
}

// TaxRate is a tax rate of one country (and optionally state/zip codes).
type TaxRate struct {
	ID          string
	Key         string
	DisplayName string
	Percent     decimal.Decimal
	Country     string
	State       string
	// ZipcodeType is "all" (default), "pattern" or "range".
	ZipcodeType      string
	ZipcodePattern   string
	ZipcodeRangeFrom string
	ZipcodeRangeTo   string
}

// TaxRule links product and customer tax classes to tax rates.
type TaxRule struct {
	ID                 string
	Name               string
	Priority           int
	ProductTaxClasses  []TaxClassRef
	CustomerTaxClasses []TaxClassRef
	TaxRates           []TaxClassRef
}
