package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/shopbridge/shopbridge/adapters/gormorders"
	"github.com/shopbridge/shopbridge/orders"
	"github.com/shopbridge/shopbridge/outbox"
)

// shopOrderHost maps the order import onto the shop's tables. The
// catalogue exports product ids as item numbers (catalog.go), so numeric
// item numbers match ids first; article numbers still match.
func shopOrderHost() (*gormorders.Store, error) {
	return gormorders.New(gormorders.Config{
		MatchProductID: true,
		PaymentMethods: []string{PaymentPrepayment, PaymentInvoice},
	})
}

// setupOrders imports Shopgate orders (add_order, update_order and the
// cron jobs), runs the outbox worker that reports shipments and
// cancellations back to Shopgate, and mounts the admin order page.
func (a *App) setupOrders() error {
	host, err := shopOrderHost()
	if err != nil {
		return err
	}
	svc, err := orders.New(orders.Config{
		DB:       a.DB,
		Host:     host,
		Merchant: orders.SingleMerchant(a.sg.Client),
		PaymentMethods: map[string]string{
			"PREPAY": PaymentPrepayment, "SG_PREPAY": PaymentPrepayment, "INVOICE": PaymentInvoice,
		},
		PaymentGroups: map[string]string{"PREPAY": PaymentPrepayment, "INVOICE": PaymentInvoice},
		Logger:        a.Log.Named("orders"),
	})
	if err != nil {
		return err
	}
	a.sg.Plugin.Orders = svc
	if a.sg.Plugin.Cron == nil {
		a.sg.Plugin.Cron = svc
	}

	wcfg := orders.WorkerConfig(a.DB, a.Log.Named("outbox"))
	if a.Demo {
		// The fake answers at once; short pauses keep the demo lively.
		wcfg.BaseBackoff, wcfg.MaxBackoff = 5*time.Second, time.Minute
	}
	if err := applyOutboxLease(&wcfg, os.Getenv); err != nil {
		return err
	}
	w, err := outbox.New(wcfg)
	if err != nil {
		return err
	}
	svc.Register(w)
	a.watchWorker("order worker", w)
	a.Background(func(ctx context.Context) { _ = w.Run(ctx) })

	adm := &orderAdmin{a: a, svc: svc}
	g := a.admin.shop.Group("/orders")
	g.GET("", adm.list)
	g.POST("/:id/ship", adm.ship)
	g.POST("/:id/cancel", adm.cancel)
	g.POST("/demo", adm.demoOrder)
	g.POST("/:id/demo-pay", adm.demoPay)
	return nil
}

// applyOutboxLease sets the outbox lease of a worker from
// SHOPBRIDGE_OUTBOX_LEASE (a Go duration, at least 20s): how long a job
// claimed by a process that died stays unclaimable before another process
// takes it over (docs/architecture.md#replica-harness). Unset: the
// outbox default (5 minutes).
func applyOutboxLease(cfg *outbox.Config, getenv func(string) string) error {
	v := getenv("SHOPBRIDGE_OUTBOX_LEASE")
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 20*time.Second {
		return fmt.Errorf("SHOPBRIDGE_OUTBOX_LEASE %q: want a duration of at least 20s", v)
	}
	cfg.LeaseTimeout = d
	return nil
}
