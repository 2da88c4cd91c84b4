package gormcatalog

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// TestFoldedPass checks parents and variants read in one pass
// (docs/catalog.md#parents-and-variants-in-one-pass): with an index in
// group order the export reads them so, without it — or when the pass
// would look up a big table once per row — in two passes, and every way
// gives the batch queries' document: with variants keyed below their
// parent, far above it, variants of inactive parents, a page start and
// excluded uids.
func TestFoldedPass(t *testing.T) {
	var twoPasses int
	db := sortsOff(t, testdb.New(t), func(db *gorm.DB) {
		seed(t, db, rand.New(rand.NewPCG(13, 14)), 150, false)
		twoPasses = len(must(New(testConfig(db))).ItemsSQL())
	})
	// A joined table the folded pass looks up once per row: its size
	// decides.
	if err := db.Exec("CREATE TABLE t_names (product_id bigint PRIMARY KEY, name text)").Error; err != nil {
		t.Fatal(err)
	}
	joined := func(cfg Config) Config {
		cfg.Items.From = "t_products p LEFT JOIN t_names n ON n.product_id = p.id"
		cfg.Items.Fields.Name = "COALESCE(n.name, p.name)"
		return cfg
	}
	queries := []adapters.CatalogQuery{{Limit: -1}, {Limit: -1, Offset: 17}, {Limit: -1, ExcludeUIDs: []string{"5", "9"}}}
	for _, tc := range []struct {
		name   string
		index  bool
		lookup int // rows of t_names, -1: not joined
		fold   bool
	}{
		{"no index", false, -1, false},
		{"group index", true, -1, true},
		{"group index, small lookup", true, 50, true},
		{"group index, big lookup", true, 2 * foldLookupRows, false},
		{"index dropped", false, 50, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setup := []string{"DROP INDEX IF EXISTS t_products_group", "TRUNCATE t_names"}
			if tc.index {
				setup[0] = "CREATE INDEX IF NOT EXISTS t_products_group ON t_products ((COALESCE(parent_id, id)), id)"
			}
			if tc.lookup > 0 {
				setup = append(setup, fmt.Sprintf("INSERT INTO t_names SELECT g, 'Name ' || g FROM generate_series(1, %d) g", tc.lookup))
			}
			for _, q := range append(setup, "ANALYZE") {
				if err := db.Exec(q).Error; err != nil {
					t.Fatal(err)
				}
			}
			cfg := testConfig(db)
			if tc.lookup >= 0 {
				cfg = joined(cfg)
			}
			batchCfg := cfg
			batchCfg.BatchQueries = true
			batched, err := New(batchCfg)
			if err != nil {
				t.Fatal(err)
			}
			src, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(src.ItemsSQL()); (n == twoPasses-1) != tc.fold {
				t.Errorf("ItemsSQL gives %d queries, want folded %v", n, tc.fold)
			}
			for _, q := range queries {
				want := exportQuery(t, batched, q)
				before := foldedPasses.Load()
				got := exportQuery(t, src, q)
				folded := foldedPasses.Load() > before
				if wantFold := tc.fold && len(q.ExcludeUIDs) == 0; folded != wantFold {
					t.Errorf("query %+v: folded %v, want %v", q, folded, wantFold)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("query %+v: the document differs from the batch queries' (%d and %d bytes)", q, len(got), len(want))
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
	// New connections start with the settings.
	return testdb.Open(t, testdb.DSN(db))
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
