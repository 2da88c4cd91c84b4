package middleware

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/shopbridge/shopbridge/redirect"
)

// shop builds an Echo shop with a few storefront routes declared through
// RedirectPages.
func shop(t *testing.T, cfg MobileRedirectConfig, extra ...echo.MiddlewareFunc) *echo.Echo {
	t.Helper()
	e := echo.New()
	e.Use(echomw.Recover())
	for _, m := range extra {
		e.Use(m)
	}
	pages := NewRedirectPages()
	cfg.Pages = pages
	cfg.Resolver = nil
	e.Use(MobileRedirectWithConfig(cfg))
	page := func(c echo.Context) error { return c.HTML(http.StatusOK, fixturePage) }
	e.GET("/", page)
	pages.Route(e.GET("/product/:number", page), redirect.PageProduct, "number")
	pages.RoutePublic(e.GET("/p/:public", page), "public")
	pages.Route(e.GET("/category/:id", page), redirect.PageCategory, "id")
	pages.Route(e.GET("/search", page), redirect.PageSearch, "?q")
	pages.NotPage("/feed")
	e.GET("/feed", page)
	e.GET("/cart", page)
	e.GET("/by-slug/:slug", func(c echo.Context) error {
		if SetRedirectPage(c, redirect.Product("SKU-"+c.Param("slug"))) {
			return nil
		}
		return c.HTML(http.StatusOK, fixturePage)
	})
	e.GET("/static/app.css", func(c echo.Context) error { return c.String(http.StatusOK, "body{}") })
	return e
}

