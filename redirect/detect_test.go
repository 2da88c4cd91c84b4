package redirect

import (
	"os"
	"strings"
	"testing"
)

// Real user agents.
const (
	uaIPhone          = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"
	uaAndroidPhone    = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.113 Mobile Safari/537.36"
	uaSamsungPhone    = "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36"
	uaFirefoxAndroid  = "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0"
	uaIPad            = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"
	uaAndroidTablet   = "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.113 Safari/537.36"
	uaLenovoTablet    = "Mozilla/5.0 (Linux; Android 12; Lenovo TB-J606F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	uaChromeWin       = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	uaFirefoxWin      = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
	uaSafariMac       = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15"
	uaEdgeWin         = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80"
	uaChromeLinux     = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	uaGooglebot       = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaGooglebotPhone  = "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaBingbotPhone    = "Mozilla/5.0 (iPhone; CPU iPhone OS 7_0 like Mac OS X) AppleWebKit/537.51.1 (KHTML, like Gecko) Version/7.0 Mobile/11A465 Safari/9537.53 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
	uaBingbot         = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
	uaYandexMobile    = "Mozilla/5.0 (iPhone; CPU iPhone OS 8_1 like Mac OS X) AppleWebKit/600.1.4 (KHTML, like Gecko) Version/8.0 Mobile/12B411 Safari/600.1.4 (compatible; YandexMobileBot/3.0; +http://yandex.com/bots)"
	uaAhrefsPhone     = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0.0.0 Mobile Safari/537.36 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"
	uaPetalPhone      = "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)"
	uaCubotX30        = "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0 Mobile Safari/537.36"
	uaCubotP30        = "Mozilla/5.0 (Linux; Android 9; CUBOT_P30 Build/PPR1.180610.011) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.157 Mobile Safari/537.36"
	uaCubotKingKong   = "Mozilla/5.0 (Linux; Android 11; KINGKONG 5 Pro Build/RP1A.200720.011; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/108.0.5359.128 Mobile Safari/537.36 CUBOT"
	uaXiaomiPhone     = "Mozilla/5.0 (Linux; Android 13; 23021RAAEG) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
	uaIEMobile        = "Mozilla/5.0 (compatible; MSIE 10.0; Windows Phone 8.0; Trident/6.0; IEMobile/10.0; ARM; Touch; NOKIA; Lumia 920)"
	uaBytespider      = "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)"
	uaGPTBotPhone     = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1; compatible; GPTBot/1.0; +https://openai.com/gptbot"
	uaPetalDesktop    = "Mozilla/5.0 (compatible;PetalBot;+https://webmaster.petalsearch.com/site/petalbot)"
	uaAspiegelPhone   = "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; AspiegelBot)"
	uaInspectionPhone = "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Google-InspectionTool/1.0)"
	uaStorebotPhone   = "Mozilla/5.0 (Linux; Android 8.0; Pixel 2 Build/OPD3.170816.012; Storebot-Google/1.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 Mobile Safari/537.36"
	uaAdsBotMobile    = "Mozilla/5.0 (iPhone; CPU iPhone OS 14_7_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.2 Mobile/15E148 Safari/604.1 (compatible; AdsBot-Google-Mobile; +http://www.google.com/mobile/adsbot.html)"
	uaBingbotAndroid  = "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.1938.76 Mobile Safari/537.36 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
	uaAdIdxPhone      = "Mozilla/5.0 (iPhone; CPU iPhone OS 7_0 like Mac OS X) AppleWebKit/537.51.1 (KHTML, like Gecko) Version/7.0 Mobile/11A465 Safari/9537.53 (compatible; adidxbot/2.0; +http://www.bing.com/bingbot.htm)"
	uaYandexBotPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 8_1 like Mac OS X) AppleWebKit/600.1.4 (KHTML, like Gecko) Version/8.0 Mobile/12B411 Safari/600.1.4 (compatible; YandexBot/3.0; +http://yandex.com/bots)"
	uaBaiduPhone      = "Mozilla/5.0 (Linux;u;Android 4.2.2;zh-cn;) AppleWebKit/534.46 (KHTML,like Gecko) Version/5.1 Mobile Safari/10600.6.3 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
	uaBaiduRender     = "Mozilla/5.0 (iPhone; CPU iPhone OS 9_1 like Mac OS X) AppleWebKit/601.1.46 (KHTML, like Gecko) Version/9.0 Mobile/13B143 Safari/601.1 (compatible; Baiduspider-render/2.0; +http://www.baidu.com/search/spider.html)"
	uaApplebotPhone   = "Mozilla/5.0 (iPhone; CPU iPhone OS 8_1 like Mac OS X) AppleWebKit/600.1.4 (KHTML, like Gecko) Version/8.0 Mobile/12B410 Safari/600.1.4 (Applebot/0.1; +http://www.apple.com/go/applebot)"
	uaDuckDuckPhone   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)"
	uaDuckDuckBot     = "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)"
	uaMediapartners   = "Mozilla/5.0 (iPhone; U; CPU iPhone OS 10_0 like Mac OS X; en-us) AppleWebKit/602.1.38 (KHTML, like Gecko) Version/10.0 Mobile/14A5297c Safari/602.1 (compatible; Mediapartners-Google/2.1; +http://www.google.com/bot.html)"
	uaGoogleSafety    = "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.5735.179 Mobile Safari/537.36 (compatible; Google-Safety; +http://www.google.com/bot.html)"
	uaTikTokSpider    = "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; TikTokSpider; ttspider-feedback@tiktok.com)"
	uaSMTBot          = "Mozilla/5.0 (iPhone; CPU iPhone OS 6_0 like Mac OS X) AppleWebKit/536.26 (KHTML, like Gecko) Version/6.0 Mobile/10A5376e Safari/8536.25 (compatible; SMTBot/1.0; +http://www.similartech.com/smtbot)"
	uaShopgateApp     = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Shopgate/1.0"
)

