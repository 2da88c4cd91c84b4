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
// request's raw query string, in their order of first appearance, the last
// value of a repeated name winning (PHP $_GET semantics). Bracketed names
// are ignored.
func (r *Redirector) AppendTarget(dst []byte, p Page, rawQuery string) []byte {
	start := len(dst)
	dst = r.AppendLink(dst, p)
	if rawQuery == "" || len(r.params) == 0 {
		return dst
	}
	hasQuery := strings.IndexByte(string(dst[start:]), '?') >= 0
	type kv struct{ name, value string }
	var found []kv
	for q := rawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		name, ok := unescapeQuery(name)
		if !ok || strings.ContainsAny(name, "[]") || !r.redirectable(name) {
			continue
		}
		value, ok = unescapeQuery(value)
		if !ok {
			continue
		}
		replaced := false
		for i := range found {
			if found[i].name == name {
				found[i].value = value
				replaced = true
			}
		}
		if !replaced {
			found = append(found, kv{name, value})
		}
	}
	for _, f := range found {
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

// unescapeQuery decodes one form-encoded query component without
// allocating when there is nothing to decode.
func unescapeQuery(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
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

// QueryValue returns the last value of the query parameter name in
// rawQuery (PHP $_GET semantics: the last occurrence wins), form-decoded;
// a value that cannot be decoded is returned as it is, as PHP does. ok is
// false when the parameter is absent.
func QueryValue(rawQuery, name string) (value string, ok bool) {
	for q := rawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		n, v, _ := strings.Cut(pair, "=")
		if dn, valid := unescapeQuery(n); !valid || dn != name {
			continue
		}
		if dv, valid := unescapeQuery(v); valid {
			v = dv
		}
		value, ok = v, true
	}
	return value, ok
}

// QueryOptOut reports whether the raw query string switches the redirect
// off: the last shopgate_redirect parameter has a value that PHP does not
// consider empty (anything but "" and "0").
func QueryOptOut(rawQuery string) bool {
	v, _ := QueryValue(rawQuery, ParamName)
	return v != "" && v != "0"
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
			if v, ok := unescapeQuery(value); ok {
				value = v
			}
			return value != "" && value != "0"
		}
	}
	return false
}
