package redirect

import (
	"net/url"
	"strings"
)

const hexDigits = "0123456789abcdef"
const hexUpper = "0123456789ABCDEF"

// AppendLink appends the Mobile Website URL of page p (normalized) to dst,
// without passed-through query parameters: the href of the SEO link tag.
// For default pages it is the base URL.
func (r *Redirector) AppendLink(dst []byte, p Page) []byte {
	dst = append(dst, r.baseURL...)
	switch p.Type {
	case PageProduct:
		dst = append(dst, "/item/"...)
		dst = appendHex(dst, p.ID)
	case PageCategory:
		dst = append(dst, "/category/"...)
		dst = appendHex(dst, p.ID)
	case PageCMS:
		dst = append(dst, "/cms/"...)
		dst = append(dst, url.PathEscape(p.ID)...)
	case PageBrand:
		dst = append(dst, "/brand?q="...)
		dst = AppendURLEncode(dst, p.ID)
	case PageSearch:
		dst = append(dst, "/search?s="...)
		dst = AppendURLEncode(dst, p.ID)
	}
	return dst
}

// AppendTarget appends the HTTP redirect target of page p (normalized) to
// dst: the link of AppendLink plus the redirectable parameters of the
// request's raw query string as PHP's $_GET holds them (see QueryValue:
// names with '.' or ' ' count under their '_' form, invalid escapes stay
// literal), in their order of first appearance, the last occurrence of a
// name winning. A parameter whose last occurrence is an array
// ("utm_source[]=x") is not passed. See docs/protocol/mobile-redirect.md,
// "Decision: query parameters like PHP".
func (r *Redirector) AppendTarget(dst []byte, p Page, rawQuery string) []byte {
	start := len(dst)
	dst = r.AppendLink(dst, p)
	if rawQuery == "" || len(r.params) == 0 {
		return dst
	}
	hasQuery := strings.IndexByte(string(dst[start:]), '?') >= 0
	type kv struct {
		name, value string
		array       bool
	}
	var found []kv
	for q := rawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, array, ok := phpVarName(phpURLDecode(rawName))
		if !ok || !r.redirectable(name) {
			continue
		}
		value := ""
		if !array {
			value = phpURLDecode(rawValue)
		}
		replaced := false
		for i := range found {
			if found[i].name == name {
				found[i].value, found[i].array = value, array
				replaced = true
			}
		}
		if !replaced {
			found = append(found, kv{name, value, array})
		}
	}
	for _, f := range found {
		if f.array {
			continue
		}
		if hasQuery {
			dst = append(dst, '&')
		} else {
			dst = append(dst, '?')
			hasQuery = true
		}
		dst = AppendURLEncode(dst, f.name)
		dst = append(dst, '=')
		dst = AppendURLEncode(dst, f.value)
	}
	return dst
}

func (r *Redirector) redirectable(name string) bool {
	for _, p := range r.params {
		if p == name {
			return true
		}
	}
	return false
}

