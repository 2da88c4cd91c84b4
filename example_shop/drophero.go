package main

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/gormmodels"
	dhhandler "github.com/shopbridge/shopbridge/handlers/drophero"
	"github.com/shopbridge/shopbridge/outbox"
)

// dropHeroState is the DropHero integration of the example shop.
type dropHeroState struct {
	a    *App
	svc  *drophero.Service
	fake *dropherotest.Server // demo mode only
}

// dropHeroOf finds the integration of an App (tests and tools).
var dropHeroOf sync.Map // *App → *dropHeroState

// dhModeKey carries the DropHero shipping mode the buyer chose from the
// checkout request to the order hook (through the transaction's context).
type dhModeKey struct{}

// dhModePrefix marks the order item that records the chosen mode.
const dhModePrefix = "drophero-mode-"

// setupDropHero connects the shop to DropHero. It reads DROPHERO_API_URL,
// DROPHERO_PUBLIC_KEY, DROPHERO_SECRET_KEY, DROPHERO_AUTO_SUBMIT and
// SHOPBRIDGE_SECRET_KEY (the key encrypting the stored DropHero keys;
// required against the real DropHero outside demo mode, otherwise a 0600
// key file in the data directory is generated). Without an API URL and keys
// it runs against an in-process fake DropHero with the fake's keys.
func (a *App) setupDropHero() error {
	st := &dropHeroState{a: a}
	apiURL := os.Getenv("DROPHERO_API_URL")
	pub, sec := os.Getenv("DROPHERO_PUBLIC_KEY"), os.Getenv("DROPHERO_SECRET_KEY")
	demo := apiURL == "" && pub == ""
	if !demo && os.Getenv("SHOPBRIDGE_SECRET_KEY") == "" && !a.Demo {
		return errors.New("drophero: set SHOPBRIDGE_SECRET_KEY (32 bytes, hex or base64) to store DropHero keys encrypted")
	}
	key, err := dropHeroKey(a.DataDir)
	if err != nil {
		return err
	}
	ciph, err := drophero.NewCipher(key)
	if err != nil {
		return err
	}
	if demo {
		st.fake = dropherotest.NewServer()
		a.OnClose(st.fake.Close)
		apiURL = st.fake.BaseURL()
		pub, sec = dropherotest.DefaultPublicKey, dropherotest.DefaultSecretKey
		a.Log.Info("DropHero runs against the in-process fake", zap.String("url", apiURL))
	}
	dropHeroOf.Store(a, st)
	a.OnClose(func() { dropHeroOf.Delete(a) })
	publicURL := os.Getenv("PUBLIC_URL")
	if publicURL == "" {
		publicURL = a.PublicURL
	}
	svc, err := drophero.NewService(drophero.ServiceConfig{
		DB: a.DB, Host: &dhHost{a: a}, Cipher: ciph, BaseURL: apiURL, PublicURL: publicURL,
		Logger: a.Log,
	})
	if err != nil {
		return err
	}
	st.svc = svc
	ctx := context.Background()
	if pub != "" && sec != "" {
		same, err := svc.KeysEqual(ctx, pub, sec)
		if err != nil {
			return err
		}
		if !same {
			if err := svc.SaveKeys(ctx, pub, sec); err != nil {
				return err
			}
		}
	}
	if v := os.Getenv("DROPHERO_AUTO_SUBMIT"); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("DROPHERO_AUTO_SUBMIT: %w", err)
		}
		if err := svc.SetAutoSubmit(ctx, on); err != nil {
			return err
		}
	}

	w, err := outbox.New(drophero.WorkerConfig(a.DB, a.Log.Named("drophero-outbox")))
	if err != nil {
		return err
	}
	svc.Register(w)
	a.Background(func(ctx context.Context) { _ = w.Run(ctx) })

	// Callbacks: outside sessions and CSRF (the storefront has neither on them).
	dhhandler.New(dhhandler.Config{Service: svc, Logger: a.Log.Named("drophero")}).Mount(a.Echo.Group(""))

	// Category changes go to DropHero through the outbox, in the same transaction.
	cb := func(db *gorm.DB) {
		if db.Error == nil && db.Statement.Table == (Category{}).TableName() {
			if err := svc.CategoriesChanged(db.Session(&gorm.Session{NewDB: true})); err != nil {
				db.AddError(err)
			}
		}
	}
	a.DB.Callback().Create().After("gorm:create").Register("drophero:categories_create", cb)
	a.DB.Callback().Update().After("gorm:update").Register("drophero:categories_update", cb)
	a.DB.Callback().Delete().After("gorm:delete").Register("drophero:categories_delete", cb)
	// A paid order waiting for payment is submitted when auto-submit is on.
	a.DB.Callback().Update().After("gorm:update").Register("drophero:order_paid", func(db *gorm.DB) {
		if db.Error == nil && db.Statement.Table == (Order{}).TableName() {
			if err := st.ordersPaid(db.Session(&gorm.Session{NewDB: true})); err != nil {
				db.AddError(err)
			}
		}
	})

	a.OnOrderPlaced(st.orderPlaced)
	a.Echo.Use(st.checkoutMiddleware)
	a.AddCheckoutSection(st.checkoutSection)

	adm := &orderAdmin{a: a}
	g := a.Echo.Group("/admin/drophero", adm.guard)
	g.GET("", st.page)
	g.POST("/keys", st.saveKeys)
	g.POST("/settings", st.saveSettings)
	g.POST("/sync", st.syncNow)
	g.POST("/orders/:id/confirm", st.confirm)
	g.POST("/conflicts/:iditem", st.resolve)
	g.POST("/disable", st.disable)
	if st.fake != nil {
		g.POST("/demo/callback", st.demoCallback)
	}
	return nil
}

