package panel_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/adapters/gormstore"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/handlers/panel"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

func TestNewRefusesWithoutAuthorizer(t *testing.T) {
	ev := newEnv(t)
	_, err := panel.New(panel.Config{BasePath: "/admin", DB: ev.db})
	if !errors.Is(err, panel.ErrNoAuthorizer) {
		t.Fatalf("New without authorizer: %v, want ErrNoAuthorizer", err)
	}
	_, err = panel.New(panel.Config{BasePath: "/admin", Authorize: func(echo.Context) (string, bool) { return "", false }})
	if !errors.Is(err, panel.ErrNoDB) {
		t.Fatalf("New without DB: %v", err)
	}
	_, err = panel.New(panel.Config{BasePath: "/admin", DB: ev.db, AuthMiddleware: func(n echo.HandlerFunc) echo.HandlerFunc { return n },
		Messages: map[string]string{"no_such_key": "x"}})
	if err == nil {
		t.Fatal("unknown message key accepted")
	}
}

// panelRoutes are every route of the panel (GET pages and POST actions).
var panelRoutes = []struct{ method, path string }{
	{"GET", "/admin"}, {"GET", "/admin/"}, {"GET", "/admin/panel.css"}, {"GET", "/admin/shopgate"}, {"GET", "/admin/drophero"}, {"GET", "/admin/orders"},
	{"POST", "/admin/outbox/1/retry"}, {"POST", "/admin/check"}, {"POST", "/admin/shopgate"}, {"POST", "/admin/shopgate/test"},
	{"POST", "/admin/drophero/keys"}, {"POST", "/admin/drophero/autosubmit"}, {"POST", "/admin/drophero/sync"},
	{"POST", "/admin/drophero/orders/1/confirm"}, {"POST", "/admin/drophero/conflicts/1"}, {"POST", "/admin/drophero/disable"},
	{"POST", "/admin/orders/1/paid"},
}

