package dropship

import (
	"context"

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
		return nil, err
	}
	modes := map[string]drophero.ShippingMode{}
	for _, m := range mrows {
		modes[m.ID] = drophero.ShippingMode{ID: m.ID, AreaISO: m.AreaISO, Name: m.Name, Description: m.Description, TransitHours: m.TransitHours}
	}
	return drophero.AggregateShipping(lines, country, modes)
}
