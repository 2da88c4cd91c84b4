package export

import (
	"database/sql"
	"time"

	"github.com/shopspring/decimal"
)

// Item is one product of the items document: a parent item, or a variant
// inside a parent's Children.
//
// Optional values use sql.Null: an invalid (Valid == false) value is "no
// value" and an element marked OMIT in
// docs/protocol/catalog-export.md#element-tree-and-presence is then left out.
// For plain strings the empty string is "no value". Lists may be nil.
//
// Children are written sparse (docs/protocol/catalog-export.md#variants).
// Before comparing with the parent every unset child value (empty string,
// invalid sql.Null, nil or empty list, a group equal to its zero value) takes
// the parent's value; in Prices and Stock the nullable fields are inherited one
// by one, the booleans of a non-zero Stock, Shipping or Visibility are taken as
// given. A child text field that must be empty although the parent has a value
// is listed in Blank.
type Item struct {
	UID          string    // item@uid; "" omits the attribute
	LastUpdate   time.Time // item@last_update as YYYY-MM-DDThh:mm:ss+hhmm; zero omits it
	DefaultChild bool      // children only: default_child="1"

	Name               string                    // [C] ALWAYS
	TaxPercent         sql.Null[decimal.Decimal] // [N] OMIT, rounded to two decimals
	TaxClass           sql.Null[string]          // [C] OMIT
	Currency           string                    // [T] ALWAYS, ISO 4217
	Description        string                    // [C] ALWAYS, HTML
	Deeplink           string                    // [C] ALWAYS, absolute URL of the product page
	PromotionSortOrder sql.Null[int64]           // promotion@sort_order
	InternalOrderInfo  string                    // [C] ALWAYS
	AgeRating          sql.Null[int64]           // [N] OMIT
	Weight             sql.Null[decimal.Decimal] // [N] ALWAYS
	WeightUnit         string                    // weight@unit: g, kg, oz, lb; "" omits it

	Prices       Prices
	Images       []Image // every image, largest size, cover first by convention
	Categories   []CategoryRef
	Shipping     Shipping
	Manufacturer Manufacturer
	Visibility   Visibility
	Properties   []Property
	Stock        Stock
	Identifiers  []Identifier
	Tags         []Tag
	Relations    []Relation

	// AttributeGroups are the variant dimensions of a parent (written on
	// parents only); Attributes are a child's values (written on children
	// only).
	AttributeGroups []AttributeGroup
	Attributes      []Attribute

	Inputs      []Input
	DisplayType string // [T] ALWAYS: default, simple, select, list

	// Children are the variants of a parent item. They are written inside
	// <children> and do not count as records for paging.
	Children []Item

	// Blank lists text fields that are deliberately empty on a child: they
	// are written as an empty element even though the parent has a value.
	Blank Field
}

// Field names one text field of an Item, for Item.Blank.
type Field uint16

// Text fields that a child may blank explicitly.
const (
	FieldName Field = 1 << iota
	FieldTaxClass
	FieldCurrency
	FieldDescription
	FieldDeeplink
	FieldInternalOrderInfo
	FieldDisplayType
)

// Prices is the prices group of an item.
type Prices struct {
	Type               string // prices@type: gross (default) or net; "" omits it
	Price              sql.Null[decimal.Decimal]
	Cost               sql.Null[decimal.Decimal]
	SalePrice          sql.Null[decimal.Decimal]
	MSRP               sql.Null[decimal.Decimal]
	MinimumOrderAmount sql.Null[decimal.Decimal]
	BasePrice          sql.Null[string] // unit price text, e.g. "9.98 € / 1 kg"
	TierPrices         []TierPrice
}

// TierPrice is a quantity or customer-group price rule; Reduction is its
// text.
type TierPrice struct {
	AggregateChildren bool
	Threshold         sql.Null[int64]
	MaxQuantity       sql.Null[int64]
	Type              string // percent, fixed, difference; "" omits it
	CustomerGroupUID  string // "" omits it (rule applies to everyone)
	Reduction         decimal.Decimal
}

// Image is a product or category picture.
type Image struct {
	UID       string
	SortOrder sql.Null[int64]
	IsCover   bool // product images only
	URL       string
	Title     sql.Null[string]
	Alt       sql.Null[string]
}

// CategoryRef puts an item into a category of the categories document.
type CategoryRef struct {
	UID       string
	SortOrder sql.Null[int64]
}

// Shipping is the shipping group of an item.
type Shipping struct {
	CostsPerOrder          sql.Null[decimal.Decimal]
	AdditionalCostsPerUnit sql.Null[decimal.Decimal]
	IsFree                 bool
}

// Manufacturer is the brand of an item.
type Manufacturer struct {
	UID        string
	Title      sql.Null[string]
	ItemNumber sql.Null[string] // manufacturer part number (MPN)
}

// Visibility says where Shopgate shows the item.
type Visibility struct {
	Level       string // catalog_and_search or nothing; "" omits it
	Marketplace bool
}

// Property is a descriptive label/value pair of the product page.
type Property struct {
	UID   string
	Label string
	Value string
}

// Stock is the stock group of an item. With UseStock, StockQuantity 0 and
// no Backorders the item cannot be ordered.
type Stock struct {
	IsSaleable           bool
	Backorders           bool
	UseStock             bool
	StockQuantity        sql.Null[int64] // ALWAYS
	MinimumOrderQuantity sql.Null[int64]
	MaximumOrderQuantity sql.Null[int64]
	AvailabilityText     sql.Null[string]
}

// Identifier is a product code such as an EAN; Type is upper case (EAN,
// UPC, ISBN, PZN, MPN, SKU).
type Identifier struct {
	UID   string
	Type  string
	Value string
}

// Identifier types used by Go (docs/protocol/catalog-export.md#identifiers).
const (
	IdentifierEAN  = "EAN"
	IdentifierUPC  = "UPC"
	IdentifierISBN = "ISBN"
	IdentifierPZN  = "PZN"
	IdentifierMPN  = "MPN"
	IdentifierSKU  = "SKU"
)

// Tag is a search keyword.
type Tag struct {
	UID   string
	Value string
}

// Relation groups related items of one type; Label is written only for
// type custom.
type Relation struct {
	Type  string // crosssell, upsell, relation, custom
	Label string
	UIDs  []string
}

// Relation types.
const (
	RelationCrossSell = "crosssell"
	RelationUpSell    = "upsell"
	RelationRelated   = "relation"
	RelationCustom    = "custom"
)

// AttributeGroup is a variant dimension of a parent, e.g. "Color".
type AttributeGroup struct {
	UID   string
	Label string
}

// Attribute is a child's value in one dimension, e.g. "Red" in group
// "color".
type Attribute struct {
	UID      string
	GroupUID string
	Label    string
}

// Input is a customer-entered option that creates no variant.
type Input struct {
	UID             string
	Type            string // select, multiple, radio, checkbox, text, area, file, date, time, datetime
	Required        bool
	AdditionalPrice sql.Null[decimal.Decimal]
	SortOrder       sql.Null[int64]
	Label           string
	InfoText        string
	Options         []Option
	ValidationType  string // file, variable, regex; "" omits the attribute
	Validation      string
}

// Option is one choice of a select-like Input.
type Option struct {
	AdditionalPrice sql.Null[decimal.Decimal]
	UID             string
	SortOrder       sql.Null[int64]
	Label           string
	Value           string
}

// Some returns a valid sql.Null holding v, for filling optional fields.
func Some[T any](v T) sql.Null[T] { return sql.Null[T]{V: v, Valid: true} }
