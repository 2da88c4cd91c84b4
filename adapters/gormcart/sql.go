package gormcart

import (
	"context"
	"database/sql/driver"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/internal/sqlvalue"
)

// row is one result row, read as driver values.
type row []any

// query runs a SELECT and returns its rows.
func query(ctx context.Context, db *gorm.DB, q string, args ...any) ([]row, error) {
	rows, err := db.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []row
	ptrs := make([]any, len(cols))
	for rows.Next() {
		r := make(row, len(cols))
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// selectSQL builds "SELECT e1, e2 ... FROM from WHERE where"; empty
// expressions select NULL.
func selectSQL(from, where string, exprs ...string) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, e := range exprs {
		if i > 0 {
			b.WriteString(", ")
		}
		if e == "" {
			e = "NULL"
		}
		b.WriteString(e)
	}
	b.WriteString(" FROM ")
	b.WriteString(from)
	if where != "" {
		b.WriteString(" WHERE (")
		b.WriteString(where)
		b.WriteString(")")
	}
	return b.String()
}

// and joins conditions with AND, skipping empty ones.
func and(conds ...string) string {
	var parts []string
	for _, c := range conds {
		if c != "" {
			parts = append(parts, "("+c+")")
		}
	}
	return strings.Join(parts, " AND ")
}

// str is v as text (times in RFC 3339 with nanoseconds).
func str(v any) string { return sqlvalue.String(v, time.RFC3339Nano) }

func dec(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case nil:
		return decimal.Zero, false
	case int64:
		return decimal.NewFromInt(x), true
	case float64:
		return decimal.NewFromFloat(x), true
	}
	d, err := decimal.NewFromString(strings.TrimSpace(str(v)))
	return d, err == nil
}

func integer(v any) (int, bool) {
	d, ok := dec(v)
	if !ok {
		return 0, false
	}
	return int(d.IntPart()), true
}

func boolean(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	}
	b, _ := strconv.ParseBool(strings.TrimSpace(str(v)))
	return b
}

// timestamp reads a time; SQLite drivers may return text.
func timestamp(v any) (time.Time, bool) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, false
	case time.Time:
		return x, true
	}
	s := strings.TrimSpace(str(v))
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// lists writes "expression is one of a list" conditions. On PostgreSQL the
// list is one array parameter (= ANY), so that carts of every size share
// one prepared statement; elsewhere it is an IN list
// (docs/protocol/cart.md#list-arguments).
type lists struct{ array bool }

// listsFor returns the lists of db's dialect.
func listsFor(db *gorm.DB) lists {
	return lists{array: db != nil && db.Dialector != nil && db.Dialector.Name() == "postgres"}
}

// in returns the condition "expr is one of the list argument"; typ is the
// SQL type of the array elements, or "" for the type of expr (PostgreSQL
// infers it from the column, so the elements may be sent as text).
func (l lists) in(expr, typ string) string {
	switch {
	case !l.array:
		return expr + " IN ?"
	case typ == "":
		return expr + " = ANY(?)"
	}
	return expr + " = ANY(CAST(? AS " + typ + "[]))"
}

// keys is the argument of a condition from in with typ "" for the item
// numbers v, all of them integers (ints): on PostgreSQL as text, which
// the server reads as the key column's type (integer or text alike); an
// IN list gets the integers.
func (l lists) keys(v []string, ints []int64) any {
	if l.array {
		return textArray(v)
	}
	return ints
}

// strings is the argument of a condition from in for v.
func (l lists) strings(v []string) any {
	if l.array {
		return textArray(v)
	}
	return v
}

// textArray is a PostgreSQL text[] argument: a driver.Valuer, so that GORM
// passes it as one parameter instead of expanding it into an IN list, and
// a pgtype.ArrayGetter, so that pgx encodes it directly (other drivers
// get the array literal).
type textArray []string

var _ pgtype.ArrayGetter = textArray(nil)

// Dimensions, Index and IndexType make textArray a pgtype.ArrayGetter.
func (a textArray) Dimensions() []pgtype.ArrayDimension { return dims(len(a), a == nil) }

// Index returns element i.
func (a textArray) Index(i int) any { return a[i] }

// IndexType returns the type of the elements.
func (a textArray) IndexType() any { return "" }

func dims(n int, null bool) []pgtype.ArrayDimension {
	if null {
		return nil
	}
	return []pgtype.ArrayDimension{{Length: int32(n), LowerBound: 1}}
}

// Value returns the array literal, each element quoted.
func (a textArray) Value() (driver.Value, error) {
	n := 2
	for _, s := range a {
		n += len(s) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, s := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		for j := 0; j < len(s); j++ {
			if c := s[j]; c == '"' || c == '\\' {
				b = append(b, '\\')
			}
			b = append(b, s[j])
		}
		b = append(b, '"')
	}
	return string(append(b, '}')), nil
}
