package drophero

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// DefaultBaseURL is DropHero's API v1 base URL.
const DefaultBaseURL = "https://api.drophero.com/v1/"

// DefaultTimeout bounds one request attempt
// (docs/protocol/drophero.md#transport-and-timeouts: 60 s, far below the 600 s
// lifetime of a signature).
const DefaultTimeout = 60 * time.Second

// FirstSyncEpoch is the "from" of the first catalogue sync (1980-07-17),
// which returns every current subscription.
const FirstSyncEpoch int64 = 332703159

// Config configures a Client.
type Config struct {
	BaseURL   string // default DefaultBaseURL; must end in /v1/ (a missing slash is added)
	PublicKey string
	SecretKey string // never logged
	// Gate spaces and serialises requests. Default: a process-local
	// MemoryGate; installations with several processes must pass a
	// shared gate such as dropship.PostgresGate.
	Gate Gate
	// HTTPClient defaults to one that follows no redirects; the attempt's
	// Timeout bounds it (headers and body alike). A timeout of a client
	// passed here ends the attempt with the same error as Timeout.
	HTTPClient *http.Client
	// Timeout bounds each attempt as a whole: connect, upload and reading the
	// entire response (docs/protocol/drophero.md#transport-and-timeouts), so
	// that no request arrives with a stale signature. Default DefaultTimeout.
	Timeout time.Duration
	Logger  *zap.Logger
	// Retries of a 5xx / network failure inside one call (each re-signed
	// and gated). Default 2; the outbox retries the job later on top.
	Retries int
	// RetryBackoff is the first pause between retries, doubled each time.
	// Default 1 s.
	RetryBackoff time.Duration
	// Now is the clock used for signing. Default time.Now.
	Now func() time.Time
	// Observe, when set, is called after every attempt with the endpoint
	// template (e.g. "GET /v1/orders/{id}"), the outcome (one of the
	// Outcome* constants) and the attempt's duration, and GateWait with
	// the time the attempt waited in the Gate. A metrics package passes
	// its hooks here; they must be fast and safe for concurrent use.
	Observe  func(endpoint, outcome string, d time.Duration)
	GateWait func(d time.Duration)
	// GateRefused, when set, is called for every attempt the Gate ended
	// without sending it, with one of the GateRefused* reasons.
	GateRefused func(reason string)
}

// Reasons passed to Config.GateRefused.
const (
	GateRefusedCircuitOpen = "circuit_open" // ErrBanned: the circuit breaker is open
	GateRefusedCancelled   = "cancelled"    // ErrRateLimited: the caller gave up waiting
	GateRefusedError       = "gate_error"   // the gate failed (e.g. its database)
)

// gateRefusal is the GateRefused reason of err, returned by a Gate that did
// not run the attempt.
func gateRefusal(err error) string {
	switch {
	case errors.Is(err, ErrBanned):
		return GateRefusedCircuitOpen
	case errors.Is(err, ErrRateLimited):
		return GateRefusedCancelled
	}
	return GateRefusedError
}

// Outcomes of an attempt as reported to Config.Observe.
const (
	OutcomeOK           = "ok"           // 2xx or 304
	OutcomeUnauthorized = "unauthorized" // 401
	OutcomeBanned       = "banned"       // 403, or the circuit breaker is open
	OutcomeClientError  = "client_error" // another 4xx
	OutcomeServerError  = "server_error" // 5xx
	OutcomeTimeout      = "timeout"      // ErrTimeout
	OutcomeTransport    = "transport"    // connection failed
	OutcomeRateLimited  = "rate_limited" // the gate gave up waiting
	OutcomeOther        = "other_error"  // decoding or another local error
)

// AttemptOutcome classifies an attempt's error into one of the Outcome*
// constants.
func AttemptOutcome(err error) string {
	var ae *APIError
	switch {
	case err == nil:
		return OutcomeOK
	case errors.As(err, &ae):
		switch {
		case ae.Status == http.StatusUnauthorized:
			return OutcomeUnauthorized
		case ae.Status == http.StatusForbidden:
			return OutcomeBanned
		case ae.Status >= 500:
			return OutcomeServerError
		}
		return OutcomeClientError
	case errors.Is(err, ErrBanned):
		return OutcomeBanned
	case errors.Is(err, ErrTimeout):
		return OutcomeTimeout
	case errors.Is(err, ErrRateLimited):
		return OutcomeRateLimited
	case isNetErr(err):
		return OutcomeTransport
	}
	return OutcomeOther
}

