package middleware

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/shopbridge/shopbridge/redirect"
)

// MobileRedirectConfig configures the MobileRedirect middleware.
//
// Order in the chain: register MobileRedirect after (inside) Echo's Recover
// and Gzip middleware, i.e. e.Use(Recover()), e.Use(Gzip()), then
// MobileRedirect on the storefront group or with e.Use. Inside Gzip it sees
// the uncompressed HTML it injects into; outside Gzip it finds a
// Content-Encoding and leaves the compressed page unchanged.
type MobileRedirectConfig struct {
	// Skipper defines a function to skip the middleware. Default: never skip.
	Skipper echomw.Skipper

	// Redirect holds the Shopgate settings (shop number, alias/CNAME,
	// server, technique, Mobile Header ...). Default: the zero Config, a
	// switched-off redirect (enable_mobile_website=0): pure pass-through.
	Redirect redirect.Config

	// Settings, when set, replaces Redirect with settings that may change
	// while the shop runs (Shopgate's set_settings switches the Mobile
	// Website on or off, changes the alias ...). Default nil: Redirect,
	// fixed at start.
	Settings *MobileRedirectSettings

	// Keywords returns the keyword lists to detect mobile visitors with,
	// normally (*redirect.KeywordCache).Matcher. Default: the built-in
	// redirect.DefaultKeywords.
	Keywords func() *redirect.Matcher

	// Tablets says whether tablets follow the keyword lists (default) or
	// are never redirected.
	Tablets redirect.TabletPolicy

	// Pages maps routes to page types. Default: an empty table ("/" is the
	// home page, everything else default). Handlers may also call
	// SetRedirectPage.
	Pages *RedirectPages

	// Resolver, when set, replaces Pages: it returns the current page, or
	// ok=false for requests that are not shop pages. Pages of type default
	// whose path ends in an asset extension are left alone. Default:
	// Pages.Resolve.
	Resolver func(c echo.Context) (page redirect.Page, ok bool)

	// SecureCookie adds Secure to the opt-out cookie; set it only when the
	// shop is served exclusively over https. Default false.
	SecureCookie bool

	// MaxBufferedBody is the largest HTML response with a Content-Length
	// that is buffered to inject into it; larger ones pass unchanged.
	// Responses without Content-Length are streamed, never buffered.
	// Default 4 MiB.
	MaxBufferedBody int

	// Logger receives errors (rate-limited). Default: no logging.
	Logger *zap.Logger

	// Now is the clock for cookie expiry. Default time.Now.
	Now func() time.Time

	// Counters, when set, count the decisions (e.g. the pre-resolved
	// counters of metrics.Metrics.RedirectCounters). Nil fields are not
	// counted. Default: no counting.
	Counters RedirectCounters
}

// Counter is a monotonic counter; a prometheus.Counter implements it.
// Inc must not allocate: the middleware calls it on every page view.
type Counter interface{ Inc() }

// RedirectCounters count the Mobile Redirect decisions for shop pages of
// an active redirect. A page whose handler sets its page type again with
// SetRedirectPage and is then redirected counts once more as Redirected.
type RedirectCounters struct {
	// Redirected: the visitor got the 301 to the Mobile Website.
	Redirected Counter
	// OptedOut: the visitor opted out of the Mobile Website.
	OptedOut Counter
	// Stayed: no redirect (a desktop, a tablet left alone, a bot).
	Stayed Counter
	// Failed: the decision panicked; the page was served unchanged.
	Failed Counter
}

func count(c Counter) {
	if c != nil {
		c.Inc()
	}
}

// DefaultMobileRedirectConfig is the default configuration: switched off.
var DefaultMobileRedirectConfig = MobileRedirectConfig{
	Skipper:         echomw.DefaultSkipper,
	MaxBufferedBody: 4 << 20,
}

// MobileRedirect returns the middleware with the default configuration,
// which is switched off (the master switch enable_mobile_website defaults to
// off); use MobileRedirectWithConfig.
func MobileRedirect() echo.MiddlewareFunc {
	return MobileRedirectWithConfig(DefaultMobileRedirectConfig)
}

