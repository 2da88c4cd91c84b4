// Package gormorderstest creates the reference host tables that
// gormorders.Store maps onto with its default Config (the layout of the
// shopbridge example shop), for tests of code that imports orders.
package gormorderstest

import (
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Customer is a host customer; PasswordHash "" marks a guest account.
type Customer struct {
	ID           uint   `gorm:"primaryKey"`
	Number       string `gorm:"size:32;not null;uniqueIndex"`
	Email        string `gorm:"size:255;not null;uniqueIndex"`
	PasswordHash string `gorm:"size:100;not null"`
	Token        string `gorm:"size:64;not null;uniqueIndex"`
	FirstName    string `gorm:"size:128;not null"`
	LastName     string `gorm:"size:128;not null"`
	Gender       string `gorm:"size:1"`
	Phone        string `gorm:"size:64"`
	Mobile       string `gorm:"size:64"`
	Active       bool   `gorm:"not null"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName implements gorm's tabler.
func (Customer) TableName() string { return "shop_customers" }

// Address is a customer's address.
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

// Product is a host product; Number is the item number exported to Shopgate.
type Product struct {
	ID            uint            `gorm:"primaryKey"`
	Number        string          `gorm:"size:64;not null;uniqueIndex"`
	Name          string          `gorm:"size:255;not null"`
	Price         decimal.Decimal `gorm:"type:numeric(15,4);not null"`
	StockQuantity int             `gorm:"not null;default:0"`
	Active        bool            `gorm:"not null"`
}

// TableName implements gorm's tabler.
func (Product) TableName() string { return "shop_products" }

// OrderAddress is an address embedded into Order.
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

// Order is a host order.
type Order struct {
	ID              uint            `gorm:"primaryKey"`
	Number          string          `gorm:"size:32;not null;uniqueIndex"`
	Source          string          `gorm:"size:32;not null;default:web"`
	ExternalNumber  string          `gorm:"size:64;index"`
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
	IsPaid          bool            `gorm:"not null;default:false"`
	PaidAt          *time.Time
	ShippedAt       *time.Time
	Comment         string       `gorm:"type:text"`
	CustomerComment string       `gorm:"type:text"`
	InvoiceAddress  OrderAddress `gorm:"embedded;embeddedPrefix:invoice_"`
	DeliveryAddress OrderAddress `gorm:"embedded;embeddedPrefix:delivery_"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TableName implements gorm's tabler.
func (Order) TableName() string { return "shop_orders" }

// OrderItem is one line of an order.
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

// Migrate creates the reference tables in db.
func Migrate(db *gorm.DB) error {
	return db.AutoMigrate(&Customer{}, &Address{}, &Product{}, &Order{}, &OrderItem{}, &OrderHistory{})
}
