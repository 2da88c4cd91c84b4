package main

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/internal/testdb"
)

func TestIdentifierCheckDigits(t *testing.T) {
	tests := []struct{ got, want string }{
		{ean13("400638133393"), "4006381333931"}, // a published EAN-13
		{ean13("978316148410"), "9783161484100"}, // ISBN 978-3-16-148410-0
		{upcA("03600029145"), "036000291452"},    // a published UPC-A
		{pzn("0000003"), ""},                     // check digit would be 10: not a valid PZN body
		{pzn("0431257"), "04312570"},
		{pzn("0123456"), "01234562"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{"Home & Garden": "home-garden", "Cold & Flu ": "cold-flu", "Rösterei Blau": "r-sterei-blau", "--A--": "a"} {
		if got := slugify(in); got != want {
			t.Errorf("slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

// tableCounts counts the rows of every shop table.
func tableCounts(t *testing.T, db *gorm.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, m := range shopModels() {
		var n int64
		if err := db.Model(m).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%T", m)] = n
	}
	return out
}

func TestSeedDemoOnlyWhenEmpty(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		newTestApp(t, db)
		before := tableCounts(t, db)
		if before["*main.Product"] < 60 || before["*main.Category"] < 20 || before["*main.Customer"] != 1 ||
			before["*main.Address"] != 2 || before["*main.Coupon"] < 3 || before["*main.Review"] == 0 ||
			before["*main.ProductRelation"] == 0 || before["*main.ProductImage"] < int64(3*len(demoProducts)) {
			t.Errorf("demo catalogue too small: %v", before)
		}
		seeded, err := SeedDemo(db)
		if err != nil || seeded {
			t.Fatalf("second SeedDemo: seeded=%v err=%v, want false, nil", seeded, err)
		}
		if after := tableCounts(t, db); !reflect.DeepEqual(before, after) {
			t.Errorf("second seed changed the data: %v -> %v", before, after)
		}
		// Every seeded identifier is valid.
		var ps []Product
		db.Find(&ps)
		for _, p := range ps {
			if p.EAN != "" && ean13(p.EAN[:12]) != p.EAN {
				t.Errorf("%s: invalid EAN %s", p.Number, p.EAN)
			}
			if p.PZN != "" && pzn(p.PZN[:7]) != p.PZN {
				t.Errorf("%s: invalid PZN %s", p.Number, p.PZN)
			}
		}
	})
}

// expectedBulk computes the row counts SeedProducts must produce for n
// products, independently of its implementation.
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
	bulk := db.Model(&Product{}).Select("id").Where("number LIKE ?", bulkPrefix+"%")
	count("products", db.Model(&Product{}).Where("number LIKE ?", bulkPrefix+"%"))
	count("variants", db.Model(&Product{}).Where("number LIKE ? AND parent_id IS NOT NULL", bulkPrefix+"%"))
	count("images", db.Model(&ProductImage{}).Where("product_id IN (?)", bulk))
	count("attributes", db.Model(&ProductAttribute{}).Where("product_id IN (?)", bulk))
	count("categories", db.Model(&ProductCategory{}).Where("product_id IN (?)", bulk))
	count("tags", db.Model(&ProductTag{}).Where("product_id IN (?)", bulk))
	count("relations", db.Model(&ProductRelation{}).Where("product_id IN (?)", bulk))
	count("reviews", db.Model(&Review{}).Where("product_id IN (?)", bulk))
	count("tiers", db.Model(&TierPrice{}).Where("product_id IN (?)", bulk))
	for k, v := range c {
		if v == 0 {
			delete(c, k)
		}
	}
	return c
}

// bulkDump renders the bulk rows in a stable text form for comparison.
func bulkDump(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var ps []Product
	if err := db.Where("number LIKE ?", bulkPrefix+"%").Preload("TaxClass").
		Preload("Images", func(tx *gorm.DB) *gorm.DB { return tx.Order("sort_order") }).
		Preload("Attributes").Preload("Tags", func(tx *gorm.DB) *gorm.DB { return tx.Order("name") }).
		Preload("Categories").Preload("TierPrices").Preload("Reviews").Preload("Parent").
		Preload("Relations", func(tx *gorm.DB) *gorm.DB { return tx.Order("sort_order") }).
		Preload("Relations.Related").
		Order("number").Find(&ps).Error; err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, p := range ps {
		parent := ""
		if p.Parent != nil {
			parent = p.Parent.Number
		}
		old := ""
		if p.OldPrice.Valid {
			old = p.OldPrice.Decimal.StringFixed(2)
		}
		fmt.Fprintf(&b, "%s|%s|%s|%s|%s|%s|%s|%d|%d|%v|%v|%s|%s|%s|%s\n", p.Number, parent, p.Name, p.ShortText, p.Description,
			p.Price.StringFixed(2), old, p.WeightGrams, p.StockQuantity, p.Active, p.Featured, p.EAN, p.TaxClass.Name,
			p.Manufacturer, p.CreatedAt.UTC().Format("2006-01-02T15:04:05"))
		for _, im := range p.Images {
			fmt.Fprintf(&b, " img %s %d\n", im.URL, im.SortOrder)
		}
		for _, at := range p.Attributes {
			fmt.Fprintf(&b, " attr %s=%s\n", at.Name, at.Value)
		}
		for _, tg := range p.Tags {
			fmt.Fprintf(&b, " tag %s\n", tg.Name)
		}
		for _, c := range p.Categories {
			fmt.Fprintf(&b, " cat %s\n", c.Slug)
		}
		for _, r := range p.Relations {
			fmt.Fprintf(&b, " rel %s %s\n", r.Kind, r.Related.Number)
		}
		for _, tp := range p.TierPrices {
			fmt.Fprintf(&b, " tier %d %s\n", tp.MinQuantity, tp.Price.StringFixed(2))
		}
		for _, r := range p.Reviews {
			fmt.Fprintf(&b, " review %d %s\n", r.Score, r.Author)
		}
	}
	return b.String()
}

func TestSeedProducts(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			testSeedProducts(t, be.open)
		})
	}
}

