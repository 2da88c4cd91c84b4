package shopgate

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/internal/obfuscate"
	"github.com/shopbridge/shopbridge/internal/phpform"
)

// Environment selects the Merchant API system a [Client] talks to.
type Environment string

// Merchant API environments.
const (
	// EnvLive is Shopgate's production system (the default).
	EnvLive Environment = "live"
	// EnvPlayground is Shopgate's former test system ("pg").
	EnvPlayground Environment = "pg"
	// EnvSpotlight is the undocumented "sl" system the PHP SDK knows.
	EnvSpotlight Environment = "sl"
	// EnvCustom uses ClientConfig.BaseURL verbatim (development systems,
	// test doubles).
	EnvCustom Environment = "custom"
)

// Base URLs per environment: classic authentication, OAuth.
var envURLs = map[Environment][2]string{
	EnvLive:       {"https://api.shopgate.com/merchant/", "https://api.shopgate.com/merchant2/"},
	EnvPlayground: {"https://api.shopgatepg.com/merchant/", "https://api.shopgatepg.com/merchant2/"},
	EnvSpotlight:  {"https://api.shopgatesl.com/merchant/", "https://api.shopgatesl.com/merchant2/"},
}

// Defaults of [ClientConfig].
const (
	// DefaultLibraryVersion is the Shopgate library version the shop reports.
	DefaultLibraryVersion = "2.10.3"
	// DefaultTimeout bounds every call.
	DefaultTimeout = 30 * time.Second
	// KeywordsTimeout bounds get_mobile_redirect_user_agents (the keyword
	// list is fetched while a visitor waits).
	KeywordsTimeout = 1 * time.Second
	// DefaultRequestsPerHour is the Merchant API's documented budget.
	DefaultRequestsPerHour = 150
	// DefaultBudgetTimeout bounds one take from ClientConfig.Budget.
	DefaultBudgetTimeout = 3 * time.Second
	// noPluginVersion is what the SDK reports outside a plugin.
	noPluginVersion = "called outside plugin"
	// maxResponseBody bounds how much of an answer is read.
	maxResponseBody = 64 << 20
)

// Version headers sent with every request.
const (
	HeaderLibraryVersion = "X-Shopgate-Library-Version"
	HeaderPluginVersion  = "X-Shopgate-Plugin-Version"
)

// ClientConfig configures a [Client]. Credentials are the merchant's
// Shopgate credentials.
type ClientConfig struct {
	// Environment selects the base URL: EnvLive, EnvPlayground,
	// EnvSpotlight or EnvCustom. Default EnvLive, or EnvCustom when
	// BaseURL is set.
	Environment Environment
	// BaseURL is the URL for EnvCustom (e.g. a shopgatetest.Server's URL),
	// used exactly as given. Must start with http:// or https://.
	BaseURL string
	// CustomerNumber is the merchant's customer number (required for
	// classic authentication).
	CustomerNumber string
	// ShopNumber is the shop number, sent with every request in classic
	// mode.
	ShopNumber string
	// APIKey is the merchant's API key (required for classic
	// authentication). It never reaches a log.
	APIKey string
	// AccessToken switches to OAuth: it is sent as access_token instead of
	// the auth headers and shop_number, and the live/pg/sl URLs become the
	// ".../merchant2/" variants. Default empty (classic mode).
	AccessToken string
	// LibraryVersion is sent as X-Shopgate-Library-Version. Default
	// DefaultLibraryVersion.
	LibraryVersion string
	// PluginVersion is the shop integration's version, sent as
	// X-Shopgate-Plugin-Version and in the User-Agent. Default
	// "called outside plugin".
	PluginVersion string
	// HTTPClient sends the requests. Default: a client that verifies TLS
	// (1.2 or later) and does not follow redirects. Every call is bounded
	// by Timeout through its context whatever the HTTP client does.
	HTTPClient *http.Client
	// Timeout bounds every call. Default DefaultTimeout (30 s).
	// get_mobile_redirect_user_agents always uses KeywordsTimeout (1 s) or
	// less.
	Timeout time.Duration
	// RequestsPerHour is the request budget shared by all clients of the
	// same base URL and merchant (customer number, or access token in
	// OAuth mode). A call over budget fails with ErrRateLimited without
	// being sent. Default DefaultRequestsPerHour; negative disables.
	RequestsPerHour int
	// Budget, when set, keeps the RequestsPerHour budget beyond this
	// process (e.g. adapters/gormstore.RateBudget on a PostgreSQL that
	// several servers share), so that all of them together send at most
	// RequestsPerHour. While it fails, each process falls back to its own
	// in-process budget and logs one warning
	// (docs/protocol/merchant-api.md#shared-request-budget). Default nil:
	// the in-process budget only.
	Budget Budget
	// BudgetTimeout bounds one Budget.Take; a budget that has not answered
	// by then counts as failed (the in-process budget decides), so a
	// hanging database cannot hold Merchant API calls. Default
	// DefaultBudgetTimeout (and never more than the call's Timeout).
	BudgetTimeout time.Duration
	// Logger receives the request log: one entry per outgoing request with
	// the URL and the obfuscated parameters, and one per outcome. Default:
	// no logging.
	Logger *zap.Logger
	// Now is the clock for the auth timestamp and trace ids. Default time.Now.
	Now func() time.Time
	// Observe, when set, is called after every call with the action, its
	// outcome (one of the Outcome* constants) and its duration; a metrics
	// package passes its hook here. It must be fast and safe for
	// concurrent use. Default: none.
	Observe func(action, outcome string, d time.Duration)
}

