package panel_test

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
)

// updateScreenshots rewrites docs/screenshots/panel-*.png from the browser
// test: go test ./handlers/panel -run Browser -update-screenshots
var updateScreenshots = flag.Bool("update-screenshots", false, "write the panel screenshots to docs/screenshots")

// chromiumPath finds Debian's chromium (or Chrome). Outside CI a missing
// browser skips the browser tests loudly; under CI=true it fails them.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "!!! no chromium found: the control panel browser tests did NOT run (install Debian's chromium: apt-get install chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	fmt.Fprintln(os.Stderr, msg)
	t.Skip(msg)
	return ""
}

// newBrowserCtx starts headless chromium for one test; every request of
// the tab carries the panel login.
func newBrowserCtx(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(testUser+":"+testPassword))
	// The first Run starts the browser; it must not carry a timeout.
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": auth}})
			return err
		}))
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// step runs actions with a bound on their time.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// text returns the text of the first element matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// screenshot saves the viewport (390 px wide) as docs/screenshots/panel-name.png
// when -update-screenshots is given.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if !*updateScreenshots {
		return
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "panel-"+name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitFor waits until cond holds, checking on every tick of the outbox
// worker's poll interval; it fails the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(limit)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestBrowserPanel drives the panel in headless chromium: log in, switch
// the Shopgate server to a custom URL and test the connection against the
// fake Merchant API, save DropHero keys and watch the installation, confirm
// a pending order, mark an order paid, and see a forged cross-site POST
// refused with 403.
func TestBrowserPanel(t *testing.T) {
	ev := newEnv(t)
	ev.addPendingOrder("SB-1001", dropship.OrderAwaitingConfirmation)
	ev.addPendingOrder("SB-1002", dropship.OrderAwaitingPayment)
	if err := ev.db.Create(&gormmodels.ShopgateOrder{OrderNumber: "1012001234", HostOrderNumber: "SB-1003", IsShippingBlocked: true,
		Notes: "The total differs from the shop's prices by 0.10 EUR."}).Error; err != nil {
		t.Fatal(err)
	}
	ctx := newBrowserCtx(t)
	base := ev.srv.URL + "/admin"

	// Log in (the Basic header) and see the Overview; its forms carry a real token.
	step(t, ctx, "overview", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#page-overview .health")))
	if s := text(t, ctx, ".health"); !strings.Contains(s, "Messages waiting to be delivered") {
		t.Fatalf("overview: %q", s)
	}
	screenshot(t, ctx, "overview")
	step(t, ctx, "shopgate", chromedp.Navigate(base+"/shopgate"), chromedp.WaitReady(chromedp.CSS(`input[name="_csrf"]`)))
	if tok, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('input[name="_csrf"]').value`)); err != nil || len(tok) < 32 {
		t.Fatalf("CSRF token in the form: %q %v", tok, err)
	}

	// Shopgate: custom server with a URL, saved, then the connection test.
	step(t, ctx, "shopgate form",
		chromedp.Navigate(base+"/shopgate"),
		chromedp.WaitVisible(chromedp.CSS("#sg-form")),
		chromedp.Click(chromedp.CSS("#server-custom")),
		chromedp.SetValue(chromedp.CSS("#api-url"), ev.sg.URL()),
		chromedp.Click(chromedp.CSS("#sg-save")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if s := text(t, ctx, "#flash"); !strings.Contains(s, "Settings saved") {
		t.Fatalf("save shopgate settings: %q", s)
	}
	if v := ev.plugin.Setting("", "server"); v != "custom" {
		t.Fatalf("server after save: %v", v)
	}
	step(t, ctx, "test connection", chromedp.Click(chromedp.CSS("#sg-test")), chromedp.WaitVisible(chromedp.CSS("#test-result")))
	if s := text(t, ctx, "#test-result"); !strings.Contains(s, "Connected to "+ev.sg.URL()) {
		t.Fatalf("test connection: %q", s)
	}
	screenshot(t, ctx, "shopgate")
	// The API key is write-only: typed, saved, and never sent back.
	step(t, ctx, "shopgate api key",
		chromedp.Navigate(base+"/shopgate"),
		chromedp.WaitVisible(chromedp.CSS("#sg-apikey")),
		chromedp.SetValue(chromedp.CSS("#sg-apikey"), panelKey),
		chromedp.Click(chromedp.CSS("#sg-save")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if v := ev.plugin.Setting("", "apikey"); v != panelKey {
		t.Fatalf("API key after save: %v", v)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML + document.querySelector('#sg-apikey').value`)); err != nil || strings.Contains(html, panelKey) {
		t.Fatalf("the page sends the key back (%v)", err)
	}

	// DropHero: keys are checked, saved, and the page follows the
	// installation by refreshing itself until it is done.
	step(t, ctx, "drophero keys",
		chromedp.Navigate(base+"/drophero"),
		chromedp.WaitVisible(chromedp.CSS("#dh-keys-form")),
		chromedp.SetValue(chromedp.CSS("#dh-public"), dropherotest.DefaultPublicKey),
		chromedp.SetValue(chromedp.CSS("#dh-secret"), dropherotest.DefaultSecretKey),
		chromedp.Click(chromedp.CSS("#dh-save-keys")),
		chromedp.WaitVisible(chromedp.CSS("#dh-progress")),
	)
	if s := text(t, ctx, "#dh-progress"); !strings.Contains(s, "Setting up, step 1 of 5") {
		t.Fatalf("progress: %q", s)
	}
	// While it runs the page refreshes itself.
	step(t, ctx, "self-refresh", chromedp.WaitReady(chromedp.CSS(`meta[http-equiv="refresh"]`)))
	screenshot(t, ctx, "drophero-progress")
	ev.runWorker() // the installation runs now
	waitFor(t, 60*time.Second, "DropHero installed", func() bool {
		st, err := ev.svc.Status(context.Background())
		return err == nil && st.InstallState == dropship.Installed
	})
	step(t, ctx, "drophero installed", chromedp.Navigate(base+"/drophero"), chromedp.WaitVisible(chromedp.CSS("#dh-state.ok")))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('meta[http-equiv="refresh"]').length`)); err != nil || n != 0 {
		t.Fatalf("the finished page still refreshes itself: %d %v", n, err)
	}
	if s := text(t, ctx, "#dh-state"); !strings.Contains(s, "Connected and working") {
		t.Fatalf("state: %q", s)
	}

	// Confirm a pending order (the box acknowledges the charge).
	step(t, ctx, "confirm order",
		chromedp.Navigate(base+"/drophero"),
		chromedp.WaitVisible(chromedp.CSS("#dh-order-SB-1001")),
		chromedp.Click(chromedp.CSS(`#dh-order-SB-1001 input[name=confirm]`)),
		chromedp.Click(chromedp.CSS(`#dh-order-SB-1001 button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if s := text(t, ctx, "#flash"); !strings.Contains(s, "SB-1001 is queued") {
		t.Fatalf("confirm: %q", s)
	}
	if o, _, _ := ev.svc.Order(context.Background(), "SB-1001"); o.State == dropship.OrderAwaitingConfirmation {
		t.Fatal("order still waiting after confirm")
	}
	screenshot(t, ctx, "drophero")

	// Orders: mark the order waiting for its payment paid.
	step(t, ctx, "mark paid",
		chromedp.Navigate(base+"/orders"),
		chromedp.WaitVisible(chromedp.CSS("#order-SB-1002 form")),
		chromedp.Click(chromedp.CSS(`#order-SB-1002 input[name=confirm]`)),
		chromedp.Click(chromedp.CSS(`#order-SB-1002 button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if _, paid := ev.paid.Load("SB-1002"); !paid {
		t.Fatal("order not marked paid")
	}
	if s := text(t, ctx, "main"); !strings.Contains(s, "The total differs") {
		t.Fatalf("orders page lacks the merchant notes: %q", s)
	}
	screenshot(t, ctx, "orders")

	// A forged POST from another site (localhost is not 127.0.0.1) is refused.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<form method="post" action="%s/drophero/disable"><input type="hidden" name="confirm" value="yes">
<input type="hidden" name="_csrf" value="guess"><button id="go" type="submit">win a prize</button></form>`, base)
	}))
	defer evil.Close()
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)
	step(t, ctx, "evil page", chromedp.Navigate(evilURL), chromedp.WaitVisible(chromedp.CSS("#go")))
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := chromedp.RunResponse(rctx, chromedp.Click(chromedp.CSS("#go")))
	if err != nil {
		t.Fatalf("forged POST: %v", err)
	}
	if res.Status != http.StatusForbidden {
		t.Fatalf("forged POST answered %d, want 403", res.Status)
	}
	if st, _ := ev.svc.Status(context.Background()); st.InstallState != dropship.Installed {
		t.Fatalf("the forged POST changed the integration: %s", st.InstallState)
	}
}
