package pluginapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/shopgate"
)

// field is one top-level key of an action's answer.
type field struct {
	// Key is the JSON key.
	Key string
	// Value is encoded with encoding/json (a json.RawMessage as is).
	Value any
}

// payload is an action's answer: top-level keys in order, merged into the
// envelope after error, error_text, trace_id and the versions.
type payload []field

// mapPayload turns a map into a payload with sorted keys.
func mapPayload(m map[string]any) payload {
	p := make(payload, 0, len(m))
	for _, k := range sortedMapKeys(m) {
		p = append(p, field{k, m[k]})
	}
	return p
}

func sortedMapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// apiErrorer is implemented by errors that know their Plugin API form,
// such as the Merchant API client's errors (100, 101, 102).
type apiErrorer interface{ APIError() *shopgate.APIError }

// toAPIError classifies any error of an action (docs/protocol/plugin-api.md#error-mapping).
func toAPIError(err error) (*shopgate.APIError, bool) {
	if ae, ok := shopgate.AsAPIError(err); ok {
		return ae, true
	}
	var ce apiErrorer
	if errors.As(err, &ce) {
		if ae := ce.APIError(); ae != nil {
			return ae, true
		}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) || isDriverError(err) {
		return shopgate.DatabaseError("database", err), true
	}
	return nil, false
}

// fail logs err and answers with its envelope. text, when set, overrides
// the envelope text (used for "request too large").
func (h *Handler) fail(r *request, err error, text string) error {
	ae, known := toAPIError(err)
	var code int
	var msg string
	switch {
	case known:
		code, msg = ae.Envelope()
		if text != "" {
			msg = text
		}
		h.logError(r, err, code, msg)
	default:
		ref := newReference()
		code, msg = shopgate.CodeUnknownError, `Unknown error code: "internal error, reference `+ref+`"`
		h.logError(r, err, code, msg)
	}
	return h.writeEnvelope(r, code, &msg, nil)
}

// logError writes an error-log entry: text, code, trace id, action, the
// error chain and, for panics, the stack.
// Every string is capped, so that input echoed in an error (a shop number,
// a trace id) cannot make the entry large; a request over the
// pre-authentication budget writes nothing.
func (h *Handler) logError(r *request, err error, code int, text string) {
	if r.quiet {
		return
	}
	fields := []zap.Field{zap.Int("code", code), zap.String("trace_id", capLog(r.TraceID, maxLogTraceID)), zap.String("action", capLog(r.Action, maxLogAction))}
	chain := []string{}
	for e, i := err, 0; e != nil && i < 10; e, i = errors.Unwrap(e), i+1 {
		chain = append(chain, capLog(e.Error(), maxLogText))
	}
	fields = append(fields, zap.Strings("error_chain", chain))
	var pe *panicError
	if errors.As(err, &pe) {
		fields = append(fields, zap.ByteString("stack", pe.stack))
	}
	r.logs.ErrorLogger().Error(capLog(text, maxLogText), fields...)
}

// writeEnvelope answers with HTTP 200 and the JSON envelope.
func (h *Handler) writeEnvelope(r *request, code int, text *string, p payload) error {
	r.code = code
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	buf.WriteString(`{"error":`)
	buf.WriteString(strconv.Itoa(code))
	buf.WriteString(`,"error_text":`)
	writeJSON(buf, text)
	buf.WriteString(`,"trace_id":`)
	if r.hasTraceID {
		writeJSON(buf, r.TraceID)
	} else {
		buf.WriteString("null")
	}
	lib, plugin := any(h.cfg.LibraryVersion), any(h.cfg.PluginVersion)
	rest := make(payload, 0, len(p))
	for _, f := range p {
		switch f.Key {
		case "error", "error_text", "trace_id":
			continue
		case "shopgate_library_version":
			lib = f.Value
		case "plugin_version":
			plugin = f.Value
		default:
			rest = append(rest, f)
		}
	}
	buf.WriteString(`,"shopgate_library_version":`)
	writeJSON(buf, lib)
	buf.WriteString(`,"plugin_version":`)
	writeJSON(buf, plugin)
	for _, f := range rest {
		buf.WriteByte(',')
		writeJSON(buf, f.Key)
		buf.WriteByte(':')
		writeJSON(buf, f.Value)
	}
	buf.WriteByte('}')
	resp := r.Echo.Response()
	resp.Header().Set("Content-Type", "application/json")
	resp.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	resp.WriteHeader(http.StatusOK)
	_, err := resp.Write(buf.Bytes())
	return err
}

// bufPool recycles envelope buffers.
var bufPool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 8<<10)) }}

// writeJSON encodes v without HTML escaping; a value that cannot be
// encoded is written as null and never breaks the envelope.
func writeJSON(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case json.RawMessage:
		if len(x) > 0 {
			buf.Write(x) // produced by jsonMarshal, already valid
			return
		}
	case string:
		if plainJSONString(x) {
			buf.WriteByte('"')
			buf.WriteString(x)
			buf.WriteByte('"')
			return
		}
	case int:
		buf.WriteString(strconv.Itoa(x))
		return
	case nil:
		buf.WriteString("null")
		return
	}
	b, err := jsonMarshal(v)
	if err != nil {
		buf.WriteString("null")
		return
	}
	buf.Write(b)
}

// plainJSONString reports whether s needs no escaping in JSON: printable
// ASCII without quote, backslash or the characters encoding/json escapes.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func jsonMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