// Outcomes of a Merchant API call as reported to ClientConfig.Observe.
const (
	OutcomeOK              = "ok"               // the server answered without error
	OutcomeAPIError        = "api_error"        // the server reported an error (MerchantAPIError)
	OutcomeNoConnection    = "no_connection"    // ErrNoConnection
	OutcomeInvalidResponse = "invalid_response" // ErrInvalidResponse
	OutcomeRateLimited     = "rate_limited"     // ErrRateLimited: not sent
)

// CallOutcome classifies the error of a Merchant API call into one of the
// Outcome* constants.
func CallOutcome(err error) string {
	var me *MerchantAPIError
	switch {
	case err == nil:
		return OutcomeOK
	case errors.As(err, &me):
		return OutcomeAPIError
	case errors.Is(err, ErrRateLimited):
		return OutcomeRateLimited
	case errors.Is(err, ErrInvalidResponse):
		return OutcomeInvalidResponse
	default:
		return OutcomeNoConnection
	}
}

// Client is a Shopgate Merchant API client. It is safe for concurrent use.
type Client struct {
	ep        atomic.Pointer[endpoint]
	cfg       ClientConfig
	http      *http.Client
	log       *zap.Logger
	now       func() time.Time
	userAgent string
	traceMu   sync.Mutex
	lastTrace int64 // microseconds since the epoch of the last trace id
	// budgetDown is set while ClientConfig.Budget fails, so that an outage
	// is logged once, not per call.
	budgetDown atomic.Bool
}

