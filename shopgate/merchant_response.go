package shopgate

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Response is a decoded Merchant API answer. The wire format is one flat
// JSON object: the envelope keys below share the top level with the
// action's payload, which is kept in Payload.
type Response struct {
	// StatusCode is the HTTP status (ignored for the outcome, as the PHP SDK does).
	StatusCode int
	// Error is the answer's error code (0 on success).
	Error int
	// ErrorText is the answer's error text (empty on success).
	ErrorText string
	// TraceID is the trace id the server echoed.
	TraceID string
	// SMAVersion is the API version ("sma_version", some pages say "version").
	SMAVersion string
	// Limit is the page size applied by list actions.
	Limit int
	// Offset is the offset applied by list actions.
	Offset int
	// HasMoreResults reports whether a list action has more records.
	HasMoreResults bool
	// Errors is the detailed error list, if any.
	Errors []ErrorDetail
	// Payload holds every other top-level key, undecoded.
	Payload map[string]json.RawMessage
}

// metadataKeys are the top-level keys that are envelope, not payload.
var metadataKeys = map[string]bool{
	"error": true, "error_text": true, "trace_id": true, "sma_version": true,
	"limit": true, "offset": true, "has_more_results": true, "errors": true,
}

// errNotObject and friends describe why an answer is invalid (library 101).
var (
	errNotObject    = fmt.Errorf("answer is not a non-empty JSON object")
	errNoErrorField = fmt.Errorf(`answer has no "error" field`)
)

// DecodeResponse decodes the body of a Merchant API answer. It returns an
// error (wrapping nothing; the client classifies it as an invalid
// response) when the body is not a non-empty JSON object with an "error"
// field, or when an envelope field has an impossible type. A non-zero
// "error" is not an error here; see [Response.Err].
func DecodeResponse(body []byte) (*Response, error) {
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("%w: %v", errNotObject, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the object", errNotObject)
	}
	if len(top) == 0 {
		return nil, errNotObject
	}
	if _, ok := top["error"]; !ok {
		return nil, errNoErrorField
	}
	r := &Response{Payload: make(map[string]json.RawMessage, len(top))}
	fields := []struct {
		key string
		dst any
	}{
		{"error", &r.Error},
		{"error_text", &r.ErrorText},
		{"trace_id", &r.TraceID},
		{"sma_version", &r.SMAVersion},
		{"limit", &r.Limit},
		{"offset", &r.Offset},
		{"has_more_results", &r.HasMoreResults},
	}
	for _, f := range fields {
		raw, ok := top[f.key]
		if !ok {
			continue
		}
		if err := unmarshalLenient(raw, f.dst); err != nil {
			return nil, fmt.Errorf("field %s: %w", f.key, err)
		}
	}
	if r.SMAVersion == "" {
		if raw, ok := top["version"]; ok {
			// Several docs pages call the version field "version"; it is
			// then also payload, so an error here is not fatal.
			_ = unmarshalLenient(raw, &r.SMAVersion)
		}
	}
	if raw, ok := top["errors"]; ok {
		details, err := decodeErrorDetails(raw)
		if err != nil {
			return nil, fmt.Errorf("field errors: %w", err)
		}
		r.Errors = details
	}
	for k, v := range top {
		if !metadataKeys[k] {
			r.Payload[k] = v
		}
	}
	return r, nil
}

// decodeErrorDetails decodes the "errors" list, keeping each raw element.
func decodeErrorDetails(raw json.RawMessage) ([]ErrorDetail, error) {
	var elems []json.RawMessage
	if err := unmarshalLenient(raw, &elems); err != nil {
		return nil, err
	}
	out := make([]ErrorDetail, 0, len(elems))
	for _, e := range elems {
		d := ErrorDetail{Raw: e}
		// The element shape is undocumented: keep what fits, ignore the rest.
		if err := unmarshalLenient(e, &d); err != nil {
			d = ErrorDetail{Raw: e}
		}
		if d.Message == "" {
			var alt struct {
				Text  string `json:"error_text"`
				Error string `json:"error"`
			}
			if unmarshalLenient(e, &alt) == nil {
				d.Message = alt.Text
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// Err returns a [*MerchantAPIError] for a non-zero error code, else nil.
func (r *Response) Err(action string) error {
	if r.Error == 0 {
		return nil
	}
	return &MerchantAPIError{Action: action, Code: r.Error, Text: r.ErrorText, Errors: r.Errors, TraceID: r.TraceID, Response: r}
}

// DecodePayload decodes the payload key into v leniently (PHP number and
// flag conventions accepted). It reports whether the key was present.
func (r *Response) DecodePayload(key string, v any) (bool, error) {
	raw, ok := r.Payload[key]
	if !ok {
		return false, nil
	}
	if err := unmarshalLenient(raw, v); err != nil {
		return true, fmt.Errorf("payload %s: %w", key, err)
	}
	return true, nil
}
