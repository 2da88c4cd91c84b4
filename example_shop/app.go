package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
	"github.com/shopbridge/shopbridge/adapters/pglogs"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/handlers/health"
	"github.com/shopbridge/shopbridge/metrics"
	"github.com/shopbridge/shopbridge/status"
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
	// Pprof mounts the Go profiles under /admin/debug/pprof/, behind the
	// admin login (pprof.go). main sets it when SHOPBRIDGE_PPROF=1.
	Pprof bool
	// TrustedProxies are the CIDR ranges of the reverse proxies / load
	// balancers in front of the shop. Only their X-Forwarded-For is
	// believed for the client IP; empty means the shop is reached directly
	// and the connection's address is used. The client IP is what the
	// Plugin API logs and what any per-address throttling keys on: without
	// an extractor, Echo trusts X-Real-IP/X-Forwarded-For from anyone.
	TrustedProxies []string
	// KeyFile is the file holding the key that encrypts the stored DropHero
	// keys when SHOPBRIDGE_SECRET_KEY is not set; created 0600 on first
	// use. Default: shopbridge-secret.key in DataDir (main passes a path
	// outside the working tree, see defaultKeyFile).
	KeyFile string
	// Timeouts of the HTTP server; zero fields take DefaultTimeouts.
	Timeouts Timeouts
	// AdminPassword of the control panel (user admin); default
	// SHOP_ADMIN_PASSWORD (panel.go).
	AdminPassword string
	// PluginLogs says where the Plugin API logs are kept: PluginLogsAuto
	// (default: PostgreSQL when the database is, else files),
	// PluginLogsFiles or PluginLogsPostgres (pluginlogs.go).
	PluginLogs string
	// Instance tags this process's lines in shared logs; default
	// "<hostname>:<pid>".
	Instance string
	// Shutdown says how the shop stops on SIGTERM/SIGINT; zero fields take
	// DefaultShutdown.
	Shutdown Shutdown
}

// Shutdown are the graceful-shutdown timings
// (docs/operations.md#graceful-shutdown).
type Shutdown struct {
	// Delay keeps accepting requests this long after the signal while
	// /readyz already answers 503, for load balancers that only notice a
	// draining server through its health check (env SHOP_SHUTDOWN_DELAY).
	// Zero (the default): the listener closes at once.
	Delay time.Duration
	// Timeout bounds how long in-flight requests (catalogue exports
	// included) and running outbox jobs may take to finish after the
	// listener closed (env SHOP_SHUTDOWN_TIMEOUT). What still runs then is
	// cut off and its outbox jobs are released for another process.
	Timeout time.Duration
}

// DefaultShutdown: 25 s for in-flight work, below the 30 s a process
// manager such as Kubernetes or systemd waits before SIGKILL.
var DefaultShutdown = Shutdown{Timeout: 25 * time.Second}

// Timeouts are the HTTP server's timeouts.
type Timeouts struct {
	// ReadHeader bounds reading the request headers.
	ReadHeader time.Duration
	// Read bounds reading the whole request, body included: a client
	// sending its body at 1 byte/s is cut off.
	Read time.Duration
	// Idle bounds how long a keep-alive connection waits for the next
	// request.
	Idle time.Duration
}

