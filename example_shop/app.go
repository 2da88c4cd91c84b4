package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/gormmodels"
)

//go:embed templates/*.html
var templateFS embed.FS

// Config configures NewApp.
type Config struct {
	// Log receives the shop's logs. Default: a no-op logger.
	Log *zap.Logger
	// Demo runs the integrations against built-in fakes instead of the real
	// services. main sets it unless SHOPGATE_CUSTOMER_NUMBER is set.
	Demo bool
	// PublicURL is the absolute URL of the shop, without trailing slash,
	// used for links handed to other systems. Default http://localhost:8080.
	PublicURL string
	// DataDir holds files the shop writes (logs, caches). Default ".".
	DataDir string
	// SeedDemo seeds the demo catalogue when the database has no products.
	SeedDemo bool
	// DropHeroFake configures the in-process fake DropHero of demo mode
	// (tests switch its rate limit off).
	DropHeroFake []dropherotest.Option
	// AdminPassword of the control panel (user admin); default
	// SHOP_ADMIN_PASSWORD (panel.go).
	AdminPassword string
}

// App is the example shop: its database, its web server and its pages.
// Integration files of this package extend it from setupIntegrations.
type App struct {
	DB        *gorm.DB
	Echo      *echo.Echo
	Log       *zap.Logger
	Demo      bool
	PublicURL string
	DataDir   string

	templates map[string]*template.Template

	// sg is the Shopgate integration (shopgate.go).
	sg *shopgateState
	// admin is the control panel (panel.go); adminPassword its configured password.
	admin         *adminPanel
	adminPassword string
	// dropHeroFake configures the fake DropHero of demo mode (drophero.go).
	dropHeroFake []dropherotest.Option

	orderHooks       []OrderHook
	checkoutSections []CheckoutSection

	mu         sync.Mutex
	background []func(ctx context.Context)
	closers    []func()
}

// NewApp migrates db (the shop's tables and shopbridge's), seeds the demo
// catalogue when asked and the shop is empty, and builds the web server
// with the storefront and every integration.
func NewApp(db *gorm.DB, cfg Config) (*App, error) {
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://localhost:8080"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "."
	}
	a := &App{
		DB:        db,
		Log:       cfg.Log,
		Demo:      cfg.Demo,
		PublicURL: strings.TrimRight(cfg.PublicURL, "/"),
		DataDir:   cfg.DataDir,

		dropHeroFake:  cfg.DropHeroFake,
		adminPassword: cfg.AdminPassword,
	}
	if err := migrateShop(db); err != nil {
		return nil, fmt.Errorf("migrate shop tables: %w", err)
	}
	if err := gormmodels.Migrate(db); err != nil {
		return nil, fmt.Errorf("migrate shopbridge tables: %w", err)
	}
	if cfg.SeedDemo {
		seeded, err := SeedDemo(db)
		if err != nil {
			return nil, fmt.Errorf("seed demo catalogue: %w", err)
		}
		if seeded {
			a.Log.Info("seeded demo catalogue", zap.String("customer", demoEmail))
		}
	}
	tpl, err := parseTemplates(templateFS)
	if err != nil {
		return nil, err
	}
	a.templates = tpl
	a.Echo = a.newEcho()
	a.routes()
	a.Background(a.pruneSessionsLoop)
	if err := a.setupIntegrations(); err != nil {
		return nil, fmt.Errorf("set up integrations: %w", err)
	}
	return a, nil
}

// newEcho builds the web server with recovery, request logs and HTML error
// pages.
func (a *App) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Use(middleware.Recover())
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod:   true,
		LogURIPath:  true,
		LogStatus:   true,
		LogLatency:  true,
		LogError:    true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			// The path only: query strings may carry tokens or search terms.
			// Routes with a secret in the path (DropHero's callback URLs)
			// are logged by their pattern.
			path := v.URIPath
			if strings.Contains(c.Path(), ":token") {
				path = c.Path()
			}
			fields := []zap.Field{
				zap.String("method", v.Method), zap.String("path", path),
				zap.Int("status", v.Status), zap.Duration("latency", v.Latency),
			}
			if v.Error != nil {
				fields = append(fields, zap.Error(v.Error))
			}
			a.Log.Debug("request", fields...)
			return nil
		},
	}))
	e.HTTPErrorHandler = a.httpError
	return e
}

// routes mounts the storefront.
func (a *App) routes() {
	e := a.Echo
	e.GET("/", a.home)
	e.GET("/category/:id", a.category)
	e.GET("/product/:id", a.product)
	e.GET("/search", a.search)
	e.GET("/cart", a.cart)
	e.POST("/cart", a.cartAdd)
	e.POST("/cart/update", a.cartUpdate)
	e.GET("/checkout", a.checkout)
	e.POST("/checkout", a.checkoutPlace)
	e.GET("/order/:number", a.orderDone)
	e.GET("/login", a.loginForm)
	e.POST("/login", a.login)
	e.POST("/logout", a.logout)
	e.GET("/account", a.account)
	e.GET("/static/img/:file", a.placeholderImage)
}

