// Package pluginapi serves the Shopgate Plugin API as a mountable Echo
// handler: it parses PHP-style form parameters, authenticates Shopgate's
// SPA token, dispatches the action to the host's adapters and answers with
// the JSON envelope (or a streamed export, or plain-text logs).
//
//	h, err := pluginapi.New(pluginapi.Config{Shops: []pluginapi.ShopConfig{{
//		CustomerNumber: "10001", ShopNumber: "20001", APIKey: "deadbeefcafe00112233",
//	}}})
//	h.Mount(e.Group("/shopgate/api"))
package pluginapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/internal/obfuscate"
	"github.com/shopbridge/shopbridge/internal/phpform"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/logs"
)

// Handler is a Plugin API endpoint. It is safe for concurrent use.
type Handler struct {
	cfg    Config
	shops  map[string]*shop // by canonical shop number
	single *shop            // the only shop, when there is one
	// cartHooks are the check_cart hooks added by AddCartHook.
	cartHooks cartHooks
}

// shop is the live state of one configured shop.
type shop struct {
	number string
	logs   *logs.Set
	// ownLogs is set when the handler opened logs and must close them.
	ownLogs bool
	mu      sync.RWMutex
	s       settings
	ping    json.RawMessage
	// permMu guards the cached permission report of ping.
	permMu sync.Mutex
	perm   json.RawMessage
	permAt time.Time
	// saveMu serialises set_settings so that concurrent changes are not lost.
	saveMu sync.Mutex
	// base are the settings from the configuration (before stored
	// overrides); origin says who set each stored override (guarded by
	// saveMu for writes and mu for reads; see panelsettings.go).
	base   settings
	origin map[string]string
	// preAuthLog budgets the log bytes of requests that did not
	// authenticate.
	preAuthLog *logBudget
}

// pingConfiguration is the encoded configuration ping shows, computed
// once per settings change.
func (s *shop) pingConfiguration() json.RawMessage {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ping
}

// setSettings replaces the live settings (callers hold saveMu or are in New).
func (s *shop) setSettings(st settings) {
	b, err := jsonMarshal(st.forPing())
	if err != nil {
		b = []byte("{}")
	}
	s.mu.Lock()
	s.s, s.ping = st, b
	s.mu.Unlock()
}

func (s *shop) settings() settings {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.s
}

func (s *shop) info() adapters.Shop {
	st := s.settings()
	return adapters.Shop{Number: s.number, Language: st.string("language"), Currency: st.string("currency"), Country: st.string("country")}
}

// New builds a handler: it validates the configuration, opens the logs
// and loads settings persisted by set_settings. Configuration errors are
// reported here, never per request.
func New(cfg Config) (*Handler, error) {
	cfg.withDefaults()
	if len(cfg.Shops) == 0 {
		return nil, errNoShops
	}
	h := &Handler{cfg: cfg, shops: map[string]*shop{}}
	for _, sc := range cfg.Shops {
		st, err := sc.settings()
		if err != nil {
			return nil, fmt.Errorf("pluginapi: shop %s: %w", sc.ShopNumber, err)
		}
		key := canonical(sc.ShopNumber)
		if _, dup := h.shops[key]; dup {
			return nil, fmt.Errorf("pluginapi: shop number %s configured twice", sc.ShopNumber)
		}
		if len(cfg.Shops) > 1 && key == "" {
			return nil, errors.New("pluginapi: with several shops every shop needs a ShopNumber")
		}
		ls, owned := sc.Logs, false
		if ls == nil {
			opt := cfg.LogOptions
			opt.Tee = cfg.Logger
			var err error
			if ls, err = logs.Open(cfg.shopLogDir(sc.ShopNumber), opt); err != nil {
				return nil, fmt.Errorf("pluginapi: %w", err)
			}
			owned = true
		}
		st["log_folder_path"] = ls.Dir()
		st["cache_folder_path"] = cfg.CacheDir
		base, origin := st.clone(), map[string]string{}
		if cfg.Store != nil {
			over, err := cfg.Store.Load(context.Background(), sc.ShopNumber)
			if err != nil {
				return nil, fmt.Errorf("pluginapi: load settings of shop %s: %w", sc.ShopNumber, err)
			}
			st, origin = h.overlay(base, sc.ShopNumber, over)
		}
		sh := &shop{number: sc.ShopNumber, logs: ls, ownLogs: owned, base: base, origin: origin,
			preAuthLog: newLogBudget(cfg.PreAuthLogBytesPerSecond, cfg.PreAuthLogBurstBytes)}
		sh.setSettings(st)
		h.shops[key] = sh
		if len(cfg.Shops) == 1 {
			h.single = sh
		}
	}
	return h, nil
}

