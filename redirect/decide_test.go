package redirect

import (
	"sync/atomic"
	"testing"
)

// countingDetector classifies with fixtureKeywords and counts how often the
// keyword lists are asked for (once per Classify).
func countingDetector() (*Detector, *atomic.Int32) {
	m := NewMatcher(fixtureKeywords)
	var n atomic.Int32
	return NewDetector(func() *Matcher { n.Add(1); return m }, TabletsByKeywords), &n
}

func newRedirector(t testing.TB, cfg Config) *Redirector {
	t.Helper()
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDecide(t *testing.T) {
	on := Config{Enabled: true, ShopNumber: "12345", ShopActive: true}
	with := func(f func(*Config)) Config { c := on; f(&c); return c }
	var (
		redirect  = Decision{Redirect: true, VaryUserAgent: true}
		redirect0 = Decision{Redirect: true} // default page: no Vary
		snippet   = Decision{Snippet: true}
		snippetV  = Decision{Snippet: true, VaryUserAgent: true}
		// With the built-in header an opted-out page depends on the device.
		withHeaderV = Decision{Snippet: true, MobileHeader: true, VaryUserAgent: true}
	)
	tests := []struct {
		name     string
		cfg      Config
		page     Page
		ua       string
		optedOut bool
		want     Decision
		classify bool // whether the device is looked at
	}{
		{"switched off", with(func(c *Config) { c.Enabled = false }), Product("1"), uaIPhone, false, Decision{}, false},
		{"shop inactive", with(func(c *Config) { c.ShopActive = false }), Product("1"), uaIPhone, false, Decision{}, false},
		{"no shop number", with(func(c *Config) { c.ShopNumber = "" }), Product("1"), uaIPhone, false, Decision{}, false},
		{"phone, product", on, Product("1"), uaIPhone, false, redirect, true},
		{"phone, home", on, Home(), uaAndroidPhone, false, redirect, true},
		{"smartphone crawler", on, Category("7"), uaGooglebotPhone, false, redirect, true},
		{"desktop crawler", on, Category("7"), uaGooglebot, false, snippetV, true},
		{"desktop, product", on, Product("1"), uaChromeWin, false, snippetV, true},
		{"tablet in skip list", on, Product("1"), uaIPad, false, snippetV, true},
		{"no user agent", on, Product("1"), "", false, snippetV, true},
		{"default page, default redirect off", on, DefaultPage(), uaIPhone, false, snippet, false},
		{"default page, default redirect on", with(func(c *Config) { c.DefaultRedirect = true }), DefaultPage(), uaIPhone, false, redirect0, true},
		{"default page, default redirect on, desktop", with(func(c *Config) { c.DefaultRedirect = true }), DefaultPage(), uaChromeWin, false, snippet, true},
		{"product without number is default", on, Product(""), uaIPhone, false, snippet, false},
		{"unknown page type is default", on, Page{Type: PageType(200), ID: "x"}, uaIPhone, false, snippet, false},
		{"page type not enabled", with(func(c *Config) { c.PageTypes = []PageType{PageHome} }), Product("1"), uaIPhone, false, snippet, false},
		{"page type enabled", with(func(c *Config) { c.PageTypes = []PageType{PageHome} }), Home(), uaIPhone, false, redirect, true},
		{"js technique", with(func(c *Config) { c.Technique = TechniqueJS }), Product("1"), uaIPhone, false, snippet, false},
		{"opted out, hosted header", on, Product("1"), uaIPhone, true, snippet, false},
		{"opted out, builtin header, phone", with(func(c *Config) { c.MobileHeader = HeaderBuiltin }), Product("1"), uaIPhone, true, withHeaderV, true},
		{"opted out, builtin header, desktop", with(func(c *Config) { c.MobileHeader = HeaderBuiltin }), Product("1"), uaChromeWin, true, snippetV, true},
		{"opted out, builtin header, js", with(func(c *Config) { c.MobileHeader = HeaderBuiltin; c.Technique = TechniqueJS }), Home(), uaIPhone, true, withHeaderV, true},
		{"builtin header, not opted out", with(func(c *Config) { c.MobileHeader = HeaderBuiltin }), Product("1"), uaIPhone, false, redirect, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRedirector(t, tt.cfg)
			d, n := countingDetector()
			if got := r.Decide(d, tt.page, tt.ua, tt.optedOut); got != tt.want {
				t.Errorf("Decide = %+v, want %+v", got, tt.want)
			}
			if calls := n.Load(); (calls > 0) != tt.classify || calls > 1 {
				t.Errorf("device classified %d times, want looked at: %v", calls, tt.classify)
			}
		})
	}
}

func TestDecideNilDetectorUsesDefaultKeywords(t *testing.T) {
	r := newRedirector(t, Config{Enabled: true, ShopNumber: "12345", ShopActive: true})
	if got := r.Decide(nil, Product("1"), uaIPhone, false); !got.Redirect {
		t.Errorf("iPhone: %+v", got)
	}
	if got := r.Decide(nil, Product("1"), uaIPad, false); got.Redirect {
		t.Errorf("iPad (default skip keyword): %+v", got)
	}
}

func TestDecideTabletPolicy(t *testing.T) {
	r := newRedirector(t, Config{Enabled: true, ShopNumber: "12345", ShopActive: true})
	m := NewMatcher(fixtureKeywords)
	if !r.Decide(NewDetector(func() *Matcher { return m }, TabletsByKeywords), Product("1"), uaLenovoTablet, false).Redirect {
		t.Error("tablet by keywords not redirected")
	}
	if r.Decide(NewDetector(func() *Matcher { return m }, TabletsNever), Product("1"), uaLenovoTablet, false).Redirect {
		t.Error("TabletsNever redirected a tablet")
	}
}

func TestDecideDoesNotAllocate(t *testing.T) {
	r := newRedirector(t, Config{Enabled: true, ShopNumber: "12345", ShopActive: true, MobileHeader: HeaderBuiltin})
	d, _ := countingDetector()
	for _, ua := range []string{uaIPhone, uaChromeWin, uaGooglebotPhone} {
		for _, optedOut := range []bool{false, true} {
			r.Decide(d, Product("SKU-1"), ua, optedOut) // warm the detector's memo
			if n := testing.AllocsPerRun(100, func() { r.Decide(d, Product("SKU-1"), ua, optedOut) }); n != 0 {
				t.Errorf("%q opted out %v: %v allocations", ua, optedOut, n)
			}
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	r := newRedirector(b, Config{Enabled: true, ShopNumber: "12345", ShopActive: true})
	d, _ := countingDetector()
	for _, ua := range []struct{ name, ua string }{{"desktop", uaChromeWin}, {"phone", uaIPhone}} {
		b.Run(ua.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Decide(d, Product("SKU-1"), ua.ua, false)
			}
		})
	}
}
