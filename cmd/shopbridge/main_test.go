package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/shopgate"
)

// runArgs runs the command line args with env vars vars against client at
// time now, returning the exit code, stdout and stderr.
func runArgs(t *testing.T, client *http.Client, now time.Time, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, env{
		getenv: func(k string) string { return vars[k] },
		stdout: &out,
		stderr: &errOut,
		client: client,
		now:    func() time.Time { return now },
	})
	return code, out.String(), errOut.String()
}

func TestHelpDocumentsCommandsFlagsAndEnv(t *testing.T) {
	code, out, _ := runArgs(t, nil, time.Now(), nil, "-h")
	if code != 0 {
		t.Fatalf("-h: exit %d", code)
	}
	for _, c := range commands {
		if !strings.Contains(out, "  "+c.name+" ") {
			t.Errorf("-h does not list %s:\n%s", c.name, out)
		}
	}
	code, out, _ = runArgs(t, nil, time.Now(), nil, "call", "-h")
	if code != 0 {
		t.Fatalf("call -h: exit %d", code)
	}
	for _, want := range []string{"-url", "-h", "SHOPGATE_CUSTOMER_NUMBER", "SHOPGATE_SHOP_NUMBER", "SHOPGATE_APIKEY", "ADDR"} {
		if !strings.Contains(out, want) {
			t.Errorf("call -h does not mention %s", want)
		}
	}
	if code, _, errOut := runArgs(t, nil, time.Now(), nil); code != 2 || !strings.Contains(errOut, "usage: shopbridge") {
		t.Errorf("no command: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runArgs(t, nil, time.Now(), nil, "nope"); code != 2 || !strings.Contains(errOut, `unknown command "nope"`) {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runArgs(t, nil, time.Now(), nil, "call"); code != 2 || !strings.Contains(errOut, "no action given") {
		t.Errorf("call without action: exit %d, %q", code, errOut)
	}
}

func TestParseCallArgs(t *testing.T) {
	env := func(k string) string {
		if k == "ADDR" {
			return ":9090"
		}
		return ""
	}
	tests := []struct {
		args    []string
		url     string
		action  string
		pairs   int
		wantErr bool
	}{
		{[]string{"ping"}, "http://localhost:9090/shopgate/api", "ping", 0, false},
		{[]string{"cron", "jobs[0][job_name]=x", "-url", "http://h/api"}, "http://h/api", "cron", 1, false},
		{[]string{"-url=http://h/x", "get_items", "limit=1", "offset=0"}, "http://h/x", "get_items", 2, false},
		{[]string{}, "", "", 0, true},
		{[]string{"ping", "-url"}, "", "", 0, true},
		{[]string{"ping", "=x"}, "", "", 0, true},
	}
	for _, tt := range tests {
		cr, err := parseCallArgs(tt.args, env)
		if (err != nil) != tt.wantErr {
			t.Errorf("%v: err = %v", tt.args, err)
			continue
		}
		if err == nil && (cr.url != tt.url || cr.action != tt.action || len(cr.pairs) != tt.pairs) {
			t.Errorf("%v: got %+v", tt.args, cr)
		}
	}
	if cr, err := parseCallArgs([]string{"ping"}, func(k string) string {
		if k == "ADDR" {
			return "10.0.0.1:80"
		}
		return ""
	}); err != nil || cr.url != "http://10.0.0.1:80/shopgate/api" {
		t.Errorf("host:port ADDR: %+v, %v", cr, err)
	}
}

// TestCallAgainstPluginAPI sends calls to the real Plugin API handler
// configured with the demo credentials.
func TestCallAgainstPluginAPI(t *testing.T) {
	h, err := pluginapi.New(pluginapi.Config{
		Shops:  []pluginapi.ShopConfig{{CustomerNumber: demoCustomerNumber, ShopNumber: demoShopNumber, APIKey: demoAPIKey}},
		LogDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	e := echo.New()
	h.Mount(e.Group("/shopgate/api"))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	now := time.Now()
	url := srv.URL + "/shopgate/api"

	code, out, errOut := runArgs(t, srv.Client(), now, nil, "call", "ping", "-url", url)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != 0 || m["pong"] != "OK" {
		t.Fatalf("ping: exit %d, %v, %s%s", code, err, out, errOut)
	}
	if !strings.Contains(out, "\n  \"") {
		t.Errorf("answer not indented: %s", out)
	}
	if tr, _ := m["trace_id"].(string); !strings.HasPrefix(tr, "cli-") {
		t.Errorf("trace_id = %v", m["trace_id"])
	}
	// A token from 31 minutes ago is refused: exit 1 with the answer shown.
	code, out, _ = runArgs(t, srv.Client(), now.Add(-31*time.Minute), nil, "call", "ping", "-url="+url)
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != 1 || m["error"].(float64) != 120 {
		t.Errorf("old token: exit %d, %s", code, out)
	}
	// Nested parameters in bracket notation reach the dispatcher.
	code, out, _ = runArgs(t, srv.Client(), now, nil, "call", "cron", "jobs[0][job_name]=nope", "jobs[1][job_name]=other", "-url", url)
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != 1 || m["error"].(float64) == 0 {
		t.Errorf("cron: exit %d, %s", code, out)
	}
	// Other credentials from the environment are refused by this shop.
	vars := map[string]string{"SHOPGATE_CUSTOMER_NUMBER": "55555", "SHOPGATE_SHOP_NUMBER": demoShopNumber, "SHOPGATE_APIKEY": "abcdefabcdefabcdefab"}
	if code, out, _ := runArgs(t, srv.Client(), now, vars, "call", "ping", "-url", url); code != 1 || !strings.Contains(out, `"error"`) {
		t.Errorf("foreign credentials: exit %d, %s", code, out)
	}
}

// TestCallRequest checks the request on the wire and the handling of
// answers that are not Plugin API JSON.
func TestCallRequest(t *testing.T) {
	vars := map[string]string{"SHOPGATE_CUSTOMER_NUMBER": "55555", "SHOPGATE_SHOP_NUMBER": "66666", "SHOPGATE_APIKEY": "abcdefabcdefabcdefab"}
	now := time.Unix(1_750_000_000, 0)
	var gotBody string
	var gotHeader http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody, gotHeader = string(b), r.Header.Clone()
		switch r.URL.Path {
		case "/fail":
			http.Error(w, "broken", http.StatusInternalServerError)
		case "/text":
			io.WriteString(w, "plain answer")
		default:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"error":0}`)
		}
	}))
	t.Cleanup(srv.Close)

	code, _, errOut := runArgs(t, srv.Client(), now, vars, "call", "get_items", "limit=10", "b=x&y", "-url", srv.URL+"/api")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := fmt.Sprintf("action=get_items&limit=10&b=x%%26y&shop_number=66666&trace_id=cli-%x", now.UnixNano())
	if gotBody != want {
		t.Errorf("body = %q", gotBody)
	}
	if err := shopgate.VerifyAuth(shopgate.PrefixSPA, gotHeader.Get(shopgate.HeaderAuthUser), gotHeader.Get(shopgate.HeaderAuthToken),
		"55555", "abcdefabcdefabcdefab", now); err != nil {
		t.Errorf("signature: %v", err)
	}
	if gotHeader.Get("User-Agent") != "Shopgate" || gotHeader.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("headers %v", gotHeader)
	}
	// Given shop_number and trace_id are kept.
	runArgs(t, srv.Client(), now, vars, "call", "ping", "shop_number=1", "trace_id=t1", "-url", srv.URL)
	if gotBody != "action=ping&shop_number=1&trace_id=t1" {
		t.Errorf("body = %q", gotBody)
	}
	if code, out, errOut := runArgs(t, srv.Client(), now, vars, "call", "ping", "-url", srv.URL+"/fail"); code != 1 ||
		!strings.Contains(errOut, "HTTP 500") || !strings.Contains(out, "broken") {
		t.Errorf("HTTP 500: exit %d, %q, %q", code, out, errOut)
	}
	if code, out, _ := runArgs(t, srv.Client(), now, vars, "call", "ping", "-url", srv.URL+"/text"); code != 0 || out != "plain answer" {
		t.Errorf("text answer: exit %d, %q", code, out)
	}
	srv.Close()
	if code, _, errOut := runArgs(t, http.DefaultClient, now, vars, "call", "ping", "-url", srv.URL); code != 1 || !strings.HasPrefix(errOut, "shopbridge call: ") {
		t.Errorf("server down: exit %d, %q", code, errOut)
	}
}
