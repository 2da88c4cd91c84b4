package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestPingRunsNoCount: ping's shop_info comes from the catalogue
// adapter's cached counts; answering it runs no COUNT(*).
func TestPingRunsNoCount(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		t.Cleanup(a.Close)
		srv := httptest.NewServer(a.Echo)
		t.Cleanup(srv.Close)

		items := waitExactCounts(t, a)
		var want int64
		if err := db.Model(&Product{}).Where("active = ? AND parent_id IS NULL", true).Count(&want).Error; err != nil {
			t.Fatal(err)
		}
		if items != want || want == 0 {
			t.Fatalf("counted %d items, want %d", items, want)
		}

		var counts atomic.Int64
		count := func(tx *gorm.DB) {
			if strings.Contains(strings.ToUpper(tx.Statement.SQL.String()), "COUNT(") {
				counts.Add(1)
			}
		}
		if err := db.Callback().Row().After("gorm:row").Register("test:count-row", count); err != nil {
			t.Fatal(err)
		}
		if err := db.Callback().Query().After("gorm:query").Register("test:count-query", count); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			code, m, out := callShop(t, srv, time.Now(), "ping")
			if code != 0 {
				t.Fatalf("ping: %s", out)
			}
			if si := m["shop_info"].(map[string]any); int64(si["item_count"].(float64)) != want {
				t.Errorf("shop_info = %v, want item_count %d", si, want)
			}
		}
		if n := counts.Load(); n != 0 {
			t.Errorf("ping ran %d COUNT queries", n)
		}
	})
}

// waitExactCounts waits for the catalogue counts started at start-up (on
// PostgreSQL, ping answers the planner's estimate until they are known)
// and returns the item count.
func waitExactCounts(t *testing.T, a *App) int64 {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		n, err := a.catalog.Counts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n.Exact {
			return n.Items
		}
		if time.Now().After(deadline) {
			t.Fatalf("counts never exact: %+v", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