// Client talks to the DropHero API v1 for one account. It is safe for
// concurrent use; requests of one account are serialised by the Gate.
type Client struct {
	base    *url.URL
	pub     string
	secret  string
	gate    Gate
	hc      *http.Client
	log     *zap.Logger
	retries int
	backoff time.Duration
	timeout time.Duration
	now     func() time.Time
	offset  atomic.Int64 // measured clock offset to DropHero, seconds
	// offsetLoaded: the offset stored by an OffsetGate was read.
	offsetLoaded atomic.Bool
	observe      func(endpoint, outcome string, d time.Duration)
	gateWait     func(d time.Duration)
	gateRefused  func(reason string)
}

// NewClient returns a client for cfg.
func NewClient(cfg Config) (*Client, error) {
	if cfg.PublicKey == "" || cfg.SecretKey == "" {
		return nil, ErrNotConfigured
	}
	b := cfg.BaseURL
	if b == "" {
		b = DefaultBaseURL
	}
	if !strings.HasSuffix(b, "/") {
		b += "/"
	}
	u, err := url.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("drophero: base url: %w", err)
	}
	c := &Client{base: u, pub: cfg.PublicKey, secret: cfg.SecretKey, gate: cfg.Gate, hc: cfg.HTTPClient,
		log: cfg.Logger, retries: cfg.Retries, backoff: cfg.RetryBackoff, timeout: cfg.Timeout, now: cfg.Now,
		observe: cfg.Observe, gateWait: cfg.GateWait, gateRefused: cfg.GateRefused}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.gate == nil {
		c.gate = &MemoryGate{}
	}
	if c.hc == nil {
		// No ResponseHeaderTimeout: the per-attempt context alone bounds
		// the attempt, so an attempt timeout always surfaces as ErrTimeout
		// and never as whichever of two equal timers fired first.
		t := http.DefaultTransport.(*http.Transport).Clone()
		c.hc = &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.log == nil {
		c.log = zap.NewNop()
	}
	if cfg.Retries == 0 {
		c.retries = 2
	} else if cfg.Retries < 0 {
		c.retries = 0
	}
	if c.backoff <= 0 {
		c.backoff = time.Second
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// PublicKey returns the account's public key.
func (c *Client) PublicKey() string { return c.pub }

// request describes one API call.
type request struct {
	method   string
	path     string // relative to the base, e.g. "orders/123"
	endpoint string // for errors and logs, e.g. "GET /v1/orders/{id}"
	data     any    // JSON document for the data form field (POST)
	// consume reads a 2xx body (or an empty one for 304) inside the gate.
	consume func(r io.Reader) error
	// progress, when set, is told the body bytes read so far and the
	// body's Content-Length (-1 when unknown) as consume reads.
	progress func(read, total int64)
	// noRetry: a failed attempt has an unknown outcome (orders/new) and must
	// not be repeated blindly; the caller checks first.
	noRetry bool
}

// do runs r through the gate with signing, the clock-skew retry and
// retries of 5xx / network failures.
func (c *Client) do(ctx context.Context, r request) error {
	var body string
	if r.data != nil {
		js, err := json.Marshal(r.data)
		if err != nil {
			return fmt.Errorf("drophero: %s: encode: %w", r.endpoint, err)
		}
		body = url.Values{"data": {string(js)}}.Encode()
	}
	c.loadOffset(ctx)
	skewRetried := false
	backoff := c.backoff
	for attempt := 0; ; attempt++ {
		ran := false
		fn := c.attempt(r, body, &skewRetried)
		err := c.gate.Do(ctx, c.pub, func(ctx context.Context) (Outcome, error) {
			ran = true
			return fn(ctx)
		})
		if !ran && err != nil && c.gateRefused != nil {
			c.gateRefused(gateRefusal(err))
		}
		var ae *APIError
		retry := errors.As(err, &ae) && ae.Temporary() || isNetErr(err)
		if ae != nil && ae.Status == http.StatusUnauthorized && skewRetried && attempt == 0 {
			// once() measured a large skew and adjusted the offset: one re-signed retry.
			retry = true
		} else if !retry || attempt >= c.retries || r.noRetry {
			return err
		}
		c.log.Warn("drophero request failed, retrying", zap.String("endpoint", r.endpoint), zap.Int("attempt", attempt+1), zap.Error(err))
		if ae != nil && ae.Status == http.StatusUnauthorized {
			continue
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		backoff *= 2
	}
}

// attempt returns the function the gate runs for one attempt of r, with
// the Observe and GateWait hooks around once.
func (c *Client) attempt(r request, body string, skewRetried *bool) func(ctx context.Context) (Outcome, error) {
	if c.observe == nil && c.gateWait == nil {
		return func(ctx context.Context) (Outcome, error) { return c.once(ctx, r, body, skewRetried) }
	}
	queued := time.Now()
	return func(ctx context.Context) (Outcome, error) {
		start := time.Now()
		if c.gateWait != nil {
			c.gateWait(start.Sub(queued))
		}
		out, err := c.once(ctx, r, body, skewRetried)
		if c.observe != nil {
			c.observe(r.endpoint, AttemptOutcome(err), time.Since(start))
		}
		return out, err
	}
}

// loadOffset applies, once per client, the clock offset an OffsetGate stored
// from an earlier measurement
// (docs/protocol/drophero.md#signature-lifetime-and-clock-skew: later
// signatures use it).
func (c *Client) loadOffset(ctx context.Context) {
	if c.offsetLoaded.Load() {
		return
	}
	og, ok := c.gate.(OffsetGate)
	if !ok {
		c.offsetLoaded.Store(true)
		return
	}
	d, err := og.ClockOffset(ctx, c.pub)
	if err != nil {
		c.log.Warn("drophero: stored clock offset not read", zap.Error(err))
		return // tried again with the next request
	}
	if c.offsetLoaded.CompareAndSwap(false, true) {
		c.offset.CompareAndSwap(0, int64(d/time.Second))
	}
}

// netError marks transport failures so do() can retry them.
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

func isNetErr(err error) bool { var n *netError; return errors.As(err, &n) }

// isTimeout reports whether err is a timeout reported by the transport
// (e.g. a caller-supplied http.Client's Timeout or ResponseHeaderTimeout).
func isTimeout(err error) bool { var ne net.Error; return errors.As(err, &ne) && ne.Timeout() }

// once performs one signed attempt, bounded as a whole (including the body
// read by r.consume) by the client's timeout. It runs inside the gate.
func (c *Client) once(parent context.Context, r request, body string, skewRetried *bool) (Outcome, error) {
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	// attemptTimedOut: the attempt ran out of time (its own deadline or a
	// timeout of the HTTP client), not the caller's context.
	attemptTimedOut := func(err error) bool { return parent.Err() == nil && (ctx.Err() != nil || isTimeout(err)) }
	timeoutErr := func() error {
		return &netError{fmt.Errorf("drophero: %s: attempt exceeded %v: %w", r.endpoint, c.timeout, ErrTimeout)}
	}
	// r.path is already escaped (e.g. an idordershop through
	// url.PathEscape): it becomes RawPath as is and Path its decoded form,
	// so u.String() sends it escaped exactly once.
	u := *c.base
	esc := strings.TrimSuffix(c.base.EscapedPath(), "/") + "/" + r.path
	p, err := url.PathUnescape(esc)
	if err != nil {
		return Outcome{}, fmt.Errorf("drophero: %s: path: %w", r.endpoint, err)
	}
	u.Path, u.RawPath = p, esc
	// Signed only now, after any wait in the gate
	// (docs/protocol/drophero.md#signature-lifetime-and-clock-skew).
	t := c.now().Add(time.Duration(c.offset.Load()) * time.Second)
	u.RawQuery = SignedQuery(c.pub, c.secret, t).Encode()
	var rd io.Reader
	if r.method == http.MethodPost {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), rd)
	if err != nil {
		return Outcome{}, fmt.Errorf("drophero: %s: %w", r.endpoint, err)
	}
	req.Header.Set("Accept", "application/json")
	if r.method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// The error text of net/http contains the full URL; never pass it on.
		timeout := isTimeout(err)
		if attemptTimedOut(err) {
			return Outcome{TimedOut: true}, timeoutErr()
		}
		if parent.Err() != nil {
			return Outcome{TimedOut: true}, fmt.Errorf("drophero: %s: %w", r.endpoint, parent.Err())
		}
		return Outcome{TimedOut: timeout}, &netError{fmt.Errorf("drophero: %s: transport error (timeout=%v)", r.endpoint, timeout)}
	}
	defer resp.Body.Close()
	c.log.Debug("drophero response", zap.String("endpoint", r.endpoint), zap.Int("status", resp.StatusCode))
	switch {
	case resp.StatusCode == http.StatusNotModified:
		if r.consume != nil {
			return Outcome{}, r.consume(strings.NewReader(""))
		}
		return Outcome{}, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if r.consume != nil {
			var body io.Reader = resp.Body
			if r.progress != nil {
				body = &countingReader{r: resp.Body, total: resp.ContentLength, fn: r.progress}
			}
			err := r.consume(bufio.NewReaderSize(body, 64<<10))
			if err != nil && attemptTimedOut(err) {
				// Not a netError: consume may have applied part of the
				// answer, so the call is not repeated here; the caller
				// rolls back and its job is retried later.
				return Outcome{TimedOut: true}, fmt.Errorf("drophero: %s: attempt exceeded %v while reading the answer: %w",
					r.endpoint, c.timeout, ErrTimeout)
			}
			return Outcome{}, err
		}
		// A 2xx without data to read has succeeded, whether or not the rest
		// of its ignored body arrives in time.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return Outcome{}, nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	ae := &APIError{Status: resp.StatusCode, Endpoint: r.endpoint, Body: string(b)}
	out := Outcome{}
	switch resp.StatusCode {
	case http.StatusForbidden:
		out.Banned = true
		c.log.Error("drophero answered 403: circuit breaker opened", zap.String("endpoint", r.endpoint))
	case http.StatusUnauthorized:
		if !*skewRetried {
			if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
				skew := d.Sub(t).Round(time.Second)
				if skew > 30*time.Second || skew < -30*time.Second {
					if skew > 600*time.Second {
						skew = 600 * time.Second
					} else if skew < -600*time.Second {
						skew = -600 * time.Second
					}
					c.log.Error("drophero rejected the signature and the clocks differ: fix NTP", zap.Duration("skew", skew))
					off := time.Duration(c.offset.Add(int64(skew/time.Second))) * time.Second
					out.ClockOffset = &off
					*skewRetried = true
				}
			}
		}
	}
	return out, ae
}

// Message is one entry of POST /v1/notify. Message is a string or, for the
// system callbacks message, an object.
type Message struct {
	Type    string // "warning", "error" or "system"
	Message any
}

// Notify sends messages (at most 20 per call are useful) in one request.
func (c *Client) Notify(ctx context.Context, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	data := make(map[string]any, len(msgs))
	for i, m := range msgs {
		data[strconv.Itoa(i+1)] = map[string]any{"msgtype": m.Type, "message": m.Message}
	}
	return c.do(ctx, request{method: http.MethodPost, path: "notify", endpoint: "POST /v1/notify", data: data})
}

// Announce sends the installation notify: "plugin installed" and the store
// identity with both callback URLs, in one request.
func (c *Client) Announce(ctx context.Context, storeType, storeVersion, ordersURL, productsURL string) error {
	return c.Notify(ctx, []Message{
		{Type: "system", Message: "plugin installed"},
		{Type: "system", Message: map[string]any{
			"storetype": storeType, "storeversion": storeVersion,
			"callbacks_url": map[string]string{"orderstatus": ordersURL, "products": productsURL},
		}},
	})
}

// SendCategories upserts categories at DropHero (POST /v1/category/new).
// ParentID "" or "0" is top level.
func (c *Client) SendCategories(ctx context.Context, cats []Category) error {
	if len(cats) == 0 {
		return nil
	}
	data := make(map[string]any, len(cats))
	for _, cat := range cats {
		pid, err := strconv.ParseInt(strings.TrimSpace(cat.ParentID), 10, 64)
		if cat.ParentID == "" {
			pid, err = 0, nil
		}
		if err != nil {
			return fmt.Errorf("drophero: category %s: parent id %q is not an integer", cat.ID, cat.ParentID)
		}
		data[cat.ID] = map[string]any{"id": cat.ID, "name": cat.Name, "parent_id": pid}
	}
	return c.do(ctx, request{method: http.MethodPost, path: "category/new", endpoint: "POST /v1/category/new", data: data})
}

// DeleteCategories deletes categories at DropHero (POST /v1/category/del).
func (c *Client) DeleteCategories(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	data := make(map[string]any, len(ids))
	for _, id := range ids {
		data[id] = map[string]string{"id": id}
	}
	return c.do(ctx, request{method: http.MethodPost, path: "category/del", endpoint: "POST /v1/category/del", data: data})
}

// readAllJSON reads a whole (small) body for the non-streaming endpoints.
func readAllJSON(r io.Reader, endpoint string) (json.RawMessage, error) {
	b, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, &DecodeError{Endpoint: endpoint, Err: err}
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, nil
	}
	if !json.Valid(b) {
		return nil, &DecodeError{Endpoint: endpoint, Err: errors.New("invalid JSON")}
	}
	return b, nil
}

