package gormcatalog

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// A small shop schema of its own: the adapter is tested against tables it
// knows nothing about except through Config.
type tProduct struct {
	ID          int64  `gorm:"primaryKey"`
	ParentID    *int64 `gorm:"index"`
	SKU         string
	Name        string
	Description string
	Price       decimal.Decimal     `gorm:"type:numeric(15,4)"`
	OldPrice    decimal.NullDecimal `gorm:"type:numeric(15,4)"`
	Stock       int
	Active      bool
	EAN         string
	UpdatedAt   time.Time
}

func (tProduct) TableName() string { return "t_products" }

type tImage struct {
	ID        int64 `gorm:"primaryKey"`
	ProductID int64 `gorm:"index"`
	URL       string
	Sort      int
}

func (tImage) TableName() string { return "t_images" }

type tProductCategory struct {
	ProductID  int64 `gorm:"primaryKey"`
	CategoryID int64 `gorm:"primaryKey"`
	Position   int
}

func (tProductCategory) TableName() string { return "t_product_categories" }

type tTag struct {
	ID        int64 `gorm:"primaryKey"`
	ProductID int64 `gorm:"index"`
	Tag       string
}

func (tTag) TableName() string { return "t_tags" }

type tAttr struct {
	ID        int64 `gorm:"primaryKey"`
	ProductID int64 `gorm:"index"`
	Name      string
	Value     string
}

func (tAttr) TableName() string { return "t_attrs" }

type tCategory struct {
	ID       int64 `gorm:"primaryKey"`
	ParentID *int64
	Name     string
	Sort     int
	Active   bool
}

func (tCategory) TableName() string { return "t_categories" }

type tReview struct {
	ID        int64 `gorm:"primaryKey"`
	ProductID int64
	Author    string
	Score     int
	Body      string
	Active    bool
	CreatedAt time.Time
}

func (tReview) TableName() string { return "t_reviews" }

func testConfig(db *gorm.DB) Config {
	return Config{
		DB:        db,
		BaseURL:   "https://shop.test",
		BatchSize: 7, // small, so that tests cross many batch borders
		MaxIn:     5,
		Items: Items{
			From:     "t_products p",
			Key:      "p.id",
			Parent:   "p.parent_id",
			Where:    "p.active",
			Currency: "EUR",
			Fields: ItemFields{
				LastUpdate:        "p.updated_at",
				Name:              "p.name",
				Description:       "p.description",
				Deeplink:          "'/p/' || COALESCE(p.parent_id, p.id)",
				InternalOrderInfo: "p.sku",
				PriceType:         "'gross'",
				Price:             "CASE WHEN p.old_price > p.price THEN p.old_price ELSE p.price END",
				SalePrice:         "p.price",
				UseStock:          "1 = 1",
				IsSaleable:        "p.stock > 0",
				StockQuantity:     "p.stock",
			},
			Identifiers: []IdentifierColumn{{Type: "EAN", UID: "1", Expr: "p.ean"}, {Type: "SKU", UID: "2", Expr: "p.sku"}},
			Images: &Images{List: List{From: "t_images i", Product: "i.product_id", OrderBy: "i.sort, i.id"},
				UID: "i.id", URL: "i.url", SortOrder: "i.sort"},
			Categories: &ItemCategories{List: List{From: "t_product_categories pc", Product: "pc.product_id", OrderBy: "pc.category_id"},
				UID: "pc.category_id", SortOrder: "pc.position"},
			Tags: &Tags{List: List{From: "t_tags t", Product: "t.product_id", OrderBy: "t.id"}, UID: "t.id", Value: "t.tag"},
			Attributes: &Attributes{List: List{From: "t_attrs a", Product: "a.product_id", OrderBy: "a.id"},
				UID: "lower(a.value)", GroupUID: "lower(a.name)", GroupLabel: "a.name", Label: "a.value"},
		},
		Categories: Categories{
			From: "t_categories c", Key: "c.id", Where: "c.active",
			ParentUID: "c.parent_id", SortOrder: "c.sort", IsActive: "c.active", IsAnchor: "1 = 0",
			Name: "c.name", Deeplink: "'/c/' || c.id",
		},
		Reviews: Reviews{
			From: "t_reviews r LEFT JOIN t_products p ON p.id = r.product_id", Key: "r.id", Where: "r.active",
			ItemUID: "COALESCE(p.parent_id, r.product_id)", Score: "r.score * 2", ReviewerName: "r.author",
			Date: "r.created_at", Title: "''", Text: "r.body",
		},
	}
}

