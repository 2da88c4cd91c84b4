package gormcustomers

import (
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/internal/sqlvalue"
)

// Values are scanned into any and converted here, so that every driver's
// representation (pgx: int64, bool, time.Time, numeric as text; SQLite:
// int64 flags, dates as text or time.Time) is read the same way.

func scanRow(rows *sql.Rows, n int) ([]any, error) { return sqlvalue.Row(rows, n) }

func asString(v any) string { return sqlvalue.String(v, time.RFC3339) }

func asBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string, []byte:
		b, _ := strconv.ParseBool(strings.TrimSpace(asString(x)))
		return b
	}
	return false
}

func asInt(v any) int {
	switch x := v.(type) {
	case int64:
		return int(x)
	case float64:
		return int(x)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(asString(v)))
	return n
}

func asDecimal(v any) decimal.Decimal {
	switch x := v.(type) {
	case nil:
		return decimal.Zero
	case int64:
		return decimal.NewFromInt(x)
	case float64:
		return decimal.NewFromFloat(x)
	}
	d, err := decimal.NewFromString(strings.TrimSpace(asString(v)))
	if err != nil {
		return decimal.Zero
	}
	return d
}

var timeLayouts = []string{
	time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02",
}

// asTime reads a timestamp or date; nil for NULL or unreadable values.
func asTime(v any) *time.Time {
	switch x := v.(type) {
	case time.Time:
		return &x
	case string, []byte:
		s := strings.TrimSpace(asString(x))
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return &t
			}
		}
	}
	return nil
}

// asDate reads a date column as a date at midnight UTC.
func asDate(v any) *time.Time {
	t := asTime(v)
	if t == nil {
		return nil
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

// sel collects the expressions of a SELECT list and remembers their
// positions; empty expressions select NULL.
type sel struct {
	exprs []string
}

func (s *sel) add(expr string) int {
	if strings.TrimSpace(expr) == "" {
		expr = "NULL"
	}
	s.exprs = append(s.exprs, expr)
	return len(s.exprs) - 1
}

func (s *sel) list() string { return strings.Join(s.exprs, ", ") }

// col qualifies a column with an alias; "" stays "".
func col(alias, c string) string {
	if c == "" {
		return ""
	}
	return alias + "." + c
}
