package gormcatalog

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

// each runs q and calls fn after each row has been read into r.
//
// On PostgreSQL through GORM's pgx driver the rows are read with pgx's own
// interface on a connection borrowed from GORM's pool: that skips
// database/sql's per-value conversions, which cost about a quarter of the
// export's CPU. Everything else goes through GORM.
func (s *Source) each(ctx context.Context, q string, args []any, r *row, fn func() error) error {
	if s.pg != nil {
		if handled, err := s.eachPGX(ctx, q, args, r, fn); handled {
			return err
		}
	}
	rows, err := s.db.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	r.columnTypes(rows)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return err
		}
		if err := fn(); err != nil {
			return err
		}
	}
	return rows.Err()
}

// pgxConn is implemented by the driver connections of pgx's database/sql
// adapter (github.com/jackc/pgx/v5/stdlib), which GORM's postgres driver
// uses.
type pgxConn interface{ Conn() *pgx.Conn }

// eachPGX is each on a pgx connection; handled is false when the pool's
// connections are not pgx ones.
func (s *Source) eachPGX(ctx context.Context, q string, args []any, r *row, fn func() error) (handled bool, err error) {
	return s.withPGX(ctx, func(c *pgx.Conn) error {
		pq, pargs := rebind(q, args)
		rows, err := c.Query(ctx, pq, pargs...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var cols []pgCol
		var ar arena
		for rows.Next() {
			if cols == nil {
				cols = pgCols(c.TypeMap(), rows.FieldDescriptions())
			}
			if err := r.fromRaw(cols, rows.RawValues(), &ar); err != nil {
				return err
			}
			if err := fn(); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// writeList writes a slice argument as "($1,$2,...)", or "(NULL)" when
// empty so that IN () stays valid SQL.
func writeList[T any](b *strings.Builder, v []T, param func(any)) {
	b.WriteByte('(')
	for j, x := range v {
		if j > 0 {
			b.WriteByte(',')
		}
		param(x)
	}
	if len(v) == 0 {
		b.WriteString("NULL")
	}
	b.WriteByte(')')
}

// rebind turns GORM-style placeholders into PostgreSQL's: each ? outside
// string literals becomes $n, and a slice argument becomes a parenthesised
// list, as GORM expands it.
func rebind(q string, args []any) (string, []any) {
	var b strings.Builder
	b.Grow(len(q) + 16)
	out := make([]any, 0, len(args))
	next := 0
	quoted := false
	param := func(v any) {
		out = append(out, v)
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(len(out)))
	}
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '\'' {
			quoted = !quoted
		}
		if c != '?' || quoted || next >= len(args) {
			b.WriteByte(c)
			continue
		}
		a := args[next]
		next++
		switch v := a.(type) {
		case []int64:
			writeList(&b, v, param)
		case []string:
			writeList(&b, v, param)
		default:
			param(a)
		}
	}
	return b.String(), out
}

// pgCol says how one result column is decoded: the common types (text,
// integers, booleans) straight from the wire bytes, the others through a
// pgx scan plan planned once per query.
type pgCol struct {
	fast   fastKind
	target any
	plan   pgtype.ScanPlan
	// sqlValue decodes the types without a target of their own (uuid,
	// json, arrays, enums ...) into the value pgx's database/sql driver
	// would return, mostly their text form.
	sqlValue func(src []byte) (driver.Value, error)
}

type fastKind uint8

const (
	fastNone fastKind = iota
	fastText
	fastInt2
	fastInt4
	fastInt8
	fastBool
	fastNumeric // binary numeric of up to 16 digits; longer ones use the plan
)

// pgCols picks a decoder per result column by its type and format.
func pgCols(m *pgtype.Map, fds []pgconn.FieldDescription) []pgCol {
	cols := make([]pgCol, len(fds))
	for i, fd := range fds {
		c := &cols[i]
		bin := fd.Format == pgx.BinaryFormatCode
		switch fd.DataTypeOID {
		case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID, pgtype.UnknownOID:
			// Text and binary formats of these types are the same bytes.
			c.fast = fastText
			continue
		case pgtype.Int2OID:
			if bin {
				c.fast = fastInt2
				continue
			}
		case pgtype.Int4OID:
			if bin {
				c.fast = fastInt4
				continue
			}
		case pgtype.Int8OID:
			if bin {
				c.fast = fastInt8
				continue
			}
		case pgtype.BoolOID:
			if bin {
				c.fast = fastBool
				continue
			}
		case pgtype.NumericOID:
			if bin {
				c.fast = fastNumeric
			}
		}
		switch fd.DataTypeOID {
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
			c.target = new(pgtype.Int8)
		case pgtype.BoolOID:
			c.target = new(pgtype.Bool)
		case pgtype.NumericOID:
			c.target = new(pgtype.Numeric)
		case pgtype.Float4OID:
			c.target = new(pgtype.Float4)
		case pgtype.Float8OID:
			c.target = new(pgtype.Float8)
		case pgtype.TimestamptzOID:
			c.target = new(pgtype.Timestamptz)
		case pgtype.TimestampOID:
			c.target = new(pgtype.Timestamp)
		case pgtype.DateOID:
			c.target = new(pgtype.Date)
		default:
			c.sqlValue = sqlValue(m, fd)
			continue
		}
		c.plan = m.PlanScan(fd.DataTypeOID, fd.Format, c.target)
	}
	return cols
}

// sqlValue returns the decoder of a column of another type: its codec's
// database/sql value when pgx knows the type, else the text pgx asks the
// server for with types it does not know.
func sqlValue(m *pgtype.Map, fd pgconn.FieldDescription) func([]byte) (driver.Value, error) {
	oid, format := fd.DataTypeOID, fd.Format
	if t, ok := m.TypeForOID(oid); ok {
		return func(src []byte) (driver.Value, error) { return t.Codec.DecodeDatabaseSQLValue(m, oid, format, src) }
	}
	return func(src []byte) (driver.Value, error) {
		if format != pgx.TextFormatCode {
			return nil, fmt.Errorf("cannot decode binary values of type %d", oid)
		}
		return string(src), nil
	}
}

// numeric decodes PostgreSQL's binary numeric into the same value and
// exponent as pgx's Numeric (see pgtype's binary numeric scan plan) without
// big.Int arithmetic. ok is false for values it leaves to pgx: NaN,
// infinities, more than 16 digits, malformed input.
func numeric(src []byte) (d decimal.Decimal, ok bool) {
	v, exp, ok := numericParts(src)
	if !ok {
		return d, false
	}
	return decimal.New(v, exp), true
}

// numericParts is numeric as a scaled integer: the value is v·10^exp.
func numericParts(src []byte) (v int64, exp32 int32, ok bool) {
	if len(src) < 8 {
		return 0, 0, false
	}
	ndigits := int(binary.BigEndian.Uint16(src))
	weight := int(int16(binary.BigEndian.Uint16(src[2:])))
	sign := binary.BigEndian.Uint16(src[4:])
	dscale := int(int16(binary.BigEndian.Uint16(src[6:])))
	if sign != 0 && sign != 0x4000 || ndigits > 4 || len(src) < 8+2*ndigits {
		return 0, 0, false
	}
	if ndigits == 0 {
		return 0, 0, true
	}
	for i := range ndigits {
		v = v*10000 + int64(binary.BigEndian.Uint16(src[8+2*i:]))
	}
	exp := (weight - ndigits + 1) * 4
	if dscale > 0 {
		frac := (ndigits - weight - 1) * 4
		for ; dscale > frac; frac++ {
			if v > math.MaxInt64/10 {
				return 0, 0, false
			}
			v *= 10
			exp--
		}
		for ; dscale < frac; frac-- {
			v /= 10
			exp++
		}
	}
	if exp >= 0 {
		for v != 0 && v%10 == 0 {
			v /= 10
			exp++
		}
	}
	if sign != 0 {
		v = -v
	}
	return v, int32(exp), true
}

// fromRaw decodes the wire values of a row into the row's cells.
func (r *row) fromRaw(cols []pgCol, raw [][]byte, ar *arena) error {
	if len(raw) != len(cols) || len(raw) != len(r.sel) {
		return fmt.Errorf("got %d columns, want %d", len(raw), len(r.sel))
	}
	for i, b := range raw {
		ci := r.sel[i]
		c, k := &r.cells[ci], r.kinds[ci]
		col := &cols[i]
		var err error
		switch {
		case b == nil:
			c.null(k)
		case col.fast == fastText:
			switch k {
			case kStr:
				c.s = sql.NullString{String: ar.str(b), Valid: true}
			case kInt, kBool:
				// Parsed without keeping the string: no copy needed.
				err = c.setString(k, unsafe.String(unsafe.SliceData(b), len(b)))
			case kDec:
				// Plain numbers straight into a scaled integer, no
				// big.Int arithmetic.
				if v, exp, ok := scaled(b); ok {
					c.d = decimal.NullDecimal{Decimal: ar.dec(v, exp), Valid: true}
				} else {
					err = c.setString(k, string(b))
				}
			default:
				err = c.setString(k, string(b))
			}
		case col.fast == fastInt8 && len(b) == 8:
			err = c.setIntIn(k, int64(binary.BigEndian.Uint64(b)), ar)
		case col.fast == fastInt4 && len(b) == 4:
			err = c.setIntIn(k, int64(int32(binary.BigEndian.Uint32(b))), ar)
		case col.fast == fastInt2 && len(b) == 2:
			err = c.setIntIn(k, int64(int16(binary.BigEndian.Uint16(b))), ar)
		case col.fast == fastBool && len(b) == 1:
			err = c.setBool(k, b[0] != 0)
		case col.fast == fastNumeric:
			if v, exp, ok := numericParts(b); ok {
				d := ar.dec(v, exp)
				if k == kDec {
					c.d = decimal.NullDecimal{Decimal: d, Valid: true}
				} else {
					err = c.setString(k, d.String())
				}
			} else if err = col.plan.Scan(b, col.target); err == nil {
				err = c.fromTarget(k, col.target)
			}
		case col.fast != fastNone:
			err = fmt.Errorf("bad length %d", len(b))
		case col.sqlValue != nil:
			var v driver.Value
			if v, err = col.sqlValue(b); err == nil {
				err = c.assign(k, v)
			}
		default:
			if err = col.plan.Scan(b, col.target); err == nil {
				err = c.fromTarget(k, col.target)
			}
		}
		if err != nil {
			return fmt.Errorf("column %d: %w", i+1, err)
		}
	}
	return nil
}

// setIntIn is setInt with the text form of an integer (uids) kept in ar.
func (c *cell) setIntIn(k kind, x int64, ar *arena) error {
	switch k {
	case kStr:
		c.s = sql.NullString{String: ar.int(x), Valid: true}
		return nil
	case kDec:
		c.d = decimal.NullDecimal{Decimal: ar.dec(x, 0), Valid: true}
		return nil
	}
	return c.setInt(k, x)
}

// fromTarget converts a value scanned by pgx into the cell.
func (c *cell) fromTarget(k kind, t any) error {
	var err error
	switch v := t.(type) {
	case *pgtype.Int8:
		if !v.Valid {
			c.null(k)
		} else {
			err = c.setInt(k, v.Int64)
		}
	case *pgtype.Bool:
		if !v.Valid {
			c.null(k)
		} else {
			err = c.setBool(k, v.Bool)
		}
	case *pgtype.Numeric:
		switch {
		case !v.Valid:
			c.null(k)
		case v.NaN || v.InfinityModifier != pgtype.Finite || v.Int == nil:
			err = errors.New("not a finite number")
		case k == kDec:
			c.d = decimal.NullDecimal{Decimal: decimal.NewFromBigInt(v.Int, v.Exp), Valid: true}
		default:
			err = c.setString(k, decimal.NewFromBigInt(v.Int, v.Exp).String())
		}
	case *pgtype.Float4:
		if !v.Valid {
			c.null(k)
		} else {
			err = c.assign(k, v.Float32)
		}
	case *pgtype.Float8:
		if !v.Valid {
			c.null(k)
		} else {
			err = c.assign(k, v.Float64)
		}
	case *pgtype.Timestamptz:
		switch {
		case !v.Valid || v.InfinityModifier != pgtype.Finite:
			c.null(k)
		case k == kTime:
			c.t = nullTime{Time: v.Time, Valid: true}
		default:
			err = c.assign(k, v.Time)
		}
	case *pgtype.Timestamp:
		switch {
		case !v.Valid || v.InfinityModifier != pgtype.Finite:
			c.null(k)
		case k == kTime:
			c.t = nullTime{Time: v.Time, Valid: true}
		default:
			err = c.assign(k, v.Time)
		}
	case *pgtype.Date:
		switch {
		case !v.Valid || v.InfinityModifier != pgtype.Finite:
			c.null(k)
		case k == kTime:
			c.t = nullTime{Time: v.Time, Valid: true}
		default:
			err = c.assign(k, v.Time)
		}
	}
	return err
}

// pgSQLDB returns the *sql.DB under db when db is a plain (not
// transactional) PostgreSQL handle, else nil.
func pgSQLDB(dialect string, pool any) *sql.DB {
	if dialect != "postgres" {
		return nil
	}
	sqlDB, _ := pool.(*sql.DB)
	return sqlDB
}