// Categories returns the categories DropHero holds for this shop.
func (c *Client) Categories(ctx context.Context) ([]Category, error) {
	const ep = "GET /v1/category"
	var out []Category
	err := c.do(ctx, request{method: http.MethodGet, path: "category", endpoint: ep, consume: func(r io.Reader) error {
		raw, err := readAllJSON(r, ep)
		if err != nil {
			return err
		}
		return asDecodeError(ep, "", eachEntry("categories", raw, nil, func(key string, v json.RawMessage) error {
			f, err := objectFields(v)
			if err != nil {
				return fieldErr("category "+key, "%v", err)
			}
			var cat Category
			if cat.ID, err = parseID("id", f["id"]); err != nil {
				return err
			}
			if cat.Name, err = textOrEmpty("name", f["name"]); err != nil {
				return err
			}
			if cat.ParentID, err = parseID("parent_id", f["parent_id"]); err != nil {
				return err
			}
			if cat.ID != "" {
				out = append(out, cat)
			}
			return nil
		}))
	}})
	return out, err
}

// ShippingModes returns DropHero's shipping modes (GET /v1/shipping).
func (c *Client) ShippingModes(ctx context.Context) ([]ShippingMode, error) {
	const ep = "GET /v1/shipping"
	var out []ShippingMode
	err := c.do(ctx, request{method: http.MethodGet, path: "shipping", endpoint: ep, consume: func(r io.Reader) error {
		raw, err := readAllJSON(r, ep)
		if err != nil {
			return err
		}
		return asDecodeError(ep, "", eachEntry("shipping", raw, nil, func(key string, v json.RawMessage) error {
			f, err := objectFields(v)
			if err != nil {
				return fieldErr("mode "+key, "%v", err)
			}
			var m ShippingMode
			if m.ID, err = parseID("idshippingmode", f["idshippingmode"]); err != nil {
				return err
			}
			for name, dst := range map[string]*string{"shipping_area_iso": &m.AreaISO, "shipping_name": &m.Name,
				"shipping_description": &m.Description, "shipping_transit_hours": &m.TransitHours} {
				if *dst, err = textOrEmpty(name, f[name]); err != nil {
					return err
				}
			}
			if m.ID != "" {
				out = append(out, m)
			}
			return nil
		}))
	}})
	return out, err
}

