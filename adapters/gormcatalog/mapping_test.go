package gormcatalog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// mappingSchema creates a small schema with the column types the mapping
// tests need; PostgreSQL gets its own types (char(n), real, uuid, jsonb).
func mappingSchema(t *testing.T, db *gorm.DB) {
	t.Helper()
	pg := db.Dialector.Name() == "postgres"
	typ := func(pgType, sqliteType string) string {
		if pg {
			return pgType
		}
		return sqliteType
	}
	stmts := []string{
		`CREATE TABLE m_products (id bigint PRIMARY KEY, parent_id bigint, sku varchar(20) NOT NULL, name text NOT NULL,
			ean ` + typ("char(13)", "text") + `, price ` + typ("real", "real") + `, info ` + typ("jsonb", "text") + `, qty integer)`,
		`CREATE TABLE m_images (id integer PRIMARY KEY, product_id bigint NOT NULL, uid ` + typ("uuid", "text") + ` NOT NULL, url text NOT NULL)`,
		`CREATE TABLE m_relations (product_id bigint NOT NULL, kind text NOT NULL, label text NOT NULL, related text NOT NULL, pos integer NOT NULL)`,
		`INSERT INTO m_products VALUES
			(1, NULL, 'SKU-A', 'Shirt', '4006381333931', 19.99, '{"bin": "A1"}', 5),
			(2, 1, 'SKU-A-S', 'Shirt S', '  ', 19.99, NULL, 0),
			(3, NULL, 'SKU-B', 'Trousers', NULL, 0.1, NULL, 0),
			(4, NULL, 'SKU-C', 'Shoes', '12345678', NULL, NULL, NULL)`,
		// Inserted in an order that is not the uid order.
		`INSERT INTO m_images VALUES
			(3, 1, 'c0000000-0000-4000-8000-000000000003', '/img/3.jpg'),
			(1, 1, 'a0000000-0000-4000-8000-000000000001', '/img/1.jpg'),
			(2, 1, 'b0000000-0000-4000-8000-000000000002', '/img/2.jpg')`,
		`INSERT INTO m_relations VALUES
			(1, 'custom', 'Matching trousers', 'SKU-B', 1),
			(1, 'custom', 'Matching shoes', 'SKU-C', 2),
			(1, 'upselling', '', 'SKU-C', 3)`,
	}
	for _, q := range stmts {
		if err := db.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func mappingConfig(db *gorm.DB, plain bool) Config {
	return Config{
		DB:       db,
		BaseURL:  "https://shop.example.com",
		PlainSQL: plain,
		Items: Items{
			From:     "m_products p",
			Key:      "p.id",
			UID:      "p.sku",
			Parent:   "p.parent_id",
			Currency: "EUR",
			Fields: ItemFields{
				Name:              "p.name",
				Price:             "p.price",
				InternalOrderInfo: "p.info",
				// No IsSaleable: derived from the stock values.
				UseStock:      "1 = 1",
				Backorders:    "p.id = 3",
				StockQuantity: "p.qty",
			},
			Identifiers: []IdentifierColumn{{Type: export.IdentifierEAN, UID: "ean", Expr: "p.ean"}},
			// No OrderBy: the order must still be the same in every export.
			Images: &Images{List: List{From: "m_images i", Product: "i.product_id"}, UID: "i.uid", URL: "i.url"},
			Relations: &Relations{List: List{From: "m_relations r", Product: "r.product_id", OrderBy: "r.pos"},
				Type: "r.kind", Label: "r.label", RelatedUID: "r.related"},
		},
	}
}

// mapped is what the mapping tests compare of an exported item.
type mapped struct {
	UID, Price, Info string
	Saleable         bool
	Identifiers      []string
	Images           []string
	Relations        []string
	Children         []string
}

func collect(t *testing.T, src *Source, q adapters.CatalogQuery) []mapped {
	t.Helper()
	var out []mapped
	err := src.Items(context.Background(), adapters.Shop{Currency: "EUR"}, q, func(it *export.Item) error {
		m := mapped{UID: it.UID, Info: it.InternalOrderInfo, Saleable: it.Stock.IsSaleable}
		if it.Prices.Price.Valid {
			m.Price = it.Prices.Price.V.String()
		}
		for _, id := range it.Identifiers {
			m.Identifiers = append(m.Identifiers, id.Type+"="+id.Value)
		}
		for _, im := range it.Images {
			m.Images = append(m.Images, im.UID)
		}
		for _, r := range it.Relations {
			m.Relations = append(m.Relations, fmt.Sprintf("%s/%s:%s", r.Type, r.Label, strings.Join(r.UIDs, ",")))
		}
		for _, c := range it.Children {
			m.Children = append(m.Children, fmt.Sprintf("%s saleable=%v", c.UID, c.Stock.IsSaleable))
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestItemsMapping covers mapping details on both read paths of
// PostgreSQL (pgx and database/sql) and on SQLite: a configured uid
// other than the key, identifiers that need trimming, detail lists
// without OrderBy, relations grouped by label, float4 prices and columns
// of types without a Go target (uuid, jsonb), is_saleable derived from
// the stock values.
func TestItemsMapping(t *testing.T) {
	for _, be := range testdb.Backends {
		name, open := be.Name, be.Open
		for _, plain := range []bool{false, true} {
			if plain && name != "postgres" {
				continue
			}
			t.Run(fmt.Sprintf("%s/plain=%v", name, plain), func(t *testing.T) {
				db := open(t)
				mappingSchema(t, db)
				src, err := New(mappingConfig(db, plain))
				if err != nil {
					t.Fatal(err)
				}
				info := `{"bin": "A1"}`
				want := []mapped{
					{UID: "SKU-A", Price: "19.99", Info: info, Saleable: true, Identifiers: []string{"EAN=4006381333931"},
						Images: []string{
							"a0000000-0000-4000-8000-000000000001",
							"b0000000-0000-4000-8000-000000000002",
							"c0000000-0000-4000-8000-000000000003",
						},
						Relations: []string{"custom/Matching trousers:SKU-B", "custom/Matching shoes:SKU-C", "upselling/:SKU-C"},
						Children:  []string{"SKU-A-S saleable=false"}},
					{UID: "SKU-B", Price: "0.1", Saleable: true}, // backorders
					{UID: "SKU-C", Identifiers: []string{"EAN=12345678"}},
				}
				got := collect(t, src, adapters.CatalogQuery{Limit: -1})
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("export:\n got %v\nwant %v", got, want)
				}

				// uids and exclude filter on the exported uid.
				got = collect(t, src, adapters.CatalogQuery{Limit: -1, UIDs: []string{"SKU-C", "1"}})
				if len(got) != 1 || got[0].UID != "SKU-C" {
					t.Errorf("uids [SKU-C 1]: got %v", got)
				}
				got = collect(t, src, adapters.CatalogQuery{Limit: -1, ExcludeUIDs: []string{"SKU-A"}})
				if uids := []string{}; !slices.Equal(append(uids, uidOf(got)...), []string{"SKU-B", "SKU-C"}) {
					t.Errorf("exclude SKU-A: got %v", got)
				}
			})
		}
	}
}

func uidOf(ms []mapped) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.UID)
	}
	return out
}
