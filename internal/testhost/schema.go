// Package testhost is the reference host shop schema: the catalogue and
// order tables of the shopbridge example shop (example_shop/models.go),
// column for column, as plain rows without associations (so migrating
// them creates no foreign keys and tests may insert rows in any order).
//
// It is the one host schema of the repository outside the example shop:
// adapter and service tests (gormorders, orders, the Plugin API) create
// their host tables with [Migrate], and the bulk catalogue generator
// (internal/bulkseed) writes these rows into the example shop's tables.
// Nothing may import example_shop, so the example keeps its own models;
// its TestHostSchemaMatchesModels keeps both in step.
//
// The gormorders.Config defaults and the gormcatalog mapping of the
// example shop match these tables; [CustomersConfig] is the example shop's
// gormcustomers mapping onto them.
package testhost

import (
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Relation kinds of ProductRelation.
const (
	RelationRelated   = "relation"
	RelationCrossSell = "crosssell"
	RelationUpSell    = "upsell"
)

// TaxClass is a named VAT rate, e.g. "standard" 19 %.
type TaxClass struct {
	ID   uint            `gorm:"primaryKey"`
	Name string          `gorm:"size:64;not null;uniqueIndex"`
	Rate decimal.Decimal `gorm:"type:numeric(7,4);not null"` // percent
}

// TableName implements gorm's tabler.
func (TaxClass) TableName() string { return "shop_tax_classes" }

// Category is one node of the category tree; top-level categories have a
// nil ParentID.
type Category struct {
	ID          uint   `gorm:"primaryKey"`
	ParentID    *uint  `gorm:"index"`
	Name        string `gorm:"size:255;not null"`
	Slug        string `gorm:"size:255;not null;uniqueIndex"`
	Description string `gorm:"type:text"`
	ImageURL    string `gorm:"size:512"`
	SortOrder   int    `gorm:"not null;default:0"`
	Active      bool   `gorm:"not null"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TableName implements gorm's tabler.
func (Category) TableName() string { return "shop_categories" }

// Product is a sellable article; one with a ParentID is a variant of its
// parent. Number is the article number; Price is gross.
type Product struct {
	ID            uint                `gorm:"primaryKey"`
	ParentID      *uint               `gorm:"index"`
	Number        string              `gorm:"size:64;not null;uniqueIndex"`
	Name          string              `gorm:"size:255;not null"`
	ShortText     string              `gorm:"size:512"`
	Description   string              `gorm:"type:text"`
	Manufacturer  string              `gorm:"size:255"`
	MPN           string              `gorm:"size:64"`
	Price         decimal.Decimal     `gorm:"type:numeric(15,4);not null"`
	OldPrice      decimal.NullDecimal `gorm:"type:numeric(15,4)"`
	TaxClassID    uint                `gorm:"not null"`
	WeightGrams   int                 `gorm:"not null;default:0"`
	StockQuantity int                 `gorm:"not null;default:0"`
	Active        bool                `gorm:"not null;index"`
	Featured      bool                `gorm:"not null;default:false"`
	EAN           string              `gorm:"size:14;index"`
	ISBN          string              `gorm:"size:17"`
	UPC           string              `gorm:"size:12"`
	PZN           string              `gorm:"size:8"`
	CreatedAt     time.Time
	UpdatedAt     time.Time `gorm:"index"`
}

// TableName implements gorm's tabler.
func (Product) TableName() string { return "shop_products" }

// ProductAttribute is one variant dimension value, e.g. Size = M.
type ProductAttribute struct {
	ID        uint   `gorm:"primaryKey"`
	ProductID uint   `gorm:"not null;index"`
	Name      string `gorm:"size:64;not null"`
	Value     string `gorm:"size:255;not null"`
	SortOrder int    `gorm:"not null;default:0"`
}

// TableName implements gorm's tabler.
func (ProductAttribute) TableName() string { return "shop_product_attributes" }

// ProductImage is one picture of a product; the lowest SortOrder is the
// cover.
type ProductImage struct {
	ID        uint   `gorm:"primaryKey;index:idx_shop_product_images_order,priority:3"`
	ProductID uint   `gorm:"not null;index;index:idx_shop_product_images_order,priority:1"`
	URL       string `gorm:"size:512;not null"`
	Title     string `gorm:"size:255"`
	Alt       string `gorm:"size:255"`
	SortOrder int    `gorm:"not null;default:0;index:idx_shop_product_images_order,priority:2"`
	Width     int    `gorm:"not null;default:0"`
	Height    int    `gorm:"not null;default:0"`
}

// TableName implements gorm's tabler.
func (ProductImage) TableName() string { return "shop_product_images" }

// Tag is a search keyword.
type Tag struct {
	ID   uint   `gorm:"primaryKey"`
	Name string `gorm:"size:128;not null;uniqueIndex"`
}

// TableName implements gorm's tabler.
func (Tag) TableName() string { return "shop_tags" }

// ProductTag is the join row between products and tags.
type ProductTag struct {
	ProductID uint `gorm:"primaryKey"`
	TagID     uint `gorm:"primaryKey;index"`
}

// TableName implements gorm's tabler.
func (ProductTag) TableName() string { return "shop_product_tags" }

// ProductCategory assigns a product to a category at position SortOrder.
type ProductCategory struct {
	ProductID  uint `gorm:"primaryKey"`
	CategoryID uint `gorm:"primaryKey;index"`
	SortOrder  int  `gorm:"not null;default:0"`
}

// TableName implements gorm's tabler.
func (ProductCategory) TableName() string { return "shop_product_categories" }

// ProductRelation links a product to another one shown with it; Kind is
// one of the Relation* constants.
type ProductRelation struct {
	ProductID uint   `gorm:"primaryKey;index:idx_shop_product_relations_order,priority:1"`
	RelatedID uint   `gorm:"primaryKey;index;index:idx_shop_product_relations_order,priority:3"`
	Kind      string `gorm:"size:16;not null;default:relation"`
	SortOrder int    `gorm:"not null;default:0;index:idx_shop_product_relations_order,priority:2"`
}

// TableName implements gorm's tabler.
func (ProductRelation) TableName() string { return "shop_product_relations" }

// TierPrice is a quantity price: from MinQuantity units on, one unit costs
// Price (gross).
type TierPrice struct {
	ID              uint            `gorm:"primaryKey"`
	ProductID       uint            `gorm:"not null;index"`
	MinQuantity     int             `gorm:"not null"`
	Price           decimal.Decimal `gorm:"type:numeric(15,4);not null"`
	CustomerGroupID *uint
	Currency        string `gorm:"size:3;not null;default:EUR"`
}

// TableName implements gorm's tabler.
func (TierPrice) TableName() string { return "shop_tier_prices" }

// Review is a customer's rating of a product (Score 1 to 5).
type Review struct {
	ID         uint   `gorm:"primaryKey"`
	ProductID  uint   `gorm:"not null;index"`
	CustomerID *uint  `gorm:"index"`
	Author     string `gorm:"size:128;not null"`
	Title      string `gorm:"size:255"`
	Text       string `gorm:"type:text"`
	Score      int    `gorm:"not null;check:chk_shop_reviews_score,score BETWEEN 1 AND 5"`
	Active     bool   `gorm:"not null"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TableName implements gorm's tabler.
func (Review) TableName() string { return "shop_reviews" }

// CustomerGroup groups customers for group prices (e.g. "Retail").
type CustomerGroup struct {
	ID   uint   `gorm:"primaryKey"`
	Name string `gorm:"size:64;not null;uniqueIndex"`
}

// TableName implements gorm's tabler.
func (CustomerGroup) TableName() string { return "shop_customer_groups" }

// Customer is a registered buyer; PasswordHash "" marks a guest account.
type Customer struct {
	ID              uint       `gorm:"primaryKey"`
	Number          string     `gorm:"size:32;not null;uniqueIndex"`
	Email           string     `gorm:"size:255;not null;uniqueIndex"`
	PasswordHash    string     `gorm:"size:100;not null"`
	Token           string     `gorm:"size:64;not null;uniqueIndex"`
	FirstName       string     `gorm:"size:128;not null"`
	LastName        string     `gorm:"size:128;not null"`
	Gender          string     `gorm:"size:1"`
	Birthday        *time.Time `gorm:"type:date"`
	Phone           string     `gorm:"size:64"`
	Mobile          string     `gorm:"size:64"`
	Newsletter      bool       `gorm:"not null;default:false"`
	Active          bool       `gorm:"not null"`
	ConnectBarred   bool       `gorm:"not null;default:false"`
	CustomerGroupID *uint      `gorm:"index"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TableName implements gorm's tabler.
func (Customer) TableName() string { return "shop_customers" }

// Address is one of a customer's addresses.
type Address struct {
	ID         uint   `gorm:"primaryKey"`
	CustomerID uint   `gorm:"not null;index"`
	IsDefault  bool   `gorm:"not null;default:false"`
	IsInvoice  bool   `gorm:"not null;default:false"`
	IsDelivery bool   `gorm:"not null;default:false"`
	Gender     string `gorm:"size:1"`
	Company    string `gorm:"size:255"`
	FirstName  string `gorm:"size:128;not null"`
	LastName   string `gorm:"size:128;not null"`
	Street1    string `gorm:"size:255;not null"`
	Street2    string `gorm:"size:255"`
	Zipcode    string `gorm:"size:16;not null"`
	City       string `gorm:"size:128;not null"`
	Country    string `gorm:"size:2;not null"`
	State      string `gorm:"size:8"`
	Phone      string `gorm:"size:64"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TableName implements gorm's tabler.
func (Address) TableName() string { return "shop_addresses" }

// OrderAddress is an address embedded twice into Order (columns invoice_*
// and delivery_*).
type OrderAddress struct {
	Gender    string `gorm:"size:1"`
	Company   string `gorm:"size:255"`
	FirstName string `gorm:"size:128"`
	LastName  string `gorm:"size:128"`
	Street1   string `gorm:"size:255"`
	Street2   string `gorm:"size:255"`
	Zipcode   string `gorm:"size:16"`
	City      string `gorm:"size:128"`
	Country   string `gorm:"size:2"`
	State     string `gorm:"size:8"`
	Phone     string `gorm:"size:64"`
}

// Order is a placed order; CustomerID is nil for guest orders. Source and
// ExternalNumber name the system an imported order came from.
type Order struct {
	ID              uint            `gorm:"primaryKey"`
	Number          string          `gorm:"size:32;not null;uniqueIndex"`
	Source          string          `gorm:"size:32;not null;default:web;index:idx_shop_orders_source_ext"`
	ExternalNumber  string          `gorm:"size:64;index:idx_shop_orders_source_ext"`
	CustomerID      *uint           `gorm:"index"`
	Email           string          `gorm:"size:255;not null"`
	Phone           string          `gorm:"size:64"`
	Status          string          `gorm:"size:32;not null;index"`
	PaymentMethod   string          `gorm:"size:64;not null"`
	ShippingMethod  string          `gorm:"size:64;not null"`
	Currency        string          `gorm:"size:3;not null"`
	AmountItems     decimal.Decimal `gorm:"type:numeric(15,4);not null"`
	AmountShipping  decimal.Decimal `gorm:"type:numeric(15,4);not null"`
	AmountPayment   decimal.Decimal `gorm:"type:numeric(15,4);not null"`
	AmountDiscount  decimal.Decimal `gorm:"type:numeric(15,4);not null"`
	AmountTotal     decimal.Decimal `gorm:"type:numeric(15,4);not null"`
	CouponCode      string          `gorm:"size:64"`
	IsPaid          bool            `gorm:"not null;default:false"`
	PaidAt          *time.Time
	ShippedAt       *time.Time
	Comment         string       `gorm:"type:text"`
	CustomerComment string       `gorm:"type:text"`
	InvoiceAddress  OrderAddress `gorm:"embedded;embeddedPrefix:invoice_"`
	DeliveryAddress OrderAddress `gorm:"embedded;embeddedPrefix:delivery_"`
	CreatedAt       time.Time    `gorm:"index"`
	UpdatedAt       time.Time
}

// TableName implements gorm's tabler.
func (Order) TableName() string { return "shop_orders" }

// OrderItem is one line of an order; ProductID is nil for lines that are
// not a product of the shop.
type OrderItem struct {
	ID         uint            `gorm:"primaryKey"`
	OrderID    uint            `gorm:"not null;index"`
	Type       string          `gorm:"size:16;not null;default:product"`
	ProductID  *uint           `gorm:"index"`
	Number     string          `gorm:"size:64;not null"`
	Name       string          `gorm:"size:255;not null"`
	Attributes string          `gorm:"size:512"`
	Quantity   int             `gorm:"not null"`
	UnitPrice  decimal.Decimal `gorm:"type:numeric(15,4);not null"`
	TaxRate    decimal.Decimal `gorm:"type:numeric(7,4);not null"`
	Total      decimal.Decimal `gorm:"type:numeric(15,4);not null"`
}

// TableName implements gorm's tabler.
func (OrderItem) TableName() string { return "shop_order_items" }

// OrderHistory is one status change of an order.
type OrderHistory struct {
	ID        uint   `gorm:"primaryKey"`
	OrderID   uint   `gorm:"not null;index"`
	Status    string `gorm:"size:32;not null"`
	Comment   string `gorm:"type:text"`
	CreatedAt time.Time
}

// TableName implements gorm's tabler.
func (OrderHistory) TableName() string { return "shop_order_history" }

// Models lists every table of the schema in creation order.
func Models() []any {
	return []any{
		&TaxClass{}, &Category{}, &Product{}, &ProductAttribute{}, &ProductImage{}, &Tag{},
		&ProductTag{}, &ProductCategory{}, &ProductRelation{}, &TierPrice{}, &Review{},
		&CustomerGroup{}, &Customer{}, &Address{}, &Order{}, &OrderItem{}, &OrderHistory{},
	}
}

// Migrate creates the tables in db.
func Migrate(db *gorm.DB) error {
	return db.AutoMigrate(Models()...)
}
