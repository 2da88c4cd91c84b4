package gormcatalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// batch is one page of parent items with everything attached.
type batch struct {
	items []export.Item
	err   error
}

// Items implements adapters.CatalogSource. Batches are loaded by a second
// goroutine one step ahead of the caller; cancelling ctx or an error from
// yield stops it before Items returns.
func (s *Source) Items(ctx context.Context, shop adapters.Shop, q adapters.CatalogQuery, yield func(*export.Item) error) error {
	it := &s.cfg.Items
	if it.From == "" {
		return fmt.Errorf("items: %w", ErrNotMapped)
	}
	var f filter
	if it.Parent != "" {
		f.add(it.Parent + " IS NULL")
	}
	f.add(it.Where)
	f.uidFilter(it.UID, it.Key, q.UIDs, false)
	f.uidFilter(it.UID, it.Key, q.ExcludeUIDs, true)

	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Unbuffered: one batch is written while the next one is loaded, so
	// at most two are held in memory.
	ch := make(chan batch)
	go func() {
		defer close(ch)
		err := s.keyset(ctx, it.From, it.Key, &f, q, func(cond string, args []any, n int) (int, int64, error) {
			items, last, err := s.loadBatch(ctx, shop, cond, args, n)
			if err != nil {
				return 0, 0, err
			}
			select {
			case ch <- batch{items: items}:
			case <-ctx.Done():
				return 0, 0, ctx.Err()
			}
			return len(items), last, nil
		})
		if err != nil {
			select {
			case ch <- batch{err: err}:
			case <-ctx.Done():
			}
		}
	}()
	var err error
	for b := range ch {
		if b.err != nil {
			err = b.err
			break
		}
		for i := range b.items {
			if err = yield(&b.items[i]); err != nil {
				break
			}
		}
		s.putItems(b.items)
		if err != nil {
			break
		}
	}
	cancel()
	for range ch {
		// Wait for the loader to stop so no query outlives the call.
	}
	// A cancelled request may surface as a driver error; report the
	// cancellation itself so callers can recognise it.
	if perr := parent.Err(); perr != nil && !errors.Is(err, perr) {
		err = errors.Join(perr, err)
	}
	return err
}

// itemPool recycles the item slices of finished batches (records are only
// valid during yield, so the memory can be reused).
var itemPool sync.Pool

func (s *Source) getItems(n int) []export.Item {
	if p, ok := itemPool.Get().(*[]export.Item); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]export.Item, 0, n)
}

func (s *Source) putItems(items []export.Item) {
	clear(items[:cap(items)])
	items = items[:0]
	itemPool.Put(&items)
}

