package drophero_test

import (
	"context"
	"fmt"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	handler "github.com/shopbridge/shopbridge/handlers/drophero"
	"github.com/shopbridge/shopbridge/outbox"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
)

func ExampleSign() {
	// Vector 1 of the specification.
	fmt.Println(drophero.Sign("s3cr3tK3y", "1382116367"))
	// Output: YzM3NDY0OTI0NzM1YmMwMjE0NjIwOGQ5ODIwOWFiNzNmMWM3NTgwOQ==
}

func ExampleClient_ShippingModes() {
	fake := dropherotest.NewServer()
	defer fake.Close()
	c, err := drophero.NewClient(drophero.Config{
		BaseURL:   fake.BaseURL(),
		PublicKey: dropherotest.DefaultPublicKey,
		SecretKey: dropherotest.DefaultSecretKey,
		// One process here; installations with several app servers pass a
		// PostgresGate so they share one request budget.
		Gate: &drophero.MemoryGate{},
	})
	if err != nil {
		panic(err)
	}
	modes, err := c.ShippingModes(context.Background())
	if err != nil {
		panic(err)
	}
	for _, m := range modes {
		fmt.Println(m.ID, m.Name, m.TransitHours+"h")
	}
	// Output:
	// 1 Express 24h 24h
	// 2 Standard post 168h
}

func ExampleClient_Subscribed() {
	fake := dropherotest.NewServer()
	defer fake.Close()
	c, _ := drophero.NewClient(drophero.Config{BaseURL: fake.BaseURL(), PublicKey: dropherotest.DefaultPublicKey,
		SecretKey: dropherotest.DefaultSecretKey, Gate: &drophero.MemoryGate{}})
	n := 0
	err := c.Subscribed(context.Background(), drophero.FirstSyncEpoch, drophero.SubscribedHandler{
		Product: func(p *drophero.Product) error { n++; return nil },
		Deleted: func(ids []string) error { fmt.Println("deleted", ids); return nil },
	})
	fmt.Println(n, "products", err)
	// Output:
	// deleted [5557 5559]
	// 7 products <nil>
}

func ExampleAggregateShipping() {
	es := func(mode, price string) drophero.ShippingPrice {
		p, _ := decimalFromString(price)
		return drophero.ShippingPrice{AreaISO: "ES", ModeID: mode, Price: p}
	}
	lines := []drophero.ItemShipping{
		{IDItem: "5554", Qty: one, Prices: []drophero.ShippingPrice{es("1", "7.40"), es("2", "2.40")}},
		{IDItem: "5556", Qty: one, Prices: []drophero.ShippingPrice{es("1", "14.00"), es("2", "3.20")}},
	}
	opts, _ := drophero.AggregateShipping(lines, "ES", map[string]drophero.ShippingMode{"1": {Name: "Express 24h"}, "2": {Name: "Standard post"}})
	for _, o := range opts {
		fmt.Println(o.Label, o.Total.StringFixed(2))
	}
	// Output:
	// Standard post 5.60
	// Express 24h 21.40
}

// ExampleNewService shows the wiring in a host shop: the service, its outbox
// jobs and the callback routes. (It needs a database, so it is not run.)
func ExampleNewService() {
	var db *gorm.DB                                                             // the shop's PostgreSQL
	var host adapters.DropHeroHost                                              // the shop's implementation
	key, _ := drophero.ParseKey("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=") // from SHOPBRIDGE_SECRET_KEY
	ciph, _ := drophero.NewCipher(key)
	svc, err := drophero.NewService(drophero.ServiceConfig{DB: db, Host: host, Cipher: ciph,
		PublicURL: "https://shop.example.com"})
	if err != nil {
		panic(err)
	}
	w, err := outbox.New(outbox.Config{DB: db})
	if err != nil {
		panic(err)
	}
	svc.Register(w)
	go w.Run(context.Background())
	e := echo.New()
	handler.New(handler.Config{Service: svc}).Mount(e.Group(""))
	// The merchant enters the keys; the installation runs in the outbox.
	_ = svc.SaveKeys(context.Background(), "AKDHTEST0001", "s3cr3tK3y")
}
