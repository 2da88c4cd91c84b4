package gormcatalog

import (
	"context"

	"github.com/shopbridge/shopbridge/adapters"
)

// Pass is one ordered pass of a whole-catalogue Items export as PostgreSQL
// runs it: reading the rows of SQL raw (e.g. psql's \copy (…) TO
// '/dev/null'), under the same setting, is the lower bound any export
// over these queries can reach; bench/catalog.sh compares the export with
// it.
type Pass struct {
	// SQL is the query, with the export's own select list, filter and
	// order.
	SQL string
	// NoSeqScan means the export runs it with enable_seqscan off
	// (docs/catalog.md#no-sequential-scan-per-row).
	NoSeqScan bool
}

// ItemsSQL returns the queries of an Items export without its batching:
// one sorted read per table — parents, variants (with the parents when an
// index gives their group order,
// docs/catalog.md#parents-and-variants-in-one-pass) and each detail list
// — with the export's own select lists, filters and orders, one query per
// string. The detail lists are read for every product (the export reads
// them only for the exported items), so a raw read may see a few more
// rows.
//
// A mapping with marketplace placeholders gets empty literals for them;
// ItemsSQLFor gives the queries of one marketplace.
func (s *Source) ItemsSQL() []string { return s.ItemsSQLFor(adapters.Shop{}) }

// ItemsSQLFor is ItemsSQL with the placeholders of the mapping
// ({lang}, {currency}) set for shop, as its export reads them.
func (s *Source) ItemsSQLFor(shop adapters.Shop) []string {
	passes, _ := s.ItemsPasses(context.Background(), shop)
	out := make([]string, len(passes))
	for i, p := range passes {
		out[i] = p.SQL
	}
	return out
}

// ItemsPasses returns the ordered passes of shop's whole-catalogue Items
// export (see ItemsSQLFor), planned as the export plans them now on
// PostgreSQL. Without a database to plan on (or when planning fails,
// which the error tells) the passes are the plain ones.
func (s *Source) ItemsPasses(ctx context.Context, shop adapters.Shop) ([]Pass, error) {
	if s.locals != nil {
		l, err := s.forShop(shop)
		if err != nil {
			return nil, err
		}
		return l.ItemsPasses(ctx, shop)
	}
	it := &s.cfg.Items
	if it.From == "" {
		return nil, nil
	}
	var f filter
	if it.Parent != "" {
		f.add(it.Parent + " IS NULL")
	}
	f.add(it.Where)
	out := []Pass{{SQL: "SELECT " + selectList(s.itemCols) + " FROM " + it.From + " WHERE " + f.where() + " ORDER BY " + it.Key}}
	var planErr error
	variants, folded := it.Parent != "", false
	if variants && s.pg != nil {
		q, args := s.groupQuery(0, true)
		var noSeq bool
		if folded, noSeq, planErr = s.foldable(ctx, q, args); folded {
			out[0], variants = Pass{SQL: q, NoSeqScan: noSeq}, false
		}
	}
	if variants {
		var c filter
		c.add(it.Parent + " IS NOT NULL")
		c.add(it.Where)
		out = append(out, Pass{SQL: "SELECT " + selectList(s.childCols) + " FROM " + it.From + " WHERE " + c.where() +
			" ORDER BY " + it.Parent + ", " + it.Key})
	}
	for _, l := range s.loaders(map[string]string{}) {
		cols, order := l.columns()
		var lf filter
		lf.add(l.list.Where)
		out = append(out, Pass{SQL: "SELECT " + selectList(cols) + " FROM " + l.list.From + " WHERE " + lf.where() + " ORDER BY " + order})
	}
	if s.pg != nil && planErr == nil {
		for i := range out {
			if i == 0 && folded {
				continue // planned by foldable
			}
			if out[i].NoSeqScan, planErr = s.noSeqScan(ctx, out[i].SQL); planErr != nil {
				break
			}
		}
	}
	return out, planErr
}
