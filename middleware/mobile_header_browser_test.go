package middleware

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/internal/browser"
	"github.com/shopbridge/shopbridge/redirect"
)

// headerShopPage is an English shop page with a wide element, as real
// shops have, and the usual viewport tag.
const headerShopPage = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title></head>
<body style="margin:0;font-family:sans-serif"><header style="padding:8px;background:#234;color:#fff">Example Shop</header>
<main style="padding:8px"><h1>Rain boots</h1><p>Waterproof boots.</p></main></body></html>`

// TestMobileHeaderInBrowser opens an opted-out page as an iPhone in
// headless Chromium at 320, 390 and 1280 px: the built-in Mobile Header is
// in English (the page's language), the switch is inside the viewport and
// nothing overflows; at 390 px a screenshot goes to docs/screenshots.
// Clicking the switch deletes the opt-out cookie and reloads the page
// without the parameter, which the server answers with the redirect.
func TestMobileHeaderInBrowser(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	cfg := fixtureConfig(redirect.Product("SKU-1"))
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			ck, _ := c.Cookie(redirect.CookieName)
			mu.Lock()
			seen = append(seen, fmt.Sprintf("%s cookie=%v %d", c.Request().URL.RequestURI(), ck != nil && ck.Value != "", c.Response().Status))
			mu.Unlock()
			return err
		}
	})
	e.Use(MobileRedirectWithConfig(cfg))
	e.GET("/*", func(c echo.Context) error { return c.HTML(http.StatusOK, headerShopPage) })
	srv := httptest.NewServer(e)
	defer srv.Close()

	ctx := browser.New(t, 90*time.Second, chromedp.UserAgent(uaIPhone))
	type box struct {
		Left, Right, Top, Bottom, ViewW, ViewH, ScrollW float64
		Text, Alt, Src                                  string
	}
	measure := `(function () {
  var b = document.getElementById("shopgate_mobile_button").getBoundingClientRect();
  var img = document.getElementById("shopgate_mobile_button");
  return {Left: b.left, Right: b.right, Top: b.top, Bottom: b.bottom,
    ViewW: window.innerWidth, ViewH: window.innerHeight, ScrollW: document.documentElement.scrollWidth,
    Text: document.getElementById("shopgate_mobile_header").innerText, Alt: img.alt, Src: img.src.slice(0, 18)};
})()`
	for _, width := range []int64{320, 390, 1280} {
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(width, 844),
			chromedp.Navigate(srv.URL+"/p?shopgate_redirect=1&a=1"),
			chromedp.WaitVisible(chromedp.ID("shopgate_mobile_button")),
		); err != nil {
			t.Fatalf("%d px: %v", width, err)
		}
		b, err := chromedp.Run(ctx, chromedp.Evaluate[box](measure))
		if err != nil {
			t.Fatalf("%d px: %v", width, err)
		}
		t.Logf("%d px: %+v", width, b)
		if b.Left < 0 || b.Right > b.ViewW || b.Top < 0 || b.Bottom > b.ViewH || b.Right-b.Left < 24 {
			t.Errorf("%d px: the switch is not inside the viewport: %+v", width, b)
		}
		if b.ScrollW > b.ViewW {
			t.Errorf("%d px: the page overflows (%v > %v)", width, b.ScrollW, b.ViewW)
		}
		if b.Text != "Switch to our mobile website" || b.Alt != "Open the mobile website" || b.Src != "data:image/svg+xml" {
			t.Errorf("%d px: text %q, alt %q, src %q", width, b.Text, b.Alt, b.Src)
		}
		if width == 390 {
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join("..", "docs", "screenshots", "mobile-header-390.png")
			if err := os.WriteFile(out, png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The switch: the cookie goes, the page reloads without the
	// parameter, and the server redirects.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("shopgate_mobile_button"))); err != nil {
		t.Fatal(err)
	}
	want := "/p?a=1 cookie=false 301"
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		found := false
		for _, s := range seen {
			found = found || s == want
		}
		log := fmt.Sprint(seen)
		mu.Unlock()
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q after the click; requests: %s", want, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
