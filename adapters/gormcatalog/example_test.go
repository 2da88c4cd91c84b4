package gormcatalog_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// A shop with a single products table maps it with SQL expressions and
// streams its items document.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "gormcatalog")
	defer os.RemoveAll(dir)
	db, err := gorm.Open(sqlite.Open(filepath.Join(dir, "shop.db")), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		fmt.Println(err)
		return
	}
	db.Exec("CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT, price NUMERIC, qty INTEGER, shown BOOLEAN)")
	db.Exec("INSERT INTO articles VALUES (1, 'Mug', 9.90, 4, 1), (2, 'Hidden', 1, 1, 0), (3, 'Plate', 12.5, 0, 1)")

	src, err := gormcatalog.New(gormcatalog.Config{
		DB:      db,
		BaseURL: "https://shop.example.com",
		Items: gormcatalog.Items{
			From: "articles a", Key: "a.id", Where: "a.shown", Currency: "EUR",
			Fields: gormcatalog.ItemFields{
				Name: "a.title", Deeplink: "'/a/' || a.id", SalePrice: "a.price",
				UseStock: "1 = 1", IsSaleable: "a.qty > 0", StockQuantity: "a.qty",
			},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = src.Items(context.Background(), adapters.Shop{}, adapters.CatalogQuery{Limit: -1}, func(it *export.Item) error {
		fmt.Println(it.UID, it.Name, it.Deeplink, it.Prices.SalePrice.V, it.Stock.IsSaleable)
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// 1 Mug https://shop.example.com/a/1 9.9 true
	// 3 Plate https://shop.example.com/a/3 12.5 false
}
