package redirect

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Server selects the Shopgate environment (requirements: Test Mode).
type Server string

// The Shopgate environments.
const (
	// ServerLive is Shopgate's production system (default).
	ServerLive Server = "live"
	// ServerPlayground is Shopgate's former test system.
	ServerPlayground Server = "pg"
	// ServerSpotlight is the "sl" system.
	ServerSpotlight Server = "sl"
	// ServerCustom is Shopgate's internal development host.
	ServerCustom Server = "custom"
)

// Technique selects how visitors are sent to the Mobile Website.
type Technique string

// The redirect techniques.
const (
	// TechniqueHTTP answers mobile visitors with a 301 and puts the
	// JavaScript snippet into every page that is not redirected (default).
	TechniqueHTTP Technique = "http"
	// TechniqueJS only puts the snippet into pages; Shopgate's hosted
	// script redirects in the browser.
	TechniqueJS Technique = "js"
)

// HeaderMode selects who renders the Mobile Header.
type HeaderMode string

// The Mobile Header modes.
const (
	// HeaderHosted relies on Shopgate's hosted script (default).
	HeaderHosted HeaderMode = "hosted"
	// HeaderBuiltin injects the package's own Mobile Header for mobile
	// visitors who switched the redirect off.
	HeaderBuiltin HeaderMode = "builtin"
)

// Opt-out names and lifetime fixed by the Shopgate protocol.
const (
	// CookieName is the opt-out cookie.
	CookieName = "SHOPGATE_MOBILE_WEBPAGE"
	// ParamName is the opt-out query parameter put on links from the
	// Mobile Website back to the desktop shop.
	ParamName = "shopgate_redirect"
	// CookieMaxAge is the opt-out cookie's lifetime in seconds (7 days).
	CookieMaxAge = 604800
	// DefaultHeaderText is the built-in Mobile Header's text.
	DefaultHeaderText = "Mobile Webseite aktivieren"
	// DefaultAlias is the SDK's default alias.
	DefaultAlias = "my-shop"
)

// DefaultRedirectableParams are the query parameters copied to HTTP redirect
// targets when Config.RedirectableParams is nil.
var DefaultRedirectableParams = []string{
	"gclid", "gclsrc", "utm_source", "utm_medium", "utm_campaign", "utm_term",
	"utm_content", "courier", "trackingNo", "lang",
}

// Config holds the Shopgate settings of the Mobile Redirect. The zero value
// is a switched-off redirect.
type Config struct {
	// Enabled is the master switch (enable_mobile_website). Default false:
	// nothing happens until the merchant switches the Mobile Website on.
	Enabled bool
	// ShopNumber is the Shopgate shop number. Empty: nothing happens.
	ShopNumber string
	// ShopActive mirrors shop_is_active. False: nothing happens.
	ShopActive bool
	// Alias is the Mobile Website's sub-domain on Shopgate's domain.
	// Default "my-shop".
	Alias string
	// CNAME is the merchant's own Mobile Website host, e.g.
	// "https://m.example.com"; it wins over Alias. Without scheme http is
	// used. Default empty.
	CNAME string
	// Server is the Shopgate environment. Default live.
	Server Server
	// DefaultRedirect (enable_default_redirect) makes pages of type default
	// redirect to the Mobile Website's start page. Default false.
	DefaultRedirect bool
	// Technique is http (default) or js.
	Technique Technique
	// RedirectableParams are copied from the request to HTTP redirect
	// targets. Nil means DefaultRedirectableParams; an empty non-nil slice
	// copies nothing.
	RedirectableParams []string
	// HTMLTags is Shopgate's html_tags JSON for custom SEO tags. Empty or
	// invalid: the standard alternate link tag.
	HTMLTags string
	// PageTypes limits the page types that redirect. Nil means all.
	PageTypes []PageType
	// MobileHeader is hosted (default) or builtin.
	MobileHeader HeaderMode
	// HeaderParent is the CSS selector of the element that receives the
	// built-in Mobile Header. Default "body".
	HeaderParent string
	// HeaderAppend puts the built-in header last in its parent instead of
	// first (mobile_header_prepend=false). Default false.
	HeaderAppend bool
	// HeaderText is the built-in header's text. Default: the text of
	// HeaderLanguage in the header text table (HeaderTexts), else of the
	// page's <html lang> in the browser, else DefaultHeaderText.
	HeaderText string
	// HeaderLanguage is the shop's language (ISO 639-1, e.g. "en", "de")
	// for the built-in header's texts. Empty or not in the table: the
	// header follows the page's <html lang> attribute in the browser.
	HeaderLanguage string
	// HeaderTemplate is the merchant's own Mobile Header markup, used
	// instead of the built-in bar. It must contain the wrapper
	// id="shopgate_mobile_header" and the control id="shopgate_mobile_button"
	// (the script moves the wrapper and binds the control); {{text}} is
	// replaced by the HTML-escaped header text. Empty: the built-in bar.
	HeaderTemplate string
	// MobileBaseURL, when set, is the Mobile Website's base URL instead of
	// the one of CNAME or Alias: an absolute http(s) URL without query,
	// e.g. a local stand-in of the Mobile Website for demos and tests
	// ("http://localhost:8080/m"). Local configuration, never from the
	// Plugin API.
	MobileBaseURL string
	// SuppressBrowserRedirect sets _shopgate.redirect_to_webapp to false so
	// that the hosted script does not redirect in the browser. Default false.
	SuppressBrowserRedirect bool
}