// dropHeroKey returns SHOPBRIDGE_SECRET_KEY, or the key of a 0600 file in
// dataDir, created on first use.
func dropHeroKey(dataDir string) ([]byte, error) {
	if v := os.Getenv("SHOPBRIDGE_SECRET_KEY"); v != "" {
		return drophero.ParseKey(v)
	}
	return drophero.LoadOrCreateKeyFile(filepath.Join(dataDir, "shopbridge-secret.key"))
}

// ---- orders ----

// orderPlaced records the DropHero part of a new order: it checks the
// chosen DropHero shipping mode, adds its total to the order and tells the
// integration (inside the order's transaction).
func (st *dropHeroState) orderPlaced(tx *gorm.DB, o *Order) error {
	ctx := tx.Statement.Context
	var cart []drophero.CartLine
	for _, it := range o.Items {
		if it.Type == ItemProduct && it.ProductID != nil {
			cart = append(cart, drophero.CartLine{ProductID: strconv.Itoa(int(*it.ProductID)), Qty: decimal.NewFromInt(int64(it.Quantity))})
		}
	}
	opts, err := st.svc.ShippingOptions(ctx, tx, cart, o.DeliveryAddress.Country)
	var nc *drophero.NoCommonModeError
	if errors.As(err, &nc) {
		return &CheckoutError{Msg: "Some items are delivered by our partner and cannot be shipped together to " + nc.Country + "."}
	}
	if err != nil {
		return err
	}
	if len(opts) == 0 {
		return nil // no DropHero items
	}
	mode, _ := ctx.Value(dhModeKey{}).(string)
	if mode == "" && len(opts) == 1 {
		mode = opts[0].ModeID
	}
	var chosen *drophero.ShippingOption
	for i := range opts {
		if opts[i].ModeID == mode {
			chosen = &opts[i]
		}
	}
	if chosen == nil {
		return &CheckoutError{Msg: "Please choose how the partner-delivered items are shipped."}
	}
	item := OrderItem{OrderID: o.ID, Type: ItemShipping, Number: dhModePrefix + chosen.ModeID,
		Name: "Partner shipping: " + chosen.Label, Quantity: 1, UnitPrice: chosen.Total, TaxRate: decimal.Zero, Total: chosen.Total}
	if err := tx.Create(&item).Error; err != nil {
		return err
	}
	o.Items = append(o.Items, item)
	o.AmountShipping = o.AmountShipping.Add(chosen.Total)
	o.AmountTotal = o.AmountTotal.Add(chosen.Total)
	if err := tx.Model(&Order{}).Where("id = ?", o.ID).Updates(map[string]any{
		"amount_shipping": o.AmountShipping, "amount_total": o.AmountTotal}).Error; err != nil {
		return err
	}
	return st.svc.OrderPlaced(ctx, tx, o.Number)
}

