package redirect

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// AppendSnippet appends the JavaScript snippet for page p (normalized) to
// dst: the SEO link tags, the _shopgate settings object and the loader of
// Shopgate's hosted script, framed by BEGIN/END SHOPGATE comments. It is
// meant to go right before </head>. Nothing is appended while the redirect
// is not Active.
func (r *Redirector) AppendSnippet(dst []byte, p Page) []byte {
	if !r.active {
		return dst
	}
	dst = append(dst, "<!-- BEGIN SHOPGATE -->\n"...)
	dst = r.AppendTags(dst, p)
	dst = append(dst, "<script type=\"text/javascript\">\nvar _shopgate = {};\n_shopgate.shop_number = \""...)
	dst = append(dst, r.cfg.ShopNumber...)
	dst = append(dst, "\";\n_shopgate.redirect = \""...)
	dst = append(dst, jsRedirectCodes[p.Type]...)
	dst = append(dst, "\";\n_shopgate.is_default_redirect_disabled = "...)
	dst = appendBool(dst, !r.cfg.DefaultRedirect)
	dst = append(dst, ";\n_shopgate.redirect_to_webapp = "...)
	dst = appendBool(dst, !r.cfg.SuppressBrowserRedirect)
	dst = append(dst, ";\n"...)
	if v := jsVariables[p.Type]; v != "" {
		dst = append(dst, "_shopgate."...)
		dst = append(dst, v...)
		dst = append(dst, " = \""...)
		if p.Type == PageSearch {
			dst = appendEscapedSearchJS(dst, p.ID)
		} else {
			dst = appendJSString(dst, p.ID)
		}
		dst = append(dst, "\";\n"...)
	}
	// The loader runs synchronously on phones so that the hosted script can
	// redirect before the page renders; elsewhere it must not block. It is
	// kept compact: it goes into every page.
	dst = append(dst, `(function(){if(!_shopgate.shop_number)return;var s=document.createElement("script");s.type="text/javascript";if(!/iPad|iPod|iPhone|Android/i.test(navigator.userAgent))s.async=true;s.src="`...)
	dst = append(dst, r.staticHost...)
	dst = append(dst, `/mobile_header/"+_shopgate.shop_number+".js";var f=document.getElementsByTagName("script")[0];f.parentNode.insertBefore(s,f);})();
</script>
<!-- END SHOPGATE -->
`...)
	return dst
}

