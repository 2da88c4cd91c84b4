package middleware

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/shopbridge/shopbridge/redirect"
)

// TestVaryOnEveryUserAgentDependentResponse: whenever the answer to one
// request differs between user agents (redirect or not, Mobile Header or
// not), every one of those answers carries Vary: User-Agent, so that a
// shared cache never serves one device's answer to another
// (docs/protocol/mobile-redirect.md#vary). The one exception is the spec's:
// the redirect of a page of type default has no Vary.
func TestVaryOnEveryUserAgentDependentResponse(t *testing.T) {
	uas := []string{uaIPhone, uaChromeWin, uaIPad, uaGooglebotPhone, ""}
	pages := map[string]redirect.Page{"product": redirect.Product("SKU-1"), "home": redirect.Home(), "default": redirect.DefaultPage()}
	optOuts := map[string][2]string{"none": {"/p?a=1", ""}, "query": {"/p?shopgate_redirect=1", ""}, "cookie": {"/p", redirect.CookieName + "=1"}}
	dependent := 0
	for _, header := range []redirect.HeaderMode{redirect.HeaderBuiltin, redirect.HeaderHosted} {
		for _, tech := range []redirect.Technique{redirect.TechniqueHTTP, redirect.TechniqueJS} {
			for _, defaultRedirect := range []bool{false, true} {
				for pname, page := range pages {
					for oname, oo := range optOuts {
						name := fmt.Sprintf("%s/%s/default=%v/%s/optout=%s", header, tech, defaultRedirect, pname, oname)
						cfg := fixtureConfig(page)
						cfg.Redirect.MobileHeader, cfg.Redirect.Technique, cfg.Redirect.DefaultRedirect = header, tech, defaultRedirect
						type answer struct {
							status         int
							location, body string
							vary           bool
						}
						var got []answer
						for _, ua := range uas {
							rec, _ := serve(t, cfg, newRequest(http.MethodGet, oo[0], ua, oo[1]), nil)
							got = append(got, answer{rec.Code, rec.Header().Get("Location"), rec.Body.String(), hasVaryUA(rec.Header())})
						}
						differ := false
						for _, a := range got[1:] {
							differ = differ || a.status != got[0].status || a.location != got[0].location || a.body != got[0].body
						}
						if !differ {
							continue
						}
						dependent++
						if pname == "default" && oname == "none" {
							continue // the spec's exception (no Vary for type default)
						}
						for i, a := range got {
							if !a.vary {
								t.Errorf("%s: UA %q answered %d without Vary: User-Agent although the answer depends on the UA", name, uas[i], a.status)
							}
						}
					}
				}
			}
		}
	}
	if dependent < 10 {
		t.Fatalf("only %d user-agent-dependent cases: the table does not exercise the middleware", dependent)
	}
}

func hasVaryUA(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		if http.CanonicalHeaderKey(v) == "User-Agent" {
			return true
		}
	}
	return false
}