func TestAnonymousGets401(t *testing.T) {
	ev := newEnv(t)
	for _, r := range panelRoutes {
		for _, auth := range []string{"", "wrong"} {
			req, _ := http.NewRequest(r.method, ev.srv.URL+r.path, strings.NewReader("a=1"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if auth != "" {
				req.SetBasicAuth(testUser, auth)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s (password %q): %d, want 401", r.method, r.path, auth, res.StatusCode)
			}
			if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("%s %s: no Basic challenge", r.method, r.path)
			}
		}
	}
}

// client is a logged-in browser-like client with a cookie jar.
type client struct {
	ev  *env
	jar http.CookieJar
	hc  *http.Client
}

func newClient(ev *env) *client {
	jar, _ := cookiejar.New(nil)
	return &client{ev: ev, jar: jar, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path string, form url.Values, header map[string]string) (*http.Response, string) {
	c.ev.t.Helper()
	req, _ := http.NewRequest(method, c.ev.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testUser, testPassword)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.ev.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var tokenRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// token loads a page and returns the CSRF token its forms carry.
func (c *client) token(path string) string {
	c.ev.t.Helper()
	res, body := c.do("GET", path, nil, nil)
	if res.StatusCode != 200 {
		c.ev.t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		c.ev.t.Fatalf("GET %s: no CSRF token in the forms", path)
	}
	return m[1]
}

func TestPostWithoutValidCSRFTokenGets403(t *testing.T) {
	ev := newEnv(t)
	ev.addPendingOrder("1", dropship.OrderAwaitingConfirmation)
	c := newClient(ev)
	tok := c.token("/admin/drophero")
	for _, r := range panelRoutes {
		if r.method != "POST" {
			continue
		}
		for name, tc := range map[string]struct {
			form   url.Values
			header map[string]string
		}{
			"no token":    {url.Values{"confirm": {"yes"}}, nil},
			"wrong token": {url.Values{"confirm": {"yes"}, "_csrf": {tok + "x"}}, nil},
			"cross-site":  {url.Values{"confirm": {"yes"}, "_csrf": {tok}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		} {
			res, _ := c.do("POST", r.path, tc.form, tc.header)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s (%s): %d, want 403", r.path, name, res.StatusCode)
			}
		}
		// A fresh client without the cookie cannot reuse the token either.
		res, _ := newClient(ev).do("POST", r.path, url.Values{"_csrf": {tok}}, nil)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s (token without its cookie): %d, want 403", r.path, res.StatusCode)
		}
	}
	if o, _, _ := ev.svc.Order(context.Background(), "1"); o.State != dropship.OrderAwaitingConfirmation {
		t.Fatalf("a refused POST changed the order: %s", o.State)
	}
	// The cookie is scoped to the panel, Strict and HttpOnly.
	res, _ := newClient(ev).do("GET", "/admin/", nil, nil)
	var found bool
	for _, ck := range res.Cookies() {
		if ck.Name == "shopbridge_panel_csrf" {
			found = true
			if ck.Path != "/admin/" || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
				t.Errorf("csrf cookie %+v", ck)
			}
		}
	}
	if !found {
		t.Error("no CSRF cookie set")
	}
	// With the token the same POST works.
	res, _ = c.do("POST", "/admin/drophero/orders/1/confirm", url.Values{"_csrf": {tok}, "confirm": {"yes"}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid POST: %d", res.StatusCode)
	}
	if o, _, _ := ev.svc.Order(context.Background(), "1"); o.State != dropship.OrderQueued {
		t.Fatalf("order state after confirm: %s", o.State)
	}
}

func TestDestructiveActionsNeedConfirmation(t *testing.T) {
	ev := newEnv(t)
	ev.addPendingOrder("7", dropship.OrderAwaitingConfirmation)
	c := newClient(ev)
	tok := c.token("/admin/drophero")
	for _, p := range []string{"/admin/drophero/orders/7/confirm", "/admin/drophero/disable", "/admin/orders/7/paid"} {
		res, _ := c.do("POST", p, url.Values{"_csrf": {tok}}, nil)
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "err=") {
			t.Errorf("POST %s without confirmation: %d %s", p, res.StatusCode, loc)
		}
	}
	if o, _, _ := ev.svc.Order(context.Background(), "7"); o.State != dropship.OrderAwaitingConfirmation {
		t.Fatalf("order changed without confirmation: %s", o.State)
	}
	if _, paid := ev.paid.Load("7"); paid {
		t.Fatal("marked paid without confirmation")
	}
}

// TestNoSecretInAnyPage renders every page in every state that shows keys
// and greps for the API key, the DropHero secret and the callback token.
func TestNoSecretInAnyPage(t *testing.T) {
	ev := newEnv(t)
	ctx := context.Background()
	if err := ev.svc.SaveKeys(ctx, dropherotest.DefaultPublicKey, dropherotest.DefaultSecretKey); err != nil {
		t.Fatal(err)
	}
	st, err := ev.svc.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var token string
	for _, u := range st.CallbackURLs {
		token = strings.SplitN(strings.TrimPrefix(u, ev.srv.URL+ev.svc.CallbackPrefix()+"/"), "/", 2)[0]
	}
	if len(token) < 20 {
		t.Fatalf("could not find the callback token in %v", st.CallbackURLs)
	}
	ev.addPendingOrder("5", dropship.OrderNeedsAttention)
	if err := ev.db.Create(&gormmodels.ShopgateOrder{OrderNumber: "1001", HostOrderNumber: "5", Notes: "amount differs"}).Error; err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"Shopgate API key": shopgatetest.DefaultAPIKey, "DropHero secret": dropherotest.DefaultSecretKey,
		"DropHero public key": dropherotest.DefaultPublicKey, "callback token": token}
	c := newClient(ev)
	pages := map[string]string{}
	for _, p := range []string{"/admin/", "/admin/shopgate", "/admin/drophero", "/admin/orders", "/admin/panel.css"} {
		res, body := c.do("GET", p, nil, nil)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", p, res.StatusCode)
		}
		pages[p] = body
	}
	tok := c.token("/admin/shopgate")
	_, pages["shopgate test"] = c.do("POST", "/admin/shopgate/test", url.Values{"_csrf": {tok}}, nil)
	// A key the merchant saves is never shown either, nor is the stored form.
	res, _ := c.do("POST", "/admin/shopgate", url.Values{"_csrf": {tok}, "apikey": {panelKey}}, nil)
	_, pages["after saving a key"] = c.do("GET", strings.TrimPrefix(res.Header.Get("Location"), ev.srv.URL), nil, nil)
	_, pages["test with the saved key"] = c.do("POST", "/admin/shopgate/test", url.Values{"_csrf": {tok}}, nil)
	secrets["saved Shopgate API key"] = panelKey
	// Flash messages come back from redirects: follow a failing key save.
	res, _ = c.do("POST", "/admin/drophero/keys", url.Values{"_csrf": {tok}, "public_key": {"wrong-public-key-1234"}, "secret_key": {"wrong-secret-5678"}}, nil)
	_, pages["after bad keys"] = c.do("GET", strings.TrimPrefix(res.Header.Get("Location"), ev.srv.URL), nil, nil)
	for p, body := range pages {
		for what, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s shows the %s", p, what)
			}
		}
		if strings.Contains(body, "wrong-secret-5678") {
			t.Errorf("%s shows a secret the merchant typed", p)
		}
	}
	if !strings.Contains(pages["/admin/drophero"], "secret callback addresses are registered") {
		t.Error("the DropHero page does not say that callback addresses exist")
	}
	if !strings.Contains(pages["after bad keys"], "refused these keys") {
		t.Errorf("bad keys not refused:\n%s", pages["after bad keys"])
	}
	for _, raw := range []string{"keys_saved", "needs_attention", ">1/3/4<"} {
		for p, body := range pages {
			if strings.Contains(stripTags(body), raw) {
				t.Errorf("%s shows the raw internal %q", p, raw)
			}
		}
	}
}

