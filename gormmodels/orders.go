package gormmodels

import (
	"time"

	"github.com/shopspring/decimal"
)

// ShopgateOrder is the bookkeeping row of one imported Shopgate order: it
// maps the Shopgate order number to the host order and keeps Shopgate's
// flags and the synchronisation state of shipping and cancellation.
//
// The unique index on OrderNumber is what makes add_order idempotent: the
// row is inserted last inside the import transaction, after the host
// order, with ON CONFLICT DO NOTHING. A concurrent import of the same
// number waits on the index entry of the uncommitted row; when the first
// import commits, the others insert nothing and roll back their whole
// transaction (host order included) with Plugin API error 60.
type ShopgateOrder struct {
	ID uint64 `gorm:"primaryKey"`
	// OrderNumber is Shopgate's order number (unique).
	OrderNumber string `gorm:"size:64;not null;uniqueIndex:ux_shopbridge_shopgate_orders_number"`
	// ShopNumber is the Shopgate shop the order belongs to.
	ShopNumber string `gorm:"size:32;not null;default:''"`
	// HostOrderID and HostOrderNumber identify the host order.
	HostOrderID     string `gorm:"size:64;not null;default:'';index"`
	HostOrderNumber string `gorm:"size:64;not null;default:''"`
	// HostCustomerID is the account the order was attached to ("" = none).
	HostCustomerID string `gorm:"size:64;not null;default:''"`
	// Guest says whether that account is a guest account.
	Guest bool `gorm:"not null;default:false"`

	// Shopgate's flags as of the last import or update.
	IsPaid                   bool `gorm:"not null;default:false"`
	IsShippingBlocked        bool `gorm:"not null;default:false"`
	IsShippingCompleted      bool `gorm:"not null;default:false"`
	IsCustomerInvoiceBlocked bool `gorm:"not null;default:false"`
	IsStorno                 bool `gorm:"not null;default:false"`
	IsTest                   bool `gorm:"not null;default:false"`
	// PaymentMethod and PaymentGroup are Shopgate's codes.
	PaymentMethod string `gorm:"size:64;not null;default:''"`
	PaymentGroup  string `gorm:"size:64;not null;default:''"`
	// PaymentTime, PaymentTransactionNumber and PaymentInfos are Shopgate's
	// payment details as last taken over (docs/protocol/orders.md#u2-payment);
	// PaymentInfos is the payment_infos object as JSON. They tell update_order
	// whether the payment details changed.
	PaymentTime              *time.Time
	PaymentTransactionNumber string `gorm:"size:255;not null;default:''"`
	PaymentInfos             string `gorm:"type:text;not null;default:''"`
	// Currency and AmountComplete are Shopgate's total, stored exactly.
	Currency       string          `gorm:"size:3;not null;default:''"`
	AmountComplete decimal.Decimal `gorm:"type:numeric(20,4);not null;default:0"`
	// Notes are the discrepancies found at import, one per line.
	Notes string `gorm:"type:text;not null;default:''"`
	// RawOrder is the order's JSON object exactly as received from
	// get_orders at import, unknown keys included, for audit.
	RawOrder string `gorm:"type:text;not null;default:''"`

	// ShippingReportedAt is when Shopgate accepted the completed shipping.
	ShippingReportedAt *time.Time
	// CancellationReportedAt is when Shopgate accepted the complete cancellation.
	CancellationReportedAt *time.Time
	// ReportedCancellations is the JSON map item_number → quantity of the
	// partial cancellations Shopgate accepted so far (updated when
	// cancel_order succeeds; each quantity is sent once).
	ReportedCancellations string `gorm:"type:text;not null;default:''"`
	// SyncError is the last permanent error of a sync job, for the merchant.
	SyncError string `gorm:"type:text;not null;default:''"`

	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName implements gorm's tabler.
func (ShopgateOrder) TableName() string { return "shopbridge_shopgate_orders" }

func init() { register(&ShopgateOrder{}) }
