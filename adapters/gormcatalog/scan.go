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
// Values are scanned into plain interfaces and converted by assign, which
// is cheaper than database/sql's conversion into sql.Null* scanners.
// Columns with an empty expression are not selected; their cells stay
// NULL.
type row struct {
	kinds []kind
	cells []cell
	sel   []int // cell index of each selected column
	vals  []any
	dests []any
	f32   []bool // per selected column: float4, which drivers widen to float64
	// own holds strings made from the row's values (uids), for the one
	// goroutine that reads the row.
	own arena
}

func newRow(cols []column) *row {
	r := &row{kinds: make([]kind, len(cols)), cells: make([]cell, len(cols))}
	for i, c := range cols {
		r.kinds[i] = c.kind
		if c.expr != "" {
			r.sel = append(r.sel, i)
		}
	}
	r.vals = make([]any, len(r.sel))
	r.dests = make([]any, len(r.sel))
	for i := range r.vals {
		r.dests[i] = &r.vals[i]
	}
	return r
}

// columnTypes notes the float4 columns of a result (database/sql drivers
// return them widened to float64, with the float's binary noise).
func (r *row) columnTypes(rows *sql.Rows) {
	r.f32 = r.f32[:0]
	cts, err := rows.ColumnTypes()
	if err != nil {
		return
	}
	for _, ct := range cts {
		r.f32 = append(r.f32, strings.EqualFold(ct.DatabaseTypeName(), "FLOAT4"))
	}
}

// scan reads the current row of rows into the cells.
func (r *row) scan(rows *sql.Rows) error {
	if err := rows.Scan(r.dests...); err != nil {
		return err
	}
	for i, v := range r.vals {
		ci := r.sel[i]
		if f, ok := v.(float64); ok && i < len(r.f32) && r.f32[i] {
			v = float32(f)
		}
		if err := r.cells[ci].assign(r.kinds[ci], v); err != nil {
			return fmt.Errorf("column %d: %w", i+1, err)
		}
		r.vals[i] = nil
	}
	return nil
}

// assign converts a driver value (nil, int64, float64, bool, []byte,
// string, time.Time) into the cell's member of kind k.
func (c *cell) assign(k kind, v any) error {
	switch x := v.(type) {
	case nil:
		c.null(k)
		return nil
	case []byte:
		return c.setString(k, string(x))
	case string:
		return c.setString(k, x)
	case int64:
		return c.setInt(k, x)
	case bool:
		return c.setBool(k, x)
	case float32:
		// The shortest decimal that reads back as the same float4, as
		// PostgreSQL prints it (19.99, not the widened 19.989999771118).
		f, err := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		if err != nil {
			return fmt.Errorf("cannot use %v as number", x)
		}
		return c.assign(k, f)
	case float64:
		switch k {
		case kDec:
			// PHP parity (N3 of docs/protocol/catalog-export.md#numbers):
			// floats carry 14 significant digits, so 0.1+0.2 is written 0.3.
			d, err := decimal.NewFromString(strconv.FormatFloat(x, 'g', 14, 64))
			if err != nil {
				return fmt.Errorf("cannot use %v as number", x)
			}
			c.d = decimal.NullDecimal{Decimal: d, Valid: true}
			return nil
		case kInt:
			c.i = sql.NullInt64{Int64: int64(x), Valid: true}
			return nil
		case kBool:
			c.b = sql.NullBool{Bool: x != 0, Valid: true}
			return nil
		}
		return c.setString(k, strconv.FormatFloat(x, 'f', -1, 64))
	case time.Time:
		if k == kTime {
			c.t = nullTime{Time: x, Valid: true}
			return nil
		}
		return c.setString(k, x.Format(time.RFC3339))
	}
	return fmt.Errorf("cannot use %T", v)
}

// null sets the cell's member of kind k to no value.
func (c *cell) null(k kind) {
	switch k {
	case kStr:
		c.s = sql.NullString{}
	case kInt:
		c.i = sql.NullInt64{}
	case kDec:
		c.d = decimal.NullDecimal{}
	case kBool:
		c.b = sql.NullBool{}
	case kTime:
		c.t = nullTime{}
	}
}

func (c *cell) setString(k kind, x string) error {
	switch k {
	case kStr:
		c.s = sql.NullString{String: x, Valid: true}
	case kInt:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			d, derr := decimal.NewFromString(strings.TrimSpace(x))
			if derr != nil {
				return fmt.Errorf("cannot use %q as integer", x)
			}
			n = d.IntPart()
		}
		c.i = sql.NullInt64{Int64: n, Valid: true}
	case kDec:
		d, err := decimal.NewFromString(strings.TrimSpace(x))
		if err != nil {
			return fmt.Errorf("cannot use %q as number", x)
		}
		c.d = decimal.NullDecimal{Decimal: d, Valid: true}
	case kBool:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		if err != nil {
			return fmt.Errorf("cannot use %q as boolean", x)
		}
		c.b = sql.NullBool{Bool: b, Valid: true}
	case kTime:
		return c.t.parse(x)
	}
	return nil
}

func (c *cell) setInt(k kind, x int64) error {
	switch k {
	case kStr:
		c.s = sql.NullString{String: strconv.FormatInt(x, 10), Valid: true}
	case kInt:
		c.i = sql.NullInt64{Int64: x, Valid: true}
	case kDec:
		c.d = decimal.NullDecimal{Decimal: decimal.NewFromInt(x), Valid: true}
	case kBool:
		c.b = sql.NullBool{Bool: x != 0, Valid: true}
	case kTime:
		return fmt.Errorf("cannot use integer %d as timestamp", x)
	}
	return nil
}

func (c *cell) setBool(k kind, x bool) error {
	n := int64(0)
	if x {
		n = 1
	}
	if k == kBool {
		c.b = sql.NullBool{Bool: x, Valid: true}
		return nil
	}
	return c.setInt(k, n)
}

// selectList joins the expressions of cols for a SELECT clause, leaving
// out empty ones (see row).
func selectList(cols []column) string {
	var b strings.Builder
	for _, c := range cols {
		if c.expr == "" {
			continue
		}
		if b.Len() > 0 {
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
