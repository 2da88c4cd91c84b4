package drophero

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Outcome tells a Gate how a request ended, which decides the pause before
// the next one.
type Outcome struct {
	TimedOut bool // the request may still reach DropHero late: longer gap
	Banned   bool // DropHero answered 403: open the circuit breaker
	// ClockOffset, when set, is a newly measured offset of DropHero's clock to
	// ours; an OffsetGate stores it for later clients
	// (docs/protocol/drophero.md#signature-lifetime-and-clock-skew).
	ClockOffset *time.Duration
}

// OffsetGate is a Gate that also keeps each account's measured clock offset
// (docs/protocol/drophero.md#persistent-state: the gate row holds it), so that
// clients created later, in this or another process, sign with it from their
// first request. MemoryGate and dropship.PostgresGate implement it.
type OffsetGate interface {
	Gate
	// ClockOffset returns the stored offset of publicKey (0 when none).
	ClockOffset(ctx context.Context, publicKey string) (time.Duration, error)
}

// Gate serialises the requests of one DropHero account and spaces them so
// DropHero never sees two within a second. Do runs fn only when no other
// request of publicKey is in flight and the gap since the previous response
// has passed; fn must sign its request only once it runs.
type Gate interface {
	Do(ctx context.Context, publicKey string, fn func(ctx context.Context) (Outcome, error)) error
}

// Gate timings (docs/protocol/drophero.md#rate-limit-and-ban). They are
// variables of the gates, not constants, so that tests can shorten the
// circuit-breaker pause.
const (
	DefaultGap        = 1100 * time.Millisecond
	DefaultTimeoutGap = 5 * time.Second
	DefaultBanPause   = time.Hour
)

// Timings are the pauses a Gate keeps for one account; a zero (or
// negative) field means its Default* value. MemoryGate and
// dropship.PostgresGate read them the same way through After and Ban.
type Timings struct {
	Gap        time.Duration // pause after a response; default DefaultGap
	TimeoutGap time.Duration // pause after a timeout; default DefaultTimeoutGap
	BanPause   time.Duration // circuit-breaker pause after a 403; default DefaultBanPause
}

// After returns the pause before the next request of the account after a
// request with outcome o.
func (t Timings) After(o Outcome) time.Duration {
	if o.TimedOut {
		return orDefault(t.TimeoutGap, DefaultTimeoutGap)
	}
	return orDefault(t.Gap, DefaultGap)
}

// Ban returns how long the circuit breaker stays open after a ban.
func (t Timings) Ban() time.Duration { return orDefault(t.BanPause, DefaultBanPause) }

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// MemoryGate is a Gate for a single process (tests, tools). It gives no
// protection across processes; use a shared gate such as
// dropship.PostgresGate in a real installation.
type MemoryGate struct {
	Gap        time.Duration
	TimeoutGap time.Duration
	BanPause   time.Duration

	mu    sync.Mutex
	gates map[string]*memGate
}

type memGate struct {
	sem     chan struct{}
	next    time.Time
	circuit time.Time
	offset  atomic.Int64 // nanoseconds
}

// ClockOffset implements OffsetGate.
func (g *MemoryGate) ClockOffset(_ context.Context, publicKey string) (time.Duration, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if m := g.gates[publicKey]; m != nil {
		return time.Duration(m.offset.Load()), nil
	}
	return 0, nil
}

// Do implements Gate.
func (g *MemoryGate) Do(ctx context.Context, publicKey string, fn func(ctx context.Context) (Outcome, error)) error {
	g.mu.Lock()
	if g.gates == nil {
		g.gates = map[string]*memGate{}
	}
	m := g.gates[publicKey]
	if m == nil {
		m = &memGate{sem: make(chan struct{}, 1)}
		g.gates[publicKey] = m
	}
	g.mu.Unlock()
	select {
	case m.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("%w: %v", ErrRateLimited, ctx.Err())
	}
	defer func() { <-m.sem }()
	if time.Now().Before(m.circuit) {
		return ErrBanned
	}
	if w := time.Until(m.next); w > 0 {
		t := time.NewTimer(w)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w: %v", ErrRateLimited, ctx.Err())
		case <-t.C:
		}
	}
	out, err := fn(ctx)
	tm := Timings{Gap: g.Gap, TimeoutGap: g.TimeoutGap, BanPause: g.BanPause}
	m.next = time.Now().Add(tm.After(out))
	if out.Banned {
		m.circuit = time.Now().Add(tm.Ban())
	}
	if out.ClockOffset != nil {
		m.offset.Store(int64(*out.ClockOffset))
	}
	return err
}
