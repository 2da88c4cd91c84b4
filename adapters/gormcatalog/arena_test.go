package gormcatalog

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"
)

// TestDecCache checks that cached decimals equal the decimal package's
// own, that values sharing a slot do not disturb each other, and that a
// repeated value costs no allocation.
func TestDecCache(t *testing.T) {
	var c decCache
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []int64{0, 1, -1, 10, 1999, -1999, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	for range 5000 {
		cases = append(cases, rng.Int64N(1e12)-5e11)
	}
	var kept []decimal.Decimal
	for i, v := range cases {
		exp := int32(i%7) - 4
		d, w := c.dec(v, exp), decimal.New(v, exp)
		if !d.Equal(w) || d.String() != w.String() || d.Exponent() != w.Exponent() || d.CoefficientInt64() != w.CoefficientInt64() {
			t.Fatalf("dec(%d, %d) = %s, want %s", v, exp, d, w)
		}
		kept = append(kept, d)
	}
	// Values handed out earlier are unchanged by later ones in their slot.
	for i, v := range cases {
		if exp := int32(i%7) - 4; !kept[i].Equal(decimal.New(v, exp)) || kept[i].Exponent() != exp {
			t.Fatalf("value %d changed to %s", i, kept[i])
		}
	}
	_ = c.dec(123456, -2)
	if n := testing.AllocsPerRun(1000, func() { _ = c.dec(123456, -2) }); n > 0 {
		t.Errorf("%.2f allocations per repeated decimal", n)
	}
}

// TestScaled checks the text fast path against decimal.NewFromString.
func TestScaled(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"0", true}, {"19.99", true}, {"-19.990", true}, {"0.0001", true}, {"-0", true},
		{"123456789012345678", true}, {"12345678901234567.8", true},
		{"1234567890123456789", false}, {"1e3", false}, {" 1", false}, {"1.", false},
		{".5", false}, {"-", false}, {"", false}, {"1.2.3", false}, {"+1", false}, {"NaN", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Helper()
			v, exp, ok := scaled([]byte(tc.in))
			if ok != tc.ok {
				t.Fatalf("scaled(%q) ok = %v, want %v", tc.in, ok, tc.ok)
			}
			if !ok {
				return
			}
			w := decimal.RequireFromString(tc.in)
			if d := decimal.New(v, exp); !d.Equal(w) || exp != w.Exponent() {
				t.Errorf("scaled(%q) = %d·10^%d, want %s (exponent %d)", tc.in, v, exp, w, w.Exponent())
			}
		})
	}
}

// FuzzScaled: whatever scaled accepts, the decimal package reads as the
// same value.
func FuzzScaled(f *testing.F) {
	for _, s := range []string{"19.99", "-0.5", "123456789012345678", "1e3", "00.10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, exp, ok := scaled([]byte(s))
		if !ok {
			return
		}
		w, err := decimal.NewFromString(s)
		if err != nil {
			t.Fatalf("scaled accepts %q, the decimal package does not: %v", s, err)
		}
		if !decimal.New(v, exp).Equal(w) {
			t.Fatalf("scaled(%q) = %d·10^%d, want %s", s, v, exp, w)
		}
	})
}

// TestArenaRecycle checks that a recycling arena reuses a block only once
// every batch whose text it holds is written, including a row read ahead
// for the next batch.
func TestArenaRecycle(t *testing.T) {
	var written atomic.Int64
	var a arena
	a.recycle(&written)
	chunk := []byte(strings.Repeat("x", arenaOwnSize))
	fill := func(seq int64, n int) []string {
		a.mark(seq)
		var out []string
		for range n {
			out = append(out, a.str(chunk))
		}
		return out
	}
	b1 := fill(1, 20)                        // several blocks
	ahead := a.str([]byte("row of batch 2")) // read ahead while reading batch 1
	blocks := len(a.blocks)
	b2 := fill(2, 20)
	if len(a.blocks) <= blocks {
		t.Fatal("blocks were reused before batch 1 was written")
	}
	written.Store(1)
	n := len(a.blocks)
	b3 := fill(3, 20)
	if len(a.blocks) != n+1 && len(a.blocks) != n {
		// Batch 1's blocks were reused (at most one new block while the
		// current one fills).
		t.Logf("blocks %d → %d", n, len(a.blocks))
	}
	if len(a.blocks) > n+1 {
		t.Errorf("batch 3 took %d new blocks with batch 1's free", len(a.blocks)-n)
	}
	if ahead != "row of batch 2" {
		t.Fatalf("text read ahead for batch 2 was overwritten: %.20q", ahead)
	}
	for _, s := range append(b2, b3...) {
		if s != string(chunk) {
			t.Fatal("text of an unwritten batch was overwritten")
		}
	}
	_ = b1
}