func do(e *echo.Echo, target, ua string, cookies []*http.Cookie) *httptest.ResponseRecorder {
	req := newRequest(http.MethodGet, target, ua, "")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestRedirectPagesRoutes(t *testing.T) {
	e := shop(t, fixtureConfig(redirect.Page{}))
	tests := []struct{ path, want string }{
		{"/", base},
		{"/product/SKU-1", base + "/item/534b552d31"},
		{"/p/P%20100", base + "/item/5020313030"},
		{"/category/12", base + "/category/3132"},
		{"/search?q=red+shoes&utm_source=x", base + "/search?s=red+shoes&utm_source=x"},
		{"/search", ""}, // no search text: default page
		{"/cart", ""},
		{"/feed", ""},
		{"/static/app.css", ""},
		{"/by-slug/1", base + "/item/534b552d31"},
	}
	for _, tt := range tests {
		rec := do(e, tt.path, uaIPhone, nil)
		if got := rec.Header().Get("Location"); got != tt.want {
			t.Errorf("%s: Location %q, want %q (status %d)", tt.path, got, tt.want, rec.Code)
		}
		if tt.want == "" && rec.Code != http.StatusOK {
			t.Errorf("%s: status %d", tt.path, rec.Code)
		}
		if tt.want != "" && rec.Body.Len() != 0 {
			t.Errorf("%s: redirect with body %q", tt.path, rec.Body.String())
		}
	}
	if body := do(e, "/feed", uaChromeWin, nil).Body.String(); body != fixturePage {
		t.Errorf("NotPage route changed: %q", body)
	}
	if body := do(e, "/static/app.css", uaChromeWin, nil).Body.String(); body != "body{}" {
		t.Errorf("static file changed: %q", body)
	}
	// Desktop: the handler-declared product page carries its link tag.
	if body := do(e, "/by-slug/1", uaChromeWin, nil).Body.String(); !strings.Contains(body, `href="http://my-shop.shopgate.com/item/534b552d31"`) {
		t.Errorf("SetRedirectPage not used for the snippet: %q", body)
	}
	// Without the middleware SetRedirectPage is a no-op.
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	if SetRedirectPage(c, redirect.Product("1")) {
		t.Error("SetRedirectPage redirected without middleware")
	}
}

// TestOptOutRoundTrip: a phone comes back from the Mobile Website with the
// parameter, keeps seeing the desktop shop with the Mobile Header, presses
// the button (cookie deleted, parameter removed) and is redirected again.
func TestOptOutRoundTrip(t *testing.T) {
	e := shop(t, fixtureConfig(redirect.Page{}))
	rec := do(e, "/product/SKU-1?shopgate_redirect=1&a=1", uaIPhone, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("opt-out visit: status %d", rec.Code)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != redirect.CookieName || cookies[0].Value != "1" || cookies[0].Path != "/" || cookies[0].HttpOnly {
		t.Fatalf("cookies %+v", cookies)
	}
	if !strings.Contains(rec.Body.String(), `id="shopgate_mobile_header"`) {
		t.Fatal("no Mobile Header after opting out")
	}
	// Later pages: header shown, cookie refreshed, no redirect.
	for _, p := range []string{"/", "/category/12", "/cart"} {
		rec := do(e, p, uaIPhone, cookies)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `id="shopgate_mobile_header"`) {
			t.Errorf("%s: status %d, header missing", p, rec.Code)
		}
		if len(rec.Result().Cookies()) != 1 {
			t.Errorf("%s: cookie not refreshed", p)
		}
	}
	// The button deletes the cookie with path=/ and reloads without the
	// parameter: emulate what the script does.
	header := rec.Body.String()
	if !strings.Contains(header, "SHOPGATE_MOBILE_WEBPAGE=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/") {
		t.Fatal("button does not delete the cookie")
	}
	after := do(e, "/product/SKU-1?a=1", uaIPhone, nil)
	if after.Code != http.StatusMovedPermanently || after.Header().Get("Location") != base+"/item/534b552d31" {
		t.Errorf("after the button: %d %q", after.Code, after.Header().Get("Location"))
	}
	// A desktop browser with the cookie sees no header.
	if body := do(e, "/", uaChromeWin, cookies).Body.String(); strings.Contains(body, `id="shopgate_mobile_header"`) {
		t.Error("desktop got the Mobile Header")
	}
}

// genPage builds a pseudo-random HTML page with tricky but valid markup.
func genPage(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<HTML lang=\"de\"><Head><meta charset=\"utf-8\"><title>Shop &lt;x&gt;</title>")
	for i := r.IntN(20); i > 0; i-- {
		fmt.Fprintf(&b, "<link rel=\"stylesheet\" href=\"/s%d.css\"><script>var a%d = \"<bod\" + \"y>\";</script>", i, i)
	}
	b.WriteString("</HEAD>\n<body class=\"home a>b\" data-x='<body>'>")
	for i := r.IntN(400); i > 0; i-- {
		fmt.Fprintf(&b, "<div class=\"p%d\"><a href=\"/product/%d\">Produkt %d – Größe ü</a></div>\n", i, i, i)
	}
	b.WriteString("</body></html>")
	return b.String()
}

// chunkedHandler writes page in random pieces, optionally with a
// Content-Length.
func chunkedHandler(page string, seed uint64, withLength bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := rand.New(rand.NewPCG(seed, 7))
		res := c.Response()
		res.Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		if withLength {
			res.Header().Set(echo.HeaderContentLength, strconv.Itoa(len(page)))
		}
		res.WriteHeader(http.StatusOK)
		for rest := page; rest != ""; {
			n := 1 + r.IntN(min(len(rest), 64))
			if _, err := res.Write([]byte(rest[:n])); err != nil {
				return err
			}
			rest = rest[n:]
		}
		return nil
	}
}

// removeInjected strips what the middleware adds.
func removeInjected(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, "<!-- BEGIN SHOPGATE -->")
	j := strings.Index(body, "<!-- END SHOPGATE -->\n")
	if i < 0 || j < i {
		t.Fatalf("snippet missing: %.300q", body)
	}
	body = body[:i] + body[j+len("<!-- END SHOPGATE -->\n"):]
	if k := strings.Index(body, `<div id="shopgate_mobile_header"`); k >= 0 {
		end := strings.Index(body[k:], "</script>\n")
		body = body[:k] + body[k+end+len("</script>\n"):]
	}
	return body
}

