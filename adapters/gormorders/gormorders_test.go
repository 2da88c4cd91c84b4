package gormorders_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormorders"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/internal/testhost"
)

func TestStore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		if err := testhost.Migrate(db); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		p := testhost.Product{Number: "TS-1001", Name: "Shirt", Price: decimal.RequireFromString("19.95"), StockQuantity: 3, Active: true}
		db.Create(&p)
		pid := strconv.Itoa(int(p.ID))

		byID, err := gormorders.New(gormorders.Config{MatchProductID: true, Statuses: map[string]string{adapters.StatusShipped: "sent"}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := byID.Products(ctx, db, []string{pid, "TS-1001", "COUPON", "999"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[pid].ID != pid || got["TS-1001"].ID != pid || got[pid].Stock != 3 || !got[pid].Price.Equal(decimal.RequireFromString("19.95")) {
			t.Fatalf("products %+v", got)
		}
		byNumber, err := gormorders.New(gormorders.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := byNumber.Products(ctx, db, []string{pid}); err != nil || len(got) != 0 {
			t.Fatalf("id matched without MatchProductID: %+v %v", got, err)
		}

		g1, err := byID.GuestCustomer(ctx, db, adapters.GuestAccount{Mail: "g@example.com", Address: adapters.OrderAddress{FirstName: "G", LastName: "Uest", Street1: "S 1", Zipcode: "1", City: "C", Country: "DE"}})
		if err != nil || g1.ID == "" || !g1.Guest {
			t.Fatalf("guest %+v %v", g1, err)
		}
		g2, err := byID.GuestCustomer(ctx, db, adapters.GuestAccount{Mail: "g@example.com"})
		if err != nil || g2.ID != g1.ID {
			t.Fatalf("guest not reused: %+v %v", g2, err)
		}
		found, err := byID.FindCustomer(ctx, db, "", g1.Number)
		if err != nil || found == nil || found.ID != g1.ID {
			t.Fatalf("find by number: %+v %v", found, err)
		}
		if c, err := byID.FindCustomer(ctx, db, "424242", ""); err != nil || c != nil {
			t.Fatalf("unknown customer: %+v %v", c, err)
		}

		ref, err := byID.CreateOrder(ctx, db, &adapters.ImportedOrder{
			Source: "shopgate", ExternalNumber: "1402011234", Customer: g1, Mail: "g@example.com",
			Status: adapters.StatusNew, PaymentMethod: "prepayment", Currency: "EUR",
			AmountTotal: decimal.RequireFromString("86.75"),
			Lines: []adapters.OrderLine{{Kind: adapters.LineProduct, ProductID: pid, Number: pid, Name: "Shirt", Quantity: 2,
				UnitPrice: decimal.RequireFromString("19.95"), Total: decimal.RequireFromString("39.90")}},
			History: "Imported.", CreatedAt: time.Now(),
		})
		if err != nil || ref.ExternalOrderNumber != strconv.Itoa(100000+mustAtoi(t, ref.ExternalOrderID)) {
			t.Fatalf("create: %+v %v", ref, err)
		}
		paid := true
		if err := byID.UpdateOrder(ctx, db, ref.ExternalOrderID, adapters.OrderChange{
			Status: adapters.StatusShipped, IsPaid: &paid, Comment: "note", History: "Shipped at Shopgate."}); err != nil {
			t.Fatal(err)
		}
		var o testhost.Order
		db.Where("id = ?", ref.ExternalOrderID).Take(&o)
		if o.Status != "sent" || !o.IsPaid || o.Comment != "note" || !o.AmountTotal.Equal(decimal.RequireFromString("86.75")) {
			t.Fatalf("order %+v", o)
		}
		var h []testhost.OrderHistory
		db.Where("order_id = ?", o.ID).Order("id").Find(&h)
		if len(h) != 2 || h[1].Status != "sent" || h[1].Comment != "Shipped at Shopgate." {
			t.Fatalf("history %+v", h)
		}
		st, err := byID.OrderStates(ctx, db, []string{ref.ExternalOrderID, "777"})
		if err != nil || len(st) != 1 || st[ref.ExternalOrderID].Status != adapters.StatusShipped {
			t.Fatalf("states %+v %v", st, err)
		}
	})
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A paid update without a payment time keeps the stored paid_at; an
// unpaid one clears it.
func TestUpdateOrderKeepsPaidAt(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		if err := testhost.Migrate(db); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		s, err := gormorders.New(gormorders.Config{})
		if err != nil {
			t.Fatal(err)
		}
		paidAt := time.Date(2024, 6, 1, 7, 15, 0, 0, time.UTC)
		ref, err := s.CreateOrder(ctx, db, &adapters.ImportedOrder{
			Source: "shopgate", ExternalNumber: "1402011234", Status: adapters.StatusNew, Currency: "EUR",
			IsPaid: true, PaidAt: &paidAt, History: "Imported.", CreatedAt: time.Now(),
		})
		if err != nil {
			t.Fatal(err)
		}
		read := func() testhost.Order {
			var o testhost.Order
			if err := db.Where("id = ?", ref.ExternalOrderID).Take(&o).Error; err != nil {
				t.Fatal(err)
			}
			return o
		}
		paid := true
		if err := s.UpdateOrder(ctx, db, ref.ExternalOrderID, adapters.OrderChange{IsPaid: &paid, History: "details"}); err != nil {
			t.Fatal(err)
		}
		if o := read(); !o.IsPaid || o.PaidAt == nil || !o.PaidAt.Equal(paidAt) {
			t.Fatalf("paid %v at %v, want kept %v", o.IsPaid, o.PaidAt, paidAt)
		}
		later := paidAt.Add(time.Hour)
		if err := s.UpdateOrder(ctx, db, ref.ExternalOrderID, adapters.OrderChange{IsPaid: &paid, PaidAt: &later}); err != nil {
			t.Fatal(err)
		}
		if o := read(); o.PaidAt == nil || !o.PaidAt.Equal(later) {
			t.Fatalf("paid at %v, want %v", o.PaidAt, later)
		}
		unpaid := false
		if err := s.UpdateOrder(ctx, db, ref.ExternalOrderID, adapters.OrderChange{IsPaid: &unpaid}); err != nil {
			t.Fatal(err)
		}
		if o := read(); o.IsPaid || o.PaidAt != nil {
			t.Fatalf("withdrawn: paid %v at %v", o.IsPaid, o.PaidAt)
		}
	})
}

func TestNewValidates(t *testing.T) {
	bad := []gormorders.Config{
		{Statuses: map[string]string{adapters.StatusShipped: "new"}},
		{Statuses: map[string]string{adapters.StatusNew: "open", adapters.StatusProcessing: "open"}},
		{MinimumOrderAmount: decimal.RequireFromString("-1")},
	}
	for i, c := range bad {
		if _, err := gormorders.New(c); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
	if _, err := gormorders.New(gormorders.Config{Statuses: map[string]string{adapters.StatusShipped: "sent"}}); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}
