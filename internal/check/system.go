package check

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopbridge/shopbridge/shopgate"
)

// checkErrors is question 12: wrong requests are answered with a precise
// error code in the envelope, never with HTTP 500 or a broken answer.
func (r *runner) checkErrors(ctx context.Context) Result {
	if !r.authOK {
		return r.noAuth(12)
	}
	var ev []Evidence
	a := r.call(ctx, p("action", "shopbridge_check_no_such_action"), r.valid())
	ev = append(ev, a.expectCode(shopgate.CodeUnknownAction, "unknown action"))
	a = r.call(ctx, p("action", "ping", "shop_number", otherNumber(r.cfg.ShopNumber+"1")), r.valid())
	ev = append(ev, a.expectCode(shopgate.CodeUnknownShopNumber, "unknown shop number"))
	a = r.call(ctx, p("action", "get_log_file", "log_type", "no_such_log"), r.valid())
	ev = append(ev, a.expectCode(shopgate.CodeUnknownLogtype, "unknown log type"))
	// Malformed input: broken brackets and a nested value where a string
	// is expected must give an error code, not a crash.
	for _, bad := range [][]param{
		p("action", "cron", "jobs", "not-a-list"),
		p("action", "set_settings", "shopgate_settings[0][value]", "x"),
		p("action", "get_items", "response_type", "json"),
		p("action", "add_order", "order_number[0][x]", "1"),
	} {
		a = r.call(ctx, bad, r.valid())
		ok := a.err == nil && a.status == http.StatusOK && a.code > 0 && a.code != shopgate.CodeUnknownError
		note := "malformed input must be answered with its own error code"
		if a.code == shopgate.CodeUnknownError {
			note = "999 is the code for unexpected failures: this input should have a precise code"
		}
		ev = append(ev, a.evidence(ok, note))
	}
	return result(12, ev, "Answer every request with the Plugin API envelope and a precise error code (handlers/pluginapi does); recover panics and never answer HTTP 500.")
}

// checkPing is question 14: ping answers pong with versions and the
// configuration, secrets masked.
func (r *runner) checkPing(ctx context.Context) Result {
	if !r.authOK {
		return r.noAuth(14)
	}
	a := r.call(ctx, p("action", "ping"), r.valid())
	var problems, facts []string
	if a.err != nil || a.code != 0 {
		problems = append(problems, "expected error 0")
	} else {
		if fmt.Sprint(a.json["pong"]) != "OK" {
			problems = append(problems, "no pong OK")
		}
		for _, k := range []string{"shopgate_library_version", "plugin_version"} {
			if v, _ := a.json[k].(string); v == "" {
				problems = append(problems, "no "+k)
			} else {
				facts = append(facts, k+" "+v)
			}
		}
		if _, ok := a.json["configuration"].(map[string]any); !ok {
			problems = append(problems, "no configuration")
		}
		if strings.Contains(string(a.body), r.cfg.APIKey) {
			problems = append(problems, "the API key is shown unmasked")
		}
	}
	ev := []Evidence{a.evidence(len(problems) == 0, append(facts, problems...)...)}
	return result(14, ev, "ping must answer pong, shopgate_library_version, plugin_version and the configuration with secrets masked (handlers/pluginapi does).")
}

// checkMerchantAPI is question 15: an authenticated call to the chosen
// Merchant API server answers.
func (r *runner) checkMerchantAPI(ctx context.Context) Result {
	if r.cfg.MerchantAPI == "" {
		return notChecked(15, "needs -merchant-api (live, pg, sl or the URL of a fake or development server)")
	}
	cc := shopgate.ClientConfig{
		CustomerNumber:  r.cfg.CustomerNumber,
		ShopNumber:      r.cfg.ShopNumber,
		APIKey:          r.cfg.APIKey,
		HTTPClient:      r.cfg.Client,
		RequestsPerHour: -1,
	}
	switch env := shopgate.Environment(r.cfg.MerchantAPI); env {
	case shopgate.EnvLive, shopgate.EnvPlayground, shopgate.EnvSpotlight:
		cc.Environment = env
	default:
		cc.Environment, cc.BaseURL = shopgate.EnvCustom, r.cfg.MerchantAPI
	}
	fix := "The Merchant API must accept the shop's credentials: check customer number, shop number and API key, and the server (live, pg for the playground, or custom with api_url)."
	c, err := shopgate.NewClient(cc)
	if err != nil {
		return Result{Number: 15, Verdict: No, Evidence: []Evidence{{Sent: "Merchant API client for " + r.cfg.MerchantAPI, Received: err.Error()}}, Fix: fix}
	}
	start := time.Now()
	info, err := c.GetShopInfo(ctx)
	ev := Evidence{Sent: "POST " + c.BaseURL() + " action=get_shop_info (SMA-signed)", Millis: ms(time.Since(start))}
	if err != nil {
		ev.Received = err.Error()
	} else {
		ev.OK = true
		ev.Received = "answered"
		if info != nil && info.Alias != "" {
			ev.Received += ", alias " + info.Alias
		}
	}
	return result(15, []Evidence{ev}, fix)
}
