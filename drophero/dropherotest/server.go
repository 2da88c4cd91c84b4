// Package dropherotest provides a fake DropHero API v1 server for tests and
// demos, in the spirit of net/http/httptest and shopgate/shopgatetest.
//
// A [Server] checks the presigned query and its expiry, enforces the 1
// request per second limit with a ban, holds subscriptions, categories,
// orders and notify messages, validates order submissions and can fire the
// plugin callbacks. It is configured with options when built and told to
// misbehave with faults:
//
//	fake := dropherotest.NewServer(dropherotest.WithoutRateLimit())
//	defer fake.Close()
//	fake.FailNext("/v1/orders/new", dropherotest.Status(503))
//	client, _ := drophero.NewClient(fake.ClientConfig())
//
// A few methods change the fake's DropHero-side state during a test, as
// DropHero would: PutProduct, Unsubscribe, GenerateCatalogue,
// SetOrderStatus, ResetBans and Reset.
package dropherotest

import (
	"bufio"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopspring/decimal"
)

// Default account of the fake: signing vector 1 of
// docs/protocol/drophero.md#signing-test-vectors.
const (
	DefaultPublicKey = "AKDHTEST0001"
	DefaultSecretKey = "s3cr3tK3y"
)

// SeedTime is the change time of the seed products (2014-07-17 16:00 UTC).
var SeedTime = time.Unix(1405612800, 0).UTC()

// Request is one request the fake received.
type Request struct {
	Time   time.Time
	IP     string
	Method string
	Path   string
	Query  url.Values
	Data   json.RawMessage // decoded "data" form field, POST only
	Status int
}

// Ban records a rate-limit ban with the two arrival times that caused it.
type Ban struct {
	PublicKey string
	IP        string
	Previous  time.Time
	Arrival   time.Time
}

// Message is a stored notify message.
type Message struct {
	Type    string
	Message json.RawMessage
}

// Delivery is one callback delivery attempt.
type Delivery struct {
	Kind   string // "products" or "orderstatus"
	URL    string
	Status int
	Err    string
}

type product struct {
	data    map[string]any
	changed time.Time
}

type order struct {
	data   map[string]any
	status string
}

// Server is a running fake DropHero.
type Server struct {
	*httptest.Server

	mu              sync.Mutex
	now             func() time.Time
	accounts        map[string]string
	futureTolerance time.Duration
	limiter         bool
	last            map[string]time.Time
	banned          map[string]time.Time // ban end; zero = until reset
	banFor          time.Duration
	bans            []Ban
	products        map[string]*product
	deleted         map[string]time.Time
	generated       func(i int) map[string]any
	generatedN      int
	modes           []map[string]any
	categories      map[string]map[string]any
	orders          map[string]*order
	submissions     map[string]int
	messages        []Message
	callbacks       map[string]string
	installed       bool
	requests        []Request
	oneShot         []queuedFault
	persistent      []queuedFault
	emptyForm       string
	autoCallbacks   bool
	deliveries      []Delivery
	latency         time.Duration
	arrivals        int
	cbClient        *http.Client

	// Asynchronous callback deliveries; Close cancels and waits for them.
	bg        sync.WaitGroup
	ctx       context.Context
	cancel    context.CancelFunc
	closeOnce sync.Once
}

// Option configures a Server when it is built.
type Option func(*Server)

// WithClock sets the fake's clock (used for expiry checks, Date headers and
// change times).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithFutureTolerance allows Expires values up to d in the future
// (default 0).
func WithFutureTolerance(d time.Duration) Option { return func(s *Server) { s.futureTolerance = d } }

// WithAccount adds an account besides the default one.
func WithAccount(publicKey, secret string) Option {
	return func(s *Server) { s.accounts[publicKey] = secret }
}

// WithoutRateLimit switches the 1 request per second limiter and its ban
// off (it is on by default).
func WithoutRateLimit() Option { return func(s *Server) { s.limiter = false } }

// WithBanDuration makes bans end after d (default 0: until ResetBans).
func WithBanDuration(d time.Duration) Option { return func(s *Server) { s.banFor = d } }

// WithLatency delays every answer by d.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithEmptyForm sets how an empty subscribed result is written: "[]"
// (default), "{}", `{"deleted":[]}` or "304".
func WithEmptyForm(form string) Option { return func(s *Server) { s.emptyForm = form } }

// WithAutoCallbacks fires the matching callback after every product or
// order change made through PutProduct, Unsubscribe or SetOrderStatus.
func WithAutoCallbacks() Option { return func(s *Server) { s.autoCallbacks = true } }

