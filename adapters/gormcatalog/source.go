package gormcatalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// Source is an adapters.CatalogSource reading the host's tables through
// GORM. It is safe for concurrent use.
type Source struct {
	db  *gorm.DB
	cfg Config

	fields     []field      // item scalar fields read from each row
	consts     []constField // item scalar fields with literal values
	itemCols   []column     // key + fields
	childCols  []column     // parent + key + fields
	nIDs       int          // identifier columns
	fieldCell  []int        // per field: its cell among the selected field columns
	nFieldCols int          // distinct field columns
	categories []catField
	reviews    []revField
	// pg is the pool read with pgx directly (see each); nil otherwise.
	pg *sql.DB
	// locals holds the per-marketplace Sources of a mapping with
	// placeholders (see Localize); nil when the mapping has none.
	locals *localSources
	// counts are the cached catalogue sizes (counts.go).
	counts counter
	// streaming is set while an export reads ordered passes (stream.go);
	// one at a time.
	streaming atomic.Bool
	// batchSize and streamBatch are the batch sizes of batch queries and
	// of ordered passes.
	batchSize, streamBatch int
}

var _ adapters.CatalogSource = (*Source)(nil)

// constField is a field whose expression is a literal, evaluated once.
type constField struct {
	field
	value cell
}

// ErrNotMapped is returned by an export whose part of the Config is empty.
// It wraps adapters.ErrNotExported, so the Plugin API answers 22.
var ErrNotMapped = fmt.Errorf("gormcatalog: not mapped: %w", adapters.ErrNotExported)

// New returns a Source reading cfg.DB with the mapping cfg. It checks that
// the mapping is complete where it must be; it does not query the
// database. Expressions may contain the marketplace placeholders {lang}
// and {currency} (see Localize).
func New(cfg Config) (*Source, error) {
	s, err := newSource(cfg)
	if err != nil {
		return nil, err
	}
	if HasPlaceholders(cfg.Items) || HasPlaceholders(cfg.Categories) || HasPlaceholders(cfg.Reviews) {
		// Check the localized mapping once now, so requests never fail on
		// it.
		if _, err := newSource(Localize(cfg, adapters.Shop{Language: "de", Currency: "EUR"})); err != nil {
			return nil, err
		}
		s.locals = &localSources{m: map[string]*Source{}}
	}
	return s, nil
}

