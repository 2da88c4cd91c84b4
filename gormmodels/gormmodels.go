// Package gormmodels holds shopbridge's own tables: order imports, the
// outbox, sync state, DropHero links, encrypted credentials and caches.
//
// It is schema and migrations only: the stores that read and write these
// tables live elsewhere (adapters/gormstore for settings, the redirect
// keyword lists and the shared rate budgets, the services for their own
// tables).
//
// Host shop tables are never defined here; they belong to the host and are
// reached through the adapters package.
package gormmodels

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"

	"gorm.io/gorm"
)

var (
	mu     sync.Mutex
	models []any
)

// register adds a model to the set that Migrate creates. Each file of this
// package registers its own tables from an init function.
func register(m ...any) {
	mu.Lock()
	defer mu.Unlock()
	models = append(models, m...)
}

// All returns a copy of every model this package defines.
func All() []any {
	mu.Lock()
	defer mu.Unlock()
	return append([]any(nil), models...)
}

// Migrate creates or updates every shopbridge table in db. It is safe to
// call at every start, and from several processes started together on one
// empty PostgreSQL database: it holds the migration lock
// ([WithMigrationLock]) while it runs, so they migrate one after the other
// instead of racing on CREATE TABLE (docs/operations.md#migration-lock).
func Migrate(db *gorm.DB) error {
	return WithMigrationLock(db, func(tx *gorm.DB) error {
		for _, m := range All() {
			if err := tx.AutoMigrate(m); err != nil {
				return fmt.Errorf("gormmodels: migrate %T: %w", m, err)
			}
		}
		return nil
	})
}

// MigrationLockKey is the PostgreSQL advisory lock key ("shopmigr") that
// [WithMigrationLock] holds. It is scoped to the database, so shops on
// other databases of the same server do not wait for each other.
const MigrationLockKey int64 = 0x73686f706d696772

// WithMigrationLock runs fn while holding the PostgreSQL advisory lock
// [MigrationLockKey] (docs/operations.md#migration-lock). fn receives a
// *gorm.DB pinned to the session that holds the lock: run the migrations
// through it (a host migrating its own tables and then calling
// Migrate(tx) inside fn holds the lock once for both; the lock is
// re-entrant on its session). Migrating through another handle of the
// same pool inside fn would wait for the lock forever.
//
// Lock and unlock happen on one dedicated connection (db.Connection); if
// the unlock fails the connection is discarded, never returned to the
// pool still holding the lock. When db is already pinned to one session
// (a Connection or a transaction) the lock is taken on it. Other
// databases (SQLite: one process) run fn(db) as is.
func WithMigrationLock(db *gorm.DB, fn func(tx *gorm.DB) error) error {
	if db.Dialector.Name() != "postgres" {
		return fn(db)
	}
	switch db.Statement.ConnPool.(type) {
	case *sql.Conn, *sql.Tx:
		return lockedOn(db, fn)
	}
	return db.Connection(func(tx *gorm.DB) error { return lockedOn(tx, fn) })
}

// lockedOn takes the migration lock on tx's session, runs fn and unlocks.
func lockedOn(pinned *gorm.DB, fn func(tx *gorm.DB) error) (err error) {
	// A new session on the same connection: every operation starts from
	// a fresh statement (a shared one would carry the lock's bind
	// variable into the migrations' queries).
	tx := pinned.Session(&gorm.Session{NewDB: true})
	if err := tx.Exec("SELECT pg_advisory_lock(?)", MigrationLockKey).Error; err != nil {
		return fmt.Errorf("gormmodels: take the migration lock: %w", err)
	}
	defer func() {
		var unlocked bool
		uerr := tx.Raw("SELECT pg_advisory_unlock(?)", MigrationLockKey).Row().Scan(&unlocked)
		if uerr == nil && unlocked {
			return
		}
		if uerr == nil {
			uerr = errors.New("the lock was not held")
		}
		// Never hand a connection back to the pool that may still hold
		// the lock: closing the session releases it.
		if c, ok := tx.Statement.ConnPool.(*sql.Conn); ok {
			_ = c.Raw(func(any) error { return driver.ErrBadConn })
		}
		if err == nil {
			err = fmt.Errorf("gormmodels: release the migration lock: %w", uerr)
		}
	}()
	return fn(tx)
}
