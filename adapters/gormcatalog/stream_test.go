package gormcatalog

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate/export"
	"gorm.io/gorm"
)

// fullExport is exportBytes returning its error (usable off the test
// goroutine).
func fullExport(src *Source) ([]byte, error) {
	var b bytes.Buffer
	w := export.NewItemWriter(&b)
	if err := src.Items(context.Background(), adapters.Shop{Currency: "EUR"}, adapters.CatalogQuery{Limit: -1},
		func(it *export.Item) error { return w.Write(it) }); err != nil {
		return nil, err
	}
	err := w.Close()
	return b.Bytes(), err
}

// TestOrderedPasses checks the whole-catalogue export in ordered passes
// (docs/catalog.md#one-ordered-pass-per-table) against batch queries:
// concurrent exports, an export after one that stopped early, and a pool
// too small for the passes.
func TestOrderedPasses(t *testing.T) {
	db := testdb.New(t)
	seed(t, db, rand.New(rand.NewPCG(7, 8)), 120, false)
	want, src := batchedAndStreamed(t, db)
	if !src.canStream(adapters.CatalogQuery{Limit: -1}) {
		t.Fatal("a whole-catalogue export on PostgreSQL does not read ordered passes")
	}
	src.streaming.Store(false)
	for _, q := range []adapters.CatalogQuery{{Limit: 10}, {Limit: -1, UIDs: []string{"1"}}} {
		if src.canStream(q) {
			t.Errorf("query %+v reads ordered passes", q)
		}
	}

	// One export reads ordered passes, the ones running at the same time
	// batch queries; all give the same document.
	got := make([][]byte, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = fullExport(src)
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || !bytes.Equal(got[i], want) {
			t.Fatalf("concurrent export %d: err %v, same document %v", i, errs[i], bytes.Equal(got[i], want))
		}
	}

	// An export that stops early drops its open queries; the next one
	// reads everything again.
	stop := errors.New("stop")
	n := 0
	err := src.Items(context.Background(), adapters.Shop{Currency: "EUR"}, adapters.CatalogQuery{Limit: -1}, func(*export.Item) error {
		if n++; n == 9 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("stopped export: %v", err)
	}
	if b, err := fullExport(src); err != nil || !bytes.Equal(b, want) {
		t.Fatalf("export after a stopped one: err %v, same document %v", err, bytes.Equal(b, want))
	}

	// A pool too small for one connection per table reads batch by batch.
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(src.streamConns())
	t.Cleanup(func() { sqlDB.SetMaxOpenConns(40) })
	if src.canStream(adapters.CatalogQuery{Limit: -1}) {
		t.Fatal("ordered passes with a pool of", src.streamConns())
	}
	if b, err := fullExport(src); err != nil || !bytes.Equal(b, want) {
		t.Fatalf("export on a small pool: err %v, same document %v", err, bytes.Equal(b, want))
	}
}

// TestOrderedPassesReuseText checks that the text blocks an ordered pass
// reuses (docs/catalog.md#text-blocks-reused-per-batch) never overwrite
// text of a batch not yet written: long, distinct descriptions over many
// small batches give the same document as batch queries.
func TestOrderedPassesReuseText(t *testing.T) {
	db := testdb.New(t)
	seed(t, db, rand.New(rand.NewPCG(9, 10)), 150, false)
	// Long descriptions (carved from the blocks, below the size that gets
	// an allocation of its own), different for every product.
	if err := db.Exec(`UPDATE t_products SET description = repeat(md5(id::text), (90 + abs(id) % 20)::int)`).Error; err != nil {
		t.Fatal(err)
	}
	want, src := batchedAndStreamed(t, db)
	before := arenaReused.Load()
	for i := range 2 {
		if b, err := fullExport(src); err != nil || !bytes.Equal(b, want) {
			t.Fatalf("export %d: err %v, same document %v", i, err, bytes.Equal(b, want))
		}
	}
	if arenaReused.Load() == before {
		t.Error("no text block was reused")
	}
}

// batchedAndStreamed returns the document of an export with batch queries
// (the reference) and a source on db that reads ordered passes.
func batchedAndStreamed(t *testing.T, db *gorm.DB) ([]byte, *Source) {
	t.Helper()
	batchCfg := testConfig(db)
	batchCfg.BatchQueries = true
	batched, err := New(batchCfg)
	if err != nil {
		t.Fatal(err)
	}
	want := exportBytes(t, batched)
	src, err := New(testConfig(db))
	if err != nil {
		t.Fatal(err)
	}
	return want, src
}