// WithSeedEdit lets edit change every seed product (in wire form, keyed
// as in the API) before the fake starts, e.g. to give a demo stock and
// image URLs that load. Reset restores the unedited seed.
func WithSeedEdit(edit func(p map[string]any)) Option {
	return func(s *Server) {
		for _, p := range s.products {
			edit(p.data)
		}
	}
}

// WithGeneratedCatalogue starts the fake with n generated items instead of
// the seed data (see GenerateCatalogue).
func WithGeneratedCatalogue(n int, gen func(i int) map[string]any) Option {
	return func(s *Server) { s.generateCatalogue(n, gen) }
}

// NewServer starts a fake with the seed data of
// docs/protocol/drophero.md#fake-seed-data, the rate
// limiter on and the default account, then applies opts. Close it when
// done.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a fake that is not listening yet; call Start
// (or mount Handler elsewhere).
func NewUnstartedServer(opts ...Option) *Server {
	s := &Server{
		now:       time.Now,
		accounts:  map[string]string{DefaultPublicKey: DefaultSecretKey},
		limiter:   true,
		last:      map[string]time.Time{},
		banned:    map[string]time.Time{},
		cbClient:  &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		emptyForm: "[]",
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.Reset()
	for _, o := range opts {
		o(s)
	}
	s.Server = httptest.NewUnstartedServer(s.Handler())
	return s
}

// Handler returns the fake's HTTP handler, for mounting on another server.
// It answers under /v1/.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// ClientConfig returns a client configuration for this fake with its
// default account.
func (s *Server) ClientConfig() drophero.Config {
	return drophero.Config{BaseURL: s.BaseURL(), PublicKey: DefaultPublicKey, SecretKey: DefaultSecretKey}
}

// Close cancels the callback deliveries still running, waits for them, and
// shuts the server down. No goroutine of the fake outlives it.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock() // FireCallbackAsync adds to bg under mu: no Add after this
		s.cancel()
		s.mu.Unlock()
		s.bg.Wait()
		s.Server.Close()
	})
}

// FireCallbackAsync runs FireCallback in the background; Close waits for it.
func (s *Server) FireCallbackAsync(kind string) {
	s.mu.Lock()
	closed := s.ctx.Err() != nil
	if !closed {
		s.bg.Add(1)
	}
	s.mu.Unlock()
	if closed {
		return
	}
	go func() {
		defer s.bg.Done()
		s.FireCallback(kind)
	}()
}

// BaseURL returns the base URL to configure a client with (…/v1/).
func (s *Server) BaseURL() string { return s.URL + "/v1/" }

// Reset restores the seed data and forgets requests, bans and messages.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.products = map[string]*product{}
	for _, p := range seedProducts() {
		s.products[p["iditem"].(string)] = &product{data: p, changed: SeedTime}
	}
	s.deleted = map[string]time.Time{"5557": SeedTime, "5559": SeedTime}
	s.generated, s.generatedN = nil, 0
	s.modes = []map[string]any{
		{"idshippingmode": "1", "shipping_area_iso": "ES", "shipping_name": "Express 24h", "shipping_description": "Next-day delivery", "shipping_transit_hours": "24"},
		{"idshippingmode": "2", "shipping_area_iso": "ES", "shipping_name": "Standard post", "shipping_description": "Regular delivery, about a week", "shipping_transit_hours": "168"},
		{"idshippingmode": "3", "shipping_area_iso": "DE", "shipping_name": "DHL Paket", "shipping_description": "Parcel to Germany", "shipping_transit_hours": "72"},
		{"idshippingmode": "4", "shipping_area_iso": "AT", "shipping_name": "Post Austria", "shipping_description": "Parcel to Austria", "shipping_transit_hours": "96"},
	}
	s.categories = map[string]map[string]any{}
	s.orders = map[string]*order{}
	s.submissions = map[string]int{}
	s.messages = nil
	s.callbacks = map[string]string{}
	s.installed = false
	s.requests = nil
	s.arrivals = 0
	s.bans = nil
	s.banned = map[string]time.Time{}
	s.last = map[string]time.Time{}
	s.oneShot, s.persistent = nil, nil
	s.deliveries = nil
}