// MobileRedirectWithConfig returns the Mobile Redirect middleware.
//
// For GET and HEAD navigations of shop pages it redirects mobile visitors
// (301, Vary: User-Agent) to the page's counterpart on the Mobile Website
// before the handler runs; visitors who opted out get the opt-out cookie
// refreshed and, with the built-in header, the Mobile Header; HTML pages
// that are not redirected get Shopgate's snippet before </head>. Invalid
// Shopgate settings switch the middleware off with one log line. Nothing in
// the middleware turns a request into an error: failures and panics of its
// own are logged and the page is served as the handler produced it.
func MobileRedirectWithConfig(cfg MobileRedirectConfig) echo.MiddlewareFunc {
	if cfg.Skipper == nil {
		cfg.Skipper = DefaultMobileRedirectConfig.Skipper
	}
	if cfg.MaxBufferedBody <= 0 {
		cfg.MaxBufferedBody = DefaultMobileRedirectConfig.MaxBufferedBody
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Resolver == nil {
		cfg.Resolver = cfg.Pages.Resolve
	}
	settings := cfg.Settings
	if settings == nil {
		var err error
		if settings, err = NewMobileRedirectSettings(cfg.Redirect); err != nil {
			cfg.Logger.Error("mobile redirect switched off: invalid Shopgate settings", zap.Error(err))
			return passThrough
		}
		// Fixed settings that are switched off cost nothing per request.
		if !settings.cur.Load().Active() {
			return passThrough
		}
	}
	if err := settings.cur.Load().HTMLTagsError(); err != nil {
		cfg.Logger.Error("mobile redirect: html_tags ignored, using the standard link tag", zap.Error(err))
	}
	m := &mobileRedirect{
		cfg:      cfg,
		settings: settings,
		det:      redirect.NewDetector(cfg.Keywords, cfg.Tablets),
		limiter:  rate.NewLimiter(rate.Every(10*time.Second), 5),
	}
	m.pool.New = func() any { return &injectWriter{st: &reqState{m: m}} }
	return m.handle
}

func passThrough(next echo.HandlerFunc) echo.HandlerFunc { return next }

type mobileRedirect struct {
	cfg      MobileRedirectConfig
	settings *MobileRedirectSettings
	det      *redirect.Detector
	limiter  *rate.Limiter
	pool     sync.Pool
}

// MobileRedirectSettings holds the Shopgate settings of a running Mobile
// Redirect. Update swaps them atomically while requests are served; each
// request works with the settings it started with.
type MobileRedirectSettings struct {
	cur atomic.Pointer[redirect.Redirector]
}

// NewMobileRedirectSettings validates cfg (see redirect.New).
func NewMobileRedirectSettings(cfg redirect.Config) (*MobileRedirectSettings, error) {
	s := &MobileRedirectSettings{}
	if err := s.Update(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// Update replaces the settings. Invalid settings are refused with an
// error and the current ones stay in force.
func (s *MobileRedirectSettings) Update(cfg redirect.Config) error {
	r, err := redirect.New(cfg)
	if err != nil {
		return err
	}
	s.cur.Store(r)
	return nil
}

// Config returns the settings in force.
func (s *MobileRedirectSettings) Config() redirect.Config { return s.cur.Load().Config() }

// reqState is what the middleware knows about the current request.
type reqState struct {
	m          *mobileRedirect
	r          *redirect.Redirector // the settings the request started with
	req        *http.Request
	ua         string
	page       redirect.Page
	optedOut   bool
	redirected bool
}

func (m *mobileRedirect) handle(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if m.cfg.Skipper(c) || !candidate(c.Request()) {
			return next(c)
		}
		w := m.pool.Get().(*injectWriter)
		w.reset()
		res := c.Response()
		if !m.begin(c, w) {
			m.pool.Put(w)
			return next(c)
		}
		if w.st.redirected {
			m.pool.Put(w)
			return nil
		}
		orig := res.Writer
		w.w = orig
		res.Writer = w
		completed := false
		defer func() {
			res.Writer = orig
			if !completed {
				// The handler panicked: let the panic reach Echo's Recover
				// with the response as the handler left it.
				return
			}
			w.finish()
			w.release()
			m.pool.Put(w)
		}()
		err := next(c)
		completed = true
		return err
	}
}

// candidate reports whether the request is a GET/HEAD navigation that may
// show an HTML page. Asset paths are recognised later (staticAsset), once
// the resolver has said whether the route is a declared page.
func candidate(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	h := r.Header
	if v := headerValue(h, echo.HeaderXRequestedWith); v != "" && strings.EqualFold(v, "XMLHttpRequest") {
		return false
	}
	if v := headerValue(h, "Sec-Fetch-Mode"); v != "" && v != "navigate" {
		return false
	}
	if v := headerValue(h, "Sec-Fetch-Dest"); v != "" && v != "document" {
		return false
	}
	if v := headerValue(h, echo.HeaderAccept); v != "" && !strings.Contains(v, "text/html") &&
		!strings.Contains(v, "*/*") && !strings.Contains(v, "application/xhtml") {
		return false
	}
	return true
}

// headerValue is Header.Get for a key already in canonical form, without
// the cost of canonicalising it again on every request.
func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// staticAsset reports whether a request the resolver calls page p is an
// asset request to be left alone: a page of type default (a route the shop
// did not declare as a page with an identifier) whose path ends in an
// asset file extension. Declared product, category, CMS, brand and search
// routes are pages whatever their identifier looks like
// ("/product/manual.pdf"). See docs/protocol/mobile-redirect.md, "Decision:
// identifiers that look like files". p must be normalized.
func staticAsset(p redirect.Page, path string) bool {
	return p.Type == redirect.PageDefault && staticPath(path)
}

// staticPath recognises asset paths by their file extension. Only known
// asset types count: product numbers such as "SKU.1" must stay pages.
func staticPath(p string) bool {
	i := strings.LastIndexByte(p, '.')
	if i < 0 || strings.IndexByte(p[i:], '/') >= 0 || len(p)-i > 7 {
		return false
	}
	switch strings.ToLower(p[i+1:]) {
	case "css", "js", "mjs", "map", "json", "xml", "txt", "png", "jpg", "jpeg", "gif", "svg", "webp",
		"avif", "ico", "woff", "woff2", "ttf", "otf", "eot", "pdf", "zip", "gz", "mp4", "webm", "mp3", "wasm":
		return true
	}
	return false
}

// begin reads the request, asks Redirector.Decide before the handler runs
// and applies the decision. It returns false when the request is to be
// left alone (not a page, or an internal failure, which is logged).
func (m *mobileRedirect) begin(c echo.Context, w *injectWriter) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			m.logError("mobile redirect: decision panicked, serving the page unchanged",
				fmt.Errorf("%v", p), zap.ByteString("stack", debug.Stack()))
			count(m.cfg.Counters.Failed)
			ok = false
		}
	}()
	r := m.settings.cur.Load()
	if !r.Active() {
		return false
	}
	page, isPage := m.cfg.Resolver(c)
	if !isPage {
		return false
	}
	req := c.Request()
	page = page.Normalize()
	if staticAsset(page, req.URL.Path) {
		return false
	}
	st := w.st
	st.r = r
	st.req = req
	st.ua = headerValue(req.Header, headerUserAgent)
	st.page = page
	st.optedOut = redirect.QueryOptOut(req.URL.RawQuery) || redirect.CookieOptOut(req.Header["Cookie"])
	if st.optedOut {
		m.setOptOutCookie(c)
	}
	d := r.Decide(m.det, st.page, st.ua, st.optedOut)
	switch {
	case d.Redirect:
		count(m.cfg.Counters.Redirected)
	case st.optedOut:
		count(m.cfg.Counters.OptedOut)
	default:
		count(m.cfg.Counters.Stayed)
	}
	if m.respond(c, st, d) {
		return true
	}
	w.wantSnippet = d.Snippet
	w.wantHeader = d.MobileHeader
	return true
}

