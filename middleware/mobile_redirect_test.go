package middleware

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/shopbridge/shopbridge/redirect"
)

// User agents of the test fixture (docs/protocol/mobile-redirect.md#test-fixtures).
const (
	uaIPhone         = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"
	uaAndroidPhone   = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.113 Mobile Safari/537.36"
	uaFirefoxAndroid = "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0"
	uaIPad           = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"
	uaAndroidTablet  = "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.113 Safari/537.36"
	uaChromeWin      = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	uaFirefoxWin     = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
	uaSafariMac      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15"
	uaEdgeWin        = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80"
	uaGooglebot      = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaGooglebotPhone = "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaShopgateApp    = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Shopgate/1.0"
	uaEmpty          = ""
)

const fixturePage = "<html><head></head><body>page</body></html>"

var fixtureClock = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

var fixtureMatcher = redirect.NewMatcher(redirect.Keywords{
	Keywords:     []string{"iPhone", "iPod", "iPad", "Android", "Windows Phone", "BlackBerry"},
	SkipKeywords: []string{"Shopgate", "iPad", "Nexus 7", "SM-X", "SM-T"},
})

func fixtureSettings() redirect.Config {
	return redirect.Config{
		Enabled:      true,
		ShopNumber:   "12345",
		ShopActive:   true,
		Alias:        "my-shop",
		Server:       redirect.ServerLive,
		Technique:    redirect.TechniqueHTTP,
		MobileHeader: redirect.HeaderBuiltin,
	}
}

func fixtureConfig(page redirect.Page) MobileRedirectConfig {
	return MobileRedirectConfig{
		Redirect: fixtureSettings(),
		Keywords: func() *redirect.Matcher { return fixtureMatcher },
		Resolver: func(echo.Context) (redirect.Page, bool) { return page, true },
		Now:      func() time.Time { return fixtureClock },
	}
}

// serve runs one request through a fresh Echo with the middleware and a
// handler that answers the fixture page (or h when given).
func serve(t *testing.T, cfg MobileRedirectConfig, req *http.Request, h echo.HandlerFunc) (rec *httptest.ResponseRecorder, called bool) {
	t.Helper()
	e := echo.New()
	e.Use(MobileRedirectWithConfig(cfg))
	if h == nil {
		h = func(c echo.Context) error { return c.HTML(http.StatusOK, fixturePage) }
	}
	wrapped := func(c echo.Context) error { called = true; return h(c) }
	e.Any("/*", wrapped)
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec, called
}

func newRequest(method, target, ua, cookie string) *http.Request {
	req := httptest.NewRequest(method, target, nil)
	if ua != "" {
		req.Header.Set("User-Agent", ua)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	return req
}

type want struct {
	status   int
	location string // "" = no Location
	vary     int    // 1 required, -1 forbidden, 0 either (G9)
	cookie   bool
	snippet  bool
	header   bool
	contains []string
	absent   []string
	raw      bool // body must equal the handler's output
}

func checkResponse(t *testing.T, rec *httptest.ResponseRecorder, w want) {
	t.Helper()
	if rec.Code != w.status {
		t.Fatalf("status = %d, want %d (Location %q, body %q)", rec.Code, w.status, rec.Header().Get("Location"), rec.Body.String())
	}
	if got := rec.Header().Get("Location"); got != w.location {
		t.Errorf("Location = %q, want %q", got, w.location)
	}
	hasVary := false
	for _, v := range rec.Header().Values("Vary") {
		if strings.Contains(v, "User-Agent") {
			hasVary = true
		}
	}
	if w.vary == 1 && !hasVary {
		t.Errorf("Vary: User-Agent missing")
	}
	if w.vary == -1 && hasVary {
		t.Errorf("Vary: User-Agent present, want none")
	}
	cookies := rec.Result().Cookies()
	var opt *http.Cookie
	for _, c := range cookies {
		if c.Name == redirect.CookieName {
			opt = c
		}
	}
	if w.cookie {
		if opt == nil {
			t.Fatalf("opt-out cookie missing; Set-Cookie = %q", rec.Header().Values("Set-Cookie"))
		}
		raw := rec.Header().Get("Set-Cookie")
		for _, part := range []string{"SHOPGATE_MOBILE_WEBPAGE=1", "Path=/", "Max-Age=604800", "Expires=Wed, 08 May 2024 12:00:00 GMT"} {
			if !strings.Contains(raw, part) {
				t.Errorf("Set-Cookie %q lacks %q", raw, part)
			}
		}
		if opt.HttpOnly {
			t.Errorf("opt-out cookie is HttpOnly; the Mobile Header must be able to delete it")
		}
	} else if opt != nil {
		t.Errorf("unexpected opt-out cookie %v", opt)
	}
	body := rec.Body.String()
	if w.status != http.StatusOK {
		return
	}
	if w.raw && body != fixturePage {
		t.Errorf("body = %q, want the handler's output unchanged", body)
	}
	snippetAt := strings.Index(body, "<!-- BEGIN SHOPGATE -->")
	if w.snippet {
		if snippetAt < 0 || snippetAt > strings.Index(body, "</head>") {
			t.Errorf("snippet missing or not before </head>: %q", body)
		}
	} else if snippetAt >= 0 {
		t.Errorf("unexpected snippet: %q", body)
	}
	headerAt := strings.Index(body, `id="shopgate_mobile_header"`)
	if w.header {
		if headerAt < 0 || !strings.HasPrefix(body[strings.Index(body, "<body>")+len("<body>"):], `<div id="shopgate_mobile_header"`) {
			t.Errorf("Mobile Header missing or not right after <body>: %q", body)
		}
	} else if headerAt >= 0 {
		t.Errorf("unexpected Mobile Header")
	}
	for _, s := range w.contains {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %q:\n%s", s, body)
		}
	}
	for _, s := range w.absent {
		if strings.Contains(body, s) {
			t.Errorf("body contains %q:\n%s", s, body)
		}
	}
	// Apart from what was injected, the page is the handler's.
	stripped := stripInjected(body)
	if stripped != fixturePage {
		t.Errorf("page changed beyond the injection: %q", stripped)
	}
}

