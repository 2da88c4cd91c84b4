package gormcustomers_test

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcustomers"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

// A deliberately small host: customers without most optional columns,
// no address book, a wish list table and product translations.
const schema = `
CREATE TABLE users (uid INTEGER PRIMARY KEY, login VARCHAR(255) NOT NULL, pw VARCHAR(100) NOT NULL,
  tok VARCHAR(64) NOT NULL, fname VARCHAR(64) NOT NULL, lname VARCHAR(64) NOT NULL, confirmed BOOLEAN NOT NULL DEFAULT TRUE);
CREATE TABLE wishlist (user_id INTEGER NOT NULL, product_id INTEGER NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, placed_at TIMESTAMP, state VARCHAR(16), total NUMERIC(15,4));
CREATE TABLE order_lines (id INTEGER PRIMARY KEY, order_id INTEGER, product_id INTEGER, qty INTEGER, title VARCHAR(64), price NUMERIC(15,4), vat NUMERIC(7,4));
CREATE TABLE product_texts (product_id INTEGER, lang VARCHAR(8), name VARCHAR(64));
`

// counting wraps a verifier and counts password checks.
type counting struct {
	gormcustomers.PasswordVerifier
	n atomic.Int64
}

func (c *counting) Verify(hash, password string) bool {
	c.n.Add(1)
	return c.PasswordVerifier.Verify(hash, password)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func setup(t testing.TB, db *gorm.DB) {
	t.Helper()
	if err := gormmodels.Migrate(db); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range splitSQL(schema) {
		if db.Dialector.Name() == "postgres" {
			stmt = strings.Replace(stmt, "uid INTEGER PRIMARY KEY", "uid SERIAL PRIMARY KEY", 1)
		}
		if err := db.Exec(stmt).Error; err != nil {
			t.Fatal(stmt, err)
		}
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte("right"), bcrypt.MinCost)
	db.Exec("INSERT INTO users (login, pw, tok, fname, lname) VALUES ('eva@example.com', ?, 'tok-eva', 'Eva', 'Ek')", string(hash))
}

func splitSQL(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ';' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

func config(db *gorm.DB, v gormcustomers.PasswordVerifier, now func() time.Time) gormcustomers.Config {
	return gormcustomers.Config{
		DB: db,
		Customers: gormcustomers.Customers{Table: "users", ID: "uid", Login: "login", Password: "pw", Token: "tok",
			FirstName: "fname", LastName: "lname", Active: "confirmed"},
		Orders: &gormcustomers.Orders{From: "orders o", Key: "o.id", Customer: "o.user_id", CreatedAt: "o.placed_at",
			Fields: gormcustomers.OrderFields{Status: "o.state", AmountComplete: "o.total"},
			Items: gormcustomers.OrderItems{From: "order_lines l", Order: "l.order_id", ItemNumber: "CAST(l.product_id AS TEXT)",
				Quantity: "l.qty", Name: "l.title", UnitAmountWithTax: "l.price", TaxPercent: "l.vat", Product: "l.product_id",
				Translations: &gormcustomers.Translations{From: "product_texts pt", Key: "pt.product_id", Language: "pt.lang", Name: "pt.name"}},
		},
		Favourites: &gormcustomers.Favourites{Table: "wishlist", Customer: "user_id", Item: "product_id"},
		Passwords:  v,
		Throttle:   gormcustomers.Throttle{PerLogin: 3, PerAddress: 5, Window: time.Minute, Lock: 10 * time.Minute},
		Now:        now,
	}
}

// TestThrottleAcrossProcesses: two stores on one database (two servers)
// share the counts; a locked key is refused without a password check;
// the address lock catches a run over many logins; the real customer
// gets in after the lock.
func TestThrottleAcrossProcesses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		setup(t, db)
		clk := &clock{t: time.Unix(1700000000, 0)}
		v := &counting{PasswordVerifier: gormcustomers.Bcrypt{Cost: bcrypt.MinCost}}
		s1, err := gormcustomers.New(config(db, v, clk.Now))
		if err != nil {
			t.Fatal(err)
		}
		s2, _ := gormcustomers.New(config(db, v, clk.Now))
		ctx := context.Background()
		shop := adapters.Shop{}
		cred := func(login, pass, addr string) adapters.Credentials {
			return adapters.Credentials{Login: login, Password: pass, ClientAddress: addr}
		}
		// Three failures, alternating servers, lock the login.
		for i, s := range []*gormcustomers.Store{s1, s2, s1} {
			if _, err := s.GetCustomer(ctx, shop, cred("eva@example.com", "wrong", "192.0.2.1")); !errors.Is(err, adapters.ErrWrongCredentials) {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		before := v.n.Load()
		if _, err := s2.GetCustomer(ctx, shop, cred("EVA@example.com", "right", "192.0.2.9")); !errors.Is(err, adapters.ErrLoginThrottled) {
			t.Fatalf("locked login: %v", err)
		}
		if v.n.Load() != before {
			t.Error("the password was checked while the login was locked")
		}
		// Another login from another address is not affected.
		if _, err := s1.GetCustomer(ctx, shop, cred("other@example.com", "x", "192.0.2.2")); !errors.Is(err, adapters.ErrWrongCredentials) {
			t.Fatalf("other login: %v", err)
		}
		// A run over many logins from one address locks the address.
		for i := 0; i < 5; i++ {
			s2.GetCustomer(ctx, shop, cred("user"+string(rune('a'+i))+"@example.com", "x", "198.51.100.7"))
		}
		if _, err := s1.GetCustomer(ctx, shop, cred("fresh@example.com", "x", "198.51.100.7")); !errors.Is(err, adapters.ErrLoginThrottled) {
			t.Fatalf("locked address: %v", err)
		}
		clk.Add(10*time.Minute + time.Millisecond)
		c, err := s2.GetCustomer(ctx, shop, cred("eva@example.com", "right", "192.0.2.1"))
		if err != nil || c.FirstName != "Eva" || c.Token != "tok-eva" {
			t.Fatalf("after the lock: %+v, %v", c, err)
		}
		// An unconfirmed account: ErrAccountNotConfirmed after the password.
		db.Exec("UPDATE users SET confirmed = ? WHERE uid = 1", false)
		if _, err := s1.GetCustomer(ctx, shop, cred("eva@example.com", "right", "")); !errors.Is(err, adapters.ErrAccountNotConfirmed) {
			t.Fatalf("unconfirmed: %v", err)
		}
	})
}

// TestRegisterWithoutColumns: a host without columns for most fields and
// without an address book still gets every field back (shopbridge keeps
// them in shopbridge_customer_extras).
func TestRegisterWithoutColumns(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		setup(t, db)
		s, err := gormcustomers.New(config(db, gormcustomers.Bcrypt{Cost: bcrypt.MinCost}, nil))
		if err != nil {
			t.Fatal(err)
		}
		bday := time.Date(1979, 5, 6, 0, 0, 0, 0, time.UTC)
		in := adapters.Customer{FirstName: "Ole", LastName: "Olsen", Gender: "m", Birthday: &bday, Phone: "1", Mobile: "2",
			Mail: "ole@example.com", Newsletter: true,
			CustomFields: []adapters.CustomField{{Label: "Size", Name: "size", Value: "L"}},
			Addresses: []adapters.Address{{IsDefault: true, IsInvoice: true, FirstName: "Ole", LastName: "Olsen", Street1: "Vej 1",
				Zipcode: "1000", City: "København", Country: "DK", Mobile: "2", CustomFields: []adapters.CustomField{{Name: "door", Value: "B"}}}}}
		ctx := context.Background()
		out, err := s.RegisterCustomer(ctx, adapters.Shop{}, adapters.Credentials{Login: "Ole@Example.com", Password: "pw"}, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetCustomer(ctx, adapters.Shop{}, adapters.Credentials{Login: "ole@example.com", Password: "pw"})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out, got) {
			t.Errorf("register answer differs from login:\n%+v\n%+v", out, got)
		}
		in.ID, in.Token, in.Number, in.RegistrationDate, in.Groups = got.ID, got.Token, got.Number, got.RegistrationDate, got.Groups
		if !reflect.DeepEqual(got, &in) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, &in)
		}
		if _, err := s.RegisterCustomer(ctx, adapters.Shop{}, adapters.Credentials{Login: "OLE@example.com", Password: "pw"}, in); !errors.Is(err, adapters.ErrLoginTaken) {
			t.Errorf("taken login: %v", err)
		}
		var missing *adapters.MissingFieldsError
		if _, err := s.RegisterCustomer(ctx, adapters.Shop{}, adapters.Credentials{Login: "new@example.com", Password: "pw"}, adapters.Customer{}); !errors.As(err, &missing) || len(missing.Fields) != 2 {
			t.Errorf("missing fields: %v", err)
		}
	})
}