// NewClient validates cfg and returns a client. Configuration errors (an
// unknown environment, a missing URL or credentials) are reported here,
// never at call time.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.LibraryVersion == "" {
		cfg.LibraryVersion = DefaultLibraryVersion
	}
	if cfg.PluginVersion == "" {
		cfg.PluginVersion = noPluginVersion
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.RequestsPerHour == 0 {
		cfg.RequestsPerHour = DefaultRequestsPerHour
	}
	if cfg.BudgetTimeout <= 0 {
		cfg.BudgetTimeout = DefaultBudgetTimeout
	}
	c := &Client{
		cfg:       cfg,
		http:      cfg.HTTPClient,
		log:       cfg.Logger,
		now:       cfg.Now,
		userAgent: "ShopgatePlugin/" + cfg.PluginVersion,
	}
	if err := c.SetCredentials(Credentials{Environment: cfg.Environment, BaseURL: cfg.BaseURL,
		CustomerNumber: cfg.CustomerNumber, ShopNumber: cfg.ShopNumber, APIKey: cfg.APIKey, AccessToken: cfg.AccessToken}); err != nil {
		return nil, err
	}
	if c.http == nil {
		c.http = defaultHTTPClient(cfg.Timeout)
	}
	if c.log == nil {
		c.log = zap.NewNop()
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Credentials are the parts of a [ClientConfig] that may change while a
// client runs: the environment (with its URL) and the merchant's
// credentials. The fields mean what they mean in ClientConfig.
type Credentials struct {
	Environment    Environment
	BaseURL        string
	CustomerNumber string
	ShopNumber     string
	APIKey         string
	AccessToken    string
}

// endpoint is the immutable snapshot of a client's credentials that every
// call reads once.
type endpoint struct {
	Credentials
	baseURL string
	// budgetKey names the request budget (base URL and merchant, no
	// secret); limiter is its in-process bucket, nil without a budget.
	budgetKey string
	limiter   *budget
}

// SetCredentials validates cr like NewClient and, when valid, makes every
// call started afterwards use it (calls under way finish with the old
// one); an invalid cr leaves the client as it was. A shop applies a server
// or credential change of its control panel or of another process this
// way, without a restart (docs/protocol/merchant-api.md#changing-credentials-at-run-time).
func (c *Client) SetCredentials(cr Credentials) error {
	if cr.Environment == "" {
		cr.Environment = EnvLive
		if cr.BaseURL != "" {
			cr.Environment = EnvCustom
		}
	}
	oauth := cr.AccessToken != ""
	var base string
	switch cr.Environment {
	case EnvCustom:
		if cr.BaseURL == "" {
			return errors.New("shopgate: custom environment needs a BaseURL")
		}
		u, err := url.Parse(cr.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("shopgate: invalid BaseURL %q: must be an http:// or https:// URL", cr.BaseURL)
		}
		base = cr.BaseURL
	default:
		urls, ok := envURLs[cr.Environment]
		if !ok {
			return fmt.Errorf("shopgate: unknown environment %q (want live, pg, sl or custom)", cr.Environment)
		}
		if cr.BaseURL != "" {
			return fmt.Errorf("shopgate: BaseURL is only used with the custom environment, not %q", cr.Environment)
		}
		base = urls[0]
		if oauth {
			base = urls[1]
		}
	}
	cr.CustomerNumber = strings.TrimSpace(cr.CustomerNumber)
	cr.ShopNumber = strings.TrimSpace(cr.ShopNumber)
	cr.APIKey = strings.TrimSpace(cr.APIKey)
	if !oauth && (cr.CustomerNumber == "" || cr.APIKey == "") {
		return errors.New("shopgate: customer number and API key are required for Merchant API authentication")
	}
	ep := &endpoint{Credentials: cr, baseURL: base}
	if c.cfg.RequestsPerHour > 0 {
		ep.budgetKey = budgetKey(base, cr)
		ep.limiter = sharedBudget(ep.budgetKey, c.cfg.RequestsPerHour)
	}
	c.ep.Store(ep)
	return nil
}

// defaultHTTPClient verifies TLS 1.2+ and returns redirects as answers
// (their body is then an invalid response), as the PHP SDK's cURL does.
func defaultHTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	// Order imports call get_orders concurrently; keep their connections.
	tr.MaxIdleConnsPerHost = 16
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// BaseURL returns the URL every request is posted to.
func (c *Client) BaseURL() string { return c.ep.Load().baseURL }

// OAuth reports whether the client authenticates with an access token.
func (c *Client) OAuth() bool { return c.ep.Load().AccessToken != "" }

// newTraceID returns "spa-" + 8 hex digits of the Unix seconds + 5 hex
// digits of the microseconds (PHP uniqid), unique within the process.
func (c *Client) newTraceID() string {
	us := c.now().UnixMicro()
	c.traceMu.Lock()
	if us <= c.lastTrace {
		us = c.lastTrace + 1
	}
	c.lastTrace = us
	c.traceMu.Unlock()
	return fmt.Sprintf("spa-%08x%05x", us/1e6, us%1e6)
}

// Do sends one Merchant API action with the given action-specific
// parameters (values as accepted by PHP http_build_query: strings,
// numbers, bools, nested maps and slices; nil and empty lists are left
// out) and decodes the answer. action, shop_number (classic mode),
// access_token (OAuth) and trace_id are added; they override caller
// values.
//
// The error is a [*CallError] (ErrNoConnection, ErrInvalidResponse,
// ErrRateLimited) or a [*MerchantAPIError] when the server reported an
// error; in the latter case the Response is returned too.
func (c *Client) Do(ctx context.Context, action string, params map[string]any) (*Response, error) {
	return c.do(ctx, action, params, c.cfg.Timeout)
}

func (c *Client) do(ctx context.Context, action string, params map[string]any, timeout time.Duration) (*Response, error) {
	if c.cfg.Observe == nil {
		return c.send(ctx, action, params, timeout)
	}
	start := time.Now()
	r, err := c.send(ctx, action, params, timeout)
	c.cfg.Observe(action, CallOutcome(err), time.Since(start))
	return r, err
}

// send performs one call for do.
func (c *Client) send(ctx context.Context, action string, params map[string]any, timeout time.Duration) (*Response, error) {
	ep := c.ep.Load()
	traceID := c.newTraceID()
	fields := make(map[string]any, len(params)+4)
	for k, v := range params {
		fields[k] = v
	}
	fields["action"] = action
	fields["trace_id"] = traceID
	oauth := ep.AccessToken != ""
	if oauth {
		fields["access_token"] = ep.AccessToken
		delete(fields, "shop_number")
	} else if ep.ShopNumber != "" {
		fields["shop_number"] = ep.ShopNumber
	}
	log := c.log.With(zap.String("action", action), zap.String("trace_id", traceID))

	// The budget is consulted within the call's time limit: a hanging
	// shared budget cannot hold a call longer than the call itself may take.
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if ep.limiter != nil {
		ok, err := c.take(ctx, ep, log)
		if err != nil {
			return nil, &CallError{Action: action, TraceID: traceID, Kind: ErrNoConnection, Err: err}
		}
		if !ok {
			log.Warn("Merchant API request not sent: request budget exhausted", zap.Int("requests_per_hour", c.cfg.RequestsPerHour))
			return nil, &CallError{Action: action, TraceID: traceID, Kind: ErrRateLimited}
		}
	}

	body := phpform.Encode(fields).Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.baseURL, strings.NewReader(body))
	if err != nil {
		return nil, &CallError{Action: action, TraceID: traceID, Kind: ErrNoConnection, Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "*/*")
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set(HeaderLibraryVersion, c.cfg.LibraryVersion)
	req.Header.Set(HeaderPluginVersion, c.cfg.PluginVersion)
	if !oauth {
		SignRequest(req.Header, PrefixSMA, ep.CustomerNumber, ep.APIKey, c.now())
	}

	// Request log: the URL and the parameters with secrets masked
	// (shop_number, customer_number, apikey, access_token ...).
	log.Info("Sending request to Merchant API", zap.String("url", ep.baseURL), zap.Any("params", obfuscate.Params(fields)))

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		ce := &CallError{Action: action, TraceID: traceID, Kind: ErrNoConnection, Err: err}
		log.Warn("Merchant API request failed", zap.Duration("duration", time.Since(start)), zap.Error(err))
		return nil, ce
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	resp.Body.Close()
	if err != nil {
		log.Warn("Merchant API answer unreadable", zap.Duration("duration", time.Since(start)), zap.Error(err))
		return nil, &CallError{Action: action, TraceID: traceID, Kind: ErrNoConnection, StatusCode: resp.StatusCode, Err: err}
	}
	duration := time.Since(start)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 && len(bytes.TrimSpace(raw)) == 0 {
		// Redirects are not followed: the answer came, but it is not one.
		log.Warn("Merchant API answered with a redirect", zap.Duration("duration", duration), zap.Int("status", resp.StatusCode))
		return nil, invalidResponse(action, traceID, resp.StatusCode, raw, fmt.Errorf("redirect to %q", resp.Header.Get("Location")))
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		log.Warn("Merchant API answer empty", zap.Duration("duration", duration), zap.Int("status", resp.StatusCode))
		return nil, &CallError{Action: action, TraceID: traceID, Kind: ErrNoConnection, StatusCode: resp.StatusCode, Err: errors.New("empty answer")}
	}
	if len(raw) > maxResponseBody {
		log.Warn("Merchant API answer too large", zap.Duration("duration", duration), zap.Int("status", resp.StatusCode))
		return nil, invalidResponse(action, traceID, resp.StatusCode, raw, errors.New("answer too large"))
	}
	r, err := DecodeResponse(raw)
	if err != nil {
		log.Warn("Merchant API answer invalid", zap.Duration("duration", duration), zap.Int("status", resp.StatusCode), zap.Error(err))
		return nil, invalidResponse(action, traceID, resp.StatusCode, raw, err)
	}
	r.StatusCode = resp.StatusCode
	if r.TraceID == "" {
		r.TraceID = traceID
	}
	if err := r.Err(action); err != nil {
		log.Warn("Merchant API reports error", zap.Duration("duration", duration), zap.Int("error", r.Error), zap.String("error_text", r.ErrorText))
		return r, err
	}
	log.Info("Merchant API request done", zap.Duration("duration", duration), zap.Int("status", resp.StatusCode))
	return r, nil
}

// take takes one request from the endpoint's budget: from
// ClientConfig.Budget when set, else from the in-process bucket. When the
// shared budget fails, the in-process bucket decides instead (fail-safe,
// never fail-open: each process then sends at most RequestsPerHour), and
// the outage is logged once when it starts and once when it ends
// (docs/protocol/merchant-api.md#shared-request-budget). A take that
// outlasts BudgetTimeout counts as failed. It fails only when ctx ended,
// as sending would.
func (c *Client) take(ctx context.Context, ep *endpoint, log *zap.Logger) (bool, error) {
	now := c.now()
	if c.cfg.Budget == nil {
		return ep.limiter.allow(now), nil
	}
	bctx, cancel := context.WithTimeout(ctx, c.cfg.BudgetTimeout)
	ok, err := c.cfg.Budget.Take(bctx, ep.budgetKey, c.cfg.RequestsPerHour, now)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return false, fmt.Errorf("request budget: %w", err)
		}
		if c.budgetDown.CompareAndSwap(false, true) {
			log.Warn("Merchant API shared request budget unavailable: this process uses its own budget until it answers again",
				zap.Int("requests_per_hour", c.cfg.RequestsPerHour), zap.Error(err))
		}
		return ep.limiter.allow(now), nil
	}
	if c.budgetDown.CompareAndSwap(true, false) {
		log.Info("Merchant API shared request budget available again")
	}
	if ok {
		// The in-process bucket is charged too, so that a fallback starts
		// from what this process sent, not from a full hour's budget.
		ep.limiter.allow(now)
	}
	return ok, nil
}

func invalidResponse(action, traceID string, status int, raw []byte, cause error) *CallError {
	body := raw
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	return &CallError{Action: action, TraceID: traceID, Kind: ErrInvalidResponse, StatusCode: status, Body: string(body), Err: cause}
}

// payloadError reports a successful answer without the action's payload
// (library code 101).
func payloadError(action string, r *Response, cause error) error {
	return &CallError{Action: action, TraceID: r.TraceID, Kind: ErrInvalidResponse, StatusCode: r.StatusCode, Err: cause}
}
