package export

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// enc appends XML to a byte slice. In prune mode (used for children,
// step B of docs/protocol/catalog-export.md#variants) every element that
// ends up without text — and without an explicitly empty element inside —
// is cut off again.
type enc struct {
	b     []byte
	prune bool
	// kept counts text values and explicitly empty elements written so far;
	// an element survives pruning only if it grew while the element was open.
	kept int
}

// span remembers where an element started, for closing or pruning it.
type span struct {
	start int // offset of '<'
	body  int // offset just after the start tag's '>'
	kept  int
}

// open writes "<name" and returns the span; the caller adds attributes with
// attr* and then calls body.
func (e *enc) open(name string) span {
	s := span{start: len(e.b), kept: e.kept}
	e.b = append(e.b, '<')
	e.b = append(e.b, name...)
	return s
}

// body ends the start tag.
func (e *enc) body(s *span) {
	e.b = append(e.b, '>')
	s.body = len(e.b)
}

// close finishes an element opened with open/body: "<x .../>" when nothing
// was written inside, else "</x>"; in prune mode an element without text is
// removed entirely.
func (e *enc) close(s span, name string) {
	if e.prune && e.kept == s.kept {
		e.b = e.b[:s.start]
		return
	}
	if len(e.b) == s.body {
		e.b = append(e.b[:s.body-1], '/', '>')
		return
	}
	e.b = append(e.b, '<', '/')
	e.b = append(e.b, name...)
	e.b = append(e.b, '>')
}

// empty writes "<name/>"; in prune mode nothing.
func (e *enc) empty(name string) {
	if e.prune {
		return
	}
	e.b = append(e.b, '<')
	e.b = append(e.b, name...)
	e.b = append(e.b, '/', '>')
}

// blank writes an explicitly empty element, which survives pruning.
func (e *enc) blank(name string) {
	e.b = append(e.b, '<')
	e.b = append(e.b, name...)
	e.b = append(e.b, '/', '>')
	e.kept++
}

// cdata writes <name><![CDATA[v]]></name>, or <name/> when v is empty after
// cleaning.
func (e *enc) cdata(name, v string) {
	s := e.open(name)
	e.cdataIn(s, name, v)
}

// cdataIn ends the start tag of s (after its attributes) and writes v as
// its CDATA content.
func (e *enc) cdataIn(s span, name, v string) {
	e.body(&s)
	m := len(e.b)
	e.b = append(e.b, "<![CDATA["...)
	c := len(e.b)
	e.b = appendCDATA(e.b, v)
	if len(e.b) == c {
		e.b = e.b[:m]
	} else {
		if hasCDATAText(e.b[c:]) {
			e.kept++
		}
		e.b = append(e.b, "]]>"...)
	}
	e.close(s, name)
}

// text writes <name>v</name> with v escaped as character data.
func (e *enc) text(name, v string) {
	s := e.open(name)
	e.body(&s)
	m := len(e.b)
	e.b = appendText(e.b, v)
	if hasText(e.b[m:]) {
		e.kept++
	}
	e.close(s, name)
}

// raw writes <name>v</name> for v that needs no escaping (numbers).
func (e *enc) raw(name string, v []byte) {
	s := e.open(name)
	e.body(&s)
	e.b = append(e.b, v...)
	if len(v) > 0 {
		e.kept++
	}
	e.close(s, name)
}

// attr writes ` name="v"` with v escaped and filtered.
func (e *enc) attr(name, v string) {
	e.b = append(e.b, ' ')
	e.b = append(e.b, name...)
	e.b = append(e.b, '=', '"')
	e.b = appendAttr(e.b, v)
	e.b = append(e.b, '"')
}

// attrOpt writes the attribute unless v is empty.
func (e *enc) attrOpt(name, v string) {
	if v != "" {
		e.attr(name, v)
	}
}

// attrBool writes name="1" or name="0".
func (e *enc) attrBool(name string, v bool) {
	e.b = append(e.b, ' ')
	e.b = append(e.b, name...)
	if v {
		e.b = append(e.b, `="1"`...)
	} else {
		e.b = append(e.b, `="0"`...)
	}
}

// attrInt writes the attribute when v is valid.
func (e *enc) attrInt(name string, v int64, valid bool) {
	if !valid {
		return
	}
	e.b = append(e.b, ' ')
	e.b = append(e.b, name...)
	e.b = append(e.b, '=', '"')
	e.b = strconv.AppendInt(e.b, v, 10)
	e.b = append(e.b, '"')
}

