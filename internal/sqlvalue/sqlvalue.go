// Package sqlvalue reads result columns scanned into any, the same way
// whatever the driver: pgx hands out int64, bool, time.Time and numerics as
// text, SQLite int64 flags and dates as text or time.Time. The GORM
// adapters that map onto host tables by configuration (gormcart,
// gormcustomers) read their rows through it.
package sqlvalue

import (
	"database/sql"
	"fmt"
	"strconv"
	"time"
)

// Row scans the current row of rows into n values.
func Row(rows *sql.Rows, n int) ([]any, error) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	return vals, nil
}

// String is v as text: "" for NULL, integers and floats in decimal
// notation, booleans as "1"/"0", times in timeLayout.
func String(v any, timeLayout string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case time.Time:
		return x.Format(timeLayout)
	}
	return fmt.Sprint(v)
}
