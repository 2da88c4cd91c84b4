package redirect

import (
	"context"
	"testing"
	"time"

	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

func TestFromMerchantAPI(t *testing.T) {
	fake := shopgatetest.NewServer(
		shopgatetest.WithCredentials("10001", "deadbeefcafe00112233", "20001"),
		shopgatetest.WithKeywords([]string{"iPhone", "Android"}, []string{"Shopgate"}),
	)
	defer fake.Close()
	client, err := shopgate.NewClient(shopgate.ClientConfig{
		Environment: shopgate.EnvCustom, BaseURL: fake.URL(),
		CustomerNumber: "10001", ShopNumber: "20001", APIKey: "deadbeefcafe00112233",
		RequestsPerHour: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	src := FromMerchantAPI(client)
	k, err := src.MobileRedirectKeywords(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Keywords) != 2 || k.SkipKeywords[0] != "Shopgate" {
		t.Fatalf("lists %+v", k)
	}

	// Through the cache, and with the API failing afterwards.
	store := &memStore{}
	now := time.Unix(1714564800, 0)
	c := NewKeywordCache(KeywordCacheConfig{Source: src, Store: store, Now: func() time.Time { return now }})
	if err := c.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !c.Matcher().Match(uaAndroidPhone) || c.Matcher().Match(uaShopgateApp) {
		t.Error("lists from the Merchant API not used")
	}
	fake.FailAlways(shopgate.ActionGetMobileRedirectUserAgents, shopgatetest.ErrorFault(shopgate.SMACodeUnknownError, "boom"))
	now = now.Add(25 * time.Hour)
	if err := c.Refresh(context.Background()); err == nil {
		t.Error("API failure not reported")
	}
	if !c.Matcher().Match(uaAndroidPhone) {
		t.Error("lists lost after an API failure")
	}
}

type nilAPI struct{}

func (nilAPI) GetMobileRedirectUserAgents(context.Context) (*shopgate.MobileRedirectUserAgents, error) {
	return nil, nil
}

func TestFromMerchantAPINilAnswer(t *testing.T) {
	if _, err := FromMerchantAPI(nilAPI{}).MobileRedirectKeywords(context.Background()); err == nil {
		t.Error("nil answer accepted")
	}
}
