package redirect

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopbridge/shopbridge/shopgate"
)

// MerchantAPI is the part of the Merchant API client the keyword cache
// needs; *shopgate.Client satisfies it.
type MerchantAPI interface {
	GetMobileRedirectUserAgents(ctx context.Context) (*shopgate.MobileRedirectUserAgents, error)
}

// FromMerchantAPI returns a KeywordSource that fetches the lists with
// get_mobile_redirect_user_agents.
func FromMerchantAPI(api MerchantAPI) KeywordSource {
	return KeywordSourceFunc(func(ctx context.Context) (Keywords, error) {
		res, err := api.GetMobileRedirectUserAgents(ctx)
		if err != nil {
			return Keywords{}, fmt.Errorf("get_mobile_redirect_user_agents: %w", err)
		}
		if res == nil {
			return Keywords{}, errors.New("get_mobile_redirect_user_agents: empty answer")
		}
		k := Keywords{Keywords: res.Keywords, SkipKeywords: res.SkipKeywords}
		if k.Keywords == nil {
			k.Keywords = []string{}
		}
		if k.SkipKeywords == nil {
			k.SkipKeywords = []string{}
		}
		return k, nil
	})
}
