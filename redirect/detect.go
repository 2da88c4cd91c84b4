package redirect

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"

	useragent "github.com/mssola/user_agent"
)

// Keywords are Shopgate's lists for mobile detection, as answered by the
// Merchant API action get_mobile_redirect_user_agents.
type Keywords struct {
	// Keywords mark a user agent as mobile (SDK: whitelist).
	Keywords []string
	// SkipKeywords exclude a user agent even when a keyword matches
	// (SDK: blacklist); they always win.
	SkipKeywords []string
}

// DefaultKeywords follow the lists of Shopgate's documentation: phones are
// redirected, tablets and Shopgate's own apps are not. A Detector without
// keyword function uses them; a KeywordCache only when they are configured
// as its Defaults (by default it redirects nothing until Shopgate's lists
// are known, docs/protocol/mobile-redirect.md#keyword-cache).
var DefaultKeywords = Keywords{
	Keywords: []string{"iPhone", "iPod", "Android", "Windows Phone", "BlackBerry", "BB10",
		"IEMobile", "Opera Mini", "Opera Mobi", "webOS"},
	SkipKeywords: []string{"Shopgate", "iPad", "Nexus 7", "Nexus 9", "Nexus 10", "SM-T", "SM-X",
		"Kindle", "Silk", "Tablet"},
}

// Matcher tests user agents against keyword lists: a user agent is mobile
// when it contains a keyword and no skip keyword (substring, ASCII case
// folding). A Matcher is immutable and safe for concurrent use.
type Matcher struct {
	keywords [][]byte
	skip     [][]byte
	lists    Keywords
}

// NewMatcher compiles the lists. Surrounding white space is trimmed and
// empty entries are dropped; an empty keyword list matches nothing.
func NewMatcher(k Keywords) *Matcher {
	m := &Matcher{}
	m.keywords, m.lists.Keywords = compileKeywords(k.Keywords)
	m.skip, m.lists.SkipKeywords = compileKeywords(k.SkipKeywords)
	return m
}

func compileKeywords(in []string) ([][]byte, []string) {
	var out [][]byte
	var clean []string
	for _, k := range in {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		clean = append(clean, k)
		out = append(out, []byte(asciiLower(k)))
	}
	return out, clean
}

// Lists returns the cleaned lists the matcher uses.
func (m *Matcher) Lists() Keywords { return m.lists }

// maxStackUA is the longest user agent lower-cased without allocating.
const maxStackUA = 512

