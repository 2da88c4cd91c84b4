package phpform

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// This file holds a small reference model of how PHP fills $_POST from an
// application/x-www-form-urlencoded body (PHP 8.2: main/php_variables.c,
// ext/standard/url.c), written independently of phpform.go: it walks a
// NUL-terminated byte buffer the way the C code walks its string, and it
// keeps integer and string array keys apart as PHP's hash tables do. The
// fuzz target compares ParseQuery with it.
//
// Where our decoder deviates on purpose (docs/protocol/plugin-api.md,
// request limits) the model follows the documented rule: more variables
// than allowed or nesting deeper than allowed rejects the whole input
// instead of PHP's silent dropping, and empty pairs ("&&") are not counted.

var (
	errRefTooMany = errors.New("ref: too many variables")
	errRefTooDeep = errors.New("ref: too deep")
)

// refKey is a PHP array key: an integer or a string.
type refKey struct {
	isInt bool
	i     int64
	s     string
}

func (k refKey) String() string {
	if k.isInt {
		return strconv.FormatInt(k.i, 10)
	}
	return k.s
}

// symtableKey turns a string key into an integer key when PHP would
// (a canonical decimal integer within int64; "-0", "01", "+1" stay strings).
func symtableKey(s string) refKey {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(n, 10) == s {
		return refKey{isInt: true, i: n}
	}
	return refKey{s: s}
}

// refArray is an ordered PHP array.
type refArray struct {
	order []refKey
	vals  map[refKey]any // string or *refArray
	next  int64          // nNextFreeElement (PHP < 8.3: starts at 0)
}

func newRefArray() *refArray { return &refArray{vals: map[refKey]any{}} }

func (a *refArray) update(k refKey, v any) {
	if _, ok := a.vals[k]; !ok {
		a.order = append(a.order, k)
	}
	a.vals[k] = v
	if k.isInt && k.i >= a.next {
		if k.i == 1<<63-1 {
			a.next = k.i
		} else {
			a.next = k.i + 1
		}
	}
}

// appendNext is zend_hash_next_index_insert: false when the next key is
// taken (after the largest integer).
func (a *refArray) appendNext(v any) bool {
	k := refKey{isInt: true, i: a.next}
	if _, taken := a.vals[k]; taken {
		return false
	}
	a.update(k, v)
	return true
}

// export converts to phpform's documented shape: []any when every key is
// an integer (in insertion order), else map[string]any.
func (a *refArray) export() any {
	allInt := len(a.order) > 0
	for _, k := range a.order {
		allInt = allInt && k.isInt
	}
	conv := func(v any) any {
		if c, ok := v.(*refArray); ok {
			return c.export()
		}
		return v
	}
	if allInt {
		out := []any{}
		for _, k := range a.order {
			out = append(out, conv(a.vals[k]))
		}
		return out
	}
	out := map[string]any{}
	for _, k := range a.order {
		out[k.String()] = conv(a.vals[k])
	}
	return out
}