// TestOrdersTranslatedAndFavourites: item names in the buyer's language
// where a translation exists; favourites in the host's table.
func TestOrdersTranslatedAndFavourites(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		setup(t, db)
		for _, stmt := range []string{
			"INSERT INTO orders VALUES (1, 1, '2025-10-01 10:00:00', 'done', 30)",
			"INSERT INTO order_lines VALUES (1, 1, 7, 1, 'Becher', 10, 19), (2, 1, 8, 2, 'Teller', 10, 7)",
			"INSERT INTO product_texts VALUES (7, 'en', 'Mug'), (7, 'en_GB', 'Cup'), (8, 'fr', 'Assiette')",
		} {
			if err := db.Exec(stmt).Error; err != nil {
				t.Fatal(err)
			}
		}
		s, err := gormcustomers.New(config(db, gormcustomers.Bcrypt{Cost: bcrypt.MinCost}, nil))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		names := func(lang string) []string {
			orders, err := s.CustomerOrders(ctx, adapters.Shop{Currency: "EUR"}, adapters.CustomerOrdersQuery{Token: "tok-eva", Language: lang, Limit: 10})
			if err != nil || len(orders) != 1 {
				t.Fatalf("orders: %v, %v", orders, err)
			}
			var out []string
			for _, it := range orders[0].Items {
				out = append(out, it.ItemNumber+":"+it.Name)
			}
			if o := orders[0]; o.Currency != "EUR" || !o.AmountItemsGross.Equal(o.AmountCompleteGross) || len(o.Taxes) != 2 {
				t.Errorf("order = %+v", o)
			}
			return out
		}
		if got := names("en_US"); !reflect.DeepEqual(got, []string{"7:Mug", "8:Teller"}) {
			t.Errorf("en_US: %v", got)
		}
		if got := names("en_GB"); !reflect.DeepEqual(got, []string{"7:Cup", "8:Teller"}) {
			t.Errorf("en_GB: %v", got)
		}
		if got := names("de_DE"); !reflect.DeepEqual(got, []string{"7:Becher", "8:Teller"}) {
			t.Errorf("de_DE: %v", got)
		}
		if _, err := s.CustomerOrders(ctx, adapters.Shop{}, adapters.CustomerOrdersQuery{Token: "nope"}); !errors.Is(err, adapters.ErrUnknownCustomerToken) {
			t.Errorf("unknown token: %v", err)
		}

		list, err := s.SyncFavouriteList(ctx, adapters.Shop{}, "tok-eva", []adapters.FavouriteChange{
			{ItemNumber: "8", Status: adapters.FavouriteNew}, {ItemNumber: "7", Status: adapters.FavouriteNew},
			{ItemNumber: "7", Status: adapters.FavouriteNew}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range list {
			got = append(got, it.ItemNumber)
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, []string{"7", "8"}) {
			t.Errorf("favourites = %v", got)
		}
		var n int64
		db.Table("wishlist").Where("user_id = 1").Count(&n)
		if n != 2 {
			t.Errorf("host wish list has %d rows", n)
		}
		list, _ = s.SyncFavouriteList(ctx, adapters.Shop{}, "tok-eva", []adapters.FavouriteChange{{ItemNumber: "8", Status: adapters.FavouriteDeleted}})
		if len(list) != 1 || list[0].ItemNumber != "7" {
			t.Errorf("after delete: %v", list)
		}
	})
}

func TestNewValidates(t *testing.T) {
	db := testdb.SQLite(t)
	if _, err := gormcustomers.New(gormcustomers.Config{}); err == nil {
		t.Error("no DB accepted")
	}
	if _, err := gormcustomers.New(gormcustomers.Config{DB: db, Customers: gormcustomers.Customers{Table: "users"}}); err == nil {
		t.Error("incomplete customer mapping accepted")
	}
	cfg := config(db, nil, nil)
	cfg.Orders.Items.ItemNumber = ""
	if _, err := gormcustomers.New(cfg); err == nil {
		t.Error("order mapping without item number accepted")
	}
}
