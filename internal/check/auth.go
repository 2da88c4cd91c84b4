package check

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/shopbridge/shopbridge/shopgate"
)

// authVariant is one way of signing a request wrongly.
type authVariant struct {
	name string
	sign func(r *runner, h http.Header)
}

// headers sets the two auth headers from explicit parts.
func headers(h http.Header, user, token string) {
	h.Set(shopgate.HeaderAuthUser, user)
	h.Set(shopgate.HeaderAuthToken, token)
}

// wrongAuth are the wrong signatures every shop must answer with 120
// (docs/protocol/plugin-api.md#spa-authentication).
var wrongAuth = []authVariant{
	{"wrong API key", func(r *runner, h http.Header) {
		ts := r.cfg.Now().Unix()
		wrong := "0123456789abcdef0123"
		if wrong == r.cfg.APIKey {
			wrong = "3210fedcba9876543210"
		}
		headers(h, r.cfg.CustomerNumber+"-"+strconv.FormatInt(ts, 10),
			shopgate.Token(shopgate.PrefixSPA, r.cfg.CustomerNumber, ts, wrong))
	}},
	{"wrong customer number", func(r *runner, h http.Header) {
		ts := r.cfg.Now().Unix()
		other := otherNumber(r.cfg.CustomerNumber)
		headers(h, other+"-"+strconv.FormatInt(ts, 10), shopgate.Token(shopgate.PrefixSPA, other, ts, r.cfg.APIKey))
	}},
	{"text before the user header (not anchored)", func(r *runner, h http.Header) {
		ts := r.cfg.Now().Unix()
		headers(h, "x"+r.cfg.CustomerNumber+"-"+strconv.FormatInt(ts, 10),
			shopgate.Token(shopgate.PrefixSPA, r.cfg.CustomerNumber, ts, r.cfg.APIKey))
	}},
	{"timestamp two hours old", func(r *runner, h http.Header) {
		shopgate.SignRequest(h, shopgate.PrefixSPA, r.cfg.CustomerNumber, r.cfg.APIKey, r.cfg.Now().Add(-7200e9))
	}},
	{"no auth headers", func(*runner, http.Header) {}},
	{"malformed user header (underscore)", func(r *runner, h http.Header) {
		ts := r.cfg.Now().Unix()
		headers(h, r.cfg.CustomerNumber+"_"+strconv.FormatInt(ts, 10),
			shopgate.Token(shopgate.PrefixSPA, r.cfg.CustomerNumber, ts, r.cfg.APIKey))
	}},
	{"Merchant API (SMA) token", func(r *runner, h http.Header) {
		shopgate.SignRequest(h, shopgate.PrefixSMA, r.cfg.CustomerNumber, r.cfg.APIKey, r.cfg.Now())
	}},
	{"upper-case token", func(r *runner, h http.Header) {
		shopgate.SignRequest(h, shopgate.PrefixSPA, r.cfg.CustomerNumber, r.cfg.APIKey, r.cfg.Now())
		h.Set(shopgate.HeaderAuthToken, strings.ToUpper(h.Get(shopgate.HeaderAuthToken)))
	}},
}

// otherNumber returns a customer number that differs from n.
func otherNumber(n string) string {
	if v, err := strconv.ParseInt(n, 10, 64); err == nil && v > 10 {
		return strconv.FormatInt(v+1, 10)
	}
	return "98765"
}

// checkAuth is question 10: a correct signature passes, every wrong one
// is answered with 120.
func (r *runner) checkAuth(ctx context.Context) Result {
	ok := r.call(ctx, p("action", "ping"), r.valid())
	ev := []Evidence{ok.expectCode(0, "correctly signed ping")}
	r.authOK = ok.err == nil && ok.code == 0
	if !r.authOK {
		fix := "The shop refuses a correctly signed request: check that -customer and -apikey are the credentials configured in the shop, that the shop's clock is right (±30 min) and that -url points at the Plugin API."
		if ok.err != nil || ok.code < 0 {
			fix = "No Plugin API envelope came back: check -url (the endpoint is normally <shop>/shopgate/api) and that the shop is running."
		}
		return Result{Number: 10, Verdict: No, Evidence: ev, Fix: fix}
	}
	for _, v := range wrongAuth {
		a := r.call(ctx, p("action", "ping"), func(h http.Header) { v.sign(r, h) })
		ev = append(ev, a.expectCode(shopgate.CodeAuthenticationFailed, v.name))
	}
	return result(10, ev, "Every wrongly signed request must be answered with 120 \"authentication failed\": verify the token with shopgate.VerifyAuth (handlers/pluginapi does) and never switch InsecureSkipAuth on in production.")
}
