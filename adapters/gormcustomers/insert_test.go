package gormcustomers

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate"
)

// TestInsertRowReturnsKey: insertRow.insert returns the key the database
// gave that very row, for a generated integer key and for a key the row
// brings itself, with a reserved word as column name and a gorm.Expr
// value, on every backend (docs/protocol/customers.md#new-rows-and-their-keys).
func TestInsertRowReturnsKey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		serial := "INTEGER PRIMARY KEY"
		if db.Dialector.Name() == "postgres" {
			serial = "SERIAL PRIMARY KEY"
		}
		for _, stmt := range []string{
			"CREATE TABLE t_people (pid " + serial + `, name VARCHAR(32) NOT NULL, "group" INTEGER)`,
			"CREATE TABLE t_codes (code VARCHAR(16) PRIMARY KEY, label VARCHAR(32))",
			// Rows inserted before must not confuse the key.
			"INSERT INTO t_people (pid, name) VALUES (40, 'older')",
		} {
			if err := db.Exec(stmt).Error; err != nil {
				t.Fatal(stmt, err)
			}
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			seen := map[string]bool{}
			for _, name := range []string{"ann", "bob", "cy"} {
				r := newInsertRow(map[string]any{"name": name})
				r.put("group", gorm.Expr("(SELECT COUNT(*) FROM t_people)"), nil)
				r.put("", nil, nil)
				if r.kept {
					t.Error("a column without keep marked the row as kept")
				}
				key, err := r.insert(tx, "t_people", "pid")
				if err != nil {
					return err
				}
				var want int64
				if err := tx.Raw("SELECT pid FROM t_people WHERE name = ?", name).Scan(&want).Error; err != nil {
					return err
				}
				if got := asString(key); got != asString(want) || seen[got] {
					t.Errorf("%s: key %v, stored %d (seen %v)", name, key, want, seen)
				}
				seen[asString(key)] = true
			}
			r := newInsertRow(map[string]any{"code": "WELCOME10"})
			r.put("", "x", func() {})
			r.put("label", "Welcome", nil)
			if !r.kept {
				t.Error("a field kept aside did not mark the row")
			}
			key, err := r.insert(tx, "t_codes", "code")
			if err != nil {
				return err
			}
			if asString(key) != "WELCOME10" {
				t.Errorf("text key = %v", key)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A refused row is an error, not a key.
		if _, err := newInsertRow(map[string]any{"no_such_column": 1}).insert(db, "t_people", "pid"); err == nil {
			t.Error("insert into a missing column succeeded")
		}
	})
}

// oldAddressExtras is an address as gormcustomers stored it in
// shopbridge_customer_extras before addrExtras embedded
// shopgate.AddressFields: every key must still mean the same.
const oldAddressExtras = `{"is_default":true,"is_invoice":true,"is_delivery":true,"first_name":"Ole","last_name":"Olsen",` +
	`"gender":"m","birthday":"1979-05-06","company":"Olsen A/S","street_1":"Vej 1","street_2":"Bag","zipcode":"1000",` +
	`"city":"København","country":"DK","state":"DK-84","phone":"1","mobile":"2","mail":"ole@example.com",` +
	`"custom_fields":[{"label":"Door","name":"door","value":"B","type":"text"}]}`

// TestAddressExtrasStoredShape: a stored address in the old shape decodes
// into every field, and a new one is written in exactly that shape.
func TestAddressExtrasStoredShape(t *testing.T) {
	var ax addrExtras
	if err := json.Unmarshal([]byte(oldAddressExtras), &ax); err != nil {
		t.Fatal(err)
	}
	var got adapters.Address
	ax.fill(&got, true)
	bday := time.Date(1979, 5, 6, 0, 0, 0, 0, time.UTC)
	want := adapters.Address{IsInvoice: true, IsDelivery: true, FirstName: "Ole", LastName: "Olsen", Gender: "m",
		Birthday: &bday, Company: "Olsen A/S", Street1: "Vej 1", Street2: "Bag", Zipcode: "1000", City: "København",
		Country: "DK", State: "DK-84", Phone: "1", Mobile: "2", Mail: "ole@example.com",
		CustomFields: []adapters.CustomField{{Label: "Door", Name: "door", Value: "B", Type: "text"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n got %+v\nwant %+v", got, want)
	}
	want.IsDefault = true
	b, err := json.Marshal(newAddrExtras(want))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != oldAddressExtras {
		t.Errorf("encoded\n got %s\nwant %s", b, oldAddressExtras)
	}
	// Every wire field of shopgate.AddressFields is kept under its own key.
	var keys map[string]any
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	ft := reflect.TypeFor[shopgate.AddressFields]()
	for i := range ft.NumField() {
		name, _, _ := strings.Cut(ft.Field(i).Tag.Get("json"), ",")
		if _, ok := keys[name]; !ok {
			t.Errorf("shopgate.AddressFields.%s (%q) is not kept", ft.Field(i).Name, name)
		}
	}
}
