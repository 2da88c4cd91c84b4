// Package pgconnect opens the host shop's PostgreSQL pool with pgx
// connections that read from the network in large chunks.
//
// pgx parses the server's messages out of an 8 KiB buffer and refills only
// the free space at its tail, so a long result (a catalogue export moves
// gigabytes) costs hundreds of thousands of small read system calls.
// [LargeReads] gives every connection a read buffer of its own, placed
// inside the net.Conn that pgx dials: one system call then takes up to
// [ReadBufferSize] bytes. Because the buffer belongs to the connection
// object itself, everything pgx and its users can reach (PgConn.Conn,
// SyncConn, Hijack, TLS on top) still sees every byte in order; see
// docs/catalog.md#larger-socket-reads-pgconnect.
package pgconnect

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// ReadBufferSize is the read buffer [Open] gives each connection, and the
// size [LargeReads] uses for a size of zero or less: 64 KiB, eight times
// what pgx reads at a time.
const ReadBufferSize = 64 << 10

// Open returns a database/sql pool (pgx's stdlib driver) for the
// PostgreSQL URL or keyword/value string url whose connections read
// through a [ReadBufferSize] buffer. opts are passed to stdlib.OpenDB
// (e.g. stdlib.OptionAfterConnect). Like sql.Open it connects lazily: the
// first query (or Ping) reports an unreachable server. The caller sets
// the pool limits and closes the pool.
//
// With GORM: gorm.Open(postgres.New(postgres.Config{Conn: db}), cfg).
// GORM's own DSN handling is bypassed that way; the only thing it adds is
// a scan location for "timestamp" columns when the DSN carries TimeZone=,
// which a host needing it registers in a stdlib.OptionAfterConnect.
func Open(url string, opts ...stdlib.OptionOpenDB) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx redacts the password in its parse errors.
		return nil, fmt.Errorf("pgconnect: %w", err)
	}
	LargeReads(&cfg.Config, ReadBufferSize)
	return stdlib.OpenDB(*cfg, opts...), nil
}

// LargeReads makes every connection dialled with cfg (its cancel-request
// connections included) read from the network through a buffer of size
// bytes ([ReadBufferSize] when size <= 0). It wraps cfg.DialFunc (pgx's
// default dialer when nil), so TLS, if any, runs on top of the buffered
// connection and channel binding still sees a *tls.Conn. For a pgx.ConnConfig
// or pgxpool.Config pass &c.Config or &c.ConnConfig.Config.
//
// A connection holds a buffer only while bytes it read are still unread;
// otherwise the buffer goes back to a pool shared by the connections of
// cfg, so idle connections cost no memory for it.
func LargeReads(cfg *pgconn.Config, size int) {
	if size <= 0 {
		size = ReadBufferSize
	}
	dial := cfg.DialFunc
	if dial == nil {
		// pgx's own default (pgconn.ParseConfig).
		dial = (&net.Dialer{KeepAlive: 5 * time.Minute}).DialContext
	}
	bufs := &sync.Pool{New: func() any {
		b := make([]byte, size)
		return &b
	}}
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if _, ok := c.(*bufferedConn); ok {
			return c, nil // LargeReads applied twice
		}
		return &bufferedConn{Conn: c, size: size, bufs: bufs}, nil
	}
}

// bufferedConn is a net.Conn whose reads go through a buffer of size
// bytes taken from bufs while it holds unread bytes. Like any net.Conn
// used by pgx it is read by one goroutine at a time (pgx's background
// reader and the connection's owner hand over under a lock); writes,
// deadlines and Close go to the network connection unchanged.
type bufferedConn struct {
	net.Conn
	size int
	bufs *sync.Pool

	buf  *[]byte // nil when no read bytes are left
	r, w int     // unread bytes are (*buf)[r:w]
	err  error   // error the network returned together with the bytes in buf
}

// Read returns buffered bytes first. Without any, it reads into p directly
// when p is at least as large as the buffer, else into the buffer. An
// error the network returned together with data is returned with the last
// of those bytes, so the caller sees bytes and error in the order the
// network gave them. A read deadline or cancellation therefore takes
// effect once the buffered bytes (at most size) have been handed out.
func (c *bufferedConn) Read(p []byte) (int, error) {
	if c.buf == nil {
		if len(p) == 0 || len(p) >= c.size {
			return c.Conn.Read(p)
		}
		buf := c.bufs.Get().(*[]byte)
		n, err := c.Conn.Read(*buf)
		if n <= len(p) {
			n = copy(p, (*buf)[:max(n, 0)])
			c.bufs.Put(buf)
			return n, err
		}
		c.buf, c.r, c.w, c.err = buf, 0, n, err
	}
	n := copy(p, (*c.buf)[c.r:c.w])
	c.r += n
	if c.r < c.w {
		return n, nil
	}
	err := c.err
	c.bufs.Put(c.buf)
	c.buf, c.err = nil, nil
	return n, err
}

// ReadBuffer reports the read buffer size of c if it was dialled through
// [LargeReads] (c as PgConn.Conn returns it, TLS or not), 0 otherwise: a
// check that a pool is really configured.
func ReadBuffer(c net.Conn) int {
	for c != nil {
		if bc, ok := c.(*bufferedConn); ok {
			return bc.size
		}
		nc, ok := c.(interface{ NetConn() net.Conn }) // *tls.Conn
		if !ok {
			return 0
		}
		c = nc.NetConn()
	}
	return 0
}
