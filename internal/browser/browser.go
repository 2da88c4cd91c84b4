// Package browser starts a headless Chromium for tests through chromedp.
//
// Outside CI a missing browser skips the test loudly (t.Skip with the
// reason); under CI=true it fails, so a CI image without Chromium cannot
// pass silently. The browser is Debian's /usr/bin/chromium unless
// SHOPBRIDGE_CHROMIUM names another executable.
package browser

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Flags are the command-line switches every test browser starts with
// (besides a fresh --user-data-dir): headless, no sandbox (containers), no
// GPU, and nothing that reaches out to the network on its own.
var Flags = []string{
	"headless", "no-sandbox", "disable-gpu", "disable-quic", "no-first-run",
	"disable-background-networking", "disable-component-update", "disable-sync",
}

// Path returns the Chromium executable, or "" when there is none.
func Path() string {
	if p := os.Getenv("SHOPBRIDGE_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
	}
	return ""
}

// New starts a headless Chromium with Flags, a fresh profile and the extra
// allocator options (e.g. chromedp.UserAgent) and returns a chromedp
// context for one tab, valid until the test ends (closed by t.Cleanup) or
// timeout passes. Without a browser it skips the test, or fails it when the
// CI environment variable is "true".
func New(t testing.TB, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path := Path()
	if path == "" {
		msg := "browser test needs Chromium (apt-get install chromium, or set SHOPBRIDGE_CHROMIUM)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPED: " + msg)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir())}
	for _, f := range Flags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// Start the browser now (without a timeout: it would stop the whole
	// browser), so that a broken installation fails here.
	if err := chromedp.Do(bctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("start %s: %v", path, err)
		}
		t.Skipf("SKIPPED: cannot start %s: %v", path, err)
	}
	ctx, cancelTimeout := context.WithTimeout(bctx, timeout)
	t.Cleanup(cancelTimeout)
	return ctx
}
