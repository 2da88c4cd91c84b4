package check

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// User agents of the redirect check (docs/protocol/mobile-redirect.md#mobile-detection).
const (
	phoneUA   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
	desktopUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)

// page is a storefront answer.
type page struct {
	status  int
	header  http.Header
	body    string
	elapsed time.Duration
	err     error
}

// summary describes a page answer in one line.
func (pg page) summary() string {
	if pg.err != nil {
		return "request failed: " + pg.err.Error()
	}
	s := "HTTP " + strconv.Itoa(pg.status)
	if l := pg.header.Get("Location"); l != "" {
		s += ", Location " + l
	}
	if v := pg.header.Values("Vary"); len(v) > 0 {
		s += ", Vary " + strings.Join(v, ", ")
	}
	return s
}

// get fetches a storefront URL with a user agent without following
// redirects; at most 2 MiB of the body are read.
func (r *runner) get(ctx context.Context, u, ua string) page {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return page{err: err}
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "text/html")
	c := *r.cfg.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Jar = nil
	resp, err := c.Do(req)
	if err != nil {
		return page{err: err, elapsed: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 2<<20))
	return page{status: resp.StatusCode, header: resp.Header, body: string(b), err: err, elapsed: time.Since(start)}
}

// varyUA tells whether the Vary header names User-Agent.
func varyUA(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "User-Agent") {
				return true
			}
		}
	}
	return false
}

// checkRedirect is question 9: phones are redirected (with Vary:
// User-Agent), desktops are not, ?shopgate_redirect=1 opts out with the
// cookie and shows the Mobile Header.
func (r *runner) checkRedirect(ctx context.Context) Result {
	if r.cfg.Storefront == "" {
		return notChecked(9, "needs -storefront (the shop's public URL)")
	}
	home := r.cfg.Storefront + "/"
	sf, _ := url.Parse(r.cfg.Storefront)
	var ev []Evidence

	// The first page view may start loading Shopgate's keyword lists;
	// one retry gives the cache its second.
	var phone page
	for try := 0; try < 3; try++ {
		phone = r.get(ctx, home, phoneUA)
		if phone.err != nil || phone.status/100 == 3 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	loc := ""
	if phone.header != nil {
		loc = phone.header.Get("Location")
	}
	lu, _ := url.Parse(loc)
	redirected := phone.err == nil && (phone.status == http.StatusMovedPermanently || phone.status == http.StatusFound ||
		phone.status == http.StatusSeeOther || phone.status == http.StatusTemporaryRedirect) &&
		lu != nil && lu.Host != "" && (sf == nil || lu.Host != sf.Host || otherPage(lu, home))
	var notes []string
	if !redirected {
		notes = append(notes, "expected a redirect to the Mobile Website")
	}
	if redirected && !varyUA(phone.header) {
		notes = append(notes, "Vary: User-Agent missing")
	}
	ev = append(ev, Evidence{Sent: "GET " + home + " (iPhone)", Received: join(phone.summary(), notes),
		Millis: ms(phone.elapsed), OK: redirected && varyUA(phone.header)})

	desk := r.get(ctx, home, desktopUA)
	ev = append(ev, Evidence{Sent: "GET " + home + " (desktop browser)", Received: desk.summary(),
		Millis: ms(desk.elapsed), OK: desk.err == nil && desk.status == http.StatusOK})

	opt := r.get(ctx, home+"?shopgate_redirect=1", phoneUA)
	cookie, header := false, false
	if opt.err == nil {
		for _, c := range (&http.Response{Header: opt.header}).Cookies() {
			if c.Name == "SHOPGATE_MOBILE_WEBPAGE" && c.Value == "1" {
				cookie = true
			}
		}
		header = strings.Contains(opt.body, "shopgate_mobile_header") || strings.Contains(opt.body, "/mobile_header/")
	}
	notes = nil
	if !cookie {
		notes = append(notes, "cookie SHOPGATE_MOBILE_WEBPAGE=1 not set")
	} else {
		notes = append(notes, "cookie SHOPGATE_MOBILE_WEBPAGE=1 set")
	}
	if !header {
		notes = append(notes, "no Mobile Header in the page")
	} else {
		notes = append(notes, "Mobile Header shown")
	}
	ev = append(ev, Evidence{Sent: "GET " + home + "?shopgate_redirect=1 (iPhone)", Received: join(opt.summary(), notes),
		Millis: ms(opt.elapsed), OK: opt.err == nil && opt.status == http.StatusOK && cookie && header})

	return result(9, ev, "Mount the mobile redirect in front of every storefront page (middleware.MobileRedirectWithConfig before the routes), switch the Mobile Website on (enable_mobile_website, shop active, alias or cname) and make sure the keyword lists load from the Merchant API.")
}

// join appends notes to s.
func join(s string, notes []string) string {
	if len(notes) == 0 {
		return s
	}
	return s + "; " + strings.Join(notes, "; ")
}

// otherPage reports whether target names another page than the one
// requested: a Mobile Website served by the shop's own host (under a path
// such as /m/) counts as a redirect, a canonical redirect of the same page
// (another scheme, a trailing slash) does not.
func otherPage(target *url.URL, requested string) bool {
	ru, err := url.Parse(requested)
	if err != nil {
		return false
	}
	return strings.TrimRight(target.Path, "/") != strings.TrimRight(ru.Path, "/")
}
