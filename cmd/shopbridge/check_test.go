package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCheckHelpDocumentsFlagsAndEnv(t *testing.T) {
	code, out, _ := runArgs(t, nil, time.Now(), nil, "check", "-h")
	if code != 0 {
		t.Fatalf("check -h: exit %d", code)
	}
	for _, want := range []string{"-url", "-customer", "-shop", "-apikey", "-storefront", "-login", "-merchant-api", "-order", "-json", "-timeout",
		"SHOPGATE_PLUGIN_API_URL", "SHOPGATE_CUSTOMER_NUMBER", "SHOPGATE_SHOP_NUMBER", "SHOPGATE_APIKEY", "SHOPGATE_CHECK_STOREFRONT",
		"SHOPGATE_CHECK_LOGIN", "SHOPGATE_CHECK_MERCHANT_API", "SHOPGATE_CHECK_ORDER", "ADDR", "Exit status"} {
		if !strings.Contains(out, want) {
			t.Errorf("check -h does not mention %s", want)
		}
	}
	if code, _, errOut := runArgs(t, nil, time.Now(), nil, "check", "-nope"); code != 2 || !strings.Contains(errOut, "usage: shopbridge check") {
		t.Errorf("bad flag: exit %d, %q", code, errOut)
	}
}

// TestCheckJSONAgainstRefusingShop: a shop that refuses every request is
// reported as not ready (exit 1) in valid JSON; flags beat the
// environment.
func TestCheckJSONAgainstRefusingShop(t *testing.T) {
	var users []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		users = append(users, r.Header.Get("X-Shopgate-Auth-User"))
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"error":120,"error_text":"authentication failed","trace_id":null}`))
	}))
	t.Cleanup(srv.Close)
	vars := map[string]string{"SHOPGATE_CUSTOMER_NUMBER": "55555", "SHOPGATE_SHOP_NUMBER": "66666", "SHOPGATE_APIKEY": "abcdef0123456789abcd",
		"SHOPGATE_PLUGIN_API_URL": srv.URL}
	code, out, errOut := runArgs(t, srv.Client(), time.Unix(1700000000, 0), vars, "check", "-json", "-customer", "12345")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, errOut)
	}
	var rep struct {
		Schema  string `json:"schema"`
		OK      bool   `json:"ok"`
		Results []struct {
			Number  int    `json:"number"`
			Verdict string `json:"verdict"`
			Fix     string `json:"fix"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Schema != "shopbridge.check/v1" || rep.OK || len(rep.Results) != 15 {
		t.Fatalf("report %+v", rep)
	}
	if r := rep.Results[9]; r.Number != 10 || r.Verdict != "no" || !strings.Contains(r.Fix, "-apikey") {
		t.Errorf("question 10: %+v", r)
	}
	if len(users) == 0 || users[0] != "12345-1700000000" {
		t.Errorf("auth users %v, want the -customer flag and the given clock", users)
	}
}