// normaliseStored turns a JSON-decoded stored value back into its typed
// form.
func normaliseStored(k string, v any) (any, error) {
	switch settingSpecs[k].kind {
	case kBool:
		b, ok := v.(bool)
		if !ok {
			return nil, errors.New("not a bool")
		}
		return b, nil
	case kInt:
		f, ok := v.(float64)
		if !ok {
			return nil, errors.New("not a number")
		}
		return int(f), nil
	case kList:
		return toStringList(v)
	}
	return v, nil
}

func canonical(n string) string {
	n = strings.TrimLeft(strings.TrimSpace(n), "0")
	return n
}

// Mount registers the endpoint at the root of g (POST only; other methods
// get 405 from Echo's router).
func (h *Handler) Mount(g *echo.Group) {
	g.POST("", h.serve)
	g.POST("/", h.serve)
}

// Logs returns the log set of a shop (nil for an unknown shop number; ""
// selects the only shop). Hand its RequestLogger to the Merchant API
// client.
func (h *Handler) Logs(shopNumber string) *logs.Set {
	if sh := h.lookup(shopNumber); sh != nil {
		return sh.logs
	}
	return nil
}

// Setting returns the live value of a configuration key of a shop ("" for
// the only shop), as changed by set_settings.
func (h *Handler) Setting(shopNumber, key string) any {
	if sh := h.lookup(shopNumber); sh != nil {
		return sh.settings()[key]
	}
	return nil
}

func (h *Handler) lookup(shopNumber string) *shop {
	if shopNumber == "" && h.single != nil {
		return h.single
	}
	if sh := h.shops[canonical(shopNumber)]; sh != nil || shopNumber == "" {
		return sh
	}
	// A shop number the merchant changed in the panel selects its shop too.
	for _, sh := range h.shops {
		if shopgate.SameNumber(shopNumber, sh.settings().string("shop_number")) {
			return sh
		}
	}
	return nil
}

// Close closes the log files.
func (h *Handler) Close() error {
	var errs []error
	for _, sh := range h.shops {
		if sh.ownLogs {
			errs = append(errs, sh.logs.Close())
		}
	}
	return errors.Join(errs...)
}

// serve is the Echo handler of the endpoint. A call goes through five
// steps: parse the parameters, select the shop, authenticate, check that
// the action is enabled, run it.
func (h *Handler) serve(c echo.Context) error {
	if c.Request().ContentLength > h.cfg.MaxBodyBytes {
		// Rejected before a byte of the body is read
		// (docs/protocol/plugin-api.md#request-limits).
		return c.String(http.StatusRequestEntityTooLarge, "request body too large\n")
	}
	r, perr := h.parse(c)
	var tooLarge *http.MaxBytesError
	if errors.As(perr, &tooLarge) {
		return c.String(http.StatusRequestEntityTooLarge, "request body too large\n")
	}
	if h.cfg.Observe != nil {
		defer h.observe(r)
	}
	shopErr := h.selectShop(r)
	var authErr error
	if perr == nil && shopErr == nil {
		authErr = h.authenticate(r)
	}
	// Whatever did not authenticate logs within the pre-authentication
	// budget (docs/protocol/plugin-api.md#bounded-logging-of-unauthenticated-requests).
	r.preAuth = perr != nil || shopErr != nil || authErr != nil || r.Action == "receive_authorization"
	h.accessLog(r)
	if perr != nil {
		return h.failMalformed(r, perr)
	}
	if shopErr != nil {
		return h.fail(r, shopErr, "")
	}
	if authErr != nil {
		return h.fail(r, authErr, "")
	}
	spec, err := h.enabled(r)
	if err != nil {
		return h.fail(r, err, "")
	}
	return h.run(r, spec)
}

