package testdb

import "testing"

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
