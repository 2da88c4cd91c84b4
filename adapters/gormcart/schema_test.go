package gormcart_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters/gormcart"
	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
)

// A small host schema of its own: the adapter only sees it through the
// mapping below.
type (
	hProduct struct {
		ID          uint `gorm:"primaryKey"`
		Number      string
		Name        string
		Price       decimal.Decimal `gorm:"type:numeric(15,4)"`
		TaxClassID  uint
		Stock       int
		Active      bool
		MinQty      int
		MaxQty      int
		WeightGrams int
	}
	hTaxClass struct {
		ID   uint `gorm:"primaryKey"`
		Name string
	}
	hTaxRate struct {
		ID         uint `gorm:"primaryKey"`
		TaxClassID uint
		Country    string
		Rate       decimal.Decimal `gorm:"type:numeric(7,4)"`
	}
	hTranslation struct {
		ProductID uint   `gorm:"primaryKey"`
		Language  string `gorm:"primaryKey"`
		Name      string
	}
	hPrice struct {
		ProductID uint            `gorm:"primaryKey"`
		Currency  string          `gorm:"primaryKey"`
		Price     decimal.Decimal `gorm:"type:numeric(15,4)"`
	}
	hGroup struct {
		ID        uint `gorm:"primaryKey"`
		Name      string
		IsDefault bool
	}
	hGroupPrice struct {
		ID        uint `gorm:"primaryKey"`
		ProductID uint
		GroupID   *uint
		MinQty    int
		Price     decimal.Decimal `gorm:"type:numeric(15,4)"`
	}
	hCustomer struct {
		ID      uint `gorm:"primaryKey"`
		GroupID *uint
		Active  bool
	}
	hCoupon struct {
		ID             uint `gorm:"primaryKey"`
		Code           string
		Title          string
		Active         bool
		Kind           string
		Value          decimal.Decimal `gorm:"type:numeric(15,4)"`
		ValidFrom      *time.Time
		ValidUntil     *time.Time
		MinAmount      decimal.Decimal `gorm:"type:numeric(15,4)"`
		FreeShipping   bool
		MaxPerCustomer int
	}
	hCouponProduct struct {
		CouponID  uint `gorm:"primaryKey"`
		ProductID uint `gorm:"primaryKey"`
	}
	hOrder struct {
		ID         uint `gorm:"primaryKey"`
		CustomerID uint
		CouponCode string
	}
	hShipping struct {
		ID        uint `gorm:"primaryKey"`
		Code      string
		Title     string
		Carrier   string
		Country   string
		Currency  string
		Price     decimal.Decimal  `gorm:"type:numeric(15,4)"`
		FreeFrom  *decimal.Decimal `gorm:"type:numeric(15,4)"`
		MaxWeight *int
		MinAmount *decimal.Decimal `gorm:"type:numeric(15,4)"`
		Sort      int
	}
	hPayment struct {
		ID   uint `gorm:"primaryKey"`
		Code string
		Name string
		Fee  decimal.Decimal  `gorm:"type:numeric(15,4)"`
		Tax  *decimal.Decimal `gorm:"type:numeric(7,4)"`
	}
)

func (hProduct) TableName() string       { return "h_products" }
func (hTaxClass) TableName() string      { return "h_tax_classes" }
func (hTaxRate) TableName() string       { return "h_tax_rates" }
func (hTranslation) TableName() string   { return "h_translations" }
func (hPrice) TableName() string         { return "h_prices" }
func (hGroup) TableName() string         { return "h_groups" }
func (hGroupPrice) TableName() string    { return "h_group_prices" }
func (hCustomer) TableName() string      { return "h_customers" }
func (hCoupon) TableName() string        { return "h_coupons" }
func (hCouponProduct) TableName() string { return "h_coupon_products" }
func (hOrder) TableName() string         { return "h_orders" }
func (hShipping) TableName() string      { return "h_shipping" }
func (hPayment) TableName() string       { return "h_payments" }

var d = decimal.RequireFromString

func ptrD(s string) *decimal.Decimal { v := d(s); return &v }