// observe reports the finished request to Config.Observe; actions outside
// the whitelist are reported as "unknown" so that callers cannot grow the
// label set.
func (h *Handler) observe(r *request) {
	action := r.Action
	if _, ok := actionSpecs[action]; !ok {
		action = "unknown"
	}
	h.cfg.Observe(action, r.code, r.records, h.cfg.Now().Sub(r.started))
}

// parse decodes the request parameters within the body limit and returns
// the request with its action and trace id. The request is usable (with
// the parameters decoded so far) also when decoding failed; its trace id
// is then looked up directly in the raw input, so that even a request
// rejected as too large gets its trace_id echoed.
func (h *Handler) parse(c echo.Context) (*request, error) {
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, h.cfg.MaxBodyBytes)
	in, err := h.parseParams(req)
	params := in.params
	r := &request{Echo: c, Ctx: req.Context(), Params: params, started: h.cfg.Now(), Debug: zap.NewNop()}
	if err != nil {
		r.TraceID, r.hasTraceID = in.lookupTraceID()
	} else if t, ok := params["trace_id"].(string); ok {
		r.TraceID, r.hasTraceID = t, true
	}
	r.Action, _ = params["action"].(string)
	if _, isList := params["action"]; isList && r.Action == "" && !phpEmpty(params["action"]) {
		r.Action = "\x00invalid"
	}
	return r, err
}

// failMalformed answers a request whose parameters could not be decoded.
// Over the variable or depth limit is "request too large"
// (docs/protocol/plugin-api.md#request-limits); anything else (e.g. a
// multipart body without boundary) is "malformed request", so that support
// is not sent looking for a size.
func (h *Handler) failMalformed(r *request, perr error) error {
	reason := "malformed request"
	if errors.Is(perr, phpform.ErrTooManyVars) || errors.Is(perr, phpform.ErrTooDeep) {
		reason = "request too large"
	}
	return h.fail(r, &shopgate.APIError{Code: shopgate.CodeUnknownError, Cause: perr,
		Detail: reason}, `Unknown error code: "`+reason+`"`)
}

// selectShop sets the shop of the request. With one shop it is always
// that one (the shop number is checked by authenticate); with several, a
// missing or unknown shop_number is error 24. The request logs to the
// shop's logs, or to the first shop's when none matches, so that every
// call reaches an access log.
func (h *Handler) selectShop(r *request) error {
	sh, err := h.resolveShop(r.Params)
	if err != nil {
		first := h.firstShop()
		r.logs, r.budget = first.logs, first.preAuthLog
		return err
	}
	r.shop, r.Shop, r.logs, r.budget = sh, sh.info(), sh.logs, sh.preAuthLog
	return nil
}

// resolveShop picks the shop of the request's parameters.
func (h *Handler) resolveShop(params map[string]any) (*shop, error) {
	if h.single != nil {
		return h.single, nil
	}
	n, _ := params["shop_number"].(string)
	if sh := h.shops[canonical(n)]; sh != nil && n != "" {
		return sh, nil
	}
	return nil, shopgate.NewAPIError(shopgate.CodeUnknownShopNumber, "shop number "+n)
}

func (h *Handler) firstShop() *shop {
	if h.single != nil {
		return h.single
	}
	var first *shop
	for _, sh := range h.shops {
		if first == nil || sh.number < first.number {
			first = sh
		}
	}
	return first
}

