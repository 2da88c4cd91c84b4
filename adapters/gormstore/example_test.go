package gormstore_test

import (
	"log"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters/gormstore"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/shopgate"
)

// Every server of the shop builds its Merchant API client like this: all
// of them together send at most 150 requests per hour.
func ExampleNewRateBudget() {
	db, err := gorm.Open(postgres.Open("postgres://shop@db.internal/shop"), &gorm.Config{})
	if err != nil {
		log.Fatal(err)
	}
	if err := gormmodels.Migrate(db); err != nil { // creates shopbridge_rate_budgets
		log.Fatal(err)
	}
	budget, err := gormstore.NewRateBudget(db)
	if err != nil {
		log.Fatal(err)
	}
	client, err := shopgate.NewClient(shopgate.ClientConfig{
		CustomerNumber: "12345", ShopNumber: "67890", APIKey: "merchant-api-key",
		RequestsPerHour: shopgate.DefaultRequestsPerHour,
		Budget:          budget,
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = client
}