// httpError renders errors as HTML pages for browsers and as echo's JSON
// for everything else.
func (a *App) httpError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	msg := "Something went wrong."
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
		if m, ok := he.Message.(string); ok {
			msg = m
		} else {
			msg = http.StatusText(code)
		}
	}
	if code >= 500 {
		a.Log.Error("request failed", zap.String("path", c.Request().URL.Path), zap.Error(err))
	}
	if !strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/html") {
		a.Echo.DefaultHTTPErrorHandler(err, c)
		return
	}
	if code >= 500 {
		msg = "Something went wrong. Please try again."
	}
	if rerr := a.renderStatus(c, code, "error.html", errorPage{Code: code, Message: msg}); rerr != nil {
		a.Log.Error("render error page", zap.Error(rerr))
	}
}

// errorPage is the data of error.html.
type errorPage struct {
	Code    int
	Message string
}

// Background registers f to run while Serve runs; f must return when ctx is
// done. Integrations use it for workers and pollers.
func (a *App) Background(f func(ctx context.Context)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.background = append(a.background, f)
}

// OnClose registers f to run when the app is closed, in reverse order.
func (a *App) OnClose(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closers = append(a.closers, f)
}

// Close releases what the app and its integrations hold, including the
// database connections.
func (a *App) Close() {
	a.mu.Lock()
	closers := a.closers
	a.closers = nil
	a.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	if sqlDB, err := a.DB.DB(); err == nil {
		sqlDB.Close()
	}
}

// Serve listens on addr until ctx is done, running the background tasks
// meanwhile, then shuts down gracefully.
func (a *App) Serve(ctx context.Context, addr string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	a.mu.Lock()
	for _, f := range a.background {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(ctx)
		}()
	}
	a.mu.Unlock()

	srv := &http.Server{
		Addr:              addr,
		Handler:           a.Echo,
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	a.Log.Info("shop is listening", zap.String("addr", addr), zap.String("url", a.PublicURL), zap.Bool("demo", a.Demo))

	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		a.Log.Info("shutting down")
		sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
		err = srv.Shutdown(sctx)
		scancel()
	}
	cancel()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// parseTemplates builds one template set per page: layout.html and every
// partial (a file whose name starts with "_") plus the page itself. Pages
// define "title" and "content"; the layout calls both with the page's data.
func parseTemplates(fsys fs.FS) (map[string]*template.Template, error) {
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	base := template.New("layout.html").Funcs(templateFuncs)
	shared := []string{"templates/layout.html"}
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			shared = append(shared, f)
		}
	}
	if base, err = base.ParseFS(fsys, shared...); err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	out := make(map[string]*template.Template)
	for _, f := range files {
		name := path.Base(f)
		if name == "layout.html" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(fsys, f); err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// view is what the layout sees: the page's own data plus the navigation.
type view struct {
	Data any
	Nav  nav
}

// nav is the shared header: categories, cart size and who is logged in.
type nav struct {
	Categories []Category
	CartCount  int
	Customer   *Customer
	Query      string
	Demo       bool
}

// render writes the page template name (a file in templates/) with data,
// wrapped in the shared layout, with status 200.
func (a *App) render(c echo.Context, name string, data any) error {
	return a.renderStatus(c, http.StatusOK, name, data)
}

// renderStatus is render with a chosen status code.
func (a *App) renderStatus(c echo.Context, code int, name string, data any) error {
	t, ok := a.templates[name]
	if !ok {
		return fmt.Errorf("render: no template %q", name)
	}
	v := view{Data: data, Nav: a.nav(c)}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout.html", v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return c.HTML(code, b.String())
}

// nav loads the header data. Failures only cost the header its details.
func (a *App) nav(c echo.Context) nav {
	n := nav{Query: c.QueryParam("q"), Demo: a.Demo}
	ctx := c.Request().Context()
	if err := a.DB.WithContext(ctx).Where("parent_id IS NULL AND active = ?", true).
		Order("sort_order, id").Limit(8).Find(&n.Categories).Error; err != nil {
		a.Log.Warn("load navigation", zap.Error(err))
	}
	s := a.currentSession(c)
	if s == nil {
		return n
	}
	var count int64
	a.DB.WithContext(ctx).Model(&CartItem{}).Where("session_token = ?", s.Token).
		Select("COALESCE(SUM(quantity), 0)").Scan(&count)
	n.CartCount = int(count)
	n.Customer = a.sessionCustomer(c, s)
	return n
}
