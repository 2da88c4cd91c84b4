package shopgate_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// BenchmarkOrderUnmarshal measures the lenient decoding of one realistic
// order in the PHP wire style (flags 0/1, amounts as strings).
func BenchmarkOrderUnmarshal(b *testing.B) {
	srv := shopgatetest.NewServer()
	defer srv.Close()
	srv.AddOrder(shopgatetest.NewTestOrder("1012001234"))
	c, err := shopgate.NewClient(srv.ClientConfig())
	if err != nil {
		b.Fatal(err)
	}
	r, err := c.Do(context.Background(), shopgate.ActionGetOrders, map[string]any{"with_items": true})
	if err != nil {
		b.Fatal(err)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(r.Payload["orders"], &list); err != nil || len(list) != 1 {
		b.Fatal(err)
	}
	raw := list[0]
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		var o shopgate.Order
		if err := json.Unmarshal(raw, &o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientGetOrder measures one get_orders round trip against the
// fake on loopback: signing, form encoding, request log (no-op logger),
// envelope and order decoding.
func BenchmarkClientGetOrder(b *testing.B) {
	srv := shopgatetest.NewServer()
	defer srv.Close()
	srv.AddOrder(shopgatetest.NewTestOrder("1012001234"))
	c, err := shopgate.NewClient(srv.ClientConfig())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetOrder(ctx, "1012001234"); err != nil {
			b.Fatal(err)
		}
		srv.ClearRequests()
	}
}
