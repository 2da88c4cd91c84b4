package dropship

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

func TestSaveLinksRoundTrip(t *testing.T) {
	db := testdb.New(t)
	if err := gormmodels.Migrate(db); err != nil {
		t.Fatal(err)
	}
	stock := int64(7)
	odd := `a "quoted" \back\slash {brace}, comma NULL ñ` + "\n"
	in := []gormmodels.DropHeroLink{
		{IDItem: "1", ProductID: "10", Origin: "managed", Active: true, PrevPrice: decimal.NewNullDecimal(decimal.RequireFromString("39.9")),
			PrevStock: &stock, Status: "NULL", RMAPolicy: odd, Raw: `{"x":"y\"z"}`, SyncedAt: time.Unix(1700000000, 123000).UTC()},
		{IDItem: "2", ProductID: "11", Origin: "imported", StockUnknown: true, SyncedAt: time.Unix(1700000000, 0).UTC()},
	}
	if err := saveLinks(db, in); err != nil {
		t.Fatal(err)
	}
	in[1].Active = true // upsert
	if err := saveLinks(db, in[1:]); err != nil {
		t.Fatal(err)
	}
	var out []gormmodels.DropHeroLink
	db.Order("id_item").Find(&out)
	if len(out) != 2 {
		t.Fatalf("%d rows", len(out))
	}
	a, b := out[0], out[1]
	if a.RMAPolicy != odd || a.Raw != `{"x":"y\"z"}` || a.Status != "NULL" || !a.PrevPrice.Decimal.Equal(decimal.RequireFromString("39.9")) ||
		*a.PrevStock != 7 || !a.SyncedAt.Equal(in[0].SyncedAt) || !a.Active {
		t.Errorf("row 1 %+v", a)
	}
	if b.PrevPrice.Valid || b.PrevStock != nil || !b.StockUnknown || !b.Active {
		t.Errorf("row 2 %+v", b)
	}
	if err := saveShipping(db, []gormmodels.DropHeroShipping{{IDItem: "1", ModeID: "2", AreaISO: "ES", Price: decimal.RequireFromString("2.4")}}); err != nil {
		t.Fatal(err)
	}
	var sh gormmodels.DropHeroShipping
	db.First(&sh)
	if !sh.Price.Equal(decimal.RequireFromString("2.4")) || sh.AreaISO != "ES" {
		t.Errorf("shipping %+v", sh)
	}
}
