// Package gormcatalog is a configurable adapters.CatalogSource on GORM. A
// host shop maps it onto its own tables and columns with a Config of SQL
// expressions; it never imports the host's model types.
//
// Items are read in batches of parent rows ordered by an integer key. A
// whole-catalogue export on PostgreSQL reads every table — parents,
// variants and each detail list (images, categories, properties, tags,
// relations, tier prices, variant attributes) — in one ordered pass held
// open for the export and merged with the batches by key; other exports
// (SQLite, pages, uid lists) fetch the variants and each detail list of a
// batch with one query each. Either way the number of queries never grows
// with the number of products (no N+1). The next batch is loaded while the
// current one is being written. Memory holds at most a few batches,
// independent of catalogue size.
//
// Every expression is copied into SQL as written, so it may be a column
// ("p.name"), a literal ("'EUR'") or any expression the database
// understands ("CASE WHEN p.old_price > p.price THEN p.old_price ELSE
// p.price END"). Expressions come from the host's code, never from
// requests; they must not contain '?' (GORM's placeholder). An empty
// expression means "no value".
package gormcatalog

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/shopgate/export"
)

// Config maps a shop schema onto the export records.
type Config struct {
	// DB is the host database the catalogue is read from. Required.
	DB *gorm.DB
	// BaseURL is prefixed to deeplinks and image URLs that start with a
	// single "/" (e.g. "https://shop.example.com"). Empty: URLs are used
	// as read.
	BaseURL string
	// BatchSize is the number of parent rows read per batch; default 1000
	// for batch queries and 250 for one ordered pass per table, which
	// runs no query per batch (docs/catalog.md#memory-of-an-export).
	// Larger batches mean fewer queries (each has a fixed cost in
	// PostgreSQL) at the price of memory: three batches are held at a time.
	BatchSize int
	// Parallel is the number of detail-list queries of a batch run at the
	// same time (each on its own connection); default 4.
	Parallel int
	// MaxIn is the largest number of values in one SQL IN list; longer
	// lists are split. Default 1000.
	MaxIn int

	// PlainSQL reads PostgreSQL through database/sql like every other
	// database. By default rows are read with pgx directly (on connections
	// of GORM's pool), which is considerably cheaper.
	PlainSQL bool

	// BatchQueries reads every batch of a whole-catalogue export with its
	// own queries (about one per table and batch) instead of one ordered
	// pass per table held open for the whole export
	// (docs/catalog.md#one-ordered-pass-per-table). The ordered passes are
	// used on PostgreSQL (not with PlainSQL) when the pool allows the
	// export to hold one connection per table plus two; set BatchQueries
	// to keep an export to Parallel+1 connections.
	BatchQueries bool

	// CountsMaxAge is how long Counts answers exact counts before it
	// starts a background refresh; default 5 minutes.
	CountsMaxAge time.Duration
	// CountsWait is how long the first Counts call on PostgreSQL waits
	// for the first exact counts before it answers the planner's
	// estimate; default 200 ms, negative: no wait.
	CountsWait time.Duration

	// Items maps products; a zero Items makes Items() fail.
	Items Items
	// Categories maps categories; a zero value makes Categories() fail.
	Categories Categories
	// Reviews maps reviews; a zero value makes Reviews() fail.
	Reviews Reviews
}

// Items maps the product table. Parents are the rows whose Parent
// expression is NULL; variants are the rows whose Parent is the key of a
// parent (the same table and mapping).
type Items struct {
	// From is the FROM clause with alias and any joins the field
	// expressions need, e.g.
	// "shop_products p LEFT JOIN shop_tax_classes tc ON tc.id = p.tax_class_id".
	From string
	// Key is the integer key used for order and paging, e.g. "p.id".
	// Detail lists refer to it.
	Key string
	// UID is the exported item uid; default: Key. When set, uid filters
	// compare CAST(UID AS TEXT).
	UID string
	// Parent is the parent key of a variant row, e.g. "p.parent_id"; empty:
	// the shop has no variants.
	Parent string
	// Where limits the export (parents and variants), e.g. "p.active".
	Where string

	// Currency is used when Fields.Currency is empty, e.g. "EUR"; when it
	// is empty too, the requesting shop's currency is used.
	Currency string

	// Fields map the scalar values of an item.
	Fields ItemFields
	// Identifiers are product codes stored as columns; empty values are
	// skipped.
	Identifiers []IdentifierColumn

	// Detail lists; nil leaves the list empty.
	Images     *Images
	Categories *ItemCategories
	Properties *Properties
	Tags       *Tags
	Relations  *Relations
	TierPrices *TierPrices
	// Attributes are the variant values of child rows; the parent's
	// attribute groups are derived from its children's attributes.
	Attributes *Attributes

	// Prepare, when set, is called once per batch with its parent items
	// (children attached) before they are written. It may complete them from
	// other sources — preferably with one query per batch — or adjust
	// values. Returning an error ends the export. The items, their lists
	// and their text are reused once the batch has been written
	// (docs/catalog.md#text-blocks-reused-per-batch): copy what must be
	// kept longer.
	Prepare func(ctx context.Context, db *gorm.DB, items []*export.Item) error
}

