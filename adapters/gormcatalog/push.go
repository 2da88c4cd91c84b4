package gormcatalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// Outbox job kinds of single catalogue changes pushed with the Merchant API
// (docs/protocol/merchant-api.md#catalogue-actions).
const (
	KindItem     = "shopgate.item"
	KindCategory = "shopgate.category"
)

// change is the payload of a push job: only the uid. The job reads the
// record when it runs, so several changes of one record coalesce into one
// call that sends the latest state.
type change struct {
	UID string `json:"uid"`
}

// EnqueueItem records, inside the caller's transaction tx, that the item
// (parent product) with uid was added, changed or deleted. A worker with
// Pusher's handlers later sends its current state — or deletes it at
// Shopgate when the source no longer exports it.
func EnqueueItem(tx *gorm.DB, uid string) error {
	return enqueue(tx, KindItem, uid)
}

// EnqueueCategory is EnqueueItem for a category.
func EnqueueCategory(tx *gorm.DB, uid string) error {
	return enqueue(tx, KindCategory, uid)
}

func enqueue(tx *gorm.DB, kind, uid string) error {
	if strings.TrimSpace(uid) == "" {
		return fmt.Errorf("gormcatalog: enqueue %s: empty uid", kind)
	}
	if err := outbox.Enqueue(tx, outbox.Job{Kind: kind, Key: uid, Payload: change{UID: uid}}); err != nil {
		return fmt.Errorf("gormcatalog: enqueue %s %s: %w", kind, uid, err)
	}
	return nil
}

// MerchantCatalog is the part of the Merchant API client (*shopgate.Client)
// that Pusher uses.
type MerchantCatalog interface {
	AddItem(ctx context.Context, it shopgate.Item) (*shopgate.Response, error)
	UpdateItem(ctx context.Context, it shopgate.Item) (*shopgate.Response, error)
	DeleteItem(ctx context.Context, itemNumber string) (*shopgate.Response, error)
	AddCategory(ctx context.Context, cat shopgate.Category) (*shopgate.Response, error)
	UpdateCategory(ctx context.Context, cat shopgate.Category) (*shopgate.Response, error)
	DeleteCategory(ctx context.Context, req shopgate.DeleteCategoryRequest) (*shopgate.Response, error)
}

var _ MerchantCatalog = (*shopgate.Client)(nil)

// PusherConfig configures a [Pusher].
type PusherConfig struct {
	// Source reads the changed record. Required.
	Source adapters.CatalogSource
	// Client is the Merchant API client of the shop. Required.
	Client MerchantCatalog
	// Shop is the shop the records are read for (currency, language).
	Shop adapters.Shop
}

// Pusher sends queued single changes to Shopgate. It reads records through
// any adapters.CatalogSource (the same one that serves the exports), so
// pushed data always equals exported data.
type Pusher struct {
	cfg PusherConfig
}

// NewPusher returns a Pusher for cfg; Source and Client are required.
func NewPusher(cfg PusherConfig) (*Pusher, error) {
	if cfg.Source == nil {
		return nil, errors.New("gormcatalog: PusherConfig.Source is nil")
	}
	if cfg.Client == nil {
		return nil, errors.New("gormcatalog: PusherConfig.Client is nil")
	}
	return &Pusher{cfg: cfg}, nil
}

// Register adds the push handlers to an outbox worker.
func (p *Pusher) Register(w *outbox.Worker) {
	w.Handle(KindItem, p.PushItem)
	w.Handle(KindCategory, p.PushCategory)
}