// shipping returns the ES entries (mode 1 at m1, mode 2 at m2; "" for
// none) followed by the entries abroad: each of de and at names
// "mode:price" for Germany and Austria ("" for none).
func shipping(m1, m2 string, abroad ...string) []any {
	var out []any
	if m1 != "" {
		out = append(out, map[string]any{"shipping_area_iso": "ES", "idshippingmode": "1", "shipping_price": m1})
	}
	if m2 != "" {
		out = append(out, map[string]any{"shipping_area_iso": "ES", "idshippingmode": "2", "shipping_price": m2})
	}
	for i, e := range abroad {
		mode, price, ok := strings.Cut(e, ":")
		if !ok || i > 1 {
			continue
		}
		out = append(out, map[string]any{"shipping_area_iso": []string{"DE", "AT"}[i], "idshippingmode": mode, "shipping_price": price})
	}
	return out
}

// The seed's shipping to Germany (mode 3) and Austria (mode 4).
const seedDE, seedAT = "3:4.9000", "4:6.5000"

var cod = []any{map[string]any{"payment_area_iso": "ES", "payment_name": "cash_delivery", "payment_charge": "2.5000"}}

func wholesaler() []any {
	return []any{map[string]any{"idwholesaler": "1", "wholesaler_name": "Test Supplies SL", "wholesaler_country": "ES"}}
}

// SeedProduct returns a product in wire form with the seed defaults; tests
// change fields and pass it to PutProduct.
func SeedProduct(iditem, name, ean string) map[string]any {
	var e any
	if ean != "" {
		e = ean
	}
	return map[string]any{
		"iditem": iditem, "product_name": name, "ean": e, "qty": nil, "status": nil,
		"selling_price": "6.0000", "suggested_retail_price": nil, "weight": nil,
		"description_short": nil, "description_long": nil, "img_url": nil, "rma_policy": nil,
		"tax_amount": "21", "wholesaler": wholesaler(), "shipping": shipping("7.4000", "2.4000", seedDE, seedAT),
		"local_categories": []any{"2"}, "payments": 0,
	}
}

func seedProducts() []map[string]any {
	p1 := SeedProduct("5554", "Test product 1", "1")
	p1["payments"] = cod
	p2 := SeedProduct("5555", "Test product 2", "2")
	p2["local_categories"] = []any{"5"}
	p3 := SeedProduct("5556", "Test product 3", "3")
	p3["shipping"], p3["local_categories"] = shipping("14.0000", "3.2000", "3:5.9000", "4:7.5000"), []any{"6"}
	p5 := SeedProduct("5558", "Test product 5", "5")
	p7 := SeedProduct("5560", "Test product 7", "7")
	p7["shipping"] = shipping("7.4000", "1.4000", seedDE, seedAT)
	boots := map[string]any{
		"iditem": "6001", "product_name": "Rain boots", "ean": "8412345678905",
		"qty": "25.0000", "status": nil, "selling_price": "19.9000",
		"suggested_retail_price": "29.9500", "weight": "1.2000",
		"description_short": "Waterproof boots", "description_long": "<p>Natural rubber.</p>",
		"img_url": "https://img.example.net/6001.jpg", "rma_policy": nil, "tax_amount": "21",
		"wholesaler": wholesaler(), "shipping": shipping("7.4000", "2.4000", "3:5.9000", "4:8.9000"),
		"local_categories": []any{"5"}, "payments": cod,
	}
	socks := map[string]any{
		"iditem": "6002", "product_name": "Wool socks", "ean": nil, "qty": "3.0000", "status": nil,
		"selling_price": "4.5000", "suggested_retail_price": nil, "weight": nil,
		"description_short": nil, "description_long": nil, "img_url": nil, "rma_policy": nil,
		"tax_amount": "21", "wholesaler": []any{}, "local_categories": []any{},
		"shipping": shipping("3.0000", "", "3:2.5000"), "payments": 0,
	}
	return []map[string]any{p1, p2, p3, p5, p7, boots, socks}
}

// ---- faults ----

// Fault is an injected misbehaviour for FailNext and FailAlways. Build it
// with the functions below.
type Fault struct {
	status int     // answer this HTTP status
	drop   bool    // drop the connection without answering
	body   *string // answer 200 with this body (GET only)
	delay  time.Duration
	stall  time.Duration
}

// Status answers the HTTP status code with a JSON error. A 5xx answer to
// POST /v1/orders/new stores the order first (an ambiguous failure).
func Status(code int) Fault { return Fault{status: code} }

// DropConnection drops the connection without answering. On POST
// /v1/orders/new the order is stored first.
func DropConnection() Fault { return Fault{drop: true} }

