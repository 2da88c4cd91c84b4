package dropship_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/handlers/dropherocallback"
	"github.com/shopbridge/shopbridge/outbox"
)

func TestInstallFlow(t *testing.T) {
	e := newEnv(t, true)
	e.db.Create(&[]hostCategory{{ID: 2, Name: "Default Category", Public: true}, {ID: 5, Name: "Boots", ParentID: 2, Public: true}, {ID: 9, Name: "Hidden", Public: false}})
	e.install()

	if !e.fake.Installed() {
		t.Error("plugin installed not sent")
	}
	urls := e.fake.CallbackURLs()
	for _, k := range []string{"products", "orderstatus"} {
		if !strings.HasPrefix(urls[k], "https://shop.example.com/drophero/callback/") {
			t.Errorf("callback %s = %q", k, urls[k])
		}
	}
	if !strings.HasSuffix(urls["orderstatus"], "/orders") || len(strings.Split(urls["products"], "/")[5]) != 43 {
		t.Errorf("callback urls %v", urls)
	}
	var sys map[string]any
	msgs := e.fake.Messages()
	if len(msgs) < 2 {
		t.Fatalf("messages %v", msgs)
	}
	json.Unmarshal(msgs[1].Message, &sys)
	if sys["storetype"] != dropship.StoreType || sys["storeversion"] == "" {
		t.Errorf("system message %v", sys)
	}
	cats := e.fake.Categories()
	if len(cats) != 2 || cats["5"]["name"] != "Boots" || cats["9"] != nil {
		t.Errorf("categories %v", cats)
	}
	// First sync from the documented epoch.
	if n := e.fake.CountRequests("GET", "/v1/subscribed/from/332703159"); n != 1 {
		t.Errorf("first sync requests = %d", n)
	}
	var n int64
	e.db.Model(&gormmodels.DropHeroLink{}).Where("active").Count(&n)
	if n != 7 {
		t.Errorf("active links = %d, want 7", n)
	}
	var modes int64
	e.db.Model(&gormmodels.DropHeroShippingMode{}).Count(&modes)
	if modes != 4 {
		t.Errorf("shipping modes cached = %d", modes)
	}
	// Secrets are stored encrypted.
	var st gormmodels.DropHeroSettings
	e.db.First(&st, 1)
	if strings.Contains(st.SecretKeyEnc, "s3cr3tK3y") || strings.Contains(st.PublicKeyEnc, "AKDHTEST") || st.SecretKeyEnc == "" {
		t.Error("keys not encrypted")
	}
	status, _ := e.svc.Status(e.ctx)
	if b, _ := json.Marshal(status); strings.Contains(string(b), "s3cr3tK3y") || strings.Contains(string(b), "AKDHTEST0001") {
		t.Errorf("status leaks a key: %s", b)
	}
	if status.PublicKeyHint != "…0001" || !status.SecretSet {
		t.Errorf("status hint %q, secret set %v", status.PublicKeyHint, status.SecretSet)
	}
	// The write-only form: empty fields keep the stored keys.
	if err := e.svc.SaveKeys(e.ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.svc.KeysEqual(e.ctx, "AKDHTEST0001", "s3cr3tK3y"); !ok || err != nil {
		t.Errorf("keys after saving empty fields: %v %v", ok, err)
	}
	if ok, _ := e.svc.KeysEqual(e.ctx, "AKDHTEST0001", "other"); ok {
		t.Error("KeysEqual accepts another secret")
	}
}

func TestInstallRejectedKeys(t *testing.T) {
	e := newEnv(t, true)
	if err := e.svc.SaveKeys(e.ctx, "AKDHTEST0001", "wrong"); err != nil {
		t.Fatal(err)
	}
	e.drain()
	st, _ := e.svc.Status(e.ctx)
	if st.InstallState != gormmodels.DropHeroKeysRejected {
		t.Fatalf("state %q", st.InstallState)
	}
	if strings.Contains(st.LastError, "wrong") {
		t.Error("secret in error")
	}
}

func TestEANTakeover(t *testing.T) {
	e := newEnv(t, true)
	own := hostProduct{SKU: "BOOT-1", Name: "Our boots", EAN: "08412345678905", DescLong: "Our own description",
		Price: decimal.RequireFromString("39.90"), Stock: 4, Active: true, Image: "own.jpg", Categories: "3"}
	e.db.Create(&own)
	e.install()

	p := e.product("id = ?", own.ID)
	if p.DescLong != "Our own description" || p.Name != "Our boots" || p.Image != "own.jpg" {
		t.Errorf("descriptive content overwritten: %+v", p)
	}
	if !p.Price.Equal(decimal.RequireFromString("19.90")) || p.Stock != 25 || !p.Weight.Equal(decimal.RequireFromString("1.2")) {
		t.Errorf("price/stock/weight not overwritten: %+v", p)
	}
	if p.Categories != "3,5" {
		t.Errorf("categories %q, want 3,5 (added)", p.Categories)
	}
	var l gormmodels.DropHeroLink
	e.db.First(&l, "id_item = ?", "6001")
	if l.Origin != gormmodels.DropHeroManaged || l.ProductID != itoa(own.ID) || !l.PrevPrice.Decimal.Equal(decimal.RequireFromString("39.90")) {
		t.Errorf("link %+v", l)
	}
	var cnt int64
	e.db.Model(&hostProduct{}).Where("ean IN ?", []string{"8412345678905", "08412345678905"}).Count(&cnt)
	if cnt != 1 {
		t.Errorf("%d products with the boots EAN", cnt)
	}
	// Imported product without EAN.
	socks := e.product("sku = ?", "DH-6002")
	if socks.Name != "Wool socks" || socks.Stock != 3 || socks.EAN != "" {
		t.Errorf("socks %+v", socks)
	}
	// qty null: stock 0 and flagged.
	var l1 gormmodels.DropHeroLink
	e.db.First(&l1, "id_item = ?", "5554")
	if !l1.StockUnknown || e.product("sku = ?", "DH-5554").Stock != 0 {
		t.Error("qty null not mapped to stock 0 + unknown")
	}
	// Subscription ends: managed product goes back with its old price, stock 0.
	e.fake.Unsubscribe("6001")
	e.fake.Unsubscribe("5555")
	e.callback(dropship.CallbackProducts)
	p = e.product("id = ?", own.ID)
	if !p.Price.Equal(decimal.RequireFromString("39.90")) || p.Stock != 0 || !p.Active {
		t.Errorf("released managed product %+v", p)
	}
	if e.product("sku = ?", "DH-5555").Active {
		t.Error("deleted imported product still active")
	}
	e.db.First(&l, "id_item = ?", "6001")
	if l.Active || !l.NeedsReview {
		t.Errorf("released link %+v", l)
	}
}

func itoa(u uint) string { return decimal.NewFromInt(int64(u)).String() }

// callback fires a callback through the service and runs the queue.
func (e *env) callback(kind string) {
	e.t.Helper()
	if err := e.svc.Callback(e.ctx, kind, e.token()); err != nil {
		e.t.Fatal(err)
	}
	e.drain()
}

func (e *env) token() string {
	st, err := e.svc.Status(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	u := st.CallbackURLs[dropship.CallbackProducts]
	parts := strings.Split(u, "/")
	return parts[len(parts)-2]
}

func TestEANConflict(t *testing.T) {
	e := newEnv(t, true)
	e.db.Create(&[]hostProduct{{SKU: "A", EAN: "8412345678905", Price: decimal.NewFromInt(1)}, {SKU: "B", EAN: "08412345678905", Price: decimal.NewFromInt(2)}})
	e.install()
	var c gormmodels.DropHeroConflict
	if err := e.db.First(&c, "id_item = ?", "6001").Error; err != nil {
		t.Fatal("no conflict recorded")
	}
	var n int64
	e.db.Model(&gormmodels.DropHeroLink{}).Where("id_item = ?", "6001").Count(&n)
	if n != 0 {
		t.Error("conflicting item linked")
	}
	found := false
	for _, m := range e.fake.Messages() {
		if m.Type == "warning" && strings.Contains(string(m.Message), "6001") {
			found = true
		}
	}
	if !found {
		t.Error("no warning notify for the conflict")
	}
	// The merchant picks product B.
	var b hostProduct
	e.db.First(&b, "sku = ?", "B")
	if err := e.svc.ResolveConflict(e.ctx, "6001", "999999"); err == nil {
		t.Error("a product without the EAN was accepted")
	}
	if err := e.svc.ResolveConflict(e.ctx, "6001", itoa(b.ID)); err != nil {
		t.Fatal(err)
	}
	var l gormmodels.DropHeroLink
	e.db.First(&l, "id_item = ?", "6001")
	if l.Origin != gormmodels.DropHeroManaged || l.ProductID != itoa(b.ID) || !l.Active {
		t.Errorf("link after resolution %+v", l)
	}
	if p := e.product("id = ?", b.ID); p.Stock != 25 || !p.Price.Equal(decimal.RequireFromString("19.9")) {
		t.Errorf("resolved product %+v", p)
	}
	if cs, _ := e.svc.Conflicts(e.ctx); len(cs) != 0 {
		t.Errorf("conflicts left: %v", cs)
	}
	// The next full sync updates it like any managed product.
	if _, err := e.svc.SyncCatalog(e.ctx, true); err != nil {
		t.Fatal(err)
	}
	if cs, _ := e.svc.Conflicts(e.ctx); len(cs) != 0 {
		t.Errorf("conflict recorded again: %v", cs)
	}
}

func TestDeletedListAndBothListed(t *testing.T) {
	e := newEnv(t, true)
	e.install()
	// 5557 and 5559 were deleted before we ever saw them: ignored.
	var n int64
	e.db.Model(&gormmodels.DropHeroLink{}).Where("id_item IN ?", []string{"5557", "5559"}).Count(&n)
	if n != 0 {
		t.Error("deleted items imported")
	}
	// A body with an item both listed and deleted: it stays active.
	e.fake.FailNext("/v1/subscribed/from/"+e.nextFrom(), dropherotest.Body(`{"0":{"iditem":"5554","selling_price":"7.0000","qty":"2"},"deleted":["5554","5556"]}`))
	e.callback(dropship.CallbackProducts)
	if p := e.product("sku = ?", "DH-5554"); !p.Active || !p.Price.Equal(decimal.NewFromInt(7)) {
		t.Errorf("5554 %+v", p)
	}
	if p := e.product("sku = ?", "DH-5556"); p.Active {
		t.Error("5556 still active")
	}
}

// nextFrom is the epoch the next incremental sync asks for.
func (e *env) nextFrom() string {
	var st gormmodels.DropHeroSettings
	e.db.First(&st, 1)
	return decimal.NewFromInt(st.LastSync.Unix() - 600).String()
}

func TestBadServerDataAppliesNothing(t *testing.T) {
	bodies := map[string]string{
		"invalid json":      `{"0":{"iditem":"5554","selling_price":"9.0000"},`,
		"price abc":         `{"0":{"iditem":"5554","selling_price":"9.0000"},"1":{"iditem":"5555","selling_price":"abc"}}`,
		"object for string": `{"0":{"iditem":"5554","selling_price":"9.0000"},"1":{"iditem":"5555","selling_price":"1","product_name":{"x":1}}}`,
		"top level string":  `"oops"`,
		"fraction id":       `{"0":{"iditem":"5554","selling_price":"9.0000"},"1":{"iditem":1.5,"selling_price":"1"}}`,
	}
	e := newEnv(t, true)
	e.install()
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			before := e.catalogue()
			var st0 gormmodels.DropHeroSettings
			e.db.First(&st0, 1)
			e.fake.FailNext("/v1/subscribed/from/"+e.nextFrom(), dropherotest.Body(body))
			_, err := e.svc.SyncCatalog(e.ctx, false)
			var de *drophero.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want DecodeError", err)
			}
			if after := e.catalogue(); after != before {
				t.Errorf("catalogue changed:\n%s\nvs\n%s", before, after)
			}
			var st1 gormmodels.DropHeroSettings
			e.db.First(&st1, 1)
			if !st1.LastSync.Equal(*st0.LastSync) {
				t.Error("last_sync advanced")
			}
		})
	}
}

