package shopgate_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// TestSetCredentials: a running client moves to another server with other
// credentials; an invalid change is refused and leaves it as it was; calls
// running concurrently with changes always use one whole snapshot (each is
// authenticated by one of the two servers, never a mix).
func TestSetCredentials(t *testing.T) {
	first := shopgatetest.NewServer()
	t.Cleanup(first.Close)
	second := shopgatetest.NewServer(shopgatetest.WithCredentials("77777", "feedfacefeedface0011", "88888"))
	t.Cleanup(second.Close)
	c, err := shopgate.NewClient(shopgate.ClientConfig{BaseURL: first.URL(), CustomerNumber: shopgatetest.DefaultCustomerNumber,
		ShopNumber: shopgatetest.DefaultShopNumber, APIKey: shopgatetest.DefaultAPIKey, RequestsPerHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.GetShopInfo(ctx); err != nil {
		t.Fatal(err)
	}
	secondCreds := shopgate.Credentials{Environment: shopgate.EnvCustom, BaseURL: second.URL(), CustomerNumber: "77777",
		ShopNumber: "88888", APIKey: "feedfacefeedface0011"}
	if err := c.SetCredentials(secondCreds); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetShopInfo(ctx); err != nil {
		t.Fatalf("after the change: %v", err)
	}
	if c.BaseURL() != second.URL() || len(second.RequestsFor("get_shop_info")) != 1 {
		t.Fatalf("not sent to the second server: %s", c.BaseURL())
	}
	for name, bad := range map[string]shopgate.Credentials{
		"custom without URL": {Environment: shopgate.EnvCustom, CustomerNumber: "1", APIKey: "k"},
		"unknown server":     {Environment: "moon", CustomerNumber: "1", APIKey: "k"},
		"no key":             {Environment: shopgate.EnvLive, CustomerNumber: "1"},
	} {
		if err := c.SetCredentials(bad); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if c.BaseURL() != second.URL() {
		t.Fatal("a refused change changed the client")
	}
	if err := c.SetCredentials(shopgate.Credentials{Environment: shopgate.EnvPlayground, CustomerNumber: "1", APIKey: "k"}); err != nil ||
		!strings.Contains(c.BaseURL(), "shopgatepg.com") {
		t.Fatalf("playground: %v %s", err, c.BaseURL())
	}

	firstCreds := shopgate.Credentials{Environment: shopgate.EnvCustom, BaseURL: first.URL(), CustomerNumber: shopgatetest.DefaultCustomerNumber,
		ShopNumber: shopgatetest.DefaultShopNumber, APIKey: shopgatetest.DefaultAPIKey}
	if err := c.SetCredentials(firstCreds); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				cr := firstCreds
				if j%2 == 1 {
					cr = secondCreds
				}
				if err := c.SetCredentials(cr); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if _, err := c.GetShopInfo(ctx); err != nil {
					t.Errorf("a call mixed two snapshots: %v", err)
				}
			}
		}()
	}
	wg.Wait()
}
