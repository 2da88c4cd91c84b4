// Package phpform decodes and encodes form data in PHP's bracket notation
// (the format of PHP's $_POST and http_build_query): "jobs[0][job_name]=x",
// "uids[]=1&uids[]=2", arbitrarily deep.
//
// Decoded values are string leaves, []any for PHP arrays whose keys are all
// integers (in the order the keys first appeared on the wire) and
// map[string]any for any other PHP array.
package phpform

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Limits bound what Parse accepts. Zero fields take the defaults.
type Limits struct {
	// MaxVars is the largest number of variables (key=value pairs).
	// Default 100000.
	MaxVars int
	// MaxDepth is the deepest bracket nesting. Default 64.
	MaxDepth int
}

// Default limits (docs/protocol/plugin-api.md#request-limits).
const (
	DefaultMaxVars  = 100000
	DefaultMaxDepth = 64
)

// Errors for input over the limits; the whole request is rejected, never
// silently truncated.
var (
	ErrTooManyVars = errors.New("phpform: too many variables")
	ErrTooDeep     = errors.New("phpform: nesting too deep")
)

func (l Limits) withDefaults() Limits {
	if l.MaxVars <= 0 {
		l.MaxVars = DefaultMaxVars
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// node is a PHP array under construction: ordered keys plus values, which
// are string or *node.
type node struct {
	keys    []string
	vals    map[string]any
	nextIdx int64
}

func newNode() *node { return &node{vals: map[string]any{}} }

func (n *node) set(k string, v any) {
	if _, ok := n.vals[k]; !ok {
		n.keys = append(n.keys, k)
	}
	n.vals[k] = v
	if !isCanonicalInt(k) { // checked first: ParseInt allocates its error
		return
	}
	if i, err := strconv.ParseInt(k, 10, 64); err == nil && i >= n.nextIdx {
		if i < math.MaxInt64 {
			n.nextIdx = i + 1
		} else {
			n.nextIdx = i
		}
	}
}

// appendKey returns the key "[]" appends under; full is true when that
// key is taken already (after the largest integer key PHP appends nothing).
func (n *node) appendKey() (key string, full bool) {
	key = strconv.FormatInt(n.nextIdx, 10)
	_, full = n.vals[key]
	return key, full
}

// isCanonicalInt reports whether PHP would treat the array key k as an
// integer key ("0", "12", "-3", but not "01" or "+1").
func isCanonicalInt(k string) bool {
	if k == "" {
		return false
	}
	s := k
	if s[0] == '-' {
		s = s[1:]
		if s == "" || s == "0" {
			return false
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	_, err := strconv.ParseInt(k, 10, 64)
	return err == nil
}

// ParseQuery decodes a raw "a=b&c[d]=e" string (a form body or URL query)
// in wire order, as PHP fills $_POST: pairs are split on '&', key and value
// are URL-decoded like PHP's urldecode (a '%' not followed by two hex
// digits is kept as it is), empty pairs are skipped and not counted. The
// only errors are ErrTooManyVars and ErrTooDeep; the whole input is then
// rejected (PHP would silently drop variables instead).
func ParseQuery(raw string, lim Limits) (map[string]any, error) {
	lim = lim.withDefaults()
	root := newNode()
	count := 0
	for key, val := range Pairs(raw) {
		count++
		if count > lim.MaxVars {
			return nil, ErrTooManyVars
		}
		if err := insert(root, key, val, lim.MaxDepth); err != nil {
			return nil, err
		}
	}
	return root.toMap(), nil
}

// Pairs yields the decoded key/value pairs of a raw query string in wire
// order, skipping empty pairs. A pair without '=' has the value "".
func Pairs(raw string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for raw != "" {
			var pair string
			if i := strings.IndexByte(raw, '&'); i >= 0 {
				pair, raw = raw[:i], raw[i+1:]
			} else {
				pair, raw = raw, ""
			}
			if pair == "" {
				continue
			}
			k, v, _ := strings.Cut(pair, "=")
			if !yield(URLDecode(k), URLDecode(v)) {
				return
			}
		}
	}
}

// URLDecode decodes like PHP's urldecode: '+' is a space, "%XY" with two
// hex digits is that byte, and any other '%' stays as it is (so "%zz" and a
// trailing "%" come through literally). It never fails.
func URLDecode(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// Parse decodes already split form values (e.g. a multipart form). Go's
// url.Values has no order, so keys are taken in sorted order; values of one
// key keep their order.
func Parse(vals url.Values, lim Limits) (map[string]any, error) {
	lim = lim.withDefaults()
	root := newNode()
	count := 0
	for k, v := range valuePairs(vals) {
		count++
		if count > lim.MaxVars {
			return nil, ErrTooManyVars
		}
		if err := insert(root, k, v, lim.MaxDepth); err != nil {
			return nil, err
		}
	}
	return root.toMap(), nil
}

// valuePairs yields the pairs of vals in the order Parse uses.
func valuePairs(vals url.Values) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, k := range sortedKeys2(vals) {
			for _, v := range vals[k] {
				if !yield(k, v) {
					return
				}
			}
		}
	}
}

// Lookup reports what PHP would hold under the top-level name after
// decoding raw, without building the tree and without limits: found is
// false when no variable of that name is sent, scalar is true (and value
// set) when the last one is a plain string, false when it is an array.
// It lets a caller echo e.g. a trace id of a request that ParseQuery
// rejected as too large.
func Lookup(raw, name string) (value string, scalar, found bool) {
	return lookup(Pairs(raw), name)
}

// LookupValues is Lookup for already split values (the order of Parse).
func LookupValues(vals url.Values, name string) (value string, scalar, found bool) {
	return lookup(valuePairs(vals), name)
}

func lookup(pairs iter.Seq2[string, string], name string) (value string, scalar, found bool) {
	for k, v := range pairs {
		base, segs, ok := splitKey(k)
		if !ok || base != name {
			continue
		}
		found = true
		if len(segs) == 0 {
			value, scalar = v, true
		} else {
			value, scalar = "", false
		}
	}
	return value, scalar, found
}

// splitKey splits a decoded variable name the way PHP does: the name is
// cut at the first NUL byte, leading spaces are dropped, the base name
// runs up to the first '[' and is renamed ('.' and ' ' become '_'), then
// come the bracket segments "[seg]". A '[' without a closing ']' at the
// first level is no bracket: it and any ' ', '.', '[' after it become '_'
// and the whole name is one plain variable; at a deeper level the unclosed
// rest is dropped. Only a '[' directly after a ']' opens another segment;
// anything else ends the name. One leading white-space character of a
// segment is skipped when it is all there is ("[ ]" appends like "[]").
// depth counts every '[' PHP looks at, the unclosed one included. ok is
// false for a variable PHP ignores (empty base name).
func splitKey(key string) (base string, segs []string, ok bool) {
	base, segs, _, ok = splitKeyDepth(key, -1)
	return base, segs, ok
}

// splitKeyDepth is splitKey stopping with tooDeep as soon as more than
// maxDepth segments are opened (maxDepth < 0: no limit).
func splitKeyDepth(key string, maxDepth int) (base string, segs []string, tooDeep, ok bool) {
	if i := strings.IndexByte(key, 0); i >= 0 {
		key = key[:i]
	}
	key = strings.TrimLeft(key, " ")
	i := strings.IndexByte(key, '[')
	if i < 0 {
		base = phpMangleBase(key)
		return base, nil, false, base != ""
	}
	if i == 0 {
		return "", nil, false, false
	}
	base = phpMangleBase(key[:i])
	rest := key[i:]             // starts with '['
	segs = make([]string, 0, 4) // one allocation for the usual depths
	first := true
	depth := 0
	for rest != "" && rest[0] == '[' {
		depth++
		if maxDepth >= 0 && depth > maxDepth {
			return base, nil, true, true
		}
		inner := rest[1:]
		if inner != "" && isSpace(inner[0]) && len(inner) > 1 && inner[1] == ']' {
			segs = append(segs, "")
			rest = inner[2:]
			first = false
			continue
		}
		end := strings.IndexByte(inner, ']')
		if end < 0 {
			if first {
				// Not a bracket at all: the whole name is one variable.
				return phpMangleBase(key), nil, false, true
			}
			break
		}
		segs = append(segs, inner[:end])
		rest = inner[end+1:]
		first = false
	}
	return base, segs, false, true
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// insert places one key=value pair into the tree following PHP's rules.
func insert(root *node, key, val string, maxDepth int) error {
	base, segs, tooDeep, ok := splitKeyDepth(key, maxDepth)
	if tooDeep {
		return ErrTooDeep
	}
	if !ok {
		return nil // PHP ignores variables without a name
	}
	cur := root
	k := base
	for _, seg := range segs {
		child, isNode := cur.vals[k].(*node)
		if !isNode {
			child = newNode()
			cur.set(k, child)
		}
		cur = child
		if seg == "" {
			var full bool
			if seg, full = cur.appendKey(); full {
				return nil // PHP cannot append after the largest integer key
			}
		}
		k = seg
	}
	cur.set(k, val)
	return nil
}

// phpMangleBase applies PHP's renaming of top-level names: '.', ' ' and a
// stray '[' become '_'.
func phpMangleBase(s string) string {
	if !strings.ContainsAny(s, ". [") {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c == '.' || c == ' ' || c == '[' {
			b[i] = '_'
		}
	}
	return string(b)
}

func (n *node) convert() any {
	allInt := len(n.keys) > 0
	for _, k := range n.keys {
		if !isCanonicalInt(k) {
			allInt = false
			break
		}
	}
	if allInt {
		out := make([]any, 0, len(n.keys))
		for _, k := range n.keys {
			out = append(out, convertVal(n.vals[k]))
		}
		return out
	}
	return n.toMap()
}

func (n *node) toMap() map[string]any {
	out := make(map[string]any, len(n.keys))
	for _, k := range n.keys {
		out[k] = convertVal(n.vals[k])
	}
	return out
}

func convertVal(v any) any {
	if c, ok := v.(*node); ok {
		return c.convert()
	}
	return v
}

// Encode flattens a value tree into form values with PHP http_build_query
// semantics: nested maps and slices become bracketed keys (a[b][0]=x),
// booleans "1"/"0", nil values and empty arrays are left out, numbers and
// fmt.Stringers are formatted. Map keys are emitted in sorted order.
func Encode(m map[string]any) url.Values {
	out := url.Values{}
	keys := sortedKeys(m)
	for _, k := range keys {
		encodeValue(out, k, m[k])
	}
	return out
}

// EncodeString is Encode rendered as a query string with the keys in
// deterministic order and the brackets left readable.
func EncodeString(m map[string]any) string {
	var b strings.Builder
	for _, k := range sortedKeys(m) {
		appendPairs(&b, k, m[k])
	}
	return b.String()
}

func appendPairs(b *strings.Builder, prefix string, v any) {
	vals := url.Values{}
	encodeValue(vals, prefix, v)
	for _, k := range sortedKeys2(vals) {
		for _, s := range vals[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(escapeKey(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(s))
		}
	}
}

func escapeKey(k string) string {
	return strings.NewReplacer("%5B", "[", "%5D", "]").Replace(url.QueryEscape(k))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedKeys2(m url.Values) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func encodeValue(out url.Values, key string, v any) {
	switch x := v.(type) {
	case nil:
		return
	case string:
		out.Add(key, x)
	case bool:
		if x {
			out.Add(key, "1")
		} else {
			out.Add(key, "0")
		}
	case int:
		out.Add(key, strconv.Itoa(x))
	case int64:
		out.Add(key, strconv.FormatInt(x, 10))
	case float64:
		out.Add(key, strconv.FormatFloat(x, 'f', -1, 64))
	case map[string]any:
		for _, k := range sortedKeys(x) {
			encodeValue(out, key+"["+k+"]", x[k])
		}
	case []any:
		for i, e := range x {
			encodeValue(out, key+"["+strconv.Itoa(i)+"]", e)
		}
	case []string:
		for i, e := range x {
			out.Add(key+"["+strconv.Itoa(i)+"]", e)
		}
	case fmt.Stringer:
		out.Add(key, x.String())
	default:
		encodeReflect(out, key, reflect.ValueOf(v))
	}
}

func encodeReflect(out url.Values, key string, rv reflect.Value) {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return
		}
		encodeValue(out, key, rv.Elem().Interface())
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			encodeValue(out, key+"["+strconv.Itoa(i)+"]", rv.Index(i).Interface())
		}
	case reflect.Map:
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			encodeValue(out, key+"["+fmt.Sprint(k.Interface())+"]", rv.MapIndex(k).Interface())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		out.Add(key, strconv.FormatInt(rv.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		out.Add(key, strconv.FormatUint(rv.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		out.Add(key, strconv.FormatFloat(rv.Float(), 'f', -1, 64))
	case reflect.Bool:
		encodeValue(out, key, rv.Bool())
	case reflect.String:
		out.Add(key, rv.String())
	default:
		out.Add(key, fmt.Sprint(rv.Interface()))
	}
}

// SortKeys orders the keys of a PHP array as PHP lists them when the array
// arrives spelled as a JSON object: integer keys numerically first, then
// the other keys in byte order.
func SortKeys(keys []string) {
	sort.Slice(keys, func(i, j int) bool {
		a, aerr := strconv.ParseInt(keys[i], 10, 64)
		b, berr := strconv.ParseInt(keys[j], 10, 64)
		switch {
		case aerr == nil && berr == nil:
			return a < b
		case aerr == nil:
			return true
		case berr == nil:
			return false
		}
		return keys[i] < keys[j]
	})
}
