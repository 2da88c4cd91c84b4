package drophero

import (
	"database/sql/driver"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/gormmodels"
)

// Bulk writes of a catalogue sync. On PostgreSQL they pass one array per
// column to INSERT … SELECT FROM unnest(…): a handful of parameters instead
// of one per value, which PostgreSQL plans and binds far faster than a wide
// multi-row VALUES list. Other databases use GORM's batched inserts.

func isPostgres(tx *gorm.DB) bool { return tx.Dialector.Name() == "postgres" }

func nullDec(d decimal.NullDecimal) *string {
	if !d.Valid {
		return nil
	}
	s := d.Decimal.String()
	return &s
}

// pgArray is a PostgreSQL array literal of text elements (nil = NULL). It
// is a driver.Valuer so that GORM passes it as one parameter instead of
// expanding a slice into a list.
type pgArray []*string

// Value implements driver.Valuer.
func (a pgArray) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		if p == nil {
			b.WriteString("NULL")
			continue
		}
		b.WriteByte('"')
		for _, r := range *p {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

func strp(s string) *string { return &s }

// saveLinks upserts link rows by iditem.
func saveLinks(tx *gorm.DB, rows []gormmodels.DropHeroLink) error {
	if !isPostgres(tx) {
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).CreateInBatches(&rows, 500).Error
	}
	cols := make([]pgArray, 16)
	for i := range cols {
		cols[i] = make(pgArray, len(rows))
	}
	b := func(v bool) *string { return strp(strconv.FormatBool(v)) }
	for i, r := range rows {
		var ps *string
		if r.PrevStock != nil {
			ps = strp(strconv.FormatInt(*r.PrevStock, 10))
		}
		vals := []*string{strp(r.IDItem), strp(r.ProductID), strp(r.Origin), b(r.Active), nullDec(r.PrevPrice), ps,
			b(r.StockUnknown), b(r.NeedsReview), strp(r.Status), nullDec(r.SRP), strp(r.RMAPolicy), strp(r.Wholesalers),
			strp(r.Payments), strp(r.Categories), strp(r.Raw), strp(r.SyncedAt.UTC().Format(time.RFC3339Nano))}
		for c, v := range vals {
			cols[c][i] = v
		}
	}
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = c
	}
	return tx.Exec(`INSERT INTO shopbridge_drophero_links
		(id_item, product_id, origin, active, prev_price, prev_stock, stock_unknown, needs_review, status, srp,
		 rma_policy, wholesalers, payments, categories, raw, synced_at)
		SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::bool[], ?::numeric[], ?::bigint[], ?::bool[], ?::bool[],
		 ?::text[], ?::numeric[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[])
		ON CONFLICT (id_item) DO UPDATE SET product_id = excluded.product_id, origin = excluded.origin,
		 active = excluded.active, prev_price = excluded.prev_price, prev_stock = excluded.prev_stock,
		 stock_unknown = excluded.stock_unknown, needs_review = excluded.needs_review, status = excluded.status,
		 srp = excluded.srp, rma_policy = excluded.rma_policy, wholesalers = excluded.wholesalers,
		 payments = excluded.payments, categories = excluded.categories, raw = excluded.raw, synced_at = excluded.synced_at`,
		args...).Error
}

// saveShipping inserts shipping rows (the caller deleted the items' old rows).
func saveShipping(tx *gorm.DB, rows []gormmodels.DropHeroShipping) error {
	if !isPostgres(tx) {
		return tx.CreateInBatches(&rows, 1000).Error
	}
	n := len(rows)
	iditem, mode, area, price := make(pgArray, n), make(pgArray, n), make(pgArray, n), make(pgArray, n)
	for i, r := range rows {
		iditem[i], mode[i], area[i], price[i] = strp(r.IDItem), strp(r.ModeID), strp(r.AreaISO), strp(r.Price.String())
	}
	return tx.Exec(`INSERT INTO shopbridge_drophero_shipping (id_item, mode_id, area_iso, price)
		SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::numeric[])`, iditem, mode, area, price).Error
}
