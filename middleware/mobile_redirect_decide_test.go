package middleware

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/shopbridge/shopbridge/redirect"
)

// TestMiddlewareAppliesDecide: whatever redirect.Decide decides, the
// middleware does over HTTP, and nothing else: 301 to the target, Vary,
// snippet and Mobile Header.
func TestMiddlewareAppliesDecide(t *testing.T) {
	det := redirect.NewDetector(func() *redirect.Matcher { return fixtureMatcher }, redirect.TabletsByKeywords)
	pages := []redirect.Page{redirect.Home(), redirect.Product("SKU-1"), redirect.Search("red shoes"), redirect.DefaultPage(), redirect.Product("")}
	uas := []string{uaIPhone, uaChromeWin, uaGooglebotPhone, uaGooglebot, uaIPad, uaEmpty}
	for _, tech := range []redirect.Technique{redirect.TechniqueHTTP, redirect.TechniqueJS} {
		for _, hdr := range []redirect.HeaderMode{redirect.HeaderHosted, redirect.HeaderBuiltin} {
			for _, defRedirect := range []bool{false, true} {
				settings := fixtureSettings()
				settings.Technique, settings.MobileHeader, settings.DefaultRedirect = tech, hdr, defRedirect
				r, err := redirect.New(settings)
				if err != nil {
					t.Fatal(err)
				}
				for _, page := range pages {
					for _, ua := range uas {
						for _, optedOut := range []bool{false, true} {
							name := fmt.Sprintf("%s/%s/default=%v/%v %q/%.12q/optout=%v", tech, hdr, defRedirect, page.Type, page.ID, ua, optedOut)
							t.Run(name, func(t *testing.T) {
								d := r.Decide(det, page, ua, optedOut)
								cfg := fixtureConfig(page)
								cfg.Redirect = settings
								cookie := ""
								if optedOut {
									cookie = redirect.CookieName + "=1"
								}
								rec, called := serve(t, cfg, newRequest(http.MethodGet, "/p?utm_source=x", ua, cookie), nil)
								w := want{status: http.StatusOK, vary: -1, cookie: optedOut, snippet: d.Snippet, header: d.MobileHeader}
								if d.Redirect {
									w.status = http.StatusMovedPermanently
									w.location = string(r.AppendTarget(nil, page.Normalize(), "utm_source=x"))
								}
								if d.VaryUserAgent {
									w.vary = 1
								}
								checkResponse(t, rec, w)
								if called == d.Redirect {
									t.Errorf("handler called %v, redirect %v", called, d.Redirect)
								}
							})
						}
					}
				}
			}
		}
	}
}
