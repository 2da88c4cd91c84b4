package main

// The DropHero integration of the example shop, switched on in
// integrations.go. This file wires it up; drophero_checkout.go adds the
// partner shipping to the checkout and tells the integration about orders,
// drophero_host.go implements adapters.DropHeroHost on the shop's tables
// and drophero_admin.go is the merchant page.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/handlers/dropherocallback"
	"github.com/shopbridge/shopbridge/orders"
	"github.com/shopbridge/shopbridge/outbox"
)

// dropHeroState is the DropHero integration of the example shop.
type dropHeroState struct {
	a    *App
	svc  *dropship.Service
	fake *dropherotest.Server // demo mode only
}

// dropHeroOf finds the integration of an App (tests and tools).
var dropHeroOf sync.Map // *App → *dropHeroState

// dhModeKey carries the DropHero shipping mode the buyer chose from the
// checkout request to the order hook (through the transaction's context).
type dhModeKey struct{}

// dhModePrefix marks the order item that records the chosen mode.
const dhModePrefix = "drophero-mode-"

// setupDropHero connects the shop to DropHero. It reads DROPHERO_API_URL,
// DROPHERO_PUBLIC_KEY, DROPHERO_SECRET_KEY, DROPHERO_AUTO_SUBMIT and
// SHOPBRIDGE_SECRET_KEY (the key encrypting the stored DropHero keys;
// required against the real DropHero outside demo mode, otherwise a 0600
// key file in the data directory is generated). Without an API URL and keys
// it runs against an in-process fake DropHero with the fake's keys in demo
// mode, and is off outside demo mode.
func (a *App) setupDropHero() error {
	st := &dropHeroState{a: a}
	apiURL := os.Getenv("DROPHERO_API_URL")
	pub, sec := os.Getenv("DROPHERO_PUBLIC_KEY"), os.Getenv("DROPHERO_SECRET_KEY")
	demo := apiURL == "" && pub == ""
	if demo && !a.Demo {
		// Outside demo mode no fake is ever started: a real shop without
		// DropHero settings simply runs without the integration.
		a.Log.Info("DropHero is off: set DROPHERO_API_URL, DROPHERO_PUBLIC_KEY and DROPHERO_SECRET_KEY to connect it")
		return nil
	}
	if !demo && os.Getenv("SHOPBRIDGE_SECRET_KEY") == "" && !a.Demo {
		return errors.New("drophero: set SHOPBRIDGE_SECRET_KEY (32 bytes, hex or base64) to store DropHero keys encrypted")
	}
	ciph, err := a.secretBox()
	if err != nil {
		return err
	}
	if demo {
		st.fake = dropherotest.NewServer(append([]dropherotest.Option{demoDropHeroSeed(a.PublicURL)}, a.dropHeroFake...)...)
		a.OnClose(st.fake.Close)
		apiURL = st.fake.BaseURL()
		pub, sec = dropherotest.DefaultPublicKey, dropherotest.DefaultSecretKey
		a.Log.Info("DropHero runs against the in-process fake", zap.String("url", apiURL))
	}
	dropHeroOf.Store(a, st)
	a.OnClose(func() { dropHeroOf.Delete(a) })
	publicURL := os.Getenv("PUBLIC_URL")
	if publicURL == "" {
		publicURL = a.PublicURL
	}
	svc, err := dropship.New(dropship.Config{
		DB: a.DB, Host: &dhHost{a: a}, Cipher: ciph, BaseURL: apiURL, PublicURL: publicURL,
		Logger:  a.Log,
		Observe: a.metrics.DropHero, GateWait: a.metrics.DropHeroGateWait, GateRefused: a.metrics.DropHeroGateRefused,
		OnProgress: a.status.ReportProgress,
	})
	if err != nil {
		return err
	}
	st.svc = svc
	ctx := context.Background()
	if pub != "" && sec != "" {
		same, err := svc.KeysEqual(ctx, pub, sec)
		if err != nil {
			return err
		}
		if !same {
			if err := svc.SaveKeys(ctx, pub, sec); err != nil {
				return err
			}
		}
	}
	if v := os.Getenv("DROPHERO_AUTO_SUBMIT"); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("DROPHERO_AUTO_SUBMIT: %w", err)
		}
		if err := svc.SetAutoSubmit(ctx, on); err != nil {
			return err
		}
	}

	wcfg := dropship.WorkerConfig(a.DB, a.Log.Named("drophero-outbox"))
	if err := applyOutboxLease(&wcfg, os.Getenv); err != nil {
		return err
	}
	w, err := outbox.New(wcfg)
	if err != nil {
		return err
	}
	svc.Register(w)
	a.watchWorker("drophero worker", w)
	a.Background(func(ctx context.Context) { _ = w.Run(ctx) })

	// Callbacks: outside sessions and CSRF (the storefront has neither on
	// them), under the service's callback prefix.
	callbacks, err := dropherocallback.New(dropherocallback.Config{Service: svc, Logger: a.Log.Named("drophero")})
	if err != nil {
		return err
	}
	callbacks.Mount(a.Echo.Group(""))

	// Category changes go to DropHero through the outbox, in the same transaction.
	cb := func(db *gorm.DB) {
		if db.Error == nil && db.Statement.Table == (Category{}).TableName() {
			if err := svc.CategoriesChanged(db.Session(&gorm.Session{NewDB: true})); err != nil {
				db.AddError(err)
			}
		}
	}
	a.DB.Callback().Create().After("gorm:create").Register("drophero:categories_create", cb)
	a.DB.Callback().Update().After("gorm:update").Register("drophero:categories_update", cb)
	a.DB.Callback().Delete().After("gorm:delete").Register("drophero:categories_delete", cb)
	// A paid order waiting for payment is submitted when auto-submit is on.
	a.DB.Callback().Update().After("gorm:update").Register("drophero:order_paid", func(db *gorm.DB) {
		if db.Error == nil && db.Statement.Table == (Order{}).TableName() {
			if err := st.ordersPaid(db.Session(&gorm.Session{NewDB: true})); err != nil {
				db.AddError(err)
			}
		}
	})

	a.OnOrderPlaced(st.orderPlaced)
	// Orders placed in the Shopgate app arrive by add_order: the orders
	// service tells the integration inside the import's transaction.
	if o, ok := a.sg.Plugin.Orders.(*orders.Service); ok {
		o.AddHook(svc.OrdersHook(nil))
	}
	// The app's check_cart offers the DropHero shipping modes (the mode
	// comes back in the order's internal_shipping_info, see above).
	if a.sg.Handler != nil {
		a.sg.Handler.AddCartHook(svc.CartShipping(dropship.CartShippingConfig{ItemNames: st.productNames}))
	}
	a.Echo.Use(st.checkoutMiddleware)
	a.AddCheckoutSection(st.checkoutSection)
	a.AddProductSection(st.productSection)

	st.mountAdmin()
	return nil
}

// dropHeroKey returns SHOPBRIDGE_SECRET_KEY, or the key of the 0600 file
// keyFile, created on first use; the file's location (never the key) is
// logged.
func dropHeroKey(keyFile string, log *zap.Logger) ([]byte, error) {
	if v := os.Getenv("SHOPBRIDGE_SECRET_KEY"); v != "" {
		return dropship.ParseKey(v)
	}
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		return nil, fmt.Errorf("drophero: key file directory: %w", err)
	}
	log.Info("key-encryption key file of the stored DropHero keys and Shopgate API key (keep it out of backups you share)", zap.String("file", keyFile))
	return dropship.LoadOrCreateKeyFile(keyFile)
}