// ItemFields are SQL expressions for the scalar item values. The kinds:
// text (Name …), number (decimal: TaxPercent, Weight, prices, shipping
// costs), integer (PromotionSortOrder, AgeRating, quantities), boolean
// (ShippingIsFree, Marketplace, stock flags) and timestamp (LastUpdate).
type ItemFields struct {
	LastUpdate         string
	Name               string
	TaxPercent         string
	TaxClass           string
	Currency           string
	Description        string
	Deeplink           string
	PromotionSortOrder string
	InternalOrderInfo  string
	AgeRating          string
	Weight             string
	WeightUnit         string

	PriceType          string // 'gross' or 'net'
	Price              string // regular price (struck through when higher than SalePrice)
	Cost               string
	SalePrice          string // price the customer pays
	MSRP               string
	MinimumOrderAmount string
	BasePrice          string

	ShippingCostsPerOrder          string
	ShippingAdditionalCostsPerUnit string
	ShippingIsFree                 string

	ManufacturerUID        string
	ManufacturerTitle      string
	ManufacturerItemNumber string

	VisibilityLevel string
	Marketplace     string

	// IsSaleable, when empty, is derived from the stock values: an item
	// is saleable unless it uses stock, has none left and takes no
	// backorders.
	IsSaleable           string
	Backorders           string
	UseStock             string
	StockQuantity        string // stock 0 with UseStock and no Backorders disables the item
	MinimumOrderQuantity string
	MaximumOrderQuantity string
	AvailabilityText     string

	DisplayType string // default: "select" for parents with variants, "simple" otherwise
}

// IdentifierColumn is one product code column, e.g. {Type: "EAN", UID: "1",
// Expr: "p.ean"}.
type IdentifierColumn struct {
	Type string
	UID  string
	Expr string
}

// List is the common part of a detail list: a table (or join) with one
// row per entry and a column naming the owning product's key.
type List struct {
	From    string // e.g. "shop_product_images i"
	Product string // e.g. "i.product_id"
	Where   string // optional filter
	OrderBy string // order within a product, e.g. "i.sort_order, i.id"; empty: by the selected values
}

// Images maps product pictures. Export every picture in its largest
// available size: when the shop stores several sizes, point URL at the
// largest or filter the others out with Where.
type Images struct {
	List
	UID       string
	URL       string
	Title     string
	Alt       string
	SortOrder string
	// IsCover is a boolean expression; empty: the first image is the cover.
	IsCover string
}

// ItemCategories maps the item-to-category assignments.
type ItemCategories struct {
	List
	UID       string // category uid
	SortOrder string // position of the item in the category
}

// Properties maps descriptive label/value pairs.
type Properties struct {
	List
	UID   string
	Label string
	Value string
}

// Tags maps search keywords.
type Tags struct {
	List
	UID   string
	Value string
}

// Relations maps related products. Rows of the same Type are grouped into
// one relation in order of first appearance.
type Relations struct {
	List
	Type       string // crosssell, upsell, relation, custom
	Label      string // for custom relations
	RelatedUID string
}

// TierPrices maps quantity and customer-group prices.
type TierPrices struct {
	List
	AggregateChildren string
	Threshold         string
	MaxQuantity       string
	Type              string // percent, fixed, difference
	CustomerGroupUID  string
	Reduction         string
}

// Attributes maps the variant values of child rows.
type Attributes struct {
	List
	UID        string // value uid
	GroupUID   string // dimension uid, e.g. lower(a.name)
	GroupLabel string // dimension label, e.g. a.name
	Label      string // value label, e.g. a.value
}

// Categories maps the category table.
type Categories struct {
	From  string // e.g. "shop_categories c"
	Key   string // integer key for order and paging, e.g. "c.id"
	UID   string // default: Key
	Where string

	ParentUID string // NULL or empty for top-level categories
	SortOrder string // higher values are shown first
	IsActive  string
	IsAnchor  string
	Name      string
	Deeplink  string

	ImageUID       string
	ImageURL       string // no image when NULL or empty
	ImageTitle     string
	ImageAlt       string
	ImageSortOrder string
}

// Reviews maps the review table.
type Reviews struct {
	From  string // e.g. "shop_reviews r LEFT JOIN shop_products p ON p.id = r.product_id"
	Key   string // integer key for order and paging, e.g. "r.id"
	UID   string // default: Key
	Where string // e.g. "r.active" (only approved reviews)

	ItemUID      string // uid of the reviewed parent item
	Score        string // 0 to 10
	ReviewerName string
	Date         string // timestamp or date
	Title        string
	Text         string
}
