package pluginapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/shopgate"
)

// Mount the Plugin API into an Echo shop and answer a signed ping.
func Example() {
	dir, _ := os.MkdirTemp("", "shopgate-logs")
	defer os.RemoveAll(dir)

	h, err := pluginapi.New(pluginapi.Config{
		Shops: []pluginapi.ShopConfig{{
			CustomerNumber: "10001", ShopNumber: "20001", APIKey: "deadbeefcafe00112233",
			Enable: map[string]bool{"add_order": true},
		}},
		LogDir: dir,
		// Orders and Cron: an orders.Service (pluginapi.OrderImporter, pluginapi.CronJobs), ...
	})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	e := echo.New()
	h.Mount(e.Group("/shopgate/api"))

	// What Shopgate sends:
	req := httptest.NewRequest(http.MethodPost, "/shopgate/api", strings.NewReader("action=ping&trace_id=sma-1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	shopgate.SignRequest(req.Header, shopgate.PrefixSPA, "10001", "deadbeefcafe00112233", time.Now())
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.HasPrefix(rec.Body.String(), `{"error":0,"error_text":null,"trace_id":"sma-1"`))
	// Output: 200 true
}
