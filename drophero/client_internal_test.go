package drophero

import (
	"net/http"
	"testing"
)

// TestDefaultTransportHasNoHeaderTimeout: the default HTTP client must not
// carry a ResponseHeaderTimeout of its own. One equal to the attempt
// timeout raced the attempt's context, so a timed-out attempt ended with
// either context.DeadlineExceeded or a transport error, depending on which
// timer fired first (flaky TestAttemptTimeoutCoversBody).
func TestDefaultTransportHasNoHeaderTimeout(t *testing.T) {
	c, err := NewClient(Config{PublicKey: "p", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := c.hc.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("default transport is %T", c.hc.Transport)
	}
	if tr.ResponseHeaderTimeout != 0 {
		t.Errorf("ResponseHeaderTimeout %v competes with the attempt timeout", tr.ResponseHeaderTimeout)
	}
}
