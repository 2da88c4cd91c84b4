package shopgate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/internal/phpform"
)

// The Merchant API is written in PHP, whose JSON output is loosely typed:
// numbers arrive as strings, flags as 0/1, empty objects as [], lists with
// gaps as objects. unmarshalLenient decodes such JSON into Go structs by
// coercing each value to the field's type, and fails only when a value
// cannot mean anything of that type (so money is never silently lost).
//
// Inside a type implementing decodeNoter (an [Order]) decoding is best-effort
// for informational fields
// (docs/protocol/orders.md#r12-discrepancies-never-fail): a value that cannot
// be coerced leaves the field at its zero value (a string field receiving an
// object or list keeps its JSON text) and is recorded as a note instead of
// failing the whole order. Money (decimal) and flags (bool) stay strict
// everywhere, as do fields tagged sg:"strict".

var (
	decimalType = reflect.TypeFor[decimal.Decimal]()
	timeType    = reflect.TypeFor[time.Time]()
	rawType     = reflect.TypeFor[json.RawMessage]()
)

// decodeNoter is implemented by types whose informational fields are
// decoded best-effort; setDecodeNotes receives what was left out.
type decodeNoter interface {
	setDecodeNotes(notes []string)
}

// rawKeeper is implemented by types that keep the JSON they were decoded
// from; setRaw receives a copy of exactly those bytes.
type rawKeeper interface {
	setRaw(raw json.RawMessage)
}

// unmarshalLenient decodes data into the struct, slice or map pointed to by v.
func unmarshalLenient(data []byte, v any) error {
	generic, err := decodeGeneric(data)
	if err != nil {
		return err
	}
	if err := assignLenient(v, generic); err != nil {
		return err
	}
	return attachRaw(data, v)
}

// attachRaw hands the raw JSON of v (a rawKeeper, or a slice of them) to
// v after a successful decode: each element gets its own bytes as
// received, also when PHP spelled the list as an object.
func attachRaw(data []byte, v any) error {
	if k, ok := v.(rawKeeper); ok {
		k.setRaw(bytes.Clone(bytes.TrimSpace(data)))
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Slice {
		return nil
	}
	sl := rv.Elem()
	if !reflect.PointerTo(sl.Type().Elem()).Implements(reflect.TypeFor[rawKeeper]()) || sl.Len() == 0 {
		return nil
	}
	var elems []json.RawMessage
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &elems); err != nil {
			return fmt.Errorf("keep raw elements: %w", err)
		}
	case len(trimmed) > 0 && trimmed[0] == '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &obj); err != nil {
			return fmt.Errorf("keep raw elements: %w", err)
		}
		for _, k := range listKeys(obj) {
			elems = append(elems, obj[k])
		}
	}
	if len(elems) != sl.Len() {
		return nil
	}
	for i, e := range elems {
		sl.Index(i).Addr().Interface().(rawKeeper).setRaw(bytes.Clone(e))
	}
	return nil
}

// listKeys returns the keys of a PHP list spelled as an object in list
// order (see phpform.SortKeys).
func listKeys[V any](obj map[string]V) []string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	phpform.SortKeys(keys)
	return keys
}

// decodeGeneric decodes JSON into any, keeping numbers as json.Number.
func decodeGeneric(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("invalid character after top-level value")
	}
	return generic, nil
}

// assignLenient stores the generic JSON value src in the value v points to.
func assignLenient(v any, src any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("lenient decode: need a non-nil pointer, got %T", v)
	}
	return (&decodeState{}).assignValue(rv.Elem(), src, "")
}

// decodeState carries the mode of one decode: strict, or best-effort for
// informational fields with the notes of what was left out.
type decodeState struct {
	// bestEffort is set inside a decodeNoter.
	bestEffort bool
	// root is the path of the decodeNoter, cut from the notes' paths.
	root  string
	notes []string
}