// SubscribedHandler receives a subscribed response while it is streamed.
type SubscribedHandler struct {
	// Product is called for each product in the order received.
	Product func(*Product) error
	// Deleted is called with the deleted list (possibly several times).
	Deleted func(ids []string) error
	// Progress, when set, is called as the body is read with the bytes
	// read so far and the body's size from Content-Length (-1 when the
	// answer is streamed without one); a caller estimates the product
	// total from it. Optional; called from the decoding goroutine.
	Progress func(read, total int64)
}

// countingReader reports the bytes read from r.
type countingReader struct {
	r     io.Reader
	read  int64
	total int64
	fn    func(read, total int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.read += int64(n)
		c.fn(c.read, c.total)
	}
	return n, err
}

// Subscribed streams GET /v1/subscribed/from/{from} (from < 0: GET
// /v1/subscribed) into h, item by item, without holding the whole response.
// Any decoding problem returns a *DecodeError; errors of h are returned as
// they are. The caller applies everything in one transaction and rolls back
// on error.
func (c *Client) Subscribed(ctx context.Context, from int64, h SubscribedHandler) error {
	path, ep := "subscribed", "GET /v1/subscribed"
	if from >= 0 {
		path, ep = "subscribed/from/"+strconv.FormatInt(from, 10), "GET /v1/subscribed/from/{epoch}"
	}
	return c.do(ctx, request{method: http.MethodGet, path: path, endpoint: ep, progress: h.Progress, consume: func(r io.Reader) error {
		return decodeSubscribed(r, ep, h)
	}})
}

