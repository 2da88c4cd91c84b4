package gormmodels

import "time"

// RateBudget is one token bucket of a request budget shared by every
// process on the database, e.g. the Shopgate Merchant API budget of one
// merchant. The store over it is adapters/gormstore.RateBudget, which
// updates a row in one atomic statement.
type RateBudget struct {
	// Key names the bucket (for the Merchant API: base URL and merchant,
	// never a secret).
	Key string `gorm:"primaryKey;type:text"`
	// Tokens is what the bucket held at UpdatedAt (a fraction of a request
	// accrues between requests; tokens are not money).
	Tokens float64 `gorm:"not null"`
	// UpdatedAt is the time of the last granted request, as the callers'
	// clock saw it.
	UpdatedAt time.Time `gorm:"not null"`
}

// TableName returns shopbridge_rate_budgets.
func (RateBudget) TableName() string { return "shopbridge_rate_budgets" }

func init() { register(&RateBudget{}) }
