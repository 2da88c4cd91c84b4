package dropship_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/shopbridge/shopbridge/gormmodels"
)

// benchItem generates subscribed item i in DropHero's wire format.
func benchItem(i int) map[string]any {
	id := strconv.Itoa(1000000 + i)
	ean := strconv.Itoa(4000000000000 + i)
	return map[string]any{
		"iditem": id, "product_name": "Generated product " + id, "ean": ean, "qty": "12.0000", "status": nil,
		"selling_price": "9.9000", "suggested_retail_price": "14.9500", "weight": "0.5000",
		"description_short": "Short text", "description_long": "<p>Long description of the generated product.</p>",
		"img_url": "https://img.example.net/" + id + ".jpg", "rma_policy": nil, "tax_amount": "21",
		"wholesaler": []any{map[string]any{"idwholesaler": "1", "wholesaler_name": "Test Supplies SL", "wholesaler_country": "ES"}},
		"shipping": []any{
			map[string]any{"shipping_area_iso": "ES", "idshippingmode": "1", "shipping_price": "7.4000"},
			map[string]any{"shipping_area_iso": "ES", "idshippingmode": "2", "shipping_price": "2.4000"},
		},
		"local_categories": []any{"2"}, "payments": 0,
	}
}

// BenchmarkFirstSync times a full first catalogue sync of N generated items
// (DROPHERO_BENCH_N, default 2000) from the fake into PostgreSQL, with the
// real rate-limit gate. bench/drophero.sh runs it with N = 100000.
func BenchmarkFirstSync(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("DROPHERO_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b, false) // real gate and the fake's ban: the sync must stay within the limit
		e.fake.GenerateCatalogue(0, benchItem)
		e.install()
		e.fake.GenerateCatalogue(n, benchItem)
		b.StartTimer()
		start := time.Now()
		res, err := e.svc.SyncCatalog(e.ctx, true)
		el := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		var links int64
		e.db.Model(&gormmodels.DropHeroLink{}).Where("active").Count(&links)
		if int(links) != n || res.Created != n || len(e.fake.Bans()) != 0 {
			b.Fatalf("%d links after sync, want %d (%v, bans %v)", links, n, res, e.fake.Bans())
		}
		b.ReportMetric(float64(n)/el.Seconds(), "items/s")
		b.ReportMetric(el.Seconds(), "sync-s")
	}
}
