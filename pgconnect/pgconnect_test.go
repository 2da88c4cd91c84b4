package pgconnect_test

import (
	"context"
	"database/sql"
	"errors"
	"hash/fnv"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/pgconnect"
)

// bigResult is a result of about 43 MB, far larger than any buffer.
const (
	bigRows   = 200000
	bigResult = "SELECT g, repeat('x', 200) FROM generate_series(1, 200000) g"
)

// countingConn counts the Read calls that reach the network connection.
type countingConn struct {
	net.Conn
	reads *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.Conn.Read(p)
}

// openCounting opens a one-connection pool on url whose network reads are
// counted in reads; large applies pgconnect.LargeReads on top.
func openCounting(t *testing.T, url string, large bool, reads *atomic.Int64) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{Conn: c, reads: reads}, nil
	}
	if large {
		pgconnect.LargeReads(&cfg.Config, 0)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	return db
}

// digest reads every row of bigResult and returns the row count and a
// hash of all values. Every 300 rows (about 64 KiB) it calls pause.
func digest(t *testing.T, db *sql.DB, pause func()) (int, uint64) {
	t.Helper()
	rows, err := db.Query(bigResult)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	return digestRows(t, rows, pause)
}

// resultRows is what database/sql's and pgx's rows have in common.
type resultRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// digestRows is digest's reading of rows.
func digestRows(t *testing.T, rows resultRows, pause func()) (int, uint64) {
	t.Helper()
	h := fnv.New64a()
	n := 0
	var g int
	var s []byte
	for rows.Next() {
		if err := rows.Scan(&g, &s); err != nil {
			t.Fatal(err)
		}
		h.Write(strconv.AppendInt(nil, int64(g), 10))
		h.Write(s)
		n++
		if n%300 == 0 && pause != nil {
			pause()
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n, h.Sum64()
}

func TestLargeResultFewerReads(t *testing.T) {
	url := testdb.NewURL(t)
	var plainReads, largeReads atomic.Int64
	plain := openCounting(t, url, false, &plainReads)
	large := openCounting(t, url, true, &largeReads)

	admin := openCounting(t, url, false, new(atomic.Int64))
	plainReads.Store(0)
	n1, h1 := digest(t, plain, serverBlocked(t, admin, plain))
	largeReads.Store(0)
	n2, h2 := digest(t, large, serverBlocked(t, admin, large))
	if n1 != bigRows || n2 != bigRows || h1 != h2 {
		t.Fatalf("rows %d/%d, digest %x/%x: the buffered result differs", n1, n2, h1, h2)
	}
	p, l := plainReads.Load(), largeReads.Load()
	t.Logf("network reads for %d rows: pgx alone %d, with LargeReads %d", bigRows, p, l)
	if l*3 > p {
		t.Errorf("LargeReads needed %d network reads, pgx alone %d: want fewer than a third", l, p)
	}
}

// serverBlocked returns a function that waits until the backend of the
// one-connection pool db has sent all it can: it waits for the client to
// read (ClientWrite) or has sent everything. The network buffers are then
// full, so how many reads the client needs depends on its buffer alone,
// not on which side the scheduler favours.
func serverBlocked(t *testing.T, admin, db *sql.DB) func() {
	t.Helper()
	var pid int
	if err := db.QueryRow("SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return func() {
		deadline := time.Now().Add(time.Minute)
		for {
			var state, event sql.NullString
			if err := admin.QueryRow("SELECT state, wait_event FROM pg_stat_activity WHERE pid = $1", pid).Scan(&state, &event); err != nil {
				t.Fatal(err)
			}
			if event.String == "ClientWrite" || state.String != "active" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("backend %d never blocked on the client (state %s, wait %s)", pid, state.String, event.String)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
}

// openPool opens a one-connection pool with pgconnect.Open, so a
// connection broken by a test must be replaced for the next query, and
// returns it with the backend pid of its connection.
func openPool(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := pgconnect.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func backendPID(t *testing.T, db *sql.DB) int {
	t.Helper()
	var pid int
	if err := db.QueryRow("SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return pid
}

// TestStreamInterrupted interrupts a long result mid-stream, while the
// connection's buffer holds unread rows: the error must reach the caller
// (never a silently short result), and the pool must answer the next
// query in full.
func TestStreamInterrupted(t *testing.T) {
	url := testdb.NewURL(t)
	admin := openPool(t, url)
	tests := []struct {
		name  string
		query string
		// interrupt is called after row 1,000 has been read.
		interrupt func(t *testing.T, pid int, cancel context.CancelFunc, ctx context.Context)
		check     func(t *testing.T, err error)
		samePID   bool          // the connection survives (a plain SQL error)
		timeout   time.Duration // of the query's context; a minute when zero
	}{
		{
			name:  "context cancelled",
			query: bigResult,
			interrupt: func(t *testing.T, pid int, cancel context.CancelFunc, ctx context.Context) {
				cancel()
			},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("error %v, want context.Canceled", err)
				}
			},
		},
		{
			name:  "context deadline",
			query: bigResult,
			interrupt: func(t *testing.T, pid int, cancel context.CancelFunc, ctx context.Context) {
				<-ctx.Done()
			},
			timeout: time.Second,
			check: func(t *testing.T, err error) {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("error %v, want context.DeadlineExceeded", err)
				}
			},
		},
		{
			name:  "backend terminated",
			query: bigResult,
			interrupt: func(t *testing.T, pid int, cancel context.CancelFunc, ctx context.Context) {
				if _, err := admin.Exec("SELECT pg_terminate_backend($1)", pid); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, err error) {
				if err == nil {
					t.Error("no error after the backend was terminated")
				}
			},
		},
		{
			name:      "error from the server after many rows",
			query:     "SELECT g / (g - 150000), repeat('x', 200) FROM generate_series(1, 200000) g",
			interrupt: func(*testing.T, int, context.CancelFunc, context.Context) {},
			check: func(t *testing.T, err error) {
				var pgErr *pgconn.PgError
				if !errors.As(err, &pgErr) || pgErr.Code != "22012" {
					t.Errorf("error %v, want division_by_zero (22012)", err)
				}
			},
			samePID: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openPool(t, url)
			pid := backendPID(t, db)
			timeout := tt.timeout
			if timeout == 0 {
				timeout = time.Minute
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			rows, err := db.QueryContext(ctx, tt.query)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			var g int
			var s []byte
			for rows.Next() {
				// database/sql may close the rows on cancellation
				// between Next and Scan: then Scan has the error.
				if err = rows.Scan(&g, &s); err != nil {
					break
				}
				n++
				if n == 1000 {
					tt.interrupt(t, pid, cancel, ctx)
				}
			}
			if err == nil {
				err = rows.Err()
			}
			rows.Close()
			if n >= bigRows {
				t.Fatalf("read all %d rows, want an interrupted result", n)
			}
			tt.check(t, err)

			if got, want := backendPID(t, db) == pid, tt.samePID; got != want {
				t.Errorf("same connection after the error: %v, want %v", got, want)
			}
			if n, h := digest(t, db, nil); n != bigRows {
				t.Errorf("next query read %d rows (digest %x), want %d", n, h, bigRows)
			}
		})
	}
}

// connect opens a single pgx connection with LargeReads.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	pgconnect.LargeReads(&cfg.Config, 0)
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestNotificationNotHeldBack: a read returns what the network has; it
// never waits for the buffer to fill, so a lone NOTIFY reaches a
// listener at once (settingsync relies on this).
func TestNotificationNotHeldBack(t *testing.T) {
	url := testdb.NewURL(t)
	listener := connect(t, url)
	if _, err := listener.Exec(context.Background(), "LISTEN pgconnect_test"); err != nil {
		t.Fatal(err)
	}
	sender := openPool(t, url)
	if _, err := sender.Exec("SELECT pg_notify('pgconnect_test', 'hello')"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := listener.WaitForNotification(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n.Payload != "hello" {
		t.Errorf("payload %q, want hello", n.Payload)
	}
}

// TestHijackAndConstruct: PgConn.SyncConn and Hijack see every byte,
// because the buffer lives in the net.Conn they hand over: a connection
// taken apart and rebuilt with pgconn.Construct keeps its LISTEN and
// answers queries.
func TestHijackAndConstruct(t *testing.T) {
	url := testdb.NewURL(t)
	conn := connect(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := conn.Exec(ctx, "LISTEN pgconnect_hijack"); err != nil {
		t.Fatal(err)
	}
	if n, h := digestPgx(t, conn); n != bigRows {
		t.Fatalf("read %d rows (%x)", n, h)
	}
	if err := conn.PgConn().SyncConn(ctx); err != nil {
		t.Fatal(err)
	}
	hc, err := conn.PgConn().Hijack()
	if err != nil {
		t.Fatal(err)
	}
	payloads := make(chan string, 1)
	hc.Config = hc.Config.Copy()
	hc.Config.OnNotification = func(_ *pgconn.PgConn, n *pgconn.Notification) { payloads <- n.Payload }
	pc, err := pgconn.Construct(hc)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close(context.Background())
	sender := openPool(t, url)
	if _, err := sender.Exec("SELECT pg_notify('pgconnect_hijack', 'after hijack')"); err != nil {
		t.Fatal(err)
	}
	if err := pc.WaitForNotification(ctx); err != nil {
		t.Fatal(err)
	}
	if p := <-payloads; p != "after hijack" {
		t.Errorf("payload %q", p)
	}
	res := pc.ExecParams(ctx, "SELECT count(*) FROM generate_series(1, 200000)", nil, nil, nil, nil).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := string(res.Rows[0][0]); got != strconv.Itoa(bigRows) {
		t.Errorf("count %s after reconstruct", got)
	}
}

// TestLargeParameter sends a 16 MiB parameter: pgx's background reader
// takes over reads while the write is slow, and hands them back (run with
// -race).
func TestLargeParameter(t *testing.T) {
	conn := connect(t, testdb.URL(t))
	big := make([]byte, 16<<20)
	for i := range big {
		big[i] = 'a' + byte(i%26)
	}
	for range 3 {
		var n int
		var md5 string
		if err := conn.QueryRow(context.Background(), "SELECT length($1::text), md5($1::text)", string(big)).Scan(&n, &md5); err != nil {
			t.Fatal(err)
		}
		if n != len(big) || len(md5) != 32 {
			t.Fatalf("length %d md5 %q", n, md5)
		}
	}
}

// digestPgx is digest on a pgx connection.
func digestPgx(t *testing.T, conn *pgx.Conn) (int, uint64) {
	t.Helper()
	rows, err := conn.Query(context.Background(), bigResult)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	return digestRows(t, rows, nil)
}
