// Package panel is the merchant's control panel of shopbridge: an
// Overview of every integration's health, the Shopgate settings with a
// connection test, the DropHero integration and the orders that need the
// merchant's attention. A host mounts it on its own admin group:
//
//	p, err := panel.New(panel.Config{BasePath: "/admin", Authorize: myAuth, DB: db, ...})
//	p.Mount(e.Group("/admin"))
//
// New refuses to build without an authorizer, so the panel cannot be
// mounted open by accident. Every form carries a CSRF token (Echo's CSRF
// middleware, cookie scoped to the panel path, SameSite=Strict, HttpOnly),
// every state-changing action is a POST and destructive ones need a
// confirmation checkbox. Pages are server-rendered html/template with one
// small stylesheet and no JavaScript. Texts live in Messages
// (docs/architecture.md#control-panel).
package panel

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/internal/check"
	"github.com/shopbridge/shopbridge/settingsync"
	"github.com/shopbridge/shopbridge/shopgate"
)

//go:embed templates/*.html static/panel.css
var assets embed.FS

// Config configures the panel. BasePath, DB and one of Authorize or
// AuthMiddleware are required; Shopgate and DropHero pages appear when
// their part is set.
type Config struct {
	// BasePath is the URL path of the group Mount is given (e.g. "/admin");
	// links and the CSRF cookie are scoped to it.
	BasePath string
	// Authorize authenticates a request and returns the merchant's name;
	// ok=false answers 401 (with WWW-Authenticate: Basic when Realm is set).
	Authorize func(c echo.Context) (user string, ok bool)
	// AuthMiddleware is the host's own authentication middleware, used
	// instead of Authorize.
	AuthMiddleware echo.MiddlewareFunc
	// Realm of the Basic challenge sent with a 401 from Authorize; "" sends none.
	Realm string

	// DB holds shopbridge's tables (outbox, orders, DropHero).
	DB *gorm.DB
	// Status feeds the Overview; default a StatusSource over DB's tables.
	Status StatusSource
	// RetryJob moves a dead outbox job back to pending; default an update of
	// the outbox table on DB.
	RetryJob func(ctx context.Context, id uint64) error
	// ConnectionCheck runs Shopgate's connection checklist against the shop
	// (usually check.Run with the shop's own Plugin API URL and
	// credentials); when set, the Overview offers a "Run connection check"
	// button that shows the report. Optional.
	ConnectionCheck func(ctx context.Context) (check.Report, error)
	// ConnectionCheckTimeout bounds one run of ConnectionCheck. Default 60 s.
	ConnectionCheckTimeout time.Duration
	// SettingsSync reports the shared-settings watcher of this process
	// (settingsync.Watcher.State); when set, the Overview shows whether
	// changes made on other servers arrive at once, by the periodic check
	// only, or failed to apply (docs/operations.md#settings-watcher-state).
	// Optional.
	SettingsSync func() settingsync.State

	// Shopgate is the Plugin API handler whose settings the Shopgate page
	// shows and changes; nil hides the page.
	Shopgate *pluginapi.Handler
	// ShopNumber selects the shop of Shopgate ("" = the only one).
	ShopNumber string
	// MerchantClient adjusts the Merchant API client the "test connection"
	// button builds from the live settings (e.g. a logger). Optional.
	MerchantClient func(cc *shopgate.ClientConfig)

	// DropHero is the DropHero integration; nil hides the page.
	DropHero *dropship.Service
	// Products names host products for the DropHero page: name and link of
	// each product id. Optional (ids are shown then).
	Products func(ctx context.Context, ids []string) (map[string]Product, error)
	// Orders describes host orders for the DropHero and Orders pages by
	// their host order numbers (DropHero's idordershop, Shopgate's
	// host_order_number): paid or not and a link. Optional.
	Orders func(ctx context.Context, numbers []string) (map[string]HostOrder, error)
	// MarkPaid marks the host order with this number paid (e.g. a
	// prepayment received); the Orders page offers it for DropHero orders
	// waiting for their payment when set.
	MarkPaid func(ctx context.Context, number string) error

	// Messages override texts of English by key (e.g. a translation).
	Messages map[string]string
	// Logger receives errors of actions. Default: none.
	Logger *zap.Logger
	// Now is the clock (tests). Default time.Now.
	Now func() time.Time
}

// Product is a host product as the DropHero page links it.
type Product struct {
	Name string
	URL  string
}

// HostOrder is what the panel shows of a host order.
type HostOrder struct {
	Number string
	Paid   bool
	URL    string
}

// Handler is the mounted control panel.
type Handler struct {
	cfg   Config
	msg   map[string]string
	pages map[string]*template.Template
	css   []byte
	auth  echo.MiddlewareFunc
	csrf  echo.MiddlewareFunc
}

// Errors of New.
var (
	ErrNoAuthorizer = errors.New("panel: Config.Authorize or Config.AuthMiddleware is required; the panel is never mounted open")
	ErrNoDB         = errors.New("panel: Config.DB is required")
)

