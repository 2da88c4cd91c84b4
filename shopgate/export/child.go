package export

import (
	"database/sql"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// writeChild writes one variant in the sparse form of
// docs/protocol/catalog-export.md#variants:
// step 0 (inherit unset values), step A (drop values equal to the parent)
// and step B (prune elements without text) — computed directly while
// writing instead of re-parsing a DOM as the SDK does.
func writeChild(e *enc, c, p *Item) {
	r, skip := resolveChild(c, p)
	e.prune = true
	writeItem(e, &r, true, skip)
	e.prune = false
}

// resolveChild returns the child reduced to what differs from the parent,
// and the groups to leave out.
func resolveChild(c, p *Item) (Item, omit) {
	r := *c
	var skip omit
	r.Children = nil

	r.UID = dropStr(r.UID, p.UID)
	if r.LastUpdate.IsZero() || r.LastUpdate.Equal(p.LastUpdate) {
		r.LastUpdate = time.Time{}
	}
	r.Name = dropStr(r.Name, p.Name)
	r.TaxPercent = dropDec(r.TaxPercent, p.TaxPercent)
	r.TaxClass = dropNullStr(r.TaxClass, p.TaxClass)
	r.Currency = dropStr(r.Currency, p.Currency)
	r.Description = dropStr(r.Description, p.Description)
	r.Deeplink = dropStr(r.Deeplink, p.Deeplink)
	r.PromotionSortOrder = dropInt(r.PromotionSortOrder, p.PromotionSortOrder)
	r.InternalOrderInfo = dropStr(r.InternalOrderInfo, p.InternalOrderInfo)
	r.AgeRating = dropInt(r.AgeRating, p.AgeRating)
	r.Weight = dropDec(r.Weight, p.Weight)
	r.WeightUnit = dropStr(r.WeightUnit, p.WeightUnit)
	r.DisplayType = dropStr(r.DisplayType, p.DisplayType)

	// Groups: inherit unset parts, then leave out when equal as a whole.
	r.Prices = inheritPrices(r.Prices, &p.Prices)
	if eqPrices(&r.Prices, &p.Prices) {
		skip |= omitPrices
	}
	if r.Shipping == (Shipping{}) {
		r.Shipping = p.Shipping
	}
	r.Shipping.CostsPerOrder = inheritDec(r.Shipping.CostsPerOrder, p.Shipping.CostsPerOrder)
	r.Shipping.AdditionalCostsPerUnit = inheritDec(r.Shipping.AdditionalCostsPerUnit, p.Shipping.AdditionalCostsPerUnit)
	if eqShipping(&r.Shipping, &p.Shipping) {
		skip |= omitShipping
	}
	if r.Manufacturer == (Manufacturer{}) {
		r.Manufacturer = p.Manufacturer
	}
	if r.Manufacturer.UID == "" {
		r.Manufacturer.UID = p.Manufacturer.UID
	}
	r.Manufacturer.Title = inheritNullStr(r.Manufacturer.Title, p.Manufacturer.Title)
	r.Manufacturer.ItemNumber = inheritNullStr(r.Manufacturer.ItemNumber, p.Manufacturer.ItemNumber)
	if r.Manufacturer.UID == p.Manufacturer.UID && eqNullStr(r.Manufacturer.Title, p.Manufacturer.Title) &&
		eqNullStr(r.Manufacturer.ItemNumber, p.Manufacturer.ItemNumber) {
		skip |= omitManufacturer
	}
	if r.Visibility == (Visibility{}) || r.Visibility == p.Visibility {
		skip |= omitVisibility
	}
	if r.Stock == (Stock{}) {
		r.Stock = p.Stock
	}
	r.Stock.StockQuantity = inheritInt(r.Stock.StockQuantity, p.Stock.StockQuantity)
	r.Stock.MinimumOrderQuantity = inheritInt(r.Stock.MinimumOrderQuantity, p.Stock.MinimumOrderQuantity)
	r.Stock.MaximumOrderQuantity = inheritInt(r.Stock.MaximumOrderQuantity, p.Stock.MaximumOrderQuantity)
	r.Stock.AvailabilityText = inheritNullStr(r.Stock.AvailabilityText, p.Stock.AvailabilityText)
	if eqStock(&r.Stock, &p.Stock) {
		skip |= omitStock
	}

	// Lists: an empty list inherits, an equal list is dropped.
	if slices.EqualFunc(r.Images, p.Images, eqImage) {
		r.Images = nil
	}
	if slices.Equal(r.Categories, p.Categories) {
		r.Categories = nil
	}
	if slices.Equal(r.Properties, p.Properties) {
		r.Properties = nil
	}
	if slices.Equal(r.Identifiers, p.Identifiers) {
		r.Identifiers = nil
	}
	if slices.Equal(r.Tags, p.Tags) {
		r.Tags = nil
	}
	if slices.EqualFunc(r.Relations, p.Relations, eqRelation) {
		r.Relations = nil
	}
	if slices.Equal(r.Attributes, p.Attributes) {
		r.Attributes = nil
	}
	if slices.EqualFunc(r.Inputs, p.Inputs, eqInput) {
		r.Inputs = nil
	}
	return r, skip
}

func dropStr(c, p string) string {
	if c == p {
		return ""
	}
	return c
}

func dropNullStr(c, p sql.Null[string]) sql.Null[string] {
	if !c.Valid || c.V == "" || eqNullStr(c, p) {
		return sql.Null[string]{}
	}
	return c
}

func dropInt(c, p sql.Null[int64]) sql.Null[int64] {
	if !c.Valid || c == p {
		return sql.Null[int64]{}
	}
	return c
}

func dropDec(c, p sql.Null[decimal.Decimal]) sql.Null[decimal.Decimal] {
	if !c.Valid || eqDec(c, p) {
		return sql.Null[decimal.Decimal]{}
	}
	return c
}

func inheritDec(c, p sql.Null[decimal.Decimal]) sql.Null[decimal.Decimal] {
	if c.Valid {
		return c
	}
	return p
}

func inheritInt(c, p sql.Null[int64]) sql.Null[int64] {
	if c.Valid {
		return c
	}
	return p
}

func inheritNullStr(c, p sql.Null[string]) sql.Null[string] {
	if c.Valid && c.V != "" {
		return c
	}
	return p
}

func inheritPrices(c Prices, p *Prices) Prices {
	if c.Type == "" {
		c.Type = p.Type
	}
	c.Price = inheritDec(c.Price, p.Price)
	c.Cost = inheritDec(c.Cost, p.Cost)
	c.SalePrice = inheritDec(c.SalePrice, p.SalePrice)
	c.MSRP = inheritDec(c.MSRP, p.MSRP)
	c.MinimumOrderAmount = inheritDec(c.MinimumOrderAmount, p.MinimumOrderAmount)
	c.BasePrice = inheritNullStr(c.BasePrice, p.BasePrice)
	if len(c.TierPrices) == 0 {
		c.TierPrices = p.TierPrices
	}
	return c
}

// eqNullStr is the SDK's loose equality for strings: no value equals "".
func eqNullStr(a, b sql.Null[string]) bool {
	return a.V == b.V || (!a.Valid && b.V == "") || (!b.Valid && a.V == "")
}

// eqDec compares numbers numerically; no value equals only no value.
func eqDec(a, b sql.Null[decimal.Decimal]) bool {
	if a.Valid != b.Valid {
		return false
	}
	return !a.Valid || a.V.Equal(b.V)
}

func eqPrices(a, b *Prices) bool {
	return a.Type == b.Type && eqDec(a.Price, b.Price) && eqDec(a.Cost, b.Cost) &&
		eqDec(a.SalePrice, b.SalePrice) && eqDec(a.MSRP, b.MSRP) &&
		eqDec(a.MinimumOrderAmount, b.MinimumOrderAmount) && eqNullStr(a.BasePrice, b.BasePrice) &&
		slices.EqualFunc(a.TierPrices, b.TierPrices, func(x, y TierPrice) bool {
			return x.AggregateChildren == y.AggregateChildren && x.Threshold == y.Threshold &&
				x.MaxQuantity == y.MaxQuantity && x.Type == y.Type &&
				x.CustomerGroupUID == y.CustomerGroupUID && x.Reduction.Equal(y.Reduction)
		})
}

func eqShipping(a, b *Shipping) bool {
	return a.IsFree == b.IsFree && eqDec(a.CostsPerOrder, b.CostsPerOrder) &&
		eqDec(a.AdditionalCostsPerUnit, b.AdditionalCostsPerUnit)
}

func eqStock(a, b *Stock) bool {
	return a.IsSaleable == b.IsSaleable && a.Backorders == b.Backorders && a.UseStock == b.UseStock &&
		a.StockQuantity == b.StockQuantity && a.MinimumOrderQuantity == b.MinimumOrderQuantity &&
		a.MaximumOrderQuantity == b.MaximumOrderQuantity && eqNullStr(a.AvailabilityText, b.AvailabilityText)
}

func eqImage(a, b Image) bool {
	return a.UID == b.UID && a.SortOrder == b.SortOrder && a.IsCover == b.IsCover && a.URL == b.URL &&
		eqNullStr(a.Title, b.Title) && eqNullStr(a.Alt, b.Alt)
}

func eqRelation(a, b Relation) bool {
	return a.Type == b.Type && a.Label == b.Label && slices.Equal(a.UIDs, b.UIDs)
}

func eqInput(a, b Input) bool {
	return a.UID == b.UID && a.Type == b.Type && a.Required == b.Required &&
		eqDec(a.AdditionalPrice, b.AdditionalPrice) && a.SortOrder == b.SortOrder &&
		a.Label == b.Label && a.InfoText == b.InfoText && a.ValidationType == b.ValidationType &&
		a.Validation == b.Validation &&
		slices.EqualFunc(a.Options, b.Options, func(x, y Option) bool {
			return eqDec(x.AdditionalPrice, y.AdditionalPrice) && x.UID == y.UID &&
				x.SortOrder == y.SortOrder && x.Label == y.Label && x.Value == y.Value
		})
}
