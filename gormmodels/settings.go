package gormmodels

import "time"

// ShopSettings holds the configuration keys a Shopgate shop changed
// remotely through set_settings, as one JSON document per shop. The store
// over it is adapters/gormstore.Settings.
type ShopSettings struct {
	ShopNumber string `gorm:"primaryKey;size:32"`
	Data       string `gorm:"type:text;not null"`
	UpdatedAt  time.Time
	// Version counts the saves of this row (1 on insert, +1 on every
	// update): the sum over all rows changes with every save, so another
	// process can tell cheaply that it must re-read (settingsync).
	Version int64 `gorm:"not null;default:0"`
}

// TableName implements gorm's Tabler.
func (ShopSettings) TableName() string { return "shopbridge_shop_settings" }

func init() { register(&ShopSettings{}) }