var fixtureKeywords = Keywords{
	Keywords:     []string{"iPhone", "iPod", "iPad", "Android", "Windows Phone", "BlackBerry"},
	SkipKeywords: []string{"Shopgate", "iPad", "Nexus 7", "SM-X", "SM-T"},
}

func TestDetectorClassify(t *testing.T) {
	m := NewMatcher(fixtureKeywords)
	byLists := &Detector{Keywords: func() *Matcher { return m }}
	noTablets := &Detector{Keywords: func() *Matcher { return m }, Tablets: TabletsNever}
	tests := []struct {
		name      string
		ua        string
		want      Device
		noTablets Device
	}{
		{"iPhone", uaIPhone, DeviceMobile, DeviceMobile},
		{"Android phone", uaAndroidPhone, DeviceMobile, DeviceMobile},
		{"Samsung phone", uaSamsungPhone, DeviceMobile, DeviceMobile},
		{"Firefox Android", uaFirefoxAndroid, DeviceMobile, DeviceMobile},
		{"iPad (skip list)", uaIPad, DeviceDesktop, DeviceDesktop},
		{"Galaxy Tab (skip list)", uaAndroidTablet, DeviceDesktop, DeviceDesktop},
		{"Lenovo tablet (not in skip list)", uaLenovoTablet, DeviceMobile, DeviceTablet},
		{"Chrome Windows", uaChromeWin, DeviceDesktop, DeviceDesktop},
		{"Firefox Windows", uaFirefoxWin, DeviceDesktop, DeviceDesktop},
		{"Safari Mac", uaSafariMac, DeviceDesktop, DeviceDesktop},
		{"Edge", uaEdgeWin, DeviceDesktop, DeviceDesktop},
		{"Chrome Linux", uaChromeLinux, DeviceDesktop, DeviceDesktop},
		{"Googlebot", uaGooglebot, DeviceDesktop, DeviceDesktop},
		{"Bingbot", uaBingbot, DeviceDesktop, DeviceDesktop},
		{"Googlebot smartphone", uaGooglebotPhone, DeviceMobileCrawler, DeviceMobileCrawler},
		{"Bingbot mobile", uaBingbotPhone, DeviceMobileCrawler, DeviceMobileCrawler},
		{"YandexMobileBot", uaYandexMobile, DeviceMobileCrawler, DeviceMobileCrawler},
		{"AhrefsBot mobile", uaAhrefsPhone, DeviceBot, DeviceBot},
		// Issue 16 item 15: PetalBot (Petal Search) is a search engine's
		// smartphone crawler and is redirected like a phone.
		{"PetalBot mobile", uaPetalPhone, DeviceMobileCrawler, DeviceMobileCrawler},
		{"PetalBot desktop", uaPetalDesktop, DeviceDesktop, DeviceDesktop},
		{"AspiegelBot mobile", uaAspiegelPhone, DeviceMobileCrawler, DeviceMobileCrawler},
		{"Google-InspectionTool smartphone", uaInspectionPhone, DeviceMobileCrawler, DeviceMobileCrawler},
		{"Storebot-Google mobile", uaStorebotPhone, DeviceMobileCrawler, DeviceMobileCrawler},
		{"AdsBot-Google-Mobile", uaAdsBotMobile, DeviceMobileCrawler, DeviceMobileCrawler},
		{"Bingbot mobile Android", uaBingbotAndroid, DeviceMobileCrawler, DeviceMobileCrawler},
		{"AdIdxBot mobile", uaAdIdxPhone, DeviceMobileCrawler, DeviceMobileCrawler},
		{"YandexBot mobile", uaYandexBotPhone, DeviceMobileCrawler, DeviceMobileCrawler},
		{"Baiduspider mobile", uaBaiduPhone, DeviceMobileCrawler, DeviceMobileCrawler},
		{"Baiduspider-render iPhone", uaBaiduRender, DeviceMobileCrawler, DeviceMobileCrawler},
		{"Applebot iPhone", uaApplebotPhone, DeviceMobileCrawler, DeviceMobileCrawler},
		{"DuckDuckBot with a phone user agent", uaDuckDuckPhone, DeviceMobileCrawler, DeviceMobileCrawler},
		{"DuckDuckBot", uaDuckDuckBot, DeviceDesktop, DeviceDesktop},
		// Not search engines: robots with phone user agents stay bots.
		{"Mediapartners-Google iPhone", uaMediapartners, DeviceBot, DeviceBot},
		{"Google-Safety", uaGoogleSafety, DeviceBot, DeviceBot},
		{"TikTokSpider", uaTikTokSpider, DeviceBot, DeviceBot},
		{"SMTBot", uaSMTBot, DeviceBot, DeviceBot},
		{"Bytespider mobile", uaBytespider, DeviceBot, DeviceBot},
		{"GPTBot mobile", uaGPTBotPhone, DeviceBot, DeviceBot},
		// "bot" inside a word is no robot token (Cubot is a phone brand).
		{"Cubot X30", uaCubotX30, DeviceMobile, DeviceMobile},
		{"Cubot P30", uaCubotP30, DeviceMobile, DeviceMobile},
		{"Cubot KingKong webview", uaCubotKingKong, DeviceMobile, DeviceMobile},
		{"Xiaomi phone", uaXiaomiPhone, DeviceMobile, DeviceMobile},
		{"Windows Phone (compatible; MSIE)", uaIEMobile, DeviceMobile, DeviceMobile},
		{"Shopgate app", uaShopgateApp, DeviceDesktop, DeviceDesktop},
		{"empty", "", DeviceDesktop, DeviceDesktop},
	}
	for _, tt := range tests {
		if got := byLists.Classify(tt.ua); got != tt.want {
			t.Errorf("%s: Classify = %v, want %v", tt.name, got, tt.want)
		}
		if got := noTablets.Classify(tt.ua); got != tt.noTablets {
			t.Errorf("%s: Classify (TabletsNever) = %v, want %v", tt.name, got, tt.noTablets)
		}
	}
	if !DeviceMobile.Redirect() || !DeviceMobileCrawler.Redirect() || DeviceBot.Redirect() || DeviceTablet.Redirect() || DeviceDesktop.Redirect() {
		t.Error("Device.Redirect wrong")
	}
}