// catalogue is what a generated database should export.
type catalogue struct {
	items    []string            // active parent uids in key order
	children map[string][]string // parent uid → active child uids
	cats     []string
	reviews  []string
	// reviewsByItem: item uid → review uids
	reviewsByItem map[string][]string
}

// seed creates a random catalogue; odd strings go into names on SQLite
// only where PostgreSQL would reject them (invalid UTF-8).
func seed(t *testing.T, db *gorm.DB, rng *rand.Rand, n int, sqliteBytes bool) catalogue {
	t.Helper()
	if err := db.AutoMigrate(&tProduct{}, &tImage{}, &tProductCategory{}, &tTag{}, &tAttr{}, &tCategory{}, &tReview{}); err != nil {
		t.Fatal(err)
	}
	cat := catalogue{children: map[string][]string{}, reviewsByItem: map[string][]string{}}
	var products []tProduct
	var images []tImage
	var pcs []tProductCategory
	var tags []tTag
	var attrs []tAttr
	var reviews []tReview
	id := int64(0)
	when := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	odd := []string{"plain", "ctrl\x01\x02chars", "amp & <b>html</b>", "cdata ]]> end", "Größe °C"}
	if sqliteBytes {
		odd = append(odd, "bad \xff\xfe utf8")
	}
	nextCat := int64(1)
	for i := 0; i < n; i++ {
		// Leave random gaps in the key space.
		id += 1 + int64(rng.IntN(3))
		pid := id
		active := rng.IntN(10) != 0
		products = append(products, tProduct{ID: pid, SKU: fmt.Sprintf("SKU-%d", pid), Name: odd[rng.IntN(len(odd))] + " " + strconv.FormatInt(pid, 10),
			Description: odd[rng.IntN(len(odd))], Price: decimal.New(int64(rng.IntN(100000)), -2), Stock: rng.IntN(3),
			Active: active, EAN: fmt.Sprintf("4%012d", pid), UpdatedAt: when})
		if active {
			cat.items = append(cat.items, strconv.FormatInt(pid, 10))
		}
		for k := rng.IntN(3); k > 0; k-- {
			id++
			images = append(images, tImage{ID: id, ProductID: pid, URL: fmt.Sprintf("/img/%d-%d.jpg", pid, k), Sort: k})
		}
		if rng.IntN(4) != 0 {
			pcs = append(pcs, tProductCategory{ProductID: pid, CategoryID: 1 + int64(rng.IntN(5)), Position: rng.IntN(9)})
		}
		for k := rng.IntN(3); k > 0; k-- {
			id++
			tags = append(tags, tTag{ID: id, ProductID: pid, Tag: fmt.Sprintf("tag%d", rng.IntN(20))})
		}
		for k := rng.IntN(4); k > 0; k-- {
			id++
			cid := id
			cActive := rng.IntN(5) != 0
			// Some variants get keys far away from their parent, after
			// every parent or before them.
			switch rng.IntN(10) {
			case 0:
				cid = 1_000_000 + id
			case 1:
				cid = -id
			}
			products = append(products, tProduct{ID: cid, ParentID: &pid, SKU: fmt.Sprintf("SKU-%d", cid),
				Name: fmt.Sprintf("Variant %d", cid), Price: decimal.New(int64(rng.IntN(100000)), -2), Stock: rng.IntN(2),
				Active: cActive, EAN: fmt.Sprintf("4%012d", cid), UpdatedAt: when})
			attrs = append(attrs, tAttr{ID: cid, ProductID: cid, Name: "Size", Value: fmt.Sprintf("S%d", k)})
			if active && cActive {
				cat.children[strconv.FormatInt(pid, 10)] = append(cat.children[strconv.FormatInt(pid, 10)], strconv.FormatInt(cid, 10))
			}
		}
		for k := rng.IntN(3); k > 0; k-- {
			id++
			rActive := rng.IntN(4) != 0
			reviews = append(reviews, tReview{ID: id, ProductID: pid, Author: "A", Score: 1 + rng.IntN(5), Body: odd[rng.IntN(len(odd))],
				Active: rActive, CreatedAt: when})
			if rActive {
				cat.reviews = append(cat.reviews, strconv.FormatInt(id, 10))
				cat.reviewsByItem[strconv.FormatInt(pid, 10)] = append(cat.reviewsByItem[strconv.FormatInt(pid, 10)], strconv.FormatInt(id, 10))
			}
		}
	}
	var categories []tCategory
	for ; nextCat <= 5; nextCat++ {
		c := tCategory{ID: nextCat, Name: fmt.Sprintf("Cat %d", nextCat), Sort: int(nextCat), Active: nextCat != 3}
		if nextCat > 1 {
			p := int64(1)
			c.ParentID = &p
		}
		categories = append(categories, c)
		if c.Active {
			cat.cats = append(cat.cats, strconv.FormatInt(c.ID, 10))
		}
	}
	for _, rows := range []any{products, images, pcs, tags, attrs, categories, reviews} {
		if err := db.CreateInBatches(rows, 200).Error; err != nil {
			t.Fatal(err)
		}
	}
	slices.SortFunc(cat.reviews, func(a, b string) int { return atoi(a) - atoi(b) })
	for _, kids := range cat.children {
		slices.SortFunc(kids, func(a, b string) int { return atoi(a) - atoi(b) })
	}
	return cat
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// xmlItems is the part of the items document the tests check.
type xmlItems struct {
	Items []struct {
		UID         string `xml:"uid,attr"`
		Name        string `xml:"name"`
		Deeplink    string `xml:"deeplink"`
		Identifiers []struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"identifiers>identifier"`
		Images []struct {
			Cover string `xml:"is_cover,attr"`
			URL   string `xml:"url"`
		} `xml:"images>image"`
		Groups   []string `xml:"attribute_groups>attribute_group"`
		Children []struct {
			UID string `xml:"uid,attr"`
		} `xml:"children>item"`
	} `xml:"item"`
}

func exportItems(t *testing.T, src *Source, q adapters.CatalogQuery) (xmlItems, int) {
	t.Helper()
	var b bytes.Buffer
	w := export.NewItemWriter(&b)
	n := 0
	err := src.Items(context.Background(), adapters.Shop{Currency: "EUR"}, q, func(it *export.Item) error {
		n++
		return w.Write(it)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var doc xmlItems
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("items XML does not parse: %v", err)
	}
	return doc, n
}

func exportBytes(t *testing.T, src *Source) []byte {
	t.Helper()
	var b bytes.Buffer
	w := export.NewItemWriter(&b)
	if err := src.Items(context.Background(), adapters.Shop{Currency: "EUR"}, adapters.CatalogQuery{Limit: -1},
		func(it *export.Item) error { return w.Write(it) }); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func uidsOf(doc xmlItems) []string {
	var out []string
	for _, it := range doc.Items {
		out = append(out, it.UID)
	}
	return out
}

func TestItemsRandomCatalogue(t *testing.T) {
	for _, be := range testdb.Backends {
		name, open := be.Name, be.Open
		t.Run(name, func(t *testing.T) {
			db := open(t)
			rng := rand.New(rand.NewPCG(1, uint64(len(name))))
			cat := seed(t, db, rng, 90, name == "sqlite")
			src, err := New(testConfig(db))
			if err != nil {
				t.Fatal(err)
			}
			if (src.pg != nil) != (name == "postgres") {
				t.Fatalf("pgx reading on %s: %v", name, src.pg != nil)
			}
			// Both ways of reading rows (pgx on PostgreSQL, database/sql
			// everywhere) give the same document.
			plainCfg := testConfig(db)
			plainCfg.PlainSQL = true
			plain, err := New(plainCfg)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := exportBytes(t, src), exportBytes(t, plain); !bytes.Equal(a, b) {
				t.Fatalf("pgx and database/sql exports differ:\n%s\n%s", a, b)
			}
			// One ordered pass per table (PostgreSQL) and queries per batch
			// give the same document.
			batchCfg := testConfig(db)
			batchCfg.BatchQueries = true
			batched, err := New(batchCfg)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := exportBytes(t, src), exportBytes(t, batched); !bytes.Equal(a, b) {
				t.Fatalf("ordered-pass and batch-query exports differ:\n%s\n%s", a, b)
			}
			doc, n := exportItems(t, src, adapters.CatalogQuery{Limit: -1})
			if got := uidsOf(doc); !slices.Equal(got, cat.items) || n != len(cat.items) {
				t.Fatalf("full export uids = %v\nwant %v", got, cat.items)
			}
			for _, it := range doc.Items {
				var kids []string
				for _, c := range it.Children {
					kids = append(kids, c.UID)
				}
				if !slices.Equal(kids, cat.children[it.UID]) {
					t.Errorf("item %s children %v, want %v", it.UID, kids, cat.children[it.UID])
				}
				if len(kids) > 0 && (len(it.Groups) != 1 || it.Groups[0] != "Size") {
					t.Errorf("item %s attribute groups %v", it.UID, it.Groups)
				}
				if it.Deeplink != "https://shop.test/p/"+it.UID {
					t.Errorf("item %s deeplink %q", it.UID, it.Deeplink)
				}
				if len(it.Identifiers) != 2 || it.Identifiers[0].Type != "EAN" {
					t.Errorf("item %s identifiers %v", it.UID, it.Identifiers)
				}
				for i, im := range it.Images {
					if want := map[bool]string{true: "1", false: "0"}[i == 0]; im.Cover != want || !strings.HasPrefix(im.URL, "https://shop.test/img/") {
						t.Errorf("item %s image %d: %+v", it.UID, i, im)
					}
				}
			}

			// Paging by offset partitions the catalogue exactly.
			for _, limit := range []int{3, 7, 50} {
				var all []string
				for offset := 0; ; offset += limit {
					page, n := exportItems(t, src, adapters.CatalogQuery{Offset: offset, Limit: limit})
					if n > limit {
						t.Fatalf("limit %d offset %d: %d records", limit, offset, n)
					}
					all = append(all, uidsOf(page)...)
					if n < limit {
						break
					}
				}
				if !slices.Equal(all, cat.items) {
					t.Fatalf("limit %d: pages give %v\nwant %v", limit, all, cat.items)
				}
			}

			// uids filter (inclusion), with paging applied to the filtered set.
			pick := []string{cat.items[3], cat.items[len(cat.items)-1], cat.items[0], "nonexistent", "99999999"}
			want := []string{cat.items[0], cat.items[3], cat.items[len(cat.items)-1]}
			doc, _ = exportItems(t, src, adapters.CatalogQuery{Limit: -1, UIDs: pick})
			if got := uidsOf(doc); !slices.Equal(got, want) {
				t.Errorf("uids filter: %v, want %v", got, want)
			}
			doc, _ = exportItems(t, src, adapters.CatalogQuery{Offset: 1, Limit: 1, UIDs: pick})
			if got := uidsOf(doc); !slices.Equal(got, want[1:2]) {
				t.Errorf("uids filter page 2: %v, want %v", got, want[1:2])
			}
			// More uids than bind parameters allowed (SQLite 32,766,
			// PostgreSQL 65,535): same answer, not a database error.
			many := append([]string(nil), pick...)
			for i := 0; len(many) < 70000; i++ {
				many = append(many, strconv.Itoa(900000000+i), "x'"+strconv.Itoa(i))
			}
			doc, _ = exportItems(t, src, adapters.CatalogQuery{Limit: -1, UIDs: many})
			if got := uidsOf(doc); !slices.Equal(got, want) {
				t.Errorf("70,000 uids filter: %v, want %v", got, want)
			}
			doc, _ = exportItems(t, src, adapters.CatalogQuery{Limit: -1, ExcludeUIDs: append(many[:0:0], append([]string{cat.items[0]}, many[len(pick):]...)...)})
			if got := uidsOf(doc); !slices.Equal(got, cat.items[1:]) {
				t.Errorf("70,000 uids exclude: %d items, want %d", len(got), len(cat.items)-1)
			}
			doc, _ = exportItems(t, src, adapters.CatalogQuery{Limit: -1, UIDs: []string{"x"}})
			if len(doc.Items) != 0 {
				t.Errorf("non-numeric uid matched %v", uidsOf(doc))
			}
			doc, _ = exportItems(t, src, adapters.CatalogQuery{Limit: -1, ExcludeUIDs: []string{cat.items[0]}})
			if got := uidsOf(doc); !slices.Equal(got, cat.items[1:]) {
				t.Errorf("exclude: %d items, want %d", len(got), len(cat.items)-1)
			}
			doc, n = exportItems(t, src, adapters.CatalogQuery{Offset: len(cat.items), Limit: 10})
			if n != 0 {
				t.Errorf("offset past the end gave %d items", n)
			}
			doc, n = exportItems(t, src, adapters.CatalogQuery{Limit: 0})
			if n != 0 {
				t.Errorf("limit 0 gave %d items", n)
			}
		})
	}
}

func TestCategoriesAndReviews(t *testing.T) {
	for _, be := range testdb.Backends {
		name, open := be.Name, be.Open
		t.Run(name, func(t *testing.T) {
			db := open(t)
			rng := rand.New(rand.NewPCG(2, 3))
			cat := seed(t, db, rng, 60, name == "sqlite")
			src, err := New(testConfig(db))
			if err != nil {
				t.Fatal(err)
			}
			collectCats := func(q adapters.CatalogQuery) []string {
				var b bytes.Buffer
				w := export.NewCategoryWriter(&b)
				if err := src.Categories(context.Background(), adapters.Shop{}, q, func(c *export.Category) error { return w.Write(c) }); err != nil {
					t.Fatal(err)
				}
				w.Close()
				var doc struct {
					C []struct {
						UID    string `xml:"uid,attr"`
						Parent string `xml:"parent_uid,attr"`
						Link   string `xml:"deeplink"`
					} `xml:"category"`
				}
				if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, c := range doc.C {
					if c.Link != "https://shop.test/c/"+c.UID || (c.UID == "1") != (c.Parent == "") {
						t.Errorf("category %+v", c)
					}
					out = append(out, c.UID)
				}
				return out
			}
			if got := collectCats(adapters.CatalogQuery{Limit: -1}); !slices.Equal(got, cat.cats) {
				t.Errorf("categories %v, want %v", got, cat.cats)
			}
			if got := collectCats(adapters.CatalogQuery{Offset: 1, Limit: 2}); !slices.Equal(got, cat.cats[1:3]) {
				t.Errorf("categories page %v, want %v", got, cat.cats[1:3])
			}

			collectReviews := func(q adapters.CatalogQuery) []string {
				var b bytes.Buffer
				w := export.NewReviewWriter(&b)
				if err := src.Reviews(context.Background(), adapters.Shop{}, q, func(r *export.Review) error {
					if r.Score < 2 || r.Score > 10 || r.Date.IsZero() {
						t.Errorf("review %+v", r)
					}
					return w.Write(r)
				}); err != nil {
					t.Fatal(err)
				}
				w.Close()
				var doc struct {
					R []struct {
						UID string `xml:"uid,attr"`
					} `xml:"review"`
				}
				if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, r := range doc.R {
					out = append(out, r.UID)
				}
				return out
			}
			if got := collectReviews(adapters.CatalogQuery{Limit: -1}); !slices.Equal(got, cat.reviews) {
				t.Errorf("reviews %v, want %v", got, cat.reviews)
			}
			var all []string
			for off := 0; off < len(cat.reviews)+3; off += 3 {
				all = append(all, collectReviews(adapters.CatalogQuery{Offset: off, Limit: 3})...)
			}
			if !slices.Equal(all, cat.reviews) {
				t.Errorf("review pages %v, want %v", all, cat.reviews)
			}
			for item, want := range cat.reviewsByItem {
				if got := collectReviews(adapters.CatalogQuery{Limit: -1, UIDs: []string{item}}); !slices.Equal(got, want) {
					t.Errorf("reviews of %s: %v, want %v", item, got, want)
				}
				break
			}
		})
	}
}

func TestItemsStopAndCancel(t *testing.T) {
	for _, be := range testdb.Backends {
		name, open := be.Name, be.Open
		t.Run(name, func(t *testing.T) {
			db := open(t)
			seed(t, db, rand.New(rand.NewPCG(4, 5)), 80, false)
			src, err := New(testConfig(db))
			if err != nil {
				t.Fatal(err)
			}
			stop := errors.New("stop")
			n := 0
			err = src.Items(context.Background(), adapters.Shop{}, adapters.CatalogQuery{Limit: -1}, func(*export.Item) error {
				n++
				if n == 10 {
					return stop
				}
				return nil
			})
			if !errors.Is(err, stop) || n != 10 {
				t.Errorf("yield error: err %v after %d items", err, n)
			}
			ctx, cancel := context.WithCancel(context.Background())
			n = 0
			err = src.Items(ctx, adapters.Shop{}, adapters.CatalogQuery{Limit: -1}, func(*export.Item) error {
				n++
				if n == 3 {
					cancel()
				}
				return nil
			})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled export returned %v after %d items", err, n)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	db := testdb.SQLite(t)
	bad := []Config{
		{Items: Items{From: "t"}},
		{Items: Items{From: "t", Key: "id", Fields: ItemFields{Name: "name"}, Images: &Images{}}},
		{Items: Items{From: "t", Key: "id", Fields: ItemFields{Name: "name"}, Attributes: &Attributes{List: List{From: "a", Product: "p"}}}},
		{Categories: Categories{From: "c"}},
		{Reviews: Reviews{From: "r", Key: "id"}},
	}
	for i, c := range bad {
		c.DB = db
		if _, err := New(c); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
	if _, err := New(Config{}); err == nil {
		t.Error("config without DB accepted")
	}
	src, err := New(Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Items(context.Background(), adapters.Shop{}, adapters.CatalogQuery{}, nil); !errors.Is(err, ErrNotMapped) {
		t.Errorf("unmapped items: %v", err)
	}
}
