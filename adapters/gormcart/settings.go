package gormcart

import (
	"context"
	"errors"
	"strings"
	"sync"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
	"github.com/shopbridge/shopbridge/shopgate"
)

// SettingsConfig maps the host's tables for get_settings
// (docs/protocol/cart.md#get_settings). Every part is optional; a missing
// part is answered as an empty list.
type SettingsConfig struct {
	// DB is the host database. Required.
	DB             *gorm.DB
	CustomerGroups *CustomerGroups
	// AddressCountries are the countries allowed in addresses; nil: the
	// shipping countries.
	AddressCountries *Countries
	// ShippingCountries are the countries shipped to; nil: the distinct
	// countries of Shipping.
	ShippingCountries *Countries
	// Shipping is the cart's shipping mapping (for ShippingCountries).
	Shipping *Shipping
	// Payments is the cart's payment mapping (ID and Name are used).
	Payments           *Payments
	ProductTaxClasses  *TaxClasses
	CustomerTaxClasses *TaxClasses
	// TaxRates are the rates per country; the tax rules are derived from
	// them: one rule per product tax class, linking its rates with every
	// customer tax class.
	TaxRates *TaxRates
}

// CustomerGroups maps the customer group table.
type CustomerGroups struct {
	From        string
	ID          string
	Name        string
	IsDefault   string // boolean expression, e.g. "g.name = 'Retail'"
	TaxClassKey string
	Where       string
}

// Countries maps a list of countries (one row per country or per country
// and state).
type Countries struct {
	From    string
	Country string
	State   string // empty or NULL: all states
	Where   string
}

// TaxClasses maps tax classes.
type TaxClasses struct {
	From      string
	ID        string
	Key       string
	IsDefault string // customer tax classes
	Where     string
}

// TaxRates maps tax rates, one row per class and country.
type TaxRates struct {
	From        string
	ID          string
	Key         string
	DisplayName string
	Percent     string
	Country     string
	State       string
	// ProductTaxClass is the id of the product tax class the rate is for.
	ProductTaxClass string
	// CustomerTaxClass, when set, is the id of the one customer tax class
	// the rate is for (NULL: every customer tax class), e.g. a 0 % rate
	// for business buyers (docs/protocol/cart.md#taxes-by-destination).
	CustomerTaxClass string
	Where            string
}

// Settings is an adapters.SettingsSource on the host's tables.
type Settings struct {
	cfg    SettingsConfig
	local  bool
	mu     sync.Mutex
	byShop map[string]SettingsConfig
}

var _ adapters.SettingsSource = (*Settings)(nil)

// NewSettings returns a Settings source for cfg.
func NewSettings(cfg SettingsConfig) (*Settings, error) {
	if cfg.DB == nil {
		return nil, errors.New("gormcart: SettingsConfig.DB is nil")
	}
	for name, ok := range map[string]bool{
		"CustomerGroups":     cfg.CustomerGroups == nil || (cfg.CustomerGroups.From != "" && cfg.CustomerGroups.ID != ""),
		"AddressCountries":   cfg.AddressCountries == nil || (cfg.AddressCountries.From != "" && cfg.AddressCountries.Country != ""),
		"ShippingCountries":  cfg.ShippingCountries == nil || (cfg.ShippingCountries.From != "" && cfg.ShippingCountries.Country != ""),
		"ProductTaxClasses":  cfg.ProductTaxClasses == nil || (cfg.ProductTaxClasses.From != "" && cfg.ProductTaxClasses.ID != ""),
		"CustomerTaxClasses": cfg.CustomerTaxClasses == nil || (cfg.CustomerTaxClasses.From != "" && cfg.CustomerTaxClasses.ID != ""),
		"TaxRates":           cfg.TaxRates == nil || (cfg.TaxRates.From != "" && cfg.TaxRates.ID != "" && cfg.TaxRates.Percent != ""),
	} {
		if !ok {
			return nil, errors.New("gormcart: SettingsConfig." + name + " needs From and ID (Country, Percent)")
		}
	}
	s := &Settings{cfg: cfg, byShop: map[string]SettingsConfig{}}
	db := cfg.DB
	cfg.DB = nil
	s.local = gormcatalog.HasPlaceholders(cfg)
	s.cfg.DB = db
	return s, nil
}

