// Package shopgatetest provides a fake Shopgate Merchant API for tests and
// demos, in the spirit of net/http/httptest.
//
// A [Server] is a real HTTP server on the loopback interface. It checks
// the classic SMA authentication (customer number, API key, 30-minute
// window) or an OAuth access token, keeps orders, items and categories in
// memory, answers every Merchant API action the way the real API
// documents it (including its error codes), records every request for
// assertions, and can be told to fail (error codes, invalid or empty
// answers, slow answers, dropped connections) to test error handling:
//
//	srv := shopgatetest.NewServer()
//	defer srv.Close()
//	srv.AddOrder(shopgatetest.NewTestOrder("1012001234"))
//	client, _ := shopgate.NewClient(srv.ClientConfig())
//	order, err := client.GetOrder(ctx, "1012001234")
//
// The server answers in the PHP wire style: flags as 0/1, amounts as
// strings, missing times as null.
package shopgatetest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopbridge/shopbridge/internal/phpform"
	"github.com/shopbridge/shopbridge/shopgate"
)

// Credentials a Server accepts unless configured otherwise (the worked
// example of the Merchant API reference).
const (
	DefaultCustomerNumber = "12345"
	DefaultShopNumber     = "67890"
	DefaultAPIKey         = "0123456789abcdef0123"
	// DefaultPath is the path the server answers on (like Shopgate's
	// ".../merchant/").
	DefaultPath = "/merchant/"
	// DefaultBatchLimit is the largest batch_add_items/batch_update_items
	// call accepted (the real limit is undocumented).
	DefaultBatchLimit = 100
	// DefaultRateLimitCode is the error code answered over the rate limit
	// (the real code is undocumented).
	DefaultRateLimitCode = 999
)

// Request is one request the server received.
type Request struct {
	// Time is the server clock when the request arrived.
	Time time.Time
	// Method and Path are those of the HTTP request.
	Method, Path string
	// Header is a copy of the request headers.
	Header http.Header
	// Action is the decoded "action" field.
	Action string
	// Params are all decoded form fields (PHP bracket notation resolved
	// into map[string]any, []any and string leaves).
	Params map[string]any
	// Error is the Merchant API error code answered (0 = success); -1 for
	// an injected non-JSON or missing answer.
	Error int
}

// Param returns the top-level form field name as a string ("" when absent
// or not a string).
func (r Request) Param(name string) string {
	s, _ := r.Params[name].(string)
	return s
}

// Option configures a Server.
type Option func(*Server)

// WithCredentials sets the credentials the server accepts.
func WithCredentials(customerNumber, apiKey, shopNumber string) Option {
	return func(s *Server) { s.customerNumber, s.apiKey, s.shopNumber = customerNumber, apiKey, shopNumber }
}

// WithOAuth switches the server to OAuth mode: every request must carry
// access_token=token (else error 404); auth headers and shop_number are
// not required.
func WithOAuth(token string) Option { return func(s *Server) { s.accessToken = token } }

// WithClock sets the server clock (auth window, order times, rate limit).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithKeywords sets the lists answered by get_mobile_redirect_user_agents.
func WithKeywords(keywords, skipKeywords []string) Option {
	return func(s *Server) { s.keywords, s.skipKeywords = keywords, skipKeywords }
}

// WithRateLimit makes the server answer errorCode once more than perHour
// requests arrived within the last hour. Off by default.
func WithRateLimit(perHour, errorCode int) Option {
	return func(s *Server) { s.rateLimit, s.rateLimitCode = perHour, errorCode }
}

// WithBatchLimit sets the largest accepted batch (default DefaultBatchLimit).
func WithBatchLimit(n int) Option { return func(s *Server) { s.batchLimit = n } }

// WithPath sets the path the server answers on (default DefaultPath).
func WithPath(path string) Option { return func(s *Server) { s.path = path } }

// WithShopInfo sets alias and cname returned by get_shop_info.
func WithShopInfo(alias, cname string) Option {
	return func(s *Server) { s.alias, s.cname = alias, cname }
}

