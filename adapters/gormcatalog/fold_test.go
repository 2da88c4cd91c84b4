package gormcatalog

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// TestFoldedPass checks parents and variants read in one pass
// (docs/catalog.md#parents-and-variants-in-one-pass): with an index in
// group order the export reads them so, without it in two passes, and
// both give the batch queries' document — with variants keyed below their
// parent, far above it, variants of inactive parents, a page start and
// excluded uids.
func TestFoldedPass(t *testing.T) {
	var twoPasses int
	db := sortsOff(t, testdb.New(t), func(db *gorm.DB) {
		seed(t, db, rand.New(rand.NewPCG(13, 14)), 150, false)
		twoPasses = len(must(New(testConfig(db))).ItemsSQL())
	})
	queries := []adapters.CatalogQuery{{Limit: -1}, {Limit: -1, Offset: 17}, {Limit: -1, ExcludeUIDs: []string{"5", "9"}}}
	batchCfg := testConfig(db)
	batchCfg.BatchQueries = true
	batched, err := New(batchCfg)
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]byte, len(queries))
	for i, q := range queries {
		want[i] = exportQuery(t, batched, q)
	}

	for _, tc := range []struct {
		name  string
		index bool
	}{{"no index", false}, {"group index", true}, {"index dropped", false}} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.index {
				if err := db.Exec("CREATE INDEX t_products_group ON t_products ((COALESCE(parent_id, id)), id)").Error; err != nil {
					t.Fatal(err)
				}
			} else if err := db.Exec("DROP INDEX IF EXISTS t_products_group").Error; err != nil {
				t.Fatal(err)
			}
			src, err := New(testConfig(db))
			if err != nil {
				t.Fatal(err)
			}
			if n := len(src.ItemsSQL()); (n == twoPasses-1) != tc.index {
				t.Errorf("ItemsSQL gives %d queries, folded %v", n, tc.index)
			}
			for i, q := range queries {
				before := foldedPasses.Load()
				got := exportQuery(t, src, q)
				folded := foldedPasses.Load() > before
				if wantFold := tc.index && len(q.ExcludeUIDs) == 0; folded != wantFold {
					t.Errorf("query %+v: folded %v, want %v", q, folded, wantFold)
				}
				if !bytes.Equal(got, want[i]) {
					t.Errorf("query %+v: the document differs from the batch queries' (%d and %d bytes)", q, len(got), len(want[i]))
				}
			}
		})
	}
}

// sortsOff runs setup on db, then returns a new pool on db's database
// whose connections plan without sorts where they can: a table as small
// as a test's is sorted rather than read through an index, and without
// sorts the planner takes the index whenever there is one, as it does for
// a big catalogue. (A disabled sort's cost would also make every plan
// look worth compiling: no JIT.)
func sortsOff(t *testing.T, db *gorm.DB, setup func(db *gorm.DB)) *gorm.DB {
	t.Helper()
	setup(db)
	var name string
	if err := db.Raw("SELECT current_database()").Scan(&name).Error; err != nil {
		t.Fatal(err)
	}
	for _, set := range []string{"enable_sort = off", "jit = off"} {
		if err := db.Exec("ALTER DATABASE " + name + " SET " + set).Error; err != nil {
			t.Fatal(err)
		}
	}
	fresh, err := gorm.Open(postgres.Open(db.Dialector.(*postgres.Dialector).DSN), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := fresh.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(40)
	sqlDB.SetMaxIdleConns(20)
	t.Cleanup(func() { sqlDB.Close() })
	return fresh
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// exportQuery returns the document of an Items export of q.
func exportQuery(t *testing.T, src *Source, q adapters.CatalogQuery) []byte {
	t.Helper()
	var b bytes.Buffer
	w := export.NewItemWriter(&b)
	if err := src.Items(context.Background(), adapters.Shop{Currency: "EUR"}, q, func(it *export.Item) error { return w.Write(it) }); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
