package main

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/pgconnect"
)

// TestOpenDBPostgres: the shop's PostgreSQL pool reads through pgconnect's
// buffer and keeps its pool limits (docs/catalog.md#larger-socket-reads-pgconnect).
func TestOpenDBPostgres(t *testing.T) {
	db, err := openDB(testdb.NewURL(t), "", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	if got := sqlDB.Stats().MaxOpenConnections; got != 50 {
		t.Errorf("MaxOpenConnections = %d, want 50", got)
	}
	var n int64
	if err := db.Raw("SELECT count(*) FROM generate_series(1, 100000)").Scan(&n).Error; err != nil || n != 100000 {
		t.Fatalf("count %d, %v", n, err)
	}
	conn, err := sqlDB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("not a pgx connection")
		}
		if got := pgconnect.ReadBuffer(sc.Conn().PgConn().Conn()); got != pgconnect.ReadBufferSize {
			t.Errorf("read buffer %d, want %d", got, pgconnect.ReadBufferSize)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
