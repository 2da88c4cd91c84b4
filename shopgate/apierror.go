package shopgate

import (
	"errors"
	"fmt"
	"strconv"
)

// Plugin API error codes (ShopgateLibraryException). The texts Shopgate
// shows for them are in [ErrorText].
const (
	CodeLogfileOpen               = 2
	CodeConfigInvalidValue        = 10
	CodeConfigReadWrite           = 11
	CodePluginNotActive           = 12
	CodeNoAction                  = 20
	CodeUnknownAction             = 21
	CodeDisabledAction            = 22
	CodeWrongResponseFormat       = 23
	CodeUnknownShopNumber         = 24
	CodeInvalidAction             = 25
	CodeAdminLoginRequired        = 26
	CodeNoOrderNumber             = 30
	CodeNoCart                    = 31
	CodeNoAuthorizationCode       = 33
	CodeNoUser                    = 35
	CodeNoPass                    = 36
	CodeNoUserData                = 37
	CodeUnknownLogtype            = 38
	CodeCronNoJobs                = 40
	CodeCronNoJobName             = 41
	CodeNoItems                   = 42
	CodeWrongItemFormat           = 43
	CodeNoShopgateSettings        = 50
	CodeUnsupportedResponseType   = 51
	CodeDuplicateOrder            = 60
	CodeOrderNotFound             = 61
	CodeNoCustomerGroupFound      = 62
	CodeOrderItemNotFound         = 63
	CodeOrderStatusIsSent         = 64
	CodeOrderAlreadyUpToDate      = 65
	CodeRegisterCustomerError     = 66
	CodeNoAddressesFound          = 70
	CodeWrongUsernameOrPassword   = 71
	CodeNoCustomerToken           = 72
	CodeCustomerTokenInvalid      = 73
	CodeNoCustomerLanguage        = 74
	CodeCustomerAccountNotConfirm = 75
	CodeCustomerUnknownError      = 76
	CodeMissingAccountPermissions = 77
	CodeFileDeleteError           = 79
	CodeFileNotFound              = 80
	CodeFileOpenError             = 81
	CodeFileEmptyBuffer           = 82
	CodeDatabaseError             = 83
	CodeUnknownCountryCode        = 84
	CodeUnknownStateCode          = 85
	CodeEmailSendError            = 90
	CodeCronUnsupportedJob        = 91
	CodeMerchantAPINoConnection   = 100
	CodeMerchantAPIInvalidResp    = 101
	CodeMerchantAPIErrorReceived  = 102
	CodeOAuthNoConnection         = 115
	CodeOAuthMissingAccessToken   = 116
	CodeAuthenticationFailed      = 120
	CodeFileReadWrite             = 130
	CodeCouponNotValid            = 200
	CodeCouponCodeNotValid        = 201
	CodeCouponInvalidProduct      = 202
	CodeCouponInvalidAddress      = 203
	CodeCouponInvalidUser         = 204
	CodeCouponTooManyCoupons      = 205
	CodeRegisterFailedToAddUser   = 220
	CodeRegisterUserAlreadyExists = 221
	CodeRegisterMissingFields     = 222
	CodeCartItemOutOfStock        = 300
	CodeCartItemProductNotFound   = 301
	CodeCartItemQtyNotAvailable   = 302
	CodeCartItemInputValidation   = 303
	CodeCartItemQtyUnderMinimum   = 304
	CodeCartItemQtyOverMaximum    = 305
	CodeCartItemInvalidCombo      = 306
	CodeCartItemNotAllowed        = 307
	CodeCartItemSilentUpdate      = 308
	CodeHelperFunctionNotFound    = 310
	CodeMultipleErrors            = 998
	CodeUnknownError              = 999
)

