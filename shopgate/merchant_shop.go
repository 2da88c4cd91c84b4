package shopgate

import (
	"context"
	"encoding/json"
	"errors"
)

// Merchant API shop-level actions.
const (
	ActionGetShopInfo                 = "get_shop_info"
	ActionGetMobileRedirectUserAgents = "get_mobile_redirect_user_agents"
)

// ShopInfo is the answer of get_shop_info. It contains credentials; never
// log it.
type ShopInfo struct {
	// ShopNumber is the shop number.
	ShopNumber string `json:"shop_number"`
	// CustomerNumber is the merchant's customer number.
	CustomerNumber string `json:"customer_number"`
	// APIKey is the merchant's API key.
	APIKey string `json:"apikey"`
	// Alias is the shop's alias (used by the Mobile Redirect).
	Alias string `json:"alias"`
	// CName is the shop's custom mobile domain (used by the Mobile Redirect).
	CName string `json:"cname"`
	// OAuthAccessToken is the shop's OAuth access token.
	OAuthAccessToken string `json:"oauth_access_token"`
	// Payload is the whole payload, including fields not listed above.
	Payload map[string]json.RawMessage `json:"-"`
}

// GetShopInfo fetches the shop's meta data and credentials (action
// get_shop_info).
func (c *Client) GetShopInfo(ctx context.Context) (*ShopInfo, error) {
	r, err := c.Do(ctx, ActionGetShopInfo, nil)
	if err != nil {
		return nil, err
	}
	info := &ShopInfo{Payload: r.Payload}
	b, err := json.Marshal(r.Payload)
	if err == nil {
		err = unmarshalLenient(b, info)
	}
	if err != nil {
		return nil, payloadError(ActionGetShopInfo, r, err)
	}
	return info, nil
}

// MobileRedirectUserAgents is the keyword list of the Mobile Redirect.
// Cache it (the docs ask for 24 hours); never fetch it per page view.
type MobileRedirectUserAgents struct {
	// Keywords: a user agent containing one of these (case-insensitive)
	// is a mobile device.
	Keywords []string
	// SkipKeywords: a user agent containing one of these is never
	// redirected.
	SkipKeywords []string
}

// GetMobileRedirectUserAgents fetches the keyword lists for mobile-device
// detection (action get_mobile_redirect_user_agents). The call is bounded
// to KeywordsTimeout (1 s) because it runs while a visitor waits. Both
// lists must be present ("skipKeywords" is accepted for "skip_keywords"),
// otherwise the answer is invalid (101).
func (c *Client) GetMobileRedirectUserAgents(ctx context.Context) (*MobileRedirectUserAgents, error) {
	timeout := min(KeywordsTimeout, c.cfg.Timeout)
	r, err := c.do(ctx, ActionGetMobileRedirectUserAgents, nil, timeout)
	if err != nil {
		return nil, err
	}
	var res MobileRedirectUserAgents
	ok, err := r.DecodePayload("keywords", &res.Keywords)
	if err == nil && !ok {
		err = errors.New(`answer has no "keywords"`)
	}
	if err != nil {
		return nil, payloadError(ActionGetMobileRedirectUserAgents, r, err)
	}
	ok, err = r.DecodePayload("skip_keywords", &res.SkipKeywords)
	if err == nil && !ok {
		ok, err = r.DecodePayload("skipKeywords", &res.SkipKeywords)
	}
	if err == nil && !ok {
		err = errors.New(`answer has no "skip_keywords"`)
	}
	if err != nil {
		return nil, payloadError(ActionGetMobileRedirectUserAgents, r, err)
	}
	if res.Keywords == nil {
		res.Keywords = []string{}
	}
	if res.SkipKeywords == nil {
		res.SkipKeywords = []string{}
	}
	return &res, nil
}
