package gormmodels

import "time"

// RedirectKeywords caches Shopgate's Mobile Redirect keyword lists
// (Merchant API get_mobile_redirect_user_agents) so that a restart does not
// call the API again. One row per scope (normally the shop number).
type RedirectKeywords struct {
	// Scope names the list set, e.g. the Shopgate shop number.
	Scope string `gorm:"primaryKey;size:64"`
	// Keywords are newline-separated keywords.
	Keywords string `gorm:"type:text;not null;default:''"`
	// SkipKeywords are newline-separated skip keywords.
	SkipKeywords string `gorm:"type:text;not null;default:''"`
	// ListsUpdatedAt is the time of the last update of the lists, in Unix
	// seconds; after a failed refresh it is set so the lists expire again
	// five minutes later.
	ListsUpdatedAt int64 `gorm:"not null;default:0"`
	// UpdatedAt is maintained by GORM.
	UpdatedAt time.Time
}

// TableName returns shopbridge_redirect_keywords.
func (RedirectKeywords) TableName() string { return "shopbridge_redirect_keywords" }

func init() { register(&RedirectKeywords{}) }