func newSource(cfg Config) (*Source, error) {
	db := cfg.DB
	if db == nil {
		return nil, errors.New("gormcatalog: Config.DB is nil")
	}
	// cfg.BatchSize stays as given (Localize copies it): ordered passes
	// run no query per batch, so their batches are smaller by default,
	// keeping less memory in flight (docs/catalog.md#memory-of-an-export).
	batchSize, streamBatch := cfg.BatchSize, cfg.BatchSize
	if cfg.BatchSize <= 0 {
		batchSize, streamBatch = 1000, defaultStreamBatch
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.MaxIn <= 0 {
		cfg.MaxIn = 1000
	}
	if cfg.CountsMaxAge <= 0 {
		cfg.CountsMaxAge = defaultCountsMaxAge
	}
	if cfg.CountsWait == 0 {
		cfg.CountsWait = defaultCountsWait
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &Source{db: db, cfg: cfg, batchSize: batchSize, streamBatch: streamBatch}
	if !cfg.PlainSQL {
		s.pg = pgSQLDB(db.Dialector.Name(), db.Statement.ConnPool)
	}
	it := &cfg.Items
	if it.From != "" {
		if it.Key == "" || it.Fields.Name == "" {
			return nil, errors.New("gormcatalog: Items needs From, Key and Fields.Name")
		}
		s.itemCols = []column{{it.Key, kInt}}
		s.childCols = []column{{it.Parent, kInt}, {it.Key, kInt}}
		for _, id := range it.Identifiers {
			if id.Expr != "" {
				s.nIDs++
			}
		}
		seen := map[column]int{}
		fields := itemFields(&it.Fields, it.Identifiers)
		if it.UID != "" {
			// The exported uid, when it is not the key: uid filters
			// compare it, so the documents must carry it too.
			fields = append([]field{{column{it.UID, kStr}, func(it *export.Item, c *cell) {
				if c.s.Valid {
					it.UID = c.s.String
				}
			}}}, fields...)
		}
		for _, f := range fields {
			if c, ok := constant(f.expr, f.kind); ok {
				s.consts = append(s.consts, constField{f, c})
				continue
			}
			// An expression mapped to several fields (e.g. the article
			// number as internal order info and SKU) is selected once.
			idx, ok := seen[f.column]
			if !ok {
				idx = len(seen)
				seen[f.column] = idx
				s.itemCols = append(s.itemCols, f.column)
				s.childCols = append(s.childCols, f.column)
			}
			s.fields = append(s.fields, f)
			s.fieldCell = append(s.fieldCell, idx)
		}
		s.nFieldCols = len(seen)
		lists := []*List{listOf(it.Images), listOf(it.Categories), listOf(it.Properties), listOf(it.Tags),
			listOf(it.Relations), listOf(it.TierPrices), listOf(it.Attributes)}
		for _, l := range lists {
			if l != nil && (l.From == "" || l.Product == "") {
				return nil, errors.New("gormcatalog: every detail list needs From and Product")
			}
		}
		if it.Attributes != nil && it.Parent == "" {
			return nil, errors.New("gormcatalog: Items.Attributes needs Items.Parent (variants)")
		}
	}
	if c := &cfg.Categories; c.From != "" {
		if c.Key == "" || c.Name == "" {
			return nil, errors.New("gormcatalog: Categories needs From, Key and Name")
		}
		s.categories = categoryFields(c)
	}
	if r := &cfg.Reviews; r.From != "" {
		if r.Key == "" || r.ItemUID == "" || r.Score == "" {
			return nil, errors.New("gormcatalog: Reviews needs From, Key, ItemUID and Score")
		}
		s.reviews = reviewFields(r)
	}
	return s, nil
}

func listOf[T any](p *T) *List {
	if p == nil {
		return nil
	}
	switch v := any(p).(type) {
	case *Images:
		return &v.List
	case *ItemCategories:
		return &v.List
	case *Properties:
		return &v.List
	case *Tags:
		return &v.List
	case *Relations:
		return &v.List
	case *TierPrices:
		return &v.List
	case *Attributes:
		return &v.List
	}
	return nil
}

// abs makes a shop-relative URL absolute with BaseURL.
func (s *Source) abs(u string) string {
	if s.relative(u) {
		return s.cfg.BaseURL + u
	}
	return u
}

// absIn is abs with the joined URL carved from ar.
func (s *Source) absIn(u string, ar *arena) string {
	if s.relative(u) {
		return ar.concat(s.cfg.BaseURL, u)
	}
	return u
}

// relative reports whether abs prefixes u with BaseURL.
func (s *Source) relative(u string) bool {
	return s.cfg.BaseURL != "" && len(u) > 0 && u[0] == '/' && (len(u) == 1 || u[1] != '/')
}

// filter is a WHERE condition with its arguments.
type filter struct {
	sql  []string
	args []any
	none bool // the filter can match nothing (e.g. no numeric uid)
}

func (f *filter) add(cond string, args ...any) {
	if cond != "" {
		f.sql = append(f.sql, "("+cond+")")
		f.args = append(f.args, args...)
	}
}

func (f *filter) where() string {
	if len(f.sql) == 0 {
		return "1=1"
	}
	return strings.Join(f.sql, " AND ")
}

// uidFilter restricts expr (the uid) to uids. When the uid is the integer
// key, uids are compared as integers (index-friendly) and non-numeric ones
// can never match.
func (f *filter) uidFilter(uidExpr, keyExpr string, uids []string, exclude bool) {
	if len(uids) == 0 {
		return
	}
	op := "IN"
	if exclude {
		op = "NOT IN"
	}
	if uidExpr == "" {
		ints := make([]int64, 0, len(uids))
		for _, u := range uids {
			if n, err := strconv.ParseInt(strings.TrimSpace(u), 10, 64); err == nil {
				ints = append(ints, n)
			}
		}
		if len(ints) == 0 {
			if !exclude {
				f.none = true
			}
			return
		}
		if len(ints) > maxBoundUIDs {
			f.add(keyExpr + " " + op + " (" + intList(ints) + ")")
			return
		}
		f.add(keyExpr+" "+op+" ?", ints)
		return
	}
	if len(uids) > maxBoundUIDs {
		list, ok := textList(uids)
		switch {
		case ok:
			f.add("CAST(" + uidExpr + " AS TEXT) " + op + " (" + list + ")")
		case !exclude:
			f.none = true
		}
		return
	}
	f.add("CAST("+uidExpr+" AS TEXT) "+op+" ?", uids)
}

// maxBoundUIDs is the longest uid list passed as bind parameters (one
// each). Longer lists are written into the statement as literals, so that
// any number of uids works: SQLite allows 32,766 parameters and
// PostgreSQL 65,535 per statement.
const maxBoundUIDs = 1000

// intList renders integers as a SQL list.
func intList(ints []int64) string {
	var b strings.Builder
	b.Grow(len(ints) * 8)
	for i, n := range ints {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(n, 10))
	}
	return b.String()
}

// textList renders strings as standard SQL string literals (quotes
// doubled). Strings no text column can hold (invalid UTF-8, NUL) are left
// out, and so are strings with a backslash (which a PostgreSQL server with
// standard_conforming_strings off would read as an escape); ok is false
// when none is left.
func textList(ss []string) (list string, ok bool) {
	var b strings.Builder
	for _, s := range ss {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 || strings.IndexByte(s, '\\') >= 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(s, "'", "''"))
		b.WriteByte('\'')
		ok = true
	}
	return b.String(), ok
}