// New validates cfg and parses the templates.
func New(cfg Config) (*Handler, error) {
	if cfg.Authorize == nil && cfg.AuthMiddleware == nil {
		return nil, ErrNoAuthorizer
	}
	if cfg.DB == nil {
		return nil, ErrNoDB
	}
	if cfg.BasePath == "" || !strings.HasPrefix(cfg.BasePath, "/") || (len(cfg.BasePath) > 1 && strings.HasSuffix(cfg.BasePath, "/")) {
		return nil, fmt.Errorf("panel: BasePath %q must start with / and not end with one", cfg.BasePath)
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Status == nil {
		cfg.Status = DBStatus{DB: cfg.DB}
	}
	if cfg.RetryJob == nil {
		cfg.RetryJob = DBStatus{DB: cfg.DB}.Retry
	}
	if cfg.ConnectionCheckTimeout <= 0 {
		cfg.ConnectionCheckTimeout = defaultCheckTimeout
	}
	h := &Handler{cfg: cfg, msg: map[string]string{}}
	for k, v := range English {
		h.msg[k] = v
	}
	for k, v := range cfg.Messages {
		if _, ok := English[k]; !ok {
			return nil, fmt.Errorf("panel: unknown message key %q", k)
		}
		h.msg[k] = v
	}
	var err error
	if h.css, err = assets.ReadFile("static/panel.css"); err != nil {
		return nil, err
	}
	if err := h.parse(); err != nil {
		return nil, err
	}
	h.auth = cfg.AuthMiddleware
	if h.auth == nil {
		h.auth = h.authorize
	}
	cookiePath := cfg.BasePath
	if cookiePath != "/" {
		cookiePath += "/"
	}
	var csrf echo.MiddlewareFunc
	csrf, err = middleware.CSRFConfig{
		TokenLookup:    "form:" + csrfField,
		CookieName:     "shopbridge_panel_csrf",
		CookiePath:     cookiePath,
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteStrictMode,
		ContextKey:     csrfContextKey,
		// Every refusal is a 403, also a missing token (Echo says 400).
		ErrorHandler: func(error, echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden, "invalid or missing CSRF token")
		},
	}.ToMiddleware()
	if err != nil {
		return nil, err
	}
	h.csrf = func(next echo.HandlerFunc) echo.HandlerFunc {
		inner := csrf(next)
		return func(c echo.Context) error {
			// Pages always get a real token cookie: Echo skips it for
			// requests with Fetch Metadata, and safe requests need no
			// Sec-Fetch-Site check. POSTs are checked by both.
			switch c.Request().Method {
			case http.MethodGet, http.MethodHead:
				c.Request().Header.Del(echo.HeaderSecFetchSite)
			}
			return inner(c)
		}
	}
	return h, nil
}

const (
	csrfField      = "_csrf"
	csrfContextKey = "shopbridge_panel_csrf"
	userContextKey = "shopbridge_panel_user"
)

// Mount registers the pages on g, which must be served at Config.BasePath.
// Every route is behind the authorizer, then the CSRF check.
func (h *Handler) Mount(g *echo.Group) {
	mw := []echo.MiddlewareFunc{h.auth, h.csrf, noStore}
	g.GET("/panel.css", h.stylesheet, mw...)
	g.GET("", h.overview, mw...)
	g.GET("/", h.overview, mw...)
	g.POST("/outbox/:id/retry", h.retry, mw...)
	g.POST("/check", h.runCheck, mw...)
	g.GET("/shopgate", h.shopgatePage, mw...)
	g.POST("/shopgate", h.shopgateSave, mw...)
	g.POST("/shopgate/test", h.shopgateTest, mw...)
	g.GET("/drophero", h.dropheroPage, mw...)
	g.POST("/drophero/keys", h.dhKeys, mw...)
	g.POST("/drophero/autosubmit", h.dhAutoSubmit, mw...)
	g.POST("/drophero/sync", h.dhSync, mw...)
	g.POST("/drophero/orders/:id/confirm", h.dhConfirm, mw...)
	g.POST("/drophero/conflicts/:iditem", h.dhResolve, mw...)
	g.POST("/drophero/disable", h.dhDisable, mw...)
	g.GET("/orders", h.ordersPage, mw...)
	g.POST("/orders/:id/paid", h.markPaid, mw...)
}

// Paths lists the GET pages of the panel relative to BasePath (tests,
// documentation).
func (h *Handler) Paths() []string {
	return []string{"/", "/shopgate", "/drophero", "/orders", "/panel.css"}
}

