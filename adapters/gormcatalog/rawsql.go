package gormcatalog

import (
	"context"

	"github.com/shopbridge/shopbridge/adapters"
)

// ItemsSQL returns the queries of an Items export without its batching:
// one sorted read per table — parents, variants and each detail list —
// with the export's own select lists, filters and orders, one query per
// string. Reading their rows raw (e.g. psql's \copy (…) TO '/dev/null')
// is the lower bound any export over these queries can reach;
// bench/catalog.sh compares the export with it. The detail lists are
// read for every product (the export reads them only for the exported
// items), so the raw read may see a few more rows.
//
// A mapping with marketplace placeholders gets empty literals for them;
// ItemsSQLFor gives the queries of one marketplace.
func (s *Source) ItemsSQL() []string { return s.ItemsSQLFor(adapters.Shop{}) }

// ItemsSQLFor is ItemsSQL with the placeholders of the mapping
// ({lang}, {currency}) set for shop, as its export reads them.
func (s *Source) ItemsSQLFor(shop adapters.Shop) []string {
	if s.locals != nil {
		if l, err := s.forShop(shop); err == nil {
			return l.ItemsSQLFor(shop)
		}
		return nil
	}
	it := &s.cfg.Items
	if it.From == "" {
		return nil
	}
	var f filter
	if it.Parent != "" {
		f.add(it.Parent + " IS NULL")
	}
	f.add(it.Where)
	out := []string{"SELECT " + selectList(s.itemCols) + " FROM " + it.From + " WHERE " + f.where() + " ORDER BY " + it.Key}
	variants := it.Parent != ""
	if variants && s.pg != nil {
		// One pass for parents and variants when the export reads them so
		// (docs/catalog.md#parents-and-variants-in-one-pass).
		q, args := s.groupQuery(0, true)
		if folded, err := s.indexOrdered(context.Background(), q, args); err == nil && folded {
			out[0], variants = q, false
		}
	}
	if variants {
		var c filter
		c.add(it.Parent + " IS NOT NULL")
		c.add(it.Where)
		out = append(out, "SELECT "+selectList(s.childCols)+" FROM "+it.From+" WHERE "+c.where()+
			" ORDER BY "+it.Parent+", "+it.Key)
	}
	for _, l := range s.loaders(map[string]string{}) {
		cols, order := l.columns()
		var lf filter
		lf.add(l.list.Where)
		out = append(out, "SELECT "+selectList(cols)+" FROM "+l.list.From+" WHERE "+lf.where()+" ORDER BY "+order)
	}
	return out
}
