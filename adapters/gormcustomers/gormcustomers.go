package gormcustomers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/shopgate"
)

// PasswordVerifier checks and creates password hashes. Implementations
// must never log passwords.
type PasswordVerifier interface {
	// Verify reports whether password matches hash. A malformed or empty
	// hash is a mismatch, not an error.
	Verify(hash, password string) bool
	// Hash returns a new hash of password.
	Hash(password string) (string, error)
}

// Bcrypt is the default PasswordVerifier.
type Bcrypt struct {
	// Cost of new hashes; default bcrypt.DefaultCost (10).
	Cost int
}

// Verify implements PasswordVerifier.
func (b Bcrypt) Verify(hash, password string) bool {
	return hash != "" && bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// Hash implements PasswordVerifier.
func (b Bcrypt) Hash(password string) (string, error) {
	cost := b.Cost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(h), err
}

// Store is the adapter. It is safe for concurrent use.
type Store struct {
	cfg Config
	// dummyHash is verified for unknown logins, so that they take as long
	// as wrong passwords.
	dummyHash string
}

var _ adapters.Customers = (*Store)(nil)

// New validates cfg and returns a Store.
func New(cfg Config) (*Store, error) {
	if cfg.DB == nil {
		return nil, errors.New("gormcustomers: DB is required")
	}
	c := cfg.Customers
	for name, v := range map[string]string{"Table": c.Table, "ID": c.ID, "Login": c.Login, "Password": c.Password,
		"Token": c.Token, "FirstName": c.FirstName, "LastName": c.LastName} {
		if v == "" {
			return nil, fmt.Errorf("gormcustomers: Customers.%s is required", name)
		}
	}
	if cfg.Customers.Mail == "" {
		cfg.Customers.Mail = cfg.Customers.Login
	}
	if cfg.Customers.NewNumber == nil {
		cfg.Customers.NewNumber = func(token string) string { return "SG-" + token[:10] }
	}
	if a := cfg.Addresses; a != nil {
		for name, v := range map[string]string{"Table": a.Table, "ID": a.ID, "Customer": a.Customer, "FirstName": a.FirstName,
			"LastName": a.LastName, "Street1": a.Street1, "Zipcode": a.Zipcode, "City": a.City, "Country": a.Country} {
			if v == "" {
				return nil, fmt.Errorf("gormcustomers: Addresses.%s is required", name)
			}
		}
	}
	if g := cfg.Groups; g != nil && (g.From == "" || g.Customer == "" || g.ID == "") {
		return nil, errors.New("gormcustomers: Groups needs From, Customer and ID")
	}
	if o := cfg.Orders; o != nil {
		for name, v := range map[string]string{"From": o.From, "Key": o.Key, "Customer": o.Customer, "CreatedAt": o.CreatedAt,
			"Fields.AmountComplete": o.Fields.AmountComplete, "Items.From": o.Items.From, "Items.Order": o.Items.Order,
			"Items.ItemNumber": o.Items.ItemNumber, "Items.Quantity": o.Items.Quantity, "Items.Name": o.Items.Name,
			"Items.UnitAmountWithTax": o.Items.UnitAmountWithTax, "Items.TaxPercent": o.Items.TaxPercent} {
			if v == "" {
				return nil, fmt.Errorf("gormcustomers: Orders.%s is required", name)
			}
		}
		if t := o.Items.Translations; t != nil && (t.From == "" || t.Key == "" || t.Language == "" || t.Name == "" || o.Items.Product == "") {
			return nil, errors.New("gormcustomers: Orders.Items.Translations needs From, Key, Language, Name and Items.Product")
		}
		if d := o.DeliveryNotes; d != nil && (d.From == "" || d.Order == "") {
			return nil, errors.New("gormcustomers: Orders.DeliveryNotes needs From and Order")
		}
	}
	if f := cfg.Favourites; f != nil && (f.Table == "" || f.Customer == "" || f.Item == "") {
		return nil, errors.New("gormcustomers: Favourites needs Table, Customer and Item")
	}
	if cfg.Passwords == nil {
		cfg.Passwords = Bcrypt{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t := &cfg.Throttle
	if t.PerLogin <= 0 {
		t.PerLogin = 5
	}
	if t.PerAddress <= 0 {
		t.PerAddress = 50
	}
	if t.Window <= 0 {
		t.Window = 15 * time.Minute
	}
	if t.Lock <= 0 {
		t.Lock = 15 * time.Minute
	}
	dummy, err := cfg.Passwords.Hash("shopbridge dummy password")
	if err != nil {
		return nil, fmt.Errorf("gormcustomers: password verifier: %w", err)
	}
	return &Store{cfg: cfg, dummyHash: dummy}, nil
}

// GetCustomer implements adapters.Customers: throttling first, then the
// password, then the account state.
func (s *Store) GetCustomer(ctx context.Context, shop adapters.Shop, cred adapters.Credentials) (*adapters.Customer, error) {
	db := s.cfg.DB.WithContext(ctx)
	keys := s.throttleKeys(cred)
	if locked, err := s.locked(db, keys); err != nil {
		return nil, shopgate.DatabaseError("check login throttle", err)
	} else if locked {
		return nil, adapters.ErrLoginThrottled
	}
	c := s.cfg.Customers
	var id, hash string
	var active, permitted = true, true
	q := fmt.Sprintf("SELECT c.%s, c.%s, %s, %s FROM %s c WHERE LOWER(c.%s) = ? ORDER BY c.%s LIMIT 1",
		c.ID, c.Password, orNull(col("c", c.Active)), orNull(c.Permitted), c.Table, c.Login, c.ID)
	rows, err := db.Raw(q, strings.ToLower(strings.TrimSpace(cred.Login))).Rows()
	if err != nil {
		return nil, shopgate.DatabaseError("load customer", err)
	}
	found := false
	if rows.Next() {
		vals, err := scanRow(rows, 4)
		if err != nil {
			rows.Close()
			return nil, shopgate.DatabaseError("load customer", err)
		}
		found, id, hash = true, asString(vals[0]), asString(vals[1])
		if c.Active != "" {
			active = asBool(vals[2])
		}
		if c.Permitted != "" {
			permitted = asBool(vals[3])
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, shopgate.DatabaseError("load customer", err)
	}
	if !found {
		s.cfg.Passwords.Verify(s.dummyHash, cred.Password)
	}
	if !found || !s.cfg.Passwords.Verify(hash, cred.Password) {
		if err := s.fail(db, keys); err != nil {
			return nil, shopgate.DatabaseError("record failed login", err)
		}
		return nil, adapters.ErrWrongCredentials
	}
	if err := s.succeed(db, keys); err != nil {
		return nil, shopgate.DatabaseError("record login", err)
	}
	if !active {
		return nil, adapters.ErrAccountNotConfirmed
	}
	if !permitted {
		return nil, adapters.ErrMissingPermissions
	}
	cu, err := s.load(db, id)
	if err != nil {
		return nil, err
	}
	if s.cfg.RequireAddress && len(cu.Addresses) == 0 {
		return nil, adapters.ErrNoAddresses
	}
	return cu, nil
}

func orNull(expr string) string {
	if expr == "" {
		return "NULL"
	}
	return expr
}

// customerRow selects the customer columns in this order.
func (s *Store) customerSelect() (*sel, map[string]int) {
	c := s.cfg.Customers
	var sl sel
	pos := map[string]int{}
	for _, f := range []struct{ k, expr string }{
		{"id", col("c", c.ID)}, {"number", col("c", c.Number)}, {"token", col("c", c.Token)},
		{"created", col("c", c.CreatedAt)}, {"taxkey", c.TaxClassKey}, {"taxid", c.TaxClassID},
		{"first", col("c", c.FirstName)}, {"last", col("c", c.LastName)}, {"gender", col("c", c.Gender)},
		{"birthday", col("c", c.Birthday)}, {"phone", col("c", c.Phone)}, {"mobile", col("c", c.Mobile)},
		{"mail", col("c", c.Mail)}, {"newsletter", col("c", c.Newsletter)},
	} {
		pos[f.k] = sl.add(f.expr)
	}
	return &sl, pos
}

// load reads a customer with groups, addresses and extras by key.
func (s *Store) load(db *gorm.DB, id string) (*adapters.Customer, error) {
	c := s.cfg.Customers
	sl, pos := s.customerSelect()
	rows, err := db.Raw(fmt.Sprintf("SELECT %s FROM %s c WHERE c.%s = ?", sl.list(), c.Table, c.ID), id).Rows()
	if err != nil {
		return nil, shopgate.DatabaseError("load customer", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, shopgate.DatabaseError("load customer", err)
		}
		return nil, adapters.ErrWrongCredentials
	}
	v, err := scanRow(rows, len(sl.exprs))
	if err != nil {
		return nil, shopgate.DatabaseError("load customer", err)
	}
	rows.Close()
	cu := &adapters.Customer{
		ID: asString(v[pos["id"]]), Number: asString(v[pos["number"]]), Token: asString(v[pos["token"]]),
		TaxClassKey: asString(v[pos["taxkey"]]), TaxClassID: asString(v[pos["taxid"]]),
		FirstName: asString(v[pos["first"]]), LastName: asString(v[pos["last"]]), Gender: asString(v[pos["gender"]]),
		Birthday: asDate(v[pos["birthday"]]), Phone: asString(v[pos["phone"]]), Mobile: asString(v[pos["mobile"]]),
		Mail: asString(v[pos["mail"]]), Newsletter: asBool(v[pos["newsletter"]]),
	}
	if t := asTime(v[pos["created"]]); t != nil {
		cu.RegistrationDate = *t
	}
	if cu.Groups, err = s.groups(db, cu.ID); err != nil {
		return nil, err
	}
	if cu.Addresses, err = s.addresses(db, cu.ID); err != nil {
		return nil, err
	}
	ex, err := s.extras(db, cu.ID)
	if err != nil {
		return nil, err
	}
	ex.apply(cu, c)
	return cu, nil
}

func (s *Store) groups(db *gorm.DB, id string) ([]adapters.CustomerGroup, error) {
	g := s.cfg.Groups
	out := []adapters.CustomerGroup{}
	if g == nil {
		return out, nil
	}
	order := g.OrderBy
	if order == "" {
		order = g.ID
	}
	rows, err := db.Raw(fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s = ? ORDER BY %s", g.ID, orNull(g.Name), g.From, g.Customer, order), id).Rows()
	if err != nil {
		return nil, shopgate.DatabaseError("load customer groups", err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanRow(rows, 2)
		if err != nil {
			return nil, shopgate.DatabaseError("load customer groups", err)
		}
		out = append(out, adapters.CustomerGroup{ID: asString(v[0]), Name: asString(v[1])})
	}
	return out, rows.Err()
}

func (s *Store) addresses(db *gorm.DB, id string) ([]adapters.Address, error) {
	a := s.cfg.Addresses
	if a == nil {
		return nil, nil
	}
	var sl sel
	for _, c := range []string{a.ID, a.IsDefault, a.IsInvoice, a.IsDelivery, a.FirstName, a.LastName, a.Gender, a.Birthday,
		a.Company, a.Street1, a.Street2, a.Zipcode, a.City, a.Country, a.State, a.Phone, a.Mobile, a.Mail} {
		sl.add(col("a", c))
	}
	order := "a." + a.ID
	if a.IsDefault != "" {
		order = "CASE WHEN a." + a.IsDefault + " THEN 0 ELSE 1 END, " + order
	}
	rows, err := db.Raw(fmt.Sprintf("SELECT %s FROM %s a WHERE a.%s = ? ORDER BY %s", sl.list(), a.Table, a.Customer, order), id).Rows()
	if err != nil {
		return nil, shopgate.DatabaseError("load addresses", err)
	}
	defer rows.Close()
	var out []adapters.Address
	for rows.Next() {
		v, err := scanRow(rows, len(sl.exprs))
		if err != nil {
			return nil, shopgate.DatabaseError("load addresses", err)
		}
		ad := adapters.Address{ID: asString(v[0]), IsDefault: asBool(v[1]), IsInvoice: asBool(v[2]), IsDelivery: asBool(v[3]),
			FirstName: asString(v[4]), LastName: asString(v[5]), Gender: asString(v[6]), Birthday: asDate(v[7]),
			Company: asString(v[8]), Street1: asString(v[9]), Street2: asString(v[10]), Zipcode: asString(v[11]),
			City: asString(v[12]), Country: asString(v[13]), State: asString(v[14]), Phone: asString(v[15]),
			Mobile: asString(v[16]), Mail: asString(v[17])}
		if a.IsDefault == "" && len(out) == 0 {
			ad.IsDefault = true
		}
		out = append(out, ad)
	}
	return out, rows.Err()
}

// extras are the registration fields without a host column.
type extras struct {
	Gender       string                `json:"gender,omitempty"`
	Birthday     string                `json:"birthday,omitempty"`
	Phone        string                `json:"phone,omitempty"`
	Mobile       string                `json:"mobile,omitempty"`
	Newsletter   bool                  `json:"newsletter,omitempty"`
	CustomFields []customField         `json:"custom_fields,omitempty"`
	Addresses    map[string]addrExtras `json:"addresses,omitempty"`
	// NoAddressBook holds the addresses when the host has no address table.
	NoAddressBook []addrExtras `json:"address_book,omitempty"`
}

// addrExtras are the fields of one address kept in the extras: its roles,
// the name, postal and contact fields under Shopgate's own keys (the
// embedded shopgate.AddressFields, so the two cannot drift apart) and its
// custom fields (docs/protocol/customers.md#the-extras-of-an-address).
type addrExtras struct {
	IsDefault  bool `json:"is_default,omitempty"`
	IsInvoice  bool `json:"is_invoice,omitempty"`
	IsDelivery bool `json:"is_delivery,omitempty"`
	shopgate.AddressFields
	CustomFields []customField `json:"custom_fields,omitempty"`
}

// newAddrExtras keeps every field of ad.
func newAddrExtras(ad adapters.Address) addrExtras {
	return addrExtras{IsDefault: ad.IsDefault, IsInvoice: ad.IsInvoice, IsDelivery: ad.IsDelivery,
		AddressFields: shopgate.AddressFields{FirstName: ad.FirstName, LastName: ad.LastName, Gender: ad.Gender,
			Birthday: dateString(ad.Birthday), Company: ad.Company, Street1: ad.Street1, Street2: ad.Street2,
			Zipcode: ad.Zipcode, City: ad.City, Country: ad.Country, State: ad.State, Phone: ad.Phone,
			Mobile: ad.Mobile, Mail: ad.Mail},
		CustomFields: toCustomFields(ad.CustomFields)}
}

type customField struct {
	Label string `json:"label,omitempty"`
	Name  string `json:"name"`
	Value any    `json:"value"`
	Type  string `json:"type,omitempty"`
}

func toCustomFields(fs []adapters.CustomField) []customField {
	var out []customField
	for _, f := range fs {
		out = append(out, customField{Label: f.Label, Name: f.Name, Value: f.Value, Type: f.Type})
	}
	return out
}

func fromCustomFields(fs []customField) []adapters.CustomField {
	out := []adapters.CustomField{}
	for _, f := range fs {
		out = append(out, adapters.CustomField{Label: f.Label, Name: f.Name, Value: f.Value, Type: f.Type})
	}
	return out
}

func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

func parseDate(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil
	}
	return &t
}

func (s *Store) extras(db *gorm.DB, id string) (*extras, error) {
	var row gormmodels.CustomerExtra
	err := db.Where("customer_id = ?", id).Limit(1).Find(&row).Error
	if err != nil {
		return nil, shopgate.DatabaseError("load customer extras", err)
	}
	ex := &extras{}
	if row.Data != "" {
		if err := json.Unmarshal([]byte(row.Data), ex); err != nil {
			return nil, fmt.Errorf("gormcustomers: customer %s: extras: %w", id, err)
		}
	}
	return ex, nil
}

// apply fills the fields without a host column from the extras.
func (ex *extras) apply(cu *adapters.Customer, c Customers) {
	if c.Gender == "" {
		cu.Gender = ex.Gender
	}
	if c.Birthday == "" {
		cu.Birthday = parseDate(ex.Birthday)
	}
	if c.Phone == "" {
		cu.Phone = ex.Phone
	}
	if c.Mobile == "" {
		cu.Mobile = ex.Mobile
	}
	if c.Newsletter == "" {
		cu.Newsletter = ex.Newsletter
	}
	cu.CustomFields = fromCustomFields(ex.CustomFields)
	for i := range cu.Addresses {
		ax, ok := ex.Addresses[cu.Addresses[i].ID]
		if !ok {
			cu.Addresses[i].CustomFields = []adapters.CustomField{}
			continue
		}
		ax.fill(&cu.Addresses[i], false)
	}
	for i, ax := range ex.NoAddressBook {
		a := adapters.Address{}
		ax.fill(&a, true)
		a.IsDefault = i == 0
		cu.Addresses = append(cu.Addresses, a)
	}
}

// fill copies extra address fields into a; all of them when the address
// lives only in the extras, else those a has no value for.
func (ax addrExtras) fill(a *adapters.Address, all bool) {
	set := func(dst *string, v string) {
		if all || *dst == "" {
			*dst = v
		}
	}
	if all {
		a.IsInvoice, a.IsDelivery = ax.IsInvoice, ax.IsDelivery
	}
	set(&a.FirstName, ax.FirstName)
	set(&a.LastName, ax.LastName)
	set(&a.Gender, ax.Gender)
	set(&a.Company, ax.Company)
	set(&a.Street1, ax.Street1)
	set(&a.Street2, ax.Street2)
	set(&a.Zipcode, ax.Zipcode)
	set(&a.City, ax.City)
	set(&a.Country, ax.Country)
	set(&a.State, ax.State)
	set(&a.Phone, ax.Phone)
	set(&a.Mobile, ax.Mobile)
	set(&a.Mail, ax.Mail)
	if a.Birthday == nil {
		a.Birthday = parseDate(ax.Birthday)
	}
	a.CustomFields = fromCustomFields(ax.CustomFields)
}

func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// RegisterCustomer implements adapters.Customers: one transaction creates
// the customer, its addresses and its extras and reads the result back.
func (s *Store) RegisterCustomer(ctx context.Context, shop adapters.Shop, cred adapters.Credentials, in adapters.Customer) (*adapters.Customer, error) {
	login := strings.ToLower(strings.TrimSpace(cred.Login))
	if in.Mail == "" && strings.Contains(login, "@") {
		in.Mail = login
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"Login", login}, {"Password", cred.Password},
		{"FirstName", strings.TrimSpace(in.FirstName)}, {"LastName", strings.TrimSpace(in.LastName)}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if a := s.cfg.Addresses; a != nil {
		for i, ad := range in.Addresses {
			if ad.FirstName == "" || ad.LastName == "" || ad.Street1 == "" || ad.Zipcode == "" || ad.City == "" || ad.Country == "" {
				missing = append(missing, fmt.Sprintf("Addresses[%d]", i))
			}
		}
	}
	if len(missing) > 0 {
		return nil, &adapters.MissingFieldsError{Fields: missing}
	}
	if s.cfg.RequireAddress && len(in.Addresses) == 0 {
		return nil, adapters.ErrNoAddresses
	}
	hash, err := s.cfg.Passwords.Hash(cred.Password)
	if err != nil {
		// e.g. bcrypt refuses passwords over 72 bytes; never echo it.
		return nil, shopgate.NewAPIErrorShown(shopgate.CodeRegisterFailedToAddUser, "password not accepted")
	}
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	var out *adapters.Customer
	err = s.cfg.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c := s.cfg.Customers
		var n int64
		if err := tx.Table(c.Table).Where(fmt.Sprintf("LOWER(%s) = ?", c.Login), login).Count(&n).Error; err != nil {
			return shopgate.DatabaseError("check login", err)
		}
		if n > 0 {
			return adapters.ErrLoginTaken
		}
		now := s.cfg.Now().UTC()
		row := newInsertRow(map[string]any{c.Login: login, c.Password: hash, c.Token: token,
			c.FirstName: strings.TrimSpace(in.FirstName), c.LastName: strings.TrimSpace(in.LastName)})
		ex := extras{CustomFields: toCustomFields(in.CustomFields)}
		put := row.put
		put(c.Number, c.NewNumber(token), nil)
		put(c.Gender, in.Gender, func() { ex.Gender = in.Gender })
		put(c.Birthday, in.Birthday, func() { ex.Birthday = dateString(in.Birthday) })
		put(c.Phone, in.Phone, func() { ex.Phone = in.Phone })
		put(c.Mobile, in.Mobile, func() { ex.Mobile = in.Mobile })
		put(c.Newsletter, in.Newsletter, func() { ex.Newsletter = in.Newsletter })
		if c.Mail != c.Login {
			put(c.Mail, in.Mail, nil)
		}
		put(c.Active, true, nil)
		if c.Group != "" && c.DefaultGroup != "" {
			put(c.Group, gorm.Expr(c.DefaultGroup), nil)
		}
		put(c.CreatedAt, now, nil)
		put(c.UpdatedAt, now, nil)
		newID, err := row.insert(tx, c.Table, c.ID)
		if err != nil {
			return fmt.Errorf("gormcustomers: insert customer: %w: %w", adapters.ErrAddCustomerFailed, err)
		}
		id := asString(newID)
		if err := s.insertAddresses(tx, newID, in.Addresses, &ex, now); err != nil {
			return err
		}
		data, err := json.Marshal(ex)
		if err != nil {
			return err
		}
		if err := tx.Create(&gormmodels.CustomerExtra{CustomerID: id, Data: string(data)}).Error; err != nil {
			return shopgate.DatabaseError("store customer extras", err)
		}
		out, err = s.load(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) insertAddresses(tx *gorm.DB, id any, list []adapters.Address, ex *extras, now time.Time) error {
	a := s.cfg.Addresses
	if a == nil {
		for _, ad := range list {
			ex.NoAddressBook = append(ex.NoAddressBook, newAddrExtras(ad))
		}
		return nil
	}
	for i, ad := range list {
		row := newInsertRow(map[string]any{a.Customer: id})
		var kept addrExtras
		put := row.put
		put(a.IsDefault, i == 0, nil)
		put(a.IsInvoice, ad.IsInvoice, nil)
		put(a.IsDelivery, ad.IsDelivery, nil)
		put(a.FirstName, ad.FirstName, nil)
		put(a.LastName, ad.LastName, nil)
		put(a.Gender, ad.Gender, func() { kept.Gender = ad.Gender })
		put(a.Birthday, ad.Birthday, func() { kept.Birthday = dateString(ad.Birthday) })
		put(a.Company, ad.Company, func() { kept.Company = ad.Company })
		put(a.Street1, ad.Street1, nil)
		put(a.Street2, ad.Street2, func() { kept.Street2 = ad.Street2 })
		put(a.Zipcode, ad.Zipcode, nil)
		put(a.City, ad.City, nil)
		put(a.Country, ad.Country, nil)
		put(a.State, ad.State, func() { kept.State = ad.State })
		put(a.Phone, ad.Phone, func() { kept.Phone = ad.Phone })
		put(a.Mobile, ad.Mobile, func() { kept.Mobile = ad.Mobile })
		put(a.Mail, ad.Mail, func() { kept.Mail = ad.Mail })
		put(a.CreatedAt, now, nil)
		put(a.UpdatedAt, now, nil)
		if len(ad.CustomFields) > 0 {
			kept.CustomFields, row.kept = toCustomFields(ad.CustomFields), true
		}
		addrID, err := row.insert(tx, a.Table, a.ID)
		if err != nil {
			return fmt.Errorf("gormcustomers: insert address %d: %w: %w", i, adapters.ErrRegistrationFailed, err)
		}
		if !row.kept {
			continue
		}
		if ex.Addresses == nil {
			ex.Addresses = map[string]addrExtras{}
		}
		ex.Addresses[asString(addrID)] = kept
	}
	return nil
}

// customerID returns the key of the customer a token belongs to.
// With account set, an inactive account is ErrAccountNotConfirmed and a
// barred one ErrMissingPermissions (get_orders).
func (s *Store) customerID(db *gorm.DB, token string, account bool) (string, error) {
	c := s.cfg.Customers
	if strings.TrimSpace(token) == "" {
		return "", adapters.ErrUnknownCustomerToken
	}
	rows, err := db.Raw(fmt.Sprintf("SELECT c.%s, %s, %s FROM %s c WHERE c.%s = ?", c.ID, orNull(col("c", c.Active)),
		orNull(c.Permitted), c.Table, c.Token), token).Rows()
	if err != nil {
		return "", shopgate.DatabaseError("load customer", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return "", shopgate.DatabaseError("load customer", err)
		}
		return "", adapters.ErrUnknownCustomerToken
	}
	v, err := scanRow(rows, 3)
	if err != nil {
		return "", shopgate.DatabaseError("load customer", err)
	}
	switch {
	case account && c.Active != "" && !asBool(v[1]):
		return "", adapters.ErrAccountNotConfirmed
	case account && c.Permitted != "" && !asBool(v[2]):
		return "", adapters.ErrMissingPermissions
	}
	return asString(v[0]), nil
}