// Server is a fake Merchant API. Its methods are safe for concurrent use.
type Server struct {
	customerNumber, apiKey, shopNumber string
	accessToken                        string
	alias, cname                       string
	path                               string
	batchLimit                         int
	rateLimit, rateLimitCode           int
	now                                func() time.Time

	ts *httptest.Server

	mu            sync.Mutex
	keywords      []string
	skipKeywords  []string
	keywordsDelay time.Duration
	requests      []*Request
	oneShot       map[string][]Fault
	persistent    map[string]Fault
	hits          []time.Time
	orders        map[string]*orderState
	cancelSeq     int64
	items         map[string]map[string]any
	categories    map[string]map[string]any
	categoryItems map[string]map[string]int // category → item → order_index
}

// NewServer starts a fake Merchant API on a loopback port. Close it when
// done.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a fake Merchant API that is not listening yet;
// call Start (or mount Handler elsewhere).
func NewUnstartedServer(opts ...Option) *Server {
	s := &Server{
		customerNumber: DefaultCustomerNumber,
		apiKey:         DefaultAPIKey,
		shopNumber:     DefaultShopNumber,
		alias:          "demo-shop",
		path:           DefaultPath,
		batchLimit:     DefaultBatchLimit,
		rateLimitCode:  DefaultRateLimitCode,
		now:            time.Now,
		keywords:       []string{"iPhone", "iPod", "Android", "BlackBerry", "Windows Phone", "Opera Mini", "Mobile"},
		skipKeywords:   []string{"iPad", "Shopgate", "Tablet", "Kindle"},
		oneShot:        map[string][]Fault{},
		persistent:     map[string]Fault{},
		orders:         map[string]*orderState{},
		cancelSeq:      1010001595,
		items:          map[string]map[string]any{},
		categories:     map[string]map[string]any{},
		categoryItems:  map[string]map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	if !strings.HasPrefix(s.path, "/") {
		s.path = "/" + s.path
	}
	s.ts = httptest.NewUnstartedServer(s.Handler())
	return s
}

// Start starts listening. It panics if the server was started already.
func (s *Server) Start() { s.ts.Start() }

// Close shuts the server down and blocks until all requests are done.
// Afterwards clients get "connection refused" (library error 100).
func (s *Server) Close() { s.ts.Close() }

// CloseClientConnections drops all open connections.
func (s *Server) CloseClientConnections() { s.ts.CloseClientConnections() }

// URL returns the Merchant API URL of the started server, e.g.
// "http://127.0.0.1:41234/merchant/".
func (s *Server) URL() string { return s.ts.URL + s.path }

// ClientConfig returns a client configuration for this server with its
// credentials (classic mode, or OAuth when the server is in OAuth mode)
// and the client-side rate limit switched off.
func (s *Server) ClientConfig() shopgate.ClientConfig {
	cfg := shopgate.ClientConfig{
		Environment:     shopgate.EnvCustom,
		BaseURL:         s.URL(),
		CustomerNumber:  s.customerNumber,
		ShopNumber:      s.shopNumber,
		APIKey:          s.apiKey,
		AccessToken:     s.accessToken,
		RequestsPerHour: -1,
	}
	return cfg
}

// CustomerNumber returns the accepted customer number.
func (s *Server) CustomerNumber() string { return s.customerNumber }

// APIKey returns the accepted API key.
func (s *Server) APIKey() string { return s.apiKey }

// ShopNumber returns the accepted shop number.
func (s *Server) ShopNumber() string { return s.shopNumber }

// SetKeywords replaces the keyword lists of get_mobile_redirect_user_agents.
func (s *Server) SetKeywords(keywords, skipKeywords []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keywords, s.skipKeywords = append([]string(nil), keywords...), append([]string(nil), skipKeywords...)
}

// SetKeywordsDelay delays every get_mobile_redirect_user_agents answer, to
// test the client's 1 s timeout.
func (s *Server) SetKeywordsDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keywordsDelay = d
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// RequestsFor returns the received requests of one action.
func (s *Server) RequestsFor(action string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Action == action {
			out = append(out, *r)
		}
	}
	return out
}