// TestMatcherSDKVectors uses the vectors of the SDK's keyword tests
// (docs/protocol/mobile-redirect.md#sdk-keyword-vectors).
func TestMatcherSDKVectors(t *testing.T) {
	m := NewMatcher(Keywords{
		Keywords:     []string{"redirectbot", "iphone", "ipod", "ipad", "android", "windows phone 8"},
		SkipKeywords: []string{"shopgate", "nexus 7"},
	})
	mobile := []string{
		"redirectbot", "iphone", "ipod", "ipad", "android", "windows phone 8",
		"redirectbotiphoneipodipadandroid", "erdirectbotiphoneipodipadandroidwindows phone 8",
		"windows phone 8redirectbotiphoneipodipadandroid",
		"Mozilla/5.0 (Linux; Android 4.3; Nxs 7 Build/JSS15Q) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/29.0.1547.72 Safari/537.36",
		"Mozilla/5.0 (compatible; MSIE 10.0; Windows Phone 8.0; Trident/6.0; IEMobile/10.0; ARM; Touch; NOKIA; Lumia 920) Windows Phone 8",
	}
	notMobile := []string{
		"", "shopgate", "nexus 7", "shopgatenexus 7", "nexus 7shopgate", "shopgaterandom", "randomshopgate",
		"randomshopgaterandom", "nexus 7random", "randomnexus 7", "randomnexus 7random",
		"Mozilla/5.0 (Linux; Android 4.3; Nexus 7 Build/JSS15Q) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/29.0.1547.72 Safari/537.36",
		"Mozilla/5.0 (Linux; Nexus 7; Android 4.3 Build/JSS15Q) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/29.0.1547.72 Safari/537.36",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/31.0.1650.63 Safari/537.36",
		"Mozilla/5.0 (compatible; MSIE 10.0; Windows Phone 8.0; Trident/6.0; IEMobile/10.0; ARM; Touch; Nexus 7)",
	}
	for _, ua := range mobile {
		if !m.Match(ua) {
			t.Errorf("Match(%q) = false, want true", ua)
		}
	}
	for _, ua := range notMobile {
		if m.Match(ua) {
			t.Errorf("Match(%q) = true, want false", ua)
		}
	}
}

