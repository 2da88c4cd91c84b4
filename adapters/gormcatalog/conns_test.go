package gormcatalog

import (
	"context"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// TestOrderedPassesKeepConnections checks that each ordered pass of an
// export runs on the connection it ran on in the export before
// (docs/catalog.md#warm-connections) and as an unnamed statement: no pass
// is left prepared on any connection, where PostgreSQL would switch it to
// a generic plan from its sixth run
// (docs/catalog.md#one-ordered-pass-per-table).
func TestOrderedPassesKeepConnections(t *testing.T) {
	db := testdb.New(t)
	seed(t, db, rand.New(rand.NewPCG(11, 12)), 60, false)
	src, err := New(testConfig(db))
	if err != nil {
		t.Fatal(err)
	}
	// The watcher has a pool of its own: a query on the export's pool
	// would change which connection the next export gets.
	watch := testdb.Open(t, testdb.DSN(db))

	// passes runs an export and returns the backend of each ordered pass,
	// by query text, read while the export runs. (Variants whose key lies
	// outside their parents' range have their lists read by IN queries on
	// other connections; they are not passes.)
	passes := func() map[string]int {
		t.Helper()
		got := map[string]int{}
		var start time.Time
		if err := watch.Raw("SELECT clock_timestamp()").Scan(&start).Error; err != nil {
			t.Fatal(err)
		}
		n := 0
		err := src.Items(context.Background(), adapters.Shop{Currency: "EUR"}, adapters.CatalogQuery{Limit: -1}, func(*export.Item) error {
			if n++; n > 1 {
				return nil
			}
			var rows []struct {
				Pid   int
				Query string
			}
			if err := watch.Raw("SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND query_start >= ?"+
				" AND pid <> pg_backend_pid() AND query LIKE 'SELECT %ORDER BY%' AND query NOT LIKE '% IN (%'", start).Scan(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				got[r.Query] = r.Pid
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != src.streamConns() {
			t.Fatalf("%d ordered passes seen, want %d: %v", len(got), src.streamConns(), got)
		}
		return got
	}
	first := passes()
	for i := range 2 {
		if next := passes(); !maps.Equal(next, first) {
			t.Fatalf("export %d ran its passes on other connections:\n%v\nbefore:\n%v", i+2, next, first)
		}
	}

	// No pass is a prepared statement on any connection of the pool.
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	idle := sqlDB.Stats().Idle
	for range idle {
		c, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var stmts []string
		rows, err := c.QueryContext(ctx, "SELECT statement FROM pg_prepared_statements")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			stmts = append(stmts, s)
		}
		rows.Close()
		for _, s := range stmts {
			if strings.Contains(s, "ORDER BY") && !strings.Contains(s, " IN (") {
				t.Errorf("an ordered pass is a prepared statement: %s", s)
			}
		}
	}
}