// page turns offset/limit into the number of records still wanted (-1 for
// no limit).
func page(q adapters.CatalogQuery) (offset, limit int) {
	offset, limit = q.Offset, q.Limit
	if offset < 0 {
		offset = 0
	}
	if limit < 0 {
		limit = -1
	}
	return offset, limit
}

// startAfter returns the key after which the page starts: the key of the
// offset-th record (an index-only OFFSET query), or ok=false when the
// offset lies beyond the last record.
func (s *Source) startAfter(ctx context.Context, from, key string, f *filter, offset int) (after int64, first bool, ok bool, err error) {
	if offset == 0 {
		return 0, true, true, nil
	}
	q := "SELECT " + key + " FROM " + from + " WHERE " + f.where() + " ORDER BY " + key + " LIMIT 1 OFFSET " + strconv.Itoa(offset-1)
	rows, err := s.db.WithContext(ctx).Raw(q, f.args...).Rows()
	if err != nil {
		return 0, false, false, fmt.Errorf("gormcatalog: page start: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, false, false, rows.Err()
	}
	if err := rows.Scan(&after); err != nil {
		return 0, false, false, fmt.Errorf("gormcatalog: page start: %w", err)
	}
	return after, false, true, rows.Err()
}

// keyset runs fetch for consecutive batches of at most BatchSize records
// after the page start until limit records were fetched or a batch comes
// back short. fetch returns how many records it read and the last key.
func (s *Source) keyset(ctx context.Context, from, key string, f *filter, q adapters.CatalogQuery,
	fetch func(cond string, args []any, n int) (int, int64, error)) error {
	offset, limit := page(q)
	if limit == 0 || f.none {
		return nil
	}
	after, first, ok, err := s.startAfter(ctx, from, key, f, offset)
	if err != nil || !ok {
		return err
	}
	for limit != 0 {
		n := s.batchSize
		if limit > 0 && limit < n {
			n = limit
		}
		cond := f.where()
		args := slices.Clone(f.args)
		if !first {
			cond += " AND " + key + " > ?"
			args = append(args, after)
		}
		got, last, err := fetch(cond, args, n)
		if err != nil {
			return err
		}
		if limit > 0 {
			limit -= got
		}
		if got < n {
			return nil
		}
		after, first = last, false
	}
	return nil
}

// Categories implements adapters.CatalogSource.
func (s *Source) Categories(ctx context.Context, shop adapters.Shop, q adapters.CatalogQuery, yield func(*export.Category) error) error {
	s, err := s.forShop(shop)
	if err != nil {
		return err
	}
	c := &s.cfg.Categories
	if c.From == "" {
		return fmt.Errorf("categories: %w", ErrNotMapped)
	}
	var f filter
	f.add(c.Where)
	f.uidFilter(c.UID, c.Key, q.UIDs, false)
	cols := []column{{c.Key, kInt}}
	for _, cf := range s.categories {
		cols = append(cols, cf.column)
	}
	sel := "SELECT " + selectList(cols) + " FROM " + c.From + " WHERE "
	r := newRow(cols)
	var rec export.Category
	var img export.Image
	return s.keyset(ctx, c.From, c.Key, &f, q, func(cond string, args []any, n int) (int, int64, error) {
		got, last := 0, int64(0)
		err := s.each(ctx, sel+cond+" ORDER BY "+c.Key+" LIMIT "+strconv.Itoa(n), args, r, func() error {
			last = r.cells[0].i.Int64
			rec = export.Category{UID: strconv.FormatInt(last, 10)}
			img = export.Image{}
			for i, cf := range s.categories {
				cf.set(&rec, &img, &r.cells[i+1])
			}
			if img.URL != "" {
				img.URL = s.abs(img.URL)
				rec.Image = &img
			}
			rec.Deeplink = s.abs(rec.Deeplink)
			got++
			return yield(&rec)
		})
		if err != nil && got == 0 {
			err = fmt.Errorf("gormcatalog: categories: %w", err)
		}
		return got, last, err
	})
}

type catField struct {
	column
	set func(c *export.Category, img *export.Image, v *cell)
}

func categoryFields(c *Categories) []catField {
	all := []catField{
		{column{c.UID, kStr}, func(r *export.Category, _ *export.Image, v *cell) { r.UID = v.str() }},
		{column{c.ParentUID, kStr}, func(r *export.Category, _ *export.Image, v *cell) { r.ParentUID = v.str() }},
		{column{c.SortOrder, kInt}, func(r *export.Category, _ *export.Image, v *cell) { r.SortOrder = v.nullInt() }},
		{column{c.IsActive, kBool}, func(r *export.Category, _ *export.Image, v *cell) { r.IsActive = v.b.Bool }},
		{column{c.IsAnchor, kBool}, func(r *export.Category, _ *export.Image, v *cell) { r.IsAnchor = v.b.Bool }},
		{column{c.Name, kStr}, func(r *export.Category, _ *export.Image, v *cell) { r.Name = v.str() }},
		{column{c.Deeplink, kStr}, func(r *export.Category, _ *export.Image, v *cell) { r.Deeplink = v.str() }},
		{column{c.ImageUID, kStr}, func(_ *export.Category, im *export.Image, v *cell) { im.UID = v.str() }},
		{column{c.ImageURL, kStr}, func(_ *export.Category, im *export.Image, v *cell) { im.URL = v.str() }},
		{column{c.ImageTitle, kStr}, func(_ *export.Category, im *export.Image, v *cell) { im.Title = v.nullStr() }},
		{column{c.ImageAlt, kStr}, func(_ *export.Category, im *export.Image, v *cell) { im.Alt = v.nullStr() }},
		{column{c.ImageSortOrder, kInt}, func(_ *export.Category, im *export.Image, v *cell) { im.SortOrder = v.nullInt() }},
	}
	var out []catField
	for _, f := range all {
		if f.expr != "" {
			out = append(out, f)
		}
	}
	return out
}

// Reviews implements adapters.CatalogSource. The uids filter applies to
// the reviewed item's uid.
func (s *Source) Reviews(ctx context.Context, shop adapters.Shop, q adapters.CatalogQuery, yield func(*export.Review) error) error {
	s, err := s.forShop(shop)
	if err != nil {
		return err
	}
	c := &s.cfg.Reviews
	if c.From == "" {
		return fmt.Errorf("reviews: %w", ErrNotMapped)
	}
	var f filter
	f.add(c.Where)
	if len(q.UIDs) > 0 {
		f.add("CAST("+c.ItemUID+" AS TEXT) IN ?", q.UIDs)
	}
	cols := []column{{c.Key, kInt}}
	for _, rf := range s.reviews {
		cols = append(cols, rf.column)
	}
	sel := "SELECT " + selectList(cols) + " FROM " + c.From + " WHERE "
	r := newRow(cols)
	var rec export.Review
	return s.keyset(ctx, c.From, c.Key, &f, q, func(cond string, args []any, n int) (int, int64, error) {
		got, last := 0, int64(0)
		err := s.each(ctx, sel+cond+" ORDER BY "+c.Key+" LIMIT "+strconv.Itoa(n), args, r, func() error {
			last = r.cells[0].i.Int64
			rec = export.Review{UID: strconv.FormatInt(last, 10)}
			for i, rf := range s.reviews {
				rf.set(&rec, &r.cells[i+1])
			}
			got++
			return yield(&rec)
		})
		if err != nil && got == 0 {
			err = fmt.Errorf("gormcatalog: reviews: %w", err)
		}
		return got, last, err
	})
}

type revField struct {
	column
	set func(r *export.Review, v *cell)
}

func reviewFields(c *Reviews) []revField {
	all := []revField{
		{column{c.UID, kStr}, func(r *export.Review, v *cell) { r.UID = v.str() }},
		{column{c.ItemUID, kStr}, func(r *export.Review, v *cell) { r.ItemUID = v.str() }},
		{column{c.Score, kInt}, func(r *export.Review, v *cell) { r.Score = v.i.Int64 }},
		{column{c.ReviewerName, kStr}, func(r *export.Review, v *cell) { r.ReviewerName = v.str() }},
		{column{c.Date, kTime}, func(r *export.Review, v *cell) { r.Date = v.t.Time }},
		{column{c.Title, kStr}, func(r *export.Review, v *cell) { r.Title = v.str() }},
		{column{c.Text, kStr}, func(r *export.Review, v *cell) { r.Text = v.str() }},
	}
	var out []revField
	for _, f := range all {
		if f.expr != "" {
			out = append(out, f)
		}
	}
	return out
}