// TestMatcherEdgeCases follows the Go rules of docs/protocol/mobile-redirect.md#mobile-detection.
func TestMatcherEdgeCases(t *testing.T) {
	if !NewMatcher(Keywords{Keywords: []string{"iPhone"}}).Match(uaIPhone) {
		t.Error("empty skip list must skip nothing")
	}
	if NewMatcher(Keywords{SkipKeywords: []string{"Shopgate"}}).Match(uaChromeWin) {
		t.Error("empty keyword list must match nothing")
	}
	if NewMatcher(Keywords{}).Match("") {
		t.Error("empty lists must match nothing")
	}
	if NewMatcher(Keywords{Keywords: []string{"", "  "}}).Match(uaChromeWin) {
		t.Error("empty keyword matched")
	}
	m := NewMatcher(Keywords{Keywords: []string{" iPhone "}})
	if !m.Match(uaIPhone) || len(m.Lists().Keywords) != 1 || m.Lists().Keywords[0] != "iPhone" {
		t.Errorf("keywords not trimmed: %q", m.Lists().Keywords)
	}
	long := make([]byte, 2*maxStackUA)
	for i := range long {
		long[i] = 'x'
	}
	copy(long[len(long)-6:], "IPHONE")
	if !m.Match(string(long)) {
		t.Error("long user agent not matched")
	}
	var nilMatcher *Matcher
	if nilMatcher.Match(uaIPhone) {
		t.Error("nil matcher matched")
	}
	if !(&Detector{}).Classify(uaIPhone).Redirect() || (&Detector{}).Classify(uaIPad).Redirect() {
		t.Error("default keywords wrong")
	}
}

// TestSearchCrawlersDocumented: the protocol notes list every search
// crawler token (docs/protocol/mobile-redirect.md, "Decision: smartphone
// crawlers") and SearchCrawlers returns a copy.
func TestSearchCrawlersDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/protocol/mobile-redirect.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(doc), "### Decision: smartphone crawlers")
	section, _, _ = strings.Cut(section, "\n## ")
	for _, token := range SearchCrawlers() {
		if !strings.Contains(section, "| `"+token+"` |") {
			t.Errorf("search crawler %q is not in the protocol notes", token)
		}
	}
	if n := strings.Count(section, "\n| `"); n != len(searchCrawlers) {
		t.Errorf("protocol notes list %d crawlers, code %d", n, len(searchCrawlers))
	}
	SearchCrawlers()[0] = "x"
	if searchCrawlers[0] == "x" {
		t.Error("SearchCrawlers returns the package's slice")
	}
}
