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

// SettingsChannel is the PostgreSQL notification channel Save notifies
// after every change, with the shop number as payload; settingsync listens
// on it (docs/architecture.md#shared-settings).
const SettingsChannel = "shopbridge_settings"

// Save replaces the stored overrides of a shop in one statement and counts
// the row's Version up. On PostgreSQL the same transaction notifies
// SettingsChannel, so every process listening learns of the change when it
// commits (docs/architecture.md#shared-settings).
func (s Settings) Save(ctx context.Context, shopNumber string, overrides map[string]any) error {
	b, err := json.Marshal(overrides)
	if err != nil {
		return fmt.Errorf("encode settings of shop %s: %w", shopNumber, err)
	}
	row := gormmodels.ShopSettings{ShopNumber: shopNumber, Data: string(b), UpdatedAt: time.Now(), Version: 1}
	save := func(tx *gorm.DB) error {
		return tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "shop_number"}},
			DoUpdates: clause.Assignments(map[string]any{"data": row.Data, "updated_at": row.UpdatedAt,
				"version": gorm.Expr(row.TableName() + ".version + 1")}),
		}).Create(&row).Error
	}
	db := s.DB.WithContext(ctx)
	if db.Dialector.Name() == "postgres" {
		err = db.Transaction(func(tx *gorm.DB) error {
			if err := save(tx); err != nil {
				return err
			}
			return tx.Exec("SELECT pg_notify(?, ?)", SettingsChannel, shopNumber).Error
		})
	} else {
		err = save(db)
	}
	if err != nil {
		return fmt.Errorf("save settings of shop %s: %w", shopNumber, err)
	}
	return nil
}

// Update reads the stored overrides of a shop, passes them to fn (nil when
// none) and saves what fn returns, in one transaction that holds the row
// (on PostgreSQL SELECT ... FOR UPDATE), so that two processes changing
// the settings of one shop at the same moment never lose each other's
// change. An error of fn aborts the transaction and is returned as is.
// It counts Version up and notifies like Save.
func (s Settings) Update(ctx context.Context, shopNumber string, fn func(stored map[string]any) (map[string]any, error)) error {
	db := s.DB.WithContext(ctx)
	pg := db.Dialector.Name() == "postgres"
	return db.Transaction(func(tx *gorm.DB) error {
		// Create the row first (version 0) so that there is a row to lock
		// and the first writer of a new shop holds it too.
		empty := gormmodels.ShopSettings{ShopNumber: shopNumber, Data: "{}", UpdatedAt: time.Now()}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&empty).Error; err != nil {
			return fmt.Errorf("update settings of shop %s: %w", shopNumber, err)
		}
		var row gormmodels.ShopSettings
		q := tx.Where("shop_number = ?", shopNumber)
		if pg {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Take(&row).Error; err != nil {
			return fmt.Errorf("update settings of shop %s: %w", shopNumber, err)
		}
		var stored map[string]any
		if err := json.Unmarshal([]byte(row.Data), &stored); err != nil {
			return fmt.Errorf("decode settings of shop %s: %w", shopNumber, err)
		}
		if len(stored) == 0 {
			stored = nil
		}
		next, err := fn(stored)
		if err != nil {
			return err
		}
		b, err := json.Marshal(next)
		if err != nil {
			return fmt.Errorf("encode settings of shop %s: %w", shopNumber, err)
		}
		err = tx.Model(&gormmodels.ShopSettings{}).Where("shop_number = ?", shopNumber).Updates(map[string]any{
			"data": string(b), "updated_at": time.Now(), "version": gorm.Expr("version + 1")}).Error
		if err == nil && pg {
			err = tx.Exec("SELECT pg_notify(?, ?)", SettingsChannel, shopNumber).Error
		}
		if err != nil {
			return fmt.Errorf("save settings of shop %s: %w", shopNumber, err)
		}
		return nil
	})
}

// Version returns a number that changes with every Save of any shop (the
// sum of the rows' Version): a cheap check whether the stored settings
// must be read again.
func (s Settings) Version(ctx context.Context) (int64, error) {
	var v int64
	err := s.DB.WithContext(ctx).Model(&gormmodels.ShopSettings{}).Select("COALESCE(SUM(version), 0)").Scan(&v).Error
	if err != nil {
		return 0, fmt.Errorf("read settings version: %w", err)
	}
	return v, nil
}