// ErrInvalidConfig is wrapped by every error of New.
var ErrInvalidConfig = errors.New("redirect: invalid configuration")

var aliasPattern = regexp.MustCompile(`^[A-Za-z0-9]+(?:(?:\.|-+)[A-Za-z0-9]+)*$`)

// cnamePattern is the Plugin API's rule for cname (optional http or https
// scheme, then a host name whose last label has at least two word
// characters), applied after trailing slashes are removed. The scheme is
// matched case-insensitively, as in Shopgate's SDK.
var cnamePattern = regexp.MustCompile(`^(?i:https?://)?[A-Za-z0-9][A-Za-z0-9.-]*\.\w{2,}$`)

// NormalizeCNAME validates a cname setting and returns it in the form New
// uses: white space and trailing slashes removed, the scheme (if any) in
// lower case, the host as given. "HTTPS://M.Example.com/" becomes
// "https://M.Example.com"; "" stays "". A value that is not an optional
// http(s) scheme plus a host name is an error wrapping ErrInvalidConfig.
// See docs/protocol/mobile-redirect.md, "Decision: cname".
func NormalizeCNAME(cname string) (string, error) {
	c := strings.TrimRight(strings.TrimSpace(cname), "/")
	if c == "" && strings.TrimSpace(cname) == "" {
		return "", nil
	}
	if !cnamePattern.MatchString(c) {
		return "", fmt.Errorf("%w: cname %q is not an optional http(s):// scheme plus a host name", ErrInvalidConfig, cname)
	}
	for _, s := range []string{"http://", "https://"} {
		if len(c) > len(s) && strings.EqualFold(c[:len(s)], s) {
			return s + c[len(s):], nil
		}
	}
	return c, nil
}

// serverHosts holds the alias host suffix and the static host per server.
var serverHosts = map[Server][2]string{
	ServerLive:       {".shopgate.com", "https://static.shopgate.com"},
	ServerPlayground: {".shopgatepg.com", "https://static.shopgatepg.com"},
	ServerSpotlight:  {".shopgatesl.com", "//static.shopgatesl.com"},
	ServerCustom:     {".localdev.cc/php/shopgate/index.php", "//shopgatedev-public.s3.amazonaws.com"},
}

// Redirector is a validated Config: it builds target URLs, link tags, the
// snippet and the Mobile Header. It is safe for concurrent use.
type Redirector struct {
	cfg        Config
	active     bool
	http       bool // technique http: Decide may redirect
	builtin    bool // Mobile Header mode builtin
	baseURL    string
	staticHost string
	params     []string
	pageTypes  [numPageTypes]bool
	tags       []tagTemplate // nil: fallback link tag
	tagsErr    error
	header     []byte
}

