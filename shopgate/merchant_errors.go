package shopgate

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Merchant API error codes (the "error" field of a Merchant API answer).
// They are a code space of their own: several numbers also exist as Plugin
// API codes with another meaning, so a [MerchantAPIError] is never passed
// on as a Plugin API code (see [MerchantAPIError.APIError]).
const (
	SMACodeUnknownAction             = 101
	SMACodeShopNumberNotSet          = 103
	SMACodeMerchantNotFound          = 110
	SMACodeShopNotFound              = 113
	SMACodeMissingParameters         = 118
	SMACodeInvalidShippingServiceID  = 119
	SMACodeWrongParameterType        = 123
	SMACodeItemDeleteError           = 129
	SMACodeCategoryNameExists        = 142
	SMACodeItemMappingDeleteError    = 147
	SMACodeImageDownloadError        = 149
	SMACodeBatchMultipleErrors       = 166
	SMACodeBatchTooManyElements      = 167
	SMACodeOrderNotFound             = 201
	SMACodeOrderOnHold               = 202
	SMACodeOrderAlreadyCompleted     = 203
	SMACodeOrderShippingCompleted    = 204
	SMACodeCategoryNotFound          = 205
	SMACodeItemNotFound              = 206
	SMACodeItemCurrencyNotFound      = 207
	SMACodeParentCategoryNotFound    = 212
	SMACodeCategoryNumberExists      = 216
	SMACodeCategoryChildItemsMapping = 217
	SMACodeParentItemNotFound        = 220
	SMACodeItemAlreadyExists         = 221
	SMACodeOrderAlreadyCancelled     = 222
	SMACodeCancelInvalidItem         = 223
	SMACodeCancelInvalidQuantity     = 224
	SMACodeShippingAlreadyCancelled  = 225
	SMACodeCancelInvalidArguments    = 226
	SMACodeAuthNotSet                = 400
	SMACodeAuthUserInvalid           = 401
	SMACodeAuthTokenInvalid          = 402
	SMACodeAuthTooOld                = 403
	SMACodeAccessTokenInvalid        = 404
	SMACodeNoAPIRights               = 405
	SMACodeInternalSaveError         = 803
	SMACodeInternalDeleteError       = 804
	SMACodeUnknownError              = 999
)

// Client-side failures of a Merchant API call. Test for them with
// errors.Is; the concrete error is a [*CallError].
var (
	// ErrNoConnection means the request failed in transport (connection,
	// TLS, timeout, cancelled context) or the answer was empty (library
	// code 100).
	ErrNoConnection = errors.New("shopgate merchant api: no connection to server")
	// ErrInvalidResponse means the answer was not a JSON object with an
	// "error" field, or lacked the action's payload (library code 101).
	ErrInvalidResponse = errors.New("shopgate merchant api: error parsing response")
	// ErrRateLimited means the client's own request budget (150 requests
	// per hour per merchant, see [ClientConfig.RequestsPerHour]) is used
	// up; the request was not sent. Callers should retry in minutes.
	ErrRateLimited = errors.New("shopgate merchant api: request budget exhausted")
)

// maxErrorBody is how much of an invalid answer a CallError keeps.
const maxErrorBody = 1024

// CallError is a Merchant API call that failed on the client side: no
// usable answer arrived. It matches [ErrNoConnection], [ErrInvalidResponse]
// or [ErrRateLimited] with errors.Is.
type CallError struct {
	// Action is the Merchant API action.
	Action string
	// TraceID is the trace_id sent with the request.
	TraceID string
	// Kind is ErrNoConnection, ErrInvalidResponse or ErrRateLimited.
	Kind error
	// StatusCode is the HTTP status, if an answer arrived.
	StatusCode int
	// Body is the start of an invalid answer (at most 1 KiB), for the log.
	Body string
	// Err is the underlying cause, if any.
	Err error
}