// authenticate checks the SPA headers against the shop's credentials and,
// with a single shop, that a shop_number sent along is that shop's.
// receive_authorization, the OAuth variant's entry, is answered without.
func (h *Handler) authenticate(r *request) error {
	if r.Action == "receive_authorization" {
		return nil
	}
	if err := h.verifyToken(r); err != nil {
		return err
	}
	if h.single != nil && !phpEmpty(r.Params["shop_number"]) {
		// The configured number, or the one the merchant set in the panel.
		if n, _ := r.Params["shop_number"].(string); !shopgate.SameNumber(n, r.shop.number) && !shopgate.SameNumber(n, r.shop.settings().string("shop_number")) {
			return shopgate.NewAPIError(shopgate.CodeUnknownShopNumber, "shop number "+n)
		}
	}
	return nil
}

// verifyToken checks the SPA authentication headers.
func (h *Handler) verifyToken(r *request) error {
	if h.cfg.InsecureSkipAuth {
		r.ErrorLog().Warn("authentication is switched off (InsecureSkipAuth); never use this in production")
		return nil
	}
	st := r.shop.settings()
	req := r.Echo.Request()
	err := shopgate.VerifyAuth(shopgate.PrefixSPA, req.Header.Get(shopgate.HeaderAuthUser),
		req.Header.Get(shopgate.HeaderAuthToken), st.string("customer_number"), st.string("apikey"), r.started)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, shopgate.ErrAuthNotConfigured):
		return &shopgate.APIError{Code: shopgate.CodeConfigInvalidValue, ShowDetail: true, Cause: err,
			Detail: "Shopgate customer number or  API key not set."}
	default:
		return &shopgate.APIError{Code: shopgate.CodeAuthenticationFailed, Cause: err, Detail: err.Error()}
	}
}

// enabled looks the action up in the whitelist and checks that the shop
// has it switched on.
func (h *Handler) enabled(r *request) (actionSpec, error) {
	if phpEmpty(r.Params["action"]) {
		return actionSpec{}, shopgate.NewAPIError(shopgate.CodeNoAction, "")
	}
	spec, ok := actionSpecs[r.Action]
	if !ok {
		return actionSpec{}, shopgate.NewAPIError(shopgate.CodeUnknownAction, r.Action)
	}
	st := r.shop.settings()
	if !st.bool("enable_" + r.Action) {
		return actionSpec{}, shopgate.NewAPIError(shopgate.CodeDisabledAction, r.Action)
	}
	if r.Action == "register_customer" && !st.bool("enable_get_customer") {
		return actionSpec{}, shopgate.NewAPIErrorShown(shopgate.CodeDisabledAction,
			"Action 'get_customer' is not activated but is needed by register_customer")
	}
	return spec, nil
}

// run starts the debug log when the request asks for it, applies the
// export parameters, calls the action and writes its answer.
func (h *Handler) run(r *request, spec actionSpec) error {
	h.startDebug(r)
	if spec.export {
		cancel, err := exportParams(r)
		if err != nil {
			return h.fail(r, err, "")
		}
		defer cancel()
	}
	p, err := h.call(r, spec)
	if r.Echo.Response().Committed {
		// A streamed answer has begun; an error can no longer become an
		// envelope. It is logged and the connection is broken (docs/protocol/
		// catalog-export.md#streaming-and-mid-stream-errors), so that a truncated document is never taken
		// for a complete one.
		if err != nil {
			r.code = shopgate.CodeUnknownError
			h.logError(r, err, 0, "error after the response started")
			if conn, _, herr := http.NewResponseController(r.Echo.Response()).Hijack(); herr == nil {
				_ = conn.Close()
			}
		}
		return nil
	}
	if err != nil {
		return h.fail(r, err, "")
	}
	return h.writeEnvelope(r, 0, nil, p)
}

