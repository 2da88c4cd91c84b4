package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/outbox"
)

// The host change and the announcement commit together; a worker sends the
// announcement later.
func Example() {
	dir, _ := os.MkdirTemp("", "outbox-example")
	defer os.RemoveAll(dir)
	db, err := gorm.Open(sqlite.Open(filepath.Join(dir, "shop.db")), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		log.Fatal(err)
	}
	if err := db.AutoMigrate(&gormmodels.OutboxJob{}); err != nil {
		log.Fatal(err)
	}

	type shipped struct {
		OrderNumber string `json:"order_number"`
	}
	err = db.Transaction(func(tx *gorm.DB) error {
		// ... mark the host order shipped through tx ...
		return outbox.Enqueue(tx, outbox.Job{
			Kind:    "set_order_shipping_completed",
			Key:     "1000123",
			Payload: shipped{OrderNumber: "1000123"},
		})
	})
	if err != nil {
		log.Fatal(err)
	}

	w, err := outbox.New(outbox.Config{DB: db})
	if err != nil {
		log.Fatal(err)
	}
	w.Handle("set_order_shipping_completed", func(ctx context.Context, raw json.RawMessage) error {
		var p shipped
		if err := json.Unmarshal(raw, &p); err != nil {
			return outbox.Permanent(err) // a broken payload never gets better
		}
		fmt.Println("shipping completed:", p.OrderNumber)
		return nil
	})
	n, err := w.RunOnce(context.Background())
	fmt.Println(n, err)
	// Output:
	// shipping completed: 1000123
	// 1 <nil>
}

// A process told to stop (SIGTERM) drains its worker: Run stops claiming,
// the running job may finish until the deadline, claimed jobs not yet
// started go back at once for another process.
func ExampleWorker_Shutdown() {
	dir, _ := os.MkdirTemp("", "outbox-example")
	defer os.RemoveAll(dir)
	db, err := gorm.Open(sqlite.Open(filepath.Join(dir, "shop.db")), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		log.Fatal(err)
	}
	if err := db.AutoMigrate(&gormmodels.OutboxJob{}); err != nil {
		log.Fatal(err)
	}
	w, err := outbox.New(outbox.Config{DB: db})
	if err != nil {
		log.Fatal(err)
	}
	w.Handle("noop", func(context.Context, json.RawMessage) error { return nil })
	done := make(chan error)
	go func() { done <- w.Run(context.Background()) }()

	// ... signal.NotifyContext(ctx, syscall.SIGTERM) fired ...
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	fmt.Println("shutdown:", w.Shutdown(ctx))
	fmt.Println("run:", <-done)
	// Output:
	// shutdown: <nil>
	// run: <nil>
}
