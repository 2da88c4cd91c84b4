package shopgate_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// A production client for the live Merchant API.
func ExampleNewClient() {
	client, err := shopgate.NewClient(shopgate.ClientConfig{
		Environment:    shopgate.EnvLive,
		CustomerNumber: "12345",
		ShopNumber:     "67890",
		APIKey:         "0123456789abcdef0123",
		PluginVersion:  "1.0.0",
		Logger:         zap.NewNop(), // the request log
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.BaseURL())
	// Output: https://api.shopgate.com/merchant/
}

// Import an order and report its shipment, against the fake Merchant API.
func ExampleClient_GetOrder() {
	srv := shopgatetest.NewServer()
	defer srv.Close()
	srv.AddOrder(shopgatetest.NewTestOrder("1012001234"))

	client, err := shopgate.NewClient(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	order, err := client.GetOrder(ctx, "1012001234")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(order.OrderNumber, order.AmountComplete, order.Currency, len(order.Items), "lines")

	_, err = client.AddOrderDeliveryNote(ctx, shopgate.DeliveryNoteRequest{
		OrderNumber:       order.OrderNumber,
		ShippingServiceID: shopgate.CarrierDHL,
		TrackingNumber:    "00340434161094042557",
		MarkAsCompleted:   true,
	})
	fmt.Println("delivery note:", err)

	// Completing it again is an error reported by the Merchant API.
	_, err = client.SetOrderShippingCompleted(ctx, shopgate.ShippingCompletedRequest{OrderNumber: order.OrderNumber})
	var me *shopgate.MerchantAPIError
	if errors.As(err, &me) {
		fmt.Println("merchant api error:", me.Code, me.Text)
		// A Plugin API action answers it as 102.
		fmt.Println(shopgate.ToAPIError(err).Envelope())
	}
	// Output:
	// 1012001234 149.85 EUR 2 lines
	// delivery note: <nil>
	// merchant api error: 204 order shipping status already completed
	// 102 error code received: "204 - order shipping status already completed"
}

// Checking the SPA headers of an incoming Plugin API call (vector 1 of
// docs/protocol/plugin-api.md#auth-test-vectors, see also
// docs/protocol/plugin-api.md#spa-authentication); the named errors tell why a
// check failed.
func ExampleVerifyAuth() {
	const customer, apikey = "12345", "abcdef0123456789abcd"
	sent := time.Unix(1700000000, 0)
	token := shopgate.Token(shopgate.PrefixSPA, customer, sent.Unix(), apikey)
	fmt.Println(token)
	fmt.Println(shopgate.VerifyAuth(shopgate.PrefixSPA, "12345-1700000000", token, customer, apikey, sent.Add(time.Minute)))
	err := shopgate.VerifyAuth(shopgate.PrefixSPA, "12345-1700000000", token, customer, apikey, sent.Add(time.Hour))
	fmt.Println(errors.Is(err, shopgate.ErrAuthExpired))
	// Output:
	// 97e4b1f8e6905977ef770e49637038338bc457f6
	// <nil>
	// true
}
