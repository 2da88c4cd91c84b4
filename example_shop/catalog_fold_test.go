package main

import (
	"context"
	"strings"
	"testing"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

// TestCatalogFoldsWithGroupIndex: on PostgreSQL the shop's migration
// creates the index that lets the catalogue export read parents and
// variants in one pass (docs/catalog.md#parents-and-variants-in-one-pass),
// and the shop's mapping uses it. Sorts are switched off for the test
// database: with a few rows PostgreSQL would sort rather than read an
// index, with a million it reads the index.
func TestCatalogFoldsWithGroupIndex(t *testing.T) {
	db := testdb.New(t)
	if err := migrateShop(db); err != nil {
		t.Fatal(err)
	}
	for _, set := range []string{"enable_sort = off", "jit = off"} {
		if err := db.Exec("ALTER DATABASE " + db.Migrator().CurrentDatabase() + " SET " + set).Error; err != nil {
			t.Fatal(err)
		}
	}
	src, err := gormcatalog.New(catalogConfig(testdb.Open(t, testdb.DSN(db)), "https://shop.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	passes, err := src.ItemsPasses(context.Background(), adapters.Shop{Language: "de", Currency: Currency})
	if err != nil {
		t.Fatal(err)
	}
	if len(passes) == 0 || !strings.Contains(passes[0].SQL, "ORDER BY COALESCE(p.parent_id, p.id), p.id") {
		t.Fatalf("the export does not read parents and variants in one pass: %+v", passes)
	}
}
