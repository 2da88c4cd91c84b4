package gormmodels

import "time"

// ShopSettings holds the configuration keys a Shopgate shop changed
// remotely through set_settings, as one JSON document per shop. The store
// over it is adapters/gormstore.Settings.
type ShopSettings struct {
	ShopNumber string `gorm:"primaryKey;size:32"`
	Data       string `gorm:"type:text;not null"`
	UpdatedAt  time.Time
}

// TableName implements gorm's Tabler.
func (ShopSettings) TableName() string { return "shopbridge_shop_settings" }

func init() { register(&ShopSettings{}) }
