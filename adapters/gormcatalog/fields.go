package gormcatalog

import (
	"database/sql"
	"strings"

	"github.com/shopbridge/shopbridge/shopgate/export"
)

// field maps one configured expression onto an item value.
type field struct {
	column
	set func(it *export.Item, c *cell)
}

// itemFields lists the configured scalar fields in SELECT order.
func itemFields(f *ItemFields, ids []IdentifierColumn) []field {
	all := []field{
		{column{f.LastUpdate, kTime}, func(it *export.Item, c *cell) {
			if c.t.Valid {
				it.LastUpdate = c.t.Time
			}
		}},
		{column{f.Name, kStr}, func(it *export.Item, c *cell) { it.Name = c.str() }},
		{column{f.TaxPercent, kDec}, func(it *export.Item, c *cell) { it.TaxPercent = c.nullDec() }},
		{column{f.TaxClass, kStr}, func(it *export.Item, c *cell) { it.TaxClass = c.nullStr() }},
		{column{f.Currency, kStr}, func(it *export.Item, c *cell) { it.Currency = c.str() }},
		{column{f.Description, kStr}, func(it *export.Item, c *cell) { it.Description = c.str() }},
		{column{f.Deeplink, kStr}, func(it *export.Item, c *cell) { it.Deeplink = c.str() }},
		{column{f.PromotionSortOrder, kInt}, func(it *export.Item, c *cell) { it.PromotionSortOrder = c.nullInt() }},
		{column{f.InternalOrderInfo, kStr}, func(it *export.Item, c *cell) { it.InternalOrderInfo = c.str() }},
		{column{f.AgeRating, kInt}, func(it *export.Item, c *cell) { it.AgeRating = c.nullInt() }},
		{column{f.Weight, kDec}, func(it *export.Item, c *cell) { it.Weight = c.nullDec() }},
		{column{f.WeightUnit, kStr}, func(it *export.Item, c *cell) { it.WeightUnit = c.str() }},
		{column{f.PriceType, kStr}, func(it *export.Item, c *cell) { it.Prices.Type = c.str() }},
		{column{f.Price, kDec}, func(it *export.Item, c *cell) { it.Prices.Price = c.nullDec() }},
		{column{f.Cost, kDec}, func(it *export.Item, c *cell) { it.Prices.Cost = c.nullDec() }},
		{column{f.SalePrice, kDec}, func(it *export.Item, c *cell) { it.Prices.SalePrice = c.nullDec() }},
		{column{f.MSRP, kDec}, func(it *export.Item, c *cell) { it.Prices.MSRP = c.nullDec() }},
		{column{f.MinimumOrderAmount, kDec}, func(it *export.Item, c *cell) { it.Prices.MinimumOrderAmount = c.nullDec() }},
		{column{f.BasePrice, kStr}, func(it *export.Item, c *cell) { it.Prices.BasePrice = c.nullStr() }},
		{column{f.ShippingCostsPerOrder, kDec}, func(it *export.Item, c *cell) { it.Shipping.CostsPerOrder = c.nullDec() }},
		{column{f.ShippingAdditionalCostsPerUnit, kDec}, func(it *export.Item, c *cell) {
			it.Shipping.AdditionalCostsPerUnit = c.nullDec()
		}},
		{column{f.ShippingIsFree, kBool}, func(it *export.Item, c *cell) { it.Shipping.IsFree = c.b.Bool }},
		{column{f.ManufacturerUID, kStr}, func(it *export.Item, c *cell) { it.Manufacturer.UID = c.str() }},
		{column{f.ManufacturerTitle, kStr}, func(it *export.Item, c *cell) { it.Manufacturer.Title = nonEmpty(c) }},
		{column{f.ManufacturerItemNumber, kStr}, func(it *export.Item, c *cell) { it.Manufacturer.ItemNumber = nonEmpty(c) }},
		{column{f.VisibilityLevel, kStr}, func(it *export.Item, c *cell) { it.Visibility.Level = c.str() }},
		{column{f.Marketplace, kBool}, func(it *export.Item, c *cell) { it.Visibility.Marketplace = c.b.Bool }},
		{column{f.IsSaleable, kBool}, func(it *export.Item, c *cell) { it.Stock.IsSaleable = c.b.Bool }},
		{column{f.Backorders, kBool}, func(it *export.Item, c *cell) { it.Stock.Backorders = c.b.Bool }},
		{column{f.UseStock, kBool}, func(it *export.Item, c *cell) { it.Stock.UseStock = c.b.Bool }},
		{column{f.StockQuantity, kInt}, func(it *export.Item, c *cell) { it.Stock.StockQuantity = c.nullInt() }},
		{column{f.MinimumOrderQuantity, kInt}, func(it *export.Item, c *cell) { it.Stock.MinimumOrderQuantity = c.nullInt() }},
		{column{f.MaximumOrderQuantity, kInt}, func(it *export.Item, c *cell) { it.Stock.MaximumOrderQuantity = c.nullInt() }},
		{column{f.AvailabilityText, kStr}, func(it *export.Item, c *cell) { it.Stock.AvailabilityText = c.nullStr() }},
		{column{f.DisplayType, kStr}, func(it *export.Item, c *cell) { it.DisplayType = c.str() }},
	}
	var out []field
	for _, fl := range all {
		if fl.expr != "" {
			out = append(out, fl)
		}
	}
	for _, id := range ids {
		if id.Expr == "" {
			continue
		}
		id := id
		n := len(ids)
		out = append(out, field{column{id.Expr, kStr}, func(it *export.Item, c *cell) {
			// The bare code (docs/protocol/catalog-export.md#identifiers):
			// padding of char(n) columns and stray spaces are dropped, a blank
			// value skipped.
			if v := strings.TrimSpace(c.s.String); v != "" {
				if it.Identifiers == nil {
					it.Identifiers = make([]export.Identifier, 0, n)
				}
				it.Identifiers = append(it.Identifiers, export.Identifier{UID: id.UID, Type: id.Type, Value: v})
			}
		}})
	}
	return out
}

// nonEmpty treats an empty text column like NULL, for OMIT elements whose
// empty form carries no information (manufacturer title and number).
func nonEmpty(c *cell) (v sql.Null[string]) {
	if c.s.Valid && c.s.String != "" {
		v.V, v.Valid = c.s.String, true
	}
	return v
}
