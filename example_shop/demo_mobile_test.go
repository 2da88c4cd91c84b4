package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/redirect"
)

// uaTransport sends every request as an iPhone and refuses any host but
// the shop's: the round trip must not leave this machine.
type uaTransport struct {
	t    *testing.T
	host string
}

func (u uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != u.host {
		u.t.Errorf("request to an outside host: %s", r.URL)
		return nil, fmt.Errorf("outside host %s", r.URL.Host)
	}
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", iPhoneUA)
	r.Header.Set("Accept", "text/html")
	return http.DefaultTransport.RoundTrip(r)
}

// TestDemoMobileRoundTrip: in demo mode a phone goes from a product page to
// the local stand-in of the Mobile Website, its "Desktop version" link opts
// out and shows the page with the (English) Mobile Header, the opt-out
// sticks, and switching the header on (which deletes the cookie) leads
// back to the Mobile Website — all on one machine, through a real HTTP
// client.
func TestDemoMobileRoundTrip(t *testing.T) {
	db := testdb.New(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	a := newTestAppWith(t, db, func(c *Config) {
		c.PublicURL = base
		c.DropHeroFake = []dropherotest.Option{dropherotest.WithoutRateLimit()}
	})
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: a.Echo}}
	srv.Start()
	t.Cleanup(srv.Close)
	dropHeroDrain(t, a)

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Transport: uaTransport{t, l.Addr().String()}}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	var p Product
	if err := db.Where("active = ? AND parent_id IS NULL AND number NOT LIKE ?", true, "DH-%").Order("id").Take(&p).Error; err != nil {
		t.Fatal(err)
	}
	productPath := fmt.Sprintf("/product/%d", p.ID)
	mobilePath := "/m/item/" + hex.EncodeToString([]byte(fmt.Sprint(p.ID)))

	// 1. Redirected to the local Mobile Website.
	resp, body := get(productPath)
	if resp.StatusCode != 200 || resp.Request.URL.Path != mobilePath || !strings.Contains(body, "Mobile Website") || !strings.Contains(body, p.Name) {
		t.Fatalf("phone on %s ended at %s (%d):\n%s", productPath, resp.Request.URL, resp.StatusCode, body)
	}
	link := regexp.MustCompile(`id="desktop" href="([^"]+)"`).FindStringSubmatch(body)
	if link == nil || link[1] != productPath+"?shopgate_redirect=1" {
		t.Fatalf("desktop link %v", link)
	}
	// 2. The desktop link opts out: the shop page with the Mobile Header.
	resp, body = get(link[1])
	if resp.StatusCode != 200 || resp.Request.URL.Path != productPath || !strings.Contains(body, `id="shopgate_mobile_header"`) ||
		!strings.Contains(body, "Switch to our mobile website") || strings.Contains(body, "static.shopgate.com/api/mobile_header") {
		t.Fatalf("opt-out page %s (%d) lacks the English Mobile Header", resp.Request.URL, resp.StatusCode)
	}
	if resp.Header.Get("Vary") == "" {
		t.Error("opted-out page with the Mobile Header has no Vary")
	}
	u, _ := url.Parse(base)
	optedOut := func() bool {
		for _, c := range jar.Cookies(u) {
			if c.Name == redirect.CookieName && c.Value != "" {
				return true
			}
		}
		return false
	}
	if !optedOut() {
		t.Fatal("no opt-out cookie")
	}
	// 3. The opt-out sticks on the next visit.
	if resp, body = get(productPath); resp.Request.URL.Path != productPath || !strings.Contains(body, `id="shopgate_mobile_header"`) {
		t.Fatalf("opt-out forgotten: ended at %s", resp.Request.URL)
	}
	// 4. The Mobile Header's switch deletes the cookie and reloads without
	// the parameter: back to the Mobile Website.
	jar.SetCookies(u, []*http.Cookie{{Name: redirect.CookieName, Value: "", Path: "/", MaxAge: -1}})
	if resp, _ = get(productPath); resp.Request.URL.Path != mobilePath {
		t.Fatalf("after switching back: ended at %s", resp.Request.URL)
	}
}

// TestDemoNewInBuyableWithImages: "New in" on the home page shows only
// products in stock whose images this shop serves, partner products
// included; no sold-out test products, no outside image.
func TestDemoNewInBuyableWithImages(t *testing.T) {
	db := testdb.New(t)
	a := newTestAppWith(t, db, func(c *Config) { c.DropHeroFake = []dropherotest.Option{dropherotest.WithoutRateLimit()} })
	dropHeroDrain(t, a)
	b := newBrowser(t, a)
	home := b.get("/", 200)
	i := strings.Index(home, "<h2>New in</h2>")
	if i < 0 {
		t.Fatalf("no New in:\n%s", home)
	}
	section := home[i:]
	if j := strings.Index(section[1:], "<h2>"); j >= 0 {
		section = section[:j+1]
	}
	if strings.Contains(section, "Sold out") {
		t.Errorf("New in shows sold-out products:\n%s", section)
	}
	imgs := regexp.MustCompile(`<img src="([^"]+)"`).FindAllStringSubmatch(section, -1)
	if len(imgs) == 0 {
		t.Fatalf("New in without images:\n%s", section)
	}
	partner := false
	for _, m := range imgs {
		src := strings.TrimPrefix(m[1], a.PublicURL)
		if !strings.HasPrefix(src, "/") {
			t.Errorf("image from an outside host: %s", m[1])
			continue
		}
		partner = partner || strings.Contains(src, "/dh-")
		b.get(src, 200)
	}
	if !partner {
		t.Errorf("New in shows no partner product:\n%s", section)
	}
}
