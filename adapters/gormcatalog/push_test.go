package gormcatalog

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

func TestPushThroughOutbox(t *testing.T) {
	for _, be := range testdb.Backends {
		name, open := be.Name, be.Open
		t.Run(name, func(t *testing.T) {
			db := open(t)
			if err := db.AutoMigrate(&tProduct{}, &tImage{}, &tProductCategory{}, &tTag{}, &tAttr{}, &tCategory{}, &tReview{}); err != nil {
				t.Fatal(err)
			}
			if err := db.AutoMigrate(&gormmodels.OutboxJob{}); err != nil {
				t.Fatal(err)
			}
			fake := shopgatetest.NewServer(shopgatetest.WithCredentials("10001", "deadbeefcafe00112233", "20001"))
			t.Cleanup(fake.Close)
			client, err := shopgate.NewClient(shopgate.ClientConfig{Environment: shopgate.EnvCustom, BaseURL: fake.URL(),
				CustomerNumber: "10001", ShopNumber: "20001", APIKey: "deadbeefcafe00112233", RequestsPerHour: -1})
			if err != nil {
				t.Fatal(err)
			}
			src, err := New(testConfig(db))
			if err != nil {
				t.Fatal(err)
			}
			if err := RegisterHooks(db,
				HookTable{Table: "t_products", Kind: KindItem, ParentField: "ParentID"},
				HookTable{Table: "t_images", Kind: KindItem, KeyField: "ProductID"},
				HookTable{Table: "t_categories", Kind: KindCategory}); err != nil {
				t.Fatal(err)
			}
			w, err := outbox.New(outbox.Config{DB: db})
			if err != nil {
				t.Fatal(err)
			}
			pusher, err := NewPusher(PusherConfig{Source: src, Client: client, Shop: adapters.Shop{Currency: "EUR"}})
			if err != nil {
				t.Fatal(err)
			}
			pusher.Register(w)
			run := func() {
				t.Helper()
				if _, err := w.RunOnce(context.Background()); err != nil {
					t.Fatal(err)
				}
				var failed []gormmodels.OutboxJob
				db.Where("last_error <> ''").Find(&failed)
				for _, j := range failed {
					t.Errorf("job %s %s: %s", j.Kind, j.Key, j.LastError)
				}
			}

			// Create a product with a variant and an image: the hooks
			// enqueue one coalesced job for item 10.
			parent := int64(10)
			err = db.Transaction(func(tx *gorm.DB) error {
				if err := tx.Create(&tProduct{ID: 10, SKU: "P10", Name: "Shirt", Price: decimal.RequireFromString("19.99"),
					Stock: 3, Active: true, EAN: "4006381333931"}).Error; err != nil {
					return err
				}
				if err := tx.Create(&tProduct{ID: 11, ParentID: &parent, SKU: "P10-S", Name: "Shirt S", Price: decimal.RequireFromString("19.99"),
					Stock: 1, Active: true}).Error; err != nil {
					return err
				}
				return tx.Create(&tImage{ID: 1, ProductID: 10, URL: "/img/10.jpg", Sort: 1}).Error
			})
			if err != nil {
				t.Fatal(err)
			}
			var jobs int64
			db.Model(&gormmodels.OutboxJob{}).Count(&jobs)
			if jobs != 1 {
				t.Errorf("%d outbox jobs, want 1 (coalesced)", jobs)
			}
			run()
			it, ok := fake.Item("10")
			if !ok || it["name"] != "Shirt" || it["ean"] != "4006381333931" {
				t.Fatalf("item 10 at Shopgate: %v (ok %v)", it, ok)
			}
			if v, ok := fake.Item("11"); !ok || v["parent_item_number"] != "10" {
				t.Errorf("variant 11 at Shopgate: %v", v)
			}

			// An update of the row is pushed as update_item.
			if err := db.Save(&tProduct{ID: 10, SKU: "P10", Name: "Shirt 2", Price: decimal.RequireFromString("17.50"),
				Stock: 0, Active: true}).Error; err != nil {
				t.Fatal(err)
			}
			run()
			if it, _ := fake.Item("10"); it["name"] != "Shirt 2" {
				t.Errorf("after update: %v", it)
			}

			// Deleting the product deletes it at Shopgate.
			if err := db.Delete(&tProduct{ID: 10}).Error; err != nil {
				t.Fatal(err)
			}
			run()
			if _, ok := fake.Item("10"); ok {
				t.Error("item 10 still at Shopgate after delete")
			}

			// Categories.
			if err := db.Create(&tCategory{ID: 7, Name: "Shoes", Sort: 2, Active: true}).Error; err != nil {
				t.Fatal(err)
			}
			run()
			if c, ok := fake.Category("7"); !ok || c["name"] != "Shoes" {
				t.Errorf("category 7 at Shopgate: %v", c)
			}
			if err := db.Delete(&tCategory{ID: 7}).Error; err != nil {
				t.Fatal(err)
			}
			run()
			if _, ok := fake.Category("7"); ok {
				t.Error("category 7 still at Shopgate after delete")
			}
		})
	}
}

func TestNewPusherValidates(t *testing.T) {
	src, err := New(Config{DB: testdb.SQLite(t)})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []PusherConfig{{}, {Source: src}, {Client: &shopgate.Client{}}} {
		if _, err := NewPusher(c); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
}
