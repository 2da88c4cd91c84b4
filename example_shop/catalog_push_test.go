package main

import (
	"strconv"
	"testing"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
	"github.com/shopbridge/shopbridge/gormmodels"
)

// TestSoldItemsArePushed: an order enqueues one item update per sold
// product, variants as their parent item, in the order's transaction.
func TestSoldItemsArePushed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		newTestApp(t, db)
		var variant, plain Product
		if err := db.Where("parent_id IS NOT NULL").Order("id").First(&variant).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Where("parent_id IS NULL AND id <> ?", *variant.ParentID).Order("id").First(&plain).Error; err != nil {
			t.Fatal(err)
		}
		o := &Order{Items: []OrderItem{{ProductID: &variant.ID}, {ProductID: &plain.ID}, {Type: ItemCoupon}}}
		if err := db.Transaction(func(tx *gorm.DB) error { return pushSoldItems(tx, o) }); err != nil {
			t.Fatal(err)
		}
		var keys []string
		if err := db.Model(&gormmodels.OutboxJob{}).Where("kind = ?", gormcatalog.KindItem).Order("coalesce_key").
			Pluck("coalesce_key", &keys).Error; err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{strconv.Itoa(int(*variant.ParentID)): true, strconv.Itoa(int(plain.ID)): true}
		if len(keys) != 2 || !want[keys[0]] || !want[keys[1]] {
			t.Errorf("queued item keys %v, want the parent %d and %d", keys, *variant.ParentID, plain.ID)
		}
	})
}