// TestHTMLUnchangedApartFromInjection: generated pages written in random
// pieces, with and without Content-Length, plain and through Echo's Gzip
// middleware, come out identical apart from the snippet and the header.
func TestHTMLUnchangedApartFromInjection(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		page := genPage(rand.New(rand.NewPCG(seed, 1)))
		for _, withLength := range []bool{false, true} {
			for _, gz := range []bool{false, true} {
				for _, optOut := range []bool{false, true} {
					name := fmt.Sprintf("seed%d/length=%v/gzip=%v/optout=%v", seed, withLength, gz, optOut)
					e := echo.New()
					if gz {
						e.Use(echomw.Gzip())
					}
					e.Use(MobileRedirectWithConfig(fixtureConfig(redirect.Product("SKU-1"))))
					e.GET("/p", chunkedHandler(page, seed, withLength))
					target := "/p"
					if optOut {
						target += "?shopgate_redirect=1"
					}
					req := newRequest(http.MethodGet, target, uaIPhone, "")
					if gz {
						req.Header.Set("Accept-Encoding", "gzip")
					}
					if !optOut {
						req.Header.Set("User-Agent", uaChromeWin)
					}
					rec := httptest.NewRecorder()
					e.ServeHTTP(rec, req)
					body := rec.Body.Bytes()
					if gz {
						if rec.Header().Get("Content-Encoding") != "gzip" {
							t.Fatalf("%s: not compressed", name)
						}
						zr, err := gzip.NewReader(bytes.NewReader(body))
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						if body, err = io.ReadAll(zr); err != nil {
							t.Fatalf("%s: %v", name, err)
						}
					}
					if cl := rec.Header().Get("Content-Length"); cl != "" && cl != strconv.Itoa(rec.Body.Len()) {
						t.Errorf("%s: Content-Length %s for %d bytes", name, cl, rec.Body.Len())
					}
					if withLength && !gz && rec.Header().Get("Content-Length") == "" {
						t.Errorf("%s: Content-Length dropped", name)
					}
					s := string(body)
					if optOut != strings.Contains(s, `<body class="home a>b" data-x='<body>'><div id="shopgate_mobile_header"`) {
						t.Errorf("%s: header placement wrong: %.400q", name, s[strings.Index(s, "<body"):])
					}
					if !strings.Contains(s, "<!-- END SHOPGATE -->\n</HEAD>") {
						t.Errorf("%s: snippet not right before </HEAD>", name)
					}
					if got := removeInjected(t, s); got != page {
						t.Fatalf("%s: page changed", name)
					}
				}
			}
		}
	}
}

