package export

import (
	"database/sql"

	"github.com/shopspring/decimal"
)

// omit marks groups of a child that equal the parent's and are left out.
type omit uint8

const (
	omitPrices omit = 1 << iota
	omitShipping
	omitManufacturer
	omitVisibility
	omitStock
)

// writeItem serialises it in the order of
// docs/protocol/catalog-export.md#element-tree-and-presence. A child is
// written with its <attributes> and without <children>; the caller has
// already resolved it and switched the encoder to prune mode.
func writeItem(e *enc, it *Item, child bool, skip omit) {
	s := e.open("item")
	e.attrOpt("uid", it.UID)
	if !it.LastUpdate.IsZero() {
		e.b = append(e.b, ` last_update="`...)
		e.b = appendTime(e.b, it.LastUpdate)
		e.b = append(e.b, '"')
	}
	if child && it.DefaultChild {
		e.b = append(e.b, ` default_child="1"`...)
	}
	e.body(&s)

	e.cdataField("name", it.Name, it.Blank&FieldName != 0)
	if it.TaxPercent.Valid {
		var tmp [40]byte
		e.raw("tax_percent", appendDecimalRound(tmp[:0], it.TaxPercent.V, 2))
	}
	if it.Blank&FieldTaxClass != 0 {
		e.blank("tax_class")
	} else if it.TaxClass.Valid {
		e.cdata("tax_class", it.TaxClass.V)
	}
	if it.Blank&FieldCurrency != 0 {
		e.blank("currency")
	} else {
		e.text("currency", it.Currency)
	}
	e.cdataField("description", it.Description, it.Blank&FieldDescription != 0)
	e.cdataField("deeplink", it.Deeplink, it.Blank&FieldDeeplink != 0)

	p := e.open("promotion")
	e.attrInt("sort_order", it.PromotionSortOrder.V, it.PromotionSortOrder.Valid)
	e.body(&p)
	e.close(p, "promotion")

	e.cdataField("internal_order_info", it.InternalOrderInfo, it.Blank&FieldInternalOrderInfo != 0)
	if it.AgeRating.Valid {
		e.intElem("age_rating", it.AgeRating.V, true)
	}

	w := e.open("weight")
	e.attrOpt("unit", it.WeightUnit)
	e.body(&w)
	if it.Weight.Valid {
		e.b = appendDecimal(e.b, it.Weight.V)
		e.kept++
	}
	e.close(w, "weight")

	if skip&omitPrices == 0 {
		writePrices(e, &it.Prices)
	}

	l := e.open("images")
	e.body(&l)
	for i := range it.Images {
		writeImage(e, &it.Images[i], true)
	}
	e.close(l, "images")

	l = e.open("categories")
	e.body(&l)
	for _, c := range it.Categories {
		s := e.open("category")
		e.attrOpt("uid", c.UID)
		e.attrInt("sort_order", c.SortOrder.V, c.SortOrder.Valid)
		e.body(&s)
		e.close(s, "category")
	}
	e.close(l, "categories")

	if skip&omitShipping == 0 {
		g := e.open("shipping")
		e.body(&g)
		e.decOmit("costs_per_order", it.Shipping.CostsPerOrder)
		e.decOmit("additional_costs_per_unit", it.Shipping.AdditionalCostsPerUnit)
		e.boolElem("is_free", it.Shipping.IsFree)
		e.close(g, "shipping")
	}

	if skip&omitManufacturer == 0 {
		g := e.open("manufacturer")
		e.attrOpt("uid", it.Manufacturer.UID)
		e.body(&g)
		e.cdataOmit("title", it.Manufacturer.Title)
		e.cdataOmit("item_number", it.Manufacturer.ItemNumber)
		e.close(g, "manufacturer")
	}

	if skip&omitVisibility == 0 {
		g := e.open("visibility")
		e.attrOpt("level", it.Visibility.Level)
		e.attrBool("marketplace", it.Visibility.Marketplace)
		e.body(&g)
		e.close(g, "visibility")
	}

	l = e.open("properties")
	e.body(&l)
	for _, pr := range it.Properties {
		s := e.open("property")
		e.attrOpt("uid", pr.UID)
		e.body(&s)
		e.cdata("label", pr.Label)
		e.cdata("value", pr.Value)
		e.close(s, "property")
	}
	e.close(l, "properties")

	if skip&omitStock == 0 {
		st := &it.Stock
		g := e.open("stock")
		e.body(&g)
		e.boolElem("is_saleable", st.IsSaleable)
		e.boolElem("backorders", st.Backorders)
		e.boolElem("use_stock", st.UseStock)
		e.intElem("stock_quantity", st.StockQuantity.V, st.StockQuantity.Valid)
		if st.MinimumOrderQuantity.Valid {
			e.intElem("minimum_order_quantity", st.MinimumOrderQuantity.V, true)
		}
		if st.MaximumOrderQuantity.Valid {
			e.intElem("maximum_order_quantity", st.MaximumOrderQuantity.V, true)
		}
		e.cdataOmit("availability_text", st.AvailabilityText)
		e.close(g, "stock")
	}

	l = e.open("identifiers")
	e.body(&l)
	for _, id := range it.Identifiers {
		s := e.open("identifier")
		e.attrOpt("uid", id.UID)
		e.attrOpt("type", id.Type)
		e.cdataIn(s, "identifier", id.Value)
	}
	e.close(l, "identifiers")

	l = e.open("tags")
	e.body(&l)
	for _, t := range it.Tags {
		s := e.open("tag")
		e.attrOpt("uid", t.UID)
		e.cdataIn(s, "tag", t.Value)
	}
	e.close(l, "tags")

	l = e.open("relations")
	e.body(&l)
	for i := range it.Relations {
		r := &it.Relations[i]
		s := e.open("relation")
		e.attrOpt("type", r.Type)
		e.body(&s)
		if r.Type == RelationCustom {
			e.cdata("label", r.Label)
		}
		for _, u := range r.UIDs {
			e.text("uid", u)
		}
		e.close(s, "relation")
	}
	e.close(l, "relations")

	if child {
		l = e.open("attributes")
		e.body(&l)
		for _, a := range it.Attributes {
			s := e.open("attribute")
			e.attrOpt("uid", a.UID)
			e.attrOpt("group_uid", a.GroupUID)
			e.cdataIn(s, "attribute", a.Label)
		}
		e.close(l, "attributes")
	} else {
		l = e.open("attribute_groups")
		e.body(&l)
		for _, g := range it.AttributeGroups {
			s := e.open("attribute_group")
			e.attrOpt("uid", g.UID)
			e.cdataIn(s, "attribute_group", g.Label)
		}
		e.close(l, "attribute_groups")
	}

	l = e.open("inputs")
	e.body(&l)
	for i := range it.Inputs {
		writeInput(e, &it.Inputs[i])
	}
	e.close(l, "inputs")

	if it.Blank&FieldDisplayType != 0 {
		e.blank("display_type")
	} else {
		e.text("display_type", it.DisplayType)
	}

	if !child {
		l = e.open("children")
		e.body(&l)
		for i := range it.Children {
			writeChild(e, &it.Children[i], it)
		}
		e.close(l, "children")
	}
	e.close(s, "item")
}

