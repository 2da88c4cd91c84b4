package main

import (
	"context"
	"errors"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// TestMerchantAPIBudgetShared: two example shops on one PostgreSQL share
// SHOPGATE_REQUESTS_PER_HOUR through shopbridge_rate_budgets; on SQLite
// the budget stays in the process
// (docs/protocol/merchant-api.md#shared-request-budget).
func TestMerchantAPIBudgetShared(t *testing.T) {
	const perHour = 5
	srv := shopgatetest.NewServer()
	t.Cleanup(srv.Close)
	t.Setenv("SHOPGATE_CUSTOMER_NUMBER", srv.CustomerNumber())
	t.Setenv("SHOPGATE_SHOP_NUMBER", shopgatetest.DefaultShopNumber)
	t.Setenv("SHOPGATE_APIKEY", srv.APIKey())
	t.Setenv("SHOPGATE_SERVER", "custom")
	t.Setenv("SHOPGATE_API_URL", srv.URL())
	t.Setenv("SHOPGATE_REQUESTS_PER_HOUR", "5")

	t.Run("postgres", func(t *testing.T) {
		dsn := testdb.NewURL(t)
		var apps []*App
		for range 2 {
			db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard})
			if err != nil {
				t.Fatal(err)
			}
			apps = append(apps, newTestAppWith(t, db, nil))
		}
		before := len(srv.Requests())
		sent, limited := 0, 0
		for i := range 4 * perHour {
			_, err := apps[i%2].sg.Client.GetShopInfo(context.Background())
			switch {
			case err == nil:
				sent++
			case errors.Is(err, shopgate.ErrRateLimited):
				limited++
			default:
				t.Fatalf("call %d: %v", i, err)
			}
		}
		if sent+before > perHour || len(srv.Requests()) != sent+before {
			t.Errorf("%d requests sent (+%d at start), fake saw %d; budget %d", sent, before, len(srv.Requests()), perHour)
		}
		if limited == 0 {
			t.Error("nothing rate limited")
		}
		var row gormmodels.RateBudget
		if err := apps[1].DB.Where(`"key" = ?`, srv.URL()+" "+srv.CustomerNumber()).Take(&row).Error; err != nil {
			t.Fatalf("no shared budget row: %v", err)
		}
		if row.Tokens >= 1 {
			t.Errorf("shared budget holds %v tokens after it was used up", row.Tokens)
		}
	})
	t.Run("sqlite", func(t *testing.T) {
		a := newTestAppWith(t, openSQLite(t), nil)
		if _, err := a.sg.Client.GetShopInfo(context.Background()); err != nil && !errors.Is(err, shopgate.ErrRateLimited) {
			t.Fatal(err)
		}
		var n int64
		if err := a.DB.Model(&gormmodels.RateBudget{}).Count(&n).Error; err != nil || n != 0 {
			t.Errorf("SQLite used the shared budget table: %d rows, %v", n, err)
		}
	})
}