// DecodeSubscribed decodes a subscribed response body from r into h; it is
// what Subscribed does with the HTTP body, exported for tools and fuzzing.
func DecodeSubscribed(r io.Reader, h SubscribedHandler) error {
	return decodeSubscribed(r, "subscribed", h)
}

func decodeSubscribed(r io.Reader, ep string, h SubscribedHandler) error {
	dec := json.NewDecoder(r)
	bad := func(item string, err error) error { return asDecodeError(ep, item, err) }
	tok, err := dec.Token()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return bad("", err)
	}
	product := func(key string, raw json.RawMessage) error {
		p, err := ParseProduct(raw)
		if err != nil {
			return bad("key "+key, err)
		}
		if h.Product != nil {
			return h.Product(p)
		}
		return nil
	}
	switch tok {
	case nil:
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return bad("", err)
			}
			if err := product(strconv.Itoa(i), raw); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return bad("", err)
		}
	case json.Delim('{'):
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return bad("", err)
			}
			key, _ := kt.(string)
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return bad(key, err)
			}
			if key == "deleted" {
				ids, err := parseIDList("deleted", raw)
				if err != nil {
					return bad("", err)
				}
				if h.Deleted != nil && len(ids) > 0 {
					if err := h.Deleted(ids); err != nil {
						return err
					}
				}
				continue
			}
			if err := product(key, raw); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return bad("", err)
		}
	default:
		return bad("", fmt.Errorf("top level is %v, want an object or array", tok))
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("", errors.New("trailing data after the JSON document"))
	}
	return nil
}

