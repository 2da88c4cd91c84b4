package gormcatalog

import (
	"math/rand/v2"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

// TestItemsSQL: the raw-read queries run, and the parents' one returns
// the exported parents in export order.
func TestItemsSQL(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		cat := seed(t, db, rand.New(rand.NewPCG(7, 8)), 30, db.Dialector.Name() == "sqlite")
		src, err := New(testConfig(db))
		if err != nil {
			t.Fatal(err)
		}
		qs := src.ItemsSQL()
		// parents, variants, images, categories, tags, attributes
		if len(qs) != 6 {
			t.Fatalf("%d queries: %q", len(qs), qs)
		}
		for i, q := range qs {
			if strings.ContainsAny(q, "?\n") {
				t.Errorf("query %q has a placeholder or a newline", q)
			}
			rows, err := db.Raw(q).Rows()
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			var keys []string
			for rows.Next() {
				if i == 0 {
					var k string
					var rest = make([]any, 0)
					cols, _ := rows.Columns()
					dest := []any{&k}
					for range cols[1:] {
						var x any
						rest = append(rest, &x)
					}
					if err := rows.Scan(append(dest, rest...)...); err != nil {
						t.Fatal(err)
					}
					keys = append(keys, k)
				}
			}
			rows.Close()
			if i == 0 && strings.Join(keys, ",") != strings.Join(cat.items, ",") {
				t.Errorf("parents %v, want %v", keys, cat.items)
			}
		}
	})
}

// TestItemsSQLFor: the raw-read queries of a marketplace carry its
// language and currency, as its export reads them.
func TestItemsSQLFor(t *testing.T) {
	db := testdb.SQLite(t)
	src, err := New(Config{DB: db, Items: Items{From: "p JOIN prices pr ON pr.id = p.id AND pr.currency = {currency}",
		Key: "p.id", Fields: ItemFields{Name: "p.name_{lang}"}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		shop adapters.Shop
		want string
	}{
		{"marketplace", adapters.Shop{Language: "de", Currency: "eur"}, "pr.currency = 'EUR'"},
		{"none", adapters.Shop{}, "pr.currency = ''"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Helper()
			qs := src.ItemsSQLFor(tc.shop)
			if len(qs) != 1 || !strings.Contains(qs[0], tc.want) {
				t.Errorf("queries %q, want one containing %q", qs, tc.want)
			}
		})
	}
	if got := src.ItemsSQL(); len(got) != 1 || !strings.Contains(got[0], "pr.currency = ''") {
		t.Errorf("ItemsSQL %q", got)
	}
}