// startDebug switches the debug log on for requests with debug_log=1
// (except the log actions themselves).
func (h *Handler) startDebug(r *request) {
	if phpEmpty(r.Params["debug_log"]) || r.Action == "get_log_file" || r.Action == "clear_log_file" {
		return
	}
	d, err := r.shop.logs.StartDebug(!phpEmpty(r.Params["keep_debug_log"]))
	if err != nil {
		r.ErrorLog().Error("flush debug log", zap.Error(err))
	}
	r.Debug = d.With(zap.String("trace_id", capLog(r.TraceID, maxLogTraceID)), zap.String("action", capLog(r.Action, maxLogAction)))
	r.Debug.Info("debug logging started")
}

// exportParams applies the parameters of the export actions. Only the XML
// documents are served (docs/protocol/plugin-api.md#catalog-export-actions); response_type applies to the
// XML actions only (docs/protocol/catalog-export.md#export-parameters), the CSV ones answer 22
// whatever it says. max_execution_time bounds the export; cancel releases
// its timer.
func exportParams(r *request) (cancel context.CancelFunc, err error) {
	if rt := r.String("response_type"); !strings.HasSuffix(r.Action, "_csv") && !r.Empty("response_type") && rt != "xml" {
		return nil, shopgate.NewAPIError(shopgate.CodeUnsupportedResponseType, rt)
	}
	cancel = func() {}
	if mt, _ := r.Params["max_execution_time"].(string); mt != "" {
		if d, ok := phpSeconds(mt); ok {
			r.Ctx, cancel = context.WithTimeout(r.Ctx, d)
		}
	}
	return cancel, nil
}

// maxExecutionTime caps max_execution_time (a day), so that a huge number
// cannot overflow the duration.
const maxExecutionTime = 24 * time.Hour

// phpSeconds reads max_execution_time as PHP's set_time_limit reads its
// argument: whole seconds from the leading number ("1m" is 1 s, "2.9" is
// 2 s, " 5" is 5 s), never a Go duration. No leading number, or zero or
// less (PHP: no limit), gives ok=false
// (docs/protocol/plugin-api.md#reserved-parameters).
func phpSeconds(s string) (time.Duration, bool) {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	s = strings.TrimPrefix(s, "+")
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == 0 {
		return 0, false
	}
	digits := strings.TrimLeft(s[:end], "0")
	if digits == "" {
		return 0, false
	}
	if len(digits) > 6 {
		return maxExecutionTime, true
	}
	n, _ := strconv.Atoi(digits)
	d := time.Duration(n) * time.Second
	if d > maxExecutionTime {
		d = maxExecutionTime
	}
	return d, true
}

// call runs the action, turning a panic into an error.
func (h *Handler) call(r *request, spec actionSpec) (p payload, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	if spec.fn == nil {
		return nil, errNotImplemented
	}
	return spec.fn(h, r)
}

type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// rawInput is what parseParams read: the decoded parameters and the raw
// forms they came from.
type rawInput struct {
	params    map[string]any
	query     string
	body      string
	multipart url.Values
}

// lookupTraceID finds the trace_id of input that could not be decoded as a
// whole: the body's wins over the query's, and only a plain string counts.
func (in rawInput) lookupTraceID() (string, bool) {
	if in.multipart != nil {
		if v, scalar, found := phpform.LookupValues(in.multipart, "trace_id"); found {
			return v, scalar
		}
	} else if v, scalar, found := phpform.Lookup(in.body, "trace_id"); found {
		return v, scalar
	}
	v, scalar, _ := phpform.Lookup(in.query, "trace_id")
	return v, scalar
}

// formContentType reports which body PHP would decode into $_POST: the
// Content-Type is lower-cased and cut at the first ';', ',' or space, and
// only application/x-www-form-urlencoded and multipart/form-data bodies
// are read. Any other body (text/plain, JSON, no Content-Type at all) is
// ignored, as PHP ignores it (docs/protocol/plugin-api.md#transport).
func formContentType(header string) string {
	if i := strings.IndexAny(header, ";, "); i >= 0 {
		header = header[:i]
	}
	switch ct := strings.ToLower(header); ct {
	case "application/x-www-form-urlencoded", "multipart/form-data":
		return ct
	}
	return ""
}

