package gormcatalog

import (
	"math"
	"math/big"
	"math/bits"
	"reflect"
	"unsafe"

	"github.com/shopspring/decimal"
)

// Decimals without an allocation each (docs/catalog.md#fewer-allocations):
// a decimal.Decimal is a *big.Int and an exponent, and every constructor of
// the decimal package allocates a new big.Int (and its digits) per value.
// The export reads up to several prices per item, so decBlock builds the
// big.Ints of a query's decimals in shared blocks and the Decimal values
// from them. The values are never changed afterwards (decimals are
// immutable), so sharing the blocks is safe.

// decRepr mirrors the layout of decimal.Decimal; decLayoutOK says whether
// it matches the decimal package in use (checked once, at start-up).
type decRepr struct {
	value *big.Int
	exp   int32
}

var decLayoutOK = checkDecLayout()

func checkDecLayout() bool {
	if bits.UintSize != 64 {
		return false
	}
	t := reflect.TypeOf(decimal.Decimal{})
	r := reflect.TypeOf(decRepr{})
	if t.Size() != r.Size() || t.NumField() != 2 {
		return false
	}
	for i := range 2 {
		f, g := t.Field(i), r.Field(i)
		if f.Name != g.Name || f.Type != g.Type || f.Offset != g.Offset {
			return false
		}
	}
	var b decBlock
	for _, c := range []struct {
		v   int64
		exp int32
	}{{-12345, -2}, {0, 3}, {math.MaxInt64, -18}, {7, 2}} {
		if d := b.build(c.v, c.exp); !d.Equal(decimal.New(c.v, c.exp)) || d.String() != decimal.New(c.v, c.exp).String() {
			return false
		}
	}
	return true
}

// decBlock hands out decimals whose big.Int and digit live in blocks
// shared by many values. The zero value is ready to use; it is not safe for
// concurrent use.
type decBlock struct {
	ints  []big.Int
	words []big.Word
}

// decBlockSize is the number of decimals per block.
const decBlockSize = 256

// dec returns v·10^exp.
func (b *decBlock) dec(v int64, exp int32) decimal.Decimal {
	if !decLayoutOK || v == math.MinInt64 {
		return decimal.New(v, exp)
	}
	return b.build(v, exp)
}

// build is dec without the layout check.
func (b *decBlock) build(v int64, exp int32) decimal.Decimal {
	if len(b.ints) == 0 {
		b.ints = make([]big.Int, decBlockSize)
	}
	z := &b.ints[0]
	b.ints = b.ints[1:]
	if v != 0 {
		if len(b.words) == 0 {
			b.words = make([]big.Word, decBlockSize)
		}
		u := v
		if u < 0 {
			u = -u
		}
		b.words[0] = big.Word(u)
		// SetBits takes the one-word slice as the value's digits; its
		// capacity is clipped so no operation can grow into the next one.
		z.SetBits(b.words[:1:1])
		b.words = b.words[1:]
		if v < 0 {
			z.Neg(z)
		}
	}
	return *(*decimal.Decimal)(unsafe.Pointer(&decRepr{value: z, exp: exp}))
}
