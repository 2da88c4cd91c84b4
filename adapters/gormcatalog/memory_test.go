package gormcatalog

import (
	"testing"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

// TestBatchSizes checks the default batch sizes
// (docs/catalog.md#memory-of-an-export), also of the per-marketplace
// sources a mapping with placeholders builds from the Config.
func TestBatchSizes(t *testing.T) {
	db := testdb.SQLite(t)
	items := Items{From: "p_{lang}", Key: "id", Fields: ItemFields{Name: "name"}}
	tests := []struct {
		name              string
		batch             int
		wantBatch, wantSt int
	}{
		{"default", 0, 1000, defaultStreamBatch},
		{"set", 64, 64, 64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Helper()
			src, err := New(Config{DB: db, BatchSize: tc.batch, Items: items})
			if err != nil {
				t.Fatal(err)
			}
			local, err := src.forShop(adapters.Shop{Language: "de", Currency: "EUR"})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []*Source{src, local} {
				if s.batchSize != tc.wantBatch || s.streamBatch != tc.wantSt {
					t.Errorf("batch sizes %d/%d, want %d/%d", s.batchSize, s.streamBatch, tc.wantBatch, tc.wantSt)
				}
			}
		})
	}
}

// TestCarverKeepsLastBatch checks that a carver keeps only the blocks the
// last batch used, cleared, and reuses the one that fits best.
func TestCarverKeepsLastBatch(t *testing.T) {
	var c carver[string]
	// A batch with long lists: many blocks.
	for range 40 {
		s := c.take(300)
		s = append(s, "old")
		_ = s
	}
	c.reset()
	if n := len(c.spare); n != 40 {
		t.Fatalf("%d spare blocks after the first batch, want 40", n)
	}
	for _, b := range c.spare {
		if b[:1][0] != "" {
			t.Fatal("a kept block still holds a written value")
		}
	}
	// Short batches: the spare blocks they do not use are let go.
	for range 3 {
		_ = c.take(10)
		c.reset()
	}
	if n := len(c.spare); n != 1 {
		t.Fatalf("%d spare blocks after short batches, want 1", n)
	}
	// Best fit: a small request does not take the large block.
	c.spare = append(c.spare, make([]string, 0, 4096))
	if b := c.block(100); cap(b) != 512 {
		t.Errorf("block(100) took a block of %d, want the spare one of 512", cap(b))
	}
	if b := c.block(100); cap(b) != 4096 {
		t.Errorf("second block(100) took a block of %d, want the spare one of 4096", cap(b))
	}
}
