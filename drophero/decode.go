package drophero

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/internal/phpform"
)

// The helpers in this file read DropHero's lenient wire format: ids and
// decimals as strings or numbers, nulls, lists as arrays or objects keyed by
// index strings, and several spellings of "empty".

var decimalRe = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// errField is a field-level decoding problem; callers wrap it in a DecodeError.
type errField struct {
	field string
	err   error
}

func (e *errField) Error() string { return e.field + ": " + e.err.Error() }
func (e *errField) Unwrap() error { return e.err }

func fieldErr(field string, format string, args ...any) error {
	return &errField{field: field, err: fmt.Errorf(format, args...)}
}

// kind returns the first significant byte of a JSON value ('n', 't', 'f',
// '"', '{', '[', or a digit / '-').
func kind(raw json.RawMessage) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

func isNull(raw json.RawMessage) bool { k := kind(raw); return k == 0 || k == 'n' }

// parseID reads an id: a JSON string or an integer number, kept as a string.
// null or absent gives "".
func parseID(field string, raw json.RawMessage) (string, error) {
	switch k := kind(raw); {
	case k == 0 || k == 'n':
		return "", nil
	case k == '"':
		s, err := jsonString(raw)
		if err != nil {
			return "", fieldErr(field, "invalid string: %v", err)
		}
		return strings.TrimSpace(s), nil
	case k == '-' || (k >= '0' && k <= '9'):
		s := string(bytes.TrimSpace(raw))
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return "", fieldErr(field, "id %s is not an integer", s)
		}
		return s, nil
	default:
		return "", fieldErr(field, "id must be a string or an integer, got %s", kindName(k))
	}
}

// parseText reads an optional text: string, null, or a number taken as its
// literal digits (never through a float).
func parseText(field string, raw json.RawMessage) (*string, error) {
	switch k := kind(raw); {
	case k == 0 || k == 'n':
		return nil, nil
	case k == '"':
		s, err := jsonString(raw)
		if err != nil {
			return nil, fieldErr(field, "invalid string: %v", err)
		}
		return &s, nil
	case k == '-' || (k >= '0' && k <= '9'):
		s := string(bytes.TrimSpace(raw))
		return &s, nil
	default:
		return nil, fieldErr(field, "expected a string, got %s", kindName(k))
	}
}

// parseDecimal reads an optional decimal: a string holding a decimal, a JSON
// number, null, absent or "" (the last three mean absent).
func parseDecimal(field string, raw json.RawMessage) (decimal.NullDecimal, error) {
	var s string
	switch k := kind(raw); {
	case k == 0 || k == 'n':
		return decimal.NullDecimal{}, nil
	case k == '"':
		var err error
		if s, err = jsonString(raw); err != nil {
			return decimal.NullDecimal{}, fieldErr(field, "invalid string: %v", err)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return decimal.NullDecimal{}, nil
		}
		if !decimalRe.MatchString(s) {
			return decimal.NullDecimal{}, fieldErr(field, "%q is not a decimal number", s)
		}
	case k == '-' || (k >= '0' && k <= '9'):
		s = string(bytes.TrimSpace(raw))
	default:
		return decimal.NullDecimal{}, fieldErr(field, "expected a decimal, got %s", kindName(k))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.NullDecimal{}, fieldErr(field, "%q is not a decimal number", s)
	}
	// A JSON number may carry an exponent: bound it before any arithmetic,
	// so that a hostile "1e999999999" cannot make rescaling or formatting
	// allocate gigabytes, and bound the value so that it fits the
	// numeric(18,4) columns.
	if d.IsZero() {
		d = decimal.Zero
	} else if e := d.Exponent(); e > 12 || e < -40 || d.Abs().Cmp(maxDecimal) >= 0 {
		return decimal.NullDecimal{}, fieldErr(field, "%q is out of range", s)
	}
	return decimal.NullDecimal{Decimal: d, Valid: true}, nil
}

// maxDecimal bounds every decimal read from DropHero (prices, quantities).
var maxDecimal = decimal.New(1, 12)

// jsonString decodes a JSON string literal; literals without escapes (the
// common case) are sliced without a full decode.
func jsonString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw[1:len(raw)-1], '\\') < 0 && bytes.IndexByte(raw[1:len(raw)-1], '"') < 0 && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

func kindName(k byte) string {
	switch {
	case k == '{':
		return "an object"
	case k == '[':
		return "an array"
	case k == 't' || k == 'f':
		return "a boolean"
	case k == '"':
		return "a string"
	case k == 'n' || k == 0:
		return "null"
	default:
		return "a number"
	}
}

// isEmptySpelling reports whether raw is one of the spellings DropHero uses
// for an empty list: null, absent, 0, "0", "", false, {} or [].
func isEmptySpelling(raw json.RawMessage) bool {
	t := string(bytes.TrimSpace(raw))
	switch t {
	case "", "null", "0", `"0"`, `""`, "false", "{}", "[]":
		return true
	}
	return false
}

// eachEntry calls fn for every entry of a list that DropHero may send as a
// JSON array or as an object keyed by index strings (numeric keys in numeric
// order, then other keys lexically). skip names object keys that are not
// entries. The empty spellings give no call; any other scalar is an error.
func eachEntry(field string, raw json.RawMessage, skip map[string]bool, fn func(key string, v json.RawMessage) error) error {
	if isEmptySpelling(raw) {
		return nil
	}
	switch kind(raw) {
	case '[':
		var arr []json.RawMessage
		if err := json.Unmarshal(raw, &arr); err != nil {
			return fieldErr(field, "invalid list: %v", err)
		}
		for i, v := range arr {
			if err := fn(strconv.Itoa(i), v); err != nil {
				return err
			}
		}
		return nil
	case '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return fieldErr(field, "invalid object: %v", err)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			if !skip[k] {
				keys = append(keys, k)
			}
		}
		phpform.SortKeys(keys)
		for _, k := range keys {
			if err := fn(k, m[k]); err != nil {
				return err
			}
		}
		return nil
	default:
		return fieldErr(field, "expected a list, got %s", kindName(kind(raw)))
	}
}

// objectFields decodes raw as a JSON object into its raw fields.
func objectFields(raw json.RawMessage) (map[string]json.RawMessage, error) {
	if kind(raw) != '{' {
		return nil, fmt.Errorf("expected an object, got %s", kindName(kind(raw)))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("invalid object: %w", err)
	}
	return m, nil
}

// asDecodeError turns a field error into a DecodeError for endpoint/item.
func asDecodeError(endpoint, item string, err error) error {
	if err == nil {
		return nil
	}
	var de *DecodeError
	if errors.As(err, &de) {
		return err
	}
	var fe *errField
	if errors.As(err, &fe) {
		return &DecodeError{Endpoint: endpoint, Item: item, Field: fe.field, Err: fe.err}
	}
	return &DecodeError{Endpoint: endpoint, Item: item, Err: err}
}
