package dropship

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/drophero"
)

// PostgresGate is a Gate whose "earliest next request" time lives in a
// PostgreSQL row per account (table shopbridge_drophero_gates, keyed by the
// public key's SHA-256 fingerprint), so every process and app server sharing
// the database respects one budget. Times come from the database clock.
//
// A request's slot is reserved durably before it is sent
// (docs/protocol/drophero.md#crash-safe-gate): one committed statement moves
// next_at a lease ahead and names the holder; while the request runs the
// holder extends the lease, and the response sets the normal gap. A process
// that dies mid-request leaves the lease behind, so the next request of any
// process waits until it ends: a crash can delay the next request, never let
// two come closer than the gap. No connection is held while the request
// runs.
type PostgresGate struct {
	DB         *gorm.DB
	Gap        time.Duration // pause after a response; default DefaultGap
	TimeoutGap time.Duration // pause after a timeout; default DefaultTimeoutGap
	BanPause   time.Duration // circuit-breaker pause after a 403; default DefaultBanPause
	// Lease is how far a reserved slot blocks the account ahead; the holder
	// renews it every third of it while its request runs, so it bounds the
	// extra wait after a crash. Default: TimeoutGap (a crashed request is
	// treated like one that timed out: it may still arrive). Never less
	// than Gap.
	Lease time.Duration
	// Poll is how often a waiter looks again while another request is in
	// flight (its end frees the slot early). Default 100 ms.
	Poll time.Duration
}

func (g *PostgresGate) timings() drophero.Timings {
	return drophero.Timings{Gap: g.Gap, TimeoutGap: g.TimeoutGap, BanPause: g.BanPause}
}

func (g *PostgresGate) lease() time.Duration {
	tm := g.timings()
	l := g.Lease
	if l <= 0 {
		l = tm.After(drophero.Outcome{TimedOut: true})
	}
	if gap := tm.After(drophero.Outcome{}); l < gap {
		l = gap
	}
	return l
}

func (g *PostgresGate) poll() time.Duration {
	if g.Poll > 0 {
		return g.Poll
	}
	return 100 * time.Millisecond
}

// Do implements Gate.
func (g *PostgresGate) Do(ctx context.Context, publicKey string, fn func(ctx context.Context) (drophero.Outcome, error)) error {
	// The row is keyed by the key's fingerprint: the public key itself is
	// stored only encrypted.
	key := fingerprint(publicKey)
	holder, err := newHolder()
	if err != nil {
		return err
	}
	if err := g.DB.WithContext(ctx).Exec(`INSERT INTO shopbridge_drophero_gates (public_key, next_at) VALUES (?, clock_timestamp()) ON CONFLICT (public_key) DO NOTHING`, key).Error; err != nil {
		return fmt.Errorf("drophero gate: insert: %w", err)
	}
	if err := g.reserve(ctx, key, holder); err != nil {
		return err
	}
	// From here the slot is ours and recorded: whatever happens to this
	// process, nobody sends before the lease ends. The renewals and the
	// final update must land even when ctx is cancelled during the request
	// (it may already have reached DropHero).
	bg := context.WithoutCancel(ctx)
	stop := make(chan struct{})
	renewed := make(chan struct{})
	go g.renew(bg, key, holder, stop, renewed)
	out, fnErr := fn(ctx)
	close(stop)
	<-renewed
	if err := g.release(bg, key, holder, out); err != nil {
		// The lease stays: the next request waits for its end.
		return fmt.Errorf("drophero gate: %w (request result: %v)", err, fnErr)
	}
	return fnErr
}

