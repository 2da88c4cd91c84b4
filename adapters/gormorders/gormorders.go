// Package gormorders implements adapters.OrderHost for GORM shops whose
// order tables follow the common layout: customers, addresses, products,
// orders with embedded invoice_/delivery_ address columns, order items and
// an order history. Table names and the status and payment vocabulary are
// configurable ([Config]); the column names are those documented on the
// row types below. A host with another layout implements
// adapters.OrderHost itself.
package gormorders

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/adapters"
)

// Config maps the adapter onto the host's tables. Zero fields take the
// defaults shown, which match the shopbridge example shop.
type Config struct {
	// Tables: customers, addresses, products, orders, order items and
	// order history. Defaults shop_customers, shop_addresses,
	// shop_products, shop_orders, shop_order_items, shop_order_history.
	CustomersTable    string
	AddressesTable    string
	ProductsTable     string
	OrdersTable       string
	OrderItemsTable   string
	OrderHistoryTable string
	// ProductNumberColumn is the product column holding the item number
	// exported to Shopgate. Default "number".
	ProductNumberColumn string
	// MatchProductID makes numeric item numbers match the product id
	// first, for catalogues exported with the id as item number (as the
	// example shop does); others still match ProductNumberColumn.
	MatchProductID bool
	// Statuses maps the adapters.Status* values to the host's status
	// values. Default: the same words.
	Statuses map[string]string
	// PaymentMethods are the host's payment method codes (besides the
	// Shopgate and Mobile Payment methods, which this adapter always
	// accepts). Default: prepayment, invoice.
	PaymentMethods []string
	// MinimumOrderAmount is the host's minimum items' total (gross).
	// Default zero (none).
	MinimumOrderAmount decimal.Decimal
	// OrderNumber formats the host order number from the new order's id.
	// Default: 100000 + id, as the example shop's storefront does.
	OrderNumber func(id uint64) string
}

// Store is the GORM order adapter. It is safe for concurrent use.
type Store struct {
	cfg      Config
	statuses map[string]string
	reverse  map[string]string
	payments map[string]bool
}

// New returns a Store for cfg. It fails when two adapters.Status* values
// map to the same host status (a host status read back would be
// ambiguous) or when MinimumOrderAmount is negative.
func New(cfg Config) (*Store, error) {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&cfg.CustomersTable, "shop_customers")
	def(&cfg.AddressesTable, "shop_addresses")
	def(&cfg.ProductsTable, "shop_products")
	def(&cfg.OrdersTable, "shop_orders")
	def(&cfg.OrderItemsTable, "shop_order_items")
	def(&cfg.OrderHistoryTable, "shop_order_history")
	def(&cfg.ProductNumberColumn, "number")
	if cfg.OrderNumber == nil {
		cfg.OrderNumber = func(id uint64) string { return strconv.FormatUint(100000+id, 10) }
	}
	if cfg.PaymentMethods == nil {
		cfg.PaymentMethods = []string{"prepayment", "invoice"}
	}
	s := &Store{cfg: cfg, statuses: map[string]string{}, reverse: map[string]string{}, payments: map[string]bool{}}
	if cfg.MinimumOrderAmount.IsNegative() {
		return nil, fmt.Errorf("gormorders: MinimumOrderAmount %s is negative", cfg.MinimumOrderAmount)
	}
	for _, st := range []string{adapters.StatusNew, adapters.StatusProcessing, adapters.StatusShipped, adapters.StatusCancelled} {
		host := st
		if v, ok := cfg.Statuses[st]; ok && v != "" {
			host = v
		}
		if other, dup := s.reverse[host]; dup {
			return nil, fmt.Errorf("gormorders: statuses %s and %s both map to host status %q", other, st, host)
		}
		s.statuses[st] = host
		s.reverse[host] = st
	}
	for _, p := range cfg.PaymentMethods {
		s.payments[p] = true
	}
	return s, nil
}

var _ adapters.OrderHost = (*Store)(nil)

// Row types: the columns this adapter reads and writes.

