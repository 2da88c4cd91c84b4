package gormmodels_test

import (
	"sync"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

// openPool opens a pool of its own on url, as a separate process would.
func openPool(t *testing.T, url string) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(postgres.Open(url), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(2)
	t.Cleanup(func() { sqlDB.Close() })
	return db
}

// heldAdvisoryLocks counts the advisory locks held in db's database.
func heldAdvisoryLocks(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Raw(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Several processes started together on one empty PostgreSQL database all
// migrate it (regression: without the lock some failed with "relation
// already exists"; docs/operations.md#migration-lock).
func TestMigrateConcurrentProcessesOnEmptyPostgres(t *testing.T) {
	url := testdb.NewURL(t)
	const n = 6
	pools := make([]*gorm.DB, n)
	for i := range pools {
		pools[i] = openPool(t, url)
	}
	for round := 0; round < 2; round++ { // empty database, then a restart
		start := make(chan struct{})
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, db := range pools {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = gormmodels.Migrate(db)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d: process %d: %v", round, i, err)
			}
		}
	}
	for _, m := range gormmodels.All() {
		if !pools[0].Migrator().HasTable(m) {
			t.Errorf("table of %T missing", m)
		}
	}
	if got := heldAdvisoryLocks(t, pools[0]); got != 0 {
		t.Errorf("%d advisory locks still held after the migrations", got)
	}
}

// A host migrating its own tables under the lock and then calling Migrate
// on the pinned session holds the lock once, re-entrantly, and releases it.
func TestWithMigrationLockNested(t *testing.T) {
	type hostThing struct {
		ID        uint
		Name      string
		CreatedAt time.Time
	}
	tests := []struct {
		name string
		open func(t testing.TB) *gorm.DB
	}{
		{"postgres", testdb.New},
		{"sqlite", testdb.SQLite},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			// A restart: everything exists, so the migrations compare
			// column types (regression: a statement shared with the lock
			// query broke them).
			if err := gormmodels.Migrate(db); err != nil {
				t.Fatal(err)
			}
			ran := false
			err := gormmodels.WithMigrationLock(db, func(tx *gorm.DB) error {
				ran = true
				if err := tx.AutoMigrate(&hostThing{}); err != nil {
					return err
				}
				return gormmodels.Migrate(tx)
			})
			if err != nil {
				t.Fatal(err)
			}
			if !ran || !db.Migrator().HasTable(&hostThing{}) {
				t.Fatal("fn did not run")
			}
			if db.Dialector.Name() == "postgres" {
				if got := heldAdvisoryLocks(t, db); got != 0 {
					t.Errorf("%d advisory locks still held", got)
				}
			}
		})
	}
}
