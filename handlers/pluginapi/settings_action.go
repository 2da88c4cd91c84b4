package pluginapi

import (
	"encoding/json"

	"github.com/shopbridge/shopbridge/adapters"
)

// getSettings answers with the shop's settings from the SettingsSource
// (docs/protocol/cart.md#get_settings); without one, every list is empty.
func (h *Handler) getSettings(r *request) (payload, error) {
	s := &adapters.Settings{}
	if h.cfg.Settings != nil {
		got, err := h.cfg.Settings.Settings(r.Ctx, r.Shop)
		if err != nil {
			return nil, err
		}
		if got != nil {
			s = got
		}
	}
	return encodeSettings(s), nil
}

type (
	wireSettingsGroup struct {
		ID          string  `json:"id"`
		Name        string  `json:"name"`
		IsDefault   int     `json:"is_default"`
		TaxClassKey *string `json:"customer_tax_class_key"`
	}
	wireCountry struct {
		Country string   `json:"country"`
		State   []string `json:"state"`
	}
	wireNamed struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	wireRef struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	wireCustomerTaxClass struct {
		ID        string `json:"id"`
		Key       string `json:"key"`
		IsDefault int    `json:"is_default"`
	}
	wireTaxRate struct {
		ID               string      `json:"id"`
		Key              string      `json:"key"`
		DisplayName      string      `json:"display_name"`
		TaxPercent       json.Number `json:"tax_percent"`
		Country          string      `json:"country"`
		State            string      `json:"state"`
		ZipcodeType      string      `json:"zipcode_type"`
		ZipcodePattern   string      `json:"zipcode_pattern"`
		ZipcodeRangeFrom string      `json:"zipcode_range_from"`
		ZipcodeRangeTo   string      `json:"zipcode_range_to"`
	}
	wireTaxRule struct {
		ID                 string    `json:"id"`
		Name               string    `json:"name"`
		Priority           int       `json:"priority"`
		ProductTaxClasses  []wireRef `json:"product_tax_classes"`
		CustomerTaxClasses []wireRef `json:"customer_tax_classes"`
		TaxRates           []wireRef `json:"tax_rates"`
	}
	wireTax struct {
		ProductTaxClasses  []wireRef              `json:"product_tax_classes"`
		CustomerTaxClasses []wireCustomerTaxClass `json:"customer_tax_classes"`
		TaxRates           []wireTaxRate          `json:"tax_rates"`
		TaxRules           []wireTaxRule          `json:"tax_rules"`
	}
)

// encodeSettings builds the get_settings payload with sorted keys; every
// list is present (empty when there is nothing).
func encodeSettings(s *adapters.Settings) payload {
	groups := make([]wireSettingsGroup, 0, len(s.CustomerGroups))
	for _, g := range s.CustomerGroups {
		groups = append(groups, wireSettingsGroup{g.ID, g.Name, flag(g.IsDefault), nullString(g.TaxClassKey)})
	}
	countries := func(cs []adapters.AllowedCountry) []wireCountry {
		out := make([]wireCountry, 0, len(cs))
		for _, c := range cs {
			st := c.States
			if len(st) == 0 {
				st = []string{"All"}
			}
			out = append(out, wireCountry{c.Country, st})
		}
		return out
	}
	pays := make([]wireNamed, 0, len(s.PaymentMethods))
	for _, p := range s.PaymentMethods {
		pays = append(pays, wireNamed{p.ID, p.Name})
	}
	refs := func(rs []adapters.TaxClassRef) []wireRef {
		out := make([]wireRef, 0, len(rs))
		for _, r := range rs {
			out = append(out, wireRef{r.ID, r.Key})
		}
		return out
	}
	tax := wireTax{ProductTaxClasses: refs(s.ProductTaxClasses), CustomerTaxClasses: []wireCustomerTaxClass{},
		TaxRates: []wireTaxRate{}, TaxRules: []wireTaxRule{}}
	for _, c := range s.CustomerTaxClasses {
		tax.CustomerTaxClasses = append(tax.CustomerTaxClasses, wireCustomerTaxClass{c.ID, c.Key, flag(c.IsDefault)})
	}
	for _, t := range s.TaxRates {
		zt := t.ZipcodeType
		if zt == "" {
			zt = "all"
		}
		tax.TaxRates = append(tax.TaxRates, wireTaxRate{ID: t.ID, Key: t.Key, DisplayName: t.DisplayName,
			TaxPercent: money(t.Percent), Country: t.Country, State: t.State, ZipcodeType: zt,
			ZipcodePattern: t.ZipcodePattern, ZipcodeRangeFrom: t.ZipcodeRangeFrom, ZipcodeRangeTo: t.ZipcodeRangeTo})
	}
	for _, r := range s.TaxRules {
		tax.TaxRules = append(tax.TaxRules, wireTaxRule{ID: r.ID, Name: r.Name, Priority: r.Priority,
			ProductTaxClasses: refs(r.ProductTaxClasses), CustomerTaxClasses: refs(r.CustomerTaxClasses),
			TaxRates: refs(r.TaxRates)})
	}
	return payload{
		{"allowed_address_countries", countries(s.AddressCountries)},
		{"allowed_shipping_countries", countries(s.ShippingCountries)},
		{"customer_groups", groups},
		{"payment_methods", pays},
		{"tax", tax},
	}
}