// AppendTags appends the SEO tags of page p (normalized): the tags of
// Config.HTMLTags when it is valid, otherwise one alternate link tag
// pointing at the page's Mobile Website URL (none for default pages while
// the default redirect is off). Every tag ends with a newline.
func (r *Redirector) AppendTags(dst []byte, p Page) []byte {
	if r.tags != nil {
		for i := range r.tags {
			dst = r.tags[i].append(dst, r, p)
		}
		return dst
	}
	if p.Type == PageDefault && !r.cfg.DefaultRedirect {
		return dst
	}
	dst = append(dst, `<link rel="alternate" media="only screen and (max-width: 640px)" href="`...)
	start := len(dst)
	dst = r.AppendLink(dst, p)
	dst = escapeAttrInPlace(dst, start)
	return append(dst, "\" />\n"...)
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// appendJSString appends s escaped for a double-quoted JavaScript string
// inside an HTML script element.
func appendJSString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			dst = append(dst, `\\`...)
		case '"':
			dst = append(dst, `\"`...)
		case '\n':
			dst = append(dst, `\n`...)
		case '\r':
			dst = append(dst, `\r`...)
		case '<':
			dst = append(dst, `\u003c`...)
		case 0xe2:
			// U+2028 and U+2029 end a line in older JavaScript engines.
			if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9) {
				if s[i+2] == 0xa8 {
					dst = append(dst, `\u2028`...)
				} else {
					dst = append(dst, `\u2029`...)
				}
				i += 2
				continue
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendEscapedSearchJS appends the search text as the SDK puts it into
// the snippet's double-quoted string (docs/protocol/mobile-redirect.md#snippet-escaping): HTML entities for
// & " ' < >, then backslashes doubled, other characters unchanged. The
// doubled backslashes are the only JavaScript escaping the SDK applies;
// adding appendJSString on top would double them again. Quotes and '<'
// cannot end the string or the script element since they became entities;
// CR, LF, U+2028 and U+2029, which would end the string literal, are
// written as JavaScript escapes (the SDK leaves them raw and breaks the
// script).
func appendEscapedSearchJS(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '"':
			dst = append(dst, "&quot;"...)
		case '\'':
			dst = append(dst, "&#039;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '\\':
			dst = append(dst, `\\`...)
		case '\n':
			dst = append(dst, `\n`...)
		case '\r':
			dst = append(dst, `\r`...)
		case 0xe2:
			if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9) {
				if s[i+2] == 0xa8 {
					dst = append(dst, `\u2028`...)
				} else {
					dst = append(dst, `\u2029`...)
				}
				i += 2
				continue
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// escapedSearch is the "escaped" template function: HTML entities for
// & " ' < >, then backslashes doubled.
func escapedSearch(s string) string {
	if !strings.ContainsAny(s, "&\"'<>\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#039;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// escapeAttrInPlace HTML-escapes dst[start:] for a double-quoted attribute.
func escapeAttrInPlace(dst []byte, start int) []byte {
	n := 0
	for _, c := range dst[start:] {
		switch c {
		case '&', '<', '>', '"', '\'':
			n++
		}
	}
	if n == 0 {
		return dst
	}
	raw := string(dst[start:])
	dst = dst[:start]
	return appendAttr(dst, raw)
}

func appendAttr(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '"':
			dst = append(dst, "&#34;"...)
		case '\'':
			dst = append(dst, "&#39;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// tagTemplate is one custom SEO tag of html_tags.
type tagTemplate struct {
	name  string
	attrs []attrTemplate
}

type attrTemplate struct {
	name     string
	value    string
	suffixes map[string]*string // page type name -> template; nil value = false
}

// htmlTagsDoc is Shopgate's html_tags JSON, read by parseHTMLTags for
// rendering and by ValidateHTMLTags for set_settings.
type htmlTagsDoc struct {
	HTMLTags []struct {
		Name       string `json:"name"`
		Attributes []struct {
			Name           string                     `json:"name"`
			Value          string                     `json:"value"`
			DeeplinkSuffix map[string]json.RawMessage `json:"deeplink_suffix"`
		} `json:"attributes"`
	} `json:"html_tags"`
}

// parseHTMLTags reads Shopgate's html_tags JSON.
func parseHTMLTags(s string) ([]tagTemplate, error) {
	var doc htmlTagsDoc
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		return nil, fmt.Errorf("redirect: html_tags: %w", err)
	}
	tags := make([]tagTemplate, 0, len(doc.HTMLTags))
	for _, t := range doc.HTMLTags {
		if !validName(t.Name) || !allowedTag(t.Name) {
			continue
		}
		tt := tagTemplate{name: t.Name}
		for _, a := range t.Attributes {
			if !validName(a.Name) || !allowedAttr(t.Name, a.Name) {
				continue
			}
			at := attrTemplate{name: a.Name, value: a.Value}
			if a.DeeplinkSuffix != nil {
				at.suffixes = make(map[string]*string, len(a.DeeplinkSuffix))
				for k, raw := range a.DeeplinkSuffix {
					var v string
					if err := json.Unmarshal(raw, &v); err == nil {
						at.suffixes[k] = &v
					} else {
						at.suffixes[k] = nil // false or anything that is not a template
					}
				}
			}
			tt.attrs = append(tt.attrs, at)
		}
		tags = append(tags, tt)
	}
	return tags, nil
}

// validName accepts element and attribute names that cannot break the
// markup.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == ':') {
			return false
		}
	}
	return true
}

// append renders the tag for page p, or nothing when a variable has no
// value or the deeplink suffix of the page type is false or missing.
func (t *tagTemplate) append(dst []byte, r *Redirector, p Page) []byte {
	start := len(dst)
	dst = append(dst, '<')
	dst = append(dst, t.name...)
	for _, a := range t.attrs {
		value := a.value
		if a.suffixes != nil {
			suffix, ok := a.suffixes[pageTypeNames[p.Type]]
			if !ok {
				suffix, ok = a.suffixes["default"]
			}
			if !ok || suffix == nil {
				return dst[:start]
			}
			if value == "" {
				value = "{deeplink_suffix}"
			}
			value = strings.ReplaceAll(value, "{deeplink_suffix}", *suffix)
		}
		rendered, ok := renderTemplate(value, func(name string) (string, bool) { return tagVariable(r, p, name) })
		if !ok || urlAttributes[strings.ToLower(a.name)] && !safeURL(rendered) {
			return dst[:start]
		}
		dst = append(dst, ' ')
		dst = append(dst, a.name...)
		dst = append(dst, `="`...)
		dst = appendAttr(dst, rendered)
		dst = append(dst, '"')
	}
	return append(dst, " />\n"...)
}

// tagVariable returns the value of a template variable for page p.
func tagVariable(r *Redirector, p Page, name string) (string, bool) {
	switch name {
	case "baseUrl":
		return r.baseURL, true
	case "product_uid":
		return p.ID, p.Type == PageProduct
	case "category_uid":
		return p.ID, p.Type == PageCategory
	case "page_uid":
		return p.ID, p.Type == PageCMS
	case "brand_name":
		return p.ID, p.Type == PageBrand
	case "search_query":
		return p.ID, p.Type == PageSearch
	}
	return "", false
}

// renderTemplate replaces {name} and {name:function} in s. A variable name
// and a function name consist of ASCII letters, digits and '_'; other
// braces are literal text. ok is false when a variable has no value.
func renderTemplate(s string, lookup func(string) (string, bool)) (string, bool) {
	if strings.IndexByte(s, '{') < 0 {
		return s, true
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		inner := s[i+1 : i+j]
		name, fn, hasFn := strings.Cut(inner, ":")
		if !isIdent(name) || (hasFn && !isIdent(fn)) {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		v, ok := lookup(name)
		if !ok {
			return "", false
		}
		switch fn {
		case "hex":
			v = string(appendHex(nil, v))
		case "urlencoded":
			v = string(AppendURLEncode(nil, v))
		case "base64":
			v = base64.StdEncoding.EncodeToString([]byte(v))
		case "escaped":
			v = escapedSearch(v)
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[i+j+1:]
	}
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