// parseParams decodes the form body (and the URL query underneath it, as
// PHP's $_REQUEST) in PHP bracket notation. A body of another content type
// is not read.
func (h *Handler) parseParams(req *http.Request) (rawInput, error) {
	lim := phpform.Limits{MaxVars: h.cfg.MaxVars, MaxDepth: h.cfg.MaxDepth}
	in := rawInput{params: map[string]any{}, query: req.URL.RawQuery}
	query, qerr := phpform.ParseQuery(req.URL.RawQuery, lim)
	var body map[string]any
	var err error
	switch formContentType(req.Header.Get("Content-Type")) {
	case "multipart/form-data":
		if err := req.ParseMultipartForm(h.cfg.MaxBodyBytes); err != nil {
			return in, err
		}
		in.multipart = req.MultipartForm.Value
		body, err = phpform.Parse(req.MultipartForm.Value, lim)
	case "application/x-www-form-urlencoded":
		// One buffer of the declared size (at most MaxBodyBytes, checked in
		// serve), turned into the string without a copy.
		var raw strings.Builder
		if req.ContentLength > 0 {
			raw.Grow(int(req.ContentLength))
		}
		buf := copyBuffers.Get().(*[]byte)
		_, rerr := io.CopyBuffer(&raw, req.Body, *buf)
		copyBuffers.Put(buf)
		if rerr != nil {
			return in, rerr
		}
		in.body = raw.String()
		body, err = phpform.ParseQuery(in.body, lim)
	}
	if qerr != nil {
		return in, qerr
	}
	in.params = query
	if err != nil {
		return in, err
	}
	for k, v := range body {
		query[k] = v
	}
	return in, nil
}

// copyBuffers hold the buffers form bodies are read through (io.Copy
// would allocate 32 KiB per request; docs/protocol/cart.md#performance).
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 4<<10); return &b }}

// maxAccessEntry caps the logged parameters of one authenticated request.
const maxAccessEntry = 16 << 10

// preAuthErrorAllowance is charged to the pre-authentication budget for
// the error entry that follows the access entry of a rejected request.
const preAuthErrorAllowance = 1 << 10

// accessLog writes the request's access entry. Every field is capped; a
// request that did not authenticate has its parameters cut shorter and is
// logged only within the shop's pre-authentication budget. When over
// budget, the request is marked quiet (no access or error entry) and
// counted; the next admitted entry is preceded by one line saying how many
// were dropped
// (docs/protocol/plugin-api.md#bounded-logging-of-unauthenticated-requests).
func (h *Handler) accessLog(r *request) {
	req := r.Echo.Request()
	traceID := capLog(r.TraceID, maxLogTraceID)
	ip := capLog(r.Echo.RealIP(), maxLogIP)
	ua := capLog(req.UserAgent(), maxLogUserAgent)
	limit := maxAccessEntry
	if r.preAuth {
		limit = maxPreAuthParams
	}
	var params zap.Field
	size := len(traceID) + len(ip) + len(ua) + 96
	// Encoded once: the size check and the entry use the same bytes.
	switch b, err := jsonMarshal(obfuscate.Params(r.Params)); {
	case err != nil:
		params = zap.String("parameters", "(not encodable)")
	case len(b) > limit:
		s := capLog(string(b), limit)
		params, size = zap.String("parameters", s), size+len(s)
	default:
		params, size = zap.Reflect("parameters", json.RawMessage(b)), size+len(b)
	}
	if r.preAuth && r.budget != nil {
		ok, dropped := r.budget.take(h.cfg.Now(), size+preAuthErrorAllowance)
		if !ok {
			r.quiet = true
			return
		}
		if dropped > 0 {
			r.logs.AccessLogger().Warn(strconv.FormatInt(dropped, 10) + " unauthenticated entries dropped")
		}
	}
	r.logs.AccessLogger().Info("incoming request",
		zap.String("trace_id", traceID), zap.String("remote_ip", ip), zap.String("user_agent", ua), params)
}

// newReference returns a short random id that links a 999 answer to its
// error-log entry.
func newReference() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
