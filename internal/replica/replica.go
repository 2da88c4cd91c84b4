// Package replica runs several real example-shop processes on one
// PostgreSQL database against the shipped fakes, as a shop behind a load
// balancer runs (docs/architecture.md#replica-harness).
//
// It builds the example shop once ([Build]), starts the fake Merchant API
// with one loopback front per process ([MerchantFronts]: the same fake
// state, but every request is attributed to the process that sent it and
// a front can hold a process's delivery notes), starts the processes
// ([Start]) and talks to them as Shopgate would ([Client]). The replica
// test (replica_test.go) and bench/replicas use it.
package replica

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ModuleRoot returns the directory of the shopbridge module (where go.mod
// is), asking the go command from the working directory.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, goBin(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("replica: go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("replica: not inside a Go module")
	}
	return filepath.Dir(mod), nil
}

// goBin is the go command: the one on PATH, else the toolchain's own.
func goBin() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// Build compiles ./example_shop of the module at root to out. With race
// the binary has the race detector (tests built with -race then reuse
// their compiled packages from the build cache instead of compiling the
// SQLite driver a second time).
func Build(ctx context.Context, root, out string, race bool) error {
	args := []string{"build", "-o", out}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "./example_shop")
	cmd := exec.CommandContext(ctx, goBin(), args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("replica: go build ./example_shop: %w\n%s", err, stderr.String())
	}
	return nil
}

// Shop is one running example-shop process, in its own process group.
type Shop struct {
	// Name identifies the process in messages ("p1").
	Name string
	// LogPath is the file receiving its stdout and stderr.
	LogPath string
	// URL is http://host:port once [Shop.WaitListening] succeeded.
	URL string

	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	// state is the exit state once done is closed.
	state *os.ProcessState
	err   error
}

// Start launches bin (with args) as a new process group, with exactly env
// as its environment and dataDir as working and data directory; its output
// goes to logPath. It does not wait for the shop to listen.
func Start(name, bin string, args, env []string, dataDir, logPath string) (*Shop, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("replica: %s log: %w", name, err)
	}
	cmd := exec.Command(bin, append([]string{"-data-dir", dataDir}, args...)...)
	cmd.Dir = dataDir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("replica: start %s: %w", name, err)
	}
	s := &Shop{Name: name, LogPath: logPath, cmd: cmd, log: f, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		s.state = cmd.ProcessState
		f.Close()
		close(s.done)
	}()
	return s, nil
}

// Pid is the process id (also its process group id).
func (s *Shop) Pid() int { return s.cmd.Process.Pid }

// Signal sends sig to the shop's whole process group.
func (s *Shop) Signal(sig syscall.Signal) error {
	if s.Exited() {
		return nil
	}
	if err := syscall.Kill(-s.cmd.Process.Pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("replica: signal %v to %s: %w", sig, s.Name, err)
	}
	return nil
}

// Kill ends the process group with SIGKILL and waits for the process.
func (s *Shop) Kill() {
	_ = s.Signal(syscall.SIGKILL)
	<-s.done
}

// Exited reports whether the process has ended.
func (s *Shop) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Wait waits for the process to end (or ctx) and returns its exit code;
// -1 with an error when it was ended by a signal or ctx ended first.
func (s *Shop) Wait(ctx context.Context) (int, error) {
	select {
	case <-s.done:
	case <-ctx.Done():
		return -1, fmt.Errorf("replica: %s still running: %w", s.Name, ctx.Err())
	}
	if s.state == nil {
		return -1, s.err
	}
	if ws, ok := s.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -1, fmt.Errorf("replica: %s ended by signal %v", s.Name, ws.Signal())
	}
	return s.state.ExitCode(), nil
}

// listenRE finds the bound address in the start-up banner, which the shop
// logs only after the bind succeeded.
var listenRE = regexp.MustCompile(`shop is listening.*"addr": "([^"]+)"`)

// WaitListening polls the log for the start-up banner and sets URL.
func (s *Shop) WaitListening(ctx context.Context) error {
	for {
		if m := listenRE.FindSubmatch(s.readLog()); m != nil {
			s.URL = "http://" + string(m[1])
			return nil
		}
		if s.Exited() {
			return fmt.Errorf("replica: %s exited before listening", s.Name)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return fmt.Errorf("replica: %s not listening: %w", s.Name, err)
		}
	}
}

// WaitReady polls GET /readyz until it answers 200.
func (s *Shop) WaitReady(ctx context.Context) error {
	last := ""
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/readyz", nil)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("HTTP %d %s", res.StatusCode, body)
		} else {
			last = err.Error()
		}
		if s.Exited() {
			return fmt.Errorf("replica: %s exited before ready", s.Name)
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return fmt.Errorf("replica: %s not ready (%s): %w", s.Name, last, err)
		}
	}
}

// LogContains reports whether the process's log contains s.
func (s *Shop) LogContains(sub string) bool { return bytes.Contains(s.readLog(), []byte(sub)) }

func (s *Shop) readLog() []byte {
	b, _ := os.ReadFile(s.LogPath)
	return b
}

// Tail returns the last n lines of the process's log.
func (s *Shop) Tail(n int) string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(s.readLog()))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Poll calls f every interval until it returns true or ctx ends.
func Poll(ctx context.Context, interval time.Duration, f func() bool) error {
	for !f() {
		if err := sleep(ctx, interval); err != nil {
			return err
		}
	}
	return nil
}

// MerchantFront is one process's door to the shared fake Merchant API: a
// loopback server forwarding to the fake's handler, counting the actions
// it forwarded and, while holding, keeping delivery notes from reaching
// the fake until the caller goes away.
type MerchantFront struct {
	srv     *httptest.Server
	path    string
	hold    atomic.Bool
	held    atomic.Int32
	release chan struct{}
	once    sync.Once

	mu        sync.Mutex
	forwarded map[string][]string // action → order numbers ("" without one)
}

// HeldAction is the Merchant API action a holding front keeps back.
const HeldAction = "add_order_delivery_note"

// NewMerchantFront starts a front for the fake handler h answering on
// path (the fake's, e.g. shopgatetest.DefaultPath).
func NewMerchantFront(h http.Handler, path string) *MerchantFront {
	f := &MerchantFront{path: path, release: make(chan struct{}), forwarded: map[string][]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		form, _ := url.ParseQuery(string(body))
		action := form.Get("action")
		if action == HeldAction && f.hold.Load() {
			f.held.Add(1)
			select { // never answered: the caller dies or gives up
			case <-r.Context().Done():
			case <-f.release:
			}
			return
		}
		f.mu.Lock()
		f.forwarded[action] = append(f.forwarded[action], form.Get("order_number"))
		f.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	}))
	return f
}

// URL is the Merchant API URL a process is configured with.
func (f *MerchantFront) URL() string { return f.srv.URL + f.path }

// Hold switches holding delivery notes on or off.
func (f *MerchantFront) Hold(on bool) { f.hold.Store(on) }

// Held counts the delivery notes held back so far.
func (f *MerchantFront) Held() int { return int(f.held.Load()) }

// Forwarded returns the order numbers of the forwarded calls of action.
func (f *MerchantFront) Forwarded(action string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.forwarded[action]...)
}

// Close releases held requests and stops the front.
func (f *MerchantFront) Close() {
	f.once.Do(func() {
		close(f.release)
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
}
