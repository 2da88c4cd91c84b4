package pgconnect

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// pipe returns a bufferedConn of size bytes over one end of a real
// in-memory connection, and the other end.
func pipe(t *testing.T, size int) (*bufferedConn, net.Conn) {
	t.Helper()
	client, server := net.Pipe()
	t.Cleanup(func() { client.Close(); server.Close() })
	cfg := &pgconn.Config{DialFunc: func(context.Context, string, string) (net.Conn, error) {
		return client, nil
	}}
	LargeReads(cfg, size)
	c, err := cfg.DialFunc(context.Background(), "tcp", "pipe")
	if err != nil {
		t.Fatal(err)
	}
	return c.(*bufferedConn), server
}

// TestReadSizes: whatever the caller's read sizes and however the peer's
// writes are cut, the bytes arrive complete and in order, and no buffer is
// held once everything is read.
func TestReadSizes(t *testing.T) {
	const size = 4096
	data := make([]byte, 100_000)
	for i := range data {
		data[i] = byte(i*7 + i/251)
	}
	tests := []struct {
		name        string
		read, write int
	}{
		{"tiny reads, large writes", 7, 50_000},
		{"reads of pgx's tail space", 100, 9000},
		{"reads just under the buffer", size - 1, 30_000},
		{"reads as large as the buffer", size, 30_000},
		{"reads larger than the buffer", 3 * size, 1000},
		{"writes of one byte", 64, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, peer := pipe(t, size)
			go func() {
				for rest := data; len(rest) > 0; {
					n := min(tt.write, len(rest))
					if _, err := peer.Write(rest[:n]); err != nil {
						return
					}
					rest = rest[n:]
				}
				peer.Close()
			}()
			var got []byte
			p := make([]byte, tt.read)
			for {
				n, err := c.Read(p)
				got = append(got, p[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("read %d bytes, not the %d written", len(got), len(data))
			}
			if c.buf != nil {
				t.Error("buffer still held after everything was read")
			}
		})
	}
}

// TestUnreadBytesStayWithConn: bytes read ahead belong to the connection
// object, so whoever reads it next (pgconn.Construct's new frontend after
// Hijack) gets them, not only the reader that caused the read.
func TestUnreadBytesStayWithConn(t *testing.T) {
	c, peer := pipe(t, 4096)
	go peer.Write([]byte("first|second"))
	first := make([]byte, len("first|"))
	if _, err := io.ReadFull(c, first); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(io.LimitReader(c, int64(len("second"))))
	if err != nil {
		t.Fatal(err)
	}
	if string(first)+string(rest) != "first|second" {
		t.Errorf("read %q then %q", first, rest)
	}
}

// TestDeadline: with nothing buffered a passed deadline fails the read at
// once (how pgx interrupts a cancelled query); buffered bytes are still
// handed out first, then the deadline error comes.
func TestDeadline(t *testing.T) {
	c, peer := pipe(t, 4096)
	if err := c.SetReadDeadline(time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read with passed deadline: %v", err)
	}
	c.SetReadDeadline(time.Time{})
	go peer.Write([]byte("0123456789"))
	p := make([]byte, 4)
	if n, err := c.Read(p); n != 4 || err != nil {
		t.Fatalf("read %d, %v", n, err)
	}
	c.SetReadDeadline(time.Now().Add(-time.Second))
	if n, err := c.Read(make([]byte, 100)); n != 6 || err != nil {
		t.Fatalf("buffered read after deadline: %d, %v; want the 6 buffered bytes", n, err)
	}
	if _, err := c.Read(p); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read after the buffered bytes: %v, want deadline exceeded", err)
	}
}

// dataAndError is a net.Conn whose single read returns data together with
// an error, which io.Reader allows and a caller must see in that order.
type dataAndError struct {
	net.Conn
	data []byte
	err  error
	mu   sync.Mutex
}

func (c *dataAndError) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := copy(p, c.data)
	c.data = c.data[n:]
	return n, c.err
}

// TestErrorWithData: an error the network returns together with bytes is
// returned with the last of those bytes, not lost and not early.
func TestErrorWithData(t *testing.T) {
	broken := errors.New("connection reset")
	tests := []struct {
		name string
		read int
	}{
		{"all bytes fit the caller", 100},
		{"bytes stay buffered", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &pgconn.Config{DialFunc: func(context.Context, string, string) (net.Conn, error) {
				return &dataAndError{data: []byte("0123456789"), err: broken}, nil
			}}
			LargeReads(cfg, 64)
			c, _ := cfg.DialFunc(context.Background(), "tcp", "x")
			var got []byte
			p := make([]byte, tt.read)
			for {
				n, err := c.Read(p)
				got = append(got, p[:n]...)
				if err != nil {
					if !errors.Is(err, broken) {
						t.Fatalf("error %v", err)
					}
					break
				}
			}
			if string(got) != "0123456789" {
				t.Errorf("read %q before the error", got)
			}
		})
	}
}

// TestLargeReadsDefaults: a zero size means ReadBufferSize, a nil
// DialFunc pgx's default dialer, and applying LargeReads twice does not
// stack two buffers.
func TestLargeReadsDefaults(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	cfg := &pgconn.Config{}
	LargeReads(cfg, 0)
	LargeReads(cfg, 0)
	c, err := cfg.DialFunc(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bc, ok := c.(*bufferedConn)
	if !ok {
		t.Fatalf("dialled %T", c)
	}
	if _, twice := bc.Conn.(*bufferedConn); twice {
		t.Error("two buffers stacked")
	}
	if bc.size != ReadBufferSize {
		t.Errorf("size %d, want %d", bc.size, ReadBufferSize)
	}
}

func TestReadBuffer(t *testing.T) {
	c, peer := pipe(t, 4096)
	tests := []struct {
		name string
		conn net.Conn
		want int
	}{
		{"buffered", c, 4096},
		{"TLS on top", tls.Client(c, &tls.Config{}), 4096},
		{"plain", peer, 0},
		{"nil", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReadBuffer(tt.conn); got != tt.want {
				t.Errorf("ReadBuffer = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestOpenErrorHidesPassword: a URL that does not parse is reported
// without its password (the error ends up in logs).
func TestOpenErrorHidesPassword(t *testing.T) {
	tests := []string{
		"postgres://shop:s3cret-pw@localhost:notaport/shop",
		"postgres://shop:s3cret-pw@localhost/shop?sslmode=bogus",
		"host=localhost password=s3cret-pw port=notaport",
	}
	for _, url := range tests {
		_, err := Open(url)
		if err == nil {
			t.Errorf("Open(%q) accepted", url)
			continue
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}
