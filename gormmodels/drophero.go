package gormmodels

import (
	"time"

	"github.com/shopspring/decimal"
)

// DropHero installation states (docs/protocol/drophero.md#installation).
const (
	DropHeroKeysSaved       = "keys_saved"
	DropHeroContacted       = "contacted"
	DropHeroCategoriesSent  = "categories_sent"
	DropHeroCatalogueSynced = "catalogue_synced"
	DropHeroInstalled       = "installed"
	DropHeroKeysRejected    = "keys_rejected"
	DropHeroDisabled        = "disabled"
)

// DropHero link origins.
const (
	DropHeroImported = "imported" // the shop product was created from the DropHero item
	DropHeroManaged  = "managed"  // an existing shop product matched by EAN ("DropHero managed")
)

// DropHero order submission states
// (docs/protocol/drophero.md#order-submission).
const (
	DropHeroAwaitingPayment      = "awaiting_payment"
	DropHeroAwaitingConfirmation = "awaiting_confirmation"
	DropHeroQueued               = "queued"
	DropHeroSubmitting           = "submitting"
	DropHeroSubmitted            = "submitted"
	DropHeroRejected             = "rejected"
	DropHeroNeedsAttention       = "needs_attention"
)

// DropHeroSettings is the single row (ID 1) holding the DropHero account of
// this shop: keys encrypted with AES-256-GCM, the callback token (encrypted,
// plus its SHA-256 for the constant-time check), installation and sync state.
type DropHeroSettings struct {
	ID uint `gorm:"primaryKey"`
	// PublicKeyEnc and SecretKeyEnc are AES-256-GCM ciphertexts (base64).
	PublicKeyEnc string `gorm:"type:text;not null;default:''"`
	SecretKeyEnc string `gorm:"type:text;not null;default:''"`
	// KeyFingerprint identifies the account (SHA-256 of the public key,
	// hex); a different fingerprint means a new installation.
	KeyFingerprint string `gorm:"size:64;not null;default:''"`
	// TokenEnc is the callback token, encrypted; TokenHash its SHA-256.
	TokenEnc  string `gorm:"type:text;not null;default:''"`
	TokenHash string `gorm:"size:64;not null;default:''"`
	// InstallState is one of the DropHero* installation states, "" before keys.
	InstallState string `gorm:"size:32;not null;default:''"`
	AutoSubmit   bool   `gorm:"not null;default:false"`
	// LastSync is the request time of the last applied catalogue sync.
	LastSync       *time.Time
	LastSyncResult string `gorm:"type:text;not null;default:''"`
	LastSyncAt     *time.Time
	// LastError is the latest installation or API problem shown to the merchant.
	LastError              string `gorm:"type:text;not null;default:''"`
	LastProductsCallbackAt *time.Time
	LastOrdersCallbackAt   *time.Time
	UpdatedAt              time.Time
}

// TableName implements gorm's tabler.
func (DropHeroSettings) TableName() string { return "shopbridge_drophero_settings" }

// DropHeroGate is the cross-process rate-limit state of one DropHero
// account: the earliest time of the next request and, while a request runs,
// its holder (docs/protocol/drophero.md#crash-safe-gate).
type DropHeroGate struct {
	// PublicKey holds the SHA-256 fingerprint (hex) of the account's public
	// key, never the key itself (keys are stored only encrypted).
	PublicKey    string    `gorm:"primaryKey;size:191"`
	NextAt       time.Time `gorm:"not null"`
	CircuitUntil *time.Time
	// ClockOffset is the measured offset of DropHero's clock to ours, in
	// seconds, applied to every later signature
	// (docs/protocol/drophero.md#signature-lifetime-and-clock-skew).
	ClockOffset int64 `gorm:"not null;default:0"`
	// Holder is the random token of the request whose slot is reserved
	// (NextAt is then its lease), or empty.
	Holder string `gorm:"size:32;not null;default:''"`
}

// TableName implements gorm's tabler.
func (DropHeroGate) TableName() string { return "shopbridge_drophero_gates" }

// DropHeroLink ties a DropHero item to a host product.
type DropHeroLink struct {
	IDItem    string `gorm:"primaryKey;size:64"`
	ProductID string `gorm:"size:64;not null;index"`
	Origin    string `gorm:"size:16;not null"`
	Active    bool   `gorm:"not null"`
	// PrevPrice and PrevStock are the managed product's values before the
	// takeover, restored when the subscription ends.
	PrevPrice    decimal.NullDecimal `gorm:"type:numeric(18,4)"`
	PrevStock    *int64
	StockUnknown bool                `gorm:"not null;default:false"`
	NeedsReview  bool                `gorm:"not null;default:false"`
	Status       string              `gorm:"size:64;not null;default:''"`
	SRP          decimal.NullDecimal `gorm:"column:srp;type:numeric(18,4)"`
	RMAPolicy    string              `gorm:"type:text;not null;default:''"`
	Wholesalers  string              `gorm:"type:text;not null;default:''"` // JSON
	Payments     string              `gorm:"type:text;not null;default:''"` // JSON
	Categories   string              `gorm:"type:text;not null;default:''"` // JSON list of local category ids
	Raw          string              `gorm:"type:text;not null;default:''"`
	SyncedAt     time.Time
}