func TestInjectionEdgeCases(t *testing.T) {
	tests := []struct {
		name, page string
		optOut     bool
		want       string
	}{
		{"no head", "<html><body>x</body></html>", true, "<html><body>" + "HEADER" + "x</body></html>"},
		{"no head no header", "<html><body>x</body></html>", false, "<html><body>x</body></html>"},
		{"no body", "<html><head></head>x</html>", true, "<html><head>SNIPPET</head>x</html>"},
		{"neither", "plain text called html", true, "plain text called html"},
		{"bodyguard tag", "<html><head></head><bodyguard><body>x", true, "<html><head>SNIPPET</head><bodyguard><body>HEADERx"},
		{"split end", "<html><head></head><b", true, "<html><head>SNIPPET</head><b"},
		{"unterminated body tag", "<html><head></head><body class=\"x", true, "<html><head>SNIPPET</head><body class=\"x"},
		{"upper case", "<HTML><HEAD></HEAD><BODY>x", true, "<HTML><HEAD>SNIPPET</HEAD><BODY>HEADERx"},
		// A quote opens a value only right after '=' (HTML tokenizer).
		{"apostrophe in unquoted value", "<head></head><body data-shop=Tom's><p>Welcome</p><p>Jerry's corner</p>", true,
			"<head>SNIPPET</head><body data-shop=Tom's>HEADER<p>Welcome</p><p>Jerry's corner</p>"},
		{"quote in attribute name", "<head></head><body a\"b c=\"d>e\"><p>it's</p>", true,
			"<head>SNIPPET</head><body a\"b c=\"d>e\">HEADER<p>it's</p>"},
		{"space around =", "<head></head><body class = 'a>b' id=x>y", true, "<head>SNIPPET</head><body class = 'a>b' id=x>HEADERy"},
		{"quoted value after unquoted", "<head></head><body a=b'c d=\"e>f\">g", true, "<head>SNIPPET</head><body a=b'c d=\"e>f\">HEADERg"},
		{"empty value before >", "<head></head><body a=>'x'", true, "<head>SNIPPET</head><body a=>HEADER'x'"},
		{"lone quote after attribute", "<head></head><body hidden 'x>y", true, "<head>SNIPPET</head><body hidden 'x>HEADERy"},
	}
	r, err := redirect.New(fixtureSettings())
	if err != nil {
		t.Fatal(err)
	}
	header := string(r.AppendMobileHeader(nil))
	snippet := string(r.AppendSnippet(nil, redirect.Product("SKU-1")))
	for _, tt := range tests {
		for _, split := range []int{1, 2, 3, 5, 7, 1000} {
			cfg := fixtureConfig(redirect.Product("SKU-1"))
			e := echo.New()
			e.Use(MobileRedirectWithConfig(cfg))
			e.GET("/p", func(c echo.Context) error {
				c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTML)
				c.Response().WriteHeader(http.StatusOK)
				for rest := tt.page; rest != ""; {
					n := min(split, len(rest))
					c.Response().Write([]byte(rest[:n]))
					rest = rest[n:]
				}
				return nil
			})
			target := "/p"
			ua := uaChromeWin
			if tt.optOut {
				target, ua = "/p?shopgate_redirect=1", uaIPhone
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, newRequest(http.MethodGet, target, ua, ""))
			want := strings.ReplaceAll(strings.ReplaceAll(tt.want, "HEADER", header), "SNIPPET", snippet)
			if got := rec.Body.String(); got != want {
				t.Errorf("%s (split %d):\n got %q\nwant %q", tt.name, split, got, want)
			}
		}
	}
}

func TestResponsesLeftAlone(t *testing.T) {
	tests := []struct {
		name string
		h    echo.HandlerFunc
	}{
		{"404 html", func(c echo.Context) error { return c.HTML(http.StatusNotFound, fixturePage) }},
		{"json", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, []byte(`{"a":"</head>"}`)) }},
		{"pre-compressed", func(c echo.Context) error {
			c.Response().Header().Set(echo.HeaderContentEncoding, "br")
			return c.HTML(http.StatusOK, fixturePage)
		}},
		{"too long to buffer", func(c echo.Context) error {
			c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(fixturePage)))
			return c.HTML(http.StatusOK, fixturePage)
		}},
	}
	for _, tt := range tests {
		cfg := fixtureConfig(redirect.Product("SKU-1"))
		cfg.MaxBufferedBody = 10
		rec, _ := serve(t, cfg, newRequest(http.MethodGet, "/p", uaChromeWin, ""), tt.h)
		if strings.Contains(rec.Body.String(), "SHOPGATE") {
			t.Errorf("%s: injected into: %q", tt.name, rec.Body.String())
		}
	}
	// Requests that are not navigations.
	for name, hdr := range map[string][2]string{
		"fetch":  {"Sec-Fetch-Mode", "cors"},
		"image":  {"Sec-Fetch-Dest", "image"},
		"accept": {"Accept", "application/json"},
	} {
		req := newRequest(http.MethodGet, "/p", uaIPhone, "")
		req.Header.Set(hdr[0], hdr[1])
		rec, called := serve(t, fixtureConfig(redirect.Product("SKU-1")), req, nil)
		if !called || rec.Code != http.StatusOK || rec.Body.String() != fixturePage {
			t.Errorf("%s: %d %q", name, rec.Code, rec.Body.String())
		}
	}
	// A navigation with a browser's Accept header is redirected.
	req := newRequest(http.MethodGet, "/p", uaIPhone, "")
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Sec-Fetch-Dest", "document")
	if rec, _ := serve(t, fixtureConfig(redirect.Product("SKU-1")), req, nil); rec.Code != http.StatusMovedPermanently {
		t.Errorf("navigation not redirected: %d", rec.Code)
	}
}

