package middleware

import (
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/redirect"
)

// RedirectPages maps a shop's routes to Mobile Redirect page types. The
// middleware looks the matched route (echo.Context.Path) up before the
// handler runs, so that mobile visitors are redirected without running the
// handler at all. Routes that are not registered are the home page when
// their path is "/" and pages of type default otherwise; the middleware
// leaves those alone when their path ends in an asset extension (".css",
// ".pdf", ...), whereas declared routes are pages whatever their
// identifier looks like ("/product/manual.pdf"). A RedirectPages is safe
// for concurrent use.
type RedirectPages struct {
	mu     sync.Mutex // serialises registrations
	routes atomic.Pointer[map[string]pageRoute]
}

type pageRoute struct {
	typ     redirect.PageType
	param   string
	query   bool
	public  bool
	notPage bool
}

// NewRedirectPages returns an empty route table.
func NewRedirectPages() *RedirectPages {
	p := &RedirectPages{}
	p.routes.Store(&map[string]pageRoute{})
	return p
}

// Route declares the page type of a registered Echo route and the name of
// the path parameter that holds the identifier (product number, category
// number, CMS key, brand name, search text). A name starting with "?" names
// a query parameter instead, e.g. "?q" for /search?q=shoes. It returns the
// route for chaining:
//
//	pages.Route(e.GET("/product/:number", showProduct), redirect.PageProduct, "number")
func (p *RedirectPages) Route(r *echo.Route, t redirect.PageType, param string) *echo.Route {
	p.Path(r.Path, t, param)
	return r
}

// RoutePublic is Route for product pages identified by the public item
// number (item_number_public).
func (p *RedirectPages) RoutePublic(r *echo.Route, param string) *echo.Route {
	p.set(r.Path, pageRoute{typ: redirect.PageProduct, param: strings.TrimPrefix(param, "?"), query: strings.HasPrefix(param, "?"), public: true})
	return r
}

// Path is Route for a route path given as text ("/product/:number").
func (p *RedirectPages) Path(path string, t redirect.PageType, param string) {
	p.set(path, pageRoute{typ: t, param: strings.TrimPrefix(param, "?"), query: strings.HasPrefix(param, "?")})
}

// NotPage declares that a route path does not serve shop pages (feeds,
// downloads, endpoints for scripts): the middleware leaves it alone.
func (p *RedirectPages) NotPage(path string) {
	p.set(path, pageRoute{notPage: true})
}

func (p *RedirectPages) set(path string, r pageRoute) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Copy on write: lookups on the request path take no lock.
	old := *p.routes.Load()
	next := make(map[string]pageRoute, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[path] = r
	p.routes.Store(&next)
}

// Resolve returns the page of the current request; ok is false for routes
// declared with NotPage. Path parameters are returned decoded
// ("/product/Ben%20%26%20Jerry%27s" is the product "Ben & Jerry's").
func (p *RedirectPages) Resolve(c echo.Context) (page redirect.Page, ok bool) {
	path := c.Path()
	var r pageRoute
	var found bool
	if p != nil {
		r, found = (*p.routes.Load())[path]
	}
	if !found {
		if path == "/" {
			return redirect.Home(), true
		}
		return redirect.DefaultPage(), true
	}
	if r.notPage {
		return redirect.Page{}, false
	}
	page = redirect.Page{Type: r.typ, Public: r.public}
	if r.param != "" {
		if r.query {
			page.ID, _ = redirect.QueryValue(c.Request().URL.RawQuery, r.param)
		} else {
			page.ID = pathParam(c, r.param)
		}
	}
	return page, true
}

// pathParam returns the decoded value of a path parameter. Echo matches
// routes on the request's RawPath when it has one (the path contains
// escapes such as %2F or %26 that do not round-trip) and then returns the
// parameter still escaped; otherwise the parameter is already decoded and
// must not be decoded twice ("/product/a%2541" is the id "a%41"). A raw
// value that does not unescape is kept as it is: the page is still served
// and its target is built from the text as received. See
// docs/protocol/mobile-redirect.md, "Decision: escaped route parameters".
func pathParam(c echo.Context, name string) string {
	v := c.Param(name)
	if c.Request().URL.RawPath == "" || strings.IndexByte(v, '%') < 0 {
		return v
	}
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// SetRedirectPage tells the middleware from inside a handler what the
// current page is, for pages whose identifier is only known after a lookup
// (e.g. a product found by its slug). When the visitor is to be redirected
// it writes the redirect and returns true; the handler must then return nil
// without writing anything:
//
//	if middleware.SetRedirectPage(c, redirect.Product(p.Number)) {
//		return nil
//	}
//
// Without the MobileRedirect middleware in the chain it does nothing and
// returns false.
func SetRedirectPage(c echo.Context, page redirect.Page) (redirected bool) {
	w := findInjectWriter(c.Response().Writer)
	if w == nil {
		return false
	}
	return w.st.m.setPage(c, w, page)
}
