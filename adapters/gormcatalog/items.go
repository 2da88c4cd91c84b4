package gormcatalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// batch is one page of parent items. The first loading stage reads the
// parents and their variants and indexes them; the second attaches the
// detail lists.
type batch struct {
	items      []export.Item
	byKey      map[int64]*export.Item // every item of the batch, variants too
	childByKey map[int64]*export.Item // the variants
	all        []int64                // their keys, sorted
	childKeys  []int64                // variant keys, parent by parent
	children   []int64                // variant keys, sorted
	// allItems and childItems are the items of all and children, in
	// their order: an ordered pass finds a row's item by walking them.
	allItems, childItems []*export.Item
	// bl holds the batch's lists.
	bl *blocks
	// lo and hi bound the keys an ordered pass reads for the batch
	// (stream.go); unused by batch queries.
	lo, hi int64
	// seq numbers the batch within an ordered pass; written, when set,
	// is told when it has been written (stream.go).
	seq     int64
	written *atomic.Int64
	err     error
}

// index fills the key indexes of b from its parent keys and its variant
// keys (parent by parent, as attached).
func (b *batch) index(keys, childKeys []int64) {
	items := b.items
	// The maps of a written batch are reused (cleared by blocks.reset).
	if b.bl.byKey == nil {
		b.bl.byKey = make(map[int64]*export.Item, len(keys)+len(childKeys))
		b.bl.childByKey = make(map[int64]*export.Item, len(childKeys))
	}
	b.byKey, b.childByKey = b.bl.byKey, b.bl.childByKey
	for i, k := range keys {
		b.byKey[k] = &items[i]
	}
	ci := 0
	for i := range items {
		for j := range items[i].Children {
			c := &items[i].Children[j]
			b.byKey[childKeys[ci]] = c
			b.childByKey[childKeys[ci]] = c
			ci++
		}
	}
	b.all = make([]int64, 0, len(keys)+len(childKeys))
	b.all = append(append(b.all, keys...), childKeys...)
	slices.Sort(b.all)
	b.childKeys = childKeys
	b.children = slices.Clone(childKeys)
	slices.Sort(b.children)
	b.allItems = make([]*export.Item, len(b.all))
	for i, k := range b.all {
		b.allItems[i] = b.byKey[k]
	}
	b.childItems = make([]*export.Item, len(b.children))
	for i, k := range b.children {
		b.childItems[i] = b.childByKey[k]
	}
}

