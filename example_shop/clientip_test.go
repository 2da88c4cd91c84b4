package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestClientIPExtractor checks that a spoofed X-Forwarded-For or X-Real-IP
// is not believed from a client that is not a configured proxy, and is
// believed from one that is.
func TestClientIPExtractor(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		remote  string
		want    string
	}{
		{name: "direct ignores headers", remote: "203.0.113.7:4000", want: "203.0.113.7"},
		{name: "direct ignores headers from loopback", remote: "127.0.0.1:4000", want: "127.0.0.1"},
		{name: "untrusted peer", trusted: []string{"10.0.0.0/8"}, remote: "203.0.113.7:4000", want: "203.0.113.7"},
		{name: "trusted proxy", trusted: []string{"10.0.0.0/8"}, remote: "10.1.2.3:4000", want: "198.51.100.9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := clientIPExtractor(tc.trusted)
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodPost, "/", nil)
			req.RemoteAddr = tc.remote
			req.Header.Set("X-Forwarded-For", "198.51.100.9")
			req.Header.Set("X-Real-IP", "192.0.2.66")
			if got := x(req); got != tc.want {
				t.Fatalf("client IP %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := clientIPExtractor([]string{"not-a-cidr"}); err == nil {
		t.Fatal("an invalid range was accepted")
	}
}
