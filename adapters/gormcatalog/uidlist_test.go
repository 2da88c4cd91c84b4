package gormcatalog

import "testing"

// TestUIDLiteralLists checks the literal uid lists used beyond the bind
// parameter limit: quotes are doubled, unusable strings left out.
func TestUIDLiteralLists(t *testing.T) {
	if got := intList([]int64{1, -2, 30}); got != "1,-2,30" {
		t.Errorf("intList = %q", got)
	}
	tests := []struct {
		in   []string
		want string
		ok   bool
	}{
		{[]string{"a", "b'c", "", "x'); DROP TABLE t; --"}, `'a','b''c','','x''); DROP TABLE t; --'`, true},
		{[]string{"\xff", "a\x00b"}, "", false},
		{[]string{`back\slash`, "ok"}, `'ok'`, true},
	}
	for _, tc := range tests {
		got, ok := textList(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("textList(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
