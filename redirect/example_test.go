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