// note records a value that was left out (or kept as JSON text).
func (st *decodeState) note(e *lenientError, what string) {
	p := strings.TrimPrefix(strings.TrimPrefix(e.path, st.root), ".")
	st.notes = append(st.notes, fmt.Sprintf("%s: %s; %s", p, e.msg, what))
}

// lenientError reports a value that cannot be coerced, with its path.
// hard errors (money, flags, strict fields) are never decoded
// best-effort.
type lenientError struct {
	path string
	msg  string
	hard bool
}

// Error implements error.
func (e *lenientError) Error() string {
	if e.path == "" {
		return "decode: " + e.msg
	}
	return "decode " + e.path + ": " + e.msg
}

func mismatch(path string, src any, want string) error {
	return &lenientError{path: path, msg: fmt.Sprintf("cannot use %s as %s", describe(src), want)}
}

func describe(src any) string {
	switch s := src.(type) {
	case nil:
		return "null"
	case string:
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return strconv.Quote(s)
	case json.Number:
		return "number " + s.String()
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", src)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// hardMismatch is a mismatch that is never decoded best-effort.
func hardMismatch(path string, src any, want string) error {
	return &lenientError{path: path, msg: fmt.Sprintf("cannot use %s as %s", describe(src), want), hard: true}
}

// assignValue coerces src into dst, which must be settable.
func (st *decodeState) assignValue(dst reflect.Value, src any, path string) error {
	switch dst.Type() {
	case decimalType:
		d, err := toDecimal(src)
		if err != nil {
			return hardMismatch(path, src, "decimal")
		}
		dst.Set(reflect.ValueOf(d))
		return nil
	case timeType:
		t, err := toTime(src)
		if err != nil {
			return mismatch(path, src, "time")
		}
		dst.Set(reflect.ValueOf(t))
		return nil
	case rawType:
		if src == nil {
			dst.SetZero()
			return nil
		}
		b, err := json.Marshal(src)
		if err != nil {
			return &lenientError{path: path, msg: err.Error()}
		}
		dst.SetBytes(b)
		return nil
	}

	switch dst.Kind() {
	case reflect.Interface:
		if src == nil {
			dst.SetZero()
			return nil
		}
		sv := reflect.ValueOf(src)
		if !sv.Type().AssignableTo(dst.Type()) {
			return mismatch(path, src, dst.Type().String())
		}
		dst.Set(sv)
		return nil
	case reflect.Pointer:
		if src == nil {
			dst.SetZero()
			return nil
		}
		p := reflect.New(dst.Type().Elem())
		if err := st.assignValue(p.Elem(), src, path); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	case reflect.String:
		s, ok := toString(src)
		if !ok {
			return mismatch(path, src, "string")
		}
		dst.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := toBool(src)
		if !ok {
			return hardMismatch(path, src, "flag")
		}
		dst.SetBool(b)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := toInt(src)
		if !ok || dst.OverflowInt(n) {
			return mismatch(path, src, "integer")
		}
		dst.SetInt(n)
		return nil
	case reflect.Struct:
		if !st.bestEffort && dst.CanAddr() {
			if n, ok := dst.Addr().Interface().(decodeNoter); ok {
				sub := &decodeState{bestEffort: true, root: path}
				if err := sub.assignStruct(dst, src, path); err != nil {
					return err
				}
				sort.Strings(sub.notes)
				n.setDecodeNotes(sub.notes)
				return nil
			}
		}
		return st.assignStruct(dst, src, path)
	case reflect.Slice:
		return st.assignSlice(dst, src, path)
	case reflect.Map:
		return st.assignMap(dst, src, path)
	}
	return &lenientError{path: path, msg: "unsupported Go type " + dst.Type().String(), hard: true}
}

func (st *decodeState) assignStruct(dst reflect.Value, src any, path string) error {
	var obj map[string]any
	switch s := src.(type) {
	case nil:
		dst.SetZero()
		return nil
	case map[string]any:
		obj = s
	case []any:
		// PHP encodes an empty associative array as [].
		if len(s) == 0 {
			dst.SetZero()
			return nil
		}
		return mismatch(path, src, "object")
	default:
		return mismatch(path, src, "object")
	}
	fields := structFields(dst.Type())
	for key, val := range obj {
		fi, ok := fields[key]
		if !ok {
			continue
		}
		f := dst.FieldByIndex(fi.index)
		err := st.assignValue(f, val, joinPath(path, key))
		if err == nil {
			continue
		}
		le, ok := err.(*lenientError)
		if !ok || le.hard {
			return err
		}
		if fi.strict {
			le.hard = true
			return le
		}
		if !st.bestEffort {
			return err
		}
		// An informational field: keep what can be kept, note the rest.
		f.SetZero()
		if f.Kind() == reflect.String {
			switch val.(type) {
			case map[string]any, []any:
				if b, jerr := json.Marshal(val); jerr == nil {
					f.SetString(string(b))
					st.note(le, "kept as JSON text")
					continue
				}
			}
		}
		st.note(le, "left out")
	}
	return nil
}

func (st *decodeState) assignSlice(dst reflect.Value, src any, path string) error {
	var elems []any
	switch s := src.(type) {
	case nil:
		dst.SetZero()
		return nil
	case []any:
		elems = s
	case map[string]any:
		// PHP encodes a list whose keys are not 0..n-1 as an object.
		keys := listKeys(s)
		elems = make([]any, len(keys))
		for i, k := range keys {
			elems[i] = s[k]
		}
	default:
		return mismatch(path, src, "list")
	}
	out := reflect.MakeSlice(dst.Type(), len(elems), len(elems))
	for i, e := range elems {
		if err := st.assignValue(out.Index(i), e, path+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	dst.Set(out)
	return nil
}

func (st *decodeState) assignMap(dst reflect.Value, src any, path string) error {
	if dst.Type().Key().Kind() != reflect.String {
		return &lenientError{path: path, msg: "unsupported map key type", hard: true}
	}
	var obj map[string]any
	switch s := src.(type) {
	case nil:
		dst.SetZero()
		return nil
	case map[string]any:
		obj = s
	case []any:
		obj = make(map[string]any, len(s))
		for i, e := range s {
			obj[strconv.Itoa(i)] = e
		}
	default:
		return mismatch(path, src, "object")
	}
	out := reflect.MakeMapWithSize(dst.Type(), len(obj))
	elemType := dst.Type().Elem()
	for k, val := range obj {
		ev := reflect.New(elemType).Elem()
		if err := st.assignValue(ev, val, joinPath(path, k)); err != nil {
			return err
		}
		out.SetMapIndex(reflect.ValueOf(k).Convert(dst.Type().Key()), ev)
	}
	dst.Set(out)
	return nil
}

// fieldInfo locates a struct field by its JSON key. strict fields (tag
// sg:"strict") are never decoded best-effort.
type fieldInfo struct {
	index  []int
	strict bool
}

// fieldCache maps a struct type to its JSON keys and fields, flattening
// embedded structs the way encoding/json does.
var fieldCache sync.Map // reflect.Type -> map[string]fieldInfo

func structFields(t reflect.Type) map[string]fieldInfo {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]fieldInfo)
	}
	m := make(map[string]fieldInfo)
	collectFields(t, nil, m)
	fieldCache.Store(t, m)
	return m
}

func collectFields(t reflect.Type, prefix []int, m map[string]fieldInfo) {
	var embedded [][]int
	for i := range t.NumField() {
		f := t.Field(i)
		idx := append(append([]int(nil), prefix...), i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			embedded = append(embedded, idx)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = fieldInfo{index: idx, strict: f.Tag.Get("sg") == "strict"}
	}
	// Fields of the outer struct win over those of embedded structs.
	for _, idx := range embedded {
		inner := make(map[string]fieldInfo)
		collectFields(t.FieldByIndex(idx).Type, idx, inner)
		for k, v := range inner {
			if _, exists := m[k]; !exists {
				m[k] = v
			}
		}
	}
}

// toString accepts strings, numbers (their literal text), flags ("1"/"0")
// and null or an empty list ("").
func toString(src any) (string, bool) {
	switch s := src.(type) {
	case nil:
		return "", true
	case string:
		return s, true
	case json.Number:
		return s.String(), true
	case bool:
		if s {
			return "1", true
		}
		return "0", true
	case []any:
		return "", len(s) == 0
	}
	return "", false
}

// toBool accepts booleans, numbers (non-zero is true) and the strings PHP
// and HTML forms use for flags.
func toBool(src any) (bool, bool) {
	switch s := src.(type) {
	case nil:
		return false, true
	case bool:
		return s, true
	case json.Number:
		f, err := s.Float64()
		if err != nil {
			return false, false
		}
		return f != 0, true
	case string:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "", "0", "false", "no", "off":
			return false, true
		case "1", "true", "yes", "on":
			return true, true
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return f != 0, true
		}
	}
	return false, false
}

// toInt accepts integral numbers, numeric strings, flags and null.
func toInt(src any) (int64, bool) {
	var text string
	switch s := src.(type) {
	case nil:
		return 0, true
	case bool:
		if s {
			return 1, true
		}
		return 0, true
	case json.Number:
		text = s.String()
	case string:
		text = strings.TrimSpace(s)
		if text == "" {
			return 0, true
		}
	default:
		return 0, false
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f != math.Trunc(f) || math.IsInf(f, 0) || f > math.MaxInt64 || f < math.MinInt64 {
		return 0, false
	}
	return int64(f), true
}

// maxDecimalText and maxDecimalExp bound accepted decimals: a value like
// "1e999999999" would parse, but printing it would take gigabytes.
const (
	maxDecimalText = 64
	maxDecimalExp  = 40
)

// toDecimal accepts numbers and numeric strings; null and "" are zero.
func toDecimal(src any) (decimal.Decimal, error) {
	var text string
	switch s := src.(type) {
	case nil:
		return decimal.Zero, nil
	case json.Number:
		text = s.String()
	case string:
		text = strings.TrimSpace(s)
		if text == "" {
			return decimal.Zero, nil
		}
	default:
		return decimal.Zero, fmt.Errorf("not a number")
	}
	if len(text) > maxDecimalText {
		return decimal.Zero, fmt.Errorf("number too long")
	}
	d, err := decimal.NewFromString(text)
	if err != nil {
		return decimal.Zero, err
	}
	if e := d.Exponent(); e > maxDecimalExp || e < -maxDecimalExp {
		return decimal.Zero, fmt.Errorf("number out of range")
	}
	return d, nil
}

// timeLayouts are the forms in which Shopgate sends times, ISO 8601 first.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05-07:00",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// toTime accepts ISO 8601 strings (with or without offset; without means
// UTC), Unix seconds, and null, "" or PHP's zero date as the zero time.
func toTime(src any) (time.Time, error) {
	switch s := src.(type) {
	case nil:
		return time.Time{}, nil
	case json.Number:
		n, err := s.Int64()
		if err != nil {
			return time.Time{}, err
		}
		// Keep times encodable again (encoding/json allows years 0–9999).
		if n < -62167219200 || n > 253402300799 {
			return time.Time{}, fmt.Errorf("time out of range")
		}
		return time.Unix(n, 0).UTC(), nil
	case string:
		t := strings.TrimSpace(s)
		if t == "" || strings.HasPrefix(t, "0000-00-00") {
			return time.Time{}, nil
		}
		for _, layout := range timeLayouts {
			if v, err := time.Parse(layout, t); err == nil {
				return v, nil
			}
		}
		return time.Time{}, fmt.Errorf("unknown time format")
	}
	return time.Time{}, fmt.Errorf("not a time")
}
