package orders

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"

	"go.uber.org/zap"
	"gorm.io/gorm"
)

// orderLockKey is the PostgreSQL advisory lock key of one Shopgate order:
// a 64-bit FNV-1a hash of a namespace, the shop number and the order
// number.
func orderLockKey(shopNumber, orderNumber string) int64 {
	h := fnv.New64a()
	h.Write([]byte("shopbridge.orders\x00" + shopNumber + "\x00" + orderNumber))
	return int64(h.Sum64())
}

// lockOrder serialises the fetch-and-apply of update_order per order, so
// that a snapshot fetched from the Merchant API is applied before the next
// one is fetched (a later fetch always sees a state at least as new).
//
// On PostgreSQL it takes a session-level advisory lock on a dedicated
// connection and returns a *gorm.DB bound to that connection: the caller
// runs its reads and its transaction on it, so one update needs one pooled
// connection however many wait. No transaction is open while the lock is
// held for the Merchant API call. Other dialects (SQLite, one process) use
// an in-process lock per order and get s.db back.
//
// unlock must be called exactly once; it releases the lock even when ctx
// was cancelled meanwhile.
func (s *Service) lockOrder(ctx context.Context, shopNumber, orderNumber string) (db *gorm.DB, unlock func(), err error) {
	if s.db.Dialector.Name() != "postgres" {
		release, err := s.locks.lock(ctx, shopNumber+"\x00"+orderNumber)
		if err != nil {
			return nil, nil, fmt.Errorf("lock order %s: %w", orderNumber, err)
		}
		return s.db.WithContext(ctx), release, nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, nil, fmt.Errorf("lock order %s: %w", orderNumber, err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("lock order %s: connection: %w", orderNumber, err)
	}
	key := orderLockKey(shopNumber, orderNumber)
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		// The lock may have been granted as the wait was cancelled; a
		// discarded connection takes it along.
		discardConn(conn)
		return nil, nil, fmt.Errorf("lock order %s: advisory lock: %w", orderNumber, err)
	}
	db = s.db.Session(&gorm.Session{NewDB: true, Context: ctx})
	db.Statement.ConnPool = conn
	unlock = func() {
		var held bool
		err := conn.QueryRowContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key).Scan(&held)
		if err == nil && !held {
			err = errLockNotHeld
		}
		if err != nil {
			// Never return a connection that may still hold the lock
			// to the pool.
			s.log.Error("release order lock; dropping the connection", zap.String("order_number", orderNumber), zap.Error(err))
			discardConn(conn)
			return
		}
		if err := conn.Close(); err != nil {
			s.log.Warn("return order lock connection", zap.String("order_number", orderNumber), zap.Error(err))
		}
	}
	return db, unlock, nil
}

// errLockNotHeld is pg_advisory_unlock answering false.
var errLockNotHeld = errors.New("advisory lock was not held")

// discardConn closes conn's underlying connection instead of returning it
// to the pool.
func discardConn(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// keyedMutex is a set of mutexes by key whose Lock honours a context.
// Entries exist only while locked or waited for.
type keyedMutex struct {
	mu      sync.Mutex
	entries map[string]*keyedEntry
}

type keyedEntry struct {
	ch   chan struct{} // holds one token while locked
	refs int           // holders and waiters
}

// lock waits for the mutex of key and returns its release function, or
// ctx's error when ctx ends first.
func (k *keyedMutex) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	if k.entries == nil {
		k.entries = map[string]*keyedEntry{}
	}
	e := k.entries[key]
	if e == nil {
		e = &keyedEntry{ch: make(chan struct{}, 1)}
		k.entries[key] = e
	}
	e.refs++
	k.mu.Unlock()

	done := func() {
		k.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(k.entries, key)
		}
		k.mu.Unlock()
	}
	select {
	case e.ch <- struct{}{}:
		var once sync.Once
		return func() {
			once.Do(func() {
				<-e.ch
				done()
			})
		}, nil
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
}