// panelKey is an API key the merchant types into the Shopgate page.
const panelKey = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

// TestShopgateCredentialsSaved: the merchant sets customer number, shop
// number and API key on the Shopgate page; the numbers are shown with
// their origin, the key only as set (it wins over the configured one),
// it is stored encrypted, and an empty key field keeps the key.
func TestShopgateCredentialsSaved(t *testing.T) {
	ev := newEnv(t)
	c := newClient(ev)
	tok := c.token("/admin/shopgate")
	res, _ := c.do("POST", "/admin/shopgate", url.Values{"_csrf": {tok}, "customer_number": {"55555"},
		"shop_number": {"66666"}, "apikey": {panelKey}}, nil)
	if loc := res.Header.Get("Location"); !strings.Contains(loc, "msg=") {
		t.Fatalf("save: %s", loc)
	}
	cr, _ := ev.plugin.MerchantCredentials("")
	if cr.CustomerNumber != "55555" || cr.ShopNumber != "66666" || cr.APIKey != panelKey {
		t.Fatalf("credentials %+v", cr)
	}
	var row gormmodels.ShopSettings
	if err := ev.db.First(&row).Error; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(row.Data, panelKey) || !strings.Contains(row.Data, "_sealed") {
		t.Fatalf("stored: %s", row.Data)
	}
	_, body := c.do("GET", "/admin/shopgate", nil, nil)
	for _, want := range []string{`value="55555"`, `value="66666"`, "saved in this panel", "wins over the key in the configuration", `name="apikey"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, panelKey) {
		t.Fatal("page shows the key")
	}
	// An empty key field keeps the key.
	c.do("POST", "/admin/shopgate", url.Values{"_csrf": {tok}, "apikey": {""}, "alias": {"kept-key"}}, nil)
	if v := ev.plugin.Setting("", "apikey"); v != panelKey {
		t.Errorf("empty field changed the key")
	}
	// A key of the wrong form is refused.
	res, _ = c.do("POST", "/admin/shopgate", url.Values{"_csrf": {tok}, "apikey": {"not a key"}}, nil)
	if !strings.Contains(res.Header.Get("Location"), "err=") {
		t.Errorf("bad key accepted")
	}
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

func stripTags(s string) string { return tagRE.ReplaceAllString(s, " ") }

func TestShopgateSettingsAndTest(t *testing.T) {
	ev := newEnv(t)
	c := newClient(ev)
	_, body := c.do("GET", "/admin/shopgate", nil, nil)
	if !strings.Contains(body, "From the configuration") || !strings.Contains(body, "env-alias") {
		t.Fatalf("origin or alias missing:\n%s", body)
	}
	tok := c.token("/admin/shopgate")
	// Custom without a URL is refused, as set_settings would.
	res, _ := c.do("POST", "/admin/shopgate", url.Values{"_csrf": {tok}, "server": {"custom"}, "api_url": {""}}, nil)
	if !strings.Contains(res.Header.Get("Location"), "err=") {
		t.Fatalf("custom without URL accepted: %s", res.Header.Get("Location"))
	}
	res, _ = c.do("POST", "/admin/shopgate", url.Values{"_csrf": {tok}, "server": {"custom"}, "api_url": {ev.sg.URL()},
		"alias": {"new-alias"}, "switches": {"1"}, "enable_get_items": {"1"}}, nil)
	if loc := res.Header.Get("Location"); !strings.Contains(loc, "msg=") {
		t.Fatalf("save: %s", loc)
	}
	if v := ev.plugin.Setting("", "server"); v != "custom" {
		t.Fatalf("server = %v", v)
	}
	info, _ := ev.plugin.SettingInfo("", "alias")
	if info.Origin != "panel" || info.Value != "new-alias" || info.Configured != "env-alias" {
		t.Fatalf("alias info %+v", info)
	}
	_, body = c.do("GET", "/admin/shopgate", nil, nil)
	if !strings.Contains(body, "saved in this panel") || !strings.Contains(body, `wins over the configuration value &#34;env-alias&#34;`) {
		t.Fatalf("origin not shown:\n%s", body)
	}
	_, body = c.do("POST", "/admin/shopgate/test", url.Values{"_csrf": {tok}}, nil)
	if !strings.Contains(body, `id="test-result"`) || !strings.Contains(body, "Connected to") {
		t.Fatalf("test connection:\n%s", body)
	}
	// The change survives a restart (a new handler on the same store).
	h2, err := pluginapi.New(pluginapi.Config{
		Shops:  []pluginapi.ShopConfig{{CustomerNumber: shopgatetest.DefaultCustomerNumber, ShopNumber: shopgatetest.DefaultShopNumber, APIKey: shopgatetest.DefaultAPIKey, Alias: "env-alias"}},
		LogDir: t.TempDir(), Store: gormstore.Settings{DB: ev.db},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	for k, want := range map[string]any{"server": "custom", "api_url": ev.sg.URL(), "alias": "new-alias"} {
		info, _ := h2.SettingInfo("", k)
		if info.Value != want || info.Origin != pluginapi.OriginPanel {
			t.Errorf("after restart %s: %+v, want %v from the panel", k, info, want)
		}
	}
}

func TestOverviewRetriesDeadJob(t *testing.T) {
	ev := newEnv(t)
	job := gormmodels.OutboxJob{Kind: "shopgate.set_order_shipping_completed", Payload: "{}", State: gormmodels.OutboxDead,
		NotBefore: time.Now(), Attempts: 8, LastError: "Merchant API error 30"}
	if err := ev.db.Create(&job).Error; err != nil {
		t.Fatal(err)
	}
	c := newClient(ev)
	_, body := c.do("GET", "/admin/", nil, nil)
	if !strings.Contains(body, "could not be delivered") || !strings.Contains(body, "Merchant API error 30") {
		t.Fatalf("overview:\n%s", body)
	}
	tok := c.token("/admin/")
	res, _ := c.do("POST", "/admin/outbox/"+strconv.FormatUint(job.ID, 10)+"/retry", url.Values{"_csrf": {tok}}, nil)
	if !strings.Contains(res.Header.Get("Location"), "msg=") {
		t.Fatalf("retry: %s", res.Header.Get("Location"))
	}
	var got gormmodels.OutboxJob
	ev.db.First(&got, job.ID)
	if got.State != gormmodels.OutboxPending || got.Attempts != 0 {
		t.Fatalf("after retry: %s %d", got.State, got.Attempts)
	}
}

// BenchmarkPageRender measures the render time of every panel page and
// reports the p99 over all requests.
func BenchmarkPageRender(b *testing.B) {
	for _, p := range []string{"/admin/", "/admin/shopgate", "/admin/drophero", "/admin/orders"} {
		b.Run(strings.Trim(strings.ReplaceAll(p, "/", "_"), "_"), func(b *testing.B) {
			ev := newEnv(b)
			for i := 0; i < 20; i++ {
				ev.addPendingOrder("B"+strconv.Itoa(i), dropship.OrderAwaitingConfirmation)
			}
			durs := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest(http.MethodGet, p, nil)
				req.SetBasicAuth(testUser, testPassword)
				rec := httptest.NewRecorder()
				start := time.Now()
				ev.e.ServeHTTP(rec, req)
				durs = append(durs, time.Since(start))
				if rec.Code != 200 {
					b.Fatalf("%s: %d", p, rec.Code)
				}
			}
			b.StopTimer()
			sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
			b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds()), "p99-µs")
		})
	}
}

func TestShopgatePageShowsNumbersNotKey(t *testing.T) {
	ev := newEnv(t)
	_, body := newClient(ev).do("GET", "/admin/shopgate", nil, nil)
	if !strings.Contains(body, shopgatetest.DefaultCustomerNumber) || !strings.Contains(body, shopgatetest.DefaultShopNumber) {
		t.Fatalf("customer or shop number missing:\n%s", body)
	}
	if strings.Contains(body, shopgatetest.DefaultAPIKey) {
		t.Fatal("API key shown")
	}
}
