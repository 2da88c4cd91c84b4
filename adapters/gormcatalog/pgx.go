package gormcatalog

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

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
	conn, err := s.pg.Conn(ctx)
	if err != nil {
		return true, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		pc, ok := dc.(pgxConn)
		if !ok {
			return nil
		}
		handled = true
		pq, pargs := rebind(q, args)
		rows, err := pc.Conn().Query(ctx, pq, pargs...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var targets []any
		for rows.Next() {
			if targets == nil {
				targets = pgTargets(rows.FieldDescriptions())
			}
			if err := rows.Scan(targets...); err != nil {
				return err
			}
			if err := r.fromPG(targets); err != nil {
				return err
			}
			if err := fn(); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return handled, err
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
		case []string:
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
		default:
			param(a)
		}
	}
	return b.String(), out
}

// pgTargets picks a pgx scan target per result column by its type.
func pgTargets(fds []pgconn.FieldDescription) []any {
	t := make([]any, len(fds))
	for i, fd := range fds {
		switch fd.DataTypeOID {
		case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID, pgtype.UnknownOID:
			t[i] = new(pgtype.Text)
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
			t[i] = new(pgtype.Int8)
		case pgtype.BoolOID:
			t[i] = new(pgtype.Bool)
		case pgtype.NumericOID:
			t[i] = new(pgtype.Numeric)
		case pgtype.Float4OID, pgtype.Float8OID:
			t[i] = new(pgtype.Float8)
		case pgtype.TimestamptzOID:
			t[i] = new(pgtype.Timestamptz)
		case pgtype.TimestampOID:
			t[i] = new(pgtype.Timestamp)
		case pgtype.DateOID:
			t[i] = new(pgtype.Date)
		default:
			t[i] = new(any)
		}
	}
	return t
}

// fromPG converts scanned pgx values into the row's cells.
func (r *row) fromPG(targets []any) error {
	for i, t := range targets {
		c, k := &r.cells[i], r.kinds[i]
		var err error
		switch v := t.(type) {
		case *pgtype.Text:
			if !v.Valid {
				c.null(k)
			} else {
				err = c.setString(k, v.String)
			}
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
				err = fmt.Errorf("column %d: not a finite number", i+1)
			case k == kDec:
				c.d = decimal.NullDecimal{Decimal: decimal.NewFromBigInt(v.Int, v.Exp), Valid: true}
			default:
				err = c.setString(k, decimal.NewFromBigInt(v.Int, v.Exp).String())
			}
		case *pgtype.Float8:
			if !v.Valid {
				c.null(k)
			} else {
				err = c.assign(k, v.Float64)
			}
		case *pgtype.Timestamptz:
			if !v.Valid || v.InfinityModifier != pgtype.Finite {
				c.null(k)
			} else {
				err = c.assign(k, v.Time)
			}
		case *pgtype.Timestamp:
			if !v.Valid || v.InfinityModifier != pgtype.Finite {
				c.null(k)
			} else {
				err = c.assign(k, v.Time)
			}
		case *pgtype.Date:
			if !v.Valid || v.InfinityModifier != pgtype.Finite {
				c.null(k)
			} else {
				err = c.assign(k, v.Time)
			}
		case *any:
			err = c.assign(k, *v)
			*v = nil
		}
		if err != nil {
			return fmt.Errorf("column %d: %w", i+1, err)
		}
	}
	return nil
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
