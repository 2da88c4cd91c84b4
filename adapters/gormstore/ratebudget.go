package gormstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/shopgate"
)

// RateBudget keeps request budgets (token buckets) in the PostgreSQL table
// shopbridge_rate_budgets (gormmodels.RateBudget), so that every process
// on the database shares one budget per key. It implements
// shopgate.Budget: set it as shopgate.ClientConfig.Budget and all servers
// of a shop together send at most RequestsPerHour Merchant API requests
// (docs/protocol/merchant-api.md#shared-request-budget).
type RateBudget struct {
	db *gorm.DB
}

// Compile-time check: the store is a shopgate.Budget.
var _ shopgate.Budget = (*RateBudget)(nil)

// NewRateBudget returns the budget store over db, which must be
// PostgreSQL (an SQLite file serves one process, whose in-process budget
// is enough). Run gormmodels.Migrate before use.
func NewRateBudget(db *gorm.DB) (*RateBudget, error) {
	if db == nil {
		return nil, errors.New("gormstore: rate budget needs a database")
	}
	if name := db.Dialector.Name(); name != "postgres" {
		return nil, fmt.Errorf("gormstore: the shared rate budget needs PostgreSQL, not %s", name)
	}
	return &RateBudget{db: db}, nil
}

// takeSQL takes one token in one statement. The row lock of INSERT … ON
// CONFLICT DO UPDATE serialises concurrent takers of a key (the first
// taker of a new key inserts a full bucket minus one; a concurrent second
// one waits and takes the update path), and the WHERE re-checked on the
// locked row means a taker never sees tokens another one already took. A
// denied take updates nothing and returns no row. The refill is
// perHour/3600 tokens per second elapsed since the last grant, capped at
// perHour; a caller's clock behind the stored time refills nothing.
// EXCLUDED.tokens is perHour-1 and EXCLUDED.updated_at the caller's now.
const takeSQL = `INSERT INTO shopbridge_rate_budgets AS b ("key", tokens, updated_at)
VALUES (?, ?, ?)
ON CONFLICT ("key") DO UPDATE
SET tokens = ` + refillSQL + ` - 1,
    updated_at = GREATEST(b.updated_at, EXCLUDED.updated_at)
WHERE ` + refillSQL + ` >= 1
RETURNING tokens`

const refillSQL = `LEAST(EXCLUDED.tokens + 1, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM EXCLUDED.updated_at - b.updated_at)::float8) * (EXCLUDED.tokens + 1) / 3600.0)`

// Take implements shopgate.Budget: one atomic statement takes a token
// from the bucket key (perHour tokens at most, perHour refilled per hour,
// measured with now).
func (s *RateBudget) Take(ctx context.Context, key string, perHour int, now time.Time) (bool, error) {
	if perHour <= 0 {
		return false, fmt.Errorf("gormstore: rate budget %q: perHour %d must be positive", key, perHour)
	}
	rows, err := s.db.WithContext(ctx).Raw(takeSQL, key, float64(perHour-1), now).Rows()
	if err != nil {
		return false, fmt.Errorf("gormstore: take from rate budget %q: %w", key, err)
	}
	defer rows.Close()
	granted := rows.Next()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("gormstore: take from rate budget %q: %w", key, err)
	}
	return granted, nil
}
