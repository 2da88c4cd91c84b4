package dropship_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/outbox"
)

// hostProduct is the test host's product table.
type hostProduct struct {
	ID         uint `gorm:"primaryKey"`
	SKU        string
	Name       string
	EAN        string `gorm:"index"`
	DescShort  string
	DescLong   string
	Image      string
	Price      decimal.Decimal `gorm:"type:numeric(15,4)"`
	Tax        decimal.Decimal `gorm:"type:numeric(7,4)"`
	Stock      int64
	Weight     decimal.Decimal `gorm:"type:numeric(15,4)"`
	Active     bool
	Categories string
}

func (hostProduct) TableName() string { return "th_products" }

type hostCategory struct {
	ID       uint `gorm:"primaryKey;autoIncrement:false"`
	Name     string
	ParentID uint
	Public   bool
}

func (hostCategory) TableName() string { return "th_categories" }

type hostOrder struct {
	ID    string `gorm:"primaryKey"`
	Data  string
	State string
	Note  string
}

func (hostOrder) TableName() string { return "th_orders" }

// testHost implements adapters.DropHeroHost on its own tables.
type testHost struct{}

func (testHost) PublicCategories(ctx context.Context, tx *gorm.DB) ([]adapters.DropHeroCategory, error) {
	var cs []hostCategory
	if err := tx.Where("public").Order("id").Find(&cs).Error; err != nil {
		return nil, err
	}
	out := make([]adapters.DropHeroCategory, len(cs))
	for i, c := range cs {
		out[i] = adapters.DropHeroCategory{ID: strconv.Itoa(int(c.ID)), Name: c.Name, ParentID: strconv.Itoa(int(c.ParentID))}
	}
	return out, nil
}

func (testHost) ProductsByEAN(ctx context.Context, tx *gorm.DB, eans []string) ([]adapters.DropHeroProduct, error) {
	var ps []hostProduct
	if err := tx.Where("ean IN ?", eans).Find(&ps).Error; err != nil {
		return nil, err
	}
	out := make([]adapters.DropHeroProduct, len(ps))
	for i, p := range ps {
		out[i] = adapters.DropHeroProduct{ID: strconv.Itoa(int(p.ID)), EAN: p.EAN, Price: p.Price, Stock: p.Stock, HasImage: p.Image != ""}
	}
	return out, nil
}

func applyFields(p *hostProduct, f adapters.DropHeroProductFields) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.SKU, f.SKU)
	set(&p.Name, f.Name)
	set(&p.EAN, f.EAN)
	set(&p.DescShort, f.DescriptionShort)
	set(&p.DescLong, f.DescriptionLong)
	if f.ImageURL != nil && (!f.ImageOnlyIfEmpty || p.Image == "") {
		p.Image = *f.ImageURL
	}
	if f.Price != nil {
		p.Price = *f.Price
	}
	if f.TaxRate != nil {
		p.Tax = *f.TaxRate
	}
	if f.Stock != nil {
		p.Stock = *f.Stock
	}
	if f.Weight != nil {
		p.Weight = *f.Weight
	}
	if f.Active != nil {
		p.Active = *f.Active
	}
	if f.ReplaceCategories {
		p.Categories = strings.Join(f.CategoryIDs, ",")
	} else if len(f.CategoryIDs) > 0 {
		have := map[string]bool{}
		cur := []string{}
		if p.Categories != "" {
			cur = strings.Split(p.Categories, ",")
		}
		for _, c := range cur {
			have[c] = true
		}
		for _, c := range f.CategoryIDs {
			if !have[c] {
				cur = append(cur, c)
			}
		}
		p.Categories = strings.Join(cur, ",")
	}
}

func (testHost) CreateProducts(ctx context.Context, tx *gorm.DB, fs []adapters.DropHeroProductFields) ([]string, error) {
	ps := make([]hostProduct, len(fs))
	for i, f := range fs {
		applyFields(&ps[i], f)
	}
	if err := tx.CreateInBatches(&ps, 1000).Error; err != nil {
		return nil, err
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = strconv.Itoa(int(p.ID))
	}
	return ids, nil
}

func (testHost) UpdateProduct(ctx context.Context, tx *gorm.DB, id string, f adapters.DropHeroProductFields) error {
	var p hostProduct
	if err := tx.First(&p, id).Error; err != nil {
		return err
	}
	applyFields(&p, f)
	return tx.Save(&p).Error
}

func (testHost) DropHeroOrder(ctx context.Context, tx *gorm.DB, id string) (*adapters.DropHeroOrder, error) {
	var o hostOrder
	if err := tx.First(&o, "id = ?", id).Error; err != nil {
		return nil, err
	}
	var out adapters.DropHeroOrder
	return &out, json.Unmarshal([]byte(o.Data), &out)
}

func (testHost) SetDropHeroOrderState(ctx context.Context, tx *gorm.DB, id string, u adapters.DropHeroOrderUpdate) error {
	return tx.Model(&hostOrder{}).Where("id = ?", id).Updates(map[string]any{"state": string(u.State), "note": fmt.Sprintf("mixed=%v", u.Mixed)}).Error
}

