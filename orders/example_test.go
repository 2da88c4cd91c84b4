package orders_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormorders"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testhost"
	"github.com/shopbridge/shopbridge/orders"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// Import an order as add_order does, ship it in the host's transaction,
// and let the outbox worker report it to Shopgate.
func Example() {
	dir, _ := os.MkdirTemp("", "orders-example")
	defer os.RemoveAll(dir)
	db, err := gorm.Open(sqlite.Open(filepath.Join(dir, "shop.db")), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		log.Fatal(err)
	}
	if err := db.AutoMigrate(&gormmodels.ShopgateOrder{}, &gormmodels.OutboxJob{}); err != nil {
		log.Fatal(err)
	}
	if err := testhost.Migrate(db); err != nil { // the host shop's tables
		log.Fatal(err)
	}

	fake := shopgatetest.NewServer() // the Merchant API
	defer fake.Close()
	fake.AddOrder(shopgatetest.NewTestOrder("1402011234"))
	client, err := shopgate.NewClient(fake.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}

	host, err := gormorders.New(gormorders.Config{}) // the default layout
	if err != nil {
		log.Fatal(err)
	}
	svc, err := orders.New(orders.Config{
		DB:             db,
		Host:           host,
		Merchant:       orders.SingleMerchant(client),
		PaymentMethods: map[string]string{"PREPAY": "prepayment"},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	shop := adapters.Shop{Number: fake.ShopNumber()}
	ref, err := svc.AddOrder(ctx, shop, "1402011234")
	fmt.Println(ref.ExternalOrderNumber, err)
	_, err = svc.AddOrder(ctx, shop, "1402011234")
	fmt.Println(err)

	err = db.Transaction(func(tx *gorm.DB) error {
		// ... the host marks its order shipped through tx ...
		_, err := svc.RecordShipment(ctx, tx, ref.ExternalOrderID, orders.Shipment{Carrier: "DHL", TrackingNumber: "JJD01", Complete: true})
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	w, err := outbox.New(orders.WorkerConfig(db, nil))
	if err != nil {
		log.Fatal(err)
	}
	svc.Register(w)
	n, err := w.RunOnce(ctx)
	st, _ := fake.Order("1402011234")
	fmt.Println(n, err, st.ShippingCompleted, st.DeliveryNotes[0].TrackingNumber)
	// Output:
	// 100001 <nil>
	// shopgate plugin error 60: duplicate order (1402011234)
	// 1 <nil> true JJD01
}