// attrDec writes the attribute when v is valid.
func (e *enc) attrDec(name string, v decimal.Decimal, valid bool) {
	if !valid {
		return
	}
	e.b = append(e.b, ' ')
	e.b = append(e.b, name...)
	e.b = append(e.b, '=', '"')
	e.b = appendDecimal(e.b, v)
	e.b = append(e.b, '"')
}

// boolElem writes <name>1</name> or <name>0</name>.
func (e *enc) boolElem(name string, v bool) {
	if v {
		e.raw(name, one)
	} else {
		e.raw(name, zero)
	}
}

var (
	one  = []byte("1")
	zero = []byte("0")
)

// intElem writes <name>v</name>, or <name/> when !valid.
func (e *enc) intElem(name string, v int64, valid bool) {
	if !valid {
		e.empty(name)
		return
	}
	var tmp [24]byte
	e.raw(name, strconv.AppendInt(tmp[:0], v, 10))
}

// decElem writes <name>v</name>, or <name/> when !valid.
func (e *enc) decElem(name string, v decimal.Decimal, valid bool) {
	if !valid {
		e.empty(name)
		return
	}
	var tmp [40]byte
	e.raw(name, appendDecimal(tmp[:0], v))
}

// hasText reports whether written text contains anything but spaces, tabs,
// CR and LF (the SDK's pruning test). Escapes such as &#13; count as CR.
func hasText(b []byte) bool {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
		case '&':
			if len(b)-i >= 5 && string(b[i:i+5]) == "&#13;" {
				i += 4
				continue
			}
			return true
		default:
			return true
		}
	}
	return false
}

// hasCDATAText is hasText for CDATA content, where nothing is escaped.
func hasCDATAText(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return true
		}
	}
	return false
}

// appendDecimal formats d per N1/N2/N3 of
// docs/protocol/catalog-export.md#numbers: no exponent, no grouping, trailing
// fractional zeros and a bare '.' removed, -0 as 0.
func appendDecimal(b []byte, d decimal.Decimal) []byte {
	return appendDecimalRound(b, d, -1)
}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// appendDecimalRound is appendDecimal after rounding half away from zero
// to places decimals (PHP's round); places < 0 does not round.
func appendDecimalRound(b []byte, d decimal.Decimal, places int32) []byte {
	exp := d.Exponent()
	if d.NumDigits() > 18 || exp > 18 || exp < -18 {
		if places >= 0 {
			d = d.Round(places)
		}
		return append(b, d.String()...)
	}
	c := d.CoefficientInt64()
	if places >= 0 && exp < -places {
		p := pow10[-places-exp]
		q, r := c/p, c%p
		if r < 0 {
			r = -r
		}
		if 2*r >= p {
			if c < 0 {
				q--
			} else {
				q++
			}
		}
		c, exp = q, -places
	}
	if c == 0 {
		return append(b, '0')
	}
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	if exp >= 0 {
		b = strconv.AppendUint(b, uint64(c), 10)
		for ; exp > 0; exp-- {
			b = append(b, '0')
		}
		return b
	}
	for exp < 0 && c%10 == 0 {
		c /= 10
		exp++
	}
	var tmp [24]byte
	digits := strconv.AppendUint(tmp[:0], uint64(c), 10)
	frac := int(-exp)
	if frac == 0 {
		return append(b, digits...)
	}
	if len(digits) > frac {
		b = append(b, digits[:len(digits)-frac]...)
		b = append(b, '.')
		return append(b, digits[len(digits)-frac:]...)
	}
	b = append(b, '0', '.')
	for i := len(digits); i < frac; i++ {
		b = append(b, '0')
	}
	return append(b, digits...)
}

// appendTime formats t like PHP's ISO 8601 date format: 2024-05-01T10:00:00+0200.
func appendTime(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, "2006-01-02T15:04:05-0700")
	}
	b = append4(b, year)
	b = append(b, '-')
	b = append2(b, int(month))
	b = append(b, '-')
	b = append2(b, day)
	b = append(b, 'T')
	b = append2(b, hour)
	b = append(b, ':')
	b = append2(b, minute)
	b = append(b, ':')
	b = append2(b, sec)
	_, off := t.Zone()
	if off < 0 {
		b = append(b, '-')
		off = -off
	} else {
		b = append(b, '+')
	}
	off /= 60
	b = append2(b, off/60)
	return append2(b, off%60)
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10%10), byte('0'+n%10)) }

func append4(b []byte, n int) []byte {
	return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}