// ClearRequests forgets the recorded requests.
func (s *Server) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Fault is an injected misbehaviour. Build it with the functions below.
type Fault struct {
	code       int
	text       string
	errors     []map[string]any
	status     int
	body       *string
	delay      time.Duration
	closeConn  bool
	noPayload  bool
	emptyBody  bool
	httpHeader string
}

// ErrorFault answers with the Merchant API error code and text (and an
// optional errors list), e.g. ErrorFault(shopgate.SMACodeUnknownError, "boom").
func ErrorFault(code int, text string, errors ...map[string]any) Fault {
	return Fault{code: code, text: text, errors: errors}
}

// HTTPFault answers with the given HTTP status, content type and raw body.
func HTTPFault(status int, contentType, body string) Fault {
	return Fault{status: status, body: &body, httpHeader: contentType}
}

// InvalidJSON answers HTTP 500 with an HTML page (the client reports an
// invalid response, 101).
func InvalidJSON() Fault {
	return HTTPFault(http.StatusInternalServerError, "text/html", "<html><body><h1>500 Internal Server Error</h1></body></html>")
}

// EmptyObject answers "{}" (invalid response, 101).
func EmptyObject() Fault { return HTTPFault(http.StatusOK, "application/json", "{}") }

// EmptyBody answers HTTP 200 with no body (no connection, 100).
func EmptyBody() Fault { return Fault{emptyBody: true, status: http.StatusOK} }

// Unavailable answers HTTP 503 with no body, like a server that is down
// behind a load balancer (no connection, 100).
func Unavailable() Fault { return Fault{emptyBody: true, status: http.StatusServiceUnavailable} }

// MissingPayload answers success without the action's payload (no
// "orders", "items", "categories", "keywords"/"skip_keywords"; invalid
// response, 101).
func MissingPayload() Fault { return Fault{noPayload: true} }

// Delay answers normally after d (or when the client gives up). Longer
// than the client timeout, it yields "no connection" (100).
func Delay(d time.Duration) Fault { return Fault{delay: d} }

// CloseConnection drops the connection without answering (100).
func CloseConnection() Fault { return Fault{closeConn: true} }

// FailNext makes the next request of action ("" = any action) answer with
// f, once. Several calls queue up.
func (s *Server) FailNext(action string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oneShot[action] = append(s.oneShot[action], f)
}

// FailAlways makes every request of action ("" = any action) answer with f
// until ClearFaults.
func (s *Server) FailAlways(action string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.persistent[action] = f
}

// ClearFaults removes all injected faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oneShot = map[string][]Fault{}
	s.persistent = map[string]Fault{}
}

// takeFault returns the fault for action, consuming a one-shot fault.
func (s *Server) takeFault(action string) (Fault, bool) {
	for _, key := range []string{action, ""} {
		if q := s.oneShot[key]; len(q) > 0 {
			s.oneShot[key] = q[1:]
			return q[0], true
		}
	}
	for _, key := range []string{action, ""} {
		if f, ok := s.persistent[key]; ok {
			return f, true
		}
	}
	return Fault{}, false
}

// Handler returns the server's HTTP handler, for mounting on another
// server (e.g. a demo shop's mux). It answers on the configured path.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// answer is what an action handler produces.
type answer struct {
	code    int
	text    string
	errors  []map[string]any
	payload map[string]any
}

func fail(code int, format string, args ...any) answer {
	return answer{code: code, text: fmt.Sprintf(format, args...)}
}

