package testdb

import (
	"testing"

	"gorm.io/gorm"
)

func TestNewIsEmptyAndUsable(t *testing.T) {
	db := New(t)
	if err := db.Exec("CREATE TABLE x (id int primary key)").Error; err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.Raw("SELECT count(*) FROM x").Scan(&n).Error; err != nil || n != 0 {
		t.Fatalf("count = %d, err = %v", n, err)
	}
}

func TestEachRunsEveryBackend(t *testing.T) {
	var ran []string
	Each(t, func(t *testing.T, db *gorm.DB) {
		ran = append(ran, db.Dialector.Name())
		if err := db.Exec("CREATE TABLE x (id int primary key)").Error; err != nil {
			t.Fatal(err)
		}
	})
	if len(ran) == 0 || ran[0] != "sqlite" {
		t.Errorf("ran on %v", ran)
	}
}
