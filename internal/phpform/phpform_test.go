package phpform

import (
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]any
	}{
		{"scalar", "action=cron", map[string]any{"action": "cron"}},
		{"nested list", "jobs[0][job_name]=cancel_orders&jobs[1][job_name]=x",
			map[string]any{"jobs": []any{map[string]any{"job_name": "cancel_orders"}, map[string]any{"job_name": "x"}}}},
		{"append", "jobs[0][job_params][order_numbers][]=1001&jobs[0][job_params][order_numbers][]=1002",
			map[string]any{"jobs": []any{map[string]any{"job_params": map[string]any{"order_numbers": []any{"1001", "1002"}}}}}},
		{"uids", "uids[]=10&uids[]=11", map[string]any{"uids": []any{"10", "11"}}},
		{"deep", "cart[items][0][item_number]=A1", map[string]any{"cart": map[string]any{"items": []any{map[string]any{"item_number": "A1"}}}}},
		{"last wins", "a=1&a=2", map[string]any{"a": "2"}},
		{"bracket replaces scalar", "a=1&a[x]=2", map[string]any{"a": map[string]any{"x": "2"}}},
		{"scalar replaces bracket", "a[x]=2&a=1", map[string]any{"a": "1"}},
		{"dot mangled", "a.b=1&c+d=2", map[string]any{"a_b": "1", "c_d": "2"}},
		{"escaped brackets", "a%5B0%5D=x", map[string]any{"a": []any{"x"}}},
		{"empty value", "x=", map[string]any{"x": ""}},
		{"no value", "x", map[string]any{"x": ""}},
		{"wire order of lists", "l[5]=a&l[1]=b", map[string]any{"l": []any{"a", "b"}}},
		{"mixed keys map", "l[0]=a&l[x]=b", map[string]any{"l": map[string]any{"0": "a", "x": "b"}}},
		{"leading zero key is string", "l[01]=a", map[string]any{"l": map[string]any{"01": "a"}}},
		{"append after explicit", "l[3]=a&l[]=b", map[string]any{"l": []any{"a", "b"}}},
		{"unclosed bracket", "a[b=1", map[string]any{"a_b": "1"}},
		{"nameless ignored", "[x]=1&=2&y=3", map[string]any{"y": "3"}},
		{"plus is space", "q=a+b", map[string]any{"q": "a b"}},
		{"skip empty pairs", "&&a=1&", map[string]any{"a": "1"}},
		{"invalid escapes literal", "t=%zz&x=%&%zz=1", map[string]any{"t": "%zz", "x": "%", "%zz": "1"}},
		{"escaped plus", "a=%2B+", map[string]any{"a": "+ "}},
		{"name cut at NUL", "a%00b=1&c[x%00y]=2", map[string]any{"a": "1", "c_x": "2"}},
		{"leading spaces of name", "+++a=1", map[string]any{"a": "1"}},
		{"space segment appends", "l[+]=a&l[%09]=b&l[+x]=c", map[string]any{"l": map[string]any{"0": "a", "1": "b", " x": "c"}}},
		{"deeper unclosed dropped", "a[b][c=1", map[string]any{"a": map[string]any{"b": "1"}}},
		{"text after bracket ends name", "a[b]x[c]=1", map[string]any{"a": map[string]any{"b": "1"}}},
		{"first-level unclosed mangled", "a.b[c.d[e=1", map[string]any{"a_b_c_d_e": "1"}},
		{"negative keys", "l[-5]=a&l[]=b", map[string]any{"l": []any{"a", "b"}}},
		{"append after max int ignored", "l[9223372036854775807]=a&l[]=b&l[x][]=c",
			map[string]any{"l": map[string]any{"9223372036854775807": "a", "x": []any{"c"}}}},
		{"overflowing key is string", "l[9223372036854775808]=a", map[string]any{"l": map[string]any{"9223372036854775808": "a"}}},
		{"minus zero is string", "l[-0]=a", map[string]any{"l": map[string]any{"-0": "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseQuery(tt.in, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseQuery(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseQueryLimits(t *testing.T) {
	many := strings.Repeat("a[]=1&", 11)
	if _, err := ParseQuery(many, Limits{MaxVars: 10}); !errors.Is(err, ErrTooManyVars) {
		t.Errorf("vars: err = %v", err)
	}
	deep := "a" + strings.Repeat("[x]", 5) + "=1"
	if _, err := ParseQuery(deep, Limits{MaxDepth: 4}); !errors.Is(err, ErrTooDeep) {
		t.Errorf("depth: err = %v", err)
	}
	if _, err := ParseQuery(deep, Limits{MaxDepth: 5}); err != nil {
		t.Errorf("depth 5: err = %v", err)
	}
	// PHP counts the unclosed trailing bracket as a level too.
	if _, err := ParseQuery("a"+strings.Repeat("[x]", 5)+"[y=1", Limits{MaxDepth: 5}); !errors.Is(err, ErrTooDeep) {
		t.Errorf("unclosed level: err = %v", err)
	}
	if _, err := ParseQuery(strings.Repeat("&", 50)+"a=1", Limits{MaxVars: 1}); err != nil {
		t.Errorf("empty pairs counted: %v", err)
	}
	// Invalid percent escapes are no error: PHP's urldecode keeps them as
	// they are (issue 16 item 2).
	got, err := ParseQuery("trace_id=%zz&x=%&y=%4&z=%41%4g", Limits{})
	want := map[string]any{"trace_id": "%zz", "x": "%", "y": "%4", "z": "A%4g"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("bad escapes: %#v, %v; want %#v", got, err, want)
	}
}

func TestParseValues(t *testing.T) {
	got, err := Parse(url.Values{"a[x]": {"1"}, "b": {"2"}, "c[]": {"p", "q"}}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": map[string]any{"x": "1"}, "b": "2", "c": []any{"p", "q"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v", got)
	}
}

type stringer struct{}

func (stringer) String() string { return "S" }

func TestEncodeRoundTrip(t *testing.T) {
	in := map[string]any{
		"action":  "cancel_order",
		"flag":    true,
		"off":     false,
		"skip":    nil,
		"n":       42,
		"s":       stringer{},
		"items":   []any{map[string]any{"item_number": "A1", "quantity": 2}},
		"numbers": []string{"1", "2"},
		"empty":   []any{},
	}
	vals := Encode(in)
	want := url.Values{
		"action": {"cancel_order"}, "flag": {"1"}, "off": {"0"}, "n": {"42"}, "s": {"S"},
		"items[0][item_number]": {"A1"}, "items[0][quantity]": {"2"},
		"numbers[0]": {"1"}, "numbers[1]": {"2"},
	}
	if !reflect.DeepEqual(vals, want) {
		t.Fatalf("Encode = %v\nwant %v", vals, want)
	}
	back, err := ParseQuery(EncodeString(in), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if back["items"].([]any)[0].(map[string]any)["quantity"] != "2" || back["flag"] != "1" {
		t.Errorf("round trip = %#v", back)
	}
	if s := EncodeString(map[string]any{"a": []any{"x y"}}); s != "a[0]=x+y" {
		t.Errorf("EncodeString = %q", s)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"a=1", "jobs[0][job_name]=x", "a[]=1&a[]=2", "a[b[c]=1", "%5B=1", "a[x][y][z]=&b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseQuery(s, Limits{MaxVars: 1000, MaxDepth: 16})
		if err != nil {
			return
		}
		// Whatever parsed must encode and parse again without error.
		if _, err := ParseQuery(EncodeString(m), Limits{MaxVars: 100000, MaxDepth: 64}); err != nil {
			t.Fatalf("re-parse of %q: %v", EncodeString(m), err)
		}
	})
}

func TestSortKeys(t *testing.T) {
	tests := []struct{ in, want []string }{
		{nil, nil},
		{[]string{"10", "2", "1"}, []string{"1", "2", "10"}},
		{[]string{"b", "10", "a", "-1", "2"}, []string{"-1", "2", "10", "a", "b"}},
		{[]string{"x", "07", "7a"}, []string{"07", "7a", "x"}},
	}
	for _, tt := range tests {
		got := append([]string(nil), tt.in...)
		SortKeys(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("SortKeys(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		raw, name     string
		value         string
		scalar, found bool
	}{
		{"trace_id=t&a=1", "trace_id", "t", true, true},
		{"a=1", "trace_id", "", false, false},
		{"trace_id=t&trace_id[x]=1", "trace_id", "", false, true},
		{"trace_id[x]=1&trace_id=u", "trace_id", "u", true, true},
		{"trace.id=%zz", "trace_id", "%zz", true, true},
		{"trace_id=t&a" + strings.Repeat("[x]", 100) + "=1", "trace_id", "t", true, true},
		{"trace_id=", "trace_id", "", true, true},
	}
	for _, tt := range tests {
		v, scalar, found := Lookup(tt.raw, tt.name)
		if v != tt.value || scalar != tt.scalar || found != tt.found {
			t.Errorf("Lookup(%q, %q) = %q, %v, %v; want %q, %v, %v", tt.raw, tt.name, v, scalar, found, tt.value, tt.scalar, tt.found)
		}
	}
	v, scalar, found := LookupValues(url.Values{"trace_id": {"a", "b"}}, "trace_id")
	if v != "b" || !scalar || !found {
		t.Errorf("LookupValues = %q %v %v", v, scalar, found)
	}
}
