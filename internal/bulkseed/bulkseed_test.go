package bulkseed

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/internal/testhost"
)

// testBatch crosses batch boundaries with few products.
const testBatch = 100

// seed runs a Seeder with testBatch on db.
func seed(t testing.TB, ctx context.Context, db *gorm.DB, n int) (Stats, error) {
	t.Helper()
	s, err := New(Config{DB: db, BatchSize: testBatch})
	if err != nil {
		t.Fatal(err)
	}
	return s.Seed(ctx, n)
}

// migrated opens a fresh database of backend be with the host tables.
func migrated(t *testing.T, be testdb.Backend) *gorm.DB {
	t.Helper()
	db := be.Open(t)
	if err := testhost.Migrate(db); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("config without DB accepted")
	}
	if _, err := New(Config{DB: testdb.SQLite(t), BatchSize: -1}); err == nil {
		t.Error("negative batch size accepted")
	}
}

func TestEAN13(t *testing.T) {
	for body, want := range map[string]string{"400638133393": "4006381333931", "978316148410": "9783161484100"} {
		if got := ean13(body); got != want {
			t.Errorf("ean13(%s) = %s, want %s", body, got, want)
		}
	}
}

// expectedBulk computes the row counts Seed must produce for n products,
// independently of its implementation.
func expectedBulk(n int) map[string]int64 {
	c := map[string]int64{"products": int64(n)}
	for k := range n {
		g, pos := k/5, k%5
		if g%4 == 0 && pos > 0 { // variant
			c["images"]++
			c["attributes"]++
			c["variants"]++
			continue
		}
		c["images"] += 2
		c["categories"]++
		c["tags"] += 2
		if g >= 2 {
			c["relations"] += 2
		}
		if k%3 == 0 {
			c["reviews"]++
		}
		if k%10 == 3 {
			c["tiers"]++
		}
	}
	return c
}

// bulkCounts counts what the bulk seed wrote.
func bulkCounts(t *testing.T, db *gorm.DB) map[string]int64 {
	t.Helper()
	c := map[string]int64{}
	count := func(key string, q *gorm.DB) {
		var n int64
		if err := q.Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		c[key] = n
	}
	bulk := db.Model(&testhost.Product{}).Select("id").Where("number LIKE ?", Prefix+"%")
	count("products", db.Model(&testhost.Product{}).Where("number LIKE ?", Prefix+"%"))
	count("variants", db.Model(&testhost.Product{}).Where("number LIKE ? AND parent_id IS NOT NULL", Prefix+"%"))
	count("images", db.Model(&testhost.ProductImage{}).Where("product_id IN (?)", bulk))
	count("attributes", db.Model(&testhost.ProductAttribute{}).Where("product_id IN (?)", bulk))
	count("categories", db.Model(&testhost.ProductCategory{}).Where("product_id IN (?)", bulk))
	count("tags", db.Model(&testhost.ProductTag{}).Where("product_id IN (?)", bulk))
	count("relations", db.Model(&testhost.ProductRelation{}).Where("product_id IN (?)", bulk))
	count("reviews", db.Model(&testhost.Review{}).Where("product_id IN (?)", bulk))
	count("tiers", db.Model(&testhost.TierPrice{}).Where("product_id IN (?)", bulk))
	for k, v := range c {
		if v == 0 {
			delete(c, k)
		}
	}
	return c
}

// bulkDump renders the bulk rows in a stable text form for comparison:
// ids differ between databases, so rows refer to each other by article
// number, category slug, tag name and tax class name.
func bulkDump(t *testing.T, db *gorm.DB) string {
	t.Helper()
	find := func(dest any, q *gorm.DB) {
		t.Helper()
		if err := q.Find(dest).Error; err != nil {
			t.Fatal(err)
		}
	}
	var ps []testhost.Product
	find(&ps, db.Where("number LIKE ?", Prefix+"%").Order("number"))
	number := map[uint]string{}
	var all []testhost.Product
	find(&all, db.Select("id", "number"))
	for _, p := range all {
		number[p.ID] = p.Number
	}
	var taxes []testhost.TaxClass
	find(&taxes, db)
	tax := map[uint]string{}
	for _, tc := range taxes {
		tax[tc.ID] = tc.Name
	}
	var cats []testhost.Category
	find(&cats, db)
	slug := map[uint]string{}
	for _, c := range cats {
		slug[c.ID] = c.Slug
	}
	var tags []testhost.Tag
	find(&tags, db)
	tagName := map[uint]string{}
	for _, tg := range tags {
		tagName[tg.ID] = tg.Name
	}
	lines := map[uint][]string{} // product id → detail lines in order
	add := func(id uint, format string, args ...any) { lines[id] = append(lines[id], fmt.Sprintf(format, args...)) }
	var images []testhost.ProductImage
	find(&images, db.Order("product_id, sort_order, id"))
	for _, im := range images {
		add(im.ProductID, " img %s %d", im.URL, im.SortOrder)
	}
	var attrs []testhost.ProductAttribute
	find(&attrs, db.Order("product_id, id"))
	for _, at := range attrs {
		add(at.ProductID, " attr %s=%s", at.Name, at.Value)
	}
	var pts []testhost.ProductTag
	find(&pts, db)
	tagLines := map[uint][]string{}
	for _, pt := range pts {
		tagLines[pt.ProductID] = append(tagLines[pt.ProductID], tagName[pt.TagID])
	}
	var pcs []testhost.ProductCategory
	find(&pcs, db.Order("product_id, category_id"))
	var rels []testhost.ProductRelation
	find(&rels, db.Order("product_id, sort_order"))
	var tiers []testhost.TierPrice
	find(&tiers, db.Order("product_id, id"))
	var reviews []testhost.Review
	find(&reviews, db.Order("product_id, id"))

	var b strings.Builder
	for _, p := range ps {
		parent := ""
		if p.ParentID != nil {
			parent = number[*p.ParentID]
		}
		old := ""
		if p.OldPrice.Valid {
			old = p.OldPrice.Decimal.StringFixed(2)
		}
		fmt.Fprintf(&b, "%s|%s|%s|%s|%s|%s|%s|%d|%d|%v|%v|%s|%s|%s|%s\n", p.Number, parent, p.Name, p.ShortText, p.Description,
			p.Price.StringFixed(2), old, p.WeightGrams, p.StockQuantity, p.Active, p.Featured, p.EAN, tax[p.TaxClassID],
			p.Manufacturer, p.CreatedAt.UTC().Format("2006-01-02T15:04:05"))
		for _, l := range lines[p.ID] {
			b.WriteString(l + "\n")
		}
		names := tagLines[p.ID]
		slices.Sort(names)
		for _, n := range names {
			fmt.Fprintf(&b, " tag %s\n", n)
		}
		for _, c := range pcs {
			if c.ProductID == p.ID {
				fmt.Fprintf(&b, " cat %s %d\n", slug[c.CategoryID], c.SortOrder)
			}
		}
		for _, r := range rels {
			if r.ProductID == p.ID {
				fmt.Fprintf(&b, " rel %s %s\n", r.Kind, number[r.RelatedID])
			}
		}
		for _, tp := range tiers {
			if tp.ProductID == p.ID {
				fmt.Fprintf(&b, " tier %d %s\n", tp.MinQuantity, tp.Price.StringFixed(2))
			}
		}
		for _, r := range reviews {
			if r.ProductID == p.ID {
				fmt.Fprintf(&b, " review %d %s\n", r.Score, r.Author)
			}
		}
	}
	return b.String()
}