// seedHost creates the situation of the check_cart worked example
// (docs/protocol/cart.md#worked-example) plus what the other tests need.
func seedHost(t testing.TB, db *gorm.DB) {
	t.Helper()
	if err := db.AutoMigrate(&hProduct{}, &hTaxClass{}, &hTaxRate{}, &hTranslation{}, &hPrice{}, &hGroup{}, &hGroupPrice{},
		&hCustomer{}, &hCoupon{}, &hCouponProduct{}, &hOrder{}, &hShipping{}, &hPayment{}); err != nil {
		t.Fatal(err)
	}
	two := uint(2)
	yesterday := time.Now().Add(-24 * time.Hour)
	tomorrow := time.Now().Add(24 * time.Hour)
	heavy := 5000
	rows := []any{
		&[]hTaxClass{{ID: 1, Name: "standard"}, {ID: 2, Name: "reduced"}},
		&[]hTaxRate{{ID: 1, TaxClassID: 1, Country: "DE", Rate: d("19")}, {ID: 2, TaxClassID: 1, Country: "AT", Rate: d("20")},
			{ID: 3, TaxClassID: 2, Country: "DE", Rate: d("7")}, {ID: 4, TaxClassID: 2, Country: "AT", Rate: d("10")}},
		&[]hProduct{
			{ID: 1001, Number: "TS-1001", Name: "T-Shirt", Price: d("19.95"), TaxClassID: 1, Stock: 2, Active: true, WeightGrams: 200},
			{ID: 2002, Number: "HD-2002", Name: "Hoodie", Price: d("49.95"), TaxClassID: 1, Stock: 0, Active: true, WeightGrams: 600},
			{ID: 3003, Number: "MUG-3003", Name: "Mug", Price: d("12.99"), TaxClassID: 1, Stock: 120, Active: true, WeightGrams: 400},
			{ID: 4004, Number: "OLD-4004", Name: "Retired", Price: d("5"), TaxClassID: 1, Stock: 10, Active: false},
			{ID: 5005, Number: "PACK-5005", Name: "Socks 6-pack", Price: d("10.70"), TaxClassID: 2, Stock: 50, Active: true,
				MinQty: 2, MaxQty: 10, WeightGrams: 100},
		},
		&[]hTranslation{{ProductID: 3003, Language: "de", Name: "Tasse"}},
		&[]hPrice{{ProductID: 3003, Currency: "USD", Price: d("14.49")}},
		&[]hGroup{{ID: 1, Name: "Retail", IsDefault: true}, {ID: 2, Name: "Trade"}},
		&[]hGroupPrice{{ProductID: 3003, GroupID: &two, MinQty: 1, Price: d("9.99")},
			{ProductID: 5005, MinQty: 5, Price: d("9.63")}},
		&[]hCustomer{{ID: 4711, GroupID: &two, Active: true}, {ID: 4712, Active: true}},
		&[]hCoupon{
			{ID: 12, Code: "SUMMER5", Title: "Summer voucher", Active: true, Kind: "fixed", Value: d("5")},
			{ID: 13, Code: "EXPIRED20", Active: true, Kind: "percent", Value: d("20"), ValidUntil: &yesterday},
			{ID: 14, Code: "SOON", Active: true, Kind: "fixed", Value: d("1"), ValidFrom: &tomorrow},
			{ID: 15, Code: "BIG50", Active: true, Kind: "fixed", Value: d("10"), MinAmount: d("50")},
			{ID: 16, Code: "ONCE", Active: true, Kind: "percent", Value: d("10"), MaxPerCustomer: 1},
			{ID: 17, Code: "MUGS", Active: true, Kind: "percent", Value: d("50")},
			{ID: 18, Code: "SHIPFREE", Active: true, Kind: "fixed", Value: d("0"), FreeShipping: true},
			{ID: 19, Code: "OFF", Active: false, Kind: "fixed", Value: d("3")},
		},
		&[]hCouponProduct{{CouponID: 17, ProductID: 3003}},
		&[]hOrder{{ID: 1, CustomerID: 4712, CouponCode: "ONCE"}},
		&[]hShipping{
			{Code: "dhl_standard", Title: "DHL Standard", Carrier: "DHL", Country: "DE", Currency: "EUR", Price: d("4.90"), FreeFrom: ptrD("100"), Sort: 1},
			{Code: "dhl_express", Title: "DHL Express", Carrier: "DHLEXPRESS", Country: "DE", Currency: "EUR", Price: d("14.99"), MaxWeight: &heavy, Sort: 2},
			{Code: "dhl_standard", Title: "DHL Standard", Carrier: "DHL", Country: "AT", Currency: "EUR", Price: d("9.90"), MinAmount: ptrD("20"), Sort: 1},
			{Code: "dhl_standard", Title: "DHL Standard", Carrier: "DHL", Country: "DE", Currency: "USD", Price: d("5.90"), Sort: 1},
		},
		&[]hPayment{{ID: 1, Code: "PREPAY", Name: "Prepayment"}, {ID: 2, Code: "COD", Name: "Cash on delivery", Fee: d("6"), Tax: ptrD("19")}},
	}
	for _, r := range rows {
		if err := db.Create(r).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// items is the product mapping shared with the catalogue: uids are the
// article numbers, names and prices follow the marketplace.
func items() gormcatalog.Items {
	return gormcatalog.Items{
		From: "h_products p JOIN h_tax_classes tc ON tc.id = p.tax_class_id" +
			" LEFT JOIN h_tax_rates tr ON tr.tax_class_id = p.tax_class_id AND tr.country = 'DE'" +
			" LEFT JOIN h_translations t ON t.product_id = p.id AND t.language = {lang}" +
			" LEFT JOIN h_prices pp ON pp.product_id = p.id AND pp.currency = {currency}",
		Key: "p.id", UID: "p.number", Where: "p.active",
		Fields: gormcatalog.ItemFields{
			Name: "COALESCE(t.name, p.name)", TaxPercent: "tr.rate", TaxClass: "tc.name", PriceType: "'gross'",
			SalePrice: "COALESCE(pp.price, p.price)", StockQuantity: "p.stock", UseStock: "1 = 1", Backorders: "1 = 0",
			MinimumOrderQuantity: "p.min_qty", MaximumOrderQuantity: "p.max_qty", Weight: "p.weight_grams",
		},
	}
}

func cartConfig(db *gorm.DB) gormcart.Config {
	return gormcart.Config{
		DB:    db,
		Items: items(),
		GroupPrices: &gormcart.GroupPrices{From: "h_group_prices gp", Product: "gp.product_id", Group: "gp.group_id",
			MinQuantity: "gp.min_qty", Price: "gp.price", Where: "{currency} = 'EUR'"},
		Customers: &gormcart.Customers{From: "h_customers c", ID: "c.id", Group: "c.group_id", DefaultGroup: "1",
			TaxClassKey: "'default'", Where: "c.active"},
		Coupons: &gormcart.Coupons{From: "h_coupons cp", Key: "cp.id", Code: "cp.code", Active: "cp.active",
			Name: "NULLIF(cp.title, '')", Kind: "cp.kind", Value: "cp.value", ValidFrom: "cp.valid_from",
			ValidUntil: "cp.valid_until", MinAmount: "cp.min_amount", FreeShipping: "cp.free_shipping",
			MaxPerCustomer: "cp.max_per_customer",
			Redemptions:    &gormcart.Redemptions{From: "h_orders o", Code: "o.coupon_code", Customer: "o.customer_id"},
			Products:       &gormcart.CouponProducts{From: "h_coupon_products cpp", Coupon: "cpp.coupon_id", Product: "cpp.product_id"}},
		Shipping: shipping(),
		Payments: &gormcart.Payments{From: "h_payments pm", ID: "pm.code", Name: "pm.name", Fee: "pm.fee", TaxPercent: "pm.tax",
			TaxClass: "CASE WHEN pm.tax IS NULL THEN NULL ELSE 'payment' END", SortOrder: "pm.id"},
	}
}

func shipping() *gormcart.Shipping {
	return &gormcart.Shipping{From: "h_shipping s", Where: "s.currency = {currency}", ID: "s.code", Country: "s.country",
		Title: "s.title", Carrier: "s.carrier", SortOrder: "s.sort", Price: "s.price", TaxPercent: "19",
		TaxClass: "'shipping'", FreeFrom: "s.free_from", MaxWeight: "s.max_weight", MinAmount: "s.min_amount"}
}

func settingsConfig(db *gorm.DB) gormcart.SettingsConfig {
	return gormcart.SettingsConfig{
		DB:                db,
		CustomerGroups:    &gormcart.CustomerGroups{From: "h_groups g", ID: "g.id", Name: "g.name", IsDefault: "g.is_default", TaxClassKey: "'default'"},
		Shipping:          shipping(),
		AddressCountries:  &gormcart.Countries{From: "h_tax_rates r", Country: "r.country"},
		Payments:          &gormcart.Payments{From: "h_payments pm", ID: "pm.code", Name: "pm.name"},
		ProductTaxClasses: &gormcart.TaxClasses{From: "h_tax_classes tc", ID: "tc.id", Key: "tc.name"},
		CustomerTaxClasses: &gormcart.TaxClasses{From: "(SELECT 1 AS id, 'default' AS k) x", ID: "x.id", Key: "x.k",
			IsDefault: "1 = 1"},
		TaxRates: &gormcart.TaxRates{From: "h_tax_rates r JOIN h_tax_classes tc ON tc.id = r.tax_class_id", ID: "r.id",
			Key: "tc.name || '_' || LOWER(r.country)", DisplayName: "tc.name", Percent: "r.rate", Country: "r.country",
			ProductTaxClass: "r.tax_class_id"},
	}
}

func nullDec(s string) decimal.NullDecimal { return decimal.NewNullDecimal(d(s)) }