// PushItem is the outbox handler of KindItem: it updates the item and its
// variants at Shopgate (adding what Shopgate does not know yet), or deletes
// the item when the source does not export it any more. Errors reported by
// the Merchant API are permanent; connection problems are retried.
func (p *Pusher) PushItem(ctx context.Context, payload json.RawMessage) error {
	var c change
	if err := json.Unmarshal(payload, &c); err != nil || c.UID == "" {
		return outbox.Permanent(fmt.Errorf("gormcatalog: push item: bad payload %s", payload))
	}
	var items []shopgate.Item
	err := p.cfg.Source.Items(ctx, p.cfg.Shop, adapters.CatalogQuery{Limit: 1, UIDs: []string{c.UID}}, func(it *export.Item) error {
		items = append(items, merchantItem(it, nil))
		for i := range it.Children {
			items = append(items, merchantItem(&it.Children[i], it))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("gormcatalog: push item %s: read: %w", c.UID, err)
	}
	if len(items) == 0 {
		_, err := p.cfg.Client.DeleteItem(ctx, c.UID)
		if isSMA(err, shopgate.SMACodeItemNotFound) {
			err = nil
		}
		return pushErr("delete item", c.UID, err)
	}
	for _, it := range items {
		_, err := p.cfg.Client.UpdateItem(ctx, it)
		if isSMA(err, shopgate.SMACodeItemNotFound) {
			_, err = p.cfg.Client.AddItem(ctx, it)
		}
		if err != nil {
			return pushErr("item", it.ItemNumber, err)
		}
	}
	return nil
}

// PushCategory is the outbox handler of KindCategory, like PushItem. A
// deleted category is deleted alone (its subcategories and items stay).
func (p *Pusher) PushCategory(ctx context.Context, payload json.RawMessage) error {
	var c change
	if err := json.Unmarshal(payload, &c); err != nil || c.UID == "" {
		return outbox.Permanent(fmt.Errorf("gormcatalog: push category: bad payload %s", payload))
	}
	var cats []shopgate.Category
	err := p.cfg.Source.Categories(ctx, p.cfg.Shop, adapters.CatalogQuery{Limit: 1, UIDs: []string{c.UID}}, func(cat *export.Category) error {
		cats = append(cats, merchantCategory(cat))
		return nil
	})
	if err != nil {
		return fmt.Errorf("gormcatalog: push category %s: read: %w", c.UID, err)
	}
	if len(cats) == 0 {
		_, err := p.cfg.Client.DeleteCategory(ctx, shopgate.DeleteCategoryRequest{CategoryNumber: c.UID})
		if isSMA(err, shopgate.SMACodeCategoryNotFound) {
			err = nil
		}
		return pushErr("delete category", c.UID, err)
	}
	_, err = p.cfg.Client.UpdateCategory(ctx, cats[0])
	if isSMA(err, shopgate.SMACodeCategoryNotFound) {
		_, err = p.cfg.Client.AddCategory(ctx, cats[0])
	}
	return pushErr("category", c.UID, err)
}

func isSMA(err error, code int) bool {
	var me *shopgate.MerchantAPIError
	return errors.As(err, &me) && me.Code == code
}

// pushErr wraps a client error; answers of the Merchant API are final.
func pushErr(what, uid string, err error) error {
	if err == nil {
		return nil
	}
	err = fmt.Errorf("gormcatalog: push %s %s: %w", what, uid, err)
	var me *shopgate.MerchantAPIError
	if errors.As(err, &me) {
		return outbox.Permanent(err)
	}
	return err
}

// merchantItem converts an export item into the Merchant API's flat item;
// a variant carries its parent's number and inherits what it leaves unset.
func merchantItem(it, parent *export.Item) shopgate.Item {
	m := shopgate.Item{ItemNumber: it.UID}
	str := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	dec := func(v sql.Null[decimal.Decimal]) *decimal.Decimal {
		if !v.Valid {
			return nil
		}
		return &v.V
	}
	pick := func(c, p string) string {
		if c == "" && parent != nil {
			return p
		}
		return c
	}
	if parent != nil {
		m.ParentItemNumber = str(parent.UID)
	}
	pp := &it.Prices
	if parent != nil && !pp.SalePrice.Valid && !pp.Price.Valid {
		pp = &parent.Prices
	}
	m.Name = str(pick(it.Name, parentField(parent, func(p *export.Item) string { return p.Name })))
	m.Currency = str(pick(it.Currency, parentField(parent, func(p *export.Item) string { return p.Currency })))
	m.Description = str(pick(it.Description, parentField(parent, func(p *export.Item) string { return p.Description })))
	m.DeeplinkOnlineshop = str(pick(it.Deeplink, parentField(parent, func(p *export.Item) string { return p.Deeplink })))
	m.InternalOrderInfo = str(it.InternalOrderInfo)
	tax := it.TaxPercent
	if !tax.Valid && parent != nil {
		tax = parent.TaxPercent
	}
	m.TaxPercent = dec(tax)
	sale, regular := pp.SalePrice, pp.Price
	if !sale.Valid {
		sale = regular
	}
	m.UnitAmountWithTax = dec(sale)
	if regular.Valid && sale.Valid && regular.V.GreaterThan(sale.V) {
		m.OldUnitAmountWithTax = dec(regular)
	}
	m.MSRP = dec(pp.MSRP)
	if pp.BasePrice.Valid {
		m.AmountInfoText = str(pp.BasePrice.V)
	}
	m.Manufacturer = str(it.Manufacturer.Title.V)
	m.ManufacturerNumber = str(it.Manufacturer.ItemNumber.V)
	m.ShippingCostsPerOrder = dec(it.Shipping.CostsPerOrder)
	m.ShippingCostsPerUnit = dec(it.Shipping.AdditionalCostsPerUnit)
	if it.AgeRating.Valid {
		m.AgeRating = shopgate.Ptr(int(it.AgeRating.V))
	}
	if it.Weight.Valid {
		m.Weight = shopgate.Ptr(int(grams(it.Weight.V, it.WeightUnit).Round(0).IntPart()))
	}
	st := it.Stock
	if st == (export.Stock{}) && parent != nil {
		st = parent.Stock
	}
	m.UseStock = shopgate.Ptr(st.UseStock)
	if st.StockQuantity.Valid {
		m.StockQuantity = shopgate.Ptr(int(st.StockQuantity.V))
	}
	m.IsAvailable = shopgate.Ptr(st.IsSaleable)
	if st.AvailabilityText.Valid {
		m.AvailableText = str(st.AvailabilityText.V)
	}
	m.IsActive = shopgate.Ptr(true)
	images := it.Images
	if len(images) == 0 && parent != nil {
		images = parent.Images
	}
	m.HasImage = shopgate.Ptr(len(images) > 0)
	m.ImageCount = shopgate.Ptr(len(images))
	cats := it.Categories
	if len(cats) == 0 && parent != nil {
		cats = parent.Categories
	}
	for _, c := range cats {
		m.CategoryNumbers = append(m.CategoryNumbers, c.UID)
	}
	var tags []string
	for _, t := range it.Tags {
		tags = append(tags, t.Value)
	}
	if len(tags) > 0 {
		m.Tags = str(strings.Join(tags, ","))
	}
	for _, id := range it.Identifiers {
		v := id.Value
		switch id.Type {
		case export.IdentifierEAN:
			m.EAN = &v
		case export.IdentifierISBN:
			m.ISBN = &v
		case export.IdentifierPZN:
			m.PZN = &v
		case export.IdentifierSKU:
			m.ItemNumberPublic = &v
		}
	}
	for _, r := range it.Relations {
		m.RelatedItemNumbers = append(m.RelatedItemNumbers, r.UIDs...)
	}
	attrs := []**string{&m.Attribute1, &m.Attribute2, &m.Attribute3, &m.Attribute4, &m.Attribute5,
		&m.Attribute6, &m.Attribute7, &m.Attribute8, &m.Attribute9, &m.Attribute10}
	for i, a := range it.Attributes {
		if i < len(attrs) {
			*attrs[i] = str(a.Label)
		}
	}
	if len(it.Properties) > 0 {
		props := make([]string, 0, len(it.Properties))
		for _, p := range it.Properties {
			props = append(props, p.Label+"=>"+p.Value)
		}
		m.Properties = strings.Join(props, "||")
	}
	return m
}

func parentField(p *export.Item, f func(*export.Item) string) string {
	if p == nil {
		return ""
	}
	return f(p)
}

// grams converts a weight to grams (SDK factors,
// docs/protocol/catalog-export.md#enumerations).
func grams(w decimal.Decimal, unit string) decimal.Decimal {
	switch unit {
	case "kg":
		return w.Mul(decimal.NewFromInt(1000))
	case "lb":
		return w.Mul(decimal.RequireFromString("453.59237"))
	case "oz":
		return w.Mul(decimal.RequireFromString("28.3495231"))
	}
	return w
}

func merchantCategory(c *export.Category) shopgate.Category {
	m := shopgate.Category{CategoryNumber: c.UID, Name: shopgate.Ptr(c.Name),
		ParentCategoryNumber: shopgate.Ptr(c.ParentUID), IsActive: shopgate.Ptr(c.IsActive)}
	if c.SortOrder.Valid {
		m.OrderIndex = shopgate.Ptr(int(c.SortOrder.V))
	}
	if c.Image != nil && c.Image.URL != "" {
		m.URLImage = shopgate.Ptr(c.Image.URL)
	}
	return m
}

// HookTable says which rows of a table announce a change of an item or a
// category (see RegisterHooks).
type HookTable struct {
	// Table is the table name as GORM knows it (e.g. "shop_products").
	Table string
	// Kind is KindItem or KindCategory.
	Kind string
	// KeyField is the Go field holding the uid of the changed item or
	// category (e.g. "ProductID" for an image table); default: the primary
	// key.
	KeyField string
	// ParentField, when set and non-zero on the row, names the field that
	// holds the parent item instead (variants are pushed with their parent).
	ParentField string
}

// RegisterHooks installs GORM callbacks that enqueue a push job after every
// create, update and delete of a row of the given tables, inside the
// statement's transaction. Statements without a model value (e.g. a
// Where(...).Delete(&T{}) on many rows) cannot be seen row by row and
// announce nothing; call EnqueueItem for those yourself.
func RegisterHooks(db *gorm.DB, tables ...HookTable) error {
	byTable := map[string]HookTable{}
	for _, t := range tables {
		if t.Table == "" || (t.Kind != KindItem && t.Kind != KindCategory) {
			return fmt.Errorf("gormcatalog: hook for %q: need Table and Kind %s or %s", t.Table, KindItem, KindCategory)
		}
		byTable[t.Table] = t
	}
	hook := func(tx *gorm.DB) {
		if tx.Error != nil || tx.Statement.Schema == nil {
			return
		}
		t, ok := byTable[tx.Statement.Table]
		if !ok {
			return
		}
		for _, uid := range changedKeys(tx, t) {
			if err := enqueue(tx.Session(&gorm.Session{NewDB: true}), t.Kind, uid); err != nil {
				tx.AddError(err)
				return
			}
		}
	}
	cb := db.Callback()
	if err := cb.Create().After("gorm:create").Register("shopbridge:catalog_push_create", hook); err != nil {
		return err
	}
	if err := cb.Update().After("gorm:update").Register("shopbridge:catalog_push_update", hook); err != nil {
		return err
	}
	return cb.Delete().After("gorm:delete").Register("shopbridge:catalog_push_delete", hook)
}

// changedKeys reads the uids announced by the statement's model value(s).
func changedKeys(tx *gorm.DB, t HookTable) []string {
	sch := tx.Statement.Schema
	key := sch.PrioritizedPrimaryField
	if t.KeyField != "" {
		key = sch.LookUpField(t.KeyField)
	}
	if key == nil {
		return nil
	}
	parent := sch.LookUpField(t.ParentField)
	var out []string
	add := func(rv reflect.Value) {
		f := key
		if parent != nil {
			if v, zero := parent.ValueOf(tx.Statement.Context, rv); !zero {
				out = append(out, fmt.Sprint(deref(v)))
				return
			}
		}
		if v, zero := f.ValueOf(tx.Statement.Context, rv); !zero {
			out = append(out, fmt.Sprint(deref(v)))
		}
	}
	rv := reflect.Indirect(tx.Statement.ReflectValue)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			add(reflect.Indirect(rv.Index(i)))
		}
	case reflect.Struct:
		add(rv)
	}
	return out
}

func deref(v any) any {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	return rv.Interface()
}