// Body answers a GET with status 200 and body verbatim (malformed data for
// decoder tests). Other methods are not affected.
func Body(body string) Fault { return Fault{body: &body} }

// Delay answers normally after d (or when the client gives up): no
// response headers before then.
func Delay(d time.Duration) Fault { return Fault{delay: d} }

// StallBody answers normally but sends the headers and the first half of
// the body, then pauses d (or until the client gives up) before the rest:
// a slow download for the client's per-attempt timeout.
func StallBody(d time.Duration) Fault { return Fault{stall: d} }

// queuedFault is a fault for the requests whose path starts with prefix.
type queuedFault struct {
	prefix string
	f      Fault
}

// FailNext makes the next request whose path starts with pathPrefix (e.g.
// "/v1/orders/new"; "" for any) answer with f, once. Several calls queue
// up and are taken in order.
func (s *Server) FailNext(pathPrefix string, f Fault) {
	s.mu.Lock()
	s.oneShot = append(s.oneShot, queuedFault{pathPrefix, f})
	s.mu.Unlock()
}

// FailAlways makes every request whose path starts with pathPrefix answer
// with f until ClearFaults.
func (s *Server) FailAlways(pathPrefix string, f Fault) {
	s.mu.Lock()
	s.persistent = append(s.persistent, queuedFault{pathPrefix, f})
	s.mu.Unlock()
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.oneShot, s.persistent = nil, nil
	s.mu.Unlock()
}

// takeFault returns the fault for a request, consuming a one-shot one. The
// fake's lock is held.
func (s *Server) takeFault(method, path string) (Fault, bool) {
	applies := func(q queuedFault) bool {
		return strings.HasPrefix(path, q.prefix) && (q.f.body == nil || method == http.MethodGet)
	}
	for i, q := range s.oneShot {
		if applies(q) {
			s.oneShot = append(s.oneShot[:i:i], s.oneShot[i+1:]...)
			return q.f, true
		}
	}
	for _, q := range s.persistent {
		if applies(q) {
			return q.f, true
		}
	}
	return Fault{}, false
}

// ---- DropHero-side state ----

// ResetBans lifts every ban (the recorded list is kept), as DropHero does
// when asked.
func (s *Server) ResetBans() { s.mu.Lock(); s.banned = map[string]time.Time{}; s.mu.Unlock() }

// Bans returns every ban that happened.
func (s *Server) Bans() []Ban { s.mu.Lock(); defer s.mu.Unlock(); return append([]Ban(nil), s.bans...) }

// stallWriter pauses once in the middle of the first body write.
type stallWriter struct {
	http.ResponseWriter
	d       time.Duration
	done    <-chan struct{}
	stalled bool
}

func (w *stallWriter) Write(p []byte) (int, error) {
	if w.stalled || len(p) < 2 {
		return w.ResponseWriter.Write(p)
	}
	w.stalled = true
	n, err := w.ResponseWriter.Write(p[:len(p)/2])
	if err != nil {
		return n, err
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	t := time.NewTimer(w.d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-w.done:
	}
	m, err := w.ResponseWriter.Write(p[len(p)/2:])
	return n + m, err
}

// Hijack lets the connection-dropping failure work through the wrapper.
func (w *stallWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("dropherotest: hijacking not supported")
}

// PutProduct adds or updates a subscription (change time = now).
func (s *Server) PutProduct(p map[string]any) {
	s.mu.Lock()
	id := fmt.Sprint(p["iditem"])
	s.products[id] = &product{data: p, changed: s.now()}
	delete(s.deleted, id)
	auto := s.autoCallbacks
	s.mu.Unlock()
	if auto {
		s.FireCallbackAsync("products")
	}
}

// Unsubscribe removes a subscription (it appears in "deleted" from now on).
func (s *Server) Unsubscribe(iditem string) {
	s.mu.Lock()
	delete(s.products, iditem)
	s.deleted[iditem] = s.now()
	auto := s.autoCallbacks
	s.mu.Unlock()
	if auto {
		s.FireCallbackAsync("products")
	}
}

// GenerateCatalogue replaces the catalogue with n generated items produced
// on the fly by gen (for benchmarks; nothing is held in memory), plus no
// deletions.
func (s *Server) GenerateCatalogue(n int, gen func(i int) map[string]any) {
	s.mu.Lock()
	s.generateCatalogue(n, gen)
	s.mu.Unlock()
}

func (s *Server) generateCatalogue(n int, gen func(i int) map[string]any) {
	s.products = map[string]*product{}
	s.deleted = map[string]time.Time{}
	s.generated, s.generatedN = gen, n
}

// SetOrderStatus sets a stored order's status ("1".."4" or anything).
func (s *Server) SetOrderStatus(id, status string) {
	s.mu.Lock()
	if o := s.orders[id]; o != nil {
		o.status = status
	}
	auto := s.autoCallbacks
	s.mu.Unlock()
	if auto {
		s.FireCallbackAsync("orderstatus")
	}
}

// Requests returns every request received.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Arrivals is the number of requests that have reached the server,
// counted on arrival: Requests lists a request only once it is answered,
// which a stalled or slow one may never be while its client waits.
func (s *Server) Arrivals() int { s.mu.Lock(); defer s.mu.Unlock(); return s.arrivals }

// CountRequests counts requests with this method whose path starts with prefix.
func (s *Server) CountRequests(method, prefix string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// Categories returns the stored categories: id → {id, name, parent_id}.
func (s *Server) Categories() map[string]map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[string]any{}
	for k, v := range s.categories {
		out[k] = v
	}
	return out
}

// Order returns a stored order's data and status.
func (s *Server) Order(id string) (data map[string]any, status string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	if o == nil {
		return nil, "", false
	}
	return o.data, o.status, true
}

// Submissions returns how many times idordershop was submitted (accepted or not).
func (s *Server) Submissions(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.submissions[id]
}

// Messages returns the notify messages received.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// CallbackURLs returns the announced URLs ("products", "orderstatus").
func (s *Server) CallbackURLs() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.callbacks {
		out[k] = v
	}
	return out
}

