package middleware

import (
	"net/http"
	"syscall"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/shopbridge/shopbridge/redirect"
)

// discardWriter is a reusable http.ResponseWriter for benchmarks.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

var benchPage = []byte("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Product</title>" +
	"<link rel=\"stylesheet\" href=\"/static/shop.css\"></head><body class=\"product\"><header>Shop</header>" +
	"<main><h1>Red shoes</h1><p>Fine red shoes in every size.</p></main></body></html>")

func benchEcho(b testing.TB, with bool) *echo.Echo {
	return benchEchoCounted(b, with, RedirectCounters{})
}

// benchEchoCounted is benchEcho with the decisions counted by counters.
func benchEchoCounted(b testing.TB, with bool, counters RedirectCounters) *echo.Echo {
	b.Helper()
	e := echo.New()
	pages := NewRedirectPages()
	if with {
		cfg := fixtureConfig(redirect.Page{})
		cfg.Resolver = nil
		cfg.Pages = pages
		cfg.Counters = counters
		e.Use(MobileRedirectWithConfig(cfg))
	}
	pages.Route(e.GET("/product/:id", func(c echo.Context) error {
		return c.HTMLBlob(http.StatusOK, benchPage)
	}), redirect.PageProduct, "id")
	return e
}

func benchServe(b *testing.B, e *echo.Echo, ua, cookie string, wantCode int) {
	b.Helper()
	req, _ := http.NewRequest(http.MethodGet, "/product/SKU-1", nil)
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	w := &discardWriter{h: make(http.Header, 8)}
	e.ServeHTTP(w, req)
	if w.code != wantCode {
		b.Fatalf("status %d, want %d", w.code, wantCode)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	n := 0
	for b.Loop() {
		clear(w.h)
		e.ServeHTTP(w, req)
		n++
	}
	// The machine is shared: CPU time used by this process is a steadier
	// figure than wall time.
	b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
}

// cpuTime returns the user+system CPU time of the process in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkMobileRedirect measures whole requests through Echo; the
// middleware's own cost is the difference to the baseline.
func BenchmarkMobileRedirect(b *testing.B) {
	b.Run("baseline-no-middleware", func(b *testing.B) { benchServe(b, benchEcho(b, false), uaChromeWin, "", 200) })
	b.Run("desktop", func(b *testing.B) { benchServe(b, benchEcho(b, true), uaChromeWin, "", 200) })
	b.Run("mobile-redirect", func(b *testing.B) { benchServe(b, benchEcho(b, true), uaIPhone, "", 301) })
	b.Run("crawler-smartphone", func(b *testing.B) { benchServe(b, benchEcho(b, true), uaGooglebotPhone, "", 301) })
	b.Run("crawler-desktop", func(b *testing.B) { benchServe(b, benchEcho(b, true), uaGooglebot, "", 200) })
	b.Run("header-injection", func(b *testing.B) {
		benchServe(b, benchEcho(b, true), uaIPhone, "SHOPGATE_MOBILE_WEBPAGE=1", 200)
	})
	// With Prometheus counters (as metrics.Metrics.RedirectCounters
	// provides them): the figures must match the uncounted ones.
	b.Run("desktop-counted", func(b *testing.B) { benchServe(b, benchEchoCounted(b, true, promCounters()), uaChromeWin, "", 200) })
	b.Run("mobile-redirect-counted", func(b *testing.B) {
		benchServe(b, benchEchoCounted(b, true, promCounters()), uaIPhone, "", 301)
	})
}

// promCounters returns pre-resolved Prometheus counters for the decisions.
func promCounters() RedirectCounters {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "decisions_total"}, []string{"outcome"})
	return RedirectCounters{Redirected: v.WithLabelValues("redirected"), OptedOut: v.WithLabelValues("opted_out"),
		Stayed: v.WithLabelValues("stayed"), Failed: v.WithLabelValues("failed")}
}

// Counting the decisions adds no allocation to a request.
func TestRedirectCountersDoNotAllocate(t *testing.T) {
	for _, ua := range []string{uaChromeWin, uaIPhone} {
		allocs := func(e *echo.Echo) float64 {
			req, _ := http.NewRequest(http.MethodGet, "/product/SKU-1", nil)
			req.Header.Set("User-Agent", ua)
			req.Header.Set("Accept", "text/html")
			w := &discardWriter{h: make(http.Header, 8)}
			e.ServeHTTP(w, req)
			return testing.AllocsPerRun(200, func() { clear(w.h); e.ServeHTTP(w, req) })
		}
		counters := promCounters()
		plain, counted := allocs(benchEcho(t, true)), allocs(benchEchoCounted(t, true, counters))
		if counted > plain && !raceEnabled {
			t.Errorf("%s: %v allocations with counters, %v without", ua, counted, plain)
		}
		if testutil.ToFloat64(counters.Redirected.(prometheus.Counter))+testutil.ToFloat64(counters.Stayed.(prometheus.Counter)) == 0 {
			t.Errorf("%s: nothing counted", ua)
		}
	}
}

// BenchmarkDetect measures the keyword check alone.
func BenchmarkDetect(b *testing.B) {
	d := &redirect.Detector{Keywords: func() *redirect.Matcher { return fixtureMatcher }}
	for _, ua := range []struct{ name, ua string }{{"desktop", uaChromeWin}, {"phone", uaIPhone}, {"crawler", uaGooglebotPhone}} {
		b.Run(ua.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d.Classify(ua.ua)
			}
		})
	}
}