// ordersPaid submits the orders that waited for their payment and reports
// cancelled ones.
func (st *dropHeroState) ordersPaid(tx *gorm.DB) error {
	var numbers []string
	err := tx.Table((Order{}).TableName()+" AS o").
		Joins("JOIN shopbridge_drophero_orders d ON d.order_id = o.number").
		Where("d.state = ? AND o.is_paid = ?", gormmodels.DropHeroAwaitingPayment, true).Pluck("o.number", &numbers).Error
	if err != nil {
		return err
	}
	for _, n := range numbers {
		if err := st.svc.OrderPaid(tx.Statement.Context, tx, n); err != nil {
			return err
		}
	}
	// Cancelled shop orders: DropHero has no cancel endpoint (warn, alert).
	numbers = nil
	err = tx.Table((Order{}).TableName()+" AS o").
		Joins("JOIN shopbridge_drophero_orders d ON d.order_id = o.number").
		Where("o.status = ? AND d.state <> ? AND d.alert = ''", StatusCancelled, gormmodels.DropHeroRejected).Pluck("o.number", &numbers).Error
	if err != nil {
		return err
	}
	for _, n := range numbers {
		if err := st.svc.OrderCancelled(tx.Statement.Context, tx, n); err != nil {
			return err
		}
	}
	return nil
}

// ---- checkout ----

// checkoutMiddleware hands the DropHero shipping mode chosen in the
// checkout form (checkoutSection) to the order hook through the request
// context.
func (st *dropHeroState) checkoutMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if c.Path() == "/checkout" && r.Method == http.MethodPost {
			if m := c.FormValue("drophero_mode"); m != "" {
				c.SetRequest(r.WithContext(context.WithValue(r.Context(), dhModeKey{}, m)))
			}
		}
		return next(c)
	}
}

// checkoutSection is the checkout form part with the DropHero shipping
// modes of the session's cart (see App.AddCheckoutSection).
func (st *dropHeroState) checkoutSection(c echo.Context, s *Session) template.HTML {
	return template.HTML(st.checkoutFieldset(c, s)) //nolint:gosec // rendered by dhFieldset, escaped
}

var dhFieldset = template.Must(template.New("dh").Parse(`<fieldset><legend>Shipping of partner items ({{.Country}})</legend>
<p class="muted">Some items are delivered by our partner DropHero; choose how (added to the shipping above). Other countries: the options are checked when you place the order.</p>
{{range $i, $o := .Options}}<label><input type="radio" name="drophero_mode" value="{{$o.ModeID}}"{{if eq $i 0}} checked{{end}}> {{$o.Label}} — {{$o.Total.StringFixed 2}} EUR{{with $o.TransitHours}} ({{.}} h){{end}}</label>
{{end}}{{with .Error}}<p class="msg error">{{.}}</p>{{end}}</fieldset>
`))

