package gormcart_test

import (
	"testing"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcart"
	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

// With no UID the item numbers are the keys: numeric item numbers are
// looked up by the key itself, whether the key column is an integer or
// text (docs/protocol/cart.md#list-arguments).
func TestKeyOnlyMapping(t *testing.T) {
	for _, tc := range []struct {
		name, table, key string
	}{{"integer key", "CREATE TABLE h_kint (k INTEGER PRIMARY KEY, name TEXT, price NUMERIC(15,4))", "k"},
		{"bigint key", "CREATE TABLE h_kint (k BIGINT PRIMARY KEY, name TEXT, price NUMERIC(15,4))", "k"},
		{"text key", "CREATE TABLE h_kint (k VARCHAR(32) PRIMARY KEY, name TEXT, price NUMERIC(15,4))", "k"}} {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *gorm.DB) {
				for _, stmt := range []string{tc.table, "INSERT INTO h_kint VALUES (12, 'Twelve', 3.5), (4711, 'Big', 1)"} {
					if err := db.Exec(stmt).Error; err != nil {
						t.Fatal(err)
					}
				}
				c, err := gormcart.New(gormcart.Config{DB: db, Items: gormcatalog.Items{From: "h_kint x", Key: "x." + tc.key,
					Fields: gormcatalog.ItemFields{Name: "x.name", Price: "x.price", TaxPercent: "19"}}})
				if err != nil {
					t.Fatal(err)
				}
				for _, numbers := range [][]string{{"12", "4711", "13"}, {"12", "abc"}} {
					var items []adapters.CartItem
					for _, n := range numbers {
						items = append(items, adapters.CartItem{ItemNumber: n, Quantity: 1})
					}
					res := check(t, c, shopDE, &adapters.Cart{Currency: "EUR", Items: items})
					for i, v := range res.Items {
						if found := v.Error != adapters.ItemErrNotFound; found != (numbers[i] == "12" || numbers[i] == "4711") {
							t.Errorf("%v: item %s: %+v", numbers, numbers[i], v)
						}
					}
				}
			})
		})
	}
}
