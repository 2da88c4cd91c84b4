package drophero

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/gormmodels"
)

// CartLine is a cart or order line for the shipping aggregation.
type CartLine struct {
	ProductID string
	Qty       decimal.Decimal
}

// ShippingOption is one checkout option: a DropHero shipping mode with the
// total for all DropHero lines of the cart.
type ShippingOption struct {
	ModeID       string
	Label        string
	Description  string
	TransitHours string
	Total        decimal.Decimal
}

// ItemShipping is the input of AggregateShipping for one DropHero line.
type ItemShipping struct {
	IDItem string
	Qty    decimal.Decimal
	Prices []ShippingPrice // all areas; filtered by the destination
}

// NoCommonModeError means the DropHero items of a cart cannot be shipped
// together to the destination: no mode is offered for all of them.
type NoCommonModeError struct {
	Country string
	Items   []string // iditems
}

// Error implements error.
func (e *NoCommonModeError) Error() string {
	return fmt.Sprintf("drophero: items %s cannot be shipped together to %s", strings.Join(e.Items, ", "), e.Country)
}

// AggregateShipping applies the guide's rule (spec §6.6): per mode, the sum
// over lines of per-unit price × qty, offering only modes every line has for
// country. modes supplies labels (fallback "Shipping mode {id}"). Options are
// ordered by total, then mode id. No lines give no options and no error.
func AggregateShipping(lines []ItemShipping, country string, modes map[string]ShippingMode) ([]ShippingOption, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	country = strings.ToUpper(strings.TrimSpace(country))
	totals := map[string]decimal.Decimal{}
	count := map[string]int{}
	for _, l := range lines {
		seen := map[string]bool{}
		for _, p := range l.Prices {
			if p.AreaISO != country || seen[p.ModeID] {
				continue
			}
			seen[p.ModeID] = true
			totals[p.ModeID] = totals[p.ModeID].Add(p.Price.Mul(l.Qty))
			count[p.ModeID]++
		}
	}
	var out []ShippingOption
	for id, t := range totals {
		if count[id] != len(lines) {
			continue
		}
		o := ShippingOption{ModeID: id, Label: "Shipping mode " + id, Total: t.Round(2)}
		if m, ok := modes[id]; ok && m.Name != "" {
			o.Label, o.Description, o.TransitHours = m.Name, m.Description, m.TransitHours
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		e := &NoCommonModeError{Country: country}
		for _, l := range lines {
			e.Items = append(e.Items, l.IDItem)
		}
		return nil, e
	}
	sort.Slice(out, func(i, j int) bool {
		if c := out[i].Total.Cmp(out[j].Total); c != 0 {
			return c < 0
		}
		return out[i].ModeID < out[j].ModeID
	})
	return out, nil
}

// ShippingOptions returns the DropHero shipping options of a cart for the
// destination country, reading links, shipping prices and the mode cache
// through db. Lines whose product is not an active DropHero product are
// ignored (they keep the shop's own shipping). A cart without DropHero lines
// gives no options and no error.
func (s *Service) ShippingOptions(ctx context.Context, db *gorm.DB, cart []CartLine, country string) ([]ShippingOption, error) {
	db = db.WithContext(ctx)
	pids := make([]string, 0, len(cart))
	for _, l := range cart {
		pids = append(pids, l.ProductID)
	}
	if len(pids) == 0 {
		return nil, nil
	}
	var links []gormmodels.DropHeroLink
	if err := db.Select("id_item", "product_id").Where("product_id IN ? AND active", pids).Find(&links).Error; err != nil {
		return nil, err
	}
	item := map[string]string{}
	var iditems []string
	for _, l := range links {
		item[l.ProductID] = l.IDItem
		iditems = append(iditems, l.IDItem)
	}
	if len(iditems) == 0 {
		return nil, nil
	}
	var rows []gormmodels.DropHeroShipping
	if err := db.Where("id_item IN ?", iditems).Find(&rows).Error; err != nil {
		return nil, err
	}
	prices := map[string][]ShippingPrice{}
	for _, r := range rows {
		prices[r.IDItem] = append(prices[r.IDItem], ShippingPrice{AreaISO: r.AreaISO, ModeID: r.ModeID, Price: r.Price})
	}
	var lines []ItemShipping
	for _, l := range cart {
		if id, ok := item[l.ProductID]; ok {
			lines = append(lines, ItemShipping{IDItem: id, Qty: l.Qty, Prices: prices[id]})
		}
	}
	var mrows []gormmodels.DropHeroShippingMode
	if err := db.Find(&mrows).Error; err != nil {
		return nil, err
	}
	modes := map[string]ShippingMode{}
	for _, m := range mrows {
		modes[m.ID] = ShippingMode{ID: m.ID, AreaISO: m.AreaISO, Name: m.Name, Description: m.Description, TransitHours: m.TransitHours}
	}
	return AggregateShipping(lines, country, modes)
}
