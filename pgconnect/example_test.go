package pgconnect_test

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/pgconnect"
)

// A shop opens its PostgreSQL pool through pgconnect and hands it to GORM;
// long results (the catalogue export) then take up to 64 KiB per read.
func ExampleOpen() {
	sqlDB, err := pgconnect.Open(os.Getenv("TEST_DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer sqlDB.Close()
	sqlDB.SetMaxOpenConns(50)
	sqlDB.SetMaxIdleConns(25)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)

	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		log.Fatal(err)
	}
	var total int64
	if err := db.Raw("SELECT sum(length(repeat('x', g))) FROM generate_series(1, 1000) g").Scan(&total).Error; err != nil {
		log.Fatal(err)
	}
	fmt.Println(total)
	// Output: 500500
}

// TestMain runs the example, which needs a server, only when
// TEST_DATABASE_URL is set; tests without one skip themselves (or fail
// under CI, see internal/testdb).
func TestMain(m *testing.M) {
	flag.Parse()
	if os.Getenv("TEST_DATABASE_URL") == "" {
		if err := flag.Set("test.skip", "^Example"); err != nil {
			log.Fatal(err)
		}
	}
	os.Exit(m.Run())
}

// A host that uses pgx directly (here pgxpool) puts the buffer under its
// own configuration.
func ExampleLargeReads() {
	cfg, err := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	pgconnect.LargeReads(&cfg.ConnConfig.Config, pgconnect.ReadBufferSize)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
}
