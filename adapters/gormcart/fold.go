package gormcart

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// jsonRowsFunc returns the SQL of a scalar subquery that aggregates the
// rows of "SELECT exprs FROM from WHERE where" into a JSON array of arrays
// (as text; NULL or "[]" when there is none), for the dialect of db; ok is
// false for dialects without JSON aggregation. It lets one statement
// carry a product's group prices or a coupon's product restriction
// (docs/protocol/cart.md#performance).
func jsonRowsFunc(db *gorm.DB) (func(from, where string, exprs ...string) string, bool) {
	name := ""
	if db != nil && db.Dialector != nil {
		name = db.Dialector.Name()
	}
	var agg, arr string
	switch name {
	case "postgres":
		agg, arr = "json_agg", "json_build_array"
	case "sqlite":
		agg, arr = "json_group_array", "json_array"
	default:
		return nil, false
	}
	return func(from, where string, exprs ...string) string {
		args := make([]string, len(exprs))
		for i, e := range exprs {
			if e == "" {
				e = "NULL"
			}
			args[i] = e
		}
		inner := agg + "(" + arr + "(" + strings.Join(args, ", ") + "))"
		return "CAST((" + selectSQL(from, where, inner) + ") AS TEXT)"
	}, true
}

// jsonRows decodes a column made by jsonRowsFunc into rows whose values
// look like driver values: numbers and strings as text, JSON null as nil,
// booleans as 0 or 1. Each cell is decoded on its own (scalars without
// going through reflection).
func jsonRows(v any) ([]row, error) {
	var b []byte
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return nil, fmt.Errorf("gormcart: aggregated rows are %T, not text", v)
	}
	var raw [][]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("gormcart: decode aggregated rows: %w", err)
	}
	out := make([]row, len(raw))
	for i, r := range raw {
		cells := make(row, len(r))
		for j, c := range r {
			x, err := jsonCell(c)
			if err != nil {
				return nil, fmt.Errorf("gormcart: decode aggregated rows: %w", err)
			}
			cells[j] = x
		}
		out[i] = cells
	}
	return out, nil
}

// jsonCell is one value of an aggregated row (see jsonRows); arrays and
// objects come as decoded with json.Number numbers.
func jsonCell(c json.RawMessage) (any, error) {
	if len(c) == 0 {
		return nil, errors.New("empty value")
	}
	switch c[0] {
	case 'n':
		return nil, nil
	case 't':
		return int64(1), nil
	case 'f':
		return int64(0), nil
	case '"':
		if bytes.IndexByte(c, '\\') < 0 {
			return string(c[1 : len(c)-1]), nil
		}
		var s string
		err := json.Unmarshal(c, &s)
		return s, err
	case '[', '{':
		dec := json.NewDecoder(bytes.NewReader(c))
		dec.UseNumber()
		var x any
		err := dec.Decode(&x)
		return x, err
	}
	return string(c), nil // a number, as its text (json.Number)
}

// aliased returns exprs as "e AS c0", "e AS c1", ... (empty: NULL).
func aliased(exprs []string) []string {
	out := make([]string, len(exprs))
	for i, e := range exprs {
		if e == "" {
			e = "NULL"
		}
		out[i] = fmt.Sprintf("%s AS c%d", e, i)
	}
	return out
}

// DefaultCacheTTL is how long check_cart reuses the shipping rates and
// payment methods it read
// (docs/protocol/cart.md#cached-shipping-and-payment-rows).
const DefaultCacheTTL = 5 * time.Second

// rowCache keeps query results of rarely changing tables (and what is
// built from them, such as the tax table) for a short time. Cached values
// are shared and must not be modified.
type rowCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	until time.Time
	val   any
}

// get returns the cached rows of key, or loads and caches them.
func (c *rowCache) get(key string, load func() ([]row, error)) ([]row, error) {
	return cached(c, key, load)
}

// cached returns the cached value of key, or loads and caches it; with a
// TTL of zero or less it loads every time.
func cached[T any](c *rowCache, key string, load func() (T, error)) (T, error) {
	if c.ttl <= 0 {
		return load()
	}
	now := time.Now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.val.(T), nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) > 1000 {
		c.entries = map[string]cacheEntry{}
	}
	c.entries[key] = cacheEntry{until: now.Add(c.ttl), val: v}
	c.mu.Unlock()
	return v, nil
}
