package dropship_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

func newClient(t *testing.T, fake *dropherotest.Server, mod func(*drophero.Config)) *drophero.Client {
	t.Helper()
	cfg := fake.ClientConfig()
	cfg.Gate, cfg.RetryBackoff = &drophero.MemoryGate{Gap: time.Millisecond}, time.Millisecond
	if mod != nil {
		mod(&cfg)
	}
	c, err := drophero.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Three clients (as on three app servers) share one PostgreSQL: the gate
// keeps the account at or under 1 request per second; the fake never bans.
func TestThreeClientsSharedDatabaseNeverBanned(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 10 s")
	}
	fake := dropherotest.NewServer()
	defer fake.Close()
	url := testdb.NewURL(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := 0; i < 3; i++ {
		db := openDB(t, url) // separate pool: like another process
		if i == 0 {
			if err := gormmodels.Migrate(db); err != nil {
				t.Fatal(err)
			}
		}
		wg.Add(1)
		go func(db *gormDB) {
			defer wg.Done()
			c := newClient(t, fake, func(c *drophero.Config) { c.Gate = &dropship.PostgresGate{DB: db} })
			for j := 0; j < 3; j++ {
				if _, err := c.ShippingModes(ctx); err != nil {
					errs <- err
				}
			}
		}(db)
		if i == 0 {
			time.Sleep(100 * time.Millisecond) // let the migration finish
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if b := fake.Bans(); len(b) != 0 {
		t.Fatalf("banned: %+v", b)
	}
	reqs := fake.Requests()
	if len(reqs) != 9 {
		t.Errorf("%d requests", len(reqs))
	}
	for i := 1; i < len(reqs); i++ {
		if d := reqs[i].Time.Sub(reqs[i-1].Time); d < time.Second {
			t.Errorf("requests %d and %d %v apart", i-1, i, d)
		}
	}
}

func TestPostgresGateCircuitBreaker(t *testing.T) {
	db := openDB(t, testdb.NewURL(t))
	if err := gormmodels.Migrate(db); err != nil {
		t.Fatal(err)
	}
	fake := dropherotest.NewServer(dropherotest.WithoutRateLimit()) // only the injected 403 matters here
	defer fake.Close()
	gate := &dropship.PostgresGate{DB: db, Gap: time.Millisecond, BanPause: time.Hour}
	c := newClient(t, fake, func(c *drophero.Config) { c.Gate = gate })
	ctx := context.Background()
	fake.FailNext("/v1/shipping", dropherotest.Status(403))
	if _, err := c.ShippingModes(ctx); !errors.Is(err, drophero.ErrBanned) {
		t.Fatalf("403: %v", err)
	}
	before := len(fake.Requests())
	// Another process on the same database is held back too.
	other := newClient(t, fake, func(c *drophero.Config) { c.Gate = &dropship.PostgresGate{DB: openDB(t, dbURL(db))} })
	if _, err := other.ShippingModes(ctx); !errors.Is(err, drophero.ErrBanned) || len(fake.Requests()) != before {
		t.Errorf("circuit not shared: %v", err)
	}
	if err := gate.ResetCircuit(ctx, dropherotest.DefaultPublicKey); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ShippingModes(ctx); err != nil {
		t.Errorf("after reset: %v", err)
	}
}

// A request cancelled while in flight may still reach DropHero: the gate
// must record it, so the next request (here from another process) keeps
// its distance and the fake never bans.
func TestPostgresGateRecordsCancelledRequest(t *testing.T) {
	url := testdb.NewURL(t)
	db1, db2 := openDB(t, url), openDB(t, url)
	if err := gormmodels.Migrate(db1); err != nil {
		t.Fatal(err)
	}
	fake := dropherotest.NewServer(dropherotest.WithLatency(300 * time.Millisecond))
	defer fake.Close()
	gate := func(db *gormDB) *dropship.PostgresGate {
		return &dropship.PostgresGate{DB: db, Gap: 1100 * time.Millisecond, TimeoutGap: 1200 * time.Millisecond}
	}
	c1 := newClient(t, fake, func(c *drophero.Config) { c.Gate = gate(db1); c.Retries = -1 })
	c2 := newClient(t, fake, func(c *drophero.Config) { c.Gate = gate(db2); c.Retries = -1 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c1.ShippingModes(ctx); err == nil {
		t.Fatal("the cancelled request succeeded")
	}
	if _, err := c2.ShippingModes(context.Background()); err != nil {
		t.Errorf("next request: %v", err)
	}
	if b := fake.Bans(); len(b) != 0 {
		t.Errorf("banned after a cancelled request: %+v", b)
	}
	var rows []gormmodels.DropHeroGate
	db1.Find(&rows)
	for _, r := range rows {
		if strings.Contains(r.PublicKey, dropherotest.DefaultPublicKey) {
			t.Error("gate row stores the public key in clear")
		}
	}
}

// TestClockOffsetKeptForLaterClients: the offset measured on a 401 is kept in
// the PostgreSQL gate row
// (docs/protocol/drophero.md#signature-lifetime-and-clock-skew), so a client
// created later for the same account (the service builds one per job) signs
// with it from its first request instead of being rejected again. drophero
// tests the same with its MemoryGate.
func TestClockOffsetKeptForLaterClients(t *testing.T) {
	fake := dropherotest.NewServer(dropherotest.WithoutRateLimit())
	defer fake.Close()
	ctx := context.Background()
	skewed := func() time.Time { return time.Now().Add(-15 * time.Minute) }
	db := testdb.New(t)
	if err := gormmodels.Migrate(db); err != nil {
		t.Fatal(err)
	}
	gate := &dropship.PostgresGate{DB: db, Gap: time.Millisecond}
	rejected := func() int {
		n := 0
		for _, r := range fake.Requests() {
			if r.Status == 401 {
				n++
			}
		}
		return n
	}
	c1 := newClient(t, fake, func(c *drophero.Config) { c.Gate, c.Now = gate, skewed })
	if _, err := c1.ShippingModes(ctx); err != nil {
		t.Fatal(err)
	}
	if n := rejected(); n != 1 {
		t.Fatalf("first client: %d rejected requests, want 1", n)
	}
	c2 := newClient(t, fake, func(c *drophero.Config) { c.Gate, c.Now = gate, skewed })
	if _, err := c2.ShippingModes(ctx); err != nil {
		t.Fatal(err)
	}
	if n := rejected(); n != 1 {
		t.Errorf("a later client was rejected again: %d rejected requests", n-1)
	}
}
