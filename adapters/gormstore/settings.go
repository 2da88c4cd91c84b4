package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/gormmodels"
)

// Settings persists Plugin API settings in the table
// shopbridge_shop_settings (gormmodels.ShopSettings), one JSON document per
// shop. It satisfies pluginapi.SettingsStore.
type Settings struct {
	// DB is the database holding shopbridge's tables.
	DB *gorm.DB
}

// Load returns the stored overrides of a shop, nil when there are none.
func (s Settings) Load(ctx context.Context, shopNumber string) (map[string]any, error) {
	var row gormmodels.ShopSettings
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
func (s Settings) Save(ctx context.Context, shopNumber string, overrides map[string]any) error {
	b, err := json.Marshal(overrides)
	if err != nil {
		return fmt.Errorf("encode settings of shop %s: %w", shopNumber, err)
	}
	row := gormmodels.ShopSettings{ShopNumber: shopNumber, Data: string(b), UpdatedAt: time.Now()}
	err = s.DB.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "shop_number"}},
		DoUpdates: clause.AssignmentColumns([]string{"data", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("save settings of shop %s: %w", shopNumber, err)
	}
	return nil
}
