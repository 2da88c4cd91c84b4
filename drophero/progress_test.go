package drophero_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
)

// bufferingProxy forwards to the fake and answers with the whole body and
// its Content-Length, as a server that buffers its output does.
func bufferingProxy(t *testing.T, fake *dropherotest.Server) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, fake.URL+r.URL.RequestURI(), r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, bytes.NewReader(body))
	}))
}

// Subscribed reports the bytes read and the body's Content-Length, so a
// caller can estimate the product total of a sync
// (docs/protocol/drophero.md#sync-progress); without Content-Length the
// size is reported as unknown (-1).
func TestSubscribedProgress(t *testing.T) {
	fake := dropherotest.NewServer(dropherotest.WithoutRateLimit())
	defer fake.Close()
	proxy := bufferingProxy(t, fake)
	defer proxy.Close()
	for _, tc := range []struct {
		name      string
		base      string
		knownSize bool
	}{{"content-length", proxy.URL + "/v1/", true}, {"streamed", fake.BaseURL(), false}} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, fake, func(c *drophero.Config) { c.BaseURL = tc.base })
			var read, total int64
			calls := 0
			err := c.Subscribed(context.Background(), drophero.FirstSyncEpoch, drophero.SubscribedHandler{
				Progress: func(r, n int64) { read, total, calls = r, n, calls+1 }})
			if err != nil {
				t.Fatal(err)
			}
			if calls == 0 || read <= 0 {
				t.Fatalf("progress: %d calls, %d bytes read", calls, read)
			}
			if tc.knownSize && total != read {
				t.Errorf("size %d, read %d: want the Content-Length, all read", total, read)
			}
			if !tc.knownSize && total > 0 {
				t.Errorf("size %d reported for a streamed answer", total)
			}
		})
	}
}
