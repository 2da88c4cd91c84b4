package middleware

import (
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/redirect"
)

const uaPetalPhone = "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)"

// conformanceShop declares a route per page type.
func conformanceShop(t testing.TB) *echo.Echo {
	t.Helper()
	e := echo.New()
	pages := NewRedirectPages()
	cfg := fixtureConfig(redirect.Page{})
	cfg.Resolver = nil
	cfg.Pages = pages
	e.Use(MobileRedirectWithConfig(cfg))
	page := func(c echo.Context) error { return c.HTML(http.StatusOK, fixturePage) }
	pages.Route(e.GET("/product/:number", page), redirect.PageProduct, "number")
	pages.Route(e.GET("/category/:id", page), redirect.PageCategory, "id")
	pages.Route(e.GET("/brand/:name", page), redirect.PageBrand, "name")
	pages.Route(e.GET("/cms/:key", page), redirect.PageCMS, "key")
	pages.Route(e.GET("/search", page), redirect.PageSearch, "?q")
	e.GET("/files/*", page)
	e.GET("/about", page)
	return e
}

// TestRedirectTargetsConformance is the table of request shapes of issue
// 16 (items 13, 14, 15, 17): request → redirect target of an iPhone (or
// the given user agent), as Shopgate's SDK builds it from the page's
// identifier and PHP's $_GET.
func TestRedirectTargetsConformance(t *testing.T) {
	e := conformanceShop(t)
	hexOf := func(s string) string { return hex.EncodeToString([]byte(s)) }
	tests := []struct {
		name, target, ua, want string // want "": no redirect
	}{
		// Item 13: escaped route parameters are decoded before hex/urlencode.
		{"escaped product", "/product/Ben%20%26%20Jerry%27s", "", base + "/item/42656e2026204a657272792773"},
		{"escaped slash in category", "/category/Men%2FShoes", "", base + "/category/4d656e2f53686f6573"},
		{"escaped UTF-8", "/product/Gr%C3%B6%C3%9Fe-XL", "", base + "/item/4772c3b6c39f652d584c"},
		{"escaped percent, no raw path", "/product/a%2541", "", base + "/item/" + hexOf("a%41")},
		{"escaped percent with raw path", "/product/a%2541%2F", "", base + "/item/" + hexOf("a%41/")},
		{"space escaped only", "/product/P%20100", "", base + "/item/5020313030"},
		{"plus stays plus in paths", "/product/A+B", "", base + "/item/" + hexOf("A+B")},
		{"escaped brand", "/brand/Ben%20%26%20Jerry%27s", "", base + "/brand?q=Ben+%26+Jerry%27s"},
		{"escaped cms key", "/cms/a%20b%2Fc", "", base + "/cms/a%20b%2Fc"},
		{"plain product", "/product/SKU-1", "", base + "/item/534b552d31"},
		// Item 14: identifiers that look like files on declared routes.
		{"product manual.pdf", "/product/manual.pdf", "", base + "/item/" + hexOf("manual.pdf")},
		{"product image name", "/product/shoe.JPG", "", base + "/item/" + hexOf("shoe.JPG")},
		{"category data.json", "/category/data.json", "", base + "/category/" + hexOf("data.json")},
		{"search for a file name", "/search?q=manual.pdf", "", base + "/search?s=manual.pdf"},
		{"undeclared asset", "/files/manual.pdf", "", ""},
		{"undeclared page", "/about", "", ""},
		// Item 15: search engines' smartphone crawlers.
		{"PetalBot Android", "/product/SKU-1", uaPetalPhone, base + "/item/534b552d31"},
		{"Googlebot smartphone", "/product/SKU-1", uaGooglebotPhone, base + "/item/534b552d31"},
		{"Googlebot desktop", "/product/SKU-1", uaGooglebot, ""},
		// Item 17: the opt-out parameter and pass-through parameters as
		// PHP's $_GET holds them.
		{"opt-out as array", "/product/SKU-1?shopgate_redirect[]=1", "", ""},
		{"opt-out as array, escaped brackets", "/product/SKU-1?shopgate_redirect%5B%5D=1", "", ""},
		{"opt-out array replaced by 0", "/product/SKU-1?shopgate_redirect[]=1&shopgate_redirect=0", "", base + "/item/534b552d31"},
		{"opt-out with a dot", "/product/SKU-1?shopgate.redirect=1", "", ""},
		{"dotted pass-through name", "/product/SKU-1?utm.source=news", "", base + "/item/534b552d31?utm_source=news"},
		{"invalid escape passed literally", "/product/SKU-1?utm_content=%ZZ", "", base + "/item/534b552d31?utm_content=%25ZZ"},
		{"array pass-through dropped", "/product/SKU-1?utm_source[]=x&gclid=1", "", base + "/item/534b552d31?gclid=1"},
		{"search with invalid escape", "/search?q=50%ZZ", "", base + "/search?s=50%25ZZ"},
		{"search as array", "/search?q[]=x", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ua := tt.ua
			if ua == "" {
				ua = uaIPhone
			}
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			u, err := url.ParseRequestURI(tt.target)
			if err != nil {
				// Targets with invalid query escapes: set the parts as sent.
				path, query, _ := strings.Cut(tt.target, "?")
				u = &url.URL{Path: path, RawQuery: query}
			}
			req.URL = u
			req.RequestURI = tt.target
			req.Header.Set("User-Agent", ua)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if got := rec.Header().Get("Location"); got != tt.want {
				t.Errorf("Location %q, want %q (status %d)", got, tt.want, rec.Code)
			}
			if tt.want == "" && rec.Code != http.StatusOK {
				t.Errorf("status %d", rec.Code)
			}
		})
	}
}

// TestFileLikeIdentifierGetsSnippet (item 14): a declared product page
// whose identifier ends like a file gets the snippet with its identifier;
// an undeclared asset path is left alone.
func TestFileLikeIdentifierGetsSnippet(t *testing.T) {
	e := conformanceShop(t)
	body := do(e, "/product/manual.pdf", uaChromeWin, nil).Body.String()
	if !strings.Contains(body, `"manual.pdf"`) || !strings.Contains(body, `href="`+base+`/item/6d616e75616c2e706466"`) {
		t.Errorf("product manual.pdf: snippet missing: %q", body)
	}
	if body := do(e, "/files/manual.pdf", uaChromeWin, nil).Body.String(); body != fixturePage {
		t.Errorf("undeclared asset changed: %q", body)
	}
}

// FuzzRouteParameter sends arbitrary product identifiers, escaped as a
// path segment, through a declared route: the target is the hex of the
// identifier (Echo's routing on the raw path is undone), or, when the
// segment does not route to the product page, no redirect.
func FuzzRouteParameter(f *testing.F) {
	for _, id := range []string{"SKU-1", "Ben & Jerry's", "Men/Shoes", "a%41", "manual.pdf", "Größe", "100%", "+", ""} {
		f.Add(id)
	}
	e := conformanceShop(f)
	f.Fuzz(func(t *testing.T, id string) {
		if id == "" || strings.ContainsAny(id, "\x00") {
			return
		}
		target := "/product/" + url.PathEscape(id)
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		req.URL = u
		req.Header.Set("User-Agent", uaIPhone)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		want := base + "/item/" + hex.EncodeToString([]byte(id))
		if got := rec.Header().Get("Location"); got != want && rec.Code != http.StatusNotFound {
			t.Fatalf("id %q (%s): Location %q, want %q (status %d)", id, target, got, want, rec.Code)
		}
	})
}
