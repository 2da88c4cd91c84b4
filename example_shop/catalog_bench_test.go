package main

import (
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
	"github.com/shopbridge/shopbridge/pgconnect"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// BenchmarkCatalogItems runs the full get_items export of the example
// shop's mapping (source and XML writer, no HTTP) against an already seeded
// database, e.g. the one bench/catalog.sh creates:
//
//	CATALOG_BENCH_URL=postgres://.../bench_catalog_100000 go test -run '^$' -bench CatalogItems -benchtime 1x ./example_shop
//
// It reports the Go side's and PostgreSQL's CPU time per item.
func BenchmarkCatalogItems(b *testing.B) {
	url := os.Getenv("CATALOG_BENCH_URL")
	if url == "" {
		b.Skip("CATALOG_BENCH_URL not set")
	}
	// Opened like the example shop's pool (database.go).
	pool, err := pgconnect.Open(url)
	if err != nil {
		b.Fatal(err)
	}
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: pool}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		b.Fatal(err)
	}
	cfg := catalogConfig(db, "https://shop.example.com")
	if n, err := strconv.Atoi(os.Getenv("CATALOG_BENCH_BATCH")); err == nil {
		cfg.BatchSize = n
	}
	src, err := gormcatalog.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	sqlDB, _ := db.DB()
	// Keep the backends alive so their CPU time can be read at the end.
	sqlDB.SetMaxIdleConns(16)
	b.Cleanup(func() { _ = sqlDB.Close() })
	var items int
	var pgCPU, goCPU time.Duration
	for b.Loop() {
		pg0 := pgBackendCPU(b, db)
		self0 := selfCPU()
		w := export.NewItemWriter(io.Discard)
		err := src.Items(context.Background(), adapters.Shop{Currency: Currency}, adapters.CatalogQuery{Limit: -1},
			func(it *export.Item) error { items++; return w.Write(it) })
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		goCPU += selfCPU() - self0
		pgCPU += pgBackendCPU(b, db) - pg0
	}
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(float64(goCPU.Microseconds())/float64(items), "go-µs/item")
	b.ReportMetric(float64(pgCPU.Microseconds())/float64(items), "pg-µs/item")
}

// selfCPU is the user+system CPU time of this process.
func selfCPU() time.Duration { return procCPU("self") }

// pgBackendCPU sums the CPU time of the PostgreSQL backends serving the
// benchmark database (readable only when the server runs on this machine).
func pgBackendCPU(b *testing.B, db *gorm.DB) time.Duration {
	var pids []int
	if err := db.Raw("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").Scan(&pids).Error; err != nil {
		b.Fatal(err)
	}
	var t time.Duration
	for _, p := range pids {
		t += procCPU(strconv.Itoa(p))
	}
	return t
}

func procCPU(pid string) time.Duration {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseInt(f[11], 10, 64)
	sy, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+sy) * 10 * time.Millisecond
}
