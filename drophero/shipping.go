package drophero

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

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
	// Undeliverable are the iditems (of Items) that have no mode at all
	// for Country; when it is empty, every item ships there on its own
	// but not together with the others.
	Undeliverable []string
}

// Error implements error.
func (e *NoCommonModeError) Error() string {
	return fmt.Sprintf("drophero: items %s cannot be shipped together to %s", strings.Join(e.Items, ", "), e.Country)
}

// AggregateShipping applies the guide's rule
// (docs/protocol/drophero.md#shipping-aggregation): per mode, the sum over
// lines of per-unit price × qty, offering only modes every line has for
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
	var none []string
	for _, l := range lines {
		has := false
		for _, p := range l.Prices {
			has = has || p.AreaISO == country
		}
		if !has && !slices.Contains(none, l.IDItem) {
			none = append(none, l.IDItem)
		}
	}
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
		e := &NoCommonModeError{Country: country, Undeliverable: none}
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