// stripInjected removes the snippet and the Mobile Header from body.
func stripInjected(body string) string {
	if i := strings.Index(body, "<!-- BEGIN SHOPGATE -->"); i >= 0 {
		end := "<!-- END SHOPGATE -->\n"
		j := strings.Index(body, end)
		body = body[:i] + body[j+len(end):]
	}
	if i := strings.Index(body, `<div id="shopgate_mobile_header"`); i >= 0 {
		end := "</script>\n"
		j := strings.Index(body[i:], end)
		body = body[:i] + body[i+j+len(end):]
	}
	return body
}

const base = "http://my-shop.shopgate.com"

// TestMobileRedirectSpecTable runs the HTTP technique table
// (docs/protocol/mobile-redirect.md#http-technique-table) row by row.
func TestMobileRedirectSpecTable(t *testing.T) {
	sku := redirect.Product("SKU-1")
	item := base + "/item/534b552d31"
	tests := []struct {
		row     string
		ua      string
		method  string
		cookie  string
		query   string
		page    redirect.Page
		xhr     bool
		setting func(*MobileRedirectConfig)
		want    want
		called  bool
	}{
		{row: "1", ua: uaIPhone, page: sku, want: want{status: 301, location: item, vary: 1}},
		{row: "2", ua: uaAndroidPhone, page: redirect.Category("12"), want: want{status: 301, location: base + "/category/3132", vary: 1}},
		{row: "3", ua: uaIPhone, page: redirect.Home(), want: want{status: 301, location: base, vary: 1}},
		{row: "4", ua: uaIPhone, page: redirect.CMS("about-us"), want: want{status: 301, location: base + "/cms/about-us", vary: 1}},
		{row: "5", ua: uaAndroidPhone, page: redirect.Brand("Ben & Jerry's"), want: want{status: 301, location: base + "/brand?q=Ben+%26+Jerry%27s", vary: 1}},
		{row: "6", ua: uaIPhone, page: redirect.Search("red shoes"), want: want{status: 301, location: base + "/search?s=red+shoes", vary: 1}},
		{row: "7", ua: uaIPhone, page: redirect.Search("Größe 42 ~x"), want: want{status: 301, location: base + "/search?s=Gr%C3%B6%C3%9Fe+42+%7Ex", vary: 1}},
		{row: "8", ua: uaIPhone, page: redirect.ProductPublic("P 100"), want: want{status: 301, location: base + "/item/5020313030", vary: 1}},
		{row: "9", ua: uaIPhone, page: redirect.Product("Größe-XL"), want: want{status: 301, location: base + "/item/4772c3b6c39f652d584c", vary: 1}},
		{row: "10", ua: uaIPhone, page: redirect.Category("Men/Shoes"), want: want{status: 301, location: base + "/category/4d656e2f53686f6573", vary: 1}},
		{row: "11", ua: uaIPhone, page: redirect.DefaultPage(), called: true,
			want: want{status: 200, snippet: true, contains: []string{`_shopgate.redirect = "default"`}, absent: []string{"<link"}}},
		{row: "12", ua: uaIPhone, page: redirect.DefaultPage(), setting: func(c *MobileRedirectConfig) { c.Redirect.DefaultRedirect = true },
			want: want{status: 301, location: base, vary: -1}},
		{row: "13", ua: uaIPad, page: sku, called: true, want: want{status: 200, snippet: true}},
		{row: "14", ua: uaAndroidTablet, page: sku, called: true, want: want{status: 200, snippet: true}},
		{row: "15", ua: uaChromeWin, page: sku, called: true,
			want: want{status: 200, snippet: true, contains: []string{`<link rel="alternate" media="only screen and (max-width: 640px)" href="http://my-shop.shopgate.com/item/534b552d31" />`}}},
		{row: "16", ua: uaFirefoxWin, page: redirect.Category("12"), called: true, want: want{status: 200, snippet: true}},
		{row: "17", ua: uaSafariMac, page: redirect.Home(), called: true, want: want{status: 200, snippet: true}},
		{row: "18", ua: uaEdgeWin, page: redirect.Search("red shoes"), called: true, want: want{status: 200, snippet: true}},
		{row: "19", ua: uaGooglebot, page: sku, called: true, want: want{status: 200, snippet: true}},
		{row: "20", ua: uaGooglebotPhone, page: sku, want: want{status: 301, location: item, vary: 1}},
		{row: "21", ua: uaFirefoxAndroid, page: redirect.Home(), want: want{status: 301, location: base, vary: 1}},
		{row: "22", ua: uaShopgateApp, page: sku, called: true, want: want{status: 200, snippet: true}},
		{row: "23", ua: uaEmpty, page: sku, called: true, want: want{status: 200, snippet: true}},
		{row: "24", ua: uaIPhone, query: "shopgate_redirect=1", page: sku, called: true, want: want{status: 200, cookie: true, snippet: true, header: true}},
		{row: "25", ua: uaIPhone, cookie: "SHOPGATE_MOBILE_WEBPAGE=1", page: sku, called: true, want: want{status: 200, cookie: true, snippet: true, header: true}},
		{row: "26", ua: uaIPhone, query: "shopgate_redirect=0", page: sku, want: want{status: 301, location: item, vary: 1}},
		{row: "27", ua: uaIPhone, cookie: "SHOPGATE_MOBILE_WEBPAGE=0", page: sku, want: want{status: 301, location: item}},
		{row: "28", ua: uaIPhone, cookie: "SHOPGATE_MOBILE_WEBPAGE=", page: sku, want: want{status: 301, location: item}},
		{row: "29", ua: uaChromeWin, query: "shopgate_redirect=1", page: sku, called: true, want: want{status: 200, cookie: true, snippet: true}},
		{row: "30", ua: uaIPhone, query: "shopgate_redirect=1", page: redirect.DefaultPage(), called: true, want: want{status: 200, cookie: true, snippet: true, header: true}},
		{row: "31", ua: uaIPhone, query: "utm_source=newsletter&foo=bar&gclid=abc", page: sku, want: want{status: 301, location: item + "?utm_source=newsletter&gclid=abc"}},
		{row: "32", ua: uaIPhone, query: "utm_campaign=spring", page: redirect.Search("red shoes"), want: want{status: 301, location: base + "/search?s=red+shoes&utm_campaign=spring"}},
		{row: "33", ua: uaIPhone, query: "lang=de", page: redirect.Home(), want: want{status: 301, location: base + "?lang=de"}},
		{row: "34", ua: uaIPhone, query: "trackingNo=A%20B&trackingno=x", page: redirect.Home(), want: want{status: 301, location: base + "?trackingNo=A+B"}},
		{row: "35", ua: uaIPhone, query: "shopgate_redirect=1&utm_source=x", page: sku, called: true, want: want{status: 200, cookie: true, snippet: true, header: true}},
		{row: "36", ua: uaIPhone, method: http.MethodPost, page: sku, called: true, want: want{status: 200, raw: true}},
		{row: "37", ua: uaIPhone, method: http.MethodHead, page: sku, want: want{status: 301, location: item, vary: 1}},
		{row: "38", ua: uaIPhone, xhr: true, page: sku, called: true, want: want{status: 200, raw: true}},
		{row: "39", ua: uaIPhone, page: sku, called: true, setting: func(c *MobileRedirectConfig) { c.Redirect.ShopActive = false }, want: want{status: 200, raw: true}},
		{row: "40", ua: uaIPhone, page: sku, called: true, setting: func(c *MobileRedirectConfig) { c.Redirect.ShopNumber = "" }, want: want{status: 200, raw: true}},
		{row: "41", ua: uaIPhone, page: sku, called: true, setting: func(c *MobileRedirectConfig) { c.Redirect.Enabled = false }, want: want{status: 200, raw: true}},
		{row: "42", ua: uaIPhone, page: sku, setting: func(c *MobileRedirectConfig) { c.Redirect.CNAME = "https://m.example.com/" }, want: want{status: 301, location: "https://m.example.com/item/534b552d31"}},
		{row: "43", ua: uaIPhone, page: sku, setting: func(c *MobileRedirectConfig) { c.Redirect.CNAME = "m.example.com" }, want: want{status: 301, location: "http://m.example.com/item/534b552d31"}},
		{row: "44", ua: uaIPhone, page: sku, setting: func(c *MobileRedirectConfig) { c.Redirect.Server = redirect.ServerPlayground }, want: want{status: 301, location: "http://my-shop.shopgatepg.com/item/534b552d31"}},
		{row: "45", ua: uaIPhone, page: sku, setting: func(c *MobileRedirectConfig) { c.Redirect.Server = redirect.ServerSpotlight }, want: want{status: 301, location: "http://my-shop.shopgatesl.com/item/534b552d31"}},
		{row: "46", ua: uaIPhone, page: sku, setting: func(c *MobileRedirectConfig) { c.Redirect.Server = redirect.ServerCustom }, want: want{status: 301, location: "http://my-shop.localdev.cc/php/shopgate/index.php/item/534b552d31"}},
		{row: "47", ua: uaIPhone, page: redirect.Product(""), called: true, want: want{status: 200, snippet: true, contains: []string{`_shopgate.redirect = "default"`}}},
		{row: "48", ua: uaIPhone, page: sku, called: true, setting: func(c *MobileRedirectConfig) {
			empty := redirect.NewMatcher(redirect.Keywords{})
			c.Keywords = func() *redirect.Matcher { return empty }
		}, want: want{status: 200, snippet: true}},
		{row: "49", ua: uaIPhone, page: sku, called: true, setting: func(c *MobileRedirectConfig) { c.Redirect.PageTypes = []redirect.PageType{redirect.PageHome} }, want: want{status: 200, snippet: true}},
		{row: "51", ua: uaIPhone, page: sku, called: true, setting: func(c *MobileRedirectConfig) {
			c.Resolver = func(echo.Context) (redirect.Page, bool) { return redirect.Page{}, false }
		}, want: want{status: 200, raw: true}},
	}
	for _, tt := range tests {
		t.Run("row"+tt.row, func(t *testing.T) {
			cfg := fixtureConfig(tt.page)
			if tt.setting != nil {
				tt.setting(&cfg)
			}
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			target := "/p"
			if tt.query != "" {
				target += "?" + tt.query
			}
			req := newRequest(method, target, tt.ua, tt.cookie)
			if tt.xhr {
				req.Header.Set("X-Requested-With", "XMLHttpRequest")
			}
			rec, called := serve(t, cfg, req, nil)
			if called != tt.called {
				t.Errorf("handler called = %v, want %v", called, tt.called)
			}
			checkResponse(t, rec, tt.want)
		})
	}
}