// checkoutFieldset renders the DropHero options for the session's cart
// (destination: the customer's delivery country, else the shipping area of
// DropHero's modes), or "" when the cart has no DropHero items.
func (st *dropHeroState) checkoutFieldset(c echo.Context, s *Session) string {
	ctx := c.Request().Context()
	var items []CartItem
	if err := st.a.DB.WithContext(ctx).Where("session_token = ?", s.Token).Find(&items).Error; err != nil || len(items) == 0 {
		return ""
	}
	cart := make([]drophero.CartLine, len(items))
	for i, it := range items {
		cart[i] = drophero.CartLine{ProductID: strconv.Itoa(int(it.ProductID)), Qty: decimal.NewFromInt(int64(it.Quantity))}
	}
	country := "ES"
	var mode gormmodels.DropHeroShippingMode
	if st.a.DB.WithContext(ctx).Limit(1).Find(&mode).Error == nil && mode.AreaISO != "" {
		country = mode.AreaISO
	}
	if cu := st.a.sessionCustomer(c, s); cu != nil {
		for _, ad := range cu.Addresses {
			if ad.IsDelivery {
				country = ad.Country
			}
		}
	}
	data := struct {
		Country string
		Options []drophero.ShippingOption
		Error   string
	}{Country: country}
	opts, err := st.svc.ShippingOptions(ctx, st.a.DB, cart, country)
	var nc *drophero.NoCommonModeError
	switch {
	case errors.As(err, &nc):
		data.Error = "These partner items cannot be shipped together to " + country + "."
	case err != nil:
		st.a.Log.Warn("drophero shipping options", zap.Error(err))
		return ""
	case len(opts) == 0:
		return ""
	}
	data.Options = opts
	var b strings.Builder
	if err := dhFieldset.Execute(&b, data); err != nil {
		return ""
	}
	return b.String()
}

// ---- merchant page ----

type dropHeroPage struct {
	Status    *drophero.Status
	Conflicts []gormmodels.DropHeroConflict
	Waiting   []gormmodels.DropHeroOrder
	Recent    []gormmodels.DropHeroOrder
	Products  []gormmodels.DropHeroLink
	Modes     []gormmodels.DropHeroShippingMode
	Message   string
	Error     string
	Demo      bool
}

func (st *dropHeroState) page(c echo.Context) error {
	ctx := c.Request().Context()
	d := dropHeroPage{Message: c.QueryParam("msg"), Error: c.QueryParam("err"), Demo: st.fake != nil}
	var err error
	if d.Status, err = st.svc.Status(ctx); err != nil {
		return err
	}
	if d.Waiting, err = st.svc.PendingOrders(ctx, gormmodels.DropHeroAwaitingConfirmation, gormmodels.DropHeroAwaitingPayment, gormmodels.DropHeroNeedsAttention); err != nil {
		return err
	}
	if d.Recent, err = st.svc.PendingOrders(ctx, gormmodels.DropHeroSubmitted, gormmodels.DropHeroRejected, gormmodels.DropHeroQueued, gormmodels.DropHeroSubmitting); err != nil {
		return err
	}
	if d.Products, err = st.svc.ManagedProducts(ctx, 100); err != nil {
		return err
	}
	if d.Conflicts, err = st.svc.Conflicts(ctx); err != nil {
		return err
	}
	st.a.DB.WithContext(ctx).Order("id").Find(&d.Modes)
	return st.a.render(c, "drophero_admin.html", d)
}

func dhBack(c echo.Context, msg string, err error) error {
	q := "?msg=" + urlQueryEscape(msg)
	if err != nil {
		q = "?err=" + urlQueryEscape(err.Error())
	}
	return c.Redirect(http.StatusSeeOther, "/admin/drophero"+q)
}

func urlQueryEscape(s string) string {
	if !utf8.ValidString(s) {
		s = "?"
	}
	return template.URLQueryEscaper(s)
}

func (st *dropHeroState) saveKeys(c echo.Context) error {
	err := st.svc.SaveKeys(c.Request().Context(), c.FormValue("public_key"), c.FormValue("secret_key"))
	return dhBack(c, "Keys saved; installation started.", err)
}

func (st *dropHeroState) saveSettings(c echo.Context) error {
	err := st.svc.SetAutoSubmit(c.Request().Context(), c.FormValue("auto_submit") == "1")
	return dhBack(c, "Settings saved.", err)
}

func (st *dropHeroState) syncNow(c echo.Context) error {
	err := st.svc.SyncNow(c.Request().Context(), c.FormValue("full") == "1")
	return dhBack(c, "Sync queued.", err)
}

func (st *dropHeroState) confirm(c echo.Context) error {
	err := st.svc.ConfirmOrder(c.Request().Context(), c.Param("id"), c.FormValue("mode"))
	return dhBack(c, "Order "+c.Param("id")+" queued for DropHero.", err)
}

func (st *dropHeroState) disable(c echo.Context) error {
	err := st.svc.Disable(c.Request().Context())
	return dhBack(c, "DropHero disabled; save the keys again to reinstall.", err)
}

