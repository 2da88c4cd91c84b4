package gormcatalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/shopbridge/shopbridge/shopgate/export"
)

// listLoader is one detail list: its query parts and how a row is added.
type listLoader struct {
	name string
	list *List
	cols []column // without the product key
	add  func(it *export.Item, c []cell, bl *blocks)
	// begin and end bracket the consecutive rows of one item (see carver).
	begin, end func(it *export.Item, bl *blocks)
}

// carve returns begin/end functions that take the list field of an item
// from the batch's blocks (pick chooses the carver).
func carve[T any](field func(*export.Item) *[]T, pick func(*blocks) *carver[T]) (begin, end func(*export.Item, *blocks)) {
	return func(it *export.Item, bl *blocks) { pick(bl).begin(field(it)) },
		func(it *export.Item, bl *blocks) { pick(bl).end(field(it)) }
}

// loaders returns the configured detail lists; groups collects attribute
// group labels for the parents.
func (s *Source) loaders(groups map[string]string) []listLoader {
	it := &s.cfg.Items
	var ls []listLoader
	if l := it.Images; l != nil {
		cols := []column{{l.UID, kStr}, {l.URL, kStr}, {l.Title, kStr}, {l.Alt, kStr}, {l.SortOrder, kInt}, {l.IsCover, kBool}}
		ls = append(ls, listLoader{"images", &l.List, cols, func(it *export.Item, c []cell, bl *blocks) {
			// The batch's links arena: its other user, finish, runs once
			// the lists are attached.
			im := export.Image{UID: c[0].str(), URL: s.absIn(c[1].str(), &bl.links), Title: c[2].nullStr(), Alt: c[3].nullStr(),
				SortOrder: c[4].nullInt(), IsCover: c[5].b.Bool}
			if l.IsCover == "" {
				im.IsCover = len(it.Images) == 0
			}
			it.Images = append(it.Images, im)
		}, nil, nil})
		ls[len(ls)-1].begin, ls[len(ls)-1].end = carve(func(it *export.Item) *[]export.Image { return &it.Images }, func(b *blocks) *carver[export.Image] { return &b.images })
	}
	if l := it.Categories; l != nil {
		cols := []column{{l.UID, kStr}, {l.SortOrder, kInt}}
		ls = append(ls, listLoader{"categories", &l.List, cols, func(it *export.Item, c []cell, bl *blocks) {
			it.Categories = append(it.Categories, export.CategoryRef{UID: c[0].str(), SortOrder: c[1].nullInt()})
		}, nil, nil})
		ls[len(ls)-1].begin, ls[len(ls)-1].end = carve(func(it *export.Item) *[]export.CategoryRef { return &it.Categories }, func(b *blocks) *carver[export.CategoryRef] { return &b.cats })
	}
	if l := it.Properties; l != nil {
		cols := []column{{l.UID, kStr}, {l.Label, kStr}, {l.Value, kStr}}
		ls = append(ls, listLoader{"properties", &l.List, cols, func(it *export.Item, c []cell, bl *blocks) {
			it.Properties = append(it.Properties, export.Property{UID: c[0].str(), Label: c[1].str(), Value: c[2].str()})
		}, nil, nil})
		ls[len(ls)-1].begin, ls[len(ls)-1].end = carve(func(it *export.Item) *[]export.Property { return &it.Properties }, func(b *blocks) *carver[export.Property] { return &b.props })
	}
	if l := it.Tags; l != nil {
		cols := []column{{l.UID, kStr}, {l.Value, kStr}}
		ls = append(ls, listLoader{"tags", &l.List, cols, func(it *export.Item, c []cell, bl *blocks) {
			it.Tags = append(it.Tags, export.Tag{UID: c[0].str(), Value: c[1].str()})
		}, nil, nil})
		ls[len(ls)-1].begin, ls[len(ls)-1].end = carve(func(it *export.Item) *[]export.Tag { return &it.Tags }, func(b *blocks) *carver[export.Tag] { return &b.tags })
	}
	if l := it.Relations; l != nil {
		cols := []column{{l.Type, kStr}, {l.Label, kStr}, {l.RelatedUID, kStr}}
		ls = append(ls, listLoader{"relations", &l.List, cols, func(it *export.Item, c []cell, bl *blocks) {
			// One relation per type and label: custom groups differ by
			// their heading (docs/protocol/catalog-export.md#relations).
			typ, label, uid := c[0].str(), c[1].str(), c[2].str()
			for i := range it.Relations {
				if it.Relations[i].Type == typ && it.Relations[i].Label == label {
					it.Relations[i].UIDs = append(it.Relations[i].UIDs, uid)
					return
				}
			}
			// Room for a few uids from a shared block; more grow on their own.
			it.Relations = append(it.Relations, export.Relation{Type: typ, Label: label, UIDs: append(bl.uids.take(4), uid)})
		}, nil, nil})
		ls[len(ls)-1].begin, ls[len(ls)-1].end = carve(func(it *export.Item) *[]export.Relation { return &it.Relations }, func(b *blocks) *carver[export.Relation] { return &b.rels })
	}
	if l := it.TierPrices; l != nil {
		cols := []column{{l.AggregateChildren, kBool}, {l.Threshold, kInt}, {l.MaxQuantity, kInt}, {l.Type, kStr},
			{l.CustomerGroupUID, kStr}, {l.Reduction, kDec}}
		ls = append(ls, listLoader{"tier prices", &l.List, cols, func(it *export.Item, c []cell, bl *blocks) {
			it.Prices.TierPrices = append(it.Prices.TierPrices, export.TierPrice{
				AggregateChildren: c[0].b.Bool, Threshold: c[1].nullInt(), MaxQuantity: c[2].nullInt(),
				Type: c[3].str(), CustomerGroupUID: c[4].str(), Reduction: c[5].d.Decimal})
		}, nil, nil})
		ls[len(ls)-1].begin, ls[len(ls)-1].end = carve(func(it *export.Item) *[]export.TierPrice { return &it.Prices.TierPrices }, func(b *blocks) *carver[export.TierPrice] { return &b.tiers })
	}
	if l := it.Attributes; l != nil {
		cols := []column{{l.UID, kStr}, {l.GroupUID, kStr}, {l.GroupLabel, kStr}, {l.Label, kStr}}
		ls = append(ls, listLoader{attributesList, &l.List, cols, func(it *export.Item, c []cell, bl *blocks) {
			g := c[1].str()
			if _, ok := groups[g]; !ok {
				groups[g] = c[2].str()
			}
			it.Attributes = append(it.Attributes, export.Attribute{UID: c[0].str(), GroupUID: g, Label: c[3].str()})
		}, nil, nil})
		ls[len(ls)-1].begin, ls[len(ls)-1].end = carve(func(it *export.Item) *[]export.Attribute { return &it.Attributes }, func(b *blocks) *carver[export.Attribute] { return &b.attrs })
	}
	return ls
}

