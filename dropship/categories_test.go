package dropship_test

import (
	"testing"

	"gorm.io/gorm"
)

func TestCategorySyncCoalesced(t *testing.T) {
	e := newEnv(t, true)
	e.db.Create(&[]hostCategory{{ID: 2, Name: "Default Category", Public: true}, {ID: 5, Name: "Boots", ParentID: 2, Public: true},
		{ID: 6, Name: "Sandals", ParentID: 2, Public: true}})
	e.install()
	newBefore := e.fake.CountRequests("POST", "/v1/category/new")
	delBefore := e.fake.CountRequests("POST", "/v1/category/del")

	// A bulk edit in several transactions: create, rename, move, hide, delete.
	edits := []func(tx *gorm.DB) error{
		func(tx *gorm.DB) error {
			return tx.Create(&hostCategory{ID: 7, Name: "Wellies", ParentID: 5, Public: true}).Error
		},
		func(tx *gorm.DB) error { return tx.Model(&hostCategory{ID: 5}).Update("name", "Rain boots").Error },
		func(tx *gorm.DB) error { return tx.Model(&hostCategory{ID: 7}).Update("parent_id", 2).Error },
		func(tx *gorm.DB) error { return tx.Delete(&hostCategory{ID: 6}).Error },
	}
	for _, edit := range edits {
		if err := e.db.Transaction(func(tx *gorm.DB) error {
			if err := edit(tx); err != nil {
				return err
			}
			return e.svc.CategoriesChanged(tx)
		}); err != nil {
			t.Fatal(err)
		}
	}
	// A change rolled back with its transaction sends nothing.
	e.db.Transaction(func(tx *gorm.DB) error {
		tx.Create(&hostCategory{ID: 99, Name: "Ghost", Public: true})
		e.svc.CategoriesChanged(tx)
		return gorm.ErrInvalidTransaction
	})
	e.drain()
	if n := e.fake.CountRequests("POST", "/v1/category/new") - newBefore; n != 1 {
		t.Errorf("%d category/new requests, want 1", n)
	}
	if n := e.fake.CountRequests("POST", "/v1/category/del") - delBefore; n != 1 {
		t.Errorf("%d category/del requests, want 1", n)
	}
	cats := e.fake.Categories()
	if len(cats) != 3 || cats["5"]["name"] != "Rain boots" || cats["6"] != nil || cats["99"] != nil {
		t.Errorf("categories at DropHero: %v", cats)
	}
	if p := cats["7"]; p == nil || p["parent_id"] == nil || p["parent_id"].(interface{ String() string }).String() != "2" {
		t.Errorf("moved category: %v", cats["7"])
	}
	// Hiding a category deletes it at DropHero.
	e.db.Transaction(func(tx *gorm.DB) error {
		tx.Model(&hostCategory{ID: 7}).Update("public", false)
		return e.svc.CategoriesChanged(tx)
	})
	e.drain()
	if e.fake.Categories()["7"] != nil {
		t.Error("hidden category still at DropHero")
	}
}
