package redirect

import (
	"strings"
	"testing"
)

// TestHTMLTagsAllowlist reproduces the html_tags script injection: a
// value with script elements, event handlers or javascript: URLs is
// refused by ValidateHTMLTags and renders nothing dangerous.
func TestHTMLTagsAllowlist(t *testing.T) {
	tests := []struct {
		name, tags string
		valid      bool
		forbidden  string // must not appear in the rendered tags
	}{
		{name: "empty", tags: "", valid: true},
		{name: "link alternate", tags: `{"html_tags":[{"name":"link","attributes":[{"name":"rel","value":"alternate"},{"name":"href","value":"{baseUrl}/item"}]}]}`, valid: true},
		{name: "meta", tags: `{"html_tags":[{"name":"meta","attributes":[{"name":"name","value":"x"},{"name":"content","value":"y"}]}]}`, valid: true},
		{name: "https href", tags: `{"html_tags":[{"name":"link","attributes":[{"name":"href","value":"https://m.example.com/"}]}]}`, valid: true},
		{name: "script", tags: `{"html_tags":[{"name":"script","attributes":[{"name":"src","value":"https://evil.example/x.js"}]}]}`, forbidden: "<script"},
		{name: "iframe onload", tags: `{"html_tags":[{"name":"iframe","attributes":[{"name":"onload","value":"alert(1)"}]}]}`, forbidden: "<iframe"},
		{name: "link onload", tags: `{"html_tags":[{"name":"link","attributes":[{"name":"rel","value":"x"},{"name":"onload","value":"alert(1)"}]}]}`, forbidden: "onload"},
		{name: "javascript href", tags: `{"html_tags":[{"name":"link","attributes":[{"name":"href","value":" JavaScript:alert(1)"}]}]}`, forbidden: "avaScript"},
		{name: "data href", tags: `{"html_tags":[{"name":"link","attributes":[{"name":"href","value":"data:text/html,x"}]}]}`, forbidden: "data:"},
		{name: "javascript suffix", tags: `{"html_tags":[{"name":"link","attributes":[{"name":"href","deeplink_suffix":{"default":"javascript:alert(1)"}}]}]}`, forbidden: "javascript"},
		{name: "meta refresh", tags: `{"html_tags":[{"name":"meta","attributes":[{"name":"http-equiv","value":"refresh"},{"name":"content","value":"0;url=https://evil.example"}]}]}`, forbidden: "http-equiv"},
		{name: "not json", tags: `{x`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := ValidateHTMLTags(tc.tags); (err == nil) != tc.valid {
				t.Fatalf("ValidateHTMLTags = %v, want valid %v", err, tc.valid)
			}
			r, err := New(Config{Enabled: true, ShopNumber: "12345", ShopActive: true, HTMLTags: tc.tags})
			if err != nil {
				return // rejected at build time is fine too
			}
			out := string(r.AppendTags(nil, Product("SKU-1")))
			if tc.forbidden != "" && strings.Contains(out, tc.forbidden) {
				t.Fatalf("rendered %q", out)
			}
		})
	}
}
