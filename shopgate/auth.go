package shopgate

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of Shopgate's token authentication, used in both directions.
const (
	HeaderAuthUser  = "X-Shopgate-Auth-User"
	HeaderAuthToken = "X-Shopgate-Auth-Token"
)

// Prefixes that make the token direction-specific.
const (
	// PrefixSPA signs calls from Shopgate to the shop (SPA).
	PrefixSPA = "SPA"
	// PrefixSMA signs calls from the shop to Shopgate (SMA).
	PrefixSMA = "SMA"
)

// MaxClockSkew is the largest accepted difference between the token's
// timestamp and the server clock, in either direction (inclusive).
const MaxClockSkew = 1800 * time.Second

// Named reasons why an incoming request failed authentication. The caller
// always sees only "authentication failed" (120); these go to the log.
var (
	ErrAuthNoHeader      = errors.New("shopgate auth: no authentication data present")
	ErrAuthUnparsable    = errors.New("shopgate auth: cannot parse user header")
	ErrAuthExpired       = errors.New("shopgate auth: request too old or too far in the future")
	ErrAuthBadToken      = errors.New("shopgate auth: invalid token")
	ErrAuthWrongCustomer = errors.New("shopgate auth: customer number does not match")
	// ErrAuthNotConfigured means the shop has no customer number or API
	// key; it is answered with code 10 rather than 120.
	ErrAuthNotConfigured = errors.New("shopgate auth: customer number or API key not configured")
)

// Token returns the lowercase hex SHA-1 token of
// "<prefix>-<customerNumber>-<timestamp>-<apikey>".
func Token(prefix, customerNumber string, timestamp int64, apikey string) string {
	var b strings.Builder
	b.Grow(len(prefix) + len(customerNumber) + len(apikey) + 24)
	b.WriteString(prefix)
	b.WriteByte('-')
	b.WriteString(customerNumber)
	b.WriteByte('-')
	b.WriteString(strconv.FormatInt(timestamp, 10))
	b.WriteByte('-')
	b.WriteString(apikey)
	sum := sha1.Sum([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// SignRequest sets the two authentication headers in h for the given
// direction prefix, credentials and time.
func SignRequest(h http.Header, prefix, customerNumber, apikey string, now time.Time) {
	ts := now.Unix()
	h.Set(HeaderAuthUser, customerNumber+"-"+strconv.FormatInt(ts, 10))
	h.Set(HeaderAuthToken, Token(prefix, customerNumber, ts, apikey))
}

// ParseAuthUser parses the user header value "<customer_number>-<timestamp>".
// The whole (trimmed) value must match ^[1-9][0-9]+-[1-9][0-9]+$.
func ParseAuthUser(v string) (customerNumber string, timestamp int64, err error) {
	v = strings.TrimSpace(v)
	dash := strings.IndexByte(v, '-')
	if dash < 0 {
		return "", 0, ErrAuthUnparsable
	}
	cn, ts := v[:dash], v[dash+1:]
	if !isNumberAtLeastTwoDigits(cn) || !isNumberAtLeastTwoDigits(ts) {
		return "", 0, ErrAuthUnparsable
	}
	t, perr := strconv.ParseInt(ts, 10, 64)
	if perr != nil {
		return "", 0, ErrAuthUnparsable
	}
	return cn, t, nil
}

// isNumberAtLeastTwoDigits reports whether s matches [1-9][0-9]+.
func isNumberAtLeastTwoDigits(s string) bool {
	if len(s) < 2 || s[0] < '1' || s[0] > '9' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// VerifyAuth checks the user and token header values of a request signed
// with prefix against the configured credentials at time now. It returns
// nil or one of the ErrAuth* errors.
func VerifyAuth(prefix, userHeader, tokenHeader, customerNumber, apikey string, now time.Time) error {
	customerNumber = strings.TrimSpace(customerNumber)
	apikey = strings.TrimSpace(apikey)
	if customerNumber == "" || apikey == "" {
		return ErrAuthNotConfigured
	}
	userHeader = strings.TrimSpace(userHeader)
	tokenHeader = strings.TrimSpace(tokenHeader)
	if userHeader == "" || tokenHeader == "" {
		return ErrAuthNoHeader
	}
	cn, ts, err := ParseAuthUser(userHeader)
	if err != nil {
		return err
	}
	skew := now.Unix() - ts
	if skew > int64(MaxClockSkew/time.Second) || skew < -int64(MaxClockSkew/time.Second) {
		return ErrAuthExpired
	}
	want := Token(prefix, cn, ts, apikey)
	if len(tokenHeader) != len(want) || subtle.ConstantTimeCompare([]byte(tokenHeader), []byte(want)) != 1 {
		return ErrAuthBadToken
	}
	if cn != canonicalNumber(customerNumber) {
		return ErrAuthWrongCustomer
	}
	return nil
}

// canonicalNumber strips leading zeros so that numbers compare as PHP's
// loose comparison would for digit strings.
func canonicalNumber(s string) string {
	t := strings.TrimLeft(strings.TrimSpace(s), "0")
	if t == "" && s != "" {
		return "0"
	}
	return t
}

// SameNumber reports whether two shop or customer numbers are equal after
// trimming and stripping leading zeros.
func SameNumber(a, b string) bool { return canonicalNumber(a) == canonicalNumber(b) }
