package main

import (
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// The example shop's own tables. They imitate the schema of a typical small
// web shop so that the generic GORM adapters of shopbridge can be mapped
// onto them: every table has an explicit name with the prefix "shop_", money
// is decimal (numeric(15,4)) and never a float, and join tables are plain
// rows that bulk loaders can insert directly.

// Order status values used by the storefront and the order history.
const (
	StatusNew        = "new"
	StatusProcessing = "processing"
	StatusShipped    = "shipped"
	StatusCancelled  = "cancelled"
)

// Payment method codes offered at checkout.
const (
	PaymentPrepayment = "prepayment"
	PaymentInvoice    = "invoice"
)

// Relation kinds of ProductRelation.
const (
	RelationRelated   = "relation"
	RelationCrossSell = "crosssell"
	RelationUpSell    = "upsell"
)

// Coupon kinds.
const (
	CouponFixed   = "fixed"
	CouponPercent = "percent"
)

// Currency is the one currency the example shop sells in.
const Currency = "EUR"

// TaxClass is a named VAT rate, e.g. "standard" 19 %.
type TaxClass struct {
	ID   uint            `gorm:"primaryKey"`
	Name string          `gorm:"size:64;not null;uniqueIndex"`
	Rate decimal.Decimal `gorm:"type:numeric(7,4);not null"` // percent, e.g. 19.0000
}

// TableName implements gorm's tabler.
func (TaxClass) TableName() string { return "shop_tax_classes" }

// Category is one node of the category tree. Top-level categories have a
// nil ParentID. Siblings are shown by ascending SortOrder.
type Category struct {
	ID          uint       `gorm:"primaryKey"`
	ParentID    *uint      `gorm:"index"`
	Parent      *Category  `gorm:"foreignKey:ParentID"`
	Children    []Category `gorm:"foreignKey:ParentID"`
	Name        string     `gorm:"size:255;not null"`
	Slug        string     `gorm:"size:255;not null;uniqueIndex"`
	Description string     `gorm:"type:text"`
	ImageURL    string     `gorm:"size:512"`
	SortOrder   int        `gorm:"not null;default:0"`
	Active      bool       `gorm:"not null"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TableName implements gorm's tabler.
func (Category) TableName() string { return "shop_categories" }

// Product is a sellable article. A product with a non-nil ParentID is a
// variant of its parent; its Attributes say what distinguishes it (Size,
// Colour). Price is the gross price (tax included) in Currency; OldPrice,
// when valid and higher, is shown struck through.
type Product struct {
	ID            uint                `gorm:"primaryKey"`
	ParentID      *uint               `gorm:"index"`
	Parent        *Product            `gorm:"foreignKey:ParentID"`
	Variants      []Product           `gorm:"foreignKey:ParentID"`
	Number        string              `gorm:"size:64;not null;uniqueIndex"` // SKU / article number
	Name          string              `gorm:"size:255;not null"`
	ShortText     string              `gorm:"size:512"`
	Description   string              `gorm:"type:text"` // HTML
	Manufacturer  string              `gorm:"size:255"`
	MPN           string              `gorm:"size:64"` // manufacturer part number
	Price         decimal.Decimal     `gorm:"type:numeric(15,4);not null"`
	OldPrice      decimal.NullDecimal `gorm:"type:numeric(15,4)"`
	TaxClassID    uint                `gorm:"not null"`
	TaxClass      TaxClass            `gorm:"foreignKey:TaxClassID"`
	WeightGrams   int                 `gorm:"not null;default:0"`
	StockQuantity int                 `gorm:"not null;default:0"`
	Active        bool                `gorm:"not null;index"`
	Featured      bool                `gorm:"not null;default:false"`
	EAN           string              `gorm:"size:14;index"`
	ISBN          string              `gorm:"size:17"`
	UPC           string              `gorm:"size:12"`
	PZN           string              `gorm:"size:8"`
	CreatedAt     time.Time
	UpdatedAt     time.Time          `gorm:"index"`
	Attributes    []ProductAttribute `gorm:"foreignKey:ProductID"`
	Properties    []ProductProperty  `gorm:"foreignKey:ProductID"`
	Images        []ProductImage     `gorm:"foreignKey:ProductID"`
	Tags          []Tag              `gorm:"many2many:shop_product_tags"`
	Categories    []Category         `gorm:"many2many:shop_product_categories"`
	TierPrices    []TierPrice        `gorm:"foreignKey:ProductID"`
	Relations     []ProductRelation  `gorm:"foreignKey:ProductID"`
	Reviews       []Review           `gorm:"foreignKey:ProductID"`
}

// TableName implements gorm's tabler.
func (Product) TableName() string { return "shop_products" }

// ProductAttribute is one variant dimension value of a variant product,
// e.g. Name "Size", Value "M".
type ProductAttribute struct {
	ID        uint   `gorm:"primaryKey"`
	ProductID uint   `gorm:"not null;index"`
	Name      string `gorm:"size:64;not null"`
	Value     string `gorm:"size:255;not null"`
	SortOrder int    `gorm:"not null;default:0"`
}

// TableName implements gorm's tabler.
func (ProductAttribute) TableName() string { return "shop_product_attributes" }

// ProductProperty is a descriptive fact shown on the product page, e.g.
// Name "Material", Value "Cotton". Unlike attributes it creates no variants.
type ProductProperty struct {
	ID        uint   `gorm:"primaryKey"`
	ProductID uint   `gorm:"not null;index"`
	Name      string `gorm:"size:64;not null"`
	Value     string `gorm:"size:255;not null"`
	SortOrder int    `gorm:"not null;default:0"`
}

// TableName implements gorm's tabler.
func (ProductProperty) TableName() string { return "shop_product_properties" }

// ProductImage is one picture of a product. The image with the lowest
// SortOrder is the cover. URL is relative to the shop's public URL when it
// starts with "/".
type ProductImage struct {
	// idx_shop_product_images_order serves the catalogue export, which reads
	// the images of a range of products in this order (no sort step).
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

// Tag is a search keyword attached to products through ProductTag.
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

// ProductCategory assigns a product to a category. SortOrder is the
// product's position inside that category (ascending).
type ProductCategory struct {
	ProductID  uint `gorm:"primaryKey"`
	CategoryID uint `gorm:"primaryKey;index"`
	SortOrder  int  `gorm:"not null;default:0"`
}

// TableName implements gorm's tabler.
func (ProductCategory) TableName() string { return "shop_product_categories" }

// ProductRelation links a product to another one shown with it, in
// ascending SortOrder. Kind is one of RelationRelated, RelationCrossSell,
// RelationUpSell.
type ProductRelation struct {
	ProductID uint     `gorm:"primaryKey;index:idx_shop_product_relations_order,priority:1"`
	RelatedID uint     `gorm:"primaryKey;index;index:idx_shop_product_relations_order,priority:3"`
	Related   *Product `gorm:"foreignKey:RelatedID"`
	Kind      string   `gorm:"size:16;not null;default:relation"`
	// idx_shop_product_relations_order serves the catalogue export's read
	// order (product, position).
	SortOrder int `gorm:"not null;default:0;index:idx_shop_product_relations_order,priority:2"`
}

// TableName implements gorm's tabler.
func (ProductRelation) TableName() string { return "shop_product_relations" }

// TierPrice is a quantity price: from MinQuantity units on, one unit costs
// Price (gross, in Currency). CustomerGroupID limits it to one group; nil
// means everyone. The storefront sells in the shop's Currency; rows in
// other currencies serve the other marketplaces.
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

// CustomerGroup groups customers for group prices (e.g. "Retail", "Trade").
type CustomerGroup struct {
	ID   uint   `gorm:"primaryKey"`
	Name string `gorm:"size:64;not null;uniqueIndex"`
}

// TableName implements gorm's tabler.
func (CustomerGroup) TableName() string { return "shop_customer_groups" }

// Customer is a registered buyer. PasswordHash is a bcrypt hash and is
// never serialised. Gender is "m", "f", "d" or empty. Token is an opaque,
// stable identifier that may be handed to third parties instead of the id.
type Customer struct {
	ID           uint       `gorm:"primaryKey"`
	Number       string     `gorm:"size:32;not null;uniqueIndex"`
	Email        string     `gorm:"size:255;not null;uniqueIndex"`
	PasswordHash string     `gorm:"size:100;not null" json:"-"`
	Token        string     `gorm:"size:64;not null;uniqueIndex" json:"-"`
	FirstName    string     `gorm:"size:128;not null"`
	LastName     string     `gorm:"size:128;not null"`
	Gender       string     `gorm:"size:1"`
	Birthday     *time.Time `gorm:"type:date"`
	Phone        string     `gorm:"size:64"`
	Mobile       string     `gorm:"size:64"`
	Newsletter   bool       `gorm:"not null;default:false"`
	Active       bool       `gorm:"not null"`
	// ConnectBarred bars the account from the Shopgate app (Shopgate
	// Connect answers 77); the storefront login is unaffected.
	ConnectBarred   bool           `gorm:"not null;default:false"`
	CustomerGroupID *uint          `gorm:"index"`
	CustomerGroup   *CustomerGroup `gorm:"foreignKey:CustomerGroupID"`
	Addresses       []Address      `gorm:"foreignKey:CustomerID"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TableName implements gorm's tabler.
func (Customer) TableName() string { return "shop_customers" }

// Address is one of a customer's addresses. IsDefault marks the address
// offered first; IsInvoice and IsDelivery may both be set.
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
	Country    string `gorm:"size:2;not null"` // ISO 3166-1 alpha-2
	State      string `gorm:"size:8"`          // ISO 3166-2, optional
	Phone      string `gorm:"size:64"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TableName implements gorm's tabler.
func (Address) TableName() string { return "shop_addresses" }

// OrderAddress is an address as it was when the order was placed. It is
// embedded twice into Order (columns invoice_* and delivery_*), so later
// changes to a customer's address book never alter past orders.
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

// Order is a placed order. CustomerID is nil for guest orders. Source says
// where it came from ("web" for the storefront; integrations use their own
// names, e.g. "shopgate") and ExternalNumber holds the order number in that
// system. Comment is the merchant's internal note, CustomerComment what the
// buyer wrote. All amounts are gross; AmountTotal = AmountItems +
// AmountShipping + AmountPayment - AmountDiscount for storefront orders,
// imported orders store the total they were given.
type Order struct {
	ID              uint            `gorm:"primaryKey"`
	Number          string          `gorm:"size:32;not null;uniqueIndex"`
	Source          string          `gorm:"size:32;not null;default:web;index:idx_shop_orders_source_ext"`
	ExternalNumber  string          `gorm:"size:64;index:idx_shop_orders_source_ext"`
	CustomerID      *uint           `gorm:"index"`
	Customer        *Customer       `gorm:"foreignKey:CustomerID"`
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
	Comment         string         `gorm:"type:text"` // merchant-visible notes
	CustomerComment string         `gorm:"type:text"`
	InvoiceAddress  OrderAddress   `gorm:"embedded;embeddedPrefix:invoice_"`
	DeliveryAddress OrderAddress   `gorm:"embedded;embeddedPrefix:delivery_"`
	Items           []OrderItem    `gorm:"foreignKey:OrderID"`
	History         []OrderHistory `gorm:"foreignKey:OrderID"`
	CreatedAt       time.Time      `gorm:"index"`
	UpdatedAt       time.Time
}

// TableName implements gorm's tabler.
func (Order) TableName() string { return "shop_orders" }

// Order item types.
const (
	ItemProduct  = "product"
	ItemCoupon   = "coupon"
	ItemPayment  = "payment"
	ItemShipping = "shipping"
)

// OrderItem is one line of an order. ProductID is nil when the line is not
// a product of this shop (a coupon, a fee, or a product that no longer
// exists). UnitPrice and Total are gross.
type OrderItem struct {
	ID         uint            `gorm:"primaryKey"`
	OrderID    uint            `gorm:"not null;index"`
	Type       string          `gorm:"size:16;not null;default:product"`
	ProductID  *uint           `gorm:"index"`
	Number     string          `gorm:"size:64;not null"`
	Name       string          `gorm:"size:255;not null"`
	Attributes string          `gorm:"size:512"` // e.g. "Size: M, Colour: Red"
	Quantity   int             `gorm:"not null"`
	UnitPrice  decimal.Decimal `gorm:"type:numeric(15,4);not null"`
	TaxRate    decimal.Decimal `gorm:"type:numeric(7,4);not null"`
	Total      decimal.Decimal `gorm:"type:numeric(15,4);not null"`
}

// TableName implements gorm's tabler.
func (OrderItem) TableName() string { return "shop_order_items" }

// OrderHistory records every status change of an order, with an optional
// comment, oldest first.
type OrderHistory struct {
	ID        uint   `gorm:"primaryKey"`
	OrderID   uint   `gorm:"not null;index"`
	Status    string `gorm:"size:32;not null"`
	Comment   string `gorm:"type:text"`
	CreatedAt time.Time
}

// TableName implements gorm's tabler.
func (OrderHistory) TableName() string { return "shop_order_history" }

// Review is a customer's rating of a product. Score is 1 to 5. Only active
// reviews are shown.
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

// Coupon is a discount code. Kind CouponFixed subtracts Value (gross) from
// the order, CouponPercent subtracts Value percent of the items' total.
// MinOrderAmount, when positive, is the items' total needed to use it.
type Coupon struct {
	ID             uint            `gorm:"primaryKey"`
	Code           string          `gorm:"size:64;not null;uniqueIndex"`
	Description    string          `gorm:"size:255"`
	Kind           string          `gorm:"size:16;not null"`
	Value          decimal.Decimal `gorm:"type:numeric(15,4);not null"`
	MinOrderAmount decimal.Decimal `gorm:"type:numeric(15,4);not null;default:0"`
	FreeShipping   bool            `gorm:"not null;default:false"`
	Active         bool            `gorm:"not null"`
	ValidUntil     *time.Time
	// ValidFrom, when set, is the first moment the coupon is valid.
	ValidFrom *time.Time
	// MaxPerCustomer, when positive, is how often one (logged-in)
	// customer may use the coupon.
	MaxPerCustomer int `gorm:"not null;default:0"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName implements gorm's tabler.
func (Coupon) TableName() string { return "shop_coupons" }

// ShippingMethod is a delivery option offered at checkout. Orders whose
// items' total reaches FreeFrom (when positive) ship free.
type ShippingMethod struct {
	ID        uint            `gorm:"primaryKey"`
	Code      string          `gorm:"size:32;not null;uniqueIndex"`
	Name      string          `gorm:"size:128;not null"`
	Price     decimal.Decimal `gorm:"type:numeric(15,4);not null"`
	FreeFrom  decimal.Decimal `gorm:"type:numeric(15,4);not null;default:0"`
	TaxRate   decimal.Decimal `gorm:"type:numeric(7,4);not null"`
	SortOrder int             `gorm:"not null;default:0"`
	Active    bool            `gorm:"not null"`
}

// TableName implements gorm's tabler.
func (ShippingMethod) TableName() string { return "shop_shipping_methods" }

// Session is a browser session of the storefront, identified by a random
// token in a cookie. CustomerID is set after login.
type Session struct {
	Token       string     `gorm:"primaryKey;size:64"`
	CustomerID  *uint      `gorm:"index"`
	LastOrderID *uint      // the order this browser placed last, for its confirmation page
	Items       []CartItem `gorm:"foreignKey:SessionToken;references:Token"`
	CreatedAt   time.Time
	UpdatedAt   time.Time `gorm:"index"`
}

// TableName implements gorm's tabler.
func (Session) TableName() string { return "shop_sessions" }

// CartItem is one product in a session's cart.
type CartItem struct {
	SessionToken string `gorm:"primaryKey;size:64"`
	ProductID    uint   `gorm:"primaryKey"`
	Quantity     int    `gorm:"not null"`
	CreatedAt    time.Time
}

// TableName implements gorm's tabler.
func (CartItem) TableName() string { return "shop_cart_items" }

// shopModels lists every table of the example shop in creation order.
func shopModels() []any {
	return []any{
		&TaxClass{}, &Category{}, &CustomerGroup{}, &Product{}, &ProductAttribute{},
		&ProductProperty{}, &ProductImage{}, &Tag{}, &ProductTag{}, &ProductCategory{},
		&ProductRelation{}, &TierPrice{}, &Customer{}, &Address{}, &Order{}, &OrderItem{},
		&OrderHistory{}, &Review{}, &Coupon{}, &ShippingMethod{}, &Session{}, &CartItem{},
	}
}

// migrateShop creates or updates the example shop's tables.
func migrateShop(db *gorm.DB) error {
	// The join tables carry extra columns (sort order), so gorm must use
	// our structs for them instead of generating its own.
	if err := db.SetupJoinTable(&Product{}, "Tags", &ProductTag{}); err != nil {
		return err
	}
	if err := db.SetupJoinTable(&Product{}, "Categories", &ProductCategory{}); err != nil {
		return err
	}
	if err := db.AutoMigrate(append(shopModels(), cartModels()...)...); err != nil {
		return err
	}
	if db.Dialector.Name() != "postgres" {
		return nil
	}
	// Parents and their variants in group order: the catalogue export
	// then reads both in one pass over the table instead of two
	// (docs/catalog.md#parents-and-variants-in-one-pass).
	return db.Exec("CREATE INDEX IF NOT EXISTS idx_shop_products_group ON shop_products ((COALESCE(parent_id, id)), id)").Error
}