// Match reports whether ua is mobile by the keyword lists.
func (m *Matcher) Match(ua string) bool {
	if m == nil || ua == "" || len(m.keywords) == 0 {
		return false
	}
	var buf [maxStackUA]byte
	var low []byte
	if len(ua) <= maxStackUA {
		low = buf[:len(ua)]
	} else {
		low = make([]byte, len(ua))
	}
	for i := 0; i < len(ua); i++ {
		c := ua[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	hit := false
	for _, k := range m.keywords {
		if bytes.Contains(low, k) {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	for _, k := range m.skip {
		if bytes.Contains(low, k) {
			return false
		}
	}
	return true
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Device is the outcome of Detector.Classify.
type Device uint8

// The device classes.
const (
	// DeviceDesktop is everything the keyword lists do not call mobile.
	DeviceDesktop Device = iota
	// DeviceMobile is a phone (or a tablet the lists and the tablet policy
	// let through): it is redirected.
	DeviceMobile
	// DeviceTablet is a tablet the keyword lists call mobile but that the
	// tablet policy keeps on the desktop shop.
	DeviceTablet
	// DeviceMobileCrawler is a search engine's smartphone crawler: it is
	// redirected like a phone so that the engine indexes the mobile URLs.
	DeviceMobileCrawler
	// DeviceBot is any other robot with a mobile user agent: never
	// redirected.
	DeviceBot
)

// Redirect reports whether visitors of this class are sent to the Mobile
// Website.
func (d Device) Redirect() bool { return d == DeviceMobile || d == DeviceMobileCrawler }

// String returns a short name for logs and tests.
func (d Device) String() string {
	switch d {
	case DeviceMobile:
		return "mobile"
	case DeviceTablet:
		return "tablet"
	case DeviceMobileCrawler:
		return "mobile-crawler"
	case DeviceBot:
		return "bot"
	}
	return "desktop"
}

// TabletPolicy says what happens to tablets that the keyword lists call
// mobile.
type TabletPolicy uint8

// The tablet policies.
const (
	// TabletsByKeywords leaves the decision to Shopgate's lists (default;
	// their skip list excludes iPads and the common Android tablets).
	TabletsByKeywords TabletPolicy = iota
	// TabletsNever keeps every user agent the parser recognises as a tablet
	// on the desktop shop, whatever the lists say.
	TabletsNever
)

// searchCrawlers are the product tokens (lower case) of the search engines'
// crawlers that are redirected like phones when they send a phone user
// agent (a crawler token plus a keyword of the lists). Each operator
// documents the smartphone variant listed here; docs/protocol/mobile-redirect.md
// ("Decision: smartphone crawlers") keeps the same list, and a test checks
// that both agree.
var searchCrawlers = []string{
	// Google Search: Googlebot Smartphone (Android Nexus 5X user agent),
	// its URL inspection / rich results tester, and Google Shopping's
	// Storebot-Google (Android Pixel 2 user agent).
	"googlebot", "google-inspectiontool", "storebot-google",
	// Google Ads landing page checks for mobile pages.
	"adsbot-google-mobile",
	// Bing: bingbot mobile (Android or iPhone user agent) and the Bing Ads
	// crawler AdIdxBot (iPhone / Windows Phone user agent).
	"bingbot", "adidxbot",
	// Yandex: YandexBot and YandexMobileBot (iPhone user agent).
	"yandexbot", "yandexmobilebot",
	// Baidu: Baiduspider and Baiduspider-render (Android / iPhone).
	"baiduspider",
	// Apple Search (Siri, Spotlight): Applebot (iPhone user agent).
	"applebot",
	// Huawei Petal Search: PetalBot (Android user agent) and its former
	// name AspiegelBot.
	"petalbot", "aspiegelbot",
	// DuckDuckGo: DuckDuckBot has no documented smartphone variant; listed
	// so that a phone user agent with its token counts as search.
	"duckduckbot",
}

// SearchCrawlers returns the product tokens (lower case) of the search
// engine crawlers whose smartphone user agents are redirected like phones
// (DeviceMobileCrawler). Other robots with phone user agents are DeviceBot.
func SearchCrawlers() []string { return append([]string(nil), searchCrawlers...) }

// Detector classifies user agents: Shopgate's keyword lists decide what is
// mobile, the user agent parser (mssola/user_agent) then tells robots and
// tablets apart. The parser runs only for user agents the lists call mobile,
// and results are remembered per user agent (up to MemoSize entries, reset
// when the lists change), so a repeated user agent costs one map lookup.
// Use NewDetector; a Detector must not be copied after first use.
type Detector struct {
	// Keywords returns the current lists; nil means DefaultKeywords.
	Keywords func() *Matcher
	// Tablets is the tablet policy.
	Tablets TabletPolicy

	memo atomic.Pointer[detectMemo]
}

// MemoSize bounds the number of remembered user agents of a Detector.
const MemoSize = 8192

// maxMemoUA is the longest user agent that is remembered.
const maxMemoUA = 512

type detectMemo struct {
	m *Matcher
	n atomic.Int32
	v sync.Map // user agent -> Device
}

// NewDetector returns a Detector using the lists of keywords (nil:
// DefaultKeywords) and the tablet policy.
func NewDetector(keywords func() *Matcher, tablets TabletPolicy) *Detector {
	return &Detector{Keywords: keywords, Tablets: tablets}
}

var defaultMatcher = NewMatcher(DefaultKeywords)

// Classify returns the device class of ua.
func (d *Detector) Classify(ua string) Device {
	var m *Matcher
	if d.Keywords != nil {
		m = d.Keywords()
	}
	if m == nil {
		m = defaultMatcher
	}
	if len(ua) > maxMemoUA {
		return d.classify(m, ua)
	}
	memo := d.memo.Load()
	if memo == nil || memo.m != m {
		memo = &detectMemo{m: m}
		d.memo.Store(memo)
	}
	if v, ok := memo.v.Load(ua); ok {
		return v.(Device)
	}
	dev := d.classify(m, ua)
	if memo.n.Add(1) > MemoSize {
		d.memo.CompareAndSwap(memo, &detectMemo{m: m})
	} else {
		memo.v.Store(ua, dev)
	}
	return dev
}

func (d *Detector) classify(m *Matcher, ua string) Device {
	if !m.Match(ua) {
		return DeviceDesktop
	}
	parsed := useragent.New(ua)
	low := strings.ToLower(ua)
	if parsed.Bot() || looksLikeBot(low) {
		for _, c := range searchCrawlers {
			if strings.Contains(low, c) {
				return DeviceMobileCrawler
			}
		}
		return DeviceBot
	}
	if d.Tablets == TabletsNever && isTablet(parsed, low) {
		return DeviceTablet
	}
	return DeviceMobile
}

// looksLikeBot catches robots that the parser misses because they put a
// browser's user agent first. It looks for robot tokens only, never for
// "bot" inside a word: phone brands such as Cubot ("CUBOT X30") are not
// robots. low must be lower case.
func looksLikeBot(low string) bool {
	for _, w := range []string{"crawler", "spider", "slurp", "facebookexternalhit"} {
		if strings.Contains(low, w) {
			return true
		}
	}
	for _, c := range searchCrawlers {
		if strings.Contains(low, c) {
			return true
		}
	}
	// A product token of a robot: "AhrefsBot/7.0", "Twitterbot/1.0".
	if strings.Contains(low, "bot/") {
		return true
	}
	// Robots' convention of a contact URL ("+http://www.google.com/bot.html"
	// of Mediapartners-Google); browsers send none.
	if strings.Contains(low, "+http") {
		return true
	}
	// The first name of a "(compatible; …)" comment: "(compatible;
	// PetalBot;+https://…)".
	for rest := low; ; {
		i := strings.Index(rest, "compatible;")
		if i < 0 {
			return false
		}
		rest = strings.TrimLeft(rest[i+len("compatible;"):], " ")
		name := rest
		if j := strings.IndexAny(name, " ;)+/"); j >= 0 {
			name = name[:j]
		}
		if strings.HasSuffix(name, "bot") {
			return true
		}
	}
}

// isTablet recognises tablets: iPads, Android devices without the "Mobile"
// token (Google's convention for tablets), and self-declared tablets.
func isTablet(p *useragent.UserAgent, low string) bool {
	if p.Platform() == "iPad" || strings.Contains(low, "ipad") {
		return true
	}
	if strings.Contains(low, "android") && !strings.Contains(low, "mobile") {
		return true
	}
	return strings.Contains(low, "tablet") || strings.Contains(low, "kindle") || strings.Contains(low, "silk/")
}
