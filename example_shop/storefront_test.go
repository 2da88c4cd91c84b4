package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/internal/bulkseed"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

func TestStorefrontPages(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		b := newBrowser(t, a)

		var headphones Product
		if err := db.Where("number = ?", "SB-1090").Take(&headphones).Error; err != nil {
			t.Fatal(err)
		}
		shirt := productID(t, db, "SB-1000")
		var variant Product
		if err := db.Where("parent_id = ?", shirt).Order("id").Take(&variant).Error; err != nil {
			t.Fatal(err)
		}
		book := productID(t, db, "SB-1260")
		vitamins := productID(t, db, "SB-1300")

		tests := []struct {
			name   string
			path   string
			status int
			want   []string // substrings, in this order
			absent []string
		}{
			{"home", "/", 200, []string{"Welcome to the Example Shop", ">Clothing<", ">Electronics<", "Featured products", "Classic T-Shirt", "€19.99", "€24.99"}, []string{"Archive", "Discontinued Gadget"}},
			{"top category", fmt.Sprintf("/category/%d", categoryID(t, db, "electronics")), 200,
				[]string{`class="crumbs"`, ">Home</a>", "Electronics", ">Audio</a>", ">Computers</a>", "10 products", "Studio Over-Ear Headphones", "€149.00"},
				[]string{"Discontinued Gadget"}},
			{"leaf category", fmt.Sprintf("/category/%d", categoryID(t, db, "headphones")), 200,
				[]string{`class="crumbs"`, ">Electronics</a>", ">Audio</a>", "Headphones", "3 products", "Studio Over-Ear Headphones", "Sport In-Ear Earbuds"},
				[]string{"Classic T-Shirt"}},
			{"inactive category", fmt.Sprintf("/category/%d", categoryID(t, db, "archive")), 404, []string{"does not exist"}, nil},
			{"bad category id", "/category/abc", 404, nil, nil},
			{"product", fmt.Sprintf("/product/%d", headphones.ID), 200,
				[]string{`class="crumbs"`, ">Electronics</a>", ">Audio</a>", ">Headphones</a>", "Studio Over-Ear Headphones",
					"Sonora", "€149.00", "€179.00", "incl. 19 % VAT (€125.21 net)", "In stock (25 available)", "Add to cart",
					"<strong>Studio Over-Ear Headphones</strong>", "Connection", "Bluetooth 5.3", "EAN", headphones.EAN,
					"UPC", headphones.UPC, "bluetooth", "Reviews (", "★", "You may also like", "Sport In-Ear Earbuds"}, nil},
			{"product with variants", fmt.Sprintf("/product/%d", shirt), 200,
				[]string{"Classic T-Shirt", `<select name="product_id">`, "Size: S, Colour: Black", "Size: XL, Colour: White", "€21.99"}, nil},
			{"book identifiers", fmt.Sprintf("/product/%d", book), 200, []string{"ISBN", "9783120"}, nil},
			{"pharmacy identifiers", fmt.Sprintf("/product/%d", vitamins), 200, []string{"PZN"}, nil},
			{"inactive product", fmt.Sprintf("/product/%d", productID(t, db, "SB-9999")), 404, []string{"not available"}, nil},
			{"missing product", "/product/999999", 404, nil, nil},
			{"search by name", "/search?q=espresso", 200, []string{"1 results", "Espresso Beans Dark Roast 1 kg", "€18.90"}, nil},
			{"search by tag", "/search?q=Bluetooth", 200, []string{"3 results", "Studio Over-Ear Headphones"}, nil},
			{"search by variant EAN", "/search?q=" + variant.EAN, 200, []string{"1 results", "Classic T-Shirt"}, nil},
			{"search by number", "/search?q=SB-1190", 200, []string{"1 results", "Espresso"}, nil},
			{"search escapes wildcards", "/search?q=%25%25", 200, []string{"0 results"}, nil},
			{"search too short", "/search?q=a", 200, []string{"at least two characters"}, nil},
			{"search hides inactive", "/search?q=gadget", 200, []string{"0 results"}, nil},
			{"empty cart", "/cart", 200, []string{"Your cart is empty"}, nil},
			{"login form", "/login", 200, []string{`name="password"`, "demo@example.com"}, nil},
			{"account needs login", "/account", 303, nil, nil},
			{"placeholder image", "/static/img/sb-1000-1.svg", 200, []string{"<svg", "sb-1000-1"}, nil},
			{"placeholder bad name", "/static/img/..%2Fetc.svg", 404, nil, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				body := b.get(tc.path, tc.status)
				if !containsInOrder(body, tc.want...) {
					t.Errorf("GET %s: body lacks (in order) %q\n%s", tc.path, tc.want, body)
				}
				for _, s := range tc.absent {
					if strings.Contains(body, s) {
						t.Errorf("GET %s: body contains %q", tc.path, s)
					}
				}
			})
		}

		// A variant's own URL leads to its parent with the variant chosen.
		code, loc, _ := b.do(http.MethodGet, fmt.Sprintf("/product/%d", variant.ID), nil)
		if want := fmt.Sprintf("/product/%d?variant=%d", shirt, variant.ID); code != http.StatusMovedPermanently || loc != want {
			t.Errorf("variant URL: %d %q, want 301 %q", code, loc, want)
		}
	})
}

