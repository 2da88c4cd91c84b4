package gormcatalog

import (
	"bytes"
	"context"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// TestNoSeqScanPerRow checks docs/catalog.md#no-sequential-scan-per-row:
// a pass that PostgreSQL would run as a nested loop scanning an empty
// joined table once per row runs without sequential scans, gives the
// batch queries' document, and leaves no transaction or setting behind on
// the pool's connections.
func TestNoSeqScanPerRow(t *testing.T) {
	db := sortsOff(t, testdb.New(t), func(db *gorm.DB) { seed(t, db, rand.New(rand.NewPCG(15, 16)), 60, false) })
	setup := []string{
		// Translations no marketplace has yet, and enough variants that a
		// scan of them per variant row matters.
		"CREATE TABLE t_texts (product_id bigint, lang text, name text, PRIMARY KEY (product_id, lang))",
		"INSERT INTO t_products (id, parent_id, sku, name, description, price, stock, active, ean, updated_at)" +
			" SELECT 5000000 + g, (SELECT min(id) FROM t_products WHERE parent_id IS NULL AND active), 'V' || g, 'Variant ' || g, '', 1, 1, true, '', now()" +
			" FROM generate_series(1, 3000) g",
		"ANALYZE",
	}
	for _, q := range setup {
		if err := db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	cfg := testConfig(db)
	cfg.Items.From = "t_products p LEFT JOIN t_texts tx ON tx.product_id = p.id AND tx.lang = 'de'"
	cfg.Items.Fields.Name = "COALESCE(tx.name, p.name)"
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

	// The variants pass is planned with a sequential scan per row, and
	// without it once sequential scans are off.
	var variants string
	for _, q := range src.ItemsSQL() {
		if strings.HasPrefix(q, "SELECT p.parent_id") {
			variants = q
		}
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = conn.Raw(func(dc any) error {
		c := dc.(pgxConn).Conn()
		plain, err := explain(ctx, c, variants, nil, false)
		if err != nil {
			return err
		}
		if !seqPerRow(plain) {
			t.Fatalf("test setup: the variants pass has no sequential scan per row: %+v", plain)
		}
		plan, noSeq, err := passPlan(ctx, c, variants, nil)
		if err != nil {
			return err
		}
		if !noSeq || seqPerRow(plan) {
			t.Errorf("passPlan: noSeq %v, sequential scan per row %v", noSeq, seqPerRow(plan))
		}
		return nil
	})
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	// ItemsPasses, which the raw read of bench/catalog.sh runs, says so.
	passes, err := src.ItemsPasses(ctx, adapters.Shop{Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range passes {
		if want := p.SQL == variants; p.NoSeqScan != want {
			t.Errorf("ItemsPasses: NoSeqScan %v for %s", p.NoSeqScan, p.SQL)
		}
	}

	// While the export runs, the variants pass is inside a transaction of
	// its own (begun before the query: xact_start < query_start), the
	// parents pass is not; with the group index the folded pass, planned
	// before it is opened, is (docs/catalog.md#parents-and-variants-in-one-pass).
	// A watcher pool of its own reads it.
	watch := testdb.Open(t, testdb.DSN(db))
	want := exportBytes(t, batched)
	for i, folded := range []bool{false, false, true} {
		if folded {
			if err := db.Exec("CREATE INDEX t_products_group ON t_products ((COALESCE(parent_id, id)), id)").Error; err != nil {
				t.Fatal(err)
			}
		}
		// Passes of this export only: an idle pooled connection keeps the
		// text of the last query it ran.
		var start time.Time
		if err := watch.Raw("SELECT clock_timestamp()").Scan(&start).Error; err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		w := export.NewItemWriter(&b)
		inTx := map[string]bool{}
		err := src.Items(ctx, adapters.Shop{Currency: "EUR"}, adapters.CatalogQuery{Limit: -1}, func(it *export.Item) error {
			if len(inTx) == 0 {
				var rows []struct {
					Query string
					InTx  bool
				}
				if err := watch.Raw("SELECT query, xact_start < query_start AS in_tx FROM pg_stat_activity"+
					" WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'SELECT p.%ORDER BY%'"+
					" AND query_start >= ?", start).Scan(&rows).Error; err != nil {
					return err
				}
				for _, r := range rows {
					pass := "parents"
					switch {
					case strings.Contains(r.Query, "ORDER BY COALESCE"):
						pass = "folded"
					case strings.HasPrefix(r.Query, "SELECT p.parent_id"):
						pass = "variants"
					}
					inTx[pass] = r.InTx
				}
			}
			return w.Write(it)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Fatalf("export %d differs from the batch queries' document", i)
		}
		wantTx := map[string]bool{"parents": false, "variants": true}
		if folded {
			wantTx = map[string]bool{"folded": true}
		}
		if !maps.Equal(inTx, wantTx) {
			t.Errorf("export %d: passes in a transaction %v, want %v", i, inTx, wantTx)
		}
	}
	// Every idle connection is out of its transaction, with the default
	// setting.
	for range sqlDB.Stats().Idle {
		c, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var seqscan string
		if err := c.QueryRowContext(ctx, "SHOW enable_seqscan").Scan(&seqscan); err != nil || seqscan != "on" {
			t.Errorf("an idle connection has enable_seqscan %q (%v)", seqscan, err)
		}
		if err := c.Raw(func(dc any) error {
			if s := dc.(pgxConn).Conn().PgConn().TxStatus(); s != 'I' {
				t.Errorf("an idle connection is in a transaction (%c)", s)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}