func ok(payload map[string]any) answer { return answer{payload: payload} }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.TrimSuffix(r.URL.Path, "/") != strings.TrimSuffix(s.path, "/") {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var params map[string]any
	var perr error
	mt, _, cterr := mime.ParseMediaType(r.Header.Get("Content-Type"))
	formBody := r.Method == http.MethodPost && cterr == nil && mt == "application/x-www-form-urlencoded"
	if formBody {
		body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		params, perr = phpform.ParseQuery(string(body), phpform.Limits{})
	}
	if params == nil {
		params = map[string]any{}
	}
	action, _ := params["action"].(string)
	traceID, _ := params["trace_id"].(string)

	rec := &Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Action: action, Params: params}
	s.mu.Lock()
	now := s.now()
	rec.Time = now
	s.requests = append(s.requests, rec)
	if len(s.requests) > MaxRecorded {
		s.requests = s.requests[len(s.requests)-MaxRecorded:]
	}
	var fault Fault
	var faulty bool
	if formBody {
		fault, faulty = s.takeFault(action)
	}
	var delay time.Duration
	if action == shopgate.ActionGetMobileRedirectUserAgents {
		delay = s.keywordsDelay
	}
	s.mu.Unlock()

	// Not the Merchant API's transport: answer without JSON (the client
	// classifies that as an invalid response).
	switch {
	case r.Method != http.MethodPost:
		s.setResult(rec, -1)
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	case !formBody:
		s.setResult(rec, -1)
		http.Error(w, "unsupported content type", http.StatusUnsupportedMediaType)
		return
	}
	if delay > 0 && !sleepCtx(r, delay) {
		return
	}

	var a answer
	switch {
	case faulty && s.applyFault(w, r, fault, rec):
		return
	case faulty && fault.code != 0:
		a = answer{code: fault.code, text: fault.text, errors: fault.errors}
	case perr != nil:
		a = fail(shopgate.SMACodeWrongParameterType, "cannot parse body: %v", perr)
	default:
		a = s.handle(r, action, params, now)
		if faulty && fault.noPayload && a.code == 0 {
			a.payload = nil
		}
	}
	s.setResult(rec, a.code)
	s.writeAnswer(w, traceID, a)
}

// MaxRecorded is how many requests a Server keeps for Requests; older ones
// are dropped so that a long-running demo does not grow without bound.
const MaxRecorded = 10000

func (s *Server) setResult(rec *Request, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Error = code
}

// applyFault performs a fault that replaces the answer; it reports whether
// the answer was written (or the connection dropped).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault, rec *Request) bool {
	if f.delay > 0 && !sleepCtx(r, f.delay) {
		return true
	}
	written := f.closeConn || f.emptyBody || f.body != nil
	if written {
		s.setResult(rec, -1)
	}
	switch {
	case f.closeConn:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("shopgatetest: response writer cannot be hijacked")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close()
		}
	case f.emptyBody:
		w.WriteHeader(f.status)
	case f.body != nil:
		if f.httpHeader != "" {
			w.Header().Set("Content-Type", f.httpHeader)
		}
		w.WriteHeader(f.status)
		_, _ = io.WriteString(w, *f.body)
	}
	return written
}

func (s *Server) writeAnswer(w http.ResponseWriter, traceID string, a answer) {
	out := make(map[string]any, len(a.payload)+5)
	for k, v := range a.payload {
		out[k] = v
	}
	out["error"] = a.code
	out["error_text"] = nil
	if a.code != 0 {
		out["error_text"] = a.text
	}
	if len(a.errors) > 0 {
		out["errors"] = a.errors
	}
	out["sma_version"] = "1.0"
	out["trace_id"] = traceID
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// handle authenticates and dispatches one request.
func (s *Server) handle(r *http.Request, action string, p map[string]any, now time.Time) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rateLimit > 0 {
		cut := now.Add(-time.Hour)
		kept := s.hits[:0]
		for _, t := range s.hits {
			if t.After(cut) {
				kept = append(kept, t)
			}
		}
		s.hits = append(kept, now)
		if len(s.hits) > s.rateLimit {
			return fail(s.rateLimitCode, "request limit of %d per hour exceeded", s.rateLimit)
		}
	}
	if a, failed := s.authenticate(r, p, now); failed {
		return a
	}
	if action == "" {
		return fail(shopgate.SMACodeUnknownAction, "unknown action")
	}
	h, known := handlers[action]
	if !known {
		return fail(shopgate.SMACodeUnknownAction, "unknown action %q", action)
	}
	if a, bad := validate(h, p); bad {
		return a
	}
	return h.fn(s, p, now)
}

