package check

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/middleware"
	"github.com/shopbridge/shopbridge/redirect"
	"github.com/shopbridge/shopbridge/shopgate/export"
	"github.com/shopbridge/shopbridge/shopgate/logs"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// Credentials of the fake shops.
const (
	testCustomer = "12345"
	testShop     = "67890"
	testAPIKey   = "abcdef0123456789abcd"
)

// memCatalog is an in-memory catalogue source of n items, categories and
// reviews; dupUID repeats the first item's uid on the last item.
type memCatalog struct {
	base   string
	n      int
	dupUID bool
}

// pageRange applies offset and limit to n records.
func pageRange(n int, q adapters.CatalogQuery) (int, int) {
	from := max(q.Offset, 0)
	to := n
	if q.Limit >= 0 && from+q.Limit < to {
		to = from + q.Limit
	}
	return from, to
}

func (m memCatalog) Items(ctx context.Context, _ adapters.Shop, q adapters.CatalogQuery, yield func(*export.Item) error) error {
	from, to := pageRange(m.n, q)
	for i := from; i < to; i++ {
		uid := fmt.Sprint(i + 1)
		if m.dupUID && i == m.n-1 {
			uid = "1"
		}
		it := &export.Item{UID: uid, Name: "Item " + uid, Currency: "EUR", Deeplink: m.base + "/product/" + uid,
			Images: []export.Image{{UID: uid, URL: m.base + "/img/" + uid + ".jpg", IsCover: true}}}
		if err := yield(it); err != nil {
			return err
		}
	}
	return nil
}

func (m memCatalog) Categories(ctx context.Context, _ adapters.Shop, q adapters.CatalogQuery, yield func(*export.Category) error) error {
	from, to := pageRange(m.n, q)
	for i := from; i < to; i++ {
		uid := fmt.Sprint(i + 1)
		if err := yield(&export.Category{UID: uid, Name: "Category " + uid, IsActive: true, Deeplink: m.base + "/category/" + uid}); err != nil {
			return err
		}
	}
	return nil
}

func (m memCatalog) Reviews(ctx context.Context, _ adapters.Shop, q adapters.CatalogQuery, yield func(*export.Review) error) error {
	from, to := pageRange(m.n, q)
	for i := from; i < to; i++ {
		uid := fmt.Sprint(i + 1)
		if err := yield(&export.Review{UID: uid, ItemUID: uid, Score: 8, ReviewerName: "R", Title: "t", Text: "x"}); err != nil {
			return err
		}
	}
	return nil
}

// shopOptions break a fake shop in one way.
type shopOptions struct {
	noCatalog      bool // catalogue adapter missing
	dupUID         bool // export with a duplicate uid
	leakPasswords  bool // a logger that writes request bodies
	noRedirect     bool // redirect middleware not mounted
	catalogRecords int
}

// fakeShop is a storefront plus Plugin API built from library pieces.
type fakeShop struct {
	srv *httptest.Server
	url string
}