// Error implements error.
func (e *CallError) Error() string {
	s := fmt.Sprintf("%s %s (trace %s)", e.Kind.Error(), e.Action, e.TraceID)
	if e.StatusCode != 0 {
		s += " HTTP " + strconv.Itoa(e.StatusCode)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the kind and the cause, so that errors.Is matches both.
func (e *CallError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// ErrorDetail is one element of the "errors" list of a Merchant API answer
// (e.g. one failing entry of a batch call). Its shape is undocumented, so
// the raw JSON is kept next to the usual fields.
type ErrorDetail struct {
	// Index is the position of the failing entry, if given.
	Index int `json:"index"`
	// Code is the error code of the entry, if given.
	Code int `json:"code"`
	// Message is the error text of the entry, if given.
	Message string `json:"message"`
	// Raw is the element as received.
	Raw json.RawMessage `json:"-"`
}

// MerchantAPIError is an error reported by the Merchant API itself: the
// answer carried "error" ≠ 0. Use errors.As to get it.
type MerchantAPIError struct {
	// Action is the Merchant API action that failed.
	Action string
	// Code is the Merchant API error code (SMACode* constants; unknown
	// codes are kept as received).
	Code int
	// Text is the error_text of the answer.
	Text string
	// Errors is the detailed error list of the answer, if any.
	Errors []ErrorDetail
	// TraceID is the trace id of the call (echoed by the server, or sent).
	TraceID string
	// Response is the decoded answer.
	Response *Response
}

// Error implements error.
func (e *MerchantAPIError) Error() string {
	return fmt.Sprintf("shopgate merchant api: %s (trace %s): error %d: %s", e.Action, e.TraceID, e.Code, e.Text)
}

// APIError converts the error into the Plugin API error Shopgate expects
// when a Plugin API action failed because of it: code 102 with the text
// `error code received: "<code> - <text>"` (the raw errors list, if any,
// follows on a new line, as in the PHP SDK).
func (e *MerchantAPIError) APIError() *APIError {
	detail := strconv.Itoa(e.Code) + " - " + e.Text
	if len(e.Errors) > 0 {
		raw := make([]json.RawMessage, 0, len(e.Errors))
		for _, d := range e.Errors {
			raw = append(raw, d.Raw)
		}
		if b, err := json.Marshal(raw); err == nil {
			detail += "\n" + string(b)
		}
	}
	return &APIError{Code: CodeMerchantAPIErrorReceived, Detail: `"` + detail + `"`, ShowDetail: true, Cause: e}
}

// APIError converts the error into the Plugin API error 100 (no
// connection) or 101 (error parsing response, with the start of the answer
// shown). A rate-limited call counts as "no connection": it was not sent.
func (e *CallError) APIError() *APIError {
	if errors.Is(e.Kind, ErrInvalidResponse) {
		ae := &APIError{Code: CodeMerchantAPIInvalidResp, Cause: e}
		if e.Body != "" {
			ae.Detail, ae.ShowDetail = "Response: "+e.Body, true
		}
		return ae
	}
	return &APIError{Code: CodeMerchantAPINoConnection, Detail: e.Error(), Cause: e}
}

// ToAPIError maps an error returned by a [Client] method to the Plugin API
// error a Plugin API action answers with: 100 (no connection or request
// budget exhausted), 101 (invalid answer) or 102 (the Merchant API reported
// an error). It returns nil for nil and for errors that did not come from
// the Merchant API (e.g. invalid arguments); the caller decides those.
func ToAPIError(err error) *APIError {
	var me *MerchantAPIError
	if errors.As(err, &me) {
		return me.APIError()
	}
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.APIError()
	}
	return nil
}

// ErrInvalidArgument is returned, wrapped, when a request is refused
// locally because the server would reject it (e.g. an empty order number).
var ErrInvalidArgument = errors.New("shopgate merchant api: invalid argument")

func invalidArgument(action, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", action, ErrInvalidArgument, fmt.Sprintf(format, args...))
}