// TestMobileRedirectResolverPanics is row 50: the page is served unchanged
// and one error is logged.
func TestMobileRedirectResolverPanics(t *testing.T) {
	core, logs := observer.New(zap.ErrorLevel)
	cfg := fixtureConfig(redirect.Home())
	cfg.Logger = zap.New(core)
	cfg.Resolver = func(echo.Context) (redirect.Page, bool) { panic("resolver broke") }
	rec, called := serve(t, cfg, newRequest(http.MethodGet, "/p", uaIPhone, ""), nil)
	if !called {
		t.Fatal("handler not called")
	}
	checkResponse(t, rec, want{status: 200, raw: true})
	if n := logs.Len(); n != 1 {
		t.Errorf("%d error log entries, want 1", n)
	}
}

// TestMobileRedirectJSONUntouched is row 52: no injection into non-HTML.
func TestMobileRedirectJSONUntouched(t *testing.T) {
	cfg := fixtureConfig(redirect.Product("SKU-1"))
	cfg.Redirect.Technique = redirect.TechniqueJS
	rec, _ := serve(t, cfg, newRequest(http.MethodGet, "/p", uaIPhone, ""), func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"html": "<html><head></head><body></body></html>"})
	})
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "SHOPGATE") || rec.Header().Get("Location") != "" {
		t.Fatalf("JSON response changed: %d %q", rec.Code, rec.Body.String())
	}
}
