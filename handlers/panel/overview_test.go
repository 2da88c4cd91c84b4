package panel_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopbridge/shopbridge/handlers/panel"
	"github.com/shopbridge/shopbridge/internal/check"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/progress"
	"github.com/shopbridge/shopbridge/settingsync"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
	"github.com/shopbridge/shopbridge/status"
)

// fakeStatus is a status.Reader with fixed values.
type fakeStatus struct{ o status.Overview }

func (f fakeStatus) Overview(context.Context) (status.Overview, error) { return f.o, nil }

func TestOverviewShowsStatusReader(t *testing.T) {
	now := time.Now().UTC()
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	dead := now.Add(-time.Minute)
	fake := fakeStatus{status.Overview{
		CatalogExport: &status.Export{Action: "get_items", At: now.Add(-2 * time.Minute), Duration: 1500 * time.Millisecond, Records: 4321},
		OrderImport:   &status.OrderImport{At: now.Add(-3 * time.Hour), OrderNumber: "SG-7788", Total: 12},
		Outbox:        []status.OutboxKind{{Kind: "shopgate.add_order", Waiting: 5, OldestWaiting: now.Add(-time.Minute), Dead: 1}},
		DeadJobs: []outbox.DeadJob{{ID: 4711, Kind: "shopgate.set_order_shipping_completed", Attempts: 8,
			LastError: "Merchant API error 30", CreatedAt: now.Add(-time.Hour), DoneAt: &dead}},
		DropHero: &status.DropHero{InstallState: "ready", LastSyncAt: ago(5 * time.Minute), LastSyncResult: "ok: 17 products",
			LastOrdersCallbackAt: ago(7 * time.Minute)},
		MerchantAPIError: &status.CallError{Action: "update_order", Outcome: "timeout", At: now.Add(-10 * time.Minute)},
		Progress: []progress.Snapshot{{Name: "drophero_sync", Done: 250, Total: 1000, Started: now.Add(-time.Minute),
			Rate: 12.5, ETA: 60 * time.Second}},
	}}
	var retried uint64
	ev := newEnv(t, func(c *panel.Config) {
		c.Status = panel.StatusFrom(fake)
		c.RetryJob = func(_ context.Context, id uint64) error { retried = id; return nil }
	})
	c := newClient(ev)
	_, body := c.do("GET", "/admin/", nil, nil)
	text := stripTags(body)
	for _, want := range []string{
		"Last export 2 minutes ago", "4321", "took 1.5s", // export with item count and duration
		"SG-7788",                             // last order import
		"could not be delivered", "5 waiting", // backlog and dead
		"#4711", "Merchant API error 30", "retry-4711", // the dead job with its retry button
		"5 minutes ago", "17 products", "7 minutes ago", // DropHero sync and callback
		"update_order: timeout",                                                                 // last Merchant API error
		"drophero_sync: 250 of 1000 records done", "12.5 records per second", "about 1m0s left", // progress
	} {
		if !strings.Contains(text, want) && !strings.Contains(body, want) {
			t.Errorf("overview lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(body, shopgatetest.DefaultAPIKey) {
		t.Fatal("the overview shows the API key")
	}
	tok := c.token("/admin/")
	res, _ := c.do("POST", "/admin/outbox/4711/retry", url.Values{"_csrf": {tok}}, nil)
	if res.StatusCode != http.StatusSeeOther || retried != 4711 {
		t.Fatalf("retry: %d, retried %d", res.StatusCode, retried)
	}
}

func TestOverviewRunsConnectionCheck(t *testing.T) {
	var runs int
	var deadline bool
	ev := newEnv(t, func(c *panel.Config) {
		c.ConnectionCheck = func(ctx context.Context) (check.Report, error) {
			runs++
			_, deadline = ctx.Deadline()
			return check.Report{Schema: check.SchemaVersion, URL: "http://shop.test/shopgate/api", Millis: 1234, Results: []check.Result{
				{Number: 2, Question: check.Questions[2], Verdict: check.Yes, Evidence: []check.Evidence{
					{Sent: "POST http://shop.test/shopgate/api action=get_items", Received: "200, 42 items", Millis: 12, OK: true}}},
				{Number: 9, Question: check.Questions[9], Verdict: check.No, Reason: "no redirect",
					Evidence: []check.Evidence{{Sent: "GET http://shop.test/ (iPhone)", Received: "200, no redirect", Millis: 3}},
					Fix:      "Set the mobile redirect alias in the Shopgate settings."},
			}}, nil
		}
	})
	c := newClient(ev)
	_, body := c.do("GET", "/admin/", nil, nil)
	if !strings.Contains(body, `id="run-check"`) || !strings.Contains(body, `action="/admin/check"`) {
		t.Fatalf("no check button:\n%s", body)
	}
	// Anonymous: 401; without the token: 403; neither runs the check.
	res, err := http.PostForm(ev.srv.URL+"/admin/check", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous POST: %d, want 401", res.StatusCode)
	}
	if res, _ := c.do("POST", "/admin/check", url.Values{}, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF token: %d, want 403", res.StatusCode)
	}
	if runs != 0 {
		t.Fatalf("refused POSTs ran the check %d times", runs)
	}
	tok := c.token("/admin/")
	res, body = c.do("POST", "/admin/check", url.Values{"_csrf": {tok}}, nil)
	if res.StatusCode != http.StatusOK || runs != 1 || !deadline {
		t.Fatalf("POST /admin/check: %d, runs %d, deadline %v", res.StatusCode, runs, deadline)
	}
	text := stripTags(body)
	for _, want := range []string{
		"Products are exported", "yes", "action=get_items", "200, 42 items",
		"Mobile visitors are redirected to the Mobile Website", "no (no redirect)", "200, no redirect",
		"Fix: Set the mobile redirect alias in the Shopgate settings.",
		"1 yes, 1 no, 0 not checked in 1.2 s", "The connection is not ready.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("check report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(body, shopgatetest.DefaultAPIKey) {
		t.Fatal("the check report shows the API key")
	}
}

// The Overview says how settings changed on other servers arrive
// (docs/operations.md#settings-watcher-state).
func TestOverviewShowsSettingsSync(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name  string
		state settingsync.State
		want  []string
	}{
		{"listening", settingsync.State{Notify: true, Listening: true, Interval: 5 * time.Second, LastApplied: now.Add(-3 * time.Minute)},
			[]string{"Shared settings", "arrive at once", "Last applied: 3 minutes ago"}},
		{"notifications down", settingsync.State{Notify: true, Interval: 5 * time.Second, LastApplied: now.Add(-3 * time.Minute)},
			[]string{"notifications are down", "within 5s", "Last applied: 3 minutes ago"}},
		{"sqlite", settingsync.State{Interval: 5 * time.Second},
			[]string{"checked for every 5s", "No change from elsewhere applied"}},
		{"failed", settingsync.State{Notify: true, Listening: true, Interval: 5 * time.Second, LastAttempt: now.Add(-2 * time.Minute), LastFailed: true},
			[]string{"Applying the stored settings failed 2 minutes ago"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := newEnv(t, func(c *panel.Config) {
				c.SettingsSync = func() settingsync.State { return tc.state }
			})
			_, body := newClient(ev).do("GET", "/admin/", nil, nil)
			text := stripTags(body)
			for _, want := range tc.want {
				if !strings.Contains(text, want) {
					t.Errorf("overview lacks %q:\n%s", want, text)
				}
			}
		})
	}
}
