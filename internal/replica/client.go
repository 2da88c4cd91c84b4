package replica

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopbridge/shopbridge/shopgate"
)

// Client talks to the shop processes as Shopgate (signed Plugin API
// calls) and as the merchant (the control panel with HTTP Basic and its
// CSRF token) would.
type Client struct {
	HTTP           *http.Client
	CustomerNumber string
	ShopNumber     string
	APIKey         string
	AdminPassword  string

	// csrfMu makes the first CSRF fetch happen once: the jar keeps one
	// cookie for 127.0.0.1 whatever the port, so concurrent first fetches
	// from several processes would overwrite each other's token between
	// reading it and posting it.
	csrfMu sync.Mutex
}

// NewClient returns a client with a cookie jar (the panel's CSRF cookie)
// that does not follow redirects.
func NewClient(customerNumber, shopNumber, apiKey, adminPassword string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{
		HTTP: &http.Client{
			Jar:           jar,
			Timeout:       2 * time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		CustomerNumber: customerNumber, ShopNumber: shopNumber, APIKey: apiKey, AdminPassword: adminPassword,
	}
}

// Answer is a decoded Plugin API answer.
type Answer struct {
	// HTTP is the status code.
	HTTP int
	// Code is the envelope's error code (0 = success).
	Code int
	// Text is the envelope's error_text.
	Text string
	// Body is the whole decoded answer.
	Body map[string]any
}

// Post sends a signed Plugin API request with params to base
// (http://host:port) and returns the raw response.
func (c *Client) Post(ctx context.Context, base string, params url.Values) (*http.Response, error) {
	if params.Get("shop_number") == "" {
		params.Set("shop_number", c.ShopNumber)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/shopgate/api", strings.NewReader(params.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	shopgate.SignRequest(req.Header, shopgate.PrefixSPA, c.CustomerNumber, c.APIKey, time.Now())
	return c.HTTP.Do(req)
}

// Call sends a signed Plugin API request and decodes the JSON answer.
func (c *Client) Call(ctx context.Context, base string, params url.Values) (Answer, error) {
	res, err := c.Post(ctx, base, params)
	if err != nil {
		return Answer{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return Answer{HTTP: res.StatusCode}, err
	}
	a := Answer{HTTP: res.StatusCode}
	if err := json.Unmarshal(body, &a.Body); err != nil {
		return a, fmt.Errorf("replica: %s answered HTTP %d, not JSON: %.200q", params.Get("action"), res.StatusCode, body)
	}
	if code, ok := a.Body["error"]; ok {
		a.Code, _ = strconv.Atoi(fmt.Sprint(code))
	}
	a.Text, _ = a.Body["error_text"].(string)
	return a, nil
}

// Admin sends a request to the control panel with HTTP Basic (user admin)
// and, for POST, the panel's CSRF token, fetching GET /admin/ first when
// the jar has none. It returns the status and the Location header.
func (c *Client) Admin(ctx context.Context, base, method, path string, form url.Values) (int, string, error) {
	if method == http.MethodPost {
		tok, err := c.csrf(ctx, base)
		if err != nil {
			return 0, "", err
		}
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("_csrf", tok)
		form = f
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return 0, "", err
	}
	req.SetBasicAuth("admin", c.AdminPassword)
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return 0, "", err
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 4<<20))
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location"), nil
}

// csrfCookie is the control panel's CSRF cookie.
const csrfCookie = "shopbridge_panel_csrf"

func (c *Client) csrf(ctx context.Context, base string) (string, error) {
	c.csrfMu.Lock()
	defer c.csrfMu.Unlock()
	u, err := url.Parse(base + "/admin/")
	if err != nil {
		return "", err
	}
	find := func() string {
		for _, ck := range c.HTTP.Jar.Cookies(u) {
			if ck.Name == csrfCookie {
				return ck.Value
			}
		}
		return ""
	}
	if tok := find(); tok != "" {
		return tok, nil
	}
	code, _, err := c.Admin(ctx, base, http.MethodGet, "/admin/", nil)
	if err != nil {
		return "", err
	}
	if tok := find(); tok != "" {
		return tok, nil
	}
	return "", fmt.Errorf("replica: GET /admin/ answered %d without a CSRF cookie", code)
}