// New validates cfg and returns its Redirector. Invalid values (alias,
// cname, server, page types) are errors wrapping ErrInvalidConfig.
func New(cfg Config) (*Redirector, error) {
	if cfg.Alias == "" {
		cfg.Alias = DefaultAlias
	}
	if cfg.Server == "" {
		cfg.Server = ServerLive
	}
	if cfg.Technique == "" {
		cfg.Technique = TechniqueHTTP
	}
	if cfg.MobileHeader == "" {
		cfg.MobileHeader = HeaderHosted
	}
	if cfg.HeaderParent == "" {
		cfg.HeaderParent = "body"
	}
	explicitText := cfg.HeaderText != ""
	cfg.HeaderLanguage = strings.ToLower(strings.TrimSpace(cfg.HeaderLanguage))
	if cfg.HeaderText == "" {
		cfg.HeaderText = DefaultHeaderText
		if t, ok := HeaderTextFor(cfg.HeaderLanguage); ok {
			cfg.HeaderText = t.Text
		}
	}
	if cfg.HeaderTemplate != "" && (!strings.Contains(cfg.HeaderTemplate, `id="shopgate_mobile_header"`) ||
		!strings.Contains(cfg.HeaderTemplate, `id="shopgate_mobile_button"`)) {
		return nil, fmt.Errorf("%w: the Mobile Header template needs id=\"shopgate_mobile_header\" and id=\"shopgate_mobile_button\"", ErrInvalidConfig)
	}
	cfg.ShopNumber = strings.TrimSpace(cfg.ShopNumber)
	hosts, ok := serverHosts[cfg.Server]
	if !ok {
		return nil, fmt.Errorf("%w: unknown server %q (want live, pg, sl or custom)", ErrInvalidConfig, cfg.Server)
	}
	if cfg.Technique != TechniqueHTTP && cfg.Technique != TechniqueJS {
		return nil, fmt.Errorf("%w: unknown redirect type %q (want http or js)", ErrInvalidConfig, cfg.Technique)
	}
	if cfg.MobileHeader != HeaderHosted && cfg.MobileHeader != HeaderBuiltin {
		return nil, fmt.Errorf("%w: unknown mobile header mode %q (want hosted or builtin)", ErrInvalidConfig, cfg.MobileHeader)
	}
	for _, c := range cfg.ShopNumber {
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("%w: shop number %q is not numeric", ErrInvalidConfig, cfg.ShopNumber)
		}
	}
	r := &Redirector{staticHost: hosts[1]}
	if cfg.CNAME != "" {
		cname, err := NormalizeCNAME(cfg.CNAME)
		if err != nil {
			return nil, err
		}
		cfg.CNAME = cname
	}
	if cfg.MobileBaseURL != "" {
		u, err := url.Parse(cfg.MobileBaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("%w: mobile base URL %q (want an absolute http or https URL without query)", ErrInvalidConfig, cfg.MobileBaseURL)
		}
		r.baseURL = strings.TrimRight(cfg.MobileBaseURL, "/")
	} else if cfg.CNAME != "" {
		r.baseURL = cfg.CNAME
		if !strings.HasPrefix(cfg.CNAME, "http://") && !strings.HasPrefix(cfg.CNAME, "https://") {
			r.baseURL = "http://" + cfg.CNAME
		}
	} else {
		if !aliasPattern.MatchString(cfg.Alias) {
			return nil, fmt.Errorf("%w: alias %q (letters and digits, separated by single dots or dashes)", ErrInvalidConfig, cfg.Alias)
		}
		r.baseURL = strings.TrimRight("http://"+cfg.Alias+hosts[0], "/")
	}
	r.cfg = cfg
	r.params = cfg.RedirectableParams
	if r.params == nil {
		r.params = DefaultRedirectableParams
	}
	if cfg.PageTypes == nil {
		for i := range r.pageTypes {
			r.pageTypes[i] = true
		}
	}
	for _, t := range cfg.PageTypes {
		if int(t) >= numPageTypes {
			return nil, fmt.Errorf("%w: unknown page type %d", ErrInvalidConfig, t)
		}
		r.pageTypes[t] = true
	}
	if cfg.HTMLTags != "" {
		r.tags, r.tagsErr = parseHTMLTags(cfg.HTMLTags)
	}
	r.active = cfg.Enabled && cfg.ShopNumber != "" && cfg.ShopActive
	r.http = cfg.Technique == TechniqueHTTP
	r.builtin = cfg.MobileHeader == HeaderBuiltin
	_, known := HeaderTextFor(cfg.HeaderLanguage)
	r.header = r.buildHeader(!explicitText && !known)
	return r, nil
}

// Config returns the effective configuration (defaults filled in).
func (r *Redirector) Config() Config { return r.cfg }

// Active reports whether the redirect does anything at all: the master
// switch is on, a shop number is set and the shop is active.
func (r *Redirector) Active() bool { return r.active }

// BaseURL is the Mobile Website's URL without trailing slash, e.g.
// "http://my-shop.shopgate.com".
func (r *Redirector) BaseURL() string { return r.baseURL }

// StaticHost is the host of Shopgate's scripts and images for the
// configured server.
func (r *Redirector) StaticHost() string { return r.staticHost }

// HTMLTagsError is the reason why Config.HTMLTags was not used (nil when it
// is empty or valid). The fallback link tag is used instead.
func (r *Redirector) HTMLTagsError() error { return r.tagsErr }

// Technique returns the configured redirect technique.
func (r *Redirector) Technique() Technique { return r.cfg.Technique }

// Redirects reports whether an HTTP redirect is allowed for the page: the
// page type is enabled, and default pages only with the default redirect on.
// The page must be normalized (Page.Normalize).
func (r *Redirector) Redirects(p Page) bool {
	if int(p.Type) >= numPageTypes || !r.pageTypes[p.Type] {
		return false
	}
	return p.Type != PageDefault || r.cfg.DefaultRedirect
}
