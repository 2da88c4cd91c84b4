package pluginapi

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate/logs"
)

// request is one Plugin API call as seen by an action.
type request struct {
	// Echo is the request's Echo context; streaming actions write to its
	// response directly.
	Echo echo.Context
	// Ctx is cancelled when the client goes away (or the export deadline
	// passes).
	Ctx context.Context
	// Action is the requested action name.
	Action string
	// TraceID is Shopgate's trace_id ("" when absent).
	TraceID string
	// hasTraceID is set when trace_id was sent as a string (it is echoed
	// then, "" included; otherwise the envelope says null).
	hasTraceID bool
	// Params are the decoded request parameters (PHP bracket notation:
	// string leaves, []any lists, map[string]any maps).
	Params map[string]any
	// Shop is the shop the call is for.
	Shop adapters.Shop
	// Debug writes to the debug log when the request asked for it
	// (debug_log=1) and discards otherwise.
	Debug *zap.Logger

	shop    *shop
	logs    *logs.Set
	started time.Time
	// budget is the pre-authentication log budget of the request's shop.
	budget *logBudget
	// preAuth is set when the request did not authenticate (or needs no
	// authentication); quiet when its entries were over the budget and are
	// not written at all.
	preAuth, quiet bool
	code           int // the envelope's error code, for Config.Observe
	records        int // records an export wrote, for Config.Observe
}

// ErrorLog is the shop's error log with the request's trace id (a no-op
// for a request over the pre-authentication budget).
func (r *request) ErrorLog() *zap.Logger {
	if r.quiet {
		return zap.NewNop()
	}
	return r.logs.ErrorLogger().With(zap.String("trace_id", capLog(r.TraceID, maxLogTraceID)), zap.String("action", capLog(r.Action, maxLogAction)))
}

// Logs is the shop's log set.
func (r *request) Logs() *logs.Set { return r.logs }

// Setting returns a live configuration value of the shop.
func (r *request) Setting(key string) any { return r.shop.settings()[key] }

// Empty reports whether a parameter is PHP-empty: missing, "", "0" or an
// empty list/map.
func (r *request) Empty(key string) bool { return phpEmpty(r.Params[key]) }

// String returns a scalar parameter ("" when missing or not a scalar).
func (r *request) String(key string) string {
	s, _ := r.Params[key].(string)
	return s
}

// Int returns an integer parameter, def when missing or empty, and
// ok=false when present but not an integer.
func (r *request) Int(key string, def int) (n int, ok bool) {
	s, isStr := r.Params[key].(string)
	if !isStr || strings.TrimSpace(s) == "" {
		return def, r.Params[key] == nil || isStr
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def, false
	}
	return n, true
}

// Bool returns a 0/1 flag parameter (PHP-non-empty is true).
func (r *request) Bool(key string) bool { return !phpEmpty(r.Params[key]) }

// StringList returns a list parameter. A scalar is split on commas (as
// the catalogue exports accept uids=1,2,3); list elements that are not
// strings are skipped.
func (r *request) StringList(key string) []string {
	switch v := r.Params[key].(type) {
	case string:
		if strings.TrimSpace(v) == "" {
			return nil
		}
		var out []string
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case map[string]any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Map returns a nested map parameter (nil when missing or not a map).
func (r *request) Map(key string) map[string]any {
	m, _ := r.Params[key].(map[string]any)
	return m
}

// List returns the elements of a list-like parameter: a list, or the
// values of a map in key order as PHP's foreach sees them.
func (r *request) List(key string) ([]any, bool) { return asList(r.Params[key]) }

func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case map[string]any:
		keys := sortedMapKeys(x)
		out := make([]any, 0, len(keys))
		for _, k := range keys {
			out = append(out, x[k])
		}
		return out, true
	}
	return nil, false
}

// phpEmpty mirrors PHP's empty(): missing, "", "0", or an empty array.
func phpEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == "" || x == "0"
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}
