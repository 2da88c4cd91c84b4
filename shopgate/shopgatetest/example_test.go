package shopgatetest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

func ExampleNewServer() {
	srv := shopgatetest.NewServer(shopgatetest.WithKeywords([]string{"iPhone"}, []string{"iPad"}))
	defer srv.Close()

	client, err := shopgate.NewClient(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	ua, err := client.GetMobileRedirectUserAgents(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ua.Keywords, ua.SkipKeywords)

	// Every request is recorded for assertions.
	for _, r := range srv.Requests() {
		fmt.Println(r.Action, r.Param("shop_number"))
	}
	// Output:
	// [iPhone] [iPad]
	// get_mobile_redirect_user_agents 67890
}

// Make the next get_orders fail, as a test of retries would.
func ExampleServer_FailNext() {
	srv := shopgatetest.NewServer()
	defer srv.Close()
	srv.AddOrder(shopgatetest.NewTestOrder("1"))
	srv.FailNext(shopgate.ActionGetOrders, shopgatetest.Unavailable())

	client, _ := shopgate.NewClient(srv.ClientConfig())
	_, err := client.GetOrder(context.Background(), "1")
	fmt.Println(shopgate.ToAPIError(err).Code)
	_, err = client.GetOrder(context.Background(), "1")
	fmt.Println(err)
	// Output:
	// 100
	// <nil>
}