// loadBatch reads up to n parents matching cond with their variants and
// detail lists, and returns them with the last parent key.
func (s *Source) loadBatch(ctx context.Context, shop adapters.Shop, cond string, args []any, n int) ([]export.Item, int64, error) {
	it := &s.cfg.Items
	q := "SELECT " + selectList(s.itemCols) + " FROM " + it.From + " WHERE " + cond +
		" ORDER BY " + it.Key + " LIMIT " + strconv.Itoa(n)
	items := s.getItems(n)
	keys := make([]int64, 0, n)
	r := newRow(s.itemCols)
	err := s.each(ctx, q, args, r, func() error {
		items = append(items, export.Item{})
		keys = append(keys, r.cells[0].i.Int64)
		s.fill(&items[len(items)-1], r)
		if items[len(items)-1].Currency == "" {
			items[len(items)-1].Currency = shop.Currency
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("gormcatalog: items: %w", err)
	}
	if len(items) == 0 {
		return nil, 0, nil
	}
	last := keys[len(keys)-1]

	parentIdx := make(map[int64]int, len(keys))
	for i, k := range keys {
		parentIdx[k] = i
	}
	var childKeys []int64
	if it.Parent != "" {
		childKeys, err = s.loadChildren(ctx, items, keys, parentIdx)
		if err != nil {
			return nil, 0, err
		}
	}

	// Index every item of the batch by key, now that no slice grows.
	byKey := make(map[int64]*export.Item, len(keys)+len(childKeys))
	for i, k := range keys {
		byKey[k] = &items[i]
	}
	ci := 0
	for i := range items {
		for j := range items[i].Children {
			byKey[childKeys[ci]] = &items[i].Children[j]
			ci++
		}
	}
	all := append(slices.Clone(keys), childKeys...)
	slices.Sort(all)
	groups, err := s.loadLists(ctx, byKey, all, childKeys)
	if err != nil {
		return nil, 0, err
	}
	s.finish(items, groups)
	if it.Prepare != nil {
		ptrs := make([]*export.Item, len(items))
		for i := range items {
			ptrs[i] = &items[i]
		}
		if err := it.Prepare(ctx, s.db.WithContext(ctx), ptrs); err != nil {
			return nil, 0, fmt.Errorf("gormcatalog: prepare: %w", err)
		}
	}
	return items, last, nil
}

// fill copies the scanned scalar columns into it.
func (s *Source) fill(it *export.Item, r *row) {
	off := len(r.cells) - len(s.fields)
	it.UID = strconv.FormatInt(r.cells[off-1].i.Int64, 10)
	for i := range s.fields {
		s.fields[i].set(it, &r.cells[off+i])
	}
	for i := range s.consts {
		s.consts[i].set(it, &s.consts[i].value)
	}
	if it.Currency == "" {
		it.Currency = s.cfg.Items.Currency
	}
}

// loadChildren attaches the variants of the parents in keys and returns
// their keys in the order they were attached (parent by parent).
func (s *Source) loadChildren(ctx context.Context, items []export.Item, keys []int64, parentIdx map[int64]int) ([]int64, error) {
	it := &s.cfg.Items
	type child struct {
		parent int
		key    int64
	}
	var order []child
	r := newRow(s.childCols)
	err := s.query(ctx, it.Parent, keys, func(cond string, args []any) error {
		var c filter
		c.add(cond, args...)
		c.add(it.Where)
		q := "SELECT " + selectList(s.childCols) + " FROM " + it.From + " WHERE " + c.where() +
			" ORDER BY " + it.Parent + ", " + it.Key
		return s.each(ctx, q, c.args, r, func() error {
			pi, ok := parentIdx[r.cells[0].i.Int64]
			if !ok {
				return nil
			}
			p := &items[pi]
			p.Children = append(p.Children, export.Item{})
			s.fill(&p.Children[len(p.Children)-1], r)
			order = append(order, child{pi, r.cells[1].i.Int64})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("gormcatalog: variants: %w", err)
	}
	// Queries may return parents in any order across chunks; list child keys
	// parent by parent, matching the Children slices.
	slices.SortStableFunc(order, func(a, b child) int { return a.parent - b.parent })
	out := make([]int64, len(order))
	for i, c := range order {
		out[i] = c.key
	}
	return out, nil
}

// query runs run once per chunk of keys with a condition on expr that
// selects at least those keys: dense runs as BETWEEN ranges (callers drop
// rows of keys in the gaps), the rest as IN lists (padded to a few fixed
// lengths so prepared statements are reused).
func (s *Source) query(ctx context.Context, expr string, keys []int64, run func(cond string, args []any) error) error {
	const minRun = 16
	for len(keys) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := keys
		if len(chunk) > 4*s.cfg.MaxIn {
			chunk = chunk[:4*s.cfg.MaxIn]
		}
		keys = keys[len(chunk):]
		var terms []string
		var args []any
		var loose []int64
		for i := 0; i < len(chunk); {
			// Extend the run while it stays dense: at most about four keys
			// of range per selected key, so rows read in the gaps (and
			// dropped) stay bounded.
			j := i + 1
			for j < len(chunk) && chunk[j]-chunk[i] < int64(4*(j-i+1)+64) {
				j++
			}
			if j-i >= minRun {
				terms = append(terms, expr+" BETWEEN ? AND ?")
				args = append(args, chunk[i], chunk[j-1])
			} else {
				loose = append(loose, chunk[i:j]...)
			}
			i = j
		}
		for len(loose) > 0 {
			n := min(len(loose), s.cfg.MaxIn)
			size := 8
			for size < n {
				size *= 2
			}
			list := make([]int64, size)
			copy(list, loose[:n])
			for k := n; k < size; k++ {
				list[k] = loose[n-1]
			}
			terms = append(terms, expr+" IN ?")
			args = append(args, list)
			loose = loose[n:]
		}
		if err := run(strings.Join(terms, " OR "), args); err != nil {
			return err
		}
	}
	return nil
}
