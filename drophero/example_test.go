package drophero_test

import (
	"context"
	"fmt"
	"time"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
)

func ExampleSign() {
	// Vector 1 of docs/protocol/drophero.md#signing-test-vectors.
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
	// 3 DHL Paket 72h
	// 4 Post Austria 96h
}

// A fault makes the fake misbehave: here one 503, which the client
// retries.
func ExampleClient_ShippingModes_retry() {
	fake := dropherotest.NewServer(dropherotest.WithoutRateLimit())
	defer fake.Close()
	fake.FailNext("/v1/shipping", dropherotest.Status(503))
	cfg := fake.ClientConfig()
	cfg.Gate, cfg.RetryBackoff = &drophero.MemoryGate{Gap: time.Millisecond}, time.Millisecond
	c, err := drophero.NewClient(cfg)
	if err != nil {
		panic(err)
	}
	modes, err := c.ShippingModes(context.Background())
	fmt.Println(len(modes), err, fake.CountRequests("GET", "/v1/shipping"))
	// Output: 4 <nil> 2
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
