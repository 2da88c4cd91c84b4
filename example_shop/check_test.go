package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/internal/check"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// TestConnectionCheck runs "shopbridge check" against the demo shop with
// every optional check switched on: the shop is the model integration, so
// every question of Shopgate's checklist must be answered yes.
func TestConnectionCheck(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	publicURL := "http://" + srv.Listener.Addr().String()
	a := newTestAppWith(t, openSQLite(t), func(c *Config) {
		c.PublicURL = publicURL
		c.Log = zap.NewNop() // the check provokes errors on purpose
	})
	srv.Config.Handler = a.Echo
	srv.Start()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for _, f := range a.background {
		go f(ctx)
	}

	const orderNumber = "10024871"
	a.sg.Fake.AddOrder(shopgatetest.NewTestOrder(orderNumber))

	start := time.Now()
	rep := check.Run(context.Background(), check.Config{
		URL:            srv.URL + "/shopgate/api",
		CustomerNumber: demoCustomerNumber,
		ShopNumber:     demoShopNumber,
		APIKey:         demoAPIKey,
		Storefront:     publicURL,
		Login:          demoEmail + ":" + demoPassword,
		MerchantAPI:    a.sg.Fake.URL(),
		Order:          orderNumber,
	})
	t.Logf("full check against the demo shop: %v", time.Since(start))
	var out bytes.Buffer
	if err := rep.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Verdict != check.Yes {
			t.Errorf("question %d (%s): %s", r.Number, r.Question, r.Verdict)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Log("\n" + out.String())
	}
	if rep.ExitCode() != 0 {
		t.Errorf("exit code %d, want 0", rep.ExitCode())
	}
}
