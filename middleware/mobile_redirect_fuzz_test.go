package middleware

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/redirect"
)

// FuzzMobileRedirectRequest sends arbitrary user agents, cookies and query
// strings through the middleware: the answer is always the page (200,
// unchanged apart from the injection) or a 301 to the Mobile Website.
func FuzzMobileRedirectRequest(f *testing.F) {
	f.Add(uaIPhone, "", "")
	f.Add(uaIPhone, "SHOPGATE_MOBILE_WEBPAGE=1", "a=1")
	f.Add(uaChromeWin, "", "shopgate_redirect=1&utm_source=%zz")
	f.Add("", "SHOPGATE_MOBILE_WEBPAGE=0; x=\"", "shopgate_redirect=0&lang=de&lang=%E2%80%A8")
	e := echo.New()
	pages := NewRedirectPages()
	cfg := fixtureConfig(redirect.Page{})
	cfg.Resolver = nil
	cfg.Pages = pages
	e.Use(MobileRedirectWithConfig(cfg))
	pages.Route(e.GET("/product/:id", func(c echo.Context) error { return c.HTML(http.StatusOK, fixturePage) }), redirect.PageProduct, "id")
	f.Fuzz(func(t *testing.T, ua, cookie, query string) {
		req := httptest.NewRequest(http.MethodGet, "/product/SKU-1", nil)
		req.URL.RawQuery = query
		req.Header.Set("User-Agent", ua)
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusMovedPermanently:
			if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, base+"/item/534b552d31") {
				t.Fatalf("Location %q", loc)
			}
		case http.StatusOK:
			if got := stripInjected(rec.Body.String()); got != fixturePage {
				t.Fatalf("page changed: %q", got)
			}
		default:
			t.Fatalf("status %d", rec.Code)
		}
	})
}

// FuzzInjection writes arbitrary HTML in pieces of arbitrary size: the
// output minus the injected blocks is the input.
func FuzzInjection(f *testing.F) {
	f.Add("<html><head></head><body>x</body></html>", uint8(1), true)
	f.Add("<HEAD></HEAD><BODY class='a>b'>", uint8(3), true)
	f.Add("</hea</head><bod<body", uint8(2), false)
	f.Add("<body x=\"", uint8(5), true)
	r, err := redirect.New(fixtureSettings())
	if err != nil {
		f.Fatal(err)
	}
	snippet := string(r.AppendSnippet(nil, redirect.Product("SKU-1")))
	header := string(r.AppendMobileHeader(nil))
	f.Fuzz(func(t *testing.T, page string, split uint8, optOut bool) {
		n := int(split%64) + 1
		e := echo.New()
		e.Use(MobileRedirectWithConfig(fixtureConfig(redirect.Product("SKU-1"))))
		e.GET("/p", func(c echo.Context) error {
			c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
			c.Response().WriteHeader(http.StatusOK)
			for rest := page; rest != ""; {
				k := min(n, len(rest))
				c.Response().Write([]byte(rest[:k]))
				rest = rest[k:]
			}
			return nil
		})
		target, ua := "/p", uaChromeWin
		if optOut {
			target, ua = "/p?shopgate_redirect=1", uaIPhone
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, newRequest(http.MethodGet, target, ua, ""))
		out := rec.Body.String()
		if strings.Count(out, snippet) > 1 || strings.Count(out, header) > 1 {
			t.Fatalf("injected twice")
		}
		if strings.Contains(page, snippet) || strings.Contains(page, header) {
			return
		}
		got := strings.Replace(strings.Replace(out, snippet, "", 1), header, "", 1)
		if got != page {
			t.Fatalf("page changed:\n in %q\nout %q", page, out)
		}
	})
}