// xmlChar reports whether r is allowed by XML 1.0.
func xmlChar(r rune) bool {
	switch {
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r == 0x9 || r == 0xA || r == 0xD:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// nextRune decodes the next character of s for output. Ill-formed UTF-8 yields
// '?' for one maximal ill-formed subpart (Unicode's recommended practice,
// docs/protocol/catalog-export.md#string-cleaning) and the number of bytes it
// spans.
func nextRune(s string) (rune, int) {
	c := s[0]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	var n int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		n = 2
	case c == 0xE0:
		n, lo = 3, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		n = 3
	case c == 0xED:
		n, hi = 3, 0x9F
	case c == 0xF0:
		n, lo = 4, 0x90
	case c >= 0xF1 && c <= 0xF3:
		n = 4
	case c == 0xF4:
		n, hi = 4, 0x8F
	default:
		return '?', 1
	}
	if len(s) < 2 || s[1] < lo || s[1] > hi {
		return '?', 1
	}
	for k := 2; k < n; k++ {
		if len(s) <= k || s[k] < 0x80 || s[k] > 0xBF {
			return '?', k
		}
	}
	r, size := utf8.DecodeRuneInString(s[:n])
	if size != n {
		return '?', n
	}
	return r, n
}

// Clean returns s as the writers emit it before escaping: ill-formed UTF-8
// replaced by '?' per maximal ill-formed subpart, characters outside the
// XML 1.0 range removed.
func Clean(s string) string {
	if cleanASCII(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := nextRune(s[i:])
		i += n
		if xmlChar(r) {
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

// cleanASCII reports whether s is printable ASCII (plus tab, LF, CR), which
// needs no cleaning.
func cleanASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			return false
		}
	}
	return true
}

// Byte classes for the fast paths: a set bit means the byte needs the slow
// path in that context.
const (
	slowCDATA = 1 << iota
	slowText
	slowAttr
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		ctrl := c < 0x20 && c != '\t' && c != '\n' && c != '\r'
		if c >= 0x80 || ctrl || c == ']' {
			t[c] |= slowCDATA
		}
		if c >= 0x80 || c < 0x20 || c == '&' || c == '<' || c == '>' {
			t[c] |= slowText
		}
		if c >= 0x80 || c < 0x20 || c == '&' || c == '<' || c == '>' || c == '"' {
			t[c] |= slowAttr
		}
	}
	return t
}()

// plain reports whether no byte of s is in class.
func plain(s string, class uint8) bool {
	for i := 0; i < len(s); i++ {
		if byteClass[s[i]]&class != 0 {
			return false
		}
	}
	return true
}

// appendCDATA appends the cleaned content of a CDATA section (without the
// delimiters), splitting "]]>".
func appendCDATA(b []byte, s string) []byte {
	if plain(s, slowCDATA) {
		return append(b, s...)
	}
	start := len(b)
	for i := 0; i < len(s); {
		r, n := nextRune(s[i:])
		i += n
		if !xmlChar(r) {
			continue
		}
		if r == '>' && len(b)-start >= 2 && b[len(b)-1] == ']' && b[len(b)-2] == ']' {
			b = append(b, "]]><![CDATA[>"...)
			continue
		}
		b = utf8.AppendRune(b, r)
	}
	return b
}

// appendText appends s escaped as character data: & < > and CR escaped,
// quotes, LF and tab literal, non-ASCII as raw UTF-8.
func appendText(b []byte, s string) []byte {
	if plain(s, slowText) {
		return append(b, s...)
	}
	for i := 0; i < len(s); {
		r, n := nextRune(s[i:])
		i += n
		switch {
		case !xmlChar(r):
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '\r':
			b = append(b, "&#13;"...)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}

const hexUpper = "0123456789ABCDEF"

// appendAttr appends s escaped for a double-quoted attribute value, every
// non-ASCII character as an upper-case hexadecimal character reference.
func appendAttr(b []byte, s string) []byte {
	if plain(s, slowAttr) {
		return append(b, s...)
	}
	for i := 0; i < len(s); {
		r, n := nextRune(s[i:])
		i += n
		switch {
		case !xmlChar(r):
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '"':
			b = append(b, "&quot;"...)
		case r == '\t':
			b = append(b, "&#9;"...)
		case r == '\n':
			b = append(b, "&#10;"...)
		case r == '\r':
			b = append(b, "&#13;"...)
		case r >= utf8.RuneSelf:
			b = append(b, "&#x"...)
			started := false
			for shift := 20; shift >= 0; shift -= 4 {
				d := (r >> uint(shift)) & 0xF
				if d == 0 && !started {
					continue
				}
				started = true
				b = append(b, hexUpper[d])
			}
			b = append(b, ';')
		default:
			b = append(b, byte(r))
		}
	}
	return b
}
