package gormmodels

// LoginAttempt counts failed Shopgate Connect logins of one throttling key
// (a hashed login or a client address), so that every process serving
// the Plugin API on the same database sees the same counts. Times are
// Unix milliseconds. The adapter over it is adapters/gormcustomers.
type LoginAttempt struct {
	// Key is "login:" + hex SHA-256 of the lower-cased login, or
	// "addr:" + the client address.
	Key string `gorm:"column:attempt_key;primaryKey;size:160"`
	// Failures counts failed attempts since WindowStart.
	Failures int `gorm:"not null;default:0"`
	// WindowStart is when the current counting window began.
	WindowStart int64 `gorm:"not null;default:0"`
	// LockedUntil is the end of the current lock; 0 for none.
	LockedUntil int64 `gorm:"not null;default:0;index"`
}

// TableName returns shopbridge_login_attempts.
func (LoginAttempt) TableName() string { return "shopbridge_login_attempts" }

// Favourite is one entry of a customer's favourite list, for hosts that
// keep no favourite table of their own.
type Favourite struct {
	// CustomerID is the host's customer id (as text).
	CustomerID string `gorm:"primaryKey;size:64"`
	// ItemNumber is the product uid of the catalogue export.
	ItemNumber string `gorm:"primaryKey;size:255"`
	// CreatedAt is when it was added, in Unix milliseconds (list order).
	CreatedAt int64 `gorm:"not null;default:0"`
}

// TableName returns shopbridge_favourites.
func (Favourite) TableName() string { return "shopbridge_favourites" }

// CustomerExtra keeps the fields Shopgate sent at registration for which
// the host's tables have no column (custom fields, an address's mobile
// number, ...), as one JSON document per customer.
type CustomerExtra struct {
	// CustomerID is the host's customer id (as text).
	CustomerID string `gorm:"primaryKey;size:64"`
	// Data is the JSON document.
	Data string `gorm:"type:text;not null"`
}

// TableName returns shopbridge_customer_extras.
func (CustomerExtra) TableName() string { return "shopbridge_customer_extras" }

func init() { register(&LoginAttempt{}, &Favourite{}, &CustomerExtra{}) }
