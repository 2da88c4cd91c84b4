package orders

import (
	"context"
	"strings"
	"testing"

	"github.com/shopbridge/shopbridge/shopgate"
)

// Worked example 8.3: payment received, order released.
func TestUpdateOrderWorkedExample83(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := specOrder(t)
	e.addRaw(m)
	ref := e.addOrder("1402011234")
	o := e.hostOrder(ref.ExternalOrderID)

	m["is_paid"] = 1
	m["payment_time"] = "2024-06-01T09:15:00+02:00"
	m["payment_transaction_number"] = "BT-20240601-0042"
	m["is_shipping_blocked"] = 0
	e.addRaw(m)

	got, err := e.svc.UpdateOrder(context.Background(), e.shop, "1402011234", true, true)
	if err != nil {
		t.Fatal(err)
	}
	if got != ref {
		t.Errorf("ref %+v, want %+v", got, ref)
	}
	o = e.hostOrder(ref.ExternalOrderID)
	if !o.IsPaid || o.PaidAt == nil || o.PaidAt.UTC().Format("2006-01-02T15:04") != "2024-06-01T07:15" {
		t.Errorf("paid %v at %v", o.IsPaid, o.PaidAt)
	}
	if o.Status != "processing" {
		t.Errorf("status %q, want processing (released for shipping)", o.Status)
	}
	h := e.history(o.ID)
	if len(h) != 2 || !strings.Contains(h[1].Comment, "Payment received at Shopgate (transaction BT-20240601-0042)") ||
		!strings.Contains(h[1].Comment, "Released for shipping") {
		t.Fatalf("history %+v", h)
	}
	if !strings.Contains(o.Comment, "Released for shipping by Shopgate.") || !strings.Contains(o.Comment, "Payment received at Shopgate") ||
		!strings.Contains(o.Comment, "purpose: SG1402011234") {
		t.Errorf("comment:\n%s", o.Comment)
	}
	if mp := e.mapping("1402011234"); mp.IsShippingBlocked || !mp.IsPaid {
		t.Errorf("bookkeeping %+v", mp)
	}

	// U6: the same update again succeeds and changes nothing.
	if got, err := e.svc.UpdateOrder(context.Background(), e.shop, "1402011234", true, true); err != nil || got != ref {
		t.Fatalf("repeated update: %+v %v", got, err)
	}
	if h := e.history(o.ID); len(h) != 2 {
		t.Errorf("repeated update added history: %+v", h)
	}

	// Unknown order: 61.
	_, err = e.svc.UpdateOrder(context.Background(), e.shop, "9999999999", true, false)
	if apiCode(err) != shopgate.CodeOrderNotFound {
		t.Fatalf("unknown order: %v", err)
	}
}

func TestUpdateOrderCancellationAndShipped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		hostStatus string
		change     map[string]any
		wantStatus string
		wantCode   int
		wantText   string
	}{
		{"cancelled at Shopgate", "new", map[string]any{"is_storno": 1}, "cancelled", 0, "Cancelled at Shopgate."},
		{"cancelled after shipping", "shipped", map[string]any{"is_storno": 1}, "shipped", shopgate.CodeOrderStatusIsSent, ""},
		{"shipping completed at Shopgate", "processing", map[string]any{"is_shipping_blocked": 0, "is_shipping_completed": 1}, "shipped", 0, "Shipping completed at Shopgate."},
		{"invoice blocked", "new", map[string]any{"is_customer_invoice_blocked": 1}, "new", 0, "INVOICE BLOCKED"},
		{"blocked again", "processing", map[string]any{"is_shipping_blocked": 1}, "new", 0, "SHIPPING BLOCKED again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			m := specOrder(t)
			if tt.hostStatus != "new" {
				m["is_shipping_blocked"] = 0
			}
			e.addRaw(m)
			ref := e.addOrder("1402011234")
			e.setHostStatus(ref.ExternalOrderID, tt.hostStatus)
			for k, v := range tt.change {
				m[k] = v
			}
			e.addRaw(m)
			_, err := e.svc.UpdateOrder(context.Background(), e.shop, "1402011234", false, true)
			if apiCode(err) != tt.wantCode {
				t.Fatalf("err %v, want code %d", err, tt.wantCode)
			}
			o := e.hostOrder(ref.ExternalOrderID)
			if o.Status != tt.wantStatus {
				t.Errorf("status %q, want %q", o.Status, tt.wantStatus)
			}
			if tt.wantText != "" {
				h := e.history(o.ID)
				if !strings.Contains(h[len(h)-1].Comment, tt.wantText) {
					t.Errorf("history %+v lacks %q", h, tt.wantText)
				}
			}
		})
	}
}
