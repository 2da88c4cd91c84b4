package main

import (
	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/handlers/health"
	"github.com/shopbridge/shopbridge/outbox"
)

// setupIntegrations connects the shop to shopbridge. Each integration lives
// in its own file of this package and is switched on by one line here.
//
// Order matters: setupShopgate creates the Merchant API client and the
// Plugin API configuration; the integrations between it and
// mountPluginAPI add their adapters to that configuration; the Plugin API
// is built and mounted last.
func (a *App) setupIntegrations() error {
	steps := []func() error{
		a.setupShopgate,
		a.setupAdmin,
		// Integrations that add Plugin API adapters go here.
		a.setupOrders,
		a.setupCatalog,
		a.setupShopgateCart,
		a.setupCustomers,
		a.mountPluginAPI,
		// Integrations that only need the finished Plugin API go here.
		a.setupDropHero,
		a.setupMobileRedirect,
		a.setupPprof,
		a.setupOperations,
		a.mountPanel,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// setupOperations mounts the probes and the metrics
// (docs/architecture.md#operations):
//
//	GET /healthz   liveness, open (load balancers call it)
//	GET /readyz    readiness: database and every outbox worker, open
//	GET /metrics   Prometheus metrics, behind the admin login (HTTP Basic,
//	               user admin, password SHOP_ADMIN_PASSWORD), like the
//	               admin pages: the figures describe the business. In demo
//	               mode without a password the shop listens on 127.0.0.1.
func (a *App) setupOperations() error {
	h, err := health.New(health.Config{DB: a.DB, Workers: a.workers})
	if err != nil {
		return err
	}
	h.Mount(a.Echo.Group(""))
	a.OnShutdown(h.Shutdown) // readiness answers 503 while draining
	guard := a.admin.basicAuth
	scrape := echo.WrapHandler(a.metrics.Handler())
	a.Echo.GET("/metrics", scrape, guard)
	a.Echo.HEAD("/metrics", scrape, guard)
	return nil
}

// watchWorker adds an outbox worker to the readiness check and to the
// graceful shutdown (docs/operations.md#graceful-shutdown).
func (a *App) watchWorker(name string, w *outbox.Worker) {
	if a.workers == nil {
		a.workers = map[string]health.Runner{}
	}
	a.workers[name] = w
	a.OnShutdown(w.Shutdown)
}
