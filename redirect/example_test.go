package redirect_test

import (
	"context"
	"fmt"

	"github.com/shopbridge/shopbridge/redirect"
)

func ExampleRedirector_AppendTarget() {
	r, err := redirect.New(redirect.Config{Enabled: true, ShopNumber: "12345", ShopActive: true, Alias: "my-shop"})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(r.AppendTarget(nil, redirect.Product("SKU-1"), "utm_source=newsletter&foo=bar")))
	fmt.Println(string(r.AppendTarget(nil, redirect.Search("red shoes"), "")))
	// Output:
	// http://my-shop.shopgate.com/item/534b552d31?utm_source=newsletter
	// http://my-shop.shopgate.com/search?s=red+shoes
}

func ExampleDetector_Classify() {
	cache := redirect.NewKeywordCache(redirect.KeywordCacheConfig{
		// Normally redirect.FromMerchantAPI(client) and a gormstore.RedirectKeywords store.
		Source: redirect.KeywordSourceFunc(func(context.Context) (redirect.Keywords, error) {
			return redirect.Keywords{Keywords: []string{"iPhone", "Android"}, SkipKeywords: []string{"iPad"}}, nil
		}),
	})
	if err := cache.Refresh(context.Background()); err != nil {
		panic(err)
	}
	d := redirect.NewDetector(cache.Matcher, redirect.TabletsByKeywords)
	fmt.Println(d.Classify("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"))
	fmt.Println(d.Classify("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"))
	fmt.Println(d.Classify("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"))
	// Output:
	// mobile
	// mobile-crawler
	// desktop
}

func ExampleRedirector_Decide() {
	r, err := redirect.New(redirect.Config{Enabled: true, ShopNumber: "12345", ShopActive: true, Alias: "my-shop"})
	if err != nil {
		panic(err)
	}
	// Normally redirect.NewDetector(keywordCache.Matcher, ...); nil uses
	// redirect.DefaultKeywords.
	var detector *redirect.Detector
	page := redirect.Product("SKU-1")
	iPhone := "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"
	desktop := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"

	d := r.Decide(detector, page, iPhone, false)
	if d.Redirect {
		fmt.Println("301", string(r.AppendTarget(nil, page.Normalize(), "utm_source=newsletter")))
	}
	fmt.Printf("%+v\n", r.Decide(detector, page, desktop, false))
	fmt.Printf("%+v\n", r.Decide(detector, page, iPhone, true)) // opted out
	// Output:
	// 301 http://my-shop.shopgate.com/item/534b552d31?utm_source=newsletter
	// {Redirect:false VaryUserAgent:true Snippet:true MobileHeader:false}
	// {Redirect:false VaryUserAgent:false Snippet:true MobileHeader:false}
}

// pluginSettings stands in for *pluginapi.Handler.
type pluginSettings map[string]any

func (p pluginSettings) Setting(shopNumber, key string) any { return p[key] }

func ExampleWithPluginSettings() {
	// Local configuration; normally the Plugin API handler is passed.
	base := redirect.Config{ShopNumber: "12345", Technique: redirect.TechniqueHTTP}
	handler := pluginSettings{"enable_mobile_website": true, "shop_is_active": true, "alias": "my-shop", "mobile_header_prepend": true}
	cfg := redirect.WithPluginSettings(base, handler)
	r, err := redirect.New(cfg)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Active(), r.BaseURL())
	// Output:
	// true http://my-shop.shopgate.com
}
