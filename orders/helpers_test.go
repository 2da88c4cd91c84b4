package orders

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormorders"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/internal/testhost"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

// env is one test's world: a fresh PostgreSQL database with the reference
// host tables, a fake Merchant API and the service under test.
type env struct {
	t     *testing.T
	db    *gorm.DB
	fake  *shopgatetest.Server
	sg    *shopgate.Client
	store *gormorders.Store
	svc   *Service
	shop  adapters.Shop
	clock *clock
}

// clock runs with the wall clock (which outbox.Enqueue uses), a second
// ahead plus whatever a test skipped with Add.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(time.Second + c.offset)
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

func newEnv(t *testing.T, tweak ...func(*Config)) *env {
	t.Helper()
	return newEnvOn(t, testdb.New(t), tweak...)
}

// newSQLite opens a fresh SQLite database file for the single-process
// dialect paths.
func newSQLite(t *testing.T) *gorm.DB {
	t.Helper()
	return testdb.SQLite(t)
}

// newEnvOn is newEnv on a given database.
func newEnvOn(t *testing.T, db *gorm.DB, tweak ...func(*Config)) *env {
	t.Helper()
	if err := db.AutoMigrate(&gormmodels.ShopgateOrder{}, &gormmodels.OutboxJob{}); err != nil {
		t.Fatal(err)
	}
	if err := testhost.Migrate(db); err != nil {
		t.Fatal(err)
	}
	fake := shopgatetest.NewServer()
	t.Cleanup(fake.Close)
	sg, err := shopgate.NewClient(fake.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, fake: fake, sg: sg, shop: adapters.Shop{Number: fake.ShopNumber()},
		clock: &clock{}}
	store, err := gormorders.New(gormorders.Config{PaymentMethods: []string{"prepayment", "invoice"}})
	if err != nil {
		t.Fatal(err)
	}
	e.store = store
	cfg := Config{
		DB: db, Host: e.store, Merchant: SingleMerchant(sg),
		PaymentMethods: map[string]string{"PREPAY": "prepayment"},
		PaymentGroups:  map[string]string{"INVOICE": "invoice"},
		Now:            e.clock.Now,
	}
	for _, f := range tweak {
		f(&cfg)
	}
	e.svc, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// product adds a host product.
func (e *env) product(number, price string, stock int, active bool) uint {
	e.t.Helper()
	p := testhost.Product{Number: number, Name: "Product " + number, Price: decimal.RequireFromString(price), StockQuantity: stock, Active: active}
	if err := e.db.Create(&p).Error; err != nil {
		e.t.Fatal(err)
	}
	return p.ID
}

// specOrder returns the order of worked example 8.1 as its wire object.
func specOrder(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/order_8_1.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) addRaw(m map[string]any) {
	e.t.Helper()
	if err := e.fake.AddRawOrder(m); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) hostOrder(id string) testhost.Order {
	e.t.Helper()
	var o testhost.Order
	if err := e.db.Where("id = ?", id).Take(&o).Error; err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *env) items(orderID uint) []testhost.OrderItem {
	e.t.Helper()
	var it []testhost.OrderItem
	if err := e.db.Where("order_id = ?", orderID).Order("id").Find(&it).Error; err != nil {
		e.t.Fatal(err)
	}
	return it
}

func (e *env) history(orderID uint) []testhost.OrderHistory {
	e.t.Helper()
	var h []testhost.OrderHistory
	if err := e.db.Where("order_id = ?", orderID).Order("id").Find(&h).Error; err != nil {
		e.t.Fatal(err)
	}
	return h
}

func (e *env) mapping(number string) gormmodels.ShopgateOrder {
	e.t.Helper()
	var m gormmodels.ShopgateOrder
	if err := e.db.Where("order_number = ?", number).Take(&m).Error; err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) count(model any) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.Model(model).Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) addOrder(number string) adapters.OrderRef {
	e.t.Helper()
	ref, err := e.svc.AddOrder(context.Background(), e.shop, number)
	if err != nil {
		e.t.Fatalf("AddOrder %s: %v", number, err)
	}
	return ref
}

// worker returns an outbox worker with the service's handlers on the
// test clock.
func (e *env) worker() *outbox.Worker {
	cfg := WorkerConfig(e.db, nil)
	cfg.Now = e.clock.Now
	w, err := outbox.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.svc.Register(w)
	return w
}

// drain runs w until no job is due.
func (e *env) drain(w *outbox.Worker) int {
	e.t.Helper()
	total := 0
	for {
		n, err := w.RunOnce(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

// setHostStatus changes a host order's status directly, as a merchant's
// back office would without telling shopbridge.
func (e *env) setHostStatus(id, status string) {
	e.t.Helper()
	if err := e.db.Model(&testhost.Order{}).Where("id = ?", id).Update("status", status).Error; err != nil {
		e.t.Fatal(err)
	}
}

// ship marks a host order shipped and records the shipment in one
// transaction, as a host's admin page does.
func (e *env) ship(id string, sh Shipment) {
	e.t.Helper()
	err := e.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&testhost.Order{}).Where("id = ?", id).Update("status", "shipped").Error; err != nil {
			return err
		}
		ok, err := e.svc.RecordShipment(context.Background(), tx, id, sh)
		if err == nil && !ok {
			err = errors.New("not a shopgate order")
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func apiCode(err error) int {
	if ae, ok := shopgate.AsAPIError(err); ok {
		return ae.Code
	}
	if ae := shopgate.ToAPIError(err); ae != nil {
		return ae.Code
	}
	return 0
}