// Items implements adapters.CatalogSource. Batches are loaded by two
// goroutines ahead of the caller — one reads parents and variants, the next
// one their detail lists — so that the database and the writer work at the
// same time. Cancelling ctx or an error from yield stops them before Items
// returns. A whole-catalogue export on PostgreSQL reads each table in one
// ordered pass (docs/catalog.md#one-ordered-pass-per-table); others read
// every batch with a few queries.
func (s *Source) Items(ctx context.Context, shop adapters.Shop, q adapters.CatalogQuery, yield func(*export.Item) error) error {
	s, err := s.forShop(shop)
	if err != nil {
		return err
	}
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

	if s.canStream(q) {
		err := s.streamItems(ctx, shop, &f, q, yield)
		if !streamErr(err) {
			return err
		}
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	return s.pipeline(parent, ctx, cancel, yield, func(free chan batchMem, send func(batch) bool) error {
		return s.keyset(ctx, it.From, it.Key, &f, q, func(cond string, args []any, n int) (int, int64, error) {
			b, last, err := s.loadParents(ctx, shop, cond, args, n, free)
			if err != nil || len(b.items) == 0 {
				return 0, 0, err
			}
			if !send(b) {
				return 0, 0, ctx.Err()
			}
			return len(b.items), last, nil
		})
	}, s.loadDetails)
}

// pipeline runs produce (the first stage, which sends batches of parents
// and variants) and details (the second, which completes a batch) ahead of
// yield. ctx is a child of parent that cancel ends; pipeline cancels it
// when it stops early and waits for both stages.
func (s *Source) pipeline(parent, ctx context.Context, cancel context.CancelFunc, yield func(*export.Item) error,
	produce func(free chan batchMem, send func(batch) bool) error, details func(context.Context, *batch) error) error {
	// Unbuffered: one batch is written while the next one gets its lists
	// and the one after that its parents, so at most three are in memory.
	parents := make(chan batch)
	ch := make(chan batch)
	// The memory of written batches goes back to the first stage; room
	// for every batch that can be in flight, so none is dropped.
	free := make(chan batchMem, 4)
	go func() {
		defer close(parents)
		err := produce(free, func(b batch) bool {
			select {
			case parents <- b:
				return true
			case <-ctx.Done():
				return false
			}
		})
		if err != nil {
			select {
			case parents <- batch{err: err}:
			case <-ctx.Done():
			}
		}
	}()
	go func() {
		defer close(ch)
		// Runs until the first stage has stopped, so that no query
		// outlives Items.
		for b := range parents {
			if b.err == nil {
				if err := ctx.Err(); err != nil {
					continue
				}
				b.err = details(ctx, &b)
			}
			select {
			case ch <- b:
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
		clear(b.items)
		b.bl.reset()
		if b.written != nil {
			// The text blocks of the batch may be reused.
			b.written.Store(b.seq)
		}
		select {
		case free <- batchMem{b.items[:0], b.bl}:
		default:
		}
		if err != nil {
			break
		}
	}
	cancel()
	for range ch {
		// Wait for the loaders to stop so no query outlives the call.
	}
	// A cancelled request may surface as a driver error; report the
	// cancellation itself so callers can recognise it.
	if perr := parent.Err(); perr != nil && !errors.Is(err, perr) {
		err = errors.Join(perr, err)
	}
	return err
}

// batchMem is the reusable memory of a written batch: its item slice and
// its blocks (docs/catalog.md#fewer-allocations). Records are only valid
// during yield, so both are reused by a later batch.
type batchMem struct {
	items []export.Item
	bl    *blocks
}

// takeMem returns an empty item slice with room for n and blocks for the
// lists of a batch, recycled from a written batch when there is one.
func takeMem(free chan batchMem, n int) ([]export.Item, *blocks) {
	select {
	case m := <-free:
		if cap(m.items) >= n {
			return m.items[:0], m.bl
		}
		return make([]export.Item, 0, n), m.bl
	default:
	}
	return make([]export.Item, 0, n), new(blocks)
}

// blocks are the carvers of one batch: every list of its items is carved
// from them.
type blocks struct {
	ids    carver[export.Identifier]
	kids   carver[export.Item]
	images carver[export.Image]
	cats   carver[export.CategoryRef]
	props  carver[export.Property]
	tags   carver[export.Tag]
	rels   carver[export.Relation]
	tiers  carver[export.TierPrice]
	attrs  carver[export.Attribute]
	uids   carver[string]
	// links holds the batch's absolute deeplinks and image URLs; it is
	// reset with the other blocks once the batch has been written.
	links arena
	// byKey and childByKey are the batch's key indexes (batch.index).
	byKey, childByKey map[int64]*export.Item
}

// reset makes every block of bl available again, once the batch that used
// them has been written.
func (bl *blocks) reset() {
	if bl == nil {
		return
	}
	bl.ids.reset()
	bl.kids.reset()
	bl.images.reset()
	bl.cats.reset()
	bl.props.reset()
	bl.tags.reset()
	bl.rels.reset()
	bl.tiers.reset()
	bl.attrs.reset()
	bl.uids.reset()
	bl.links.reset()
	clear(bl.byKey)
	clear(bl.childByKey)
}

// carver hands out slices carved from shared blocks, for the many short
// lists of a batch (identifiers, images, tags, variants ...): one
// allocation per block instead of a few per item. Rows of one item arrive
// together, so the item being filled owns the free end of the block; end
// clips its capacity so that it never grows into the next item's part.
type carver[T any] struct {
	buf  []T
	size int
	// used are the blocks handed out since reset, spare the ones reset
	// made available again.
	used, spare [][]T
}

// block returns an empty block with room for at least n: the smallest
// spare one that fits, else a new one.
func (c *carver[T]) block(n int) []T {
	best := -1
	for i, b := range c.spare {
		if cap(b) >= n && (best < 0 || cap(b) < cap(c.spare[best])) {
			best = i
		}
	}
	if best >= 0 {
		b := c.spare[best]
		last := len(c.spare) - 1
		c.spare[best] = c.spare[last]
		c.spare[last] = nil
		c.spare = c.spare[:last]
		c.used = append(c.used, b)
		return b
	}
	b := make([]T, 0, n)
	c.used = append(c.used, b)
	return b
}

// reset makes the blocks handed out since the last reset available again
// and lets go of spare ones that were not needed: a carver keeps what one
// batch used, not the most any batch ever used
// (docs/catalog.md#memory-of-an-export). The kept blocks are cleared, so
// that the written batch's values (and the text blocks they point into)
// are not held on to while the blocks wait.
func (c *carver[T]) reset() {
	clear(c.spare)
	c.spare = c.spare[:0]
	for _, b := range c.used {
		clear(b[:cap(b)])
		c.spare = append(c.spare, b[:0])
	}
	clear(c.used)
	c.used = c.used[:0]
	c.buf = nil
	c.size = 0
}

// begin gives *s, when it is empty, the rest of the current block.
func (c *carver[T]) begin(s *[]T) {
	if len(*s) > 0 {
		return
	}
	if cap(c.buf)-len(c.buf) < 16 {
		if c.size == 0 {
			c.size = 256
		}
		c.buf = c.block(c.size)
		c.size = min(2*c.size, 4096)
	}
	*s = c.buf[len(c.buf):len(c.buf):cap(c.buf)]
}

// end takes the elements appended to *s since begin from the block and
// clips *s to them. A list that outgrew the block was reallocated by append
// and keeps its own array.
func (c *carver[T]) end(s *[]T) {
	n := len(*s)
	if n == 0 || cap(c.buf) == len(c.buf) || unsafe.SliceData(*s) != unsafe.SliceData(c.buf[len(c.buf):cap(c.buf)]) {
		return
	}
	c.buf = c.buf[:len(c.buf)+n]
	*s = (*s)[:n:n]
}

// take returns an empty slice with capacity n.
func (c *carver[T]) take(n int) []T {
	if cap(c.buf)-len(c.buf) < n {
		c.buf = c.block(max(n, 512))
	}
	l := len(c.buf)
	c.buf = c.buf[:l+n]
	return c.buf[l : l : l+n]
}

// loadParents reads up to n parents matching cond with their variants
// and returns them, indexed, with the last parent key.
func (s *Source) loadParents(ctx context.Context, shop adapters.Shop, cond string, args []any, n int,
	free chan batchMem) (batch, int64, error) {
	it := &s.cfg.Items
	q := "SELECT " + selectList(s.itemCols) + " FROM " + it.From + " WHERE " + cond +
		" ORDER BY " + it.Key + " LIMIT " + strconv.Itoa(n)
	items, bl := takeMem(free, n)
	keys := make([]int64, 0, n)
	r := newRow(s.itemCols)
	ids := &bl.ids
	err := s.each(ctx, q, args, r, func() error {
		items = append(items, export.Item{})
		keys = append(keys, r.cells[0].i.Int64)
		s.fill(&items[len(items)-1], r, ids)
		if items[len(items)-1].Currency == "" {
			items[len(items)-1].Currency = shop.Currency
		}
		return nil
	})
	if err != nil {
		return batch{}, 0, fmt.Errorf("gormcatalog: items: %w", err)
	}
	if len(items) == 0 {
		return batch{}, 0, nil
	}
	last := keys[len(keys)-1]

	parentIdx := make(map[int64]int, len(keys))
	for i, k := range keys {
		parentIdx[k] = i
	}
	var childKeys []int64
	if it.Parent != "" {
		childKeys, err = s.loadChildren(ctx, items, keys, parentIdx, bl)
		if err != nil {
			return batch{}, 0, err
		}
	}

	// Index every item of the batch by key, now that no slice grows.
	b := batch{items: items, bl: bl}
	b.index(keys, childKeys)
	return b, last, nil
}

// loadDetails attaches the detail lists to the items of b and completes
// them.
func (s *Source) loadDetails(ctx context.Context, b *batch) error {
	groups, err := s.loadLists(ctx, b)
	if err != nil {
		return err
	}
	return s.complete(ctx, b, groups)
}

// complete finishes the items of b once their lists are attached and runs
// the host's Prepare hook.
func (s *Source) complete(ctx context.Context, b *batch, groups map[string]string) error {
	it := &s.cfg.Items
	s.finish(b.items, groups, &b.bl.links)
	if it.Prepare != nil {
		ptrs := make([]*export.Item, len(b.items))
		for i := range b.items {
			ptrs[i] = &b.items[i]
		}
		if err := it.Prepare(ctx, s.db.WithContext(ctx), ptrs); err != nil {
			return fmt.Errorf("gormcatalog: prepare: %w", err)
		}
	}
	return nil
}

// fill copies the scanned scalar columns into it; identifier lists are
// taken from ids.
func (s *Source) fill(it *export.Item, r *row, ids *carver[export.Identifier]) {
	if s.nIDs > 0 {
		it.Identifiers = ids.take(s.nIDs)
	}
	off := len(r.cells) - s.nFieldCols
	it.UID = r.own.int(r.cells[off-1].i.Int64)
	for i := range s.fields {
		s.fields[i].set(it, &r.cells[off+s.fieldCell[i]])
	}
	for i := range s.consts {
		s.consts[i].set(it, &s.consts[i].value)
	}
	if it.Currency == "" {
		it.Currency = s.cfg.Items.Currency
	}
	if s.cfg.Items.Fields.IsSaleable == "" {
		st := &it.Stock
		st.IsSaleable = !st.UseStock || st.Backorders || st.StockQuantity.V > 0
	}
	if len(it.Identifiers) == 0 {
		it.Identifiers = nil
	}
}

// loadChildren attaches the variants of the parents in keys and returns
// their keys in the order they were attached (parent by parent).
func (s *Source) loadChildren(ctx context.Context, items []export.Item, keys []int64, parentIdx map[int64]int,
	bl *blocks) ([]int64, error) {
	it := &s.cfg.Items
	type child struct {
		parent int
		key    int64
	}
	var (
		order []child
		kids  = &bl.kids
		ids   = &bl.ids
		prev  *export.Item
	)
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
			if p != prev {
				if prev != nil {
					kids.end(&prev.Children)
				}
				kids.begin(&p.Children)
				prev = p
			}
			p.Children = append(p.Children, export.Item{})
			s.fill(&p.Children[len(p.Children)-1], r, ids)
			order = append(order, child{pi, r.cells[1].i.Int64})
			return nil
		})
	})
	if prev != nil {
		kids.end(&prev.Children)
	}
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
