package main

import (
	"fmt"
	"reflect"
	"sort"
	"testing"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/internal/testhost"
)

func TestIdentifierCheckDigits(t *testing.T) {
	tests := []struct{ got, want string }{
		{ean13("400638133393"), "4006381333931"}, // a published EAN-13
		{ean13("978316148410"), "9783161484100"}, // ISBN 978-3-16-148410-0
		{upcA("03600029145"), "036000291452"},    // a published UPC-A
		{pzn("0000003"), ""},                     // check digit would be 10: not a valid PZN body
		{pzn("0431257"), "04312570"},
		{pzn("0123456"), "01234562"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{"Home & Garden": "home-garden", "Cold & Flu ": "cold-flu", "Rösterei Blau": "r-sterei-blau", "--A--": "a"} {
		if got := slugify(in); got != want {
			t.Errorf("slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

// tableCounts counts the rows of every shop table.
func tableCounts(t *testing.T, db *gorm.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, m := range shopModels() {
		var n int64
		if err := db.Model(m).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%T", m)] = n
	}
	return out
}

func TestSeedDemoOnlyWhenEmpty(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		newTestApp(t, db)
		before := tableCounts(t, db)
		if before["*main.Product"] < 60 || before["*main.Category"] < 20 || before["*main.Customer"] != 1 ||
			before["*main.Address"] != 2 || before["*main.Coupon"] < 3 || before["*main.Review"] == 0 ||
			before["*main.ProductRelation"] == 0 || before["*main.ProductImage"] < int64(3*len(demoProducts)) {
			t.Errorf("demo catalogue too small: %v", before)
		}
		seeded, err := SeedDemo(db)
		if err != nil || seeded {
			t.Fatalf("second SeedDemo: seeded=%v err=%v, want false, nil", seeded, err)
		}
		if after := tableCounts(t, db); !reflect.DeepEqual(before, after) {
			t.Errorf("second seed changed the data: %v -> %v", before, after)
		}
		// Every seeded identifier is valid.
		var ps []Product
		db.Find(&ps)
		for _, p := range ps {
			if p.EAN != "" && ean13(p.EAN[:12]) != p.EAN {
				t.Errorf("%s: invalid EAN %s", p.Number, p.EAN)
			}
			if p.PZN != "" && pzn(p.PZN[:7]) != p.PZN {
				t.Errorf("%s: invalid PZN %s", p.Number, p.PZN)
			}
		}
	})
}

// TestHostSchemaMatchesModels: internal/testhost (used by the adapter
// tests and by internal/bulkseed, which fills these tables for -seed-products)
// describes the shop's tables column for column.
func TestHostSchemaMatchesModels(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			shop, host := be.open(t), be.open(t)
			if err := migrateShop(shop); err != nil {
				t.Fatal(err)
			}
			if err := testhost.Migrate(host); err != nil {
				t.Fatal(err)
			}
			for _, m := range testhost.Models() {
				table := m.(interface{ TableName() string }).TableName()
				if got, want := columns(t, host, table), columns(t, shop, table); !reflect.DeepEqual(got, want) {
					t.Errorf("%s:\ntesthost %v\nshop     %v", table, got, want)
				}
			}
		})
	}
}

// columns describes the columns of table: name, type, length,
// nullability.
func columns(t *testing.T, db *gorm.DB, table string) []string {
	t.Helper()
	cts, err := db.Migrator().ColumnTypes(table)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ct := range cts {
		null, _ := ct.Nullable()
		length, _ := ct.Length()
		out = append(out, fmt.Sprintf("%s %s(%d) null=%v", ct.Name(), ct.DatabaseTypeName(), length, null))
	}
	sort.Strings(out)
	return out
}