func (st *dropHeroState) resolve(c echo.Context) error {
	err := st.svc.ResolveConflict(c.Request().Context(), c.Param("iditem"), c.FormValue("product_id"))
	return dhBack(c, "Conflict of DropHero item "+c.Param("iditem")+" resolved.", err)
}

// demoCallback makes the fake DropHero change something and call back.
func (st *dropHeroState) demoCallback(c echo.Context) error {
	switch c.FormValue("what") {
	case "price":
		p := dropherotest.SeedProduct("5554", "Test product 1", "1")
		p["selling_price"], p["qty"] = "5.5000", "40.0000"
		st.fake.PutProduct(p)
		st.fake.FireCallbackAsync("products")
	case "status":
		var o gormmodels.DropHeroOrder
		if st.a.DB.Where("state = ?", gormmodels.DropHeroSubmitted).Order("submitted_at DESC").Limit(1).Find(&o); o.OrderID != "" {
			next := map[string]string{"1": "3", "3": "4"}[o.DropHeroStatus]
			if next == "" {
				next = "4"
			}
			st.fake.SetOrderStatus(o.OrderID, next)
		}
		st.fake.FireCallbackAsync("orderstatus")
	}
	return dhBack(c, "The fake DropHero called back.", nil)
}

// ---- host adapter ----

// dhHost implements adapters.DropHeroHost on the shop's tables. Shop prices
// are gross; DropHero prices are net, so prices are converted with the
// product's VAT rate.
type dhHost struct{ a *App }

var hundred = decimal.NewFromInt(100)

func gross(net, rate decimal.Decimal) decimal.Decimal {
	return net.Mul(hundred.Add(rate)).Div(hundred).Round(2)
}

func netOf(g, rate decimal.Decimal) decimal.Decimal {
	return g.Mul(hundred).Div(hundred.Add(rate)).Round(4)
}

func (h *dhHost) PublicCategories(ctx context.Context, tx *gorm.DB) ([]adapters.DropHeroCategory, error) {
	var cats []Category
	if err := tx.Order("id").Find(&cats).Error; err != nil {
		return nil, err
	}
	byID := map[uint]Category{}
	for _, c := range cats {
		byID[c.ID] = c
	}
	public := func(c Category) bool {
		for i := 0; i < 64; i++ {
			if !c.Active {
				return false
			}
			if c.ParentID == nil {
				return true
			}
			p, ok := byID[*c.ParentID]
			if !ok {
				return false
			}
			c = p
		}
		return false
	}
	var out []adapters.DropHeroCategory
	for _, c := range cats {
		if public(c) {
			pid := "0"
			if c.ParentID != nil {
				pid = strconv.Itoa(int(*c.ParentID))
			}
			out = append(out, adapters.DropHeroCategory{ID: strconv.Itoa(int(c.ID)), Name: c.Name, ParentID: pid})
		}
	}
	return out, nil
}

func (h *dhHost) ProductsByEAN(ctx context.Context, tx *gorm.DB, eans []string) ([]adapters.DropHeroProduct, error) {
	var ps []Product
	if err := tx.Preload("TaxClass").Where("ean IN ? AND ean <> ''", eans).Find(&ps).Error; err != nil {
		return nil, err
	}
	out := make([]adapters.DropHeroProduct, len(ps))
	for i, p := range ps {
		var imgs int64
		tx.Model(&ProductImage{}).Where("product_id = ?", p.ID).Count(&imgs)
		out[i] = adapters.DropHeroProduct{ID: strconv.Itoa(int(p.ID)), EAN: p.EAN, Price: netOf(p.Price, p.TaxClass.Rate),
			Stock: int64(p.StockQuantity), HasImage: imgs > 0}
	}
	return out, nil
}

// taxClass returns the id of the tax class with rate, creating it.
func taxClass(tx *gorm.DB, rate decimal.Decimal) (uint, error) {
	var tc TaxClass
	err := tx.Where("rate = ?", rate).Limit(1).Find(&tc).Error
	if err != nil || tc.ID != 0 {
		return tc.ID, err
	}
	tc = TaxClass{Name: "VAT " + rate.String() + " % (DropHero)", Rate: rate}
	return tc.ID, tx.Create(&tc).Error
}

