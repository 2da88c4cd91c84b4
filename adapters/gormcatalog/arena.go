package gormcatalog

import (
	"strconv"
	"sync/atomic"
	"unsafe"

	"github.com/shopspring/decimal"
)

// arena hands out strings carved from large byte blocks, so that the text
// values of a query cost a few allocations instead of one each
// (docs/catalog.md#fewer-allocations).
//
// By default blocks are never reused: a string stays valid as long as
// anything refers to it. An arena of an ordered pass (recycle) reuses a
// block once every batch whose text it holds has been written
// (docs/catalog.md#text-blocks-reused-per-batch): records are only valid
// during yield.
//
// Its decimals come from a small cache of values (see decCache). It is not
// safe for concurrent use.
type arena struct {
	buf  []byte
	decs decCache

	// written, when set, is the sequence number of the last batch the
	// export has written; blocks holds the blocks in use, oldest first,
	// each with the last batch whose text went into it (the current
	// block, buf, is the last one).
	written *atomic.Int64
	seq     int64
	blocks  []textBlock
	// rowBlocks is the number of blocks (the last ones) holding text of
	// the row being decoded: a row's values may start in one block and
	// end in the next.
	rowBlocks int
}

// textBlock is one block of a recycling arena.
type textBlock struct {
	b   []byte
	seq int64
}

// arenaReused counts the text blocks reused (for tests).
var arenaReused atomic.Int64

// arenaBlock is the size of a text block; longer strings get their own
// allocation.
const (
	arenaBlock   = 32 << 10
	arenaOwnSize = 4 << 10
)

// recycle makes a reuse its blocks once written has reached the batches
// whose text they hold.
func (a *arena) recycle(written *atomic.Int64) { a.written = written }

// mark says that the text carved from now on belongs to batch seq (or a
// later one). The last row decoded may be the first row of that batch
// (read ahead by the previous batch), so the blocks holding its text are
// marked too.
func (a *arena) mark(seq int64) {
	a.seq = seq
	for i := max(len(a.blocks)-max(a.rowBlocks, 1), 0); i < len(a.blocks); i++ {
		a.blocks[i].seq = seq
	}
}

// rowStart says that the values of a new row are decoded next.
func (a *arena) rowStart() { a.rowBlocks = 1 }

// grow starts a new current block: the oldest one when it is free again,
// else a new one.
func (a *arena) grow() {
	a.rowBlocks++
	if a.written == nil {
		a.buf = make([]byte, 0, arenaBlock)
		return
	}
	if len(a.blocks) > 1 && a.blocks[0].seq <= a.written.Load() {
		arenaReused.Add(1)
		b := a.blocks[0].b
		copy(a.blocks, a.blocks[1:])
		a.blocks[len(a.blocks)-1] = textBlock{b, a.seq}
		a.buf = b[:0]
		return
	}
	a.buf = make([]byte, 0, arenaBlock)
	a.blocks = append(a.blocks, textBlock{a.buf, a.seq})
}

// reset makes every block of a free again, keeping the current one; for
// an arena whose strings are no longer referenced (a written batch's).
func (a *arena) reset() { a.buf = a.buf[:0] }

// dec returns v·10^exp as a decimal.
func (a *arena) dec(v int64, exp int32) decimal.Decimal { return a.decs.dec(v, exp) }

// concat returns x+y as one string carved from the arena.
func (a *arena) concat(x, y string) string {
	n := len(x) + len(y)
	if n == 0 {
		return ""
	}
	if n > cap(a.buf)-len(a.buf) {
		if n > arenaOwnSize {
			return x + y
		}
		a.grow()
	}
	off := len(a.buf)
	a.buf = append(a.buf, x...)
	a.buf = append(a.buf, y...)
	return unsafe.String(&a.buf[off], n)
}

// int returns the decimal text of x carved from the arena.
func (a *arena) int(x int64) string {
	var tmp [20]byte
	return a.str(strconv.AppendInt(tmp[:0], x, 10))
}

// str returns b as a string carved from the arena.
func (a *arena) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > cap(a.buf)-len(a.buf) {
		if len(b) > arenaOwnSize {
			return string(b)
		}
		a.grow()
	}
	off := len(a.buf)
	a.buf = append(a.buf, b...)
	return unsafe.String(&a.buf[off], len(b))
}

// decCache hands out decimals by value (docs/catalog.md#fewer-allocations):
// every constructor of the decimal package allocates a big.Int per value,
// and a catalogue repeats few prices, tax rates and weights many times.
// Decimals are immutable, so one value can be shared by any number of
// records. The cache is direct-mapped: a value replaces the one in its
// slot. The zero value is ready to use.
type decCache struct {
	slots *[decCacheSize]decSlot
}

type decSlot struct {
	v   int64
	exp int32
	ok  bool
	d   decimal.Decimal
}

// decCacheSize is the number of cached decimals.
const (
	decCacheBits = 8
	decCacheSize = 1 << decCacheBits
)

// dec returns v·10^exp.
func (c *decCache) dec(v int64, exp int32) decimal.Decimal {
	if c.slots == nil {
		c.slots = new([decCacheSize]decSlot)
	}
	h := (uint64(v)*0x9E3779B97F4A7C15 ^ uint64(uint32(exp))*0xC2B2AE3D27D4EB4F) >> (64 - decCacheBits)
	s := &c.slots[h]
	if s.ok && s.v == v && s.exp == exp {
		return s.d
	}
	*s = decSlot{v: v, exp: exp, ok: true, d: decimal.New(v, exp)}
	return s.d
}

// scaled parses plain decimal text (an optional minus, digits, at most one
// point between digits; up to 18 digits) into v·10^exp, the value and exponent
// decimal.NewFromString gives. ok is false for anything else (exponents,
// spaces, longer numbers), which the caller leaves to the decimal package.
func scaled(b []byte) (v int64, exp int32, ok bool) {
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		neg, i = true, 1
	}
	digits, point := 0, -1
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			if digits == 18 {
				return 0, 0, false
			}
			v = v*10 + int64(c-'0')
			digits++
		case c == '.' && point < 0 && digits > 0 && i+1 < len(b):
			point = digits
		default:
			return 0, 0, false
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	if point >= 0 {
		exp = int32(point - digits)
	}
	if neg {
		v = -v
	}
	return v, exp, true
}