// loadLists runs one query per detail list for the items of batch b and
// attaches the rows. The lists are read in parallel on separate
// connections (each writes only its own field of an item), so the database
// can use more than one core. Variant attributes are read for the variants
// only.
func (s *Source) loadLists(ctx context.Context, b *batch) (map[string]string, error) {
	groups := map[string]string{}
	ls := s.loaders(groups)
	errs := make([]error, len(ls))
	sem := make(chan struct{}, s.cfg.Parallel)
	var wg sync.WaitGroup
	for i, l := range ls {
		keys, byKey := b.all, b.byKey
		if l.name == attributesList {
			keys, byKey = b.children, b.childByKey
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := s.loadList(ctx, l, keys, byKey, b.bl); err != nil {
				errs[i] = fmt.Errorf("gormcatalog: %s: %w", l.name, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return groups, nil
}

// columns returns the selected columns of a list (the product key first)
// and its ORDER BY.
func (l listLoader) columns() ([]column, string) {
	cols := make([]column, 0, len(l.cols)+1)
	cols = append(cols, column{l.list.Product, kInt})
	cols = append(cols, l.cols...) // empty expressions are not selected
	order := l.list.Product
	if l.list.OrderBy != "" {
		order += ", " + l.list.OrderBy
	} else {
		// Without an order the rows of an item could come in any order
		// from export to export (and the first image is the cover): sort
		// by every selected value, by position.
		n := 0
		for _, c := range cols {
			if c.expr != "" {
				n++
			}
		}
		for i := 2; i <= n; i++ {
			order += ", " + strconv.Itoa(i)
		}
	}
	return cols, order
}

// loadList reads one detail list for keys.
func (s *Source) loadList(ctx context.Context, l listLoader, keys []int64, byKey map[int64]*export.Item, bl *blocks) error {
	cols, order := l.columns()
	r := newRow(cols)
	var prev *export.Item
	err := s.query(ctx, l.list.Product, keys, func(cond string, args []any) error {
		var f filter
		f.add(cond, args...)
		f.add(l.list.Where)
		q := "SELECT " + selectList(cols) + " FROM " + l.list.From + " WHERE " + f.where() + " ORDER BY " + order
		return s.each(ctx, q, f.args, r, func() error {
			it, ok := byKey[r.cells[0].i.Int64]
			if !ok {
				return nil
			}
			if it != prev {
				if prev != nil {
					l.end(prev, bl)
				}
				l.begin(it, bl)
				prev = it
			}
			l.add(it, r.cells[1:], bl)
			return nil
		})
	})
	if prev != nil {
		l.end(prev, bl)
	}
	return err
}

// finish completes a batch: absolute deeplinks, parent attribute groups
// derived from the children, default display type. The deeplinks are
// carved from ar.
func (s *Source) finish(items []export.Item, groups map[string]string, ar *arena) {
	for i := range items {
		p := &items[i]
		rel := p.Deeplink
		p.Deeplink = s.absIn(p.Deeplink, ar)
		for j := range p.Children {
			c := &p.Children[j]
			if c.Deeplink == rel {
				// Variants mostly link to their parent's page.
				c.Deeplink = p.Deeplink
			} else {
				c.Deeplink = s.absIn(c.Deeplink, ar)
			}
			for _, a := range c.Attributes {
				if !slices.ContainsFunc(p.AttributeGroups, func(g export.AttributeGroup) bool { return g.UID == a.GroupUID }) {
					p.AttributeGroups = append(p.AttributeGroups, export.AttributeGroup{UID: a.GroupUID, Label: groups[a.GroupUID]})
				}
			}
		}
		if p.DisplayType == "" {
			if len(p.Children) > 0 {
				p.DisplayType = "select"
			} else {
				p.DisplayType = "simple"
			}
		}
	}
}
