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
// for the next batch whose values span two blocks.
func TestArenaRecycle(t *testing.T) {
	var written atomic.Int64
	var a arena
	a.recycle(&written)
	chunk := []byte(strings.Repeat("x", arenaOwnSize-96)) // blocks do not end with a whole value
	small := []byte(strings.Repeat("y", 100))
	fill := func(seq int64, n int) []string {
		a.mark(seq)
		var out []string
		for i := range n {
			a.rowStart()
			if seq == 3 && i%2 == 1 {
				// Values that fill blocks to their end.
				out = append(out, a.str(small))
				continue
			}
			out = append(out, a.str(chunk))
		}
		return out
	}
	_ = fill(1, 20) // several blocks
	// A row read ahead while reading batch 1, for batch 2: its first value
	// ends one block, its second starts the next.
	a.rowStart()
	for cap(a.buf)-len(a.buf) >= len(chunk) {
		_ = a.str(chunk)
	}
	aheadName := a.str([]byte("name of batch 2"))
	aheadText := a.str(chunk)
	blocks := len(a.blocks)
	b2 := fill(2, 20)
	if len(a.blocks) <= blocks {
		t.Fatal("blocks were reused before batch 1 was written")
	}
	written.Store(1)
	n := len(a.blocks)
	// Batch 3 needs more blocks than batch 1 freed.
	b3 := fill(3, 60)
	if len(a.blocks) == n {
		t.Error("batch 3 took no new block")
	}
	if aheadName != "name of batch 2" || aheadText != string(chunk) {
		t.Fatalf("text read ahead for batch 2 was overwritten: %.20q", aheadName)
	}
	for _, s := range append(b2, b3...) {
		if s != string(chunk) && s != string(small) {
			t.Fatal("text of an unwritten batch was overwritten")
		}
	}
	// Batches 2 and 3 written: their blocks are reused, the arena does
	// not grow.
	written.Store(3)
	n = len(a.blocks)
	for s := int64(4); s < 10; s++ {
		_ = fill(s, 20)
		written.Store(s)
	}
	if len(a.blocks) > n+1 {
		t.Errorf("%d blocks after six more batches, had %d", len(a.blocks), n)
	}
}
