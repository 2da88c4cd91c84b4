package dropship

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/gormmodels"
)

// CartLine is a cart or order line for the shipping aggregation.
type CartLine struct {
	ProductID string
	Qty       decimal.Decimal
}

// ShippingOptions returns the DropHero shipping options of a cart for the
// destination country, reading links, shipping prices and the mode cache
// through db. Lines whose product is not an active DropHero product are
// ignored (they keep the shop's own shipping). A cart without DropHero lines
// gives no options and no error.
func (s *Service) ShippingOptions(ctx context.Context, db *gorm.DB, cart []CartLine, country string) ([]drophero.ShippingOption, error) {
	db = db.WithContext(ctx)
	item, err := activeLinks(db, cart)
	if err != nil {
		return nil, err
	}
	return shippingOptions(db, cart, item, country)
}

// activeLinks maps the products of cart that have an active DropHero link
// to their iditems.
func activeLinks(db *gorm.DB, cart []CartLine) (map[string]string, error) {
	pids := make([]string, 0, len(cart))
	seen := make(map[string]bool, len(cart))
	for _, l := range cart {
		if !seen[l.ProductID] {
			seen[l.ProductID] = true
			pids = append(pids, l.ProductID)
		}
	}
	item := map[string]string{}
	if len(pids) == 0 {
		return item, nil
	}
	var links []gormmodels.DropHeroLink
	if err := db.Select("id_item", "product_id").Where("product_id IN ? AND active", pids).Find(&links).Error; err != nil {
		return nil, fmt.Errorf("drophero links: %w", err)
	}
	for _, l := range links {
		item[l.ProductID] = l.IDItem
	}
	return item, nil
}

// shippingOptions aggregates the lines of cart whose product is in item
// (product id → iditem).
func shippingOptions(db *gorm.DB, cart []CartLine, item map[string]string, country string) ([]drophero.ShippingOption, error) {
	var iditems []string
	for _, id := range item {
		iditems = append(iditems, id)
	}
	if len(iditems) == 0 {
		return nil, nil
	}
	var rows []gormmodels.DropHeroShipping
	if err := db.Where("id_item IN ?", iditems).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("drophero shipping prices: %w", err)
	}
	prices := map[string][]drophero.ShippingPrice{}
	for _, r := range rows {
		prices[r.IDItem] = append(prices[r.IDItem], drophero.ShippingPrice{AreaISO: r.AreaISO, ModeID: r.ModeID, Price: r.Price})
	}
	var lines []drophero.ItemShipping
	for _, l := range cart {
		if id, ok := item[l.ProductID]; ok {
			lines = append(lines, drophero.ItemShipping{IDItem: id, Qty: l.Qty, Prices: prices[id]})
		}
	}
	var mrows []gormmodels.DropHeroShippingMode
	if err := db.Find(&mrows).Error; err != nil {
		return nil, fmt.Errorf("drophero shipping modes: %w", err)
	}
	modes := map[string]drophero.ShippingMode{}
	for _, m := range mrows {
		modes[m.ID] = drophero.ShippingMode{ID: m.ID, AreaISO: m.AreaISO, Name: m.Name, Description: m.Description, TransitHours: m.TransitHours}
	}
	return drophero.AggregateShipping(lines, country, modes)
}

// CountryShipping is what one unit of a product costs to ship to a
// country, one option per DropHero mode.
type CountryShipping struct {
	Country string // ISO 3166-1 alpha-2
	Options []drophero.ShippingOption
}

// ProductShipping lists the countries an active DropHero product ships to,
// with the options for one unit, ordered by country; ok is false when the
// product is not an active DropHero product. Shops show it on product pages
// (docs/protocol/drophero.md#shipping-aggregation).
func (s *Service) ProductShipping(ctx context.Context, db *gorm.DB, productID string) (ships []CountryShipping, ok bool, err error) {
	db = db.WithContext(ctx)
	var links []gormmodels.DropHeroLink
	if err := db.Select("id_item").Where("product_id = ? AND active", productID).Limit(1).Find(&links).Error; err != nil || len(links) == 0 {
		return nil, false, err
	}
	var areas []string
	if err := db.Model(&gormmodels.DropHeroShipping{}).Where("id_item = ?", links[0].IDItem).
		Distinct("area_iso").Order("area_iso").Pluck("area_iso", &areas).Error; err != nil {
		return nil, true, err
	}
	for _, c := range areas {
		opts, err := s.ShippingOptions(ctx, db, []CartLine{{ProductID: productID, Qty: decimal.NewFromInt(1)}}, c)
		if err != nil {
			return nil, true, err
		}
		if len(opts) > 0 {
			ships = append(ships, CountryShipping{Country: c, Options: opts})
		}
	}
	return ships, true, nil
}
