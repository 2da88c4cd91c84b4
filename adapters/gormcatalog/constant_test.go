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

func TestRebind(t *testing.T) {
	q, args := rebind("SELECT '?' FROM t WHERE a IN ? AND b = ? AND c IN ? AND d IN ?", []any{[]int64{1, 2}, "x", []string{"p"}, []int64{}})
	if want := "SELECT '?' FROM t WHERE a IN ($1,$2) AND b = $3 AND c IN ($4) AND d IN (NULL)"; q != want {
		t.Errorf("rebind = %s\nwant     %s", q, want)
	}
	if len(args) != 4 || args[0] != int64(1) || args[2] != "x" || args[3] != "p" {
		t.Errorf("args = %v", args)
	}
}

func TestAssignFloat(t *testing.T) {
	for in, want := range map[float64]string{0.1 + 0.2: "0.3", 24.99: "24.99", 180: "180", 1e20: "100000000000000000000", 1.0 / 3: "0.33333333333333"} {
		var c cell
		if err := c.assign(kDec, in); err != nil || c.d.Decimal.String() != want {
			t.Errorf("assign(%v) = %s, %v; want %s", in, c.d.Decimal.String(), err, want)
		}
	}
}
