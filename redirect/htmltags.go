package redirect

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The html_tags allowlist (docs/protocol/mobile-redirect.md#html-tags):
// html_tags is rendered on every desktop page, so only harmless head
// elements are accepted: meta and link, with attributes that carry no
// script. meta http-equiv is left out (a refresh redirects the page), and
// every on* handler is refused. URL attributes must be http(s), protocol
// relative, relative or a template variable; javascript:, data: and the
// like are refused. set_settings validates with ValidateHTMLTags; the
// renderer skips whatever is not allowed as well, so a value stored before
// the rule existed renders nothing dangerous.
var htmlTagAllowlist = map[string]map[string]bool{
	"meta": {"name": true, "content": true, "property": true, "itemprop": true, "charset": true},
	"link": {"rel": true, "href": true, "hreflang": true, "media": true, "type": true, "title": true, "sizes": true},
}

// urlAttributes hold URLs and are checked by safeURL.
var urlAttributes = map[string]bool{"href": true}

// allowedTag reports whether an html_tags element may be rendered.
func allowedTag(name string) bool { return htmlTagAllowlist[strings.ToLower(name)] != nil }

// allowedAttr reports whether an attribute of an allowed element may be
// rendered.
func allowedAttr(tag, attr string) bool {
	return htmlTagAllowlist[strings.ToLower(tag)][strings.ToLower(attr)]
}

// safeURL accepts an http(s), protocol-relative or relative URL, and one
// that starts with a template variable ({baseUrl}); it refuses any other
// scheme (javascript:, data:, vbscript:, …), also hidden behind white
// space or control characters.
func safeURL(v string) bool {
	v = strings.TrimLeft(v, " \t\r\n\f\v\x00")
	if strings.HasPrefix(v, "{") {
		return true
	}
	colon := strings.IndexByte(v, ':')
	if colon < 0 {
		return true
	}
	if cut := strings.IndexAny(v, "/?#"); cut >= 0 && cut < colon {
		return true // the colon is in the path or query: relative
	}
	switch strings.ToLower(v[:colon]) {
	case "http", "https":
		return true
	}
	return false
}

// ValidateHTMLTags checks an html_tags value as set_settings receives it:
// empty, or Shopgate's JSON whose elements and attributes are all on the
// allowlist, with names that cannot break the markup and safe URLs.
func ValidateHTMLTags(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var doc htmlTagsDoc
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		return fmt.Errorf("html_tags: not valid JSON: %w", err)
	}
	for _, t := range doc.HTMLTags {
		if !validName(t.Name) || !allowedTag(t.Name) {
			return fmt.Errorf("html_tags: element %q is not allowed", t.Name)
		}
		for _, a := range t.Attributes {
			if !validName(a.Name) || !allowedAttr(t.Name, a.Name) {
				return fmt.Errorf("html_tags: attribute %q of %s is not allowed", a.Name, t.Name)
			}
			if !urlAttributes[strings.ToLower(a.Name)] {
				continue
			}
			if !safeURL(a.Value) {
				return fmt.Errorf("html_tags: unsafe URL in %s %s", t.Name, a.Name)
			}
			for _, raw := range a.DeeplinkSuffix {
				var v string
				if json.Unmarshal(raw, &v) == nil && a.Value == "" && !safeURL(v) {
					return fmt.Errorf("html_tags: unsafe URL in %s %s", t.Name, a.Name)
				}
			}
		}
	}
	return nil
}