// Installed reports whether "plugin installed" was received.
func (s *Server) Installed() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.installed }

// Deliveries returns the callback delivery attempts.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// FireCallback calls the announced callback URL of kind ("products" or
// "orderstatus") with GET, retrying up to 3 times 100 ms apart until it gets
// exactly 200. It never holds the fake's lock while calling. It returns the
// last status (0 on transport error or when no URL is known).
func (s *Server) FireCallback(kind string) int {
	s.mu.Lock()
	u := s.callbacks[kind]
	s.mu.Unlock()
	if u == "" {
		return 0
	}
	if !strings.Contains(u, "://") {
		u = "http://" + u
	}
	ctx := s.ctx // cancelled by Close
	status := 0
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(100 * time.Millisecond):
			case <-ctx.Done():
				return status
			}
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		req.Header.Set("User-Agent", "DropHero-Callback")
		resp, err := s.cbClient.Do(req)
		d := Delivery{Kind: kind, URL: u}
		if err != nil {
			d.Err = err.Error()
			status = 0
		} else {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			d.Status, status = resp.StatusCode, resp.StatusCode
		}
		s.mu.Lock()
		s.deliveries = append(s.deliveries, d)
		s.mu.Unlock()
		if status == http.StatusOK {
			return status
		}
	}
	return status
}

// ---- HTTP ----

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.arrivals++
	now := s.now()
	lat := s.latency
	s.mu.Unlock()
	if lat > 0 {
		time.Sleep(lat)
	}
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	rec := Request{Time: now, IP: ip, Method: r.Method, Path: r.URL.Path}
	status := s.handle(w, r, now, ip, &rec)
	rec.Status = status
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()
}

func (s *Server) fail(w http.ResponseWriter, status int, reason string, extra ...string) int {
	body := map[string]string{"error": reason}
	if len(extra) == 2 {
		body[extra[0]] = extra[1]
	}
	s.writeJSON(w, status, body)
	return status
}