// unhex returns the value of a hexadecimal digit, or -1.
func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// phpURLDecode decodes one form-encoded query component as PHP's urldecode
// does: '+' is a space, %XX with two hexadecimal digits is that byte, and
// every other '%' stays as it is ("%ZZ" → "%ZZ", "100%" → "100%"). It
// does not allocate when there is nothing to decode.
func phpURLDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 < len(s) && unhex(s[i+1]) >= 0 && unhex(s[i+2]) >= 0 {
				b = append(b, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
				i += 2
			} else {
				b = append(b, c)
			}
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// phpVarName returns the $_GET key under which PHP registers a decoded
// query parameter name: leading spaces are dropped, the name ends at a NUL
// byte, and ' ' and '.' become '_'. A '[' with a later ']' makes the
// parameter an array (array is true, name is the part before the '['); a
// '[' without ']' becomes '_', and so do ' ', '.' and '[' after it (PHP 8,
// as internal/phpform reads Plugin API requests). ok is false for names PHP ignores (empty, or starting with '['). It does
// not allocate for names without ' ', '.', '[' and NUL.
func phpVarName(n string) (name string, array, ok bool) {
	n = strings.TrimLeft(n, " ")
	if i := strings.IndexByte(n, 0); i >= 0 {
		n = n[:i]
	}
	if strings.IndexAny(n, " .[") < 0 {
		return n, false, n != ""
	}
	base := n
	rest := ""
	if i := strings.IndexByte(n, '['); i >= 0 {
		base, rest = n[:i], n[i:]
	}
	if base == "" {
		return "", false, false
	}
	if strings.IndexAny(base, " .") >= 0 {
		b := []byte(base)
		for i, c := range b {
			if c == ' ' || c == '.' {
				b[i] = '_'
			}
		}
		base = string(b)
	}
	if rest == "" {
		return base, false, true
	}
	if strings.IndexByte(rest, ']') >= 0 {
		return base, true, true
	}
	// An unmatched '[': PHP 8 turns it, and every ' ', '.' and '[' after
	// it, into '_'.
	b := []byte(base + rest)
	for i := len(base); i < len(b); i++ {
		if c := b[i]; c == ' ' || c == '.' || c == '[' {
			b[i] = '_'
		}
	}
	return string(b), false, true
}

// phpQueryParam returns what PHP's $_GET holds under name for rawQuery:
// the last occurrence of the name (after phpVarName) wins; array reports
// that it is an array ("name[]=…"), whose value is then "". ok is false
// when the parameter is absent.
func phpQueryParam(rawQuery, name string) (value string, array, ok bool) {
	for q := rawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" {
			continue
		}
		n, v, _ := strings.Cut(pair, "=")
		dn, isArray, valid := phpVarName(phpURLDecode(n))
		if !valid || dn != name {
			continue
		}
		value, array, ok = "", isArray, true
		if !isArray {
			value = phpURLDecode(v)
		}
	}
	return value, array, ok
}

// appendHex appends the lower-case hexadecimal form of the UTF-8 bytes of s
// (PHP bin2hex).
func appendHex(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = append(dst, hexDigits[s[i]>>4], hexDigits[s[i]&15])
	}
	return dst
}

// AppendURLEncode appends s in PHP urlencode form: ASCII letters, digits,
// '-', '_' and '.' stay, space becomes '+', every other byte (also '~')
// becomes %XX with upper-case hex.
func AppendURLEncode(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', hexUpper[c>>4], hexUpper[c&15])
		}
	}
	return dst
}

// QueryValue returns the query parameter name of rawQuery as PHP's $_GET
// holds it: the last occurrence wins; names count under their PHP form
// ("utm.source" and "utm source" are "utm_source"); values are decoded
// like PHP's urldecode, which keeps invalid escapes literally ("%ZZ"
// stays "%ZZ"). ok is false when the parameter is absent or its last
// occurrence is an array ("name[]=…"). See docs/protocol/mobile-redirect.md,
// "Decision: query parameters like PHP".
func QueryValue(rawQuery, name string) (value string, ok bool) {
	value, array, ok := phpQueryParam(rawQuery, name)
	if array {
		return "", false
	}
	return value, ok
}

// QueryOptOut reports whether the raw query string switches the redirect
// off: the shopgate_redirect parameter is not empty in PHP's sense, as the
// SDK's !empty($_GET['shopgate_redirect']) decides: a last occurrence with
// a value other than "" and "0", or an array ("shopgate_redirect[]=…",
// never empty once it has an element). See docs/protocol/mobile-redirect.md,
// "Decision: opt-out parameter as an array".
func QueryOptOut(rawQuery string) bool {
	v, array, _ := phpQueryParam(rawQuery, ParamName)
	return array || (v != "" && v != "0")
}

// CookieOptOut reports whether the Cookie header values contain the opt-out
// cookie with a non-empty value other than "0". The first occurrence counts.
func CookieOptOut(cookieHeaders []string) bool {
	for _, h := range cookieHeaders {
		for h != "" {
			var part string
			part, h, _ = strings.Cut(h, ";")
			part = strings.TrimLeft(part, " \t")
			name, value, ok := strings.Cut(part, "=")
			if !ok || strings.TrimSpace(name) != CookieName {
				continue
			}
			value = strings.TrimSpace(value)
			if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
				value = value[1 : len(value)-1]
			}
			value = phpURLDecode(value)
			return value != "" && value != "0"
		}
	}
	return false
}