// respond applies the HTTP part of a decision: Vary, and the redirect. It
// reports whether the redirect was written.
func (m *mobileRedirect) respond(c echo.Context, st *reqState, d redirect.Decision) bool {
	h := c.Response().Header()
	if d.VaryUserAgent {
		addVary(h)
	}
	if !d.Redirect {
		return false
	}
	var buf [256]byte
	target := st.r.AppendTarget(buf[:0], st.page, st.req.URL.RawQuery)
	h.Set(echo.HeaderLocation, string(target))
	// A cached 301 would bypass a later opt-out: let browsers revalidate.
	h.Set("Cache-Control", "private, no-cache")
	c.Response().WriteHeader(http.StatusMovedPermanently)
	st.redirected = true
	return true
}

const headerUserAgent = "User-Agent"

// varyUserAgent is shared; its capacity of one makes any append copy it.
var varyUserAgent = []string{headerUserAgent}

func addVary(h http.Header) {
	v := h[echo.HeaderVary]
	if len(v) == 0 {
		h[echo.HeaderVary] = varyUserAgent
		return
	}
	for _, x := range v {
		if strings.EqualFold(x, headerUserAgent) {
			return
		}
	}
	h.Add(echo.HeaderVary, headerUserAgent)
}

func (m *mobileRedirect) setOptOutCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{
		Name:     redirect.CookieName,
		Value:    "1",
		Path:     "/",
		MaxAge:   redirect.CookieMaxAge,
		Expires:  m.cfg.Now().Add(redirect.CookieMaxAge * time.Second).UTC(),
		SameSite: http.SameSiteLaxMode,
		Secure:   m.cfg.SecureCookie,
	})
}

// setPage implements SetRedirectPage.
func (m *mobileRedirect) setPage(c echo.Context, w *injectWriter, page redirect.Page) (redirected bool) {
	defer func() {
		if p := recover(); p != nil {
			m.logError("mobile redirect: SetRedirectPage panicked, serving the page unchanged",
				fmt.Errorf("%v", p), zap.ByteString("stack", debug.Stack()))
			redirected = false
		}
	}()
	st := w.st
	if st.redirected || w.wroteHeader || c.Response().Committed {
		return st.redirected
	}
	st.page = page.Normalize()
	// Only the redirect depends on the page: snippet and Mobile Header stay
	// as begin decided them.
	if m.respond(c, st, st.r.Decide(m.det, st.page, st.ua, st.optedOut)) {
		count(m.cfg.Counters.Redirected)
		w.discard = true
		return true
	}
	return false
}

func (m *mobileRedirect) logError(msg string, err error, fields ...zap.Field) {
	if m.limiter.Allow() {
		m.cfg.Logger.Error(msg, append(fields, zap.Error(err))...)
	}
}