var canonicalInt = func(v string) bool {
	if v == "" || (len(v) > 1 && v[0] == '0') {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request, now time.Time, ip string, rec *Request) int {
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		return s.fail(w, 404, "not found")
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return s.fail(w, 400, "bad query")
	}
	rec.Query = q
	// 1. exactly the three signing parameters.
	if len(q) != 3 {
		return s.fail(w, 400, "unexpected query parameters")
	}
	for _, k := range []string{"DHSAccessKeyId", "Expires", "Signature"} {
		if len(q[k]) != 1 || q[k][0] == "" {
			return s.fail(w, 400, "missing or repeated "+k)
		}
	}
	exp := q.Get("Expires")
	// 2. canonical integer.
	if !canonicalInt(exp) {
		return s.fail(w, 400, "bad Expires")
	}
	pub := q.Get("DHSAccessKeyId")
	s.mu.Lock()
	secret, known := s.accounts[pub]
	// 3. known key.
	if !known {
		s.mu.Unlock()
		return s.fail(w, 401, "unknown key")
	}
	// 4. rate limit and ban.
	key := ip + "|" + pub
	if s.limiter {
		if until, ok := s.banned[key]; ok {
			if until.IsZero() || now.Before(until) {
				s.mu.Unlock()
				return s.fail(w, 403, "banned")
			}
			delete(s.banned, key)
		}
		if prev, ok := s.last[key]; ok && now.Sub(prev) < time.Second {
			s.banned[key] = time.Time{}
			if s.banFor > 0 {
				s.banned[key] = now.Add(s.banFor)
			}
			s.bans = append(s.bans, Ban{PublicKey: pub, IP: ip, Previous: prev, Arrival: now})
			s.last[key] = now
			s.mu.Unlock()
			return s.fail(w, 403, "banned")
		}
		s.last[key] = now
	}
	tol := s.futureTolerance
	s.mu.Unlock()
	// 5. expiry window.
	e, _ := strconv.ParseInt(exp, 10, 64)
	if e < now.Unix()-600 || e > now.Add(tol).Unix() {
		return s.fail(w, 401, "expired")
	}
	// 6. signature.
	if subtle.ConstantTimeCompare([]byte(drophero.Sign(secret, exp)), []byte(q.Get("Signature"))) != 1 {
		return s.fail(w, 401, "bad signature")
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	s.mu.Lock()
	f, faulty := s.takeFault(r.Method, path)
	s.mu.Unlock()
	if faulty {
		switch {
		case f.drop:
			if path == "/v1/orders/new" {
				s.postOrder(httptest.NewRecorder(), r, rec, now)
			}
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
				}
			}
			return 0
		case f.status != 0:
			if path == "/v1/orders/new" && f.status >= 500 {
				// Ambiguous failure: the order is stored, the answer is an error.
				s.postOrder(httptest.NewRecorder(), r, rec, now)
			}
			return s.fail(w, f.status, "injected failure")
		case f.body != nil:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, *f.body)
			return 200
		case f.delay > 0:
			t := time.NewTimer(f.delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
			}
		case f.stall > 0:
			w = &stallWriter{ResponseWriter: w, d: f.stall, done: r.Context().Done()}
		}
	}
	switch {
	case r.Method == http.MethodGet && path == "/v1/subscribed":
		return s.subscribed(w, -1)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/v1/subscribed/from/"):
		from := strings.TrimPrefix(path, "/v1/subscribed/from/")
		n, err := strconv.ParseInt(from, 10, 64)
		if err != nil {
			return s.fail(w, 400, "bad epoch")
		}
		return s.subscribed(w, n)
	case r.Method == http.MethodGet && path == "/v1/shipping":
		s.mu.Lock()
		m := s.modes
		s.mu.Unlock()
		s.writeJSON(w, 200, m)
		return 200
	case r.Method == http.MethodGet && path == "/v1/category":
		s.mu.Lock()
		ids := make([]string, 0, len(s.categories))
		for id := range s.categories {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		out := []map[string]string{}
		for _, id := range ids {
			c := s.categories[id]
			out = append(out, map[string]string{"id": fmt.Sprint(c["id"]), "name": fmt.Sprint(c["name"]), "parent_id": fmt.Sprint(c["parent_id"])})
		}
		s.mu.Unlock()
		s.writeJSON(w, 200, out)
		return 200
	case r.Method == http.MethodPost && (path == "/v1/category/new" || path == "/v1/category/del"):
		data, st := s.readData(w, r, rec)
		if data == nil {
			return st
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for k, v := range data {
			c, ok := v.(map[string]any)
			if !ok {
				return s.fail(w, 406, "entry is not an object", "field", k)
			}
			if path == "/v1/category/del" {
				if c["id"] == nil {
					return s.fail(w, 406, "missing id", "field", k+".id")
				}
				delete(s.categories, fmt.Sprint(c["id"]))
				continue
			}
			for _, f := range []string{"id", "name", "parent_id"} {
				if c[f] == nil {
					return s.fail(w, 406, "missing "+f, "field", k+"."+f)
				}
			}
			s.categories[fmt.Sprint(c["id"])] = c
		}
		s.writeJSON(w, 200, map[string]string{"result": "ok"})
		return 200
	case r.Method == http.MethodPost && path == "/v1/orders/new":
		return s.postOrder(w, r, rec, now)
	case r.Method == http.MethodGet && (path == "/v1/orders" || strings.HasPrefix(path, "/v1/orders/")):
		s.mu.Lock()
		defer s.mu.Unlock()
		out := map[string]any{}
		if path == "/v1/orders" {
			for id, o := range s.orders {
				out[id] = map[string]string{"idordershop": id, "status": o.status}
			}
			if len(out) == 0 {
				s.writeJSON(w, 200, []any{})
				return 200
			}
		} else {
			// The id is decoded exactly once, from the path as sent: r.URL.Path
			// is already decoded, so decoding it again would accept a
			// double-escaped id ("A%252FB" for "A/B").
			id, err := url.PathUnescape(strings.TrimPrefix(strings.TrimSuffix(r.URL.EscapedPath(), "/"), "/v1/orders/"))
			if err != nil {
				return s.fail(w, 400, "bad idordershop escaping")
			}
			o := s.orders[id]
			if o == nil {
				return s.fail(w, 404, "unknown order")
			}
			out[id] = map[string]string{"idordershop": id, "status": o.status}
		}
		s.writeJSON(w, 200, out)
		return 200
	case r.Method == http.MethodPost && path == "/v1/notify":
		data, st := s.readData(w, r, rec)
		if data == nil {
			return st
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { a, _ := strconv.Atoi(keys[i]); b, _ := strconv.Atoi(keys[j]); return a < b })
		for _, k := range keys {
			m, ok := data[k].(map[string]any)
			if !ok || m["msgtype"] == nil || m["message"] == nil {
				return s.fail(w, 406, "bad message", "field", k)
			}
			raw, _ := json.Marshal(m["message"])
			s.messages = append(s.messages, Message{Type: fmt.Sprint(m["msgtype"]), Message: raw})
			if m["msgtype"] == "system" {
				if m["message"] == "plugin installed" {
					s.installed = true
				}
				if obj, ok := m["message"].(map[string]any); ok {
					if cb, ok := obj["callbacks_url"].(map[string]any); ok {
						for _, kind := range []string{"products", "orderstatus"} {
							if u, ok := cb[kind].(string); ok {
								s.callbacks[kind] = u
							}
						}
					}
				}
			}
		}
		s.writeJSON(w, 200, map[string]string{"result": "ok"})
		return 200
	}
	return s.fail(w, 404, "unknown endpoint")
}

// readData reads the data form field and decodes it as a JSON object.
func (s *Server) readData(w http.ResponseWriter, r *http.Request, rec *Request) (map[string]any, int) {
	var v string
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "multipart/form-data") {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return nil, s.fail(w, 400, "bad body")
		}
		v = r.PostFormValue("data")
	} else {
		b, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			return nil, s.fail(w, 400, "bad body")
		}
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, s.fail(w, 400, "bad body")
		}
		for _, k := range []string{"DHSAccessKeyId", "Expires", "Signature"} {
			if form.Has(k) {
				return nil, s.fail(w, 400, "signing parameters belong in the URL")
			}
		}
		v = form.Get("data")
	}
	if v == "" {
		return nil, s.fail(w, 400, "missing data")
	}
	rec.Data = json.RawMessage(v)
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	var data map[string]any
	if err := dec.Decode(&data); err != nil || data == nil {
		return nil, s.fail(w, 400, "data is not a JSON object")
	}
	return data, 200
}

