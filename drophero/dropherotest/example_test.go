package dropherotest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
)

func ExampleNewServer() {
	fake := dropherotest.NewServer()
	defer fake.Close()
	c, err := drophero.NewClient(drophero.Config{BaseURL: fake.BaseURL(),
		PublicKey: dropherotest.DefaultPublicKey, SecretKey: dropherotest.DefaultSecretKey})
	if err != nil {
		panic(err)
	}
	if err := c.Announce(context.Background(), "shopbridge", "1.0.0",
		"https://shop.example.com/drophero/callback/t/orders", "https://shop.example.com/drophero/callback/t/products"); err != nil {
		panic(err)
	}
	fmt.Println(fake.Installed(), fake.CallbackURLs()["products"], len(fake.Bans()))
	// Output: true https://shop.example.com/drophero/callback/t/products 0
}

// Options configure the fake when it is built; faults make it misbehave.
func ExampleServer_FailNext() {
	fake := dropherotest.NewServer(dropherotest.WithoutRateLimit())
	defer fake.Close()
	fake.FailNext("/v1/shipping", dropherotest.Status(403)) // DropHero's ban answer
	cfg := fake.ClientConfig()
	cfg.Gate = &drophero.MemoryGate{Gap: time.Millisecond}
	c, _ := drophero.NewClient(cfg)
	_, err := c.ShippingModes(context.Background())
	fmt.Println(errors.Is(err, drophero.ErrBanned))
	// Output: true
}