// failingHost fails UpdateProduct after n calls, simulating a crash half way.
type failingHost struct {
	testHost
	left *int
}

func (h failingHost) CreateProducts(ctx context.Context, tx *gorm.DB, fs []adapters.DropHeroProductFields) ([]string, error) {
	if *h.left <= 0 {
		return nil, errors.New("crash")
	}
	*h.left--
	return h.testHost.CreateProducts(ctx, tx, fs)
}

func TestSyncKilledHalfWayThenRerun(t *testing.T) {
	gen := func(i int) map[string]any {
		return map[string]any{"iditem": decimal.NewFromInt(int64(10000 + i)).String(), "product_name": "Gen", "selling_price": "1.5000",
			"qty": "3.0000", "ean": nil, "shipping": []any{map[string]any{"shipping_area_iso": "ES", "idshippingmode": "1", "shipping_price": "2.0000"}}, "payments": 0}
	}
	// Reference: a clean run.
	ref := newEnv(t, true)
	ref.fake.GenerateCatalogue(120, gen)
	ref.install()
	want := ref.catalogue()

	e := newEnv(t, true)
	e.fake.GenerateCatalogue(120, gen)
	left := 1
	e.cfg.BatchSize = 50 // three batches: the crash comes after one was written
	e.svc = mustService(t, e, failingHost{left: &left})
	if err := e.svc.SaveKeys(e.ctx, "AKDHTEST0001", "s3cr3tK3y"); err != nil {
		t.Fatal(err)
	}
	e.drain()
	var n int64
	e.db.Model(&hostProduct{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d products after the crashed sync, want 0 (rolled back)", n)
	}
	st, _ := e.svc.Status(e.ctx)
	if st.LastSync != nil {
		t.Fatal("last_sync advanced by a crashed sync")
	}
	left = 1000
	e.svc = mustService(t, e, testHost{})
	if err := e.svc.SaveKeys(e.ctx, "AKDHTEST0001", "s3cr3tK3y"); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if got := e.catalogue(); got != want {
		t.Errorf("catalogue after re-run differs:\n%s\nwant\n%s", got, want)
	}
	// Re-running the full sync is idempotent.
	if _, err := e.svc.SyncCatalog(e.ctx, true); err != nil {
		t.Fatal(err)
	}
	if got := e.catalogue(); got != want {
		t.Error("second full sync changed the catalogue")
	}
}

func TestCallbackStormOneSync(t *testing.T) {
	e := newEnv(t, true)
	e.install()
	before := e.fake.CountRequests("GET", "/v1/subscribed")
	tok := e.token()
	for i := 0; i < 50; i++ {
		if err := e.svc.Callback(e.ctx, dropship.CallbackProducts, tok); err != nil {
			t.Fatal(err)
		}
	}
	e.drain()
	if n := e.fake.CountRequests("GET", "/v1/subscribed") - before; n != 1 {
		t.Errorf("%d syncs after a storm of 50 callbacks, want 1", n)
	}
	// A token of the same length that differs in its first character
	// (replacing it by a fixed letter could give the token itself).
	wrong := "x" + tok[1:]
	if tok[0] == 'x' {
		wrong = "y" + tok[1:]
	}
	if err := e.svc.Callback(e.ctx, dropship.CallbackProducts, wrong); !errors.Is(err, dropship.ErrUnknownToken) {
		t.Errorf("wrong token: %v", err)
	}
}

func TestDisable(t *testing.T) {
	e := newEnv(t, true)
	e.install()
	tok := e.token()
	before := len(e.fake.Requests())
	if err := e.svc.Disable(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Callback(e.ctx, dropship.CallbackProducts, tok); !errors.Is(err, dropship.ErrUnknownToken) {
		t.Errorf("callback after disable: %v", err)
	}
	if _, err := e.svc.SyncCatalog(e.ctx, false); !errors.Is(err, drophero.ErrNotConfigured) {
		t.Errorf("sync after disable: %v", err)
	}
	if n := len(e.fake.Requests()) - before; n != 1 {
		t.Errorf("%d requests after disable, want the one warning", n)
	}
	// Saving the keys again installs anew with a new token.
	e.install()
	if e.token() == tok {
		t.Error("token not rotated")
	}
}

// Two catalogue syncs started together (two workers, or a callback job and
// "sync now") run one after the other: each new item is imported once.
func TestConcurrentSyncsImportOnce(t *testing.T) {
	e := newEnv(t, true)
	e.install()
	e.fake.GenerateCatalogue(200, func(i int) map[string]any {
		return map[string]any{"iditem": decimal.NewFromInt(int64(20000 + i)).String(), "product_name": "Gen", "selling_price": "1.0000",
			"qty": "1.0000", "ean": nil, "payments": 0}
	})
	errs := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func() { _, err := e.svc.SyncCatalog(e.ctx, false); errs <- err }()
	}
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var products, links int64
	e.db.Model(&hostProduct{}).Where("sku LIKE ?", "DH-%").Count(&products)
	e.db.Model(&gormmodels.DropHeroLink{}).Count(&links)
	if products != 207 || links != 207 {
		t.Errorf("%d DropHero products and %d links after two concurrent syncs, want 207 each", products, links)
	}
}

// The fake fires a storm of callbacks at the real handler over HTTP: every
// one gets 200 at once and the queue runs a single sync.
func TestCallbackStormOverHTTP(t *testing.T) {
	e := newEnv(t, true)
	ec := echo.New()
	shop := httptest.NewServer(ec)
	defer shop.Close()
	cfg := e.cfg
	cfg.PublicURL = shop.URL
	svc, err := dropship.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	worker, err := outbox.New(outbox.Config{DB: e.db, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.worker = worker
	svc.Register(e.worker)
	h, err := dropherocallback.New(dropherocallback.Config{Service: svc})
	if err != nil {
		t.Fatal(err)
	}
	h.Mount(ec.Group(""))
	e.install()

	before := e.fake.CountRequests("GET", "/v1/subscribed")
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if st := e.fake.FireCallback("products"); st != 200 {
				t.Errorf("callback answered %d", st)
			}
		}()
	}
	wg.Wait()
	e.drain()
	if n := e.fake.CountRequests("GET", "/v1/subscribed") - before; n != 1 {
		t.Errorf("%d syncs after 20 callbacks, want 1", n)
	}
	for _, d := range e.fake.Deliveries() {
		if d.Status != 200 {
			t.Errorf("delivery %+v", d)
		}
	}
	// Background deliveries end with the fake.
	e.fake.FireCallbackAsync("orderstatus")
	e.fake.Close()
}

// TestEANTakeoverIgnoresProductsLinkedElsewhere: products already linked to
// another iditem do not count as EAN matches
// (docs/protocol/drophero.md#ean-takeover); only when every match is linked
// elsewhere is it a conflict.
func TestEANTakeoverIgnoresProductsLinkedElsewhere(t *testing.T) {
	e := newEnv(t, true)
	a := hostProduct{SKU: "A", EAN: "8412345678905", Price: decimal.NewFromInt(1), Active: true}
	e.db.Create(&a)
	e.install()
	var la gormmodels.DropHeroLink
	if err := e.db.First(&la, "product_id = ?", itoa(a.ID)).Error; err != nil || la.IDItem != "6001" {
		t.Fatalf("A not taken over by 6001: %+v %v", la, err)
	}
	b := hostProduct{SKU: "B", EAN: "08412345678905", Price: decimal.NewFromInt(2), Active: true}
	e.db.Create(&b)
	e.fake.PutProduct(dropherotest.SeedProduct("7001", "Twin", "8412345678905"))
	if _, err := e.svc.SyncCatalog(e.ctx, false); err != nil {
		t.Fatal(err)
	}
	var l gormmodels.DropHeroLink
	if err := e.db.First(&l, "id_item = ?", "7001").Error; err != nil || l.ProductID != itoa(b.ID) || l.Origin != gormmodels.DropHeroManaged {
		t.Errorf("7001 not linked to the only free product B: %+v %v", l, err)
	}
	var n int64
	e.db.Model(&gormmodels.DropHeroConflict{}).Where("id_item = ?", "7001").Count(&n)
	if n != 0 {
		t.Error("conflict recorded although one free product matched")
	}
	// Now both products are linked elsewhere: a third item is a conflict.
	e.fake.PutProduct(dropherotest.SeedProduct("7002", "Triplet", "8412345678905"))
	if _, err := e.svc.SyncCatalog(e.ctx, false); err != nil {
		t.Fatal(err)
	}
	e.db.Model(&gormmodels.DropHeroLink{}).Where("id_item = ?", "7002").Count(&n)
	if n != 0 {
		t.Error("7002 linked to a product of another item")
	}
	if err := e.db.First(&gormmodels.DropHeroConflict{}, "id_item = ?", "7002").Error; err != nil {
		t.Errorf("no conflict for 7002: %v", err)
	}
}

// TestFullSyncReleasesDeletedOrphanOnce: an item listed in deleted that a
// full sync also finds unmatched is released once, not twice.
func TestFullSyncReleasesDeletedOrphanOnce(t *testing.T) {
	e := newEnv(t, true)
	e.install()
	var active int64
	e.db.Model(&gormmodels.DropHeroLink{}).Where("active").Count(&active)
	e.fake.FailNext("/v1/subscribed/from/332703159", dropherotest.Body(`{"deleted":["5554"]}`))
	res, err := e.svc.SyncCatalog(e.ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Deactivated != int(active) {
		t.Errorf("deactivated %d, want %d (one per active link)", res.Deactivated, active)
	}
	if p := e.product("sku = ?", "DH-5554"); p.Active {
		t.Error("5554 still active")
	}
}