// reserve waits until the account's slot is free and takes it in one
// committed statement (the row lock of the UPDATE makes it atomic across
// processes).
func (g *PostgresGate) reserve(ctx context.Context, key, holder string) error {
	lease := g.lease().Seconds()
	for {
		var got []int
		if err := g.DB.WithContext(ctx).Raw(`UPDATE shopbridge_drophero_gates
			SET next_at = clock_timestamp() + make_interval(secs => ?), holder = ?
			WHERE public_key = ? AND next_at <= clock_timestamp()
			  AND (circuit_until IS NULL OR circuit_until <= clock_timestamp())
			RETURNING 1`, lease, holder, key).Scan(&got).Error; err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%w: %v", drophero.ErrRateLimited, ctx.Err())
			}
			return fmt.Errorf("drophero gate: reserve: %w", err)
		}
		if len(got) == 1 {
			return nil
		}
		var row struct {
			Wait    float64
			Circuit float64
			Busy    bool
		}
		if err := g.DB.WithContext(ctx).Raw(`SELECT EXTRACT(EPOCH FROM (next_at - clock_timestamp()))::float8 AS wait,
			COALESCE(EXTRACT(EPOCH FROM (circuit_until - clock_timestamp()))::float8, -1) AS circuit,
			holder <> '' AS busy
			FROM shopbridge_drophero_gates WHERE public_key = ?`, key).Scan(&row).Error; err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%w: %v", drophero.ErrRateLimited, ctx.Err())
			}
			return fmt.Errorf("drophero gate: read: %w", err)
		}
		if row.Circuit > 0 {
			return fmt.Errorf("%w (circuit open for another %.0f s)", drophero.ErrBanned, row.Circuit)
		}
		wait := time.Duration(row.Wait * float64(time.Second))
		if row.Busy && wait > g.poll() {
			wait = g.poll() // the holder's response frees the slot early
		}
		if wait < time.Millisecond {
			wait = time.Millisecond
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w: %v", drophero.ErrRateLimited, ctx.Err())
		case <-t.C:
		}
	}
}

// renew extends the lease of holder every third of it until stop closes.
func (g *PostgresGate) renew(ctx context.Context, key, holder string, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	lease := g.lease()
	t := time.NewTicker(lease / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			// A failed renewal is retried at the next tick; the lease
			// covers two of them.
			_ = g.DB.WithContext(ctx).Exec(`UPDATE shopbridge_drophero_gates
				SET next_at = GREATEST(next_at, clock_timestamp() + make_interval(secs => ?))
				WHERE public_key = ? AND holder = ?`, lease.Seconds(), key, holder).Error
		}
	}
}

// release ends holder's lease with the gap the outcome asks for (and
// opens the circuit breaker after a ban). When the lease was lost (a renewal
// failed for a whole lease and another process took the slot), it only
// pushes next_at out, never pulls it in.
func (g *PostgresGate) release(ctx context.Context, key, holder string, out drophero.Outcome) error {
	tm := g.timings()
	gap := tm.After(out).Seconds()
	var offset *int64
	if out.ClockOffset != nil {
		s := int64(*out.ClockOffset / time.Second)
		offset = &s
	}
	var ban *float64
	if out.Banned {
		b := tm.Ban().Seconds()
		ban = &b
	}
	err := g.DB.WithContext(ctx).Exec(`UPDATE shopbridge_drophero_gates SET
		next_at = CASE WHEN holder = ? THEN clock_timestamp() + make_interval(secs => ?)
		               ELSE GREATEST(next_at, clock_timestamp() + make_interval(secs => ?)) END,
		holder = CASE WHEN holder = ? THEN '' ELSE holder END,
		clock_offset = COALESCE(CAST(? AS bigint), clock_offset),
		circuit_until = CASE WHEN CAST(? AS float8) IS NULL THEN circuit_until
		                     ELSE clock_timestamp() + make_interval(secs => CAST(? AS float8)) END
		WHERE public_key = ?`, holder, gap, gap, holder, offset, ban, ban, key).Error
	if err != nil {
		return fmt.Errorf("release: %w", err)
	}
	return nil
}

func newHolder() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("drophero gate: holder token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// ClockOffset implements OffsetGate.
func (g *PostgresGate) ClockOffset(ctx context.Context, publicKey string) (time.Duration, error) {
	var secs []int64
	if err := g.DB.WithContext(ctx).Raw(`SELECT clock_offset FROM shopbridge_drophero_gates WHERE public_key = ?`,
		fingerprint(publicKey)).Scan(&secs).Error; err != nil {
		return 0, fmt.Errorf("drophero gate: clock offset: %w", err)
	}
	if len(secs) == 0 {
		return 0, nil
	}
	return time.Duration(secs[0]) * time.Second, nil
}

// ResetCircuit closes the circuit breaker of publicKey (control-panel action
// after DropHero lifted a ban).
func (g *PostgresGate) ResetCircuit(ctx context.Context, publicKey string) error {
	return g.DB.WithContext(ctx).Exec(`UPDATE shopbridge_drophero_gates SET circuit_until = NULL WHERE public_key = ?`, fingerprint(publicKey)).Error
}