func TestSeed(t *testing.T) {
	for _, be := range testdb.Backends {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			testSeed(t, be)
		})
	}
}

// testSeed checks counts, determinism and resumption on one kind of
// database.
func testSeed(t *testing.T, be testdb.Backend) {
	// n spans several batches and ends inside a group. SQLite (pure Go)
	// is slow under the race detector, so it gets a smaller catalogue.
	n, resumeAt := 437, 177 // with testBatch = 100
	db := migrated(t, be)
	if db.Dialector.Name() != "postgres" {
		n, resumeAt = 131, 101
	}
	ctx := context.Background()
	st, err := seed(t, ctx, db, n)
	if err != nil {
		t.Fatal(err)
	}
	if st.Inserted != n || st.Existing != 0 {
		t.Errorf("stats %+v, want %d inserted", st, n)
	}
	if got, want := bulkCounts(t, db), expectedBulk(n); !reflect.DeepEqual(got, want) {
		t.Errorf("counts %v, want %v", got, want)
	}
	var leaves int64
	db.Model(&testhost.Category{}).Where("slug LIKE ?", "bulk-%-%-%").Count(&leaves)
	if leaves != 512 {
		t.Errorf("%d leaf categories, want 512", leaves)
	}
	first := bulkDump(t, db)
	if strings.Count(first, "\n") < n {
		t.Fatalf("dump too short:\n%s", first)
	}

	// Same n again: nothing changes.
	st, err = seed(t, ctx, db, n)
	if err != nil || st.Inserted != 0 || st.Existing != n {
		t.Errorf("rerun: %+v %v, want nothing inserted", st, err)
	}
	if bulkDump(t, db) != first {
		t.Errorf("rerun changed the data")
	}

	// A fresh database seeded in two steps (an interrupted run resumed)
	// holds exactly the same catalogue.
	other := migrated(t, be)
	if _, err := seed(t, ctx, other, resumeAt); err != nil {
		t.Fatal(err)
	}
	// Someone else adds a product meanwhile; it must not collide.
	var tax testhost.TaxClass
	other.Take(&tax)
	if err := other.Create(&testhost.Product{Number: "BETWEEN", Name: "x", Price: decimal.RequireFromString("1"), TaxClassID: tax.ID, Active: true}).Error; err != nil {
		t.Fatal(err)
	}
	if st, err := seed(t, ctx, other, n); err != nil || st.Inserted != n-resumeAt {
		t.Fatalf("resume: %+v %v", st, err)
	}
	if second := bulkDump(t, other); second != first {
		t.Errorf("same n gave different data:\n%s", firstDiff(first, second))
	}

	// New rows after the bulk ones get fresh ids (the sequence moved on).
	tc := testhost.TaxClass{Name: "zero", Rate: decimal.Zero}
	db.Create(&tc)
	p := testhost.Product{Number: "AFTER-BULK", Name: "x", Price: decimal.RequireFromString("1"), TaxClassID: tc.ID, Active: true}
	if err := db.Create(&p).Error; err != nil {
		t.Fatalf("insert after bulk: %v", err)
	}
}

// firstDiff shows the first differing line of two dumps.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  %s\n  %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(al), len(bl))
}

func TestSeedStopsOnCancel(t *testing.T) {
	db := migrated(t, testdb.Backends[0])
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := seed(t, ctx, db, 10); err == nil {
		t.Fatal("cancelled seed returned no error")
	}
}

// BenchmarkSeed measures bulk generation on PostgreSQL with the default
// batch size; the figure to watch is products/s (1,000,000 products
// should take minutes).
func BenchmarkSeed(b *testing.B) {
	for _, n := range []int{10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := testdb.New(b)
				if err := testhost.Migrate(db); err != nil {
					b.Fatal(err)
				}
				s, err := New(Config{DB: db})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := s.Seed(context.Background(), n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "products/s")
		})
	}
}
