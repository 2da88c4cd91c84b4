package redirect

import "testing"

// BenchmarkClassifyUncached measures one classification without the
// per-user-agent memo: the keyword match, the user agent parser and the
// robot and search crawler checks, as paid by the first request of a user
// agent.
func BenchmarkClassifyUncached(b *testing.B) {
	d := NewDetector(nil, TabletsByKeywords)
	m := NewMatcher(DefaultKeywords)
	for _, ua := range []struct{ name, ua string }{
		{"desktop", uaChromeWin},
		{"phone", uaIPhone},
		{"crawler-smartphone", uaGooglebotPhone},
		{"petalbot", "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)"},
		{"seo-bot", "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"},
	} {
		b.Run(ua.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d.classify(m, ua.ua)
			}
		})
	}
}
