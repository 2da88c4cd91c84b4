// Package testdb hands tests a fresh, empty database of their own:
// PostgreSQL ([New]), SQLite ([SQLite]), or each in turn ([Each]).
//
// It reads TEST_DATABASE_URL (set by ./test.sh, which starts a throwaway
// server). Without it the test is skipped, except under CI=true, where a
// missing database is a failure: the suite must never pass by skipping.
package testdb

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// URL returns the server URL from TEST_DATABASE_URL, skipping or failing t
// when it is not set.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("TEST_DATABASE_URL is not set: run the suite through ./test.sh")
		}
		t.Skip("TEST_DATABASE_URL is not set: run the suite through ./test.sh")
	}
	return u
}

// NewURL creates a new empty database on the test server and returns its
// URL. The database is dropped when the test ends.
func NewURL(t testing.TB) string {
	t.Helper()
	base := URL(t)
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("testdb: connect %s: %v", redact(base), err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "t_" + hex.EncodeToString(b[:])
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testdb: parse url: %v", err)
	}
	u.Path = "/" + name
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		if sqlDB, err := admin.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return u.String()
}

// New opens a new empty database (see NewURL) with GORM. The connection
// pool is closed when the test ends.
func New(t testing.TB) *gorm.DB { t.Helper(); return Open(t, NewURL(t)) }

// Open opens another GORM pool on the PostgreSQL database u (e.g. a second
// process's, or a watcher's that must not take connections from the pool
// under test; URL of a pool: DSN). The pool is closed when the test ends.
func Open(t testing.TB, u string) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(postgres.Open(u), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("testdb: open: %v", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(40)
	sqlDB.SetMaxIdleConns(20)
	// Registered after NewURL's cleanup, so it runs first: close before drop.
	t.Cleanup(func() { sqlDB.Close() })
	return db
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable url)"
	}
	return u.Redacted()
}

// SQLite opens a fresh SQLite database file in the test's temporary
// directory, with a five-second busy timeout so that concurrent writers
// wait instead of failing. The connection pool is closed when the test
// ends.
func SQLite(t testing.TB) *gorm.DB {
	t.Helper()
	return OpenSQLite(t, filepath.Join(t.TempDir(), "shop.db")+"?_pragma=busy_timeout(5000)")
}

// OpenSQLite opens the SQLite data source dsn (e.g. a file configured the
// way a shop configures it) and closes it when the test ends.
func OpenSQLite(t testing.TB, dsn string) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("testdb: open sqlite: %v", err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return db
}

// Backend is one database engine the code under test runs on.
type Backend struct {
	Name string                      // subtest name: "sqlite" or "postgres"
	Open func(t testing.TB) *gorm.DB // a fresh, empty database
}

// Backends lists the engines shopbridge supports: SQLite (embedded, always
// available) and PostgreSQL (see [New]: skipped without TEST_DATABASE_URL,
// failing under CI).
var Backends = []Backend{
	{Name: "sqlite", Open: SQLite},
	{Name: "postgres", Open: func(t testing.TB) *gorm.DB { return New(t) }},
}

// Each runs f as one subtest per entry of [Backends], each on a fresh
// database, so a missing PostgreSQL skips only its own subtest.
func Each(t *testing.T, f func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(b.Name, func(t *testing.T) { f(t, b.Open(t)) })
	}
}

// DSN returns the URL of db, a pool opened by New or Open.
func DSN(db *gorm.DB) string { return db.Dialector.(*postgres.Dialector).DSN }