type customerRow struct {
	ID           uint64
	Number       string
	Email        string
	PasswordHash string
	Token        string
	FirstName    string
	LastName     string
	Gender       string
	Phone        string
	Mobile       string
	Active       bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

type addressRow struct {
	ID         uint64
	CustomerID uint64
	IsDefault  bool
	IsInvoice  bool
	IsDelivery bool
	Gender     string
	Company    string
	FirstName  string
	LastName   string
	Street1    string `gorm:"column:street1"`
	Street2    string `gorm:"column:street2"`
	Zipcode    string
	City       string
	Country    string
	State      string
	Phone      string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

type orderAddress struct {
	Gender    string
	Company   string
	FirstName string
	LastName  string
	Street1   string `gorm:"column:street1"`
	Street2   string `gorm:"column:street2"`
	Zipcode   string
	City      string
	Country   string
	State     string
	Phone     string
}

type orderRow struct {
	ID              uint64
	Number          string
	Source          string
	ExternalNumber  string
	CustomerID      *uint64
	Email           string
	Phone           string
	Status          string
	PaymentMethod   string
	ShippingMethod  string
	Currency        string
	AmountItems     decimal.Decimal
	AmountShipping  decimal.Decimal
	AmountPayment   decimal.Decimal
	AmountDiscount  decimal.Decimal
	AmountTotal     decimal.Decimal
	IsPaid          bool
	PaidAt          *time.Time
	ShippedAt       *time.Time
	Comment         string
	CustomerComment string
	InvoiceAddress  orderAddress `gorm:"embedded;embeddedPrefix:invoice_"`
	DeliveryAddress orderAddress `gorm:"embedded;embeddedPrefix:delivery_"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

type orderItemRow struct {
	ID         uint64
	OrderID    uint64
	Type       string
	ProductID  *uint64
	Number     string
	Name       string
	Attributes string
	Quantity   int
	UnitPrice  decimal.Decimal
	TaxRate    decimal.Decimal
	Total      decimal.Decimal
}

type historyRow struct {
	ID        uint64
	OrderID   uint64
	Status    string
	Comment   string
	CreatedAt time.Time
}

func parseID(s string) (uint64, bool) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n > 0
}

// FindCustomer implements adapters.OrderHost.
func (s *Store) FindCustomer(ctx context.Context, tx *gorm.DB, id, number string) (*adapters.OrderCustomer, error) {
	var rows []customerRow
	q := tx.WithContext(ctx).Table(s.cfg.CustomersTable).Select("id", "number", "password_hash").Limit(1)
	if n, ok := parseID(id); ok {
		if err := q.Where("id = ?", n).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("find customer %s: %w", id, err)
		}
	}
	if len(rows) == 0 && strings.TrimSpace(number) != "" {
		q := tx.WithContext(ctx).Table(s.cfg.CustomersTable).Select("id", "number", "password_hash").Limit(1)
		if err := q.Where("number = ?", strings.TrimSpace(number)).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("find customer number %s: %w", number, err)
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &adapters.OrderCustomer{ID: strconv.FormatUint(rows[0].ID, 10), Number: rows[0].Number, Guest: rows[0].PasswordHash == ""}, nil
}

// GuestCustomer implements adapters.OrderHost. A guest account is a
// customer without password (it cannot log in), identified by its e-mail
// address: later guest orders with the same address reuse it. When the
// address belongs to a registered customer the order gets no account, as
// the buyer did not log in.
func (s *Store) GuestCustomer(ctx context.Context, tx *gorm.DB, g adapters.GuestAccount) (adapters.OrderCustomer, error) {
	mail := strings.TrimSpace(g.Mail)
	if mail == "" {
		return adapters.OrderCustomer{}, nil
	}
	db := tx.WithContext(ctx)
	tok, err := token()
	if err != nil {
		return adapters.OrderCustomer{}, err
	}
	now := time.Now().UTC()
	c := customerRow{
		Number: "G-" + tok[:12], Email: truncate(mail, 255), Token: tok,
		FirstName: truncate(g.Address.FirstName, 128), LastName: truncate(g.Address.LastName, 128), Gender: truncate(g.Gender, 1),
		Phone: truncate(g.Phone, 64), Mobile: truncate(g.Mobile, 64), CreatedAt: now, UpdatedAt: now,
	}
	oa := toOrderAddress(g.Address)
	a := addressRow{
		IsDefault: true, IsInvoice: true, IsDelivery: true,
		Gender: oa.Gender, Company: oa.Company, FirstName: oa.FirstName, LastName: oa.LastName,
		Street1: oa.Street1, Street2: oa.Street2, Zipcode: oa.Zipcode, City: oa.City,
		Country: oa.Country, State: oa.State, Phone: oa.Phone, CreatedAt: now, UpdatedAt: now,
	}
	// Concurrent imports for one new address must not fail on the unique
	// e-mail: one inserts, the others find its row.
	created := false
	if isPostgres(db) {
		if created, err = s.createGuestPostgres(db, &c, a); err != nil {
			return adapters.OrderCustomer{}, err
		}
	} else {
		res := db.Table(s.cfg.CustomersTable).Clauses(clause.OnConflict{DoNothing: true}).Omit("id").Create(&c)
		if res.Error != nil {
			return adapters.OrderCustomer{}, fmt.Errorf("create guest account: %w", res.Error)
		}
		if created = res.RowsAffected == 1 && c.ID != 0; created {
			a.CustomerID = c.ID
			if err := db.Table(s.cfg.AddressesTable).Omit("id").Create(&a).Error; err != nil {
				return adapters.OrderCustomer{}, fmt.Errorf("create guest address: %w", err)
			}
		}
	}
	if created {
		return adapters.OrderCustomer{ID: strconv.FormatUint(c.ID, 10), Number: c.Number, Guest: true}, nil
	}
	var found []customerRow
	if err := db.Table(s.cfg.CustomersTable).Select("id", "number", "password_hash").
		Where("email = ?", mail).Limit(1).Find(&found).Error; err != nil {
		return adapters.OrderCustomer{}, fmt.Errorf("find guest account: %w", err)
	}
	if len(found) == 0 {
		return adapters.OrderCustomer{}, fmt.Errorf("guest account for %q neither created nor found", mail)
	}
	if found[0].PasswordHash != "" {
		return adapters.OrderCustomer{}, nil
	}
	return adapters.OrderCustomer{ID: strconv.FormatUint(found[0].ID, 10), Number: found[0].Number, Guest: true}, nil
}

// Products implements adapters.OrderHost.
func (s *Store) Products(ctx context.Context, tx *gorm.DB, itemNumbers []string) (map[string]adapters.OrderProduct, error) {
	out := make(map[string]adapters.OrderProduct, len(itemNumbers))
	rest := itemNumbers
	if s.cfg.MatchProductID {
		var ids []uint64
		rest = nil
		for _, n := range itemNumbers {
			if id, ok := parseID(n); ok {
				ids = append(ids, id)
			} else {
				rest = append(rest, n)
			}
		}
		if err := s.lookup(ctx, tx, "id", ids, out); err != nil {
			return nil, err
		}
		for _, id := range ids {
			if _, found := out[strconv.FormatUint(id, 10)]; !found {
				rest = append(rest, strconv.FormatUint(id, 10))
			}
		}
	}
	if err := s.lookup(ctx, tx, s.cfg.ProductNumberColumn, rest, out); err != nil {
		return nil, err
	}
	return out, nil
}

// lookup adds the products whose column col is one of keys to out, keyed
// by that column's value.
func (s *Store) lookup(ctx context.Context, tx *gorm.DB, col string, keys any, out map[string]adapters.OrderProduct) error {
	if reflectLen(keys) == 0 {
		return nil
	}
	var rows []struct {
		ID            uint64
		ItemKey       string
		Active        bool
		Price         decimal.Decimal
		StockQuantity int
	}
	q := tx.Statement.Quote(col)
	keyExpr := q
	if tx.Dialector.Name() == "postgres" {
		keyExpr += "::text"
	}
	err := tx.WithContext(ctx).Table(s.cfg.ProductsTable).
		Select("id, "+keyExpr+" AS item_key, active, price, stock_quantity").
		Where(q+" IN ?", keys).Find(&rows).Error
	if err != nil {
		return fmt.Errorf("look up products by %s: %w", col, err)
	}
	for _, r := range rows {
		out[r.ItemKey] = adapters.OrderProduct{
			ID: strconv.FormatUint(r.ID, 10), Active: r.Active, Price: r.Price,
			Stock: r.StockQuantity, HasStock: true,
		}
	}
	return nil
}

func reflectLen(v any) int {
	switch t := v.(type) {
	case []string:
		return len(t)
	case []uint64:
		return len(t)
	}
	return 0
}

// PaymentMethodExists implements adapters.OrderHost: the configured
// methods plus "Shopgate" and "Mobile Payment", which the example shop
// keeps as plain names on the order.
func (s *Store) PaymentMethodExists(ctx context.Context, tx *gorm.DB, code string) (bool, error) {
	return s.payments[code] || code == "Shopgate" || code == "Mobile Payment", nil
}

// MinimumOrderAmount implements adapters.OrderHost.
func (s *Store) MinimumOrderAmount(ctx context.Context, tx *gorm.DB) (decimal.Decimal, error) {
	return s.cfg.MinimumOrderAmount, nil
}

// toOrderAddress fits an address into the reference layout's columns.
// Text from Shopgate is cut rather than failing the import on a too long
// value; the complete order stays in shopbridge's bookkeeping row.
func toOrderAddress(a adapters.OrderAddress) orderAddress {
	return orderAddress{
		Gender: truncate(a.Gender, 1), Company: truncate(a.Company, 255), FirstName: truncate(a.FirstName, 128),
		LastName: truncate(a.LastName, 128), Street1: truncate(a.Street1, 255), Street2: truncate(a.Street2, 255),
		Zipcode: truncate(a.Zipcode, 16), City: truncate(a.City, 128), Country: truncate(a.Country, 2),
		State: truncate(a.State, 8), Phone: truncate(a.Phone, 64),
	}
}

// CreateOrder implements adapters.OrderHost.
func (s *Store) CreateOrder(ctx context.Context, tx *gorm.DB, o *adapters.ImportedOrder) (adapters.OrderRef, error) {
	db := tx.WithContext(ctx)
	tmp, err := token()
	if err != nil {
		return adapters.OrderRef{}, err
	}
	row := orderRow{
		Number: "tmp-" + tmp[:24], Source: truncate(o.Source, 32), ExternalNumber: truncate(o.ExternalNumber, 64),
		Email: truncate(o.Mail, 255), Phone: truncate(o.Phone, 64), Status: s.statuses[o.Status],
		PaymentMethod: truncate(o.PaymentMethod, 64), ShippingMethod: truncate(o.ShippingMethod, 64), Currency: truncate(o.Currency, 3),
		AmountItems: o.AmountItems, AmountShipping: o.AmountShipping, AmountPayment: o.AmountPayment,
		AmountDiscount: o.AmountDiscount, AmountTotal: o.AmountTotal,
		IsPaid: o.IsPaid, PaidAt: o.PaidAt, Comment: o.Comment, CustomerComment: o.CustomerComment,
		InvoiceAddress: toOrderAddress(o.InvoiceAddress), DeliveryAddress: toOrderAddress(o.DeliveryAddress),
		CreatedAt: o.CreatedAt, UpdatedAt: time.Now().UTC(),
	}
	if row.Status == "" {
		row.Status = s.statuses[adapters.StatusNew]
	}
	if row.CreatedAt.IsZero() {
		row.CreatedAt = row.UpdatedAt
	}
	if id, ok := parseID(o.Customer.ID); ok {
		row.CustomerID = &id
	}
	items := make([]orderItemRow, len(o.Lines))
	for i, l := range o.Lines {
		items[i] = orderItemRow{
			Type: l.Kind, Number: truncate(l.Number, 64), Name: truncate(l.Name, 255), Attributes: truncate(l.Details, 512),
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, TaxRate: l.TaxRate, Total: l.Total,
		}
		if pid, ok := parseID(l.ProductID); ok {
			items[i].ProductID = &pid
		}
	}
	h := historyRow{Status: row.Status, Comment: o.History, CreatedAt: time.Now().UTC()}
	if isPostgres(db) {
		if err := s.createOrderPostgres(db, &row, items, h); err != nil {
			return adapters.OrderRef{}, err
		}
		return adapters.OrderRef{ExternalOrderID: strconv.FormatUint(row.ID, 10), ExternalOrderNumber: row.Number}, nil
	}
	if err := db.Table(s.cfg.OrdersTable).Omit("id", "shipped_at").Create(&row).Error; err != nil {
		return adapters.OrderRef{}, fmt.Errorf("create order: %w", err)
	}
	row.Number = s.cfg.OrderNumber(row.ID)
	if err := db.Table(s.cfg.OrdersTable).Where("id = ?", row.ID).Update("number", row.Number).Error; err != nil {
		return adapters.OrderRef{}, fmt.Errorf("number order %d: %w", row.ID, err)
	}
	if len(items) > 0 {
		for i := range items {
			items[i].OrderID = row.ID
		}
		if err := db.Table(s.cfg.OrderItemsTable).Omit("id").Create(&items).Error; err != nil {
			return adapters.OrderRef{}, fmt.Errorf("create order items: %w", err)
		}
	}
	h.OrderID = row.ID
	if err := db.Table(s.cfg.OrderHistoryTable).Omit("id").Create(&h).Error; err != nil {
		return adapters.OrderRef{}, fmt.Errorf("create order history: %w", err)
	}
	return adapters.OrderRef{ExternalOrderID: strconv.FormatUint(row.ID, 10), ExternalOrderNumber: row.Number}, nil
}

// UpdateOrder implements adapters.OrderHost.
func (s *Store) UpdateOrder(ctx context.Context, tx *gorm.DB, orderID string, u adapters.OrderChange) error {
	id, ok := parseID(orderID)
	if !ok {
		return fmt.Errorf("update order: invalid id %q", orderID)
	}
	db := tx.WithContext(ctx)
	var cur []orderRow
	if err := db.Table(s.cfg.OrdersTable).Select("id", "status", "comment").Where("id = ?", id).Find(&cur).Error; err != nil {
		return fmt.Errorf("read order %d: %w", id, err)
	}
	if len(cur) == 0 {
		return fmt.Errorf("update order %d: %w", id, gorm.ErrRecordNotFound)
	}
	set := map[string]any{"updated_at": time.Now().UTC()}
	status := cur[0].Status
	if u.Status != "" {
		status = s.statuses[u.Status]
		set["status"] = status
	}
	if u.IsPaid != nil {
		set["is_paid"] = *u.IsPaid
		switch {
		case !*u.IsPaid:
			set["paid_at"] = nil
		case u.PaidAt != nil:
			set["paid_at"] = *u.PaidAt
		}
		// Paid without a payment time keeps the paid_at already stored.
	}
	if u.Comment != "" {
		c := cur[0].Comment
		if c != "" {
			c += "\n"
		}
		set["comment"] = c + u.Comment
	}
	if err := db.Table(s.cfg.OrdersTable).Where("id = ?", id).Updates(set).Error; err != nil {
		return fmt.Errorf("update order %d: %w", id, err)
	}
	if u.History != "" || u.Status != "" {
		h := historyRow{OrderID: id, Status: status, Comment: u.History, CreatedAt: time.Now().UTC()}
		if err := db.Table(s.cfg.OrderHistoryTable).Omit("id").Create(&h).Error; err != nil {
			return fmt.Errorf("order %d history: %w", id, err)
		}
	}
	return nil
}

// OrderStates implements adapters.OrderHost.
func (s *Store) OrderStates(ctx context.Context, tx *gorm.DB, orderIDs []string) (map[string]adapters.HostOrderState, error) {
	out := make(map[string]adapters.HostOrderState, len(orderIDs))
	ids := make([]uint64, 0, len(orderIDs))
	for _, o := range orderIDs {
		if id, ok := parseID(o); ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []orderRow
	if err := tx.WithContext(ctx).Table(s.cfg.OrdersTable).Select("id", "status", "shipped_at").
		Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("order states: %w", err)
	}
	for _, r := range rows {
		out[strconv.FormatUint(r.ID, 10)] = adapters.HostOrderState{Status: s.reverse[r.Status], ShippedAt: r.ShippedAt}
	}
	return out, nil
}

func token() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", errors.New("gormorders: no randomness")
	}
	return hex.EncodeToString(b[:]), nil
}

// truncate cuts s to n characters (the columns are varchar(n)).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
