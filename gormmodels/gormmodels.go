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
// call at every start.
func Migrate(db *gorm.DB) error {
	for _, m := range All() {
		if err := db.AutoMigrate(m); err != nil {
			return fmt.Errorf("gormmodels: migrate %T: %w", m, err)
		}
	}
	return nil
}
