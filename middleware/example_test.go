package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"

	"github.com/shopbridge/shopbridge/middleware"
	"github.com/shopbridge/shopbridge/redirect"
)

func ExampleMobileRedirectWithConfig() {
	e := echo.New()
	// Recover and Gzip first (outside), then the Mobile Redirect.
	e.Use(echomw.Recover(), echomw.Gzip())
	pages := middleware.NewRedirectPages()
	e.Use(middleware.MobileRedirectWithConfig(middleware.MobileRedirectConfig{
		Redirect: redirect.Config{Enabled: true, ShopNumber: "12345", ShopActive: true, Alias: "my-shop"},
		// Keywords: keywordCache.Matcher, normally.
		Pages: pages,
	}))
	pages.Route(e.GET("/product/:number", func(c echo.Context) error {
		return c.HTML(http.StatusOK, "<html><head></head><body>product</body></html>")
	}), redirect.PageProduct, "number")

	req := httptest.NewRequest(http.MethodGet, "/product/SKU-1", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output:
	// 301 http://my-shop.shopgate.com/item/534b552d31
}
