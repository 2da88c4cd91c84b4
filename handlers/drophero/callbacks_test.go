package drophero_test

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

	dh "github.com/shopbridge/shopbridge/drophero"
	handler "github.com/shopbridge/shopbridge/handlers/drophero"
)

// stub records callbacks and knows one token.
type stub struct {
	mu    sync.Mutex
	token string
	calls []string
	fail  error
}

func (s *stub) Callback(ctx context.Context, kind, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	if token != s.token {
		return dh.ErrUnknownToken
	}
	s.calls = append(s.calls, kind)
	return nil
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
			handler.New(handler.Config{Service: s}).Mount(e.Group(""))
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

func ExampleHandler_Mount() {
	e := echo.New()
	var svc *dh.Service // from drophero.NewService; it checks the token and enqueues the sync
	handler.New(handler.Config{Service: svc}).Mount(e.Group(""))
	for _, r := range e.Routes() {
		if r.Method == http.MethodGet {
			fmt.Println(r.Path)
		}
	}
	// Output: /drophero/callback/:token/:kind
}