// TestNeverTakesTheShopDown: a panicking keyword store and a broken
// Merchant API still give every visitor the page.
func TestNeverTakesTheShopDown(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	log := zap.New(core)
	brokenAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":1`))
	}))
	defer brokenAPI.Close()
	source := redirect.KeywordSourceFunc(func(ctx context.Context) (redirect.Keywords, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, brokenAPI.URL, strings.NewReader(url.Values{"action": {"get_mobile_redirect_user_agents"}}.Encode()))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return redirect.Keywords{}, err
		}
		defer res.Body.Close()
		var answer struct {
			Keywords     []string `json:"keywords"`
			SkipKeywords []string `json:"skip_keywords"`
		}
		if err := json.NewDecoder(res.Body).Decode(&answer); err != nil {
			return redirect.Keywords{}, fmt.Errorf("get_mobile_redirect_user_agents: %w", err)
		}
		return redirect.Keywords{Keywords: answer.Keywords, SkipKeywords: answer.SkipKeywords}, nil
	})
	cache := redirect.NewKeywordCache(redirect.KeywordCacheConfig{Source: source, Store: panickingStore{}, Logger: log})
	cfg := fixtureConfig(redirect.Page{})
	cfg.Keywords = cache.Matcher
	cfg.Logger = log
	e := shop(t, cfg)
	for _, ua := range []string{uaChromeWin, uaIPad, uaGooglebot, ""} {
		for _, p := range []string{"/", "/product/1", "/cart"} {
			if rec := do(e, p, ua, nil); rec.Code != http.StatusOK {
				t.Errorf("%s %q: status %d", p, ua, rec.Code)
			}
		}
	}
	// Without Shopgate's lists nothing is redirected (docs/protocol/mobile-redirect.md#keyword-cache), and
	// pages are served all the same.
	if rec := do(e, "/product/1", uaIPhone, nil); rec.Code != http.StatusOK {
		t.Errorf("phone: status %d", rec.Code)
	}
	cache.Wait()
	if logs.Len() == 0 {
		t.Error("failure not logged")
	}

	// A panicking keyword function inside the request.
	cfg = fixtureConfig(redirect.Product("1"))
	cfg.Keywords = func() *redirect.Matcher { panic("keywords exploded") }
	cfg.Logger = log
	for _, ua := range []string{uaIPhone, uaChromeWin} {
		rec, called := serve(t, cfg, newRequest(http.MethodGet, "/p", ua, ""), nil)
		if !called || rec.Code != http.StatusOK || rec.Body.String() != fixturePage {
			t.Errorf("%q: %d %q", ua, rec.Code, rec.Body.String())
		}
	}

	// Invalid settings switch the middleware off.
	cfg = fixtureConfig(redirect.Product("1"))
	cfg.Redirect.Alias = "not an alias"
	cfg.Logger = log
	if rec, _ := serve(t, cfg, newRequest(http.MethodGet, "/p", uaIPhone, ""), nil); rec.Code != http.StatusOK || rec.Body.String() != fixturePage {
		t.Errorf("invalid settings: %d %q", rec.Code, rec.Body.String())
	}
}

type panickingStore struct{}

func (panickingStore) LoadKeywords(context.Context) (redirect.StoredKeywords, bool, error) {
	panic("store exploded")
}
func (panickingStore) SaveKeywords(context.Context, redirect.StoredKeywords) error {
	return errors.New("unreachable")
}

// TestHandlerPanicReachesRecover: the middleware does not swallow panics of
// the wrapped handler.
func TestHandlerPanicReachesRecover(t *testing.T) {
	e := echo.New()
	recovered := false
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					recovered = true
					err = c.String(http.StatusInternalServerError, "oops")
				}
			}()
			return next(c)
		}
	})
	e.Use(MobileRedirectWithConfig(fixtureConfig(redirect.Home())))
	e.GET("/", func(echo.Context) error { panic("handler bug") })
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, newRequest(http.MethodGet, "/", uaChromeWin, ""))
	if !recovered || rec.Code != http.StatusInternalServerError || rec.Body.String() != "oops" {
		t.Errorf("recovered=%v status=%d body=%q", recovered, rec.Code, rec.Body.String())
	}
}

