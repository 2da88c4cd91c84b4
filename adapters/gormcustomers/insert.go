package gormcustomers

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"
)

// insertRow collects the columns of one new host row. A field the host
// has no column for is handed to a keep function instead (it goes to the
// extras), and kept records that one was.
type insertRow struct {
	cols map[string]any
	kept bool
}

func newInsertRow(cols map[string]any) *insertRow { return &insertRow{cols: cols} }

// put sets column to v, or, when the host has no such column (""),
// calls keep (if any) and marks the row as having extras.
func (r *insertRow) put(column string, v any, keep func()) {
	switch {
	case column != "":
		r.cols[column] = v
	case keep != nil:
		keep()
		r.kept = true
	}
}

// insert writes the row into table and returns the new row's key column
// as the database returns it. One INSERT … RETURNING statement does both
// on PostgreSQL and on SQLite (3.35 and later), so the key is that of
// this very row whatever else is inserted at the same time: no second
// look-up by a unique column or by MAX(key)
// (docs/protocol/customers.md#new-rows-and-their-keys).
// A gorm.Expr value is written as SQL (e.g. a sub-select for the default
// customer group).
func (r *insertRow) insert(tx *gorm.DB, table, key string) (any, error) {
	names := make([]string, 0, len(r.cols))
	for c := range r.cols {
		names = append(names, c)
	}
	sort.Strings(names) // one statement text per mapping
	quoted := make([]string, len(names))
	args := make([]any, len(names))
	for i, c := range names {
		quoted[i], args[i] = tx.Statement.Quote(c), r.cols[c]
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) RETURNING %s", tx.Statement.Quote(table),
		strings.Join(quoted, ", "), strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", "), tx.Statement.Quote(key))
	rows, err := tx.Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, errors.New("the insert returned no key")
	}
	v, err := scanRow(rows, 1)
	if err != nil {
		return nil, err
	}
	return v[0], rows.Close()
}
