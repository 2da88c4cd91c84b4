package dropship

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/gormmodels"
)

// Bulk writes of a catalogue sync. On PostgreSQL they pass one array per
// column to INSERT … SELECT FROM unnest(…): a handful of parameters instead
// of one per value, which PostgreSQL plans and binds far faster than a wide
// multi-row VALUES list. The statement goes to the transaction's connection
// directly, because GORM would expand slice arguments into lists; pgx encodes
// Go slices as PostgreSQL arrays natively. Other databases use GORM's batched
// inserts.

func isPostgres(tx *gorm.DB) bool { return tx.Dialector.Name() == "postgres" }

func nullDec(d decimal.NullDecimal) *string {
	if !d.Valid {
		return nil
	}
	s := d.Decimal.String()
	return &s
}

func execDirect(tx *gorm.DB, query string, args ...any) error {
	if _, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, query, args...); err != nil {
		return fmt.Errorf("bulk write: %w", err)
	}
	return nil
}

// saveLinks upserts link rows by iditem.
func saveLinks(tx *gorm.DB, rows []gormmodels.DropHeroLink) error {
	if !isPostgres(tx) {
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).CreateInBatches(&rows, 500).Error
	}
	n := len(rows)
	var (
		iditem, product, origin, status = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		rma, whole, pay, cats, raw      = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		active, unknown, review         = make([]bool, n), make([]bool, n), make([]bool, n)
		prevPrice, srp                  = make([]*string, n), make([]*string, n)
		prevStock                       = make([]*int64, n)
		synced                          = make([]time.Time, n)
	)
	for i, r := range rows {
		iditem[i], product[i], origin[i], status[i] = r.IDItem, r.ProductID, r.Origin, r.Status
		rma[i], whole[i], pay[i], cats[i], raw[i] = r.RMAPolicy, r.Wholesalers, r.Payments, r.Categories, r.Raw
		active[i], unknown[i], review[i] = r.Active, r.StockUnknown, r.NeedsReview
		prevPrice[i], srp[i], prevStock[i], synced[i] = nullDec(r.PrevPrice), nullDec(r.SRP), r.PrevStock, r.SyncedAt
	}
	return execDirect(tx, `INSERT INTO shopbridge_drophero_links
		(id_item, product_id, origin, active, prev_price, prev_stock, stock_unknown, needs_review, status, srp,
		 rma_policy, wholesalers, payments, categories, raw, synced_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], $5::numeric[], $6::bigint[], $7::bool[],
		 $8::bool[], $9::text[], $10::numeric[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
		 $16::timestamptz[])
		ON CONFLICT (id_item) DO UPDATE SET product_id = excluded.product_id, origin = excluded.origin,
		 active = excluded.active, prev_price = excluded.prev_price, prev_stock = excluded.prev_stock,
		 stock_unknown = excluded.stock_unknown, needs_review = excluded.needs_review, status = excluded.status,
		 srp = excluded.srp, rma_policy = excluded.rma_policy, wholesalers = excluded.wholesalers,
		 payments = excluded.payments, categories = excluded.categories, raw = excluded.raw, synced_at = excluded.synced_at`,
		iditem, product, origin, active, prevPrice, prevStock, unknown, review, status, srp, rma, whole, pay, cats, raw, synced)
}

// saveShipping inserts shipping rows (the caller deleted the items' old rows).
func saveShipping(tx *gorm.DB, rows []gormmodels.DropHeroShipping) error {
	if !isPostgres(tx) {
		return tx.CreateInBatches(&rows, 1000).Error
	}
	n := len(rows)
	iditem, mode, area, price := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, r := range rows {
		iditem[i], mode[i], area[i], price[i] = r.IDItem, r.ModeID, r.AreaISO, r.Price.String()
	}
	return execDirect(tx, `INSERT INTO shopbridge_drophero_shipping (id_item, mode_id, area_iso, price)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[])`, iditem, mode, area, price)
}