func (s *Server) subscribed(w http.ResponseWriter, from int64) int {
	s.mu.Lock()
	type item struct {
		id string
		p  map[string]any
	}
	var items []item
	for id, p := range s.products {
		if from < 0 || p.changed.Unix() >= from {
			items = append(items, item{id, p.data})
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].id < items[j].id })
	var deleted []string
	for id, t := range s.deleted {
		if from < 0 || t.Unix() >= from {
			deleted = append(deleted, id)
		}
	}
	sort.Strings(deleted)
	gen, genN, empty := s.generated, s.generatedN, s.emptyForm
	s.mu.Unlock()
	if len(items) == 0 && len(deleted) == 0 && genN == 0 {
		if empty == "304" {
			w.WriteHeader(http.StatusNotModified)
			return 304
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, empty)
		return 200
	}
	w.Header().Set("Content-Type", "application/json")
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteByte('{')
	n := 0
	write := func(p map[string]any) {
		b, _ := json.Marshal(p)
		if n > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(strconv.Quote(strconv.Itoa(n)))
		bw.WriteByte(':')
		bw.Write(b)
		n++
	}
	for _, it := range items {
		write(it.p)
	}
	for i := 0; i < genN; i++ {
		write(gen(i))
	}
	if n > 0 {
		bw.WriteByte(',')
	}
	db, _ := json.Marshal(append([]string{}, deleted...))
	bw.WriteString(`"deleted":`)
	bw.Write(db)
	bw.WriteByte('}')
	bw.Flush()
	return 200
}

