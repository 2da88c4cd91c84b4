package redirect

// Decision is what one view of a shop page gets from the Mobile Redirect,
// as decided by Redirector.Decide. The zero value leaves the page alone.
// Applying it is the caller's part (package middleware does it for Echo).
type Decision struct {
	// Redirect: answer with 301 Moved Permanently to the page's target
	// (AppendTarget with the request's raw query) before the shop renders
	// the page, with "Cache-Control: private, no-cache" so that a cached
	// 301 cannot bypass a later opt-out.
	Redirect bool
	// VaryUserAgent: the answer depends on the User-Agent header; add it to
	// the Vary header, whether the page is redirected or not.
	VaryUserAgent bool
	// Snippet: put the JavaScript snippet (AppendSnippet) into the HTML
	// page. Set for every page of an active redirect that is not
	// redirected.
	Snippet bool
	// MobileHeader: put the built-in Mobile Header (AppendMobileHeader)
	// into the HTML page: the visitor opted out, the device would be
	// redirected, and the Mobile Header mode is builtin.
	MobileHeader bool
}

// defaultDetector classifies with DefaultKeywords, tablets by keywords.
var defaultDetector = NewDetector(nil, TabletsByKeywords)

// Decide makes the Mobile Redirect decision for one view of page p by a
// visitor with the given User-Agent header who opted out (QueryOptOut,
// CookieOptOut) or not. It is pure: it reads no request and writes no
// response.
//
// The page is normalized (Page.Normalize) first; pass the normalized page
// to AppendTarget and AppendSnippet. The detector d (nil: DefaultKeywords,
// tablets by keywords) runs only when the decision depends on the device,
// at most once per call. Decide does not allocate.
//
// An inactive redirector (Active is false) decides nothing: the zero
// Decision. Otherwise an opted-out visitor is never redirected; the page
// gets the snippet, and the built-in Mobile Header if the device would be
// redirected (then every opted-out page varies by user agent). A page whose type does not redirect (Redirects), or any page
// with the js technique, gets the snippet. Otherwise mobile visitors and
// smartphone crawlers (Device.Redirect) are redirected, everybody else gets
// the snippet, and pages other than the default page vary by user agent.
func (r *Redirector) Decide(d *Detector, p Page, userAgent string, optedOut bool) Decision {
	if !r.active {
		return Decision{}
	}
	if d == nil {
		d = defaultDetector
	}
	if optedOut {
		// The built-in Mobile Header is for devices that would be
		// redirected: with it the page depends on the user agent.
		return Decision{Snippet: true, MobileHeader: r.builtin && d.Classify(userAgent).Redirect(), VaryUserAgent: r.builtin}
	}
	p = p.Normalize()
	if !r.http || !r.Redirects(p) {
		return Decision{Snippet: true}
	}
	vary := p.Type != PageDefault
	if d.Classify(userAgent).Redirect() {
		return Decision{Redirect: true, VaryUserAgent: vary}
	}
	return Decision{Snippet: true, VaryUserAgent: vary}
}