func TestCategoryPagination(t *testing.T) {
	db := testdb.New(t) // SQLite is slow to bulk-fill under -race; the pages are the same

	a := newTestApp(t, db)
	seeder, err := bulkseed.New(bulkseed.Config{DB: db, BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seeder.Seed(t.Context(), 250); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, a)
	id := categoryID(t, db, "bulk-0")
	var total int64
	sub := db.Model(&Category{}).Select("id").Where("slug LIKE ?", "bulk-0-%")
	db.Model(&Product{}).Where("active = ? AND parent_id IS NULL", true).
		Where("id IN (?)", db.Model(&ProductCategory{}).Select("product_id").Where("category_id IN (?)", sub)).Count(&total)
	pages := int((total + pageSize - 1) / pageSize)
	if pages < 2 {
		t.Fatalf("want several pages, have %d products", total)
	}
	first := b.get(fmt.Sprintf("/category/%d", id), 200)
	if !containsInOrder(first, fmt.Sprintf("%d products", total), fmt.Sprintf("Page 1 of %d", pages), `rel="next"`) ||
		strings.Contains(first, `rel="prev"`) {
		t.Errorf("first page: pager wrong\n%s", first)
	}
	last := b.get(fmt.Sprintf("/category/%d?page=%d", id, pages), 200)
	if !containsInOrder(last, `rel="prev"`, fmt.Sprintf("Page %d of %d", pages, pages)) || strings.Contains(last, `rel="next"`) {
		t.Errorf("last page: pager wrong\n%s", last)
	}
	beyond := b.get(fmt.Sprintf("/category/%d?page=999", id), 200)
	if !strings.Contains(beyond, fmt.Sprintf("Page %d of %d", pages, pages)) {
		t.Errorf("a page beyond the end must show the last page")
	}
	// Every product appears on exactly one page.
	seen := map[string]int{}
	for p := 1; p <= pages; p++ {
		body := b.get(fmt.Sprintf("/category/%d?page=%d", id, p), 200)
		for _, part := range strings.Split(body, `<h3><a href="/product/`)[1:] {
			seen[part[:strings.Index(part, `"`)]]++
		}
	}
	if len(seen) != int(total) {
		t.Errorf("pages list %d distinct products, want %d", len(seen), total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("product %s listed %d times", id, n)
		}
	}
}

func TestErrorsAsJSONForAPIs(t *testing.T) {
	a := newTestApp(t, openSQLite(t))
	srv := newBrowser(t, a).srv
	res, err := http.Get(srv.URL + "/product/999999")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("non-browser 404: %d %s, want 404 JSON", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