// DefaultTimeouts are the server timeouts unless Config.Timeouts says
// otherwise. There is no write timeout: catalogue exports stream for
// minutes.
var DefaultTimeouts = Timeouts{ReadHeader: 10 * time.Second, Read: 60 * time.Second, Idle: 120 * time.Second}

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
	// pprof mounts the profile endpoint (pprof.go).
	pprof bool
	// catalog is the catalogue export (catalog.go); its cached counts
	// answer ping's shop_info.
	catalog *gormcatalog.Source
	// admin is the control panel (panel.go); adminPassword its configured password.
	admin         *adminPanel
	adminPassword string
	// dropHeroFake configures the fake DropHero of demo mode (drophero.go).
	dropHeroFake []dropherotest.Option

	orderHooks       []OrderHook
	checkoutSections []CheckoutSection

	keyFile  string
	timeouts Timeouts
	metrics  *metrics.Metrics
	status   *status.Service

	// cipher encrypts stored credentials (secretBox).
	cipherOnce sync.Once
	cipher     *dropship.Cipher
	cipherErr  error

	// workers are the outbox workers readiness checks (watchWorker).
	workers map[string]health.Runner

	shutdown Shutdown

	mu         sync.Mutex
	background []func(ctx context.Context)
	closers    []func()

	// pluginLogs and instance are Config.PluginLogs and Config.Instance;
	// pluginLogStore is the shared log store, nil with files (pluginlogs.go).
	pluginLogs, instance string
	pluginLogStore       *pglogs.Store
	// stoppers run when a graceful shutdown starts (OnShutdown).
	stoppers []func(ctx context.Context) error
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
		pluginLogs:    cfg.PluginLogs,
		instance:      cfg.Instance,
		adminPassword: cfg.AdminPassword,
		pprof:         cfg.Pprof,
		keyFile:       cfg.KeyFile,
		timeouts:      cfg.Timeouts,
		shutdown:      cfg.Shutdown,
	}
	if a.shutdown.Timeout <= 0 {
		a.shutdown.Timeout = DefaultShutdown.Timeout
	}
	if a.keyFile == "" {
		a.keyFile = filepath.Join(a.DataDir, "shopbridge-secret.key")
	}
	if a.timeouts.ReadHeader <= 0 {
		a.timeouts.ReadHeader = DefaultTimeouts.ReadHeader
	}
	if a.timeouts.Read <= 0 {
		a.timeouts.Read = DefaultTimeouts.Read
	}
	if a.timeouts.Idle <= 0 {
		a.timeouts.Idle = DefaultTimeouts.Idle
	}
	// One migration lock for the shop's tables and shopbridge's
	// (docs/operations.md#migration-lock): both run on the locked session.
	if err := gormmodels.WithMigrationLock(db, func(tx *gorm.DB) error {
		if err := migrateShop(tx); err != nil {
			return fmt.Errorf("migrate shop tables: %w", err)
		}
		if err := gormmodels.Migrate(tx); err != nil {
			return fmt.Errorf("migrate shopbridge tables: %w", err)
		}
		return nil
	}); err != nil {
		return nil, err
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
	ipExtractor, err := clientIPExtractor(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	tpl, err := parseTemplates(templateFS)
	if err != nil {
		return nil, err
	}
	a.templates = tpl
	if a.metrics, err = metrics.New(metrics.Config{DB: db}); err != nil {
		return nil, err
	}
	if a.status, err = status.New(status.Config{DB: db, Logger: a.Log}); err != nil {
		return nil, err
	}
	a.OnClose(func() { a.status.Close() })
	a.Echo = a.newEcho()
	a.Echo.IPExtractor = ipExtractor
	a.routes()
	a.Background(a.pruneSessionsLoop)
	if err := a.setupIntegrations(); err != nil {
		return nil, fmt.Errorf("set up integrations: %w", err)
	}
	return a, nil
}

// clientIPExtractor returns how the client IP is found: the connection's
// address without trusted proxies, otherwise the X-Forwarded-For chain
// trusted only for the given ranges (nothing trusted implicitly, loopback
// and private networks included).
func clientIPExtractor(trusted []string) (echo.IPExtractor, error) {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect(), nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, c := range trusted {
		_, n, err := net.ParseCIDR(strings.TrimSpace(c))
		if err != nil {
			return nil, fmt.Errorf("trusted proxy range %q: %w", c, err)
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), nil
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
	// Pages answer HEAD too, so that the mobile redirect (which handles
	// GET and HEAD) works for HEAD requests.
	for _, r := range []struct {
		path string
		h    echo.HandlerFunc
	}{{"/", a.home}, {"/category/:id", a.category}, {"/product/:id", a.product}, {"/search", a.search}} {
		e.GET(r.path, r.h)
		e.HEAD(r.path, r.h)
	}
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

// OnShutdown registers f to run as soon as a graceful shutdown starts,
// alongside the HTTP drain, with a context ending at the shutdown deadline:
// readiness turns to draining, outbox workers stop claiming, finish their
// running job and release the rest (docs/operations.md#graceful-shutdown).
func (a *App) OnShutdown(f func(ctx context.Context) error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stoppers = append(a.stoppers, f)
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
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return a.ServeListener(ctx, ln)
}

// ServeListener is Serve on a bound listener; it logs the start-up banner
// with every URL, so "listening" is only ever logged after the bind
// succeeded.
func (a *App) ServeListener(ctx context.Context, ln net.Listener) error {
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
		Handler:           a.Echo,
		ReadHeaderTimeout: a.timeouts.ReadHeader,
		ReadTimeout:       a.timeouts.Read,
		IdleTimeout:       a.timeouts.Idle,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.banner(ln.Addr().String())

	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		err = a.gracefulShutdown(srv)
	}
	cancel()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// gracefulShutdown drains the shop after SIGTERM/SIGINT
// (docs/operations.md#graceful-shutdown): the OnShutdown hooks start at
// once (readiness answers 503, outbox workers stop claiming and release
// their unstarted jobs); after Shutdown.Delay the listener closes and
// in-flight requests may finish until Shutdown.Timeout, then the rest is cut
// off. The background tasks (keyword refresher, pollers) are stopped by the
// caller afterwards.
func (a *App) gracefulShutdown(srv *http.Server) error {
	start := time.Now()
	a.Log.Info("shutting down: draining", zap.Duration("delay", a.shutdown.Delay), zap.Duration("timeout", a.shutdown.Timeout))
	sctx, scancel := context.WithTimeout(context.Background(), a.shutdown.Delay+a.shutdown.Timeout)
	defer scancel()
	a.mu.Lock()
	stoppers := append([]func(context.Context) error(nil), a.stoppers...)
	a.mu.Unlock()
	var hooks sync.WaitGroup
	for _, f := range stoppers {
		hooks.Add(1)
		go func() {
			defer hooks.Done()
			if err := f(sctx); err != nil {
				a.Log.Warn("shutdown: a component did not stop in time", zap.Error(err))
			}
		}()
	}
	if a.shutdown.Delay > 0 {
		time.Sleep(a.shutdown.Delay)
	}
	err := srv.Shutdown(sctx)
	if err != nil {
		a.Log.Warn("shutdown: deadline passed, closing the remaining connections", zap.Error(err))
		err = srv.Close()
	}
	hooks.Wait()
	a.Log.Info("shutdown: drained", zap.Duration("took", time.Since(start)))
	return err
}

// banner logs once, after the bind, every URL a person starting the shop
// needs. It names where secrets are, never a secret.
func (a *App) banner(addr string) {
	u := a.PublicURL
	fields := []zap.Field{
		zap.String("addr", addr), zap.Bool("demo", a.Demo),
		zap.String("storefront", u+"/"),
		zap.String("admin", u+"/admin/orders"),
		zap.String("drophero_admin", u+"/admin/drophero"),
		zap.String("plugin_api", u+"/shopgate/api"),
		zap.String("health", u+"/healthz"),
		zap.String("readiness", u+"/readyz"),
		zap.String("metrics", u+"/metrics"),
	}
	if a.Demo {
		fields = append(fields,
			zap.String("demo_customer_login", demoEmail+" / "+demoPassword),
			zap.String("admin_login", "user admin, password SHOP_ADMIN_PASSWORD (demo without it: open, loopback only)"),
			zap.String("plugin_api_credentials", "customer "+demoCustomerNumber+", shop "+demoShopNumber+", API key: see README"))
	}
	a.Log.Info("shop is listening", fields...)
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
