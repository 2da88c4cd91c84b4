package main

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"go.uber.org/zap"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/pgconnect"
)

// isPostgresURL reports whether s names a PostgreSQL database.
func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// sqliteDSN builds the data source name for the pure-Go SQLite driver: WAL
// so that readers never block the writer, a busy timeout so that concurrent
// writers wait instead of failing, and immediate transactions so that a
// transaction never has to upgrade a read lock (which cannot wait).
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// openDB opens PostgreSQL when databaseURL is set, the SQLite file at
// sqlitePath otherwise.
func openDB(databaseURL, sqlitePath string, log *zap.Logger) (*gorm.DB, error) {
	cfg := &gorm.Config{
		Logger: logger.New(gormWriter{log.Sugar()}, logger.Config{
			SlowThreshold:             time.Second,
			LogLevel:                  logger.Warn,
			IgnoreRecordNotFoundError: true,
			ParameterizedQueries:      true, // values may hold personal data
		}),
	}
	if databaseURL != "" {
		if !isPostgresURL(databaseURL) {
			return nil, fmt.Errorf("DATABASE_URL: only postgres:// URLs are supported")
		}
		// Connections read up to 64 KiB per system call
		// (docs/catalog.md#larger-socket-reads-pgconnect).
		sqlDB, err := pgconnect.Open(databaseURL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), cfg)
		if err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// Go keeps 2 idle connections by default: under concurrent
		// transactions every other one would open a new PostgreSQL
		// connection.
		sqlDB.SetMaxOpenConns(50)
		sqlDB.SetMaxIdleConns(25)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		log.Info("database", zap.String("driver", "postgres"))
		return db, nil
	}
	// The database holds customers and orders: create it readable by
	// the shop's user only (SQLite gives its -wal and -shm files the same
	// mode).
	if f, err := os.OpenFile(sqlitePath, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("create sqlite %s: %w", sqlitePath, err)
	} else {
		f.Close()
	}
	db, err := gorm.Open(sqlite.Open(sqliteDSN(sqlitePath)), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", sqlitePath, err)
	}
	log.Info("database", zap.String("driver", "sqlite"), zap.String("file", sqlitePath))
	return db, nil
}

// gormWriter sends gorm's log lines to zap.
type gormWriter struct{ s *zap.SugaredLogger }

// Printf implements gorm's logger.Writer.
func (w gormWriter) Printf(format string, args ...any) { w.s.Warnf(format, args...) }