// SubmitOrder sends one order with POST /v1/orders/new. DropHero debits the
// merchant's account for it.
func (c *Client) SubmitOrder(ctx context.Context, o Order) error {
	if o.IDOrderShop == "" || len(o.Lines) == 0 {
		return fmt.Errorf("drophero: submit order %q: no id or no lines", o.IDOrderShop)
	}
	return c.do(ctx, request{method: http.MethodPost, path: "orders/new", endpoint: "POST /v1/orders/new", data: o.wire(), noRetry: true})
}

// OrderStatuses returns the status of every order of the account
// (GET /v1/orders). Entries without a usable status are skipped.
func (c *Client) OrderStatuses(ctx context.Context) ([]OrderStatus, error) {
	return c.orderStatuses(ctx, "orders", "GET /v1/orders")
}

// OrderStatus returns the status of one order (GET /v1/orders/{id}). Only
// an HTTP 404 means DropHero does not know the order (an error matching
// ErrNotFound). A successful answer without a usable entry for this very
// order (empty, a null status, or entries about other orders) gives an
// error matching ErrNoOrderStatus: whether DropHero holds the order is then
// unknown.
func (c *Client) OrderStatus(ctx context.Context, idOrderShop string) (*OrderStatus, error) {
	sts, err := c.orderStatuses(ctx, "orders/"+url.PathEscape(idOrderShop), "GET /v1/orders/{id}")
	if err != nil {
		return nil, err
	}
	for i := range sts {
		if sts[i].IDOrderShop == idOrderShop {
			return &sts[i], nil
		}
	}
	return nil, fmt.Errorf("drophero: order %s: %d usable entries, none for this order: %w", idOrderShop, len(sts), ErrNoOrderStatus)
}

func (c *Client) orderStatuses(ctx context.Context, path, ep string) ([]OrderStatus, error) {
	var out []OrderStatus
	err := c.do(ctx, request{method: http.MethodGet, path: path, endpoint: ep, consume: func(r io.Reader) error {
		raw, err := readAllJSON(r, ep)
		if err != nil {
			return err
		}
		sts, skipped, err := parseOrderStatuses(raw)
		if err != nil {
			return asDecodeError(ep, "", err)
		}
		if len(skipped) > 0 {
			c.log.Warn("drophero order entries without a usable status skipped", zap.Strings("idordershop", skipped))
		}
		out = sts
		return nil
	}})
	return out, err
}