func TestMobileRedirectDefaultIsOff(t *testing.T) {
	e := echo.New()
	e.Use(MobileRedirect())
	e.GET("/", func(c echo.Context) error { return c.HTML(http.StatusOK, fixturePage) })
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, newRequest(http.MethodGet, "/", uaIPhone, ""))
	if rec.Code != http.StatusOK || rec.Body.String() != fixturePage {
		t.Errorf("default config not a pass-through: %d %q", rec.Code, rec.Body.String())
	}
}

func TestTabletPolicyAndSkipper(t *testing.T) {
	lenovo := "Mozilla/5.0 (Linux; Android 12; Lenovo TB-J606F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	cfg := fixtureConfig(redirect.Home())
	if rec, _ := serve(t, cfg, newRequest(http.MethodGet, "/", lenovo, ""), nil); rec.Code != http.StatusMovedPermanently {
		t.Errorf("tablet by keywords: %d", rec.Code)
	}
	cfg.Tablets = redirect.TabletsNever
	if rec, _ := serve(t, cfg, newRequest(http.MethodGet, "/", lenovo, ""), nil); rec.Code != http.StatusOK {
		t.Errorf("tablet with TabletsNever: %d", rec.Code)
	}
	cfg = fixtureConfig(redirect.Home())
	cfg.Skipper = func(echo.Context) bool { return true }
	if rec, _ := serve(t, cfg, newRequest(http.MethodGet, "/", uaIPhone, ""), nil); rec.Code != http.StatusOK || rec.Body.String() != fixturePage {
		t.Errorf("skipper ignored: %d", rec.Code)
	}
}

func TestJSTechnique(t *testing.T) {
	cfg := fixtureConfig(redirect.Product("SKU-1"))
	cfg.Redirect.Technique = redirect.TechniqueJS
	cfg.Redirect.MobileHeader = redirect.HeaderHosted
	rec, _ := serve(t, cfg, newRequest(http.MethodGet, "/p", uaIPhone, ""), nil)
	checkResponse(t, rec, want{status: 200, snippet: true, contains: []string{`_shopgate.item_number = "SKU-1";`}})
	// J9: opt-out sets the cookie, snippet as usual.
	rec, _ = serve(t, cfg, newRequest(http.MethodGet, "/p?shopgate_redirect=1", uaIPhone, ""), nil)
	checkResponse(t, rec, want{status: 200, snippet: true, cookie: true})
	// J10: inactive shop, no snippet.
	cfg.Redirect.ShopActive = false
	rec, _ = serve(t, cfg, newRequest(http.MethodGet, "/p", uaIPhone, ""), nil)
	checkResponse(t, rec, want{status: 200, raw: true})
}

func TestOptOutCookieSecureAndExpiry(t *testing.T) {
	cfg := fixtureConfig(redirect.Home())
	cfg.SecureCookie = true
	rec, _ := serve(t, cfg, newRequest(http.MethodGet, "/?shopgate_redirect=1", uaIPhone, ""), nil)
	c := rec.Result().Cookies()
	if len(c) != 1 || !c[0].Secure || c[0].MaxAge != 604800 || !c[0].Expires.Equal(fixtureClock.Add(7*24*time.Hour)) {
		t.Errorf("cookie %+v", c)
	}
}

func TestStaticPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/static/app.css": true, "/img/a.PNG": true, "/robots.txt": true, "/product/SKU.1": false,
		"/product/1": false, "/a.b/c": false, "/page.html": false, "/": false, "/x.verylongext": false,
	} {
		if got := staticPath(p); got != want {
			t.Errorf("staticPath(%q) = %v, want %v", p, got, want)
		}
	}
}
