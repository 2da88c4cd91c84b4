package dropship_test

import (
	"context"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/handlers/dropherocallback"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/orders"
	"github.com/shopbridge/shopbridge/outbox"
)

// ExampleNew shows the wiring in a host shop: the service, its outbox jobs
// and the callback routes, which the handler mounts under the service's
// CallbackPrefix. (It needs a database, so it is not run.)
func ExampleNew() {
	var db *gorm.DB                                                             // the shop's PostgreSQL
	var host adapters.DropHeroHost                                              // the shop's implementation
	key, _ := dropship.ParseKey("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=") // from SHOPBRIDGE_SECRET_KEY
	ciph, _ := dropship.NewCipher(key)
	svc, err := dropship.New(dropship.Config{DB: db, Host: host, Cipher: ciph,
		PublicURL: "https://shop.example.com"})
	if err != nil {
		panic(err)
	}
	w, err := outbox.New(dropship.WorkerConfig(db, nil))
	if err != nil {
		panic(err)
	}
	svc.Register(w)
	go w.Run(context.Background())
	e := echo.New()
	cb, err := dropherocallback.New(dropherocallback.Config{Service: svc})
	if err != nil {
		panic(err)
	}
	cb.Mount(e.Group(""))
	// The merchant enters the keys; the installation runs in the outbox.
	_ = svc.SaveKeys(context.Background(), "AKDHTEST0001", "s3cr3tK3y")
}

// ExampleService_CartShipping shows how the Shopgate app reaches DropHero:
// check_cart offers the DropHero modes through the cart hook, and the
// orders hook submits the DropHero lines of the order add_order imports
// with the mode check_cart put in internal_shipping_info. (It needs a
// database, so it is not run.)
func ExampleService_CartShipping() {
	var svc *dropship.Service                                                                               // built as in ExampleNew
	var orderSvc *orders.Service                                                                            // the Plugin API's Config.Orders
	var plugin *pluginapi.Handler                                                                           // the Plugin API, built with Config.Cart
	var names func(ctx context.Context, shop adapters.Shop, productIDs []string) (map[string]string, error) // optional
	plugin.AddCartHook(svc.CartShipping(dropship.CartShippingConfig{ItemNames: names}))
	orderSvc.AddHook(svc.OrdersHook(nil))
}
