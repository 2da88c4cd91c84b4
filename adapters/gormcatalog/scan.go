package gormcatalog

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// kind is the Go type an expression is scanned into.
type kind uint8

const (
	kStr kind = iota
	kInt
	kDec
	kBool
	kTime
)

// cell holds one scanned value; only the member of its kind is used.
type cell struct {
	s sql.NullString
	i sql.NullInt64
	d decimal.NullDecimal
	b sql.NullBool
	t nullTime
}

func (c *cell) dest(k kind) any {
	switch k {
	case kInt:
		return &c.i
	case kDec:
		return &c.d
	case kBool:
		return &c.b
	case kTime:
		return &c.t
	}
	return &c.s
}

func (c *cell) str() string { return c.s.String }

func (c *cell) nullStr() sql.Null[string] { return sql.Null[string]{V: c.s.String, Valid: c.s.Valid} }

func (c *cell) nullInt() sql.Null[int64] { return sql.Null[int64]{V: c.i.Int64, Valid: c.i.Valid} }

func (c *cell) nullDec() sql.Null[decimal.Decimal] {
	return sql.Null[decimal.Decimal]{V: c.d.Decimal, Valid: c.d.Valid}
}

// nullTime scans timestamps from drivers that return time.Time (PostgreSQL)
// as well as from those that return text (SQLite expressions).
type nullTime struct {
	Time  time.Time
	Valid bool
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

// Scan implements sql.Scanner.
func (t *nullTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Time, t.Valid = time.Time{}, false
		return nil
	case time.Time:
		t.Time, t.Valid = x, true
		return nil
	case []byte:
		return t.parse(string(x))
	case string:
		return t.parse(x)
	}
	return fmt.Errorf("gormcatalog: cannot scan %T into a timestamp", v)
}

func (t *nullTime) parse(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		t.Time, t.Valid = time.Time{}, false
		return nil
	}
	for _, l := range timeLayouts {
		if v, err := time.Parse(l, s); err == nil {
			t.Time, t.Valid = v, true
			return nil
		}
	}
	return fmt.Errorf("gormcatalog: cannot parse timestamp %q", s)
}

// column is one SELECT expression with the kind it is scanned into.
type column struct {
	expr string
	kind kind
}

// row scans a fixed list of columns; cells are reused between rows.
type row struct {
	cells []cell
	dests []any
}

func newRow(cols []column) *row {
	r := &row{cells: make([]cell, len(cols)), dests: make([]any, len(cols))}
	for i, c := range cols {
		r.dests[i] = r.cells[i].dest(c.kind)
	}
	return r
}

// selectList joins the expressions of cols for a SELECT clause.
func selectList(cols []column) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.expr)
	}
	return b.String()
}

// constant evaluates a literal expression ('text', 12, 1.5, TRUE, FALSE,
// 1 = 1, 1 = 0, NULL) once in Go, so that it is not selected for every
// row. ok is false for anything else.
func constant(expr string, k kind) (c cell, ok bool) {
	e := strings.TrimSpace(expr)
	var text string
	switch {
	case strings.EqualFold(e, "NULL"):
		return c, true
	case strings.EqualFold(e, "TRUE") || e == "1 = 1" || e == "1=1":
		text = "1"
	case strings.EqualFold(e, "FALSE") || e == "1 = 0" || e == "1=0":
		text = "0"
	case len(e) >= 2 && e[0] == '\'' && e[len(e)-1] == '\'' && !strings.Contains(e[1:len(e)-1], "'"):
		text = e[1 : len(e)-1]
	case isNumber(e):
		text = e
	default:
		return c, false
	}
	switch k {
	case kStr:
		c.s = sql.NullString{String: text, Valid: true}
	case kInt:
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return c, false
		}
		c.i = sql.NullInt64{Int64: n, Valid: true}
	case kDec:
		d, err := decimal.NewFromString(text)
		if err != nil {
			return c, false
		}
		c.d = decimal.NullDecimal{Decimal: d, Valid: true}
	case kBool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return c, false
		}
		c.b = sql.NullBool{Bool: b, Valid: true}
	default:
		return c, false
	}
	return c, true
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
		case s[i] == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return s != ""
}
