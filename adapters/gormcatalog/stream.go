package gormcatalog

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// One ordered pass per table (docs/catalog.md#one-ordered-pass-per-table):
// a full export on PostgreSQL reads the parents, the variants and every
// detail list with one sorted query each, held open for the whole export
// on its own connection and read as far as the batch being built needs.
// The database does the work of a single sorted read of each table instead
// of several bound range queries per batch.

// defaultStreamBatch is the number of parents per batch of an ordered
// pass when Config.BatchSize is not set: the batches of the ordered passes
// cost no query, and three of them are in memory at a time
// (docs/catalog.md#memory-of-an-export).
const defaultStreamBatch = 250

// foldedPasses counts the exports that read parents and variants in one
// pass (for tests).
var foldedPasses atomic.Int64

// errNoStream is returned when the pool's connections are not pgx ones;
// the export then reads batch by batch.
var errNoStream = errors.New("gormcatalog: connection does not stream")

// cursor is one query held open on its own pooled connection. Its rows are
// read by a goroutine that owns the connection, on demand: read runs a
// function there that advances the query as far as it needs.
type cursor struct {
	reqs chan cursorReq
	done chan struct{}
	err  error // set before done is closed
}

type cursorReq struct {
	fn  func(c *cursorRows) error
	seq int64 // the batch the rows are read for
	res chan error
}

// cursorRows is the reading side of a cursor, used inside read.
type cursorRows struct {
	r    *row
	next func() bool
	err  func() error
	// held keeps the current row for the next next call (see unread).
	held bool
	eof  bool
}

// advance makes the next row current in r; false at the end or on error.
func (c *cursorRows) advance() (bool, error) {
	if c.held {
		c.held = false
		return true, nil
	}
	if c.eof {
		return false, nil
	}
	if !c.next() {
		c.eof = true
		return false, c.err()
	}
	return true, nil
}

// unread keeps the current row: the next advance returns it again.
func (c *cursorRows) unread() { c.held = true }

// openCursor starts q on a connection of its own. The query runs until
// its rows are read or ctx ends (which closes the connection). Its text
// blocks are reused once written says the batches they hold are written
// (docs/catalog.md#text-blocks-reused-per-batch).
//
// noSeq, when known (the folded pass is planned before it is opened),
// says whether the pass runs without sequential scans; nil: the cursor
// plans it on its connection (docs/catalog.md#no-sequential-scan-per-row).
func (s *Source) openCursor(ctx context.Context, q string, args []any, r *row, written *atomic.Int64, noSeq *bool) (*cursor, error) {
	conn, err := s.pg.Conn(ctx)
	if err != nil {
		return nil, err
	}
	c := &cursor{reqs: make(chan cursorReq), done: make(chan struct{})}
	ready := make(chan error, 1)
	go func() {
		defer close(c.done)
		defer conn.Close()
		handled := false
		c.err = conn.Raw(func(dc any) error {
			pc, ok := dc.(pgxConn)
			if !ok {
				return nil
			}
			handled = true
			pq, pargs := rebind(q, args)
			var err error
			withoutSeq := noSeq != nil && *noSeq
			if noSeq == nil {
				_, withoutSeq, err = passPlan(ctx, pc.Conn(), pq, pargs)
			}
			if err == nil && withoutSeq {
				err = beginNoSeq(ctx, pc.Conn())
			}
			if err != nil {
				ready <- err
				return err
			}
			// An unnamed statement: PostgreSQL plans each pass with its
			// arguments, never with a generic plan
			// (docs/catalog.md#one-ordered-pass-per-table).
			rows, err := pc.Conn().Query(ctx, pq, append([]any{pgx.QueryExecModeCacheDescribe}, pargs...)...)
			if err != nil {
				ready <- err
				return err
			}
			defer func() {
				rows.Close()
				// A pass read to its end ends its transaction; one that
				// was not leaves it open and the pool discards the
				// connection.
				if withoutSeq && rows.Err() == nil && pc.Conn().PgConn().TxStatus() != 'I' {
					pc.Conn().Exec(context.WithoutCancel(ctx), "ROLLBACK") //nolint:errcheck // see above
				}
			}()
			ready <- nil
			var cols []pgCol
			var ar arena
			ar.recycle(written)
			r.own.recycle(written)
			cr := &cursorRows{r: r, err: rows.Err}
			cr.next = func() bool {
				if !rows.Next() {
					return false
				}
				if cols == nil {
					cols = pgCols(pc.Conn().TypeMap(), rows.FieldDescriptions())
				}
				ar.rowStart()
				r.own.rowStart()
				if err := r.fromRaw(cols, rows.RawValues(), &ar); err != nil {
					cr.err = func() error { return err }
					return false
				}
				return true
			}
			for req := range c.reqs {
				ar.mark(req.seq)
				r.own.mark(req.seq)
				req.res <- req.fn(cr)
			}
			return nil
		})
		if !handled {
			c.err = errNoStream
			ready <- errNoStream
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			c.close()
			return nil, err
		}
		return c, nil
	case <-c.done:
		return nil, c.err
	}
}

