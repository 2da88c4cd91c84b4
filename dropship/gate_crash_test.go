package dropship_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

// Environment of the child process of TestPostgresGateSurvivesCrash.
const (
	crashChildDB   = "SHOPBRIDGE_GATE_CRASH_DB"
	crashChildFake = "SHOPBRIDGE_GATE_CRASH_FAKE"
)

// crashAfterSend is a Gate around a PostgresGate whose request, once it has
// reached DropHero, reports "sent" and never returns: the process dies
// (SIGKILL from the parent test) before the gate learns the response.
type crashAfterSend struct{ g *dropship.PostgresGate }

func (c crashAfterSend) Do(ctx context.Context, pub string, fn func(ctx context.Context) (drophero.Outcome, error)) error {
	return c.g.Do(ctx, pub, func(ctx context.Context) (drophero.Outcome, error) {
		_, err := fn(ctx)
		fmt.Printf("sent %v\n", err)
		select {} // killed here
	})
}

// TestGateCrashChild is the process that crashes; it runs only when
// started by TestPostgresGateSurvivesCrash.
func TestGateCrashChild(t *testing.T) {
	url, fakeURL := os.Getenv(crashChildDB), os.Getenv(crashChildFake)
	if url == "" || fakeURL == "" {
		t.Skip("child process of TestPostgresGateSurvivesCrash")
	}
	db := openDB(t, url)
	c, err := drophero.NewClient(drophero.Config{BaseURL: fakeURL, PublicKey: dropherotest.DefaultPublicKey,
		SecretKey: dropherotest.DefaultSecretKey, Retries: -1,
		Gate: crashAfterSend{&dropship.PostgresGate{DB: db}}})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.ShippingModes(context.Background())
}

// A process that dies after its request reached DropHero but before the
// gate recorded the response (docs/protocol/drophero.md#crash-safe-gate):
// the slot it reserved before sending is in the database, so the next
// request of another process waits instead of following at once, and the
// fake (1 request/s, ban on excess) never bans.
func TestPostgresGateSurvivesCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	url := testdb.NewURL(t)
	db := openDB(t, url)
	if err := gormmodels.Migrate(db); err != nil {
		t.Fatal(err)
	}
	fake := dropherotest.NewServer()
	defer fake.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestGateCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashChildDB+"="+url, crashChildFake+"="+fake.BaseURL())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sent := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "sent") {
				sent <- sc.Text()
				break
			}
		}
		for sc.Scan() {
		}
	}()
	select {
	case line := <-sent:
		if line != "sent <nil>" {
			t.Fatalf("child's request: %s", line)
		}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("the child never sent its request")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	// Another process (its own pool) sends right after the crash.
	c := newClient(t, fake, func(c *drophero.Config) {
		c.Gate = &dropship.PostgresGate{DB: openDB(t, url)}
		c.Retries = -1
	})
	if _, err := c.ShippingModes(context.Background()); err != nil {
		t.Fatalf("request after the crash: %v", err)
	}
	if b := fake.Bans(); len(b) != 0 {
		t.Fatalf("a crash let two requests through within a second: %+v", b)
	}
	reqs := fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	if d := reqs[1].Time.Sub(reqs[0].Time); d < drophero.DefaultGap {
		t.Errorf("the request after the crash followed after %v, want at least %v", d, drophero.DefaultGap)
	}
	var row gormmodels.DropHeroGate
	if err := db.First(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.Holder != "" {
		t.Errorf("holder %q left after a completed request", row.Holder)
	}
}
