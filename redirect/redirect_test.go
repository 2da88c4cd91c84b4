package redirect

import (
	"errors"
	"strings"
	"testing"
)

func mustNew(t *testing.T, mod func(*Config)) *Redirector {
	t.Helper()
	cfg := Config{Enabled: true, ShopNumber: "12345", ShopActive: true, Alias: "my-shop"}
	if mod != nil {
		mod(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// TestTargetURLs checks the examples of docs/protocol/mobile-redirect.md#target-url-examples.
func TestTargetURLs(t *testing.T) {
	tests := []struct {
		page  Page
		query string
		mod   func(*Config)
		want  string
	}{
		{Product("SKU-1"), "", nil, "http://my-shop.shopgate.com/item/534b552d31"},
		{ProductPublic("P 100"), "", nil, "http://my-shop.shopgate.com/item/5020313030"},
		{Category("12"), "", nil, "http://my-shop.shopgate.com/category/3132"},
		{Category("Men/Shoes"), "", nil, "http://my-shop.shopgate.com/category/4d656e2f53686f6573"},
		{CMS("about-us"), "", nil, "http://my-shop.shopgate.com/cms/about-us"},
		{CMS("a b/c"), "", nil, "http://my-shop.shopgate.com/cms/a%20b%2Fc"},
		{Brand("Ben & Jerry's"), "", nil, "http://my-shop.shopgate.com/brand?q=Ben+%26+Jerry%27s"},
		{Search("red shoes"), "", nil, "http://my-shop.shopgate.com/search?s=red+shoes"},
		{Search("Größe 42 ~x"), "", nil, "http://my-shop.shopgate.com/search?s=Gr%C3%B6%C3%9Fe+42+%7Ex"},
		{Home(), "", nil, "http://my-shop.shopgate.com"},
		{DefaultPage(), "", nil, "http://my-shop.shopgate.com"},
		{Product("SKU-1"), "utm_source=newsletter&foo=bar&gclid=abc", nil, "http://my-shop.shopgate.com/item/534b552d31?utm_source=newsletter&gclid=abc"},
		{Search("red shoes"), "utm_campaign=spring", nil, "http://my-shop.shopgate.com/search?s=red+shoes&utm_campaign=spring"},
		{Home(), "lang=de", nil, "http://my-shop.shopgate.com?lang=de"},
		{Home(), "trackingNo=A%20B&trackingno=x", nil, "http://my-shop.shopgate.com?trackingNo=A+B"},
		{Home(), "lang=de&gclid=1&lang=en", nil, "http://my-shop.shopgate.com?lang=en&gclid=1"},
		// Issue 16 item 17: values keep invalid escapes literally, as PHP's
		// $_GET does (the SDK passes lang=%25zz); arrays are not passed.
		{Home(), "utm_source[]=x&lang=%zz", nil, "http://my-shop.shopgate.com?lang=%25zz"},
		{Home(), "lang=de", func(c *Config) { c.RedirectableParams = []string{} }, "http://my-shop.shopgate.com"},
		// Issue 16 item 17: the parameters PHP's $_GET holds.
		{Home(), "utm.source=news&utm%20medium=mail", nil, "http://my-shop.shopgate.com?utm_source=news&utm_medium=mail"},
		{Home(), "utm_content=%ZZ", nil, "http://my-shop.shopgate.com?utm_content=%25ZZ"},
		{Home(), "utm_content=50%+off", nil, "http://my-shop.shopgate.com?utm_content=50%25+off"},
		{Home(), "utm_source=a&gclid=1&utm_source[]=b", nil, "http://my-shop.shopgate.com?gclid=1"},
		{Home(), "utm_source[]=b&gclid=1&utm_source=a", nil, "http://my-shop.shopgate.com?utm_source=a&gclid=1"},
		{Home(), "shopgate_redirect=1&lang=de", nil, "http://my-shop.shopgate.com?lang=de"},
		// Issue 16 item 16: the cname's scheme is case-insensitive.
		{Product("SKU-1"), "", func(c *Config) { c.CNAME = "HTTPS://M.Example.com/" }, "https://M.Example.com/item/534b552d31"},
		{Product("SKU-1"), "", func(c *Config) { c.CNAME = " Http://m.example.com// " }, "http://m.example.com/item/534b552d31"},
		{Product("SKU-1"), "", func(c *Config) { c.CNAME = "https://m.example.com/" }, "https://m.example.com/item/534b552d31"},
		{Product("SKU-1"), "", func(c *Config) { c.CNAME = "m.example.com" }, "http://m.example.com/item/534b552d31"},
		{Product("SKU-1"), "", func(c *Config) { c.Server = ServerPlayground }, "http://my-shop.shopgatepg.com/item/534b552d31"},
		{Product("SKU-1"), "", func(c *Config) { c.Server = ServerSpotlight }, "http://my-shop.shopgatesl.com/item/534b552d31"},
		{Product("SKU-1"), "", func(c *Config) { c.Server = ServerCustom }, "http://my-shop.localdev.cc/php/shopgate/index.php/item/534b552d31"},
	}
	for _, tt := range tests {
		r := mustNew(t, tt.mod)
		got := string(r.AppendTarget(nil, tt.page.Normalize(), tt.query))
		if got != tt.want {
			t.Errorf("%v %q query %q: got %q, want %q", tt.page.Type, tt.page.ID, tt.query, got, tt.want)
		}
	}
}

func TestNewRejectsInvalidSettings(t *testing.T) {
	for _, mod := range []func(*Config){
		func(c *Config) { c.Alias = "-shop" },
		func(c *Config) { c.Alias = "my..shop" },
		func(c *Config) { c.Alias = "my shop" },
		func(c *Config) { c.Server = "staging" },
		func(c *Config) { c.Technique = "meta" },
		func(c *Config) { c.MobileHeader = "inline" },
		func(c *Config) { c.ShopNumber = "12a45" },
		func(c *Config) { c.CNAME = "https://" },
		func(c *Config) { c.CNAME = `m.example.com"><script>` },
		func(c *Config) { c.PageTypes = []PageType{PageType(99)} },
	} {
		cfg := Config{Enabled: true, ShopNumber: "12345", ShopActive: true}
		mod(&cfg)
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New(%+v) error = %v, want ErrInvalidConfig", cfg, err)
		}
	}
	for _, alias := range []string{"my-shop", "my--shop", "shop.de", "a1"} {
		if _, err := New(Config{Alias: alias}); err != nil {
			t.Errorf("alias %q rejected: %v", alias, err)
		}
	}
}

// TestNormalizeCNAME: the Plugin API's cname rule with a case-insensitive
// scheme, as in Shopgate's SDK (issue 16 item 16).
func TestNormalizeCNAME(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  ", ""},
		{"m.example.com", "m.example.com"},
		{"m.example.com/", "m.example.com"},
		{"https://m.example.com/", "https://m.example.com"},
		{"HTTPS://M.Example.com/", "https://M.Example.com"},
		{"Http://shop.example.co.uk//", "http://shop.example.co.uk"},
		{" https://m.example.com ", "https://m.example.com"},
	}
	for _, tt := range tests {
		got, err := NormalizeCNAME(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeCNAME(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"/", "https://", "ftp://m.example.com", "m.example.com:8080", "localhost", "m.example.com/shop",
		"https://m.example.com?x=1", `m.example.com"><script>`, "m example.com", "-m.example.com", "https//m.example.com"} {
		if got, err := NormalizeCNAME(bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("NormalizeCNAME(%q) = %q, %v; want ErrInvalidConfig", bad, got, err)
		}
		if _, err := New(Config{CNAME: bad}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New with cname %q: %v, want ErrInvalidConfig", bad, err)
		}
	}
}

func TestActive(t *testing.T) {
	if mustNew(t, func(c *Config) { c.Enabled = false }).Active() {
		t.Error("active with master switch off")
	}
	if mustNew(t, func(c *Config) { c.ShopActive = false }).Active() {
		t.Error("active with inactive shop")
	}
	if mustNew(t, func(c *Config) { c.ShopNumber = "" }).Active() {
		t.Error("active without shop number")
	}
	if !mustNew(t, nil).Active() {
		t.Error("fixture not active")
	}
	if len(mustNew(t, func(c *Config) { c.Enabled = false }).AppendSnippet(nil, Home())) != 0 {
		t.Error("snippet of an inactive redirect")
	}
}

func TestOptOut(t *testing.T) {
	queries := map[string]bool{
		"":                       false,
		"shopgate_redirect=1":    true,
		"shopgate_redirect=0":    false,
		"shopgate_redirect=":     false,
		"shopgate_redirect":      false,
		"shopgate_redirect=true": true,
		"shopgate_redirect=1&shopgate_redirect=0": false,
		"shopgate_redirect=0&shopgate_redirect=1": true,
		"a=1&shopgate%5Fredirect=1":               true,
		"shopgate_redirect=%31":                   true,
		"shopgate_redirect=%zz":                   true,
		"shopgate_redirect_x=1":                   false,
		// Issue 16 item 17: PHP's $_GET semantics, as the SDK's
		// !empty($_GET['shopgate_redirect']).
		"shopgate_redirect[]=1":                     true,
		"shopgate_redirect[]=0":                     true, // a non-empty array
		"shopgate_redirect[]=":                      true,
		"shopgate_redirect[x]=1":                    true,
		"shopgate_redirect[]=1&shopgate_redirect=0": false, // the scalar replaces the array
		"shopgate_redirect=0&shopgate_redirect[]=0": true,
		"shopgate.redirect=1":                       true,  // PHP: '.' → '_'
		"shopgate%20redirect=1":                     true,  // PHP: ' ' → '_'
		"+shopgate_redirect=1":                      true,  // leading spaces dropped
		"shopgate_redirect%00x=1":                   true,  // the name ends at NUL
		"shopgate[redirect=1":                       true,  // unmatched "[" becomes "_"
		"shopgate_redirect[=1":                      false, // unmatched '[': "shopgate_redirect_"
		"shopgate_redirect=%2":                      true,
	}
	for q, want := range queries {
		if got := QueryOptOut(q); got != want {
			t.Errorf("QueryOptOut(%q) = %v, want %v", q, got, want)
		}
	}
	cookies := map[string]bool{
		"":                               false,
		"SHOPGATE_MOBILE_WEBPAGE=1":      true,
		"SHOPGATE_MOBILE_WEBPAGE=0":      false,
		"SHOPGATE_MOBILE_WEBPAGE=":       false,
		"a=b; SHOPGATE_MOBILE_WEBPAGE=1": true,
		`SHOPGATE_MOBILE_WEBPAGE="1"`:    true,
		"SHOPGATE_MOBILE_WEBPAGE=0; SHOPGATE_MOBILE_WEBPAGE=1": false,
		"XSHOPGATE_MOBILE_WEBPAGE=1":                           false,
		"shopgate_mobile_webpage=1":                            false,
	}
	for c, want := range cookies {
		if got := CookieOptOut([]string{c}); got != want {
			t.Errorf("CookieOptOut(%q) = %v, want %v", c, got, want)
		}
	}
}

// TestSnippet covers the JavaScript technique table (docs/protocol/mobile-redirect.md#js-technique-table).
func TestSnippet(t *testing.T) {
	tags := `{"html_tags":[{"name":"link","attributes":[{"name":"rel","value":"alternate"},{"name":"href","value":"{deeplink_suffix}","deeplink_suffix":{"default":false,"home":"{baseUrl}","product":"{baseUrl}/item/{product_uid:hex}"}}]}]}`
	tests := []struct {
		row    string
		mod    func(*Config)
		page   Page
		want   []string
		absent []string
	}{
		{"J1", nil, Product("SKU-1"), []string{
			`href="http://my-shop.shopgate.com/item/534b552d31"`, `_shopgate.shop_number = "12345";`,
			`_shopgate.redirect = "item";`, `_shopgate.item_number = "SKU-1";`,
			`_shopgate.is_default_redirect_disabled = true;`, `_shopgate.redirect_to_webapp = true;`,
			`"https://static.shopgate.com/mobile_header/"+_shopgate.shop_number+".js"`}, nil},
		{"J2", nil, Category("12"), []string{`_shopgate.redirect = "category";`, `_shopgate.category_number = "12";`, `href="http://my-shop.shopgate.com/category/3132"`}, nil},
		{"J3", nil, Home(), []string{`_shopgate.redirect = "start";`, `href="http://my-shop.shopgate.com"`}, []string{"item_number", "category_number"}},
		{"J4", nil, DefaultPage(), []string{`_shopgate.redirect = "default";`, `is_default_redirect_disabled = true`}, []string{"<link"}},
		{"J5", func(c *Config) { c.DefaultRedirect = true }, DefaultPage(), []string{`_shopgate.redirect = "default";`, `href="http://my-shop.shopgate.com"`, `is_default_redirect_disabled = false`}, nil},
		{"J6", nil, CMS("about-us"), []string{`_shopgate.redirect = "cms";`, `_shopgate.cms_page = "about-us";`, `href="http://my-shop.shopgate.com/cms/about-us"`}, nil},
		{"J7", nil, Brand("Ben & Jerry"), []string{`_shopgate.redirect = "brand";`, `_shopgate.brand_name = "Ben & Jerry";`, `href="http://my-shop.shopgate.com/brand?q=Ben+%26+Jerry"`}, nil},
		{"J8", nil, Search(`Rock & "Roll" it's`), []string{`_shopgate.redirect = "search";`, `_shopgate.search_query = "Rock &amp; &quot;Roll&quot; it&#039;s";`, `href="http://my-shop.shopgate.com/search?s=Rock+%26+%22Roll%22+it%27s"`}, nil},
		{"J11", func(c *Config) { c.SuppressBrowserRedirect = true }, Product("SKU-1"), []string{`_shopgate.redirect_to_webapp = false;`}, nil},
		{"J12 product", func(c *Config) { c.HTMLTags = tags }, Product("SKU-1"), []string{`<link rel="alternate" href="http://my-shop.shopgate.com/item/534b552d31" />`}, []string{"media="}},
		{"J12 category", func(c *Config) { c.HTMLTags = tags }, Category("12"), nil, []string{"<link"}},
		{"J13", func(c *Config) { c.HTMLTags = "{not json" }, Product("SKU-1"), []string{`<link rel="alternate" media="only screen and (max-width: 640px)" href="http://my-shop.shopgate.com/item/534b552d31" />`}, nil},
		{"pg static host", func(c *Config) { c.Server = ServerPlayground }, Home(), []string{`"https://static.shopgatepg.com/mobile_header/"+`}, nil},
		{"script injection", nil, Product(`x"</script><script>alert(1)</script>`), []string{`_shopgate.item_number = "x\"\u003c/script>\u003cscript>alert(1)\u003c/script>";`}, []string{"</script><script>"}},
		// docs/protocol/mobile-redirect.md#snippet-escaping: entities, then \ → \\, nothing more (the SDK's output).
		{"backslash search", nil, Search(`a\b<`), []string{`_shopgate.search_query = "a\\b&lt;";`}, nil},
		{"backslash quote search", nil, Search(`a\"b`), []string{`_shopgate.search_query = "a\\&quot;b";`}, nil},
		{"script end in search", nil, Search(`x</script><script>alert(1)</script>`),
			[]string{`_shopgate.search_query = "x&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;";`}, []string{"</script><script>"}},
		{"line breaks in search", nil, Search("a\r\nb\u2028c\u2029d"), []string{`_shopgate.search_query = "a\r\nb\u2028c\u2029d";`}, nil},
		{"non-ASCII search", nil, Search("Größe 42"), []string{`_shopgate.search_query = "Größe 42";`}, nil},
	}
	for _, tt := range tests {
		r := mustNew(t, tt.mod)
		got := string(r.AppendSnippet(nil, tt.page.Normalize()))
		if !strings.HasPrefix(got, "<!-- BEGIN SHOPGATE -->\n") || !strings.HasSuffix(got, "<!-- END SHOPGATE -->\n") {
			t.Errorf("%s: snippet not framed: %q", tt.row, got)
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: snippet lacks %q:\n%s", tt.row, w, got)
			}
		}
		for _, a := range tt.absent {
			if strings.Contains(got, a) {
				t.Errorf("%s: snippet contains %q:\n%s", tt.row, a, got)
			}
		}
	}
}

func TestTemplateFunctions(t *testing.T) {
	lookup := func(name string) (string, bool) {
		if name == "v" {
			return "SKU-1", true
		}
		return "", false
	}
	tests := map[string]string{
		"{v}":                     "SKU-1",
		"{v:hex}":                 "534b552d31",
		"{v:base64}":              "U0tVLTE=",
		"{v:urlencoded}":          "SKU-1",
		"{a b} {v}":               "{a b} SKU-1",
		"{a-b}{ v }":              "{a-b}{ v }",
		"function(){ return 1; }": "function(){ return 1; }",
	}
	for in, want := range tests {
		got, ok := renderTemplate(in, lookup)
		if !ok || got != want {
			t.Errorf("renderTemplate(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := renderTemplate("{missing}", lookup); ok {
		t.Error("missing variable rendered")
	}
}

func TestMobileHeader(t *testing.T) {
	r := mustNew(t, func(c *Config) { c.HeaderParent = "#top"; c.HeaderAppend = true; c.HeaderText = "Zur <mobilen> Seite" })
	h := string(r.AppendMobileHeader(nil))
	for _, w := range []string{
		`<div id="shopgate_mobile_header"`, "Zur &lt;mobilen&gt; Seite",
		`<img id="shopgate_mobile_button" class="sg_mobile_button_off"`,
		// The switch image is inline (no outside host).
		`src="data:image/svg+xml,`,
		`var parentSelector = "#top", prepend = false;`,
		`SHOPGATE_MOBILE_WEBPAGE=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`,
		`shopgate_redirect(=|$)`, "500",
	} {
		if !strings.Contains(h, w) {
			t.Errorf("header lacks %q:\n%s", w, h)
		}
	}
	if strings.Contains(h, "static.shopgate.com") || strings.Contains(h, ";width:560px") || strings.Contains(h, "var texts") {
		t.Errorf("header loads an outside image, has a fixed width or switches an explicit text:\n%s", h)
	}
}

func TestMobileHeaderLanguage(t *testing.T) {
	// The shop's language picks the texts from the one table.
	for lang, want := range map[string]string{"en": "Switch to our mobile website", "de-AT": "Mobile Webseite aktivieren", "xx": DefaultHeaderText} {
		r := mustNew(t, func(c *Config) { c.HeaderLanguage = lang })
		h := string(r.AppendMobileHeader(nil))
		if !strings.Contains(h, ">"+want+"</span>") || strings.Contains(h, "var texts") != (lang == "xx") {
			t.Errorf("%s: header text is not %q:\n%s", lang, want, h)
		}
	}
	// Without a language the script follows the page's <html lang>.
	h := string(mustNew(t, nil).AppendMobileHeader(nil))
	for _, w := range []string{`var texts = {"de":["Mobile Webseite aktivieren"`, `"en":["Switch to our mobile website","Open the mobile website"]`, "document.documentElement.lang"} {
		if !strings.Contains(h, w) {
			t.Errorf("header lacks %q", w)
		}
	}
	if len(HeaderLanguages()) < 2 {
		t.Error("the table needs English and German at least")
	}
	for _, l := range HeaderLanguages() {
		if tx, _ := HeaderTextFor(l); tx.Text == "" || tx.Button == "" {
			t.Errorf("%s: empty text", l)
		}
	}
}

func TestMobileHeaderTemplate(t *testing.T) {
	tmpl := `<div id="shopgate_mobile_header" class="mine">{{text}} <a id="shopgate_mobile_button" href="#">go</a></div>`
	r := mustNew(t, func(c *Config) { c.HeaderTemplate = tmpl; c.HeaderText = "A & B" })
	h := string(r.AppendMobileHeader(nil))
	if !strings.HasPrefix(h, `<div id="shopgate_mobile_header" class="mine">A &amp; B <a id="shopgate_mobile_button"`) || !strings.Contains(h, "img.onclick") {
		t.Errorf("merchant's template not used:\n%s", h)
	}
	if _, err := New(Config{HeaderTemplate: "<div>no ids</div>"}); err == nil {
		t.Error("a template without the ids was accepted")
	}
}

func TestPageNormalize(t *testing.T) {
	if p := Product("").Normalize(); p.Type != PageDefault {
		t.Errorf("empty product = %v", p.Type)
	}
	if p := (Page{Type: PageHome, ID: "x"}).Normalize(); p.ID != "" {
		t.Errorf("home keeps id %q", p.ID)
	}
	if p := (Page{Type: PageType(42), ID: "x"}).Normalize(); p.Type != PageDefault {
		t.Errorf("unknown type = %v", p.Type)
	}
	for i, n := range pageTypeNames {
		got, err := ParsePageType(strings.ToUpper(n))
		if err != nil || int(got) != i || got.String() != n {
			t.Errorf("ParsePageType(%q) = %v, %v", n, got, err)
		}
	}
	if _, err := ParsePageType("checkout"); err == nil {
		t.Error("unknown page type accepted")
	}
}

func TestQueryValue(t *testing.T) {
	tests := []struct {
		q, name, want string
		ok            bool
	}{
		{"q=red+shoes", "q", "red shoes", true},
		{"q=a&q=b", "q", "b", true},
		{"q=%zz", "q", "%zz", true},
		{"q", "q", "", true},
		{"x=1", "q", "", false},
		{"%71=1", "q", "1", true},
		// Issue 16 item 17: PHP's $_GET.
		{"q=a%ZZb%41", "q", "a%ZZbA", true},
		{"q=100%", "q", "100%", true},
		{"q=%4", "q", "%4", true},
		{"q[]=x", "q", "", false},
		{"q=a&q[]=x", "q", "", false},
		{"q[]=x&q=a", "q", "a", true},
		{"utm.source=x", "utm_source", "x", true},
		{"utm%2Esource=x", "utm_source", "x", true},
		{"utm source=x", "utm_source", "x", true},
		{"utm[source=x", "utm_source", "x", true},
		{"utm[so.ur ce=x", "utm_so_ur_ce", "x", true},
		{"utm.x[a=x", "utm_x_a", "x", true},
		{"utm.source=x", "utm.source", "", false},
		{"[q]=x", "q", "", false},
		{"=x", "", "", false},
	}
	for _, tt := range tests {
		if got, ok := QueryValue(tt.q, tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("QueryValue(%q, %q) = %q, %v; want %q, %v", tt.q, tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
