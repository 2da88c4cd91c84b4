package main

import (
	"bufio"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate"
)

// shutdownProducts is the catalogue of TestGracefulShutdownSubprocess: its
// export is several megabytes, more than the socket buffers hold, so a
// client that stops reading keeps the export handler running.
const shutdownProducts = 6000

// TestGracefulShutdownSubprocess starts the real example shop on a fresh
// PostgreSQL database, stalls a catalogue export half-way, sends SIGTERM and
// checks the graceful shutdown (docs/operations.md#graceful-shutdown):
// readiness turns 503 while the listener still accepts (SHOP_SHUTDOWN_DELAY),
// then new connections are refused, the stalled export still completes in
// full, the process exits 0 and no outbox lease is left held.
func TestGracefulShutdownSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example shop")
	}
	dbURL := testdb.NewURL(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "example_shop")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-data-dir", dir, "-seed-products", strconv.Itoa(shutdownProducts), "-serve")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"SHOPBRIDGE_KEY_FILE="+filepath.Join(dir, "key"),
		"SHOP_ADMIN_PASSWORD=shutdown-test",
		"SHOP_SHUTDOWN_DELAY=2s",
		"SHOP_SHUTDOWN_TIMEOUT=120s",
		"SHOPGATE_CUSTOMER_NUMBER=", // demo mode: demo credentials, fakes
	)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var logMu sync.Mutex
	var logText strings.Builder
	addrc := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`shop is listening.*"addr": "([^"]+)"`)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			logMu.Lock()
			logText.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
		exited <- cmd.Wait()
	}()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			logMu.Lock()
			t.Logf("shop log:\n%s", logText.String())
			logMu.Unlock()
		}
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-exited:
		t.Fatalf("the shop exited before listening: %v", err)
	case <-time.After(5 * time.Minute):
		t.Fatal("the shop did not start")
	}
	base := "http://" + addr

	// A catalogue export whose client reads a little, then stalls: the
	// handler is blocked writing when the signal comes.
	form := url.Values{"action": {"get_items"}, "shop_number": {demoShopNumber}}
	req, err := http.NewRequest(http.MethodPost, base+"/shopgate/api", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	shopgate.SignRequest(req.Header, shopgate.PrefixSPA, demoCustomerNumber, demoAPIKey, time.Now())
	slow := &http.Client{Transport: &http.Transport{DisableCompression: true,
		// A small receive buffer, set before connecting (so the TCP
		// window is negotiated with it), keeps most of the export in the
		// shop while the client stalls.
		DialContext: (&net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			if err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10)
			}); err != nil {
				return err
			}
			return serr
		}}).DialContext}}
	resp, err := slow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	head := make([]byte, 4096)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatalf("export start: %v (status %d)", err, resp.StatusCode)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Draining: readiness answers 503 while the listener still accepts.
	sawDraining := false
	refused := false
	deadline := time.Now().Add(20 * time.Second)
	for !refused && time.Now().Before(deadline) {
		r, err := http.Get(base + "/readyz")
		if err != nil {
			var op *net.OpError
			refused = errors.As(err, &op) && errors.Is(err, syscall.ECONNREFUSED)
			if !refused {
				t.Logf("readyz: %v", err)
			}
			continue
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(body), `"draining"`) {
			sawDraining = true
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !sawDraining {
		t.Error("readiness never answered 503 draining after SIGTERM")
	}
	if !refused {
		t.Fatal("new connections still accepted long after SIGTERM")
	}
	// The stalled export keeps the process alive.
	select {
	case err := <-exited:
		t.Fatalf("the shop exited with an export in flight: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("in-flight export cut off: %v", err)
	}
	doc := string(head) + string(rest)
	// Complete: a well-formed document with every exported product (the
	// seeded catalogue has a few inactive ones, which are not exported).
	dec := xml.NewDecoder(strings.NewReader(doc))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("in-flight export cut off: %v (%d bytes)", err, len(doc))
		}
	}
	if n := strings.Count(doc, "<item "); n < shutdownProducts*9/10 || !strings.HasSuffix(strings.TrimSpace(doc), "</items>") {
		t.Errorf("in-flight export incomplete: %d items, %d bytes, ends %q", n, len(doc), doc[max(0, len(doc)-40):])
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the shop did not exit after the export ended")
	}
	db, err := gorm.Open(postgres.Open(dbURL), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := db.DB(); err == nil {
		defer s.Close()
	}
	var held int64
	if err := db.Model(&gormmodels.OutboxJob{}).Where("state = ? OR lease_until IS NOT NULL", gormmodels.OutboxRunning).
		Count(&held).Error; err != nil {
		t.Fatal(err)
	}
	if held != 0 {
		t.Errorf("%d outbox leases still held after a graceful shutdown", held)
	}
	var states []struct {
		State string
		N     int64
	}
	db.Model(&gormmodels.OutboxJob{}).Select("state, count(*) AS n").Group("state").Scan(&states)
	t.Logf("outbox after the shutdown: %+v", states)
	logMu.Lock()
	defer logMu.Unlock()
	for _, want := range []string{"shutting down: draining", "shutdown: drained"} {
		if !strings.Contains(logText.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}
