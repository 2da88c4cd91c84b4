package dropship

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/drophero"
)

// PostgresGate is a Gate whose lock and "earliest next request" time live in
// a PostgreSQL row per account (table shopbridge_drophero_gates, keyed by the
// public key's SHA-256 fingerprint), so every
// process and app server sharing the database respects one budget. Times come
// from the database clock. The row stays locked (SELECT … FOR UPDATE) while
// the request runs, which makes requests strictly sequential. The gate holds
// one pool connection per request in flight, so a catalogue sync (whose
// transaction needs another) requires a pool of at least two connections.
type PostgresGate struct {
	DB         *gorm.DB
	Gap        time.Duration // pause after a response; default DefaultGap
	TimeoutGap time.Duration // pause after a timeout; default DefaultTimeoutGap
	BanPause   time.Duration // circuit-breaker pause after a 403; default DefaultBanPause
}

// Do implements Gate.
func (g *PostgresGate) Do(ctx context.Context, publicKey string, fn func(ctx context.Context) (drophero.Outcome, error)) error {
	// The row is keyed by the key's fingerprint: the public key itself is
	// stored only encrypted.
	key := fingerprint(publicKey)
	var fnErr error
	// The transaction must outlive a cancelled ctx: database/sql rolls a
	// transaction back as soon as its context ends, which would lose the
	// next_at update of a request that may already have reached DropHero
	// and let another process send right after it (a ban). Only waiting for
	// the lock and the gap is cancellable.
	err := g.DB.WithContext(context.WithoutCancel(ctx)).Transaction(func(tx *gorm.DB) error {
		if err := tx.WithContext(ctx).Exec(`INSERT INTO shopbridge_drophero_gates (public_key, next_at) VALUES (?, clock_timestamp()) ON CONFLICT (public_key) DO NOTHING`, key).Error; err != nil {
			return fmt.Errorf("gate insert: %w", err)
		}
		var row struct {
			Wait    float64
			Circuit float64
		}
		if err := tx.WithContext(ctx).Raw(`SELECT EXTRACT(EPOCH FROM (next_at - clock_timestamp()))::float8 AS wait,
			COALESCE(EXTRACT(EPOCH FROM (circuit_until - clock_timestamp()))::float8, -1) AS circuit
			FROM shopbridge_drophero_gates WHERE public_key = ? FOR UPDATE`, key).Scan(&row).Error; err != nil {
			return fmt.Errorf("gate lock: %w", err)
		}
		if row.Circuit > 0 {
			fnErr = fmt.Errorf("%w (circuit open for another %.0f s)", drophero.ErrBanned, row.Circuit)
			return nil
		}
		if row.Wait > 0 {
			t := time.NewTimer(time.Duration(row.Wait * float64(time.Second)))
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("%w: %v", drophero.ErrRateLimited, ctx.Err())
			case <-t.C:
			}
		}
		out, err := fn(ctx)
		fnErr = err
		tm := drophero.Timings{Gap: g.Gap, TimeoutGap: g.TimeoutGap, BanPause: g.BanPause}
		gap := tm.After(out)
		// tx is not tied to ctx: the update lands even when ctx was
		// cancelled during the request.
		if out.ClockOffset != nil {
			if err := tx.Exec(`UPDATE shopbridge_drophero_gates SET clock_offset = ? WHERE public_key = ?`,
				int64(*out.ClockOffset/time.Second), key).Error; err != nil {
				return fmt.Errorf("gate clock offset: %w", err)
			}
		}
		if out.Banned {
			return tx.Exec(`UPDATE shopbridge_drophero_gates SET next_at = clock_timestamp() + make_interval(secs => ?),
				circuit_until = clock_timestamp() + make_interval(secs => ?) WHERE public_key = ?`,
				gap.Seconds(), tm.Ban().Seconds(), key).Error
		}
		return tx.Exec(`UPDATE shopbridge_drophero_gates SET next_at = clock_timestamp() + make_interval(secs => ?) WHERE public_key = ?`,
			gap.Seconds(), key).Error
	})
	if err != nil {
		return fmt.Errorf("drophero gate: %w", err)
	}
	return fnErr
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
