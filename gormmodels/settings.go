package gormmodels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ShopSettings holds the configuration keys a Shopgate shop changed
// remotely through set_settings, as one JSON document per shop.
type ShopSettings struct {
	ShopNumber string `gorm:"primaryKey;size:32"`
	Data       string `gorm:"type:text;not null"`
	UpdatedAt  time.Time
}

// TableName implements gorm's Tabler.
func (ShopSettings) TableName() string { return "shopbridge_shop_settings" }

func init() { register(&ShopSettings{}) }

// SettingsStore persists Plugin API settings in ShopSettings. It
// satisfies pluginapi.SettingsStore.
type SettingsStore struct {
	DB *gorm.DB
}

// Load returns the stored overrides of a shop, nil when there are none.
func (s SettingsStore) Load(ctx context.Context, shopNumber string) (map[string]any, error) {
	var row ShopSettings
	err := s.DB.WithContext(ctx).Where("shop_number = ?", shopNumber).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load settings of shop %s: %w", shopNumber, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(row.Data), &m); err != nil {
		return nil, fmt.Errorf("decode settings of shop %s: %w", shopNumber, err)
	}
	return m, nil
}

// Save replaces the stored overrides of a shop in one statement.
func (s SettingsStore) Save(ctx context.Context, shopNumber string, overrides map[string]any) error {
	b, err := json.Marshal(overrides)
	if err != nil {
		return fmt.Errorf("encode settings of shop %s: %w", shopNumber, err)
	}
	row := ShopSettings{ShopNumber: shopNumber, Data: string(b), UpdatedAt: time.Now()}
	err = s.DB.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "shop_number"}},
		DoUpdates: clause.AssignmentColumns([]string{"data", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("save settings of shop %s: %w", shopNumber, err)
	}
	return nil
}
