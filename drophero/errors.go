package drophero

import (
	"context"
	"errors"
	"fmt"
)

// Sentinel errors returned (wrapped) by the client. Test with errors.Is.
var (
	// ErrUnauthorized means DropHero rejected the keys or the signature,
	// after the clock-skew retry.
	ErrUnauthorized = errors.New("drophero: credentials rejected")
	// ErrBanned means DropHero answered 403 (the rate-limit ban) or the
	// account's circuit breaker is open after such an answer.
	ErrBanned = errors.New("drophero: account banned or circuit open")
	// ErrRateLimited means the local limiter refused to send the request
	// before the context ended.
	ErrRateLimited = errors.New("drophero: local rate limiter refused the request")
	// ErrNotFound means DropHero answered 404 (for orders/{id}: it does
	// not know the order).
	ErrNotFound = errors.New("drophero: not found")
	// ErrNoOrderStatus means GET /v1/orders/{id} succeeded but held no
	// usable status for the order. Unlike ErrNotFound it does not mean that
	// DropHero lacks the order, so the order must not be resubmitted.
	ErrNoOrderStatus = errors.New("drophero: answer holds no usable status for the order")
	// ErrNotConfigured means no keys are stored yet.
	ErrNotConfigured = errors.New("drophero: keys not configured")
)

// ErrTimeout means one attempt of a request ran out of time: Config.Timeout
// passed (waiting for the answer or reading it), or the HTTP client passed
// in Config reported a timeout of its own. Every attempt timeout gives this
// one error, which also matches context.DeadlineExceeded. A timeout before
// the answer arrived is retried like a network failure; one while reading
// it is not (part of the answer may have been applied).
var ErrTimeout error = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string { return "request attempt timed out" }

// Is makes errors.Is(err, context.DeadlineExceeded) hold for ErrTimeout.
func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// APIError is a non-2xx answer from DropHero.
type APIError struct {
	Status   int    // HTTP status code
	Endpoint string // e.g. "GET /v1/orders"; never the presigned URL
	Body     string // response body, truncated to 512 bytes
}

// Error implements error; it names the endpoint, never the presigned URL.
func (e *APIError) Error() string {
	return fmt.Sprintf("drophero: %s: HTTP %d: %s", e.Endpoint, e.Status, e.Body)
}

// Temporary reports whether the request may succeed later (5xx).
func (e *APIError) Temporary() bool { return e.Status >= 500 }

// Unwrap maps well-known statuses onto the sentinel errors so that
// errors.Is(err, ErrUnauthorized) and friends work.
func (e *APIError) Unwrap() error {
	switch e.Status {
	case 401:
		return ErrUnauthorized
	case 403:
		return ErrBanned
	case 404:
		return ErrNotFound
	}
	return nil
}

// DecodeError is a response DropHero sent that cannot be applied: invalid
// JSON, a wrong type or an invalid value. Nothing of the response is applied.
type DecodeError struct {
	Endpoint string // e.g. "GET /v1/subscribed/from/{epoch}"
	Item     string // iditem or entry key, "" at the top level
	Field    string // field name, "" when the whole entry is wrong
	Err      error
}

// Error implements error.
func (e *DecodeError) Error() string {
	s := "drophero: decode " + e.Endpoint
	if e.Item != "" {
		s += " item " + e.Item
	}
	if e.Field != "" {
		s += " field " + e.Field
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying problem.
func (e *DecodeError) Unwrap() error { return e.Err }
