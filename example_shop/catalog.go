package main

import (
	"context"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// catalogConfig maps the shop's tables (models.go) in db onto the Shopgate
// catalogue export. Everything is SQL over the shop's own tables; the
// generic adapter never sees the model types. publicURL makes the shop's
// relative links and image paths absolute.
func catalogConfig(db *gorm.DB, publicURL string) gormcatalog.Config {
	return gormcatalog.Config{
		DB:      db,
		BaseURL: publicURL,
		Items: gormcatalog.Items{
			// One mapping serves every marketplace: {lang} and {currency}
			// are the requesting shop's; translated texts and prices in
			// another currency win over the base values.
			From: "shop_products p LEFT JOIN shop_tax_classes tc ON tc.id = p.tax_class_id" +
				" LEFT JOIN shop_product_translations tr ON tr.product_id = p.id AND tr.language = {lang}" +
				" LEFT JOIN shop_product_prices pp ON pp.product_id = p.id AND pp.currency = {currency}",
			Key:    "p.id",
			Parent: "p.parent_id",
			Where:  "p.active",
			Fields: gormcatalog.ItemFields{
				LastUpdate: "p.updated_at",
				Name:       "COALESCE(tr.name, p.name)",
				TaxPercent: "tc.rate",
				// The key get_settings lists as product tax class.
				TaxClass:    "tc.name",
				Description: "CASE WHEN tr.description <> '' THEN tr.description WHEN p.description <> '' THEN p.description ELSE p.short_text END",
				// Variants have no page of their own: link to the parent,
				// so the value equals the parent's and children omit it.
				Deeplink:           "'/product/' || COALESCE(p.parent_id, p.id)",
				PromotionSortOrder: "CASE WHEN p.featured THEN 1 END",
				InternalOrderInfo:  "p.number",
				Weight:             "p.weight_grams",
				WeightUnit:         "'g'",
				PriceType:          "'gross'",
				// OldPrice, when higher, is the regular price shown struck
				// through; Price is what the customer pays.
				Price:                  "CASE WHEN pp.price IS NOT NULL THEN pp.price WHEN p.old_price > p.price THEN p.old_price ELSE p.price END",
				SalePrice:              "COALESCE(pp.price, p.price)",
				ManufacturerTitle:      "p.manufacturer",
				ManufacturerItemNumber: "p.mpn",
				VisibilityLevel:        "'catalog_and_search'",
				Marketplace:            "1 = 1",
				// Stock is tracked; a quantity of 0 makes the item unorderable.
				UseStock:         "1 = 1",
				Backorders:       "1 = 0",
				IsSaleable:       "p.stock_quantity > 0",
				StockQuantity:    "p.stock_quantity",
				AvailabilityText: "CASE WHEN p.stock_quantity > 0 THEN 'In stock' ELSE 'Sold out' END",
			},
			Identifiers: []gormcatalog.IdentifierColumn{
				{Type: export.IdentifierEAN, UID: "ean", Expr: "p.ean"},
				{Type: export.IdentifierISBN, UID: "isbn", Expr: "p.isbn"},
				{Type: export.IdentifierUPC, UID: "upc", Expr: "p.upc"},
				{Type: export.IdentifierPZN, UID: "pzn", Expr: "p.pzn"},
				{Type: export.IdentifierMPN, UID: "mpn", Expr: "p.mpn"},
				{Type: export.IdentifierSKU, UID: "sku", Expr: "p.number"},
			},
			// Images are stored once, in their original (largest) size.
			Images: &gormcatalog.Images{
				List:      gormcatalog.List{From: "shop_product_images i", Product: "i.product_id", OrderBy: "i.sort_order, i.id"},
				UID:       "i.id",
				URL:       "i.url",
				Title:     "NULLIF(i.title, '')",
				Alt:       "NULLIF(i.alt, '')",
				SortOrder: "i.sort_order",
			},
			// The shop sorts products in a category by ascending position;
			// Shopgate shows higher sort_order first, so the position is
			// negated. (Inverting against MAX(position) would scan the whole
			// table for every batch.)
			Categories: &gormcatalog.ItemCategories{
				List:      gormcatalog.List{From: "shop_product_categories pc", Product: "pc.product_id", OrderBy: "pc.category_id"},
				UID:       "pc.category_id",
				SortOrder: "-pc.sort_order",
			},
			Properties: &gormcatalog.Properties{
				List:  gormcatalog.List{From: "shop_product_properties pp", Product: "pp.product_id", OrderBy: "pp.sort_order, pp.id"},
				UID:   "lower(pp.name)",
				Label: "pp.name",
				Value: "pp.value",
			},
			Tags: &gormcatalog.Tags{
				List:  gormcatalog.List{From: "shop_product_tags pt JOIN shop_tags t ON t.id = pt.tag_id", Product: "pt.product_id", OrderBy: "t.name"},
				UID:   "t.id",
				Value: "t.name",
			},
			Relations: &gormcatalog.Relations{
				// No join against the related product: a filter on it makes
				// PostgreSQL hash the whole product table for every batch.
				// Shopgate ignores relations to uids it did not import.
				List:       gormcatalog.List{From: "shop_product_relations r", Product: "r.product_id", OrderBy: "r.sort_order, r.related_id"},
				Type:       "r.kind",
				RelatedUID: "r.related_id",
			},
			// Tier prices store the unit price from a quantity on; Shopgate
			// wants the reduction against the sale price (type fixed).
			// Tier prices are kept per currency, as is the sale price they
			// reduce.
			TierPrices: &gormcatalog.TierPrices{
				List: gormcatalog.List{From: "shop_tier_prices tp JOIN shop_products tpp ON tpp.id = tp.product_id" +
					" LEFT JOIN shop_product_prices tpc ON tpc.product_id = tp.product_id AND tpc.currency = {currency}",
					Product: "tp.product_id", Where: "tp.currency = {currency}", OrderBy: "tp.min_quantity, tp.id"},
				AggregateChildren: "1 = 0",
				Threshold:         "tp.min_quantity",
				Type:              "'fixed'",
				CustomerGroupUID:  "tp.customer_group_id",
				Reduction:         "COALESCE(tpc.price, tpp.price) - tp.price",
			},
			// Variant dimensions and values are labelled in the
			// marketplace's language; the uids stay the base texts.
			Attributes: &gormcatalog.Attributes{
				List: gormcatalog.List{From: "shop_product_attributes a" +
					" LEFT JOIN shop_attribute_translations an ON an.name = a.name AND an.language = {lang}" +
					" LEFT JOIN shop_attribute_translations av ON av.name = a.value AND av.language = {lang}",
					Product: "a.product_id", OrderBy: "a.sort_order, a.id"},
				UID:        "lower(a.value)",
				GroupUID:   "lower(a.name)",
				GroupLabel: "COALESCE(an.label, a.name)",
				Label:      "COALESCE(av.label, a.value)",
			},
		},
		Categories: gormcatalog.Categories{
			From:  "shop_categories c LEFT JOIN shop_category_translations ct ON ct.category_id = c.id AND ct.language = {lang}",
			Key:   "c.id",
			Where: "c.active",
			// Siblings are shown by ascending SortOrder in the shop and by
			// descending sort_order in Shopgate.
			ParentUID:  "c.parent_id",
			SortOrder:  "(SELECT MAX(x.sort_order) FROM shop_categories x) - c.sort_order",
			IsActive:   "c.active",
			IsAnchor:   "1 = 0",
			Name:       "COALESCE(ct.name, c.name)",
			Deeplink:   "'/category/' || c.id",
			ImageUID:   "c.id",
			ImageURL:   "NULLIF(c.image_url, '')",
			ImageTitle: "COALESCE(ct.name, c.name)",
		},
		Reviews: gormcatalog.Reviews{
			From:  "shop_reviews r JOIN shop_products p ON p.id = r.product_id",
			Key:   "r.id",
			Where: "r.active",
			// Reviews of a variant belong to its parent item; the shop's
			// 1–5 stars become Shopgate's 0–10 scale.
			ItemUID:      "COALESCE(p.parent_id, r.product_id)",
			Score:        "r.score * 2",
			ReviewerName: "r.author",
			Date:         "r.created_at",
			Title:        "r.title",
			Text:         "r.text",
		},
	}
}

// setupCatalog serves the catalogue exports (get_items, get_categories,
// get_reviews) of the Plugin API from the shop's tables, and runs the
// worker that pushes single changes announced with
// gormcatalog.EnqueueItem / EnqueueCategory through the Merchant API.
func (a *App) setupCatalog() error {
	src, err := gormcatalog.New(catalogConfig(a.DB, a.PublicURL))
	if err != nil {
		return fmt.Errorf("catalog export: %w", err)
	}
	a.sg.Plugin.Catalog = src
	a.catalog = src
	// Count the catalogue in the background now, so that the first ping
	// already answers exact counts (see shopInfo.ShopInfo).
	src.RefreshCounts()

	w, err := outbox.New(outbox.Config{DB: a.DB, Logger: a.Log.Named("catalog-push")})
	if err != nil {
		return err
	}
	pusher, err := gormcatalog.NewPusher(gormcatalog.PusherConfig{Source: src, Client: a.sg.Client,
		Shop: adapters.Shop{Number: a.sg.Creds.ShopNumber, Language: "de", Currency: Currency, Country: "DE"}})
	if err != nil {
		return err
	}
	pusher.Register(w)
	a.watchWorker("catalogue push worker", w)
	a.Background(func(ctx context.Context) { _ = w.Run(ctx) })
	// A sale changes stock (and a sold-out item must not stay orderable in
	// the app): push the sold items in the order's own transaction.
	a.OnOrderPlaced(pushSoldItems)
	return nil
}

// pushSoldItems enqueues an item update for every product of o; a
// variant is pushed as its parent item, the unit of the export.
func pushSoldItems(tx *gorm.DB, o *Order) error {
	var ids []uint
	for _, it := range o.Items {
		if it.ProductID != nil {
			ids = append(ids, *it.ProductID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var uids []uint
	if err := tx.Model(&Product{}).Where("id IN ?", ids).
		Distinct().Pluck("COALESCE(parent_id, id)", &uids).Error; err != nil {
		return fmt.Errorf("push sold items: %w", err)
	}
	for _, uid := range uids {
		if err := gormcatalog.EnqueueItem(tx, strconv.FormatUint(uint64(uid), 10)); err != nil {
			return err
		}
	}
	return nil
}