var errorTexts = map[int]string{
	2: "cannot open/create logfile(s)", 10: "invalid value in configuration",
	11: "error reading or writing configuration", 12: "plugin not activated",
	20: "no action specified", 21: "unknown action requested", 22: "disabled action requested",
	23: "wrong response format", 24: "unknown shop number received", 25: "invalid action call",
	26: "login/access rights required", 30: `parameter "order_number" missing`,
	31: `parameter "cart" missing`, 35: `parameter "user" missing`, 36: `parameter "pass" missing`,
	37: `parameter "user_data" missing`, 38: "unknown logtype", 40: `parameter "jobs" missing`,
	41: `field "job_name" in parameter "jobs" missing`, 42: `parameter "items" missing`,
	43: "wrong item format", 50: `parameter "shopgate_settings" missing`,
	51: `parameter "response_type" contains an unsupported type`, 60: "duplicate order",
	61: "order not found", 62: "no customer group found for customer", 63: "order item not found",
	64: `order status is "sent"`, 65: "order is already up to date",
	66: "error while registering new customer", 70: "no addresses found for customer",
	71: "wrong username or password", 72: "customer token missing", 73: "invalid customer token",
	74: "customer language missing", 75: "customer account not confirmed",
	76: "unknown error while customer login", 77: "missing account permissions",
	79: "cannot delete file(s)", 80: "file not found", 81: "cannot open file", 82: "buffer is empty",
	83: "database error", 84: "unknown country code", 85: "unknown state code",
	90: "error sending email", 91: "unsupported job", 100: "no connection to server",
	101: "error parsing response", 102: "error code received", 115: "no connection to shopgate server",
	116: "no oauth access token received", 120: "authentication failed",
	130: "error reading or writing file", 200: "invalid coupon", 201: "invalid coupon code",
	202: "invalid product for coupon", 203: "invalid address for coupon", 204: "invalid user for coupon",
	205: "too many coupons in cart", 220: "failed to add user", 221: "the given username already exists",
	222: "data fields are missing", 300: "product is not in stock", 301: "product not found",
	302: "less stock available than requested", 303: "product input validation failed",
	304: "requested quantity is lower than required minimum quantity",
	305: "requested quantity is higher than allowed maximum quantity",
	306: "products can not be ordered together", 307: "product not allowed in cart constellation",
	308: "", 998: "",
}

// ErrorText returns the default text of a Plugin API error code and whether
// the code has one. Codes without a text (33, 310, 999 and unknown codes)
// are answered as 999 (see [APIError.Envelope]).
func ErrorText(code int) (string, bool) {
	t, ok := errorTexts[code]
	return t, ok
}

// APIError is a Plugin API error: the code and text Shopgate receives in
// the response envelope. Adapters return it (wrapped or not) to choose the
// answer; any other error becomes 999 without internals.
type APIError struct {
	// Code is a Plugin API error code (Code* constants).
	Code int
	// Detail is extra information. It reaches the error log always, and the
	// caller only when ShowDetail is set.
	Detail string
	// ShowDetail appends Detail to the text Shopgate sees.
	ShowDetail bool
	// Cause is the underlying error, for the log and errors.Unwrap.
	Cause error
}

// NewAPIError returns an APIError with a detail that is logged but not shown.
func NewAPIError(code int, detail string) *APIError {
	return &APIError{Code: code, Detail: detail}
}

// NewAPIErrorShown returns an APIError whose detail is part of the text
// Shopgate sees (e.g. "unsupported job: x, y").
func NewAPIErrorShown(code int, detail string) *APIError {
	return &APIError{Code: code, Detail: detail, ShowDetail: true}
}

// DatabaseError wraps a database or driver failure as code 83.
func DatabaseError(op string, err error) *APIError {
	return &APIError{Code: CodeDatabaseError, Detail: op, Cause: err}
}

// Envelope returns the error code and text of the response envelope,
// following the Plugin API's text rules: codes without a default text
// become 999 `Unknown error code: "<code>"`, 998 shows only its detail, and
// a shown detail is appended after ": ".
func (e *APIError) Envelope() (int, string) {
	text, ok := errorTexts[e.Code]
	code := e.Code
	switch {
	case !ok || e.Code == CodeUnknownError:
		code = CodeUnknownError
		text = `Unknown error code: "` + strconv.Itoa(e.Code) + `"`
	case e.Code == CodeMultipleErrors:
		return code, e.Detail
	}
	if e.ShowDetail && e.Detail != "" {
		text += ": " + e.Detail
	}
	return code, text
}

// Error implements error; it includes the detail and cause for logs.
func (e *APIError) Error() string {
	code, text := e.Envelope()
	s := fmt.Sprintf("shopgate plugin error %d: %s", code, text)
	if e.Detail != "" && !e.ShowDetail {
		s += " (" + e.Detail + ")"
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *APIError) Unwrap() error { return e.Cause }

// AsAPIError reports whether err is or wraps an *APIError and returns it.
func AsAPIError(err error) (*APIError, bool) {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae, true
	}
	return nil, false
}
