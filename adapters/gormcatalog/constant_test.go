package gormcatalog

import (
	"strconv"
	"testing"
)

func TestConstant(t *testing.T) {
	tests := []struct {
		expr string
		k    kind
		ok   bool
		want string
	}{
		{"'EUR'", kStr, true, "EUR"},
		{"'it''s'", kStr, false, ""},
		{"1 = 1", kBool, true, "true"},
		{"FALSE", kBool, true, "false"},
		{"-12", kInt, true, "-12"},
		{"19.5", kDec, true, "19.5"},
		{"NULL", kDec, true, "<nil>"},
		{"p.name", kStr, false, ""},
		{"1.", kDec, false, ""},
		{"'x' || p.id", kStr, false, ""},
	}
	for _, tt := range tests {
		c, ok := constant(tt.expr, tt.k)
		if ok != tt.ok {
			t.Errorf("constant(%q) ok = %v", tt.expr, ok)
			continue
		}
		if !ok {
			continue
		}
		var got string
		switch tt.k {
		case kStr:
			got = c.s.String
		case kBool:
			got = map[bool]string{true: "true", false: "false"}[c.b.Bool]
		case kInt:
			got = strconv.FormatInt(c.i.Int64, 10)
		case kDec:
			got = "<nil>"
			if c.d.Valid {
				got = c.d.Decimal.String()
			}
		}
		if got != tt.want {
			t.Errorf("constant(%q) = %s, want %s", tt.expr, got, tt.want)
		}
	}
}