func (s *Server) authenticate(r *http.Request, p map[string]any, now time.Time) (answer, bool) {
	if s.accessToken != "" {
		tok, _ := p["access_token"].(string)
		if tok == "" || !constantTimeEqual(tok, s.accessToken) {
			return fail(shopgate.SMACodeAccessTokenInvalid, "the given OAuth2 access token is invalid"), true
		}
		return answer{}, false
	}
	user, token := r.Header.Get(shopgate.HeaderAuthUser), r.Header.Get(shopgate.HeaderAuthToken)
	if strings.TrimSpace(user) == "" || strings.TrimSpace(token) == "" {
		return fail(shopgate.SMACodeAuthNotSet, "authorization not set"), true
	}
	cn, ts, err := shopgate.ParseAuthUser(user)
	if err != nil {
		return fail(shopgate.SMACodeAuthUserInvalid, "authorization user name has an invalid format"), true
	}
	want := shopgate.Token(shopgate.PrefixSMA, cn, ts, s.apiKey)
	if !shopgate.SameNumber(cn, s.customerNumber) || !constantTimeEqual(strings.TrimSpace(token), want) {
		return fail(shopgate.SMACodeAuthTokenInvalid, "generated authorization password invalid"), true
	}
	skew := now.Unix() - ts
	if skew > int64(shopgate.MaxClockSkew/time.Second) || -skew > int64(shopgate.MaxClockSkew/time.Second) {
		return fail(shopgate.SMACodeAuthTooOld, "generated authorization is too old"), true
	}
	shop, _ := p["shop_number"].(string)
	if shop == "" {
		return fail(shopgate.SMACodeShopNumberNotSet, "shop_number not set"), true
	}
	if !shopgate.SameNumber(shop, s.shopNumber) {
		return fail(shopgate.SMACodeShopNotFound, "shop not found"), true
	}
	return answer{}, false
}

// actionHandler describes one action: its field rules and behaviour.
type actionHandler struct {
	required []string
	bools    []string
	ints     []string
	fn       func(s *Server, p map[string]any, now time.Time) answer
}

// validate applies the field rules: missing → 118, wrong type → 123.
func validate(h actionHandler, p map[string]any) (answer, bool) {
	var missing []string
	for _, f := range h.required {
		v, present := p[f]
		if sv, isStr := v.(string); !present || (isStr && strings.TrimSpace(sv) == "") {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fail(shopgate.SMACodeMissingParameters, "missing parameters: %s", strings.Join(missing, ", ")), true
	}
	var wrong []string
	for _, f := range h.bools {
		if v, present := p[f]; present && !isFlag(v) {
			wrong = append(wrong, f)
		}
	}
	for _, f := range h.ints {
		if v, present := p[f]; present && !isInt(v) {
			wrong = append(wrong, f)
		}
	}
	if len(wrong) > 0 {
		return fail(shopgate.SMACodeWrongParameterType, "parameters of wrong type: %s", strings.Join(wrong, ", ")), true
	}
	return answer{}, false
}

func isFlag(v any) bool {
	s, ok := v.(string)
	return ok && (s == "0" || s == "1")
}

func isInt(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	_, err := strconv.Atoi(s)
	return err == nil
}

func flag(p map[string]any, name string) bool { return p[name] == "1" }

func intParam(p map[string]any, name string, def int) int {
	if s, ok := p[name].(string); ok {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
	}
	return def
}

func str(p map[string]any, name string) string {
	s, _ := p[name].(string)
	return s
}

// list returns a field sent as a PHP list (a[0]=x...) as its elements.
func list(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case map[string]any:
		out := make([]any, 0, len(x))
		for _, k := range sortedKeys(x) {
			out = append(out, x[k])
		}
		return out
	case string:
		return []any{x}
	}
	return nil
}

