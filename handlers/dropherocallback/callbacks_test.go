package dropherocallback_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/handlers/dropherocallback"
)

// stub records callbacks and knows one token.
type stub struct {
	mu     sync.Mutex
	prefix string // "" = dropship.DefaultCallbackPrefix
	token  string
	calls  []string
	fail   error
}

func (s *stub) Callback(ctx context.Context, kind, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	if token != s.token {
		return dropship.ErrUnknownToken
	}
	s.calls = append(s.calls, kind)
	return nil
}

func (s *stub) CallbackPrefix() string {
	if s.prefix == "" {
		return dropship.DefaultCallbackPrefix
	}
	return s.prefix
}

func mustNew(t *testing.T, cfg dropherocallback.Config) *dropherocallback.Handler {
	t.Helper()
	h, err := dropherocallback.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestCallbacks(t *testing.T) {
	tok := strings.Repeat("A", 43)
	tests := []struct {
		name, method, path string
		fail               error
		wantStatus         int
		wantBody, wantKind string
	}{
		{"products GET", "GET", "/drophero/callback/" + tok + "/products", nil, 200, "OK", "products"},
		{"orders POST", "POST", "/drophero/callback/" + tok + "/orders", nil, 200, "OK", "orders"},
		{"HEAD", "HEAD", "/drophero/callback/" + tok + "/orders", nil, 200, "", "orders"},
		{"wrong token", "GET", "/drophero/callback/" + strings.Repeat("B", 43) + "/products", nil, 404, "", ""},
		{"unknown kind", "GET", "/drophero/callback/" + tok + "/other", nil, 404, "", ""},
		{"database down", "GET", "/drophero/callback/" + tok + "/products", errors.New("db down"), 503, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stub{token: tok, fail: tt.fail}
			e := echo.New()
			mustNew(t, dropherocallback.Config{Service: s}).Mount(e.Group(""))
			req := httptest.NewRequest(tt.method, tt.path+"?x=1", strings.NewReader("ignored body"))
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			if tt.method != "HEAD" && rec.Body.String() != tt.wantBody {
				t.Errorf("body %q, want %q", rec.Body.String(), tt.wantBody)
			}
			if tt.wantKind != "" && (len(s.calls) != 1 || s.calls[0] != tt.wantKind) {
				t.Errorf("calls %v", s.calls)
			}
			if tt.wantStatus == 200 && !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
				t.Errorf("content type %q", rec.Header().Get("Content-Type"))
			}
		})
	}
}

// The prefix comes from the service: a handler mounts exactly where the
// service's announced callback URLs point.
func TestPrefixFromService(t *testing.T) {
	tok := strings.Repeat("A", 43)
	s := &stub{token: tok, prefix: "/hooks/dh"}
	e := echo.New()
	mustNew(t, dropherocallback.Config{Service: s}).Mount(e.Group(""))
	for path, want := range map[string]int{"/hooks/dh/" + tok + "/products": 200, "/drophero/callback/" + tok + "/products": 404} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("%s: status %d, want %d", path, rec.Code, want)
		}
	}
}

// New validates at build time: no service, or a service with a relative
// prefix, is an error instead of a panic per request.
func TestNewValidates(t *testing.T) {
	if _, err := dropherocallback.New(dropherocallback.Config{}); err == nil {
		t.Error("no service accepted")
	}
	if _, err := dropherocallback.New(dropherocallback.Config{Service: &stub{prefix: "relative"}}); err == nil {
		t.Error("relative prefix accepted")
	}
}

// prefixOnly stands in for a *dropship.Service (built with dropship.New),
// which checks the token and enqueues the sync.
type prefixOnly struct{}

func (prefixOnly) Callback(context.Context, string, string) error { return nil }
func (prefixOnly) CallbackPrefix() string                         { return dropship.DefaultCallbackPrefix }

func ExampleHandler_Mount() {
	e := echo.New()
	var svc dropherocallback.Callbacks = prefixOnly{} // in a shop: the *dropship.Service
	h, err := dropherocallback.New(dropherocallback.Config{Service: svc})
	if err != nil {
		panic(err)
	}
	h.Mount(e.Group(""))
	for _, r := range e.Routes() {
		if r.Method == http.MethodGet {
			fmt.Println(r.Path)
		}
	}
	// Output: /drophero/callback/:token/:kind
}