// authorize wraps Config.Authorize as middleware.
func (h *Handler) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, ok := h.cfg.Authorize(c)
		if !ok {
			if h.cfg.Realm != "" {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Basic realm=`+fmt.Sprintf("%q", h.cfg.Realm))
			}
			return echo.NewHTTPError(http.StatusUnauthorized, "log in to use the control panel")
		}
		c.Set(userContextKey, user)
		return next(c)
	}
}

// noStore keeps panel pages out of caches.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		c.Response().Header().Set("X-Frame-Options", "DENY")
		c.Response().Header().Set("Referrer-Policy", "same-origin")
		return next(c)
	}
}

func (h *Handler) stylesheet(c echo.Context) error {
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", h.css)
}

// T returns the text of key (the key itself when unknown).
func (h *Handler) T(key string) string {
	if s, ok := h.msg[key]; ok {
		return s
	}
	return key
}

func (h *Handler) parse() error {
	funcs := template.FuncMap{
		"t":    h.T,
		"tf":   func(key string, args ...any) string { return fmt.Sprintf(h.T(key), args...) },
		"when": h.when,
		"dur":  func(d time.Duration) string { return d.Round(time.Millisecond).String() },
		"path": func(p string) string { return h.path(p) },
	}
	h.pages = map[string]*template.Template{}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return err
	}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(assets, "templates/layout.html", n)
		if err != nil {
			return fmt.Errorf("panel: %w", err)
		}
		h.pages[base] = t
	}
	return nil
}

// path joins BasePath and p.
func (h *Handler) path(p string) string {
	if h.cfg.BasePath == "/" {
		return p
	}
	return h.cfg.BasePath + p
}

// when renders a time in plain words ("never", "3 minutes ago (… UTC)").
func (h *Handler) when(t any) string {
	var at time.Time
	switch x := t.(type) {
	case time.Time:
		at = x
	case *time.Time:
		if x == nil {
			return h.T("never")
		}
		at = *x
	default:
		return h.T("never")
	}
	if at.IsZero() {
		return h.T("never")
	}
	d := h.cfg.Now().Sub(at)
	var ago string
	switch {
	case d < time.Minute:
		ago = h.T("just_now")
	case d < time.Hour:
		ago = fmt.Sprintf(h.T("minutes_ago"), int(d.Minutes()))
	case d < 48*time.Hour:
		ago = fmt.Sprintf(h.T("hours_ago"), int(d.Hours()))
	default:
		ago = fmt.Sprintf(h.T("days_ago"), int(d.Hours()/24))
	}
	return ago + " (" + at.UTC().Format("2006-01-02 15:04 UTC") + ")"
}

// page is the data every page template gets.
type page struct {
	Title    string
	Active   string
	CSRF     string
	User     string
	Message  string
	Error    string
	Refresh  int // seconds; 0 = no self-refresh
	Shopgate bool
	DropHero bool
	Data     any
}

// render executes the page template name.
func (h *Handler) render(c echo.Context, name, active string, data any) error {
	return h.renderPage(c, name, active, 0, data)
}

func (h *Handler) renderPage(c echo.Context, name, active string, refresh int, data any) error {
	t, ok := h.pages[name]
	if !ok {
		return fmt.Errorf("panel: no template %q", name)
	}
	p := page{Title: h.T("title_" + active), Active: active, CSRF: csrfToken(c), Message: flash(c.QueryParam("msg")),
		Error: flash(c.QueryParam("err")), Refresh: refresh, Shopgate: h.cfg.Shopgate != nil, DropHero: h.cfg.DropHero != nil, Data: data}
	p.User, _ = c.Get(userContextKey).(string)
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", p); err != nil {
		return fmt.Errorf("panel: render %s: %w", name, err)
	}
	return c.HTMLBlob(http.StatusOK, b.Bytes())
}

// csrfToken is the token the forms carry.
func csrfToken(c echo.Context) string {
	s, _ := c.Get(csrfContextKey).(string)
	return s
}

// flash limits a message from the query string.
func flash(s string) string {
	if !utf8.ValidString(s) {
		return ""
	}
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}

// back redirects to a panel page with a message, or with the error's text.
func (h *Handler) back(c echo.Context, p, msg string, err error) error {
	q := url.Values{}
	if err != nil {
		h.cfg.Logger.Warn("control panel action failed", zap.String("path", c.Path()), zap.Error(err))
		q.Set("err", err.Error())
	} else {
		q.Set("msg", msg)
	}
	return c.Redirect(http.StatusSeeOther, h.path(p)+"?"+q.Encode())
}

// confirmed reports whether the form's confirmation checkbox is ticked.
func confirmed(c echo.Context) bool { return c.FormValue("confirm") == "yes" }

// errConfirm is returned when a destructive action lacks its confirmation.
func (h *Handler) errConfirm() error { return errors.New(h.T("confirm_missing")) }

// CSRFField is the form field that carries the CSRF token.
const CSRFField = csrfField

// Protect returns the panel's authorizer and CSRF check, for the host's own
// admin pages mounted under BasePath beside the panel: they then share the
// login and the token (CSRFToken).
func (h *Handler) Protect() []echo.MiddlewareFunc {
	return []echo.MiddlewareFunc{h.auth, h.csrf, noStore}
}

// CSRFToken returns the token the forms of a page behind Protect must carry
// in the field CSRFField.
func CSRFToken(c echo.Context) string { return csrfToken(c) }