func constantTimeEqual(a, b string) bool {
	return len(a) == len(b) && subtleCompare(a, b)
}

// handlers maps action names to their behaviour; set in init to allow the
// handler functions to refer to Server methods.
var handlers map[string]actionHandler

func init() {
	handlers = map[string]actionHandler{
		shopgate.ActionGetShopInfo:                 {fn: (*Server).getShopInfo},
		shopgate.ActionGetMobileRedirectUserAgents: {fn: (*Server).getKeywords},
		shopgate.ActionGetOrders: {
			bools: []string{"with_items"}, ints: []string{"limit", "offset"}, fn: (*Server).getOrders,
		},
		shopgate.ActionAddOrderDeliveryNote: {
			required: []string{"order_number", "shipping_service_id"},
			bools:    []string{"mark_as_completed", "send_customer_email"},
			fn:       (*Server).addDeliveryNote,
		},
		shopgate.ActionSetOrderShippingCompleted: {
			required: []string{"order_number"}, bools: []string{"send_customer_email"},
			fn: (*Server).setShippingCompleted,
		},
		shopgate.ActionCancelOrder: {
			required: []string{"order_number"},
			bools:    []string{"cancel_complete_order", "cancel_shipping"},
			fn:       (*Server).cancelOrder,
		},
		shopgate.ActionGetItems:         {ints: []string{"limit", "offset"}, fn: (*Server).getItems},
		shopgate.ActionAddItem:          {required: []string{"item_number"}, fn: (*Server).addItem},
		shopgate.ActionUpdateItem:       {required: []string{"item_number"}, fn: (*Server).updateItem},
		shopgate.ActionDeleteItem:       {required: []string{"item_number"}, fn: (*Server).deleteItem},
		shopgate.ActionBatchAddItems:    {required: []string{"items"}, fn: (*Server).batchAddItems},
		shopgate.ActionBatchUpdateItems: {required: []string{"items"}, fn: (*Server).batchUpdateItems},
		shopgate.ActionGetCategories:    {ints: []string{"limit", "offset"}, fn: (*Server).getCategories},
		shopgate.ActionAddCategory: {
			required: []string{"category_number"}, bools: []string{"is_active"}, ints: []string{"order_index"},
			fn: (*Server).addCategory,
		},
		shopgate.ActionUpdateCategory: {
			required: []string{"category_number"}, bools: []string{"is_active"}, ints: []string{"order_index"},
			fn: (*Server).updateCategory,
		},
		shopgate.ActionDeleteCategory: {
			required: []string{"category_number"}, bools: []string{"delete_subcategories", "delete_items"},
			fn: (*Server).deleteCategory,
		},
		shopgate.ActionAddItemToCategory: {
			required: []string{"category_number", "item_number"}, ints: []string{"order_index"},
			fn: (*Server).addItemToCategory,
		},
		shopgate.ActionDeleteItemFromCategory: {
			required: []string{"category_number", "item_number"}, fn: (*Server).deleteItemFromCategory,
		},
	}
}

func (s *Server) getShopInfo(_ map[string]any, _ time.Time) answer {
	return ok(map[string]any{
		"shop_number":        s.shopNumber,
		"customer_number":    s.customerNumber,
		"apikey":             s.apiKey,
		"alias":              s.alias,
		"cname":              s.cname,
		"oauth_access_token": s.accessToken,
	})
}

func (s *Server) getKeywords(_ map[string]any, _ time.Time) answer {
	kw := append([]string{}, s.keywords...)
	skip := append([]string{}, s.skipKeywords...)
	return ok(map[string]any{"keywords": kw, "skip_keywords": skip})
}

// sortedKeys returns map keys, numeric ones in numeric order first.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	phpform.SortKeys(keys)
	return keys
}

// parseTime parses an ISO 8601 parameter.
func parseTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05-0700", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid time %q", v)
}

// sleepCtx waits d or until the client gives up; it reports whether the
// full time passed.
func sleepCtx(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func subtleCompare(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