func (s *Settings) forShop(shop adapters.Shop) SettingsConfig {
	if !s.local {
		return s.cfg
	}
	key := strings.ToLower(shop.Language) + "/" + strings.ToUpper(shop.Currency)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.byShop[key]; ok {
		return c
	}
	c := s.cfg
	c.DB = nil
	c = gormcatalog.Localize(c, shop)
	c.DB = s.cfg.DB
	s.byShop[key] = c
	return c
}

// Settings reads the settings of shop.
func (s *Settings) Settings(ctx context.Context, shop adapters.Shop) (*adapters.Settings, error) {
	cfg := s.forShop(shop)
	db := cfg.DB
	out := &adapters.Settings{}
	fail := func(what string, err error) (*adapters.Settings, error) {
		return nil, shopgate.DatabaseError("load "+what, err)
	}
	if g := cfg.CustomerGroups; g != nil {
		rows, err := query(ctx, db, selectSQL(g.From, g.Where, g.ID, g.Name, g.IsDefault, g.TaxClassKey)+" ORDER BY "+g.ID)
		if err != nil {
			return fail("customer groups", err)
		}
		for _, r := range rows {
			out.CustomerGroups = append(out.CustomerGroups, adapters.SettingsCustomerGroup{ID: str(r[0]), Name: str(r[1]),
				IsDefault: boolean(r[2]), TaxClassKey: str(r[3])})
		}
	}
	var err error
	if c := cfg.ShippingCountries; c != nil {
		out.ShippingCountries, err = countries(ctx, db, c)
	} else if sh := cfg.Shipping; sh != nil {
		out.ShippingCountries, err = countries(ctx, db, &Countries{From: sh.From, Country: sh.Country, Where: sh.Where})
	}
	if err != nil {
		return fail("shipping countries", err)
	}
	if c := cfg.AddressCountries; c != nil {
		if out.AddressCountries, err = countries(ctx, db, c); err != nil {
			return fail("address countries", err)
		}
	} else {
		out.AddressCountries = out.ShippingCountries
	}
	if p := cfg.Payments; p != nil {
		q := selectSQL(p.From, p.Where, p.ID, p.Name) + " ORDER BY "
		if p.SortOrder != "" {
			q += p.SortOrder + ", "
		}
		rows, err := query(ctx, db, q+p.ID)
		if err != nil {
			return fail("payment methods", err)
		}
		for _, r := range rows {
			out.PaymentMethods = append(out.PaymentMethods, adapters.SettingsPaymentMethod{ID: str(r[0]), Name: str(r[1])})
		}
	}
	classes := func(t *TaxClasses) ([]adapters.TaxClassRef, error) {
		if t == nil {
			return nil, nil
		}
		rows, err := query(ctx, db, selectSQL(t.From, t.Where, t.ID, t.Key, t.IsDefault)+" ORDER BY "+t.ID)
		if err != nil {
			return nil, err
		}
		var out []adapters.TaxClassRef
		for _, r := range rows {
			out = append(out, adapters.TaxClassRef{ID: str(r[0]), Key: str(r[1]), IsDefault: boolean(r[2])})
		}
		return out, nil
	}
	if out.ProductTaxClasses, err = classes(cfg.ProductTaxClasses); err != nil {
		return fail("product tax classes", err)
	}
	if out.CustomerTaxClasses, err = classes(cfg.CustomerTaxClasses); err != nil {
		return fail("customer tax classes", err)
	}
	if t := cfg.TaxRates; t != nil {
		rows, err := query(ctx, db, selectSQL(t.From, t.Where, t.ID, t.Key, t.DisplayName, t.Percent, t.Country, t.State,
			t.ProductTaxClass, t.CustomerTaxClass)+" ORDER BY "+t.ID)
		if err != nil {
			return fail("tax rates", err)
		}
		// One rule per product tax class for its rates that hold for
		// every customer tax class, and one per product and customer tax
		// class for the rates limited to a customer tax class
		// (docs/protocol/cart.md#taxes-by-destination).
		type ruleKey struct{ product, customer string }
		byRule := map[ruleKey][]adapters.TaxClassRef{}
		var limited []ruleKey
		for _, r := range rows {
			rate := adapters.TaxRate{ID: str(r[0]), Key: str(r[1]), DisplayName: str(r[2]), Country: strings.ToUpper(str(r[4])),
				State: str(r[5]), ZipcodeType: "all"}
			rate.Percent, _ = dec(r[3])
			if rate.Key == "" {
				rate.Key = rate.ID
			}
			out.TaxRates = append(out.TaxRates, rate)
			k := ruleKey{str(r[6]), str(r[7])}
			if _, ok := byRule[k]; !ok && k.customer != "" {
				limited = append(limited, k)
			}
			byRule[k] = append(byRule[k], adapters.TaxClassRef{ID: rate.ID, Key: rate.Key})
		}
		for _, pc := range out.ProductTaxClasses {
			products := []adapters.TaxClassRef{{ID: pc.ID, Key: pc.Key}}
			if rates := byRule[ruleKey{pc.ID, ""}]; len(rates) > 0 {
				out.TaxRules = append(out.TaxRules, adapters.TaxRule{ID: pc.ID, Name: pc.Key, ProductTaxClasses: products,
					CustomerTaxClasses: refsOf(out.CustomerTaxClasses), TaxRates: rates})
			}
			for _, k := range limited {
				if k.product != pc.ID {
					continue
				}
				var customers []adapters.TaxClassRef
				name := pc.Key + " / " + k.customer
				for _, cc := range out.CustomerTaxClasses {
					if cc.ID == k.customer {
						customers = append(customers, adapters.TaxClassRef{ID: cc.ID, Key: cc.Key})
						name = pc.Key + " / " + cc.Key
					}
				}
				if len(customers) == 0 {
					continue // an unknown customer tax class: no rule can name it
				}
				out.TaxRules = append(out.TaxRules, adapters.TaxRule{ID: pc.ID + "-" + k.customer, Name: name,
					ProductTaxClasses: products, CustomerTaxClasses: customers, TaxRates: byRule[k]})
			}
		}
	}
	return out, nil
}

func refsOf(l []adapters.TaxClassRef) []adapters.TaxClassRef {
	out := make([]adapters.TaxClassRef, 0, len(l))
	for _, r := range l {
		out = append(out, adapters.TaxClassRef{ID: r.ID, Key: r.Key})
	}
	return out
}

// countries reads a country list, grouping states per country in order of
// first appearance.
func countries(ctx context.Context, db *gorm.DB, c *Countries) ([]adapters.AllowedCountry, error) {
	rows, err := query(ctx, db, selectSQL(c.From, c.Where, "UPPER("+c.Country+")", c.State)+" ORDER BY 1")
	if err != nil {
		return nil, err
	}
	idx := map[string]int{}
	all := map[string]bool{}
	var out []adapters.AllowedCountry
	for _, r := range rows {
		cc, st := str(r[0]), str(r[1])
		i, ok := idx[cc]
		if !ok {
			i = len(out)
			idx[cc] = i
			out = append(out, adapters.AllowedCountry{Country: cc})
		}
		if st == "" {
			all[cc] = true
		} else if !contains(out[i].States, st) {
			out[i].States = append(out[i].States, st)
		}
	}
	for i := range out {
		if all[out[i].Country] {
			out[i].States = nil
		}
	}
	return out, nil
}