// read runs fn on the cursor's rows for batch seq and waits for it.
func (c *cursor) read(ctx context.Context, seq int64, fn func(c *cursorRows) error) error {
	res := make(chan error, 1)
	select {
	case c.reqs <- cursorReq{fn, seq, res}:
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-res
}

// close ends the cursor's goroutine and waits for it. A query not read to
// its end keeps running until the context of openCursor ends.
func (c *cursor) close() {
	if c == nil {
		return
	}
	select {
	case <-c.done:
		return
	default:
	}
	close(c.reqs)
	<-c.done
}

// streams are the cursors of one export.
type streams struct {
	s        *Source
	ctx      context.Context
	parents  *cursor
	pr       *row
	children *cursor
	cr       *row
	lists    []listStream
	groups   map[string]string
	// folded: parents carries the variants too, by group
	// (docs/catalog.md#parents-and-variants-in-one-pass); pend holds a
	// group's variants keyed below their parent until it comes.
	folded   bool
	pend     []export.Item
	pendKeys []int64
	// seq numbers the batches; written is the last one written.
	seq     int64
	written atomic.Int64
}

// listStream is one detail list read in one ordered pass.
type listStream struct {
	l   listLoader
	r   *row
	cur *cursor
	err error
}

// streamConns is the number of connections a streamed export holds.
func (s *Source) streamConns() int {
	n := 1 + len(s.loaders(nil))
	if s.cfg.Items.Parent != "" {
		n++
	}
	return n
}

// canStream reports whether an Items export of q reads one ordered pass
// per table: on PostgreSQL through pgx, for a whole catalogue (no limit,
// no uid list), with a pool big enough for its connections plus one, and
// one such export per Source at a time.
func (s *Source) canStream(q adapters.CatalogQuery) bool {
	if s.pg == nil || s.cfg.BatchQueries || q.Limit >= 0 || len(q.UIDs) > 0 {
		return false
	}
	if n := s.pg.Stats().MaxOpenConnections; n > 0 && n < s.streamConns()+2 {
		return false
	}
	return s.streaming.CompareAndSwap(false, true)
}

// openStreams opens the parent cursor after the key after (first: from
// the start); the variant and list cursors are opened with the first
// batch. When fold is set (no uid filter) and an index gives the rows of
// parents and variants in group order, one cursor reads both.
func (s *Source) openStreams(ctx context.Context, f *filter, after int64, first, fold bool) (*streams, error) {
	it := &s.cfg.Items
	st := &streams{s: s, ctx: ctx, groups: map[string]string{}}
	if fold && it.Parent != "" {
		q, args := s.groupQuery(after, first)
		ok, noSeq, err := s.foldable(ctx, q, args)
		if err != nil {
			return nil, err
		}
		if ok {
			foldedPasses.Add(1)
			st.folded, st.pr = true, newRow(s.childCols)
			if st.parents, err = s.openCursor(ctx, q, args, st.pr, &st.written, &noSeq); err != nil {
				return nil, err
			}
			return st, nil
		}
	}
	cond, args := f.where(), f.args
	if !first {
		cond += " AND " + it.Key + " > ?"
		args = append(append([]any(nil), args...), after)
	}
	st.pr = newRow(s.itemCols)
	q := "SELECT " + selectList(s.itemCols) + " FROM " + it.From + " WHERE " + cond + " ORDER BY " + it.Key
	var err error
	if st.parents, err = s.openCursor(ctx, q, args, st.pr, &st.written, nil); err != nil {
		return nil, err
	}
	return st, nil
}

// groupQuery is the folded pass of parents and variants
// (docs/catalog.md#parents-and-variants-in-one-pass), after the group of
// key after unless first. It reads by group (a variant's parent key, a
// parent's own key) and key.
func (s *Source) groupQuery(after int64, first bool) (string, []any) {
	it := &s.cfg.Items
	group := "COALESCE(" + it.Parent + ", " + it.Key + ")"
	var c filter
	c.add(it.Where)
	if !first {
		c.add(group+" > ?", after)
	}
	return "SELECT " + selectList(s.childCols) + " FROM " + it.From + " WHERE " + c.where() +
		" ORDER BY " + group + ", " + it.Key, c.args
}

// openDetails opens the variant and list cursors at the first parent key.
func (st *streams) openDetails(lo int64) error {
	s, it := st.s, &st.s.cfg.Items
	if it.Parent != "" && st.children == nil && !st.folded {
		var c filter
		c.add(it.Parent+" >= ?", lo)
		c.add(it.Where)
		q := "SELECT " + selectList(s.childCols) + " FROM " + it.From + " WHERE " + c.where() +
			" ORDER BY " + it.Parent + ", " + it.Key
		st.cr = newRow(s.childCols)
		var err error
		if st.children, err = s.openCursor(st.ctx, q, c.args, st.cr, &st.written, nil); err != nil {
			return fmt.Errorf("gormcatalog: variants: %w", err)
		}
	}
	if st.lists != nil {
		return nil
	}
	ls := s.loaders(st.groups)
	st.lists = make([]listStream, len(ls))
	for i, l := range ls {
		cols, order := l.columns()
		var f filter
		f.add(l.list.Product+" >= ?", lo)
		f.add(l.list.Where)
		q := "SELECT " + selectList(cols) + " FROM " + l.list.From + " WHERE " + f.where() + " ORDER BY " + order
		r := newRow(cols)
		cur, err := s.openCursor(st.ctx, q, f.args, r, &st.written, nil)
		if err != nil {
			return fmt.Errorf("gormcatalog: %s: %w", l.name, err)
		}
		st.lists[i] = listStream{l: l, r: r, cur: cur}
	}
	return nil
}

// close ends every cursor, in the reverse of the order they were opened:
// the pool hands out the connection returned last first, so the next
// export's passes get the same connections — and PostgreSQL backends that
// have already paid for touching the shared buffers
// (docs/catalog.md#warm-connections).
func (st *streams) close() {
	for i := len(st.lists) - 1; i >= 0; i-- {
		st.lists[i].cur.close()
	}
	st.children.close()
	st.parents.close()
}

// nextBatch reads the next n parents and their variants, from the
// parents and variants passes or the folded pass. hi is the key of the
// parent after them (math.MaxInt64 at the end): the batch owns the keys
// [first parent, hi) of every ordered pass.
func (st *streams) nextBatch(shop adapters.Shop, n int, free chan batchMem) (b batch, err error) {
	s := st.s
	items, bl := takeMem(free, n)
	keys := make([]int64, 0, n)
	ids := &bl.ids
	b.hi = math.MaxInt64
	st.seq++
	b.seq, b.written = st.seq, &st.written
	var childKeys []int64
	if st.folded {
		items, keys, childKeys, err = st.readGroups(shop, n, items, keys, bl, &b)
	} else {
		err = st.parents.read(st.ctx, b.seq, func(c *cursorRows) error {
			for {
				ok, err := c.advance()
				if err != nil || !ok {
					return err
				}
				if len(items) == n {
					b.hi = st.pr.cells[0].i.Int64
					c.unread()
					return nil
				}
				items = append(items, export.Item{})
				keys = append(keys, st.pr.cells[0].i.Int64)
				s.fill(&items[len(items)-1], st.pr, ids)
				if items[len(items)-1].Currency == "" {
					items[len(items)-1].Currency = shop.Currency
				}
			}
		})
	}
	if err != nil {
		return batch{}, fmt.Errorf("gormcatalog: items: %w", err)
	}
	if len(items) == 0 {
		return batch{}, nil
	}
	b.lo = keys[0]
	if err := st.openDetails(b.lo); err != nil {
		return batch{}, err
	}
	if st.children != nil {
		parentIdx := make(map[int64]int, len(keys))
		for i, k := range keys {
			parentIdx[k] = i
		}
		kids := &bl.kids
		var prev *export.Item
		r := st.cr
		err = st.children.read(st.ctx, b.seq, func(c *cursorRows) error {
			for {
				ok, err := c.advance()
				if err != nil || !ok {
					return err
				}
				pk := r.cells[0].i.Int64
				if pk >= b.hi {
					c.unread()
					return nil
				}
				pi, ok := parentIdx[pk]
				if !ok {
					continue
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
				childKeys = append(childKeys, r.cells[1].i.Int64)
			}
		})
		if prev != nil {
			kids.end(&prev.Children)
		}
		if err != nil {
			return batch{}, fmt.Errorf("gormcatalog: variants: %w", err)
		}
	}
	b.items, b.bl = items, bl
	b.index(keys, childKeys)
	return b, nil
}

// readGroups reads the next n parents and their variants from the folded
// pass (docs/catalog.md#parents-and-variants-in-one-pass). Rows come by
// group and key: a parent (NULL parent key) and its variants, those keyed
// below the parent first — they wait in st.pend until it comes. Variants
// of a parent that is not exported (inactive, a variant itself) form a
// group without a parent and are dropped, as the variants pass drops them.
func (st *streams) readGroups(shop adapters.Shop, n int, items []export.Item, keys []int64, bl *blocks,
	b *batch) ([]export.Item, []int64, []int64, error) {
	s, r := st.s, st.pr
	ids, kids := &bl.ids, &bl.kids
	var childKeys []int64
	var p *export.Item // the parent of the current group, once read
	var group int64
	started := false
	st.pend, st.pendKeys = st.pend[:0], st.pendKeys[:0]
	err := st.parents.read(st.ctx, b.seq, func(c *cursorRows) error {
		for {
			ok, err := c.advance()
			if err != nil || !ok {
				return err
			}
			parent, key := r.cells[0].i, r.cells[1].i.Int64
			g := key
			if parent.Valid {
				g = parent.Int64
			}
			if !started || g != group {
				if len(items) == n {
					b.hi = g
					c.unread()
					return nil
				}
				if p != nil {
					kids.end(&p.Children)
				}
				p, group, started = nil, g, true
				st.pend, st.pendKeys = st.pend[:0], st.pendKeys[:0]
			}
			switch {
			case !parent.Valid:
				items = append(items, export.Item{})
				keys = append(keys, key)
				p = &items[len(items)-1]
				s.fill(p, r, ids)
				if p.Currency == "" {
					p.Currency = shop.Currency
				}
				kids.begin(&p.Children)
				p.Children = append(p.Children, st.pend...)
				childKeys = append(childKeys, st.pendKeys...)
			case p == nil:
				st.pend = append(st.pend, export.Item{})
				s.fill(&st.pend[len(st.pend)-1], r, ids)
				st.pendKeys = append(st.pendKeys, key)
			default:
				p.Children = append(p.Children, export.Item{})
				s.fill(&p.Children[len(p.Children)-1], r, ids)
				childKeys = append(childKeys, key)
			}
		}
	})
	if p != nil {
		kids.end(&p.Children)
	}
	return items, keys, childKeys, err
}

// loadDetails attaches the detail lists of b from the ordered passes: the
// rows of keys in [b.lo, b.hi) come from each list's cursor; keys outside
// (variants whose key lies outside their parents' range) are read with a
// query of their own, in key order around the cursor's part.
func (st *streams) loadDetails(ctx context.Context, b *batch) error {
	clear(st.groups)
	var wg sync.WaitGroup
	for i := range st.lists {
		ls := &st.lists[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			ls.err = st.loadList(ctx, ls, b)
		}()
	}
	wg.Wait()
	var errs []error
	for i := range st.lists {
		if err := st.lists[i].err; err != nil {
			errs = append(errs, fmt.Errorf("gormcatalog: %s: %w", st.lists[i].l.name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return st.s.complete(ctx, b, st.groups)
}

func (st *streams) loadList(ctx context.Context, ls *listStream, b *batch) error {
	l := ls.l
	byKey, keys, items := b.byKey, b.all, b.allItems
	if l.name == attributesList {
		byKey, keys, items = b.childByKey, b.children, b.childItems
	}
	// Keys outside the batch's range, below and above it.
	var below, above []int64
	for _, k := range keys {
		if k < b.lo {
			below = append(below, k)
		} else if k >= b.hi {
			above = append(above, k)
		}
	}
	if len(below) > 0 {
		if err := st.s.loadList(ctx, l, below, byKey, b.bl); err != nil {
			return err
		}
	}
	var prev *export.Item
	r := ls.r
	// The rows come in key order: their items are found by walking the
	// sorted keys along, not by a lookup per row.
	j := 0
	err := ls.cur.read(ctx, b.seq, func(c *cursorRows) error {
		for {
			ok, err := c.advance()
			if err != nil || !ok {
				return err
			}
			k := r.cells[0].i.Int64
			if k >= b.hi {
				c.unread()
				return nil
			}
			for j < len(keys) && keys[j] < k {
				j++
			}
			if j == len(keys) || keys[j] != k || k < b.lo {
				continue
			}
			it := items[j]
			if it != prev {
				if prev != nil {
					l.end(prev, b.bl)
				}
				l.begin(it, b.bl)
				prev = it
			}
			l.add(it, r.cells[1:], b.bl)
		}
	})
	if prev != nil {
		l.end(prev, b.bl)
	}
	if err != nil || len(above) == 0 {
		return err
	}
	return st.s.loadList(ctx, l, above, byKey, b.bl)
}

// streamItems runs an Items export in ordered passes; it returns an
// error wrapping errNoStream, before yielding anything, when the
// connections cannot stream.
func (s *Source) streamItems(ctx context.Context, shop adapters.Shop, f *filter, q adapters.CatalogQuery,
	yield func(*export.Item) error) error {
	defer s.streaming.Store(false)
	offset, _ := page(q)
	if f.none {
		return nil
	}
	after, first, ok, err := s.startAfter(ctx, s.cfg.Items.From, s.cfg.Items.Key, f, offset)
	if err != nil || !ok {
		return err
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := s.openStreams(ctx, f, after, first, len(q.ExcludeUIDs) == 0)
	if err != nil {
		return err
	}
	defer st.close()
	yielded := false
	err = s.pipeline(parent, ctx, cancel, func(it *export.Item) error { yielded = true; return yield(it) },
		func(free chan batchMem, send func(batch) bool) error {
			for {
				b, err := st.nextBatch(shop, s.streamBatch, free)
				if err != nil || len(b.items) == 0 {
					return err
				}
				if !send(b) {
					return ctx.Err()
				}
				if b.hi == math.MaxInt64 {
					return nil
				}
			}
		},
		st.loadDetails)
	if yielded && streamErr(err) {
		// Too late to start again with batch queries.
		err = fmt.Errorf("gormcatalog: items: %v", err)
	}
	return err
}

// attributesList names the variant attribute list, which is read for the
// variants only.
const attributesList = "attributes"

// streamErr tells whether err means the export should fall back to batch
// queries.
func streamErr(err error) bool { return errors.Is(err, errNoStream) }