// refURLDecode is php_url_decode.
func refURLDecode(s string) string {
	out := []byte{}
	for i := 0; i < len(s); i++ {
		if s[i] == '+' {
			out = append(out, ' ')
			continue
		}
		if s[i] == '%' && len(s)-i >= 3 {
			if strings.ContainsRune("+-", rune(s[i+1])) {
				out = append(out, s[i])
				continue
			}
			if b, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				out = append(out, byte(b))
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return string(out)
}

func cstrlen(b []byte, from int) int {
	n := 0
	for b[from+n] != 0 {
		n++
	}
	return n
}

// cstrchr is strchr: the offset of c at or after from, before the NUL.
func cstrchr(b []byte, from int, c byte) int {
	for i := from; b[i] != 0; i++ {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func cIsSpace(c byte) bool { return strings.IndexByte(" \t\n\v\f\r", c) >= 0 && c != 0 }

// refRegister is php_register_variable_ex on a C string.
func refRegister(root *refArray, name, val string, maxDepth int) error {
	b := append([]byte(name), 0)
	start := 0
	for b[start] == ' ' {
		start++
	}
	v := append(append([]byte{}, b[start:start+cstrlen(b, start)]...), 0)
	isArray, ip, p := false, 0, 0
	for ; v[p] != 0; p++ {
		if v[p] == ' ' || v[p] == '.' {
			v[p] = '_'
		} else if v[p] == '[' {
			isArray, ip = true, p
			v[p] = 0
			break
		}
	}
	if p == 0 {
		return nil
	}
	sym := root
	index, indexLen := 0, p // index < 0 is NULL (append)
	plain := func() error {
		if index < 0 {
			sym.appendNext(val)
		} else {
			sym.update(symtableKey(string(v[index:index+indexLen])), val)
		}
		return nil
	}
	if !isArray {
		return plain()
	}
	for nest := 1; ; nest++ {
		if nest > maxDepth {
			return errRefTooDeep
		}
		ip++
		indexS := ip
		if cIsSpace(v[ip]) {
			ip++
		}
		newLen := 0
		if v[ip] == ']' {
			indexS = -1
		} else {
			end := cstrchr(v, ip, ']')
			if end < 0 {
				v[indexS-1] = '_'
				for q := indexS; v[q] != 0; q++ {
					if v[q] == ' ' || v[q] == '.' || v[q] == '[' {
						v[q] = '_'
					}
				}
				if index >= 0 {
					indexLen = cstrlen(v, index)
				}
				return plain()
			}
			ip = end
			v[ip] = 0
			newLen = cstrlen(v, indexS)
		}
		var child *refArray
		if index < 0 {
			child = newRefArray()
			if !sym.appendNext(child) {
				return nil
			}
		} else {
			k := symtableKey(string(v[index : index+indexLen]))
			if c, ok := sym.vals[k].(*refArray); ok {
				child = c
			} else {
				child = newRefArray()
				sym.update(k, child)
			}
		}
		sym = child
		index, indexLen = indexS, newLen
		ip++
		if v[ip] != '[' {
			return plain()
		}
		v[ip] = 0
	}
}

// refParse decodes a body the way PHP's POST reader does, with the
// documented limit rule.
func refParse(body string, maxVars, maxDepth int) (map[string]any, error) {
	root := newRefArray()
	n := 0
	for _, pair := range strings.Split(body, "&") {
		if pair == "" {
			continue
		}
		n++
		if n > maxVars {
			return nil, errRefTooMany
		}
		name, val := pair, ""
		if eq := strings.IndexByte(pair, '='); eq >= 0 {
			name, val = pair[:eq], pair[eq+1:]
		}
		if err := refRegister(root, refURLDecode(name), refURLDecode(val), maxDepth); err != nil {
			return nil, err
		}
	}
	if len(root.order) == 0 {
		return map[string]any{}, nil
	}
	m, ok := root.export().(map[string]any)
	if !ok {
		// Top-level names are always variable names; integer-looking
		// ones ("5=x") are still keys of $_POST, shown as strings.
		m = map[string]any{}
		for _, k := range root.order {
			v := root.vals[k]
			if c, isArr := v.(*refArray); isArr {
				m[k.String()] = c.export()
			} else {
				m[k.String()] = v
			}
		}
	}
	return m, nil
}

// compareWithReference checks ParseQuery against the model for one input
// and limit pair.
func compareWithReference(t *testing.T, body string, lim Limits) {
	t.Helper()
	got, err := ParseQuery(body, lim)
	l := lim.withDefaults()
	want, werr := refParse(body, l.MaxVars, l.MaxDepth)
	switch {
	case werr == errRefTooMany:
		if !errors.Is(err, ErrTooManyVars) {
			t.Fatalf("ParseQuery(%q, %+v): err %v, want too many variables", body, lim, err)
		}
	case werr == errRefTooDeep:
		if !errors.Is(err, ErrTooDeep) {
			t.Fatalf("ParseQuery(%q, %+v): err %v, want too deep", body, lim, err)
		}
	case err != nil:
		t.Fatalf("ParseQuery(%q, %+v): unexpected error %v", body, lim, err)
	case !reflect.DeepEqual(got, want):
		t.Fatalf("ParseQuery(%q, %+v)\n got %#v\nwant %#v", body, lim, got, want)
	default:
		// Lookup must agree with the tree for every top-level name.
		for k, v := range want {
			s, scalar, found := Lookup(body, k)
			ws, wscalar := v.(string)
			if !found || scalar != wscalar || s != ws {
				t.Fatalf("Lookup(%q, %q) = %q %v %v, tree has %#v", body, k, s, scalar, found, v)
			}
		}
	}
}

// referenceCases are inputs worth keeping in every run (also seeds).
var referenceCases = []string{
	"", "a=1", "a=1&a=2", "a=1&a[x]=2", "a[x]=2&a=1", "a[]=1&a[]=2&a[5]=x&a[]=y",
	"a[-5]=x&a[]=y", "a[9223372036854775807]=x&a[]=y", "a[9223372036854775806]=x&a[]=y&a[]=z",
	"a[][x]=1&a[][y]=2", "a[b][c]=1&a[b][d]=2&a[e]=3", "a[b=1", "a[b][c=1", "a[][c=1", "a.b c[d.e f]=1",
	" a=1", "%20%20a=1", "a%00b=1", "a[x%00]=1", "a[ ]=1&a[\t]=2&a[ x]=3&a[  ]=4", "a[]x=1", "a[b]c[d]=1",
	"[x]=1", "=1", "a", "a&b&&c=", "%zz=%zz&x=%&y=%4&z=%4G", "+=1&a+b=c+d", "a=%2B%2b%3D&b=%5B%5D",
	"a%5Bx%5D=1", "a[01]=1&a[1]=2&a[-0]=3&a[-1]=4", "a[9223372036854775808]=1", "5=x&6[]=y",
	"a" + strings.Repeat("[x]", 5) + "=1", "a" + strings.Repeat("[]", 6) + "=1", "a" + strings.Repeat("[x]", 4) + "[y=1",
	strings.Repeat("v[]=1&", 9), "a=%-1&b=%+1&c=%0x1",
}

// TestReferenceModel runs the fixed cases with small and default limits.
func TestReferenceModel(t *testing.T) {
	for _, c := range referenceCases {
		compareWithReference(t, c, Limits{MaxVars: 8, MaxDepth: 5})
		compareWithReference(t, c, Limits{})
	}
	// The model itself, on examples from the Plugin API notes.
	m, err := refParse("jobs[0][job_name]=x&jobs[0][job_params][ids][]=1&uids[]=10&a.b=%zz", 1000, 64)
	want := map[string]any{
		"jobs": []any{map[string]any{"job_name": "x", "job_params": map[string]any{"ids": []any{"1"}}}},
		"uids": []any{"10"}, "a_b": "%zz",
	}
	if err != nil || !reflect.DeepEqual(m, want) {
		t.Fatalf("model = %#v, %v", m, err)
	}
}

// FuzzParseQueryReference compares ParseQuery with the reference model on
// random bodies: brackets, duplicate keys, invalid escapes, and both the
// variable and the nesting limit (small limits so that they are hit).
func FuzzParseQueryReference(f *testing.F) {
	for _, c := range referenceCases {
		f.Add(c, uint8(8), uint8(5))
	}
	f.Fuzz(func(t *testing.T, body string, maxVars, maxDepth uint8) {
		if len(body) > 4096 {
			return
		}
		compareWithReference(t, body, Limits{MaxVars: int(maxVars%16) + 1, MaxDepth: int(maxDepth%8) + 1})
		compareWithReference(t, body, Limits{})
	})
}