func writePrices(e *enc, pr *Prices) {
	g := e.open("prices")
	e.attrOpt("type", pr.Type)
	e.body(&g)
	e.decOmit("price", pr.Price)
	e.decOmit("cost", pr.Cost)
	e.decOmit("sale_price", pr.SalePrice)
	e.decOmit("msrp", pr.MSRP)
	e.decOmit("minimum_order_amount", pr.MinimumOrderAmount)
	e.cdataOmit("base_price", pr.BasePrice)
	if len(pr.TierPrices) > 0 {
		l := e.open("tier_prices")
		e.body(&l)
		for i := range pr.TierPrices {
			tp := &pr.TierPrices[i]
			s := e.open("tier_price")
			e.attrBool("aggregate_children", tp.AggregateChildren)
			e.attrInt("threshold", tp.Threshold.V, tp.Threshold.Valid)
			e.attrInt("max_quantity", tp.MaxQuantity.V, tp.MaxQuantity.Valid)
			e.attrOpt("type", tp.Type)
			e.attrOpt("customer_group_uid", tp.CustomerGroupUID)
			e.body(&s)
			e.b = appendDecimal(e.b, tp.Reduction)
			e.kept++
			e.close(s, "tier_price")
		}
		e.close(l, "tier_prices")
	}
	e.close(g, "prices")
}

func writeImage(e *enc, im *Image, cover bool) {
	s := e.open("image")
	e.attrOpt("uid", im.UID)
	e.attrInt("sort_order", im.SortOrder.V, im.SortOrder.Valid)
	if cover {
		e.attrBool("is_cover", im.IsCover)
	}
	e.body(&s)
	e.cdata("url", im.URL)
	e.cdataOmit("title", im.Title)
	e.cdataOmit("alt", im.Alt)
	e.close(s, "image")
}

func writeInput(e *enc, in *Input) {
	s := e.open("input")
	e.attrOpt("uid", in.UID)
	e.attrOpt("type", in.Type)
	e.attrBool("required", in.Required)
	e.attrDec("additional_price", in.AdditionalPrice.V, in.AdditionalPrice.Valid)
	e.attrInt("sort_order", in.SortOrder.V, in.SortOrder.Valid)
	e.body(&s)
	e.cdata("label", in.Label)
	e.cdata("info_text", in.InfoText)
	l := e.open("options")
	e.body(&l)
	for i := range in.Options {
		o := &in.Options[i]
		os := e.open("option")
		e.attrDec("additional_price", o.AdditionalPrice.V, o.AdditionalPrice.Valid)
		e.attrOpt("uid", o.UID)
		e.attrInt("sort_order", o.SortOrder.V, o.SortOrder.Valid)
		e.body(&os)
		e.cdata("label", o.Label)
		e.cdata("value", o.Value)
		e.close(os, "option")
	}
	e.close(l, "options")
	v := e.open("validation")
	e.attrOpt("type", in.ValidationType)
	e.cdataIn(v, "validation", in.Validation)
	e.close(s, "input")
}

// cdataField writes an ALWAYS CDATA element, explicitly empty when blank.
func (e *enc) cdataField(name, v string, blank bool) {
	if blank {
		e.blank(name)
		return
	}
	e.cdata(name, v)
}

// cdataOmit writes an OMIT CDATA element.
func (e *enc) cdataOmit(name string, v sql.Null[string]) {
	if v.Valid {
		e.cdata(name, v.V)
	}
}

// decOmit writes an OMIT number element.
func (e *enc) decOmit(name string, v sql.Null[decimal.Decimal]) {
	if v.Valid {
		e.decElem(name, v.V, true)
	}
}