// env is one test installation: database, fake, service, outbox worker.
type env struct {
	t      testing.TB
	db     *gorm.DB
	fake   *dropherotest.Server
	svc    *dropship.Service
	worker *outbox.Worker
	ctx    context.Context
	cfg    dropship.Config
}

var testKey = []byte("0123456789abcdef0123456789abcdef")

// newEnv builds a migrated database, the fake DropHero (with opts) and a
// service on them; fast switches the fake's rate limit off and shortens the
// gate's gaps.
func newEnv(t testing.TB, fast bool, opts ...dropherotest.Option) *env {
	t.Helper()
	db := testdb.New(t)
	if err := gormmodels.Migrate(db); err != nil {
		t.Fatal(err)
	}
	if err := db.AutoMigrate(&hostProduct{}, &hostCategory{}, &hostOrder{}); err != nil {
		t.Fatal(err)
	}
	if fast {
		opts = append(opts, dropherotest.WithoutRateLimit())
	}
	fake := dropherotest.NewServer(opts...)
	t.Cleanup(fake.Close)
	ciph, err := dropship.NewCipher(testKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg := dropship.Config{DB: db, Host: testHost{}, Cipher: ciph, BaseURL: fake.BaseURL(),
		PublicURL: "https://shop.example.com", RetryBackoff: time.Millisecond, CategoryDelay: time.Millisecond}
	if fast {
		cfg.Gate = &dropship.PostgresGate{DB: db, Gap: time.Millisecond, TimeoutGap: time.Millisecond}
	}
	svc, err := dropship.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w, err := outbox.New(outbox.Config{DB: db, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(w)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return &env{t: t, db: db, fake: fake, svc: svc, worker: w, ctx: ctx, cfg: cfg}
}

// drain runs the outbox until no job is due.
func (e *env) drain() {
	e.t.Helper()
	for i := 0; i < 100; i++ {
		n, err := e.worker.RunOnce(e.ctx)
		if err != nil {
			e.t.Fatalf("outbox: %v", err)
		}
		if n == 0 {
			time.Sleep(5 * time.Millisecond)
			if n, _ = e.worker.RunOnce(e.ctx); n == 0 {
				return
			}
		}
	}
	e.t.Fatal("outbox does not drain")
}

// install saves the default keys and runs the installation.
func (e *env) install() {
	e.t.Helper()
	if err := e.svc.SaveKeys(e.ctx, dropherotest.DefaultPublicKey, dropherotest.DefaultSecretKey); err != nil {
		e.t.Fatal(err)
	}
	e.drain()
	st, err := e.svc.Status(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if st.InstallState != gormmodels.DropHeroInstalled {
		e.t.Fatalf("install state %q, last error %q\n%s", st.InstallState, st.LastError, e.jobErrors())
	}
}

func (e *env) product(where string, args ...any) hostProduct {
	e.t.Helper()
	var p hostProduct
	if err := e.db.Where(where, args...).First(&p).Error; err != nil {
		e.t.Fatalf("product %s %v: %v", where, args, err)
	}
	return p
}

// catalogue returns a comparable dump of the host products and links.
func (e *env) catalogue() string {
	e.t.Helper()
	var ps []hostProduct
	e.db.Order("sku, ean, id").Find(&ps)
	var ls []gormmodels.DropHeroLink
	e.db.Order("id_item").Find(&ls)
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%s|%s|%s|%s|%s|%d|%v|%s\n", p.SKU, p.Name, p.EAN, p.DescLong, p.Price.StringFixed(4), p.Stock, p.Active, p.Categories)
	}
	for _, l := range ls {
		fmt.Fprintf(&b, "%s|%s|%v|%v\n", l.IDItem, l.Origin, l.Active, l.NeedsReview)
	}
	return b.String()
}

// mustService replaces the env's service by one with another host and a
// fresh worker.
func mustService(t *testing.T, e *env, h adapters.DropHeroHost) *dropship.Service {
	t.Helper()
	cfg := e.cfg
	cfg.Host = h
	svc, err := dropship.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	worker, err := outbox.New(outbox.Config{DB: e.db, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxAttempts: 1, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.worker = worker
	svc.Register(e.worker)
	return svc
}

func (e *env) jobErrors() string {
	var jobs []gormmodels.OutboxJob
	e.db.Find(&jobs)
	var b strings.Builder
	for _, j := range jobs {
		fmt.Fprintf(&b, "%s %s %d %s\n", j.Kind, j.State, j.Attempts, j.LastError)
	}
	return b.String()
}

type gormDB = gorm.DB

var osStat = os.Stat

func openDB(t *testing.T, url string) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(postgres.Open(url), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := db.DB(); err == nil {
			s.Close()
		}
	})
	return db
}

// dbURL recovers the connection URL of a database opened by openDB.
func dbURL(db *gorm.DB) string {
	return db.Dialector.(*postgres.Dialector).Config.DSN
}