// newFakeShop starts a shop that passes every question check can answer
// without a host database (1–3, 9–14), unless opt breaks it.
func newFakeShop(t *testing.T, opt shopOptions) *fakeShop {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	ls, err := logs.Open(t.TempDir(), logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ls.Close() })
	n := opt.catalogRecords
	if n == 0 {
		n = 25
	}
	cfg := pluginapi.Config{
		Shops: []pluginapi.ShopConfig{{CustomerNumber: testCustomer, ShopNumber: testShop, APIKey: testAPIKey, Logs: ls,
			Enable: map[string]bool{"get_items": true, "get_categories": true, "get_reviews": true, "cron": true}}},
		CacheDir: t.TempDir(),
	}
	if !opt.noCatalog {
		cfg.Catalog = memCatalog{base: base, n: n, dupUID: opt.dupUID}
	}
	h, err := pluginapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })

	e := echo.New()
	if !opt.noRedirect {
		pages := middleware.NewRedirectPages()
		pages.Path("/", redirect.PageHome, "")
		pages.Path("/product/:id", redirect.PageProduct, "id")
		pages.Path("/category/:id", redirect.PageCategory, "id")
		e.Use(middleware.MobileRedirectWithConfig(middleware.MobileRedirectConfig{
			Redirect: redirect.Config{Enabled: true, ShopNumber: testShop, ShopActive: true, Alias: "fake-shop",
				MobileHeader: redirect.HeaderBuiltin},
			Pages:   pages,
			Skipper: func(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/shopgate/") },
		}))
	}
	html := func(c echo.Context) error {
		return c.HTML(http.StatusOK, "<html><head><title>shop</title></head><body>page</body></html>")
	}
	e.GET("/", html)
	e.GET("/product/:id", html)
	e.GET("/category/:id", html)
	g := e.Group("/shopgate/api")
	if opt.leakPasswords {
		// The mistake Shopgate lists under "Frequent Errors": a request
		// logger that writes the raw body (with the password) to a log.
		g.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c echo.Context) error {
				body, _ := io.ReadAll(c.Request().Body)
				ls.AccessLogger().Info("raw request " + string(body))
				c.Request().Body = io.NopCloser(bytes.NewReader(body))
				return next(c)
			}
		})
	}
	h.Mount(g)
	srv.Config.Handler = e
	srv.Start()
	t.Cleanup(srv.Close)
	return &fakeShop{srv: srv, url: base}
}

// config is a check configuration for the shop with every check that
// the fake supports.
func (s *fakeShop) config() Config {
	return Config{URL: s.url + "/shopgate/api", CustomerNumber: testCustomer, ShopNumber: testShop, APIKey: testAPIKey,
		Storefront: s.url}
}

// verdicts maps question numbers to verdicts.
func verdicts(rep Report) map[int]Verdict {
	m := map[int]Verdict{}
	for _, r := range rep.Results {
		m[r.Number] = r.Verdict
	}
	return m
}

// dump returns the report as a table for failure messages.
func dump(rep Report) string {
	var b bytes.Buffer
	rep.WriteTable(&b)
	return b.String()
}

func TestHealthyFakeShop(t *testing.T) {
	s := newFakeShop(t, shopOptions{})
	rep := Run(context.Background(), s.config())
	want := map[int]Verdict{1: Yes, 2: Yes, 3: Yes, 4: NotChecked, 5: Yes, 6: No, 7: NotChecked, 8: No, 9: Yes,
		10: Yes, 11: Yes, 12: Yes, 13: Yes, 14: Yes, 15: NotChecked}
	got := verdicts(rep)
	for n, v := range want {
		if got[n] != v {
			t.Errorf("question %d: %s, want %s", n, got[n], v)
		}
	}
	if len(rep.Results) != 15 {
		t.Errorf("%d results, want 15", len(rep.Results))
	}
	for _, r := range rep.Results {
		if r.Verdict == No && r.Fix == "" {
			t.Errorf("question %d is no without a fix hint", r.Number)
		}
		if r.Verdict == NotChecked && r.Reason == "" {
			t.Errorf("question %d is not checked without a reason", r.Number)
		}
	}
	if rep.OK || rep.ExitCode() != 1 {
		t.Errorf("OK %v, exit %d: orders are not enabled, so the report must fail", rep.OK, rep.ExitCode())
	}
	if t.Failed() {
		t.Log("\n" + dump(rep))
	}
}