// TableName implements gorm's tabler.
func (DropHeroLink) TableName() string { return "shopbridge_drophero_links" }

// DropHeroShipping is the per-unit price of one shipping mode of one item to
// one country.
type DropHeroShipping struct {
	IDItem  string          `gorm:"primaryKey;size:64"`
	ModeID  string          `gorm:"primaryKey;size:32"`
	AreaISO string          `gorm:"primaryKey;size:8"`
	Price   decimal.Decimal `gorm:"type:numeric(18,4);not null"`
}

// TableName implements gorm's tabler.
func (DropHeroShipping) TableName() string { return "shopbridge_drophero_shipping" }

// DropHeroShippingMode caches GET /v1/shipping.
type DropHeroShippingMode struct {
	ID           string `gorm:"primaryKey;size:32"`
	AreaISO      string `gorm:"size:8;not null;default:''"`
	Name         string `gorm:"size:255;not null;default:''"`
	Description  string `gorm:"type:text;not null;default:''"`
	TransitHours string `gorm:"size:16;not null;default:''"`
}

// TableName implements gorm's tabler.
func (DropHeroShippingMode) TableName() string { return "shopbridge_drophero_shipping_modes" }

// DropHeroConflict is an item whose EAN matched several shop products (or
// only products linked to other items); the merchant resolves it.
type DropHeroConflict struct {
	IDItem     string `gorm:"primaryKey;size:64"`
	EAN        string `gorm:"size:64;not null"`
	Candidates string `gorm:"type:text;not null"` // JSON list of product ids
	Raw        string `gorm:"type:text;not null"`
	Resolved   bool   `gorm:"not null;default:false"`
	UpdatedAt  time.Time
}

// TableName implements gorm's tabler.
func (DropHeroConflict) TableName() string { return "shopbridge_drophero_conflicts" }

// DropHeroSentCategory is a category as last sent to DropHero; the category
// job diffs the host's public categories against these rows.
type DropHeroSentCategory struct {
	ID       string `gorm:"primaryKey;size:64"`
	Name     string `gorm:"size:255;not null"`
	ParentID string `gorm:"size:64;not null"`
}

// TableName implements gorm's tabler.
func (DropHeroSentCategory) TableName() string { return "shopbridge_drophero_sent_categories" }

// DropHeroOrder is the DropHero part of a host order.
type DropHeroOrder struct {
	OrderID      string `gorm:"primaryKey;size:64"` // host order number = idordershop
	State        string `gorm:"size:32;not null;index"`
	ShippingMode string `gorm:"size:32;not null;default:''"`
	// DropHeroStatus is the last applied code "1".."4" ("" before submission).
	DropHeroStatus string `gorm:"size:16;not null;default:''"`
	RawStatus      string `gorm:"type:text;not null;default:''"`
	Alert          string `gorm:"type:text;not null;default:''"`
	LastError      string `gorm:"type:text;not null;default:''"`
	// SubmitAttempted is set when a submission was first sent (queued →
	// submitting). From then on DropHero may hold the order: every further
	// submission first asks DropHero for its status
	// (docs/protocol/drophero.md#order-submission).
	SubmitAttempted bool `gorm:"not null;default:false"`
	SubmittedAt     *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TableName implements gorm's tabler.
func (DropHeroOrder) TableName() string { return "shopbridge_drophero_orders" }

// DropHeroOrderHistory records every DropHero status received for an order.
type DropHeroOrderHistory struct {
	ID        uint64 `gorm:"primaryKey"`
	OrderID   string `gorm:"size:64;not null;index"`
	Status    string `gorm:"size:16;not null"`
	Applied   bool   `gorm:"not null"`
	Note      string `gorm:"type:text;not null;default:''"`
	CreatedAt time.Time
}

// TableName implements gorm's tabler.
func (DropHeroOrderHistory) TableName() string { return "shopbridge_drophero_order_history" }

func init() {
	register(&DropHeroSettings{}, &DropHeroGate{}, &DropHeroLink{}, &DropHeroShipping{}, &DropHeroShippingMode{},
		&DropHeroConflict{}, &DropHeroSentCategory{}, &DropHeroOrder{}, &DropHeroOrderHistory{})
}
