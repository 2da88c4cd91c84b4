package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
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

// TestPanelConnectionCheck runs the check from the control panel's
// Overview: the table shows every question answered yes and never the
// API key.
func TestPanelConnectionCheck(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	publicURL := "http://" + srv.Listener.Addr().String()
	a := newTestAppWith(t, openSQLite(t), func(c *Config) {
		c.PublicURL = publicURL
		c.Log = zap.NewNop() // the check provokes errors on purpose
	})
	srv.Config.Handler = a.Echo
	srv.Start()
	t.Cleanup(srv.Close)
	b := newBrowser(t, a)
	b.srv = srv
	page := b.get("/admin/", http.StatusOK)
	if !strings.Contains(page, `id="run-check"`) {
		t.Fatalf("no connection check button on the overview:\n%s", page)
	}
	_, body := b.post("/admin/check", url.Values{}, http.StatusOK)
	if !strings.Contains(body, `id="check-report"`) || !strings.Contains(body, check.Questions[15]) {
		t.Fatalf("no check report:\n%s", body)
	}
	if strings.Contains(body, demoAPIKey) {
		t.Fatal("the control panel shows the API key")
	}
	rows := regexp.MustCompile(`<td>(\d+)</td><td>[^<]*</td><td><b>([^<]*)</b>`).FindAllStringSubmatch(body, -1)
	if len(rows) != 15 {
		t.Fatalf("%d rows in the report, want 15", len(rows))
	}
	for _, r := range rows {
		// Without a test order the order questions are not checked.
		if !strings.HasPrefix(r[2], "yes") && !strings.HasPrefix(r[2], "not checked") {
			t.Errorf("question %s: %s", r[1], r[2])
		}
		if n, _ := strconv.Atoi(r[1]); (n <= 5 || n >= 9) && !strings.HasPrefix(r[2], "yes") {
			t.Errorf("question %s: %s, want yes", r[1], r[2])
		}
	}
}
