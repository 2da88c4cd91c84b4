package dropherotest_test

import (
	"context"
	"fmt"

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
