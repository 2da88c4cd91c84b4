package main

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestAdminNeedsPasswordOutsideDemo: without SHOP_ADMIN_PASSWORD the shop
// refuses to start outside demo mode.
func TestAdminNeedsPasswordOutsideDemo(t *testing.T) {
	t.Setenv("SHOP_ADMIN_PASSWORD", "")
	t.Setenv("SHOPGATE_CUSTOMER_NUMBER", "12345")
	t.Setenv("SHOPGATE_SHOP_NUMBER", "67890")
	t.Setenv("SHOPGATE_APIKEY", "0123456789abcdef0123")
	_, err := NewApp(openSQLite(t), Config{Log: testLogger(t), DataDir: t.TempDir()})
	if !errors.Is(err, errNoAdminPassword) {
		t.Fatalf("NewApp outside demo mode without a password: %v", err)
	}
}

// TestAdminPanelLoginAndMarkPaid: every admin page answers 401 without the
// login; with it the panel and the example's order page work, and a
// storefront order can be marked paid (POST with the CSRF token).
func TestAdminPanelLoginAndMarkPaid(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		b := newBrowser(t, a)
		for _, p := range []string{"/admin", "/admin/", "/admin/shopgate", "/admin/drophero", "/admin/orders", "/admin/shop/orders"} {
			res, err := http.Get(b.srv.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("anonymous GET %s: %d, want 401", p, res.StatusCode)
			}
			b.get(p, http.StatusOK)
		}
		now := time.Now()
		o := Order{Number: "SB-PAY-1", Status: StatusNew, Email: "a@example.com", Currency: "EUR", CreatedAt: now, UpdatedAt: now}
		if err := db.Create(&o).Error; err != nil {
			t.Fatal(err)
		}
		// Without the token: 403.
		res, err := http.PostForm(b.srv.URL+"/admin/shop/orders/"+strconv.Itoa(int(o.ID))+"/paid", url.Values{"confirm": {"yes"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous POST: %d", res.StatusCode)
		}
		page := b.get("/admin/shop/orders", http.StatusOK)
		if !strings.Contains(page, "/admin/shop/orders/"+strconv.Itoa(int(o.ID))+"/paid") {
			t.Fatalf("no mark-paid button:\n%s", page)
		}
		loc, _ := b.post("/admin/shop/orders/"+strconv.Itoa(int(o.ID))+"/paid", url.Values{"confirm": {"yes"}}, http.StatusSeeOther)
		if !strings.Contains(loc, "msg=") {
			t.Fatalf("mark paid: %s", loc)
		}
		db.Take(&o, o.ID)
		if !o.IsPaid || o.PaidAt == nil {
			t.Fatalf("order not paid: %+v", o)
		}
	})
}

// TestNoFakeOutsideDemo: a real shop (Shopgate credentials set) without
// DropHero settings starts no in-process fake DropHero and runs without the
// integration.
func TestNoFakeOutsideDemo(t *testing.T) {
	t.Setenv("SHOP_ADMIN_PASSWORD", "s3cret-admin")
	t.Setenv("SHOPGATE_CUSTOMER_NUMBER", "12345")
	t.Setenv("SHOPGATE_SHOP_NUMBER", "67890")
	t.Setenv("SHOPGATE_APIKEY", "0123456789abcdef0123")
	t.Setenv("DROPHERO_API_URL", "")
	t.Setenv("DROPHERO_PUBLIC_KEY", "")
	a, err := NewApp(openSQLite(t), Config{Log: testLogger(t), DataDir: t.TempDir(), PublicURL: "http://shop.test"})
	if err != nil {
		t.Fatalf("NewApp outside demo mode: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	if a.Demo {
		t.Fatal("credentials set, yet demo mode")
	}
	if svc := a.dropHeroService(); svc != nil {
		t.Fatal("outside demo mode a DropHero integration was started without settings")
	}
}
