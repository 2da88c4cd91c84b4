package redirect

import (
	"net/url"
	"strings"
	"testing"
)

func asciiContainsFold(s, sub string) bool {
	return strings.Contains(asciiLower(s), asciiLower(sub))
}

// FuzzUserAgent checks the matcher against the plain definition (a keyword
// and no skip keyword, ASCII case folding) and that classification never
// panics.
func FuzzUserAgent(f *testing.F) {
	for _, ua := range []string{uaIPhone, uaIPad, uaChromeWin, uaGooglebotPhone, uaBingbotPhone, uaShopgateApp, "", "\xff\xfe", "ANDROID nexus 7"} {
		f.Add(ua)
	}
	m := NewMatcher(fixtureKeywords)
	d := &Detector{Keywords: func() *Matcher { return m }, Tablets: TabletsNever}
	f.Fuzz(func(t *testing.T, ua string) {
		want := false
		for _, k := range fixtureKeywords.Keywords {
			if asciiContainsFold(ua, k) {
				want = true
			}
		}
		for _, k := range fixtureKeywords.SkipKeywords {
			if asciiContainsFold(ua, k) {
				want = false
			}
		}
		if got := m.Match(ua); got != want {
			t.Fatalf("Match(%q) = %v, want %v", ua, got, want)
		}
		dev := d.Classify(ua)
		if dev.Redirect() && !want {
			t.Fatalf("Classify(%q) = %v for a user agent the lists do not call mobile", ua, dev)
		}
	})
}

// FuzzCookie checks the opt-out cookie parser against net/http's cookie
// parsing for well-formed headers and that it never panics.
func FuzzCookie(f *testing.F) {
	for _, c := range []string{"SHOPGATE_MOBILE_WEBPAGE=1", "a=b; SHOPGATE_MOBILE_WEBPAGE=0", `SHOPGATE_MOBILE_WEBPAGE="1"`, "SHOPGATE_MOBILE_WEBPAGE=%31", ";;=", "SHOPGATE_MOBILE_WEBPAGE", "SHOPGATE_MOBILE_WEBPAGE=\r", "SHOPGATE_MOBILE_WEBPAGE=1\r\n"} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := CookieOptOut([]string{header})
		if !strings.Contains(header, CookieName) && got {
			t.Fatalf("CookieOptOut(%q) without the cookie name", header)
		}
		// A single simple cookie: the value decides. As net/http does, the
		// white space " \t\r\n" around the value is not part of it; other
		// control or non-ASCII bytes make the value one net/http refuses,
		// and are left to the parser.
		if v, ok := strings.CutPrefix(header, CookieName+"="); ok && !strings.ContainsAny(v, ";\"%+") && printableASCII(strings.Trim(v, " \t\r\n")) {
			v = strings.Trim(v, " \t\r\n")
			if want := v != "" && v != "0"; got != want {
				t.Fatalf("CookieOptOut(%q) = %v, want %v", header, got, want)
			}
		}
	})
}

// FuzzQuery checks the opt-out parameter and the redirect target for
// arbitrary query strings: the target stays a valid URL on the Mobile
// Website and carries only redirectable parameters.
func FuzzQuery(f *testing.F) {
	for _, q := range []string{"", "shopgate_redirect=1", "utm_source=a&utm_source=b&x=1", "lang=%zz", "trackingNo=A%20B&trackingno=x", "&&=&", "gclid=%E2%80%A8"} {
		f.Add(q, "SKU-1")
	}
	r, err := New(Config{Enabled: true, ShopNumber: "12345", ShopActive: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, rawQuery, id string) {
		_ = QueryOptOut(rawQuery)
		for _, p := range []Page{Product(id), Search(id), Brand(id), CMS(id), Category(id), Home()} {
			target := string(r.AppendTarget(nil, p.Normalize(), rawQuery))
			u, err := url.Parse(target)
			if err != nil {
				t.Fatalf("target %q: %v", target, err)
			}
			if u.Scheme != "http" || u.Host != "my-shop.shopgate.com" {
				t.Fatalf("target %q leaves the Mobile Website", target)
			}
			for name := range u.Query() {
				if name != "s" && name != "q" && !r.redirectable(name) {
					t.Fatalf("target %q carries %q", target, name)
				}
			}
			if strings.ContainsAny(target, " \r\n\"<>") {
				t.Fatalf("target %q not escaped", target)
			}
		}
		snippet := string(r.AppendSnippet(nil, Product(id).Normalize()))
		if strings.Count(snippet, "</script>") != 1 {
			t.Fatalf("identifier %q breaks out of the script", id)
		}
	})
}

// FuzzPHPQuery checks the PHP $_GET reading of query strings: urldecode
// agrees with net/url wherever net/url can decode, keeps invalid escapes
// literally otherwise, and QueryValue agrees with net/url's parsing (last
// value) for plain names and well-formed queries.
func FuzzPHPQuery(f *testing.F) {
	for _, q := range []string{"q=a&q=b", "q=%ZZ", "q.x=1", "q[]=1&q=2", "q%5B%5D=1", "+q=1", "q=100%", "q[=1", "q=a+b%20c"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		for _, part := range strings.Split(rawQuery, "&") {
			got := phpURLDecode(part)
			if want, err := url.QueryUnescape(part); err == nil && got != want {
				t.Fatalf("phpURLDecode(%q) = %q, net/url %q", part, got, want)
			}
			if !strings.Contains(part, "%") && got != strings.ReplaceAll(part, "+", " ") {
				t.Fatalf("phpURLDecode(%q) = %q", part, got)
			}
			name, array, ok := phpVarName(got)
			if ok && (name == "" || strings.ContainsAny(name, "\x00") || (array && strings.ContainsAny(name, " .["))) {
				t.Fatalf("phpVarName(%q) = %q, %v", got, name, array)
			}
		}
		values, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		for name := range values {
			if strings.ContainsAny(name, " .[]\x00") {
				return // PHP may register it under another name
			}
		}
		for name, vs := range values {
			if name == "" {
				continue
			}
			if got, ok := QueryValue(rawQuery, name); !ok || got != vs[len(vs)-1] {
				t.Fatalf("QueryValue(%q, %q) = %q, %v; net/url %q", rawQuery, name, got, ok, vs[len(vs)-1])
			}
		}
		_ = QueryOptOut(rawQuery)
	})
}

// printableASCII reports whether s holds only the bytes 0x21–0x7e.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