func cut(s string, n int) string {
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// apply copies the set fields of f onto p (price handling needs the rate).
func (h *dhHost) apply(tx *gorm.DB, p *Product, rate decimal.Decimal, f adapters.DropHeroProductFields) error {
	if f.SKU != nil && p.Number == "" {
		p.Number = cut(*f.SKU, 64)
	}
	if f.Name != nil {
		p.Name = cut(*f.Name, 255)
	}
	if f.EAN != nil && len(*f.EAN) <= 14 {
		p.EAN = *f.EAN
	}
	if f.DescriptionShort != nil {
		p.ShortText = cut(*f.DescriptionShort, 512)
	}
	if f.DescriptionLong != nil {
		p.Description = *f.DescriptionLong
	}
	if f.TaxRate != nil {
		id, err := taxClass(tx, *f.TaxRate)
		if err != nil {
			return err
		}
		p.TaxClassID, rate = id, *f.TaxRate
	}
	if f.Price != nil {
		p.Price = gross(*f.Price, rate)
	}
	if f.Stock != nil {
		p.StockQuantity = int(*f.Stock)
	}
	if f.Weight != nil {
		p.WeightGrams = int(f.Weight.Mul(decimal.NewFromInt(1000)).Round(0).IntPart())
	}
	if f.Active != nil {
		p.Active = *f.Active
	}
	return nil
}

func (h *dhHost) CreateProducts(ctx context.Context, tx *gorm.DB, fs []adapters.DropHeroProductFields) ([]string, error) {
	def, err := taxClass(tx, decimal.NewFromInt(21))
	if err != nil {
		return nil, err
	}
	ps := make([]Product, len(fs))
	for i, f := range fs {
		ps[i].TaxClassID = def
		if err := h.apply(tx, &ps[i], decimal.NewFromInt(21), f); err != nil {
			return nil, err
		}
	}
	if err := tx.Omit("TaxClass", "Parent", "Variants", "Attributes", "Properties", "Images", "Tags", "Categories", "TierPrices", "Relations", "Reviews").
		CreateInBatches(&ps, 500).Error; err != nil {
		return nil, err
	}
	ids := make([]string, len(ps))
	var imgs []ProductImage
	var pcs []ProductCategory
	for i, p := range ps {
		ids[i] = strconv.Itoa(int(p.ID))
		if u := fs[i].ImageURL; u != nil && *u != "" {
			imgs = append(imgs, ProductImage{ProductID: p.ID, URL: cut(*u, 512), Title: p.Name})
		}
		for _, c := range h.knownCategories(tx, fs[i].CategoryIDs) {
			pcs = append(pcs, ProductCategory{ProductID: p.ID, CategoryID: c})
		}
	}
	if len(imgs) > 0 {
		if err := tx.CreateInBatches(&imgs, 1000).Error; err != nil {
			return nil, err
		}
	}
	if len(pcs) > 0 {
		if err := tx.CreateInBatches(&pcs, 1000).Error; err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// knownCategories keeps the ids of existing categories (unknown ones are skipped).
func (h *dhHost) knownCategories(tx *gorm.DB, ids []string) []uint {
	if len(ids) == 0 {
		return nil
	}
	var out []uint
	tx.Model(&Category{}).Where("id IN ?", ids).Pluck("id", &out)
	return out
}

func (h *dhHost) UpdateProduct(ctx context.Context, tx *gorm.DB, id string, f adapters.DropHeroProductFields) error {
	var p Product
	if err := tx.Preload("TaxClass").First(&p, id).Error; err != nil {
		return fmt.Errorf("product %s: %w", id, err)
	}
	if err := h.apply(tx, &p, p.TaxClass.Rate, f); err != nil {
		return err
	}
	if err := tx.Model(&p).Select("number", "name", "ean", "short_text", "description", "tax_class_id", "price",
		"stock_quantity", "weight_grams", "active").Updates(&p).Error; err != nil {
		return err
	}
	if u := f.ImageURL; u != nil && *u != "" {
		var n int64
		tx.Model(&ProductImage{}).Where("product_id = ?", p.ID).Count(&n)
		if n == 0 {
			if err := tx.Create(&ProductImage{ProductID: p.ID, URL: cut(*u, 512), Title: p.Name}).Error; err != nil {
				return err
			}
		} else if !f.ImageOnlyIfEmpty {
			if err := tx.Model(&ProductImage{}).Where("product_id = ? AND sort_order = 0", p.ID).Update("url", cut(*u, 512)).Error; err != nil {
				return err
			}
		}
	}
	cats := h.knownCategories(tx, f.CategoryIDs)
	if f.ReplaceCategories {
		if err := tx.Where("product_id = ?", p.ID).Delete(&ProductCategory{}).Error; err != nil {
			return err
		}
	}
	for _, c := range cats {
		var n int64
		tx.Model(&ProductCategory{}).Where("product_id = ? AND category_id = ?", p.ID, c).Count(&n)
		if n == 0 {
			if err := tx.Create(&ProductCategory{ProductID: p.ID, CategoryID: c}).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

func (h *dhHost) DropHeroOrder(ctx context.Context, tx *gorm.DB, orderID string) (*adapters.DropHeroOrder, error) {
	var o Order
	if err := tx.Preload("Items").Where("number = ?", orderID).Take(&o).Error; err != nil {
		return nil, err
	}
	addr := func(ad OrderAddress) adapters.DropHeroAddress {
		street := ad.Street1
		if ad.Street2 != "" {
			street += ", " + ad.Street2
		}
		name := strings.TrimSpace(ad.FirstName + " " + ad.LastName)
		if ad.Company != "" {
			name = ad.Company + ", " + name
		}
		return adapters.DropHeroAddress{Name: name, Street: street, Postcode: ad.Zipcode, City: ad.City, Country: ad.Country, Phone: ad.Phone}
	}
	out := &adapters.DropHeroOrder{ID: o.Number, Paid: o.IsPaid, Currency: o.Currency,
		Billing: addr(o.InvoiceAddress), Shipping: addr(o.DeliveryAddress), Message: o.CustomerComment}
	if out.Billing.Phone == "" {
		out.Billing.Phone = o.Phone
	}
	for _, it := range o.Items {
		switch {
		case it.Type == ItemShipping && strings.HasPrefix(it.Number, dhModePrefix):
			out.ShippingMode = strings.TrimPrefix(it.Number, dhModePrefix)
		case it.Type == ItemProduct && it.ProductID != nil:
			out.Lines = append(out.Lines, adapters.DropHeroOrderLine{LineID: strconv.Itoa(int(it.ID)),
				ProductID: strconv.Itoa(int(*it.ProductID)), Qty: decimal.NewFromInt(int64(it.Quantity)),
				UnitPrice: netOf(it.UnitPrice, it.TaxRate), TaxRate: it.TaxRate})
		}
	}
	return out, nil
}

func (h *dhHost) SetDropHeroOrderState(ctx context.Context, tx *gorm.DB, orderID string, u adapters.DropHeroOrderUpdate) error {
	var o Order
	if err := tx.Where("number = ?", orderID).Take(&o).Error; err != nil {
		return err
	}
	status, comment := o.Status, ""
	switch u.State {
	case adapters.DropHeroStateProcessing:
		status, comment = StatusProcessing, "DropHero is processing the order."
	case adapters.DropHeroStatePartiallyShipped:
		status, comment = StatusProcessing, "DropHero shipped part of the order."
	case adapters.DropHeroStateShipped:
		comment = "DropHero shipped its items."
		if !u.Mixed {
			status = StatusShipped
		}
	case adapters.DropHeroStateOnHold:
		comment = "DropHero cancelled the order: contact the buyer (no automatic refund)."
	}
	if status != o.Status {
		if err := tx.Model(&o).Update("status", status).Error; err != nil {
			return err
		}
	}
	return tx.Create(&OrderHistory{OrderID: o.ID, Status: status, Comment: comment}).Error
}