// TestBrokenShops: each deliberately broken shop gets "no" on the
// matching question, with a fix hint.
func TestBrokenShops(t *testing.T) {
	cases := []struct {
		name     string
		opt      shopOptions
		cfg      func(*Config)
		question int
		fix      string // expected in the hint
	}{
		{"wrong API key", shopOptions{}, func(c *Config) { c.APIKey = "00000000000000000000" }, 10, "-apikey"},
		{"catalogue adapter missing", shopOptions{noCatalog: true}, nil, 2, "catalogue source"},
		{"logger writes passwords", shopOptions{leakPasswords: true}, nil, 11, "never write passwords"},
		{"redirect middleware not mounted", shopOptions{noRedirect: true}, nil, 9, "Mount the mobile redirect"},
		{"export with a duplicate uid", shopOptions{dupUID: true}, nil, 2, "unique"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeShop(t, tc.opt)
			cfg := s.config()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			rep := Run(context.Background(), cfg)
			r := rep.Results[tc.question-1]
			if r.Number != tc.question || r.Verdict != No {
				t.Fatalf("question %d: %s, want no\n%s", r.Number, r.Verdict, dump(rep))
			}
			if !strings.Contains(r.Fix, tc.fix) {
				t.Errorf("fix hint %q does not mention %q", r.Fix, tc.fix)
			}
			if rep.ExitCode() == 0 {
				t.Error("exit code 0 for a broken shop")
			}
		})
	}
}

// TestMerchantAPI: question 15 against the fake Merchant API, with the
// right and the wrong key.
func TestMerchantAPI(t *testing.T) {
	fake := shopgatetest.NewServer(shopgatetest.WithCredentials(testCustomer, testAPIKey, testShop))
	t.Cleanup(fake.Close)
	r := &runner{cfg: Config{CustomerNumber: testCustomer, ShopNumber: testShop, APIKey: testAPIKey, MerchantAPI: fake.URL()}.withDefaults()}
	if res := r.checkMerchantAPI(context.Background()); res.Verdict != Yes {
		t.Errorf("right key: %s %+v", res.Verdict, res.Evidence)
	}
	r.cfg.APIKey = "00000000000000000000"
	if res := r.checkMerchantAPI(context.Background()); res.Verdict != No || res.Fix == "" {
		t.Errorf("wrong key: %s %q", res.Verdict, res.Fix)
	}
	r.cfg.MerchantAPI = ""
	if res := r.checkMerchantAPI(context.Background()); res.Verdict != NotChecked || res.Reason == "" {
		t.Errorf("no server: %s %q", res.Verdict, res.Reason)
	}
}

// TestMissingConfig: without credentials nothing is checked and the exit
// code is 0 only because nothing is no; the reason names the flags.
func TestMissingConfig(t *testing.T) {
	rep := Run(context.Background(), Config{})
	for _, r := range rep.Results {
		if r.Verdict != NotChecked || !strings.Contains(r.Reason, "-url") {
			t.Fatalf("question %d: %s %q", r.Number, r.Verdict, r.Reason)
		}
	}
}

// TestParseExport covers the stream parser on broken documents.
func TestParseExport(t *testing.T) {
	cases := []struct {
		name, doc string
		ok        bool
	}{
		{"good", `<items><item uid="1"><name>a</name><currency>EUR</currency><deeplink>http://x/1</deeplink><prices/></item></items>`, true},
		{"truncated", `<items><item uid="1"><name>a</name>`, false},
		{"wrong root", `<products><item uid="1"/></products>`, false},
		{"wrong record", `<items><product uid="1"/></items>`, false},
		{"not xml", `{"error":0}`, false},
	}
	for _, tc := range cases {
		st := exportStats{missing: map[string]int{}}
		err := parseExport(strings.NewReader(tc.doc), itemsExport, &st, 10)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
	st := exportStats{missing: map[string]int{}}
	doc := `<items><item uid="1"><deeplink>/relative</deeplink></item><item uid="1"><deeplink>http://x/1</deeplink></item></items>`
	if err := parseExport(strings.NewReader(doc), itemsExport, &st, 10); err != nil {
		t.Fatal(err)
	}
	if st.records != 2 || len(st.duplicates) != 1 || len(st.relative) != 1 || st.missing["name"] != 2 {
		t.Errorf("stats %+v", st)
	}
}