// testSeedProducts checks counts, determinism and resumption on one kind
// of database.
func testSeedProducts(t *testing.T, open func(t *testing.T) *gorm.DB) {
	// n spans several batches and ends inside a group. SQLite (pure Go)
	// is slow under the race detector, so it gets a smaller catalogue.
	n, resumeAt := 437, 177 // with bulkBatch = 100 (TestMain)
	db := open(t)
	if db.Dialector.Name() != "postgres" {
		n, resumeAt = 131, 101
	}
	{
		ctx := context.Background()
		if err := migrateShop(db); err != nil {
			t.Fatal(err)
		}
		st, err := SeedProducts(ctx, db, n, nil)
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
		db.Model(&Category{}).Where("slug LIKE ?", "bulk-%-%-%").Count(&leaves)
		if leaves != 512 {
			t.Errorf("%d leaf categories, want 512", leaves)
		}
		first := bulkDump(t, db)

		// Same n again: nothing changes.
		st, err = SeedProducts(ctx, db, n, nil)
		if err != nil || st.Inserted != 0 || st.Existing != n {
			t.Errorf("rerun: %+v %v, want nothing inserted", st, err)
		}
		if bulkDump(t, db) != first {
			t.Errorf("rerun changed the data")
		}

		// A fresh database seeded in two steps (an interrupted run resumed)
		// holds exactly the same catalogue.
		other := open(t)
		if err := migrateShop(other); err != nil {
			t.Fatal(err)
		}
		if _, err := SeedProducts(ctx, other, resumeAt, nil); err != nil {
			t.Fatal(err)
		}
		// Someone else adds a product meanwhile; it must not collide.
		var tax TaxClass
		other.Take(&tax)
		if err := other.Create(&Product{Number: "BETWEEN", Name: "x", Price: dec("1"), TaxClassID: tax.ID, Active: true}).Error; err != nil {
			t.Fatal(err)
		}
		if st, err := SeedProducts(ctx, other, n, nil); err != nil || st.Inserted != n-resumeAt {
			t.Fatalf("resume: %+v %v", st, err)
		}
		if second := bulkDump(t, other); second != first {
			t.Errorf("same n gave different data:\n%s", firstDiff(first, second))
		}

		// New rows after the bulk ones get fresh ids (the sequence moved on).
		tc := TaxClass{Name: "zero", Rate: dec("0")}
		db.Create(&tc)
		p := Product{Number: "AFTER-BULK", Name: "x", Price: dec("1"), TaxClassID: tc.ID, Active: true}
		if err := db.Create(&p).Error; err != nil {
			t.Fatalf("insert after bulk: %v", err)
		}
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

func TestSeedProductsStopsOnCancel(t *testing.T) {
	db := openSQLite(t)
	if err := migrateShop(db); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := SeedProducts(ctx, db, 10, nil); err == nil {
		t.Fatal("cancelled seed returned no error")
	}
}

// BenchmarkSeedProducts measures bulk generation on PostgreSQL; the
// figure to watch is products/s (1,000,000 products should take minutes).
func BenchmarkSeedProducts(b *testing.B) {
	defer func(old int) { bulkBatch = old }(bulkBatch)
	bulkBatch = 1000 // production batch size; TestMain lowers it for tests
	for _, n := range []int{10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := testdb.New(b)
				if err := migrateShop(db); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := SeedProducts(context.Background(), db, n, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "products/s")
		})
	}
}
