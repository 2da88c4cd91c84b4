package drophero_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
)

func newClient(t *testing.T, fake *dropherotest.Server, mod func(*drophero.Config)) *drophero.Client {
	t.Helper()
	cfg := drophero.Config{BaseURL: fake.BaseURL(), PublicKey: dropherotest.DefaultPublicKey, SecretKey: dropherotest.DefaultSecretKey,
		Gate: &drophero.MemoryGate{Gap: time.Millisecond}, RetryBackoff: time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	c, err := drophero.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// failN queues the fault f for the next n requests under pathPrefix.
func failN(fake *dropherotest.Server, n int, pathPrefix string, f dropherotest.Fault) {
	for i := 0; i < n; i++ {
		fake.FailNext(pathPrefix, f)
	}
}

func TestClientEndpoints(t *testing.T) {
	fake := dropherotest.NewServer(dropherotest.WithoutRateLimit())
	defer fake.Close()
	c := newClient(t, fake, nil)
	ctx := context.Background()

	if err := c.Announce(ctx, "shopbridge", "1.0.0", "https://s/o", "https://s/p"); err != nil {
		t.Fatal(err)
	}
	if u := fake.CallbackURLs(); u["products"] != "https://s/p" || u["orderstatus"] != "https://s/o" || !fake.Installed() {
		t.Errorf("announce: %v", u)
	}
	if err := c.SendCategories(ctx, []drophero.Category{{ID: "2", Name: "Default Category", ParentID: ""}, {ID: "5", Name: "Boots", ParentID: "2"}}); err != nil {
		t.Fatal(err)
	}
	cats, err := c.Categories(ctx)
	if err != nil || len(cats) != 2 || cats[1].ParentID != "2" || cats[0].ParentID != "0" {
		t.Fatalf("categories %v %v", cats, err)
	}
	// The wire form of category/new: parent_id is an integer.
	for _, r := range fake.Requests() {
		if r.Path == "/v1/category/new" && !strings.Contains(string(r.Data), `"parent_id":2`) {
			t.Errorf("category/new data %s", r.Data)
		}
	}
	if err := c.DeleteCategories(ctx, []string{"5", "77"}); err != nil {
		t.Fatal(err)
	}
	if len(fake.Categories()) != 1 {
		t.Error("category/del did not delete")
	}
	modes, err := c.ShippingModes(ctx)
	if err != nil || len(modes) != 4 || modes[0].Name != "Express 24h" {
		t.Fatalf("modes %v %v", modes, err)
	}
	var prods []*drophero.Product
	var deleted []string
	err = c.Subscribed(ctx, drophero.FirstSyncEpoch, drophero.SubscribedHandler{
		Product: func(p *drophero.Product) error { prods = append(prods, p); return nil },
		Deleted: func(ids []string) error { deleted = append(deleted, ids...); return nil }})
	if err != nil || len(prods) != 7 || strings.Join(deleted, ",") != "5557,5559" {
		t.Fatalf("subscribed: %d products, deleted %v, %v", len(prods), deleted, err)
	}
	// Plain /v1/subscribed too.
	if err := c.Subscribed(ctx, -1, drophero.SubscribedHandler{}); err != nil {
		t.Fatal(err)
	}
	// Nothing changed since now: empty in every spelling.
	for _, form := range []string{"[]", "{}", `{"deleted":[]}`, "304"} {
		empty := dropherotest.NewServer(dropherotest.WithoutRateLimit(), dropherotest.WithEmptyForm(form))
		defer empty.Close()
		n := 0
		if err := newClient(t, empty, nil).Subscribed(ctx, time.Now().Unix()+10, drophero.SubscribedHandler{Product: func(*drophero.Product) error { n++; return nil }}); err != nil || n != 0 {
			t.Errorf("empty form %s: %v %d", form, err, n)
		}
	}
	o := drophero.Order{IDOrderShop: "100000123", BuyerName: "Ana", BuyerAddress: "Carrer Major 1", BuyerPostcode: "08001",
		BuyerCity: "Barcelona", BuyerCountry: "ES", BuyerShippingName: "Ana", BuyerShippingAddress: "Carrer Nou 7",
		BuyerShippingPostcode: "08221", BuyerShippingCity: "Terrassa", BuyerShippingCountry: "ES",
		ShippingPrice: decimal.RequireFromString("8"), Currency: "EUR", Lines: []drophero.OrderLine{
			{LineID: "1", IDItem: "5554", Qty: decimal.NewFromInt(2), UnitPrice: decimal.NewFromInt(6), TaxRate: decimal.NewFromInt(21), ShippingMode: "2"},
			{LineID: "2", IDItem: "5556", Qty: decimal.NewFromInt(1), UnitPrice: decimal.NewFromInt(6), Discount: decimal.RequireFromString("0.6"), TaxRate: decimal.NewFromInt(21), ShippingMode: "2"},
		}}
	if got := o.Total().StringFixed(2); got != "29.05" {
		t.Errorf("worked example total %s, want 29.05", got)
	}
	if err := c.SubmitOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	// Duplicate: 406, typed.
	var ae *drophero.APIError
	if err := c.SubmitOrder(ctx, o); !errors.As(err, &ae) || ae.Status != 406 {
		t.Errorf("duplicate submission: %v", err)
	}
	fake.SetOrderStatus("100000123", "3")
	sts, err := c.OrderStatuses(ctx)
	if err != nil || len(sts) != 1 || sts[0].Status != "3" || sts[0].IDOrderShop != "100000123" {
		t.Fatalf("orders %v %v", sts, err)
	}
	st, err := c.OrderStatus(ctx, "100000123")
	if err != nil || st.Status != "3" {
		t.Fatalf("order %v %v", st, err)
	}
	if _, err := c.OrderStatus(ctx, "nope/1"); !errors.Is(err, drophero.ErrNotFound) {
		t.Errorf("unknown order: %v", err)
	}
	if err := c.Notify(ctx, []drophero.Message{{Type: "warning", Message: "a"}, {Type: "error", Message: "b"}}); err != nil {
		t.Fatal(err)
	}
	// Every request carried exactly the three signing parameters, POST data in the body.
	for _, r := range fake.Requests() {
		if len(r.Query) != 3 || r.Status >= 500 {
			t.Errorf("%s %s query %v status %d", r.Method, r.Path, r.Query, r.Status)
		}
	}
}

func TestClientErrors(t *testing.T) {
	fake := dropherotest.NewServer(dropherotest.WithoutRateLimit())
	defer fake.Close()
	ctx := context.Background()

	t.Run("5xx retried", func(t *testing.T) {
		c := newClient(t, fake, nil)
		failN(fake, 2, "/v1/shipping", dropherotest.Status(503))
		if _, err := c.ShippingModes(ctx); err != nil {
			t.Fatal(err)
		}
		failN(fake, 3, "/v1/shipping", dropherotest.Status(502))
		var ae *drophero.APIError
		if _, err := c.ShippingModes(ctx); !errors.As(err, &ae) || !ae.Temporary() {
			t.Errorf("after retries: %v", err)
		}
	})
	t.Run("400 permanent", func(t *testing.T) {
		c := newClient(t, fake, nil)
		fake.FailNext("/v1/shipping", dropherotest.Status(400))
		before := fake.CountRequests("GET", "/v1/shipping")
		var ae *drophero.APIError
		if _, err := c.ShippingModes(ctx); !errors.As(err, &ae) || ae.Status != 400 || ae.Temporary() {
			t.Errorf("400: %v", err)
		}
		if n := fake.CountRequests("GET", "/v1/shipping") - before; n != 1 {
			t.Errorf("400 retried: %d requests", n)
		}
	})
	t.Run("bad secret", func(t *testing.T) {
		c := newClient(t, fake, func(c *drophero.Config) { c.SecretKey = "wrong" })
		_, err := c.ShippingModes(ctx)
		if !errors.Is(err, drophero.ErrUnauthorized) || strings.Contains(err.Error(), "wrong") {
			t.Errorf("bad secret: %v", err)
		}
	})
	t.Run("clock skew corrected once", func(t *testing.T) {
		c := newClient(t, fake, func(c *drophero.Config) { c.Now = func() time.Time { return time.Now().Add(-20 * time.Minute) } })
		if _, err := c.ShippingModes(ctx); err != nil {
			t.Errorf("skewed clock: %v", err)
		}
	})
	t.Run("403 opens the circuit", func(t *testing.T) {
		gate := &drophero.MemoryGate{Gap: time.Millisecond}
		c := newClient(t, fake, func(c *drophero.Config) { c.Gate = gate })
		fake.FailNext("/v1/shipping", dropherotest.Status(403))
		if _, err := c.ShippingModes(ctx); !errors.Is(err, drophero.ErrBanned) {
			t.Errorf("403: %v", err)
		}
		before := len(fake.Requests())
		if _, err := c.ShippingModes(ctx); !errors.Is(err, drophero.ErrBanned) || len(fake.Requests()) != before {
			t.Errorf("circuit open: %v", err)
		}
	})
	t.Run("decode error", func(t *testing.T) {
		c := newClient(t, fake, nil)
		fake.FailNext("/v1/orders", dropherotest.Body(`{"1":{"idordershop":"1","status":{"x":1}}`))
		var de *drophero.DecodeError
		if _, err := c.OrderStatuses(ctx); !errors.As(err, &de) {
			t.Errorf("truncated: %v", err)
		}
	})
}

func TestFakeAuthentication(t *testing.T) {
	now := time.Unix(1700000000, 0)
	fake := dropherotest.NewServer(dropherotest.WithoutRateLimit(), dropherotest.WithClock(func() time.Time { return now }))
	defer fake.Close()
	get := func(q string) int {
		resp, err := http.Get(fake.BaseURL() + "shipping?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	signed := func(exp int64) string {
		return drophero.SignedQuery(dropherotest.DefaultPublicKey, dropherotest.DefaultSecretKey, time.Unix(exp, 0)).Encode()
	}
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"valid", signed(now.Unix()), 200},
		{"600 s old accepted", signed(now.Unix() - 600), 200},
		{"601 s old rejected", signed(now.Unix() - 601), 401},
		{"future rejected", signed(now.Unix() + 1), 401},
		{"extra parameter", signed(now.Unix()) + "&page=2", 400},
		{"leading zero", "DHSAccessKeyId=AKDHTEST0001&Expires=01700000000&Signature=x", 400},
		{"unknown key", "DHSAccessKeyId=NOPE&Expires=1700000000&Signature=x", 401},
		{"raw digest", "DHSAccessKeyId=AKDHTEST0001&Expires=1382116367&Signature=w3Rkkkc1vAIUYgjZggmrc%2FHHWAk%3D", 401},
		{"literal ==", strings.ReplaceAll(signed(now.Unix()), "%3D", "="), 200},
	}
	for _, tt := range tests {
		if got := get(tt.query); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestFakeBansTooFastRequests(t *testing.T) {
	fake := dropherotest.NewServer()
	defer fake.Close()
	// No gate spacing at all: two requests back to back → ban.
	c := newClient(t, fake, func(c *drophero.Config) { c.Retries = -1 })
	ctx := context.Background()
	if _, err := c.ShippingModes(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ShippingModes(ctx); !errors.Is(err, drophero.ErrBanned) {
		t.Errorf("second request: %v", err)
	}
	if len(fake.Bans()) != 1 {
		t.Errorf("bans %v", fake.Bans())
	}
}

func TestFakeBanDuration(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1700000000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fake := dropherotest.NewServer(dropherotest.WithClock(clock), dropherotest.WithBanDuration(time.Hour))
	defer fake.Close()
	c := newClient(t, fake, func(c *drophero.Config) { c.Now = clock; c.Retries = -1 })
	ctx := context.Background()
	c.ShippingModes(ctx)
	mu.Lock()
	now = now.Add(900 * time.Millisecond) // two requests 900 ms apart: ban
	mu.Unlock()
	if _, err := c.ShippingModes(ctx); !errors.Is(err, drophero.ErrBanned) {
		t.Fatalf("900 ms apart: %v", err)
	}
	if b := fake.Bans(); len(b) != 1 || b[0].Arrival.Sub(b[0].Previous) != 900*time.Millisecond {
		t.Errorf("bans %+v", b)
	}
	mu.Lock()
	now = now.Add(time.Hour + time.Second)
	mu.Unlock()
	c2 := newClient(t, fake, func(c *drophero.Config) { c.Now = clock; c.Retries = -1 }) // fresh local circuit
	if _, err := c2.ShippingModes(ctx); err != nil {
		t.Errorf("after the ban: %v", err)
	}
}

// specOrder is the worked example of
// docs/protocol/drophero.md#order-submission-payload under another idordershop.
func specOrder(id string) drophero.Order {
	return drophero.Order{IDOrderShop: id, BuyerName: "Ana", BuyerAddress: "Carrer Major 1", BuyerPostcode: "08001",
		BuyerCity: "Barcelona", BuyerCountry: "ES", BuyerShippingName: "Ana", BuyerShippingAddress: "Carrer Nou 7",
		BuyerShippingPostcode: "08221", BuyerShippingCity: "Terrassa", BuyerShippingCountry: "ES",
		ShippingPrice: decimal.RequireFromString("8"), Currency: "EUR", Lines: []drophero.OrderLine{
			{LineID: "1", IDItem: "5554", Qty: decimal.NewFromInt(2), UnitPrice: decimal.NewFromInt(6), TaxRate: decimal.NewFromInt(21), ShippingMode: "2"},
		}}
}

// TestOrderStatusPathEscapedOnce: GET /v1/orders/{idordershop} carries the id
// path-escaped exactly once (docs/protocol/drophero.md#order-status-endpoints),
// so ids with '/', ' ' or '%' are found, and a double-escaped path is not taken
// for the id.
func TestOrderStatusPathEscapedOnce(t *testing.T) {
	fake := dropherotest.NewServer(dropherotest.WithoutRateLimit())
	defer fake.Close()
	c := newClient(t, fake, nil)
	ctx := context.Background()
	ids := map[string]string{"A/B": "3", "a b": "4", "50%": "2", "x?y#z": "3", "A%2FB": "4"}
	for id, status := range ids {
		if err := c.SubmitOrder(ctx, specOrder(id)); err != nil {
			t.Fatalf("submit %q: %v", id, err)
		}
		fake.SetOrderStatus(id, status)
	}
	for id, status := range ids {
		st, err := c.OrderStatus(ctx, id)
		if err != nil || st.Status != status || st.IDOrderShop != id {
			t.Errorf("order %q: %+v %v, want status %s", id, st, err, status)
		}
	}
	// The fake decodes once: a double-escaped id is another (unknown) order.
	fake2 := dropherotest.NewServer(dropherotest.WithoutRateLimit())
	defer fake2.Close()
	c2 := newClient(t, fake2, nil)
	if err := c2.SubmitOrder(ctx, specOrder("A/B")); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.OrderStatus(ctx, "A%2FB"); !errors.Is(err, drophero.ErrNotFound) {
		t.Errorf("id %q answered for order A/B: %v", "A%2FB", err)
	}
}

// TestClockOffsetKeptForLaterClients: the offset measured on a 401 is kept in
// the gate (docs/protocol/drophero.md#signature-lifetime-and-clock-skew), so a
// client created later for the same account (the service builds one per job)
// signs with it from its first request instead of being rejected again.
func TestClockOffsetKeptForLaterClients(t *testing.T) {
	fake := dropherotest.NewServer(dropherotest.WithoutRateLimit())
	defer fake.Close()
	ctx := context.Background()
	skewed := func() time.Time { return time.Now().Add(-15 * time.Minute) }
	// dropship tests the same with its PostgresGate.
	gates := map[string]func(t *testing.T) drophero.Gate{
		"memory": func(*testing.T) drophero.Gate { return &drophero.MemoryGate{Gap: time.Millisecond} },
	}
	for name, mk := range gates {
		t.Run(name, func(t *testing.T) {
			gate := mk(t)
			rejected := func() int {
				n := 0
				for _, r := range fake.Requests() {
					if r.Status == 401 {
						n++
					}
				}
				return n
			}
			before := rejected()
			c1 := newClient(t, fake, func(c *drophero.Config) { c.Gate, c.Now = gate, skewed })
			if _, err := c1.ShippingModes(ctx); err != nil {
				t.Fatal(err)
			}
			if n := rejected() - before; n != 1 {
				t.Fatalf("first client: %d rejected requests, want 1", n)
			}
			c2 := newClient(t, fake, func(c *drophero.Config) { c.Gate, c.Now = gate, skewed })
			if _, err := c2.ShippingModes(ctx); err != nil {
				t.Fatal(err)
			}
			if n := rejected() - before; n != 1 {
				t.Errorf("a later client was rejected again: %d rejected requests", n-1)
			}
		})
	}
}

// TestAttemptTimeoutCoversBody: the per-attempt timeout bounds the whole
// attempt, including reading the body
// (docs/protocol/drophero.md#transport-and-timeouts), not only the wait for the
// response headers; such a timeout counts as a network failure. Either way the
// caller gets ErrTimeout (which matches context.DeadlineExceeded).
func TestAttemptTimeoutCoversBody(t *testing.T) {
	fake := dropherotest.NewServer(dropherotest.WithoutRateLimit())
	defer fake.Close()
	ctx := context.Background()
	gate := &drophero.MemoryGate{Gap: time.Millisecond, TimeoutGap: time.Millisecond}
	c := newClient(t, fake, func(c *drophero.Config) { c.Timeout, c.Retries, c.Gate = 300*time.Millisecond, -1, gate })
	// Attempts are counted at the server rather than timed, so that a
	// loaded CI machine cannot make the test flaky; the stalls are long
	// enough that only a timeout can end the calls before them.
	attempts := func(call func() error) (int, error) {
		t.Helper()
		before := fake.Arrivals()
		err := call()
		return fake.Arrivals() - before, err
	}
	const stall = 2 * time.Second
	fake.FailAlways("", dropherotest.StallBody(stall))
	start := time.Now()
	n, err := attempts(func() error { _, err := c.ShippingModes(ctx); return err })
	if took := time.Since(start); err == nil || took >= stall || n != 1 {
		t.Fatalf("stalled body: err %v after %v with %d attempts, want a timeout of one attempt", err, took, n)
	}
	if !errors.Is(err, drophero.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout error %v does not match ErrTimeout and context.DeadlineExceeded", err)
	}
	// Part of the answer may have been applied: not repeated inside the call.
	c2 := newClient(t, fake, func(c *drophero.Config) { c.Timeout, c.Retries, c.Gate = 300*time.Millisecond, 1, gate })
	start = time.Now()
	n, err = attempts(func() error { _, err := c2.ShippingModes(ctx); return err })
	if took := time.Since(start); err == nil || took >= stall || n != 1 {
		t.Errorf("body timeout with one retry allowed: err %v after %v with %d attempts, want one attempt", err, took, n)
	}
	fake.ClearFaults()
	// No response headers in time: nothing was read, retried like a
	// network failure.
	fake.FailAlways("", dropherotest.Delay(stall))
	start = time.Now()
	n, err = attempts(func() error { _, err := c2.ShippingModes(ctx); return err })
	if took := time.Since(start); !errors.Is(err, drophero.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || took >= 2*stall || n != 2 {
		t.Errorf("header timeout with one retry allowed: err %v after %v with %d attempts, want two", err, took, n)
	}
	fake.ClearFaults()
	if modes, err := c.ShippingModes(ctx); err != nil || len(modes) != 4 {
		t.Errorf("after the stall: %v %v", modes, err)
	}
}

// TestTransportTimeoutIsAttemptTimeout: a timeout the HTTP transport
// reports itself (here a caller-supplied client's ResponseHeaderTimeout,
// far shorter than the attempt's Timeout) gives the same error as the
// attempt's own deadline, and is retried like it. Before the fix the
// default client raced such a transport timeout against the attempt
// deadline (both equal), and callers got one error or the other.
func TestTransportTimeoutIsAttemptTimeout(t *testing.T) {
	fake := dropherotest.NewServer(dropherotest.WithoutRateLimit())
	defer fake.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 100 * time.Millisecond
	defer tr.CloseIdleConnections()
	gate := &drophero.MemoryGate{Gap: time.Millisecond, TimeoutGap: time.Millisecond}
	c := newClient(t, fake, func(c *drophero.Config) {
		c.HTTPClient, c.Timeout, c.Retries, c.Gate = &http.Client{Transport: tr}, time.Minute, 1, gate
	})
	fake.FailAlways("", dropherotest.Delay(2*time.Second))
	before := fake.Arrivals()
	_, err := c.ShippingModes(context.Background())
	if !errors.Is(err, drophero.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("transport timeout gave %v, want ErrTimeout", err)
	}
	if n := fake.Arrivals() - before; n != 2 {
		t.Errorf("%d attempts, want 2 (retried like a network failure)", n)
	}
}