var cent = decimal.New(1, -2)

func (s *Server) postOrder(w http.ResponseWriter, r *http.Request, rec *Request, now time.Time) int {
	data, st := s.readData(w, r, rec)
	if data == nil {
		return st
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(data) == 0 {
		return s.fail(w, 406, "no orders")
	}
	for key, v := range data {
		o, ok := v.(map[string]any)
		if !ok {
			return s.fail(w, 406, "order is not an object", "field", key)
		}
		id := str(o["idordershop"])
		if id != "" {
			s.submissions[id]++
		}
		if field, reason := s.validateOrder(o); field != "" {
			return s.fail(w, 406, reason, "field", key+"."+field)
		}
		if s.orders[id] != nil {
			return s.fail(w, 406, "duplicate idordershop", "field", key+".idordershop")
		}
		s.orders[id] = &order{data: o, status: "1"}
	}
	s.writeJSON(w, 201, map[string]string{"result": "ok"})
	return 201
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func dec(v any) (decimal.Decimal, bool) {
	s := str(v)
	if s == "" {
		return decimal.Zero, false
	}
	d, err := decimal.NewFromString(s)
	return d, err == nil
}

// validateOrder returns the first invalid field and why ("" when valid).
// The fake's lock is held.
func (s *Server) validateOrder(o map[string]any) (field, reason string) {
	required := []string{"idordershop", "status", "buyer_name", "buyer_address", "buyer_postcode", "buyer_city",
		"buyer_country", "buyer_shipping_name", "buyer_shipping_address", "buyer_shipping_postcode",
		"buyer_shipping_city", "buyer_shipping_country", "shipping_price", "currency", "order_total"}
	for _, f := range required {
		if str(o[f]) == "" {
			return f, "missing " + f
		}
	}
	if _, ok := o["buyer_vatin"]; !ok {
		return "buyer_vatin", "missing buyer_vatin"
	}
	for _, f := range []string{"buyer_country", "buyer_shipping_country"} {
		if len(str(o[f])) != 2 {
			return f, "country must be ISO 3166-1 alpha-2"
		}
	}
	ship, ok := dec(o["shipping_price"])
	if !ok {
		return "shipping_price", "malformed decimal"
	}
	total, ok := dec(o["order_total"])
	if !ok {
		return "order_total", "malformed decimal"
	}
	items, ok := o["selled_items"].(map[string]any)
	if !ok || len(items) == 0 {
		return "selled_items", "empty selled_items"
	}
	country := str(o["buyer_shipping_country"])
	sum := ship
	for k, v := range items {
		it, ok := v.(map[string]any)
		if !ok {
			return "selled_items." + k, "not an object"
		}
		vals := map[string]decimal.Decimal{}
		for _, f := range []string{"qty", "item_selling_price", "item_selling_discount", "row_total", "item_selling_tax", "item_tax_amount", "row_total_incl_tax"} {
			d, ok := dec(it[f])
			if !ok {
				return "selled_items." + k + "." + f, "missing or malformed decimal"
			}
			vals[f] = d
		}
		p := s.products[str(it["iditem"])]
		if p == nil {
			return "selled_items." + k + ".iditem", "unknown iditem"
		}
		mode := str(it["idshippingmode"])
		found := false
		if sh, ok := p.data["shipping"].([]any); ok {
			for _, e := range sh {
				if m, ok := e.(map[string]any); ok && str(m["idshippingmode"]) == mode && str(m["shipping_area_iso"]) == country {
					found = true
				}
			}
		}
		if !found {
			return "selled_items." + k + ".idshippingmode", "shipping mode not offered for the item to " + country
		}
		if vals["row_total_incl_tax"].Sub(vals["row_total"].Add(vals["item_tax_amount"])).Abs().GreaterThan(cent) {
			return "selled_items." + k + ".row_total_incl_tax", "row_total_incl_tax != row_total + item_tax_amount"
		}
		sum = sum.Add(vals["row_total_incl_tax"])
	}
	if sum.Sub(total).Abs().GreaterThan(cent) {
		return "order_total", "order_total != sum of rows + shipping"
	}
	return "", ""
}
