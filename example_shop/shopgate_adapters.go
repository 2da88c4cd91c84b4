package main

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

// shopCustomers answers the Shopgate Connect customer actions from the
// shop's own customers (bcrypt passwords, address book).
type shopCustomers struct{ a *App }

var _ adapters.Customers = shopCustomers{}

// GetCustomer logs a customer in with the storefront's credentials.
func (s shopCustomers) GetCustomer(ctx context.Context, _ adapters.Shop, user, pass string) (*adapters.CustomerResult, error) {
	cu, err := s.a.Authenticate(s.a.DB.WithContext(ctx), user, pass)
	if errors.Is(err, ErrBadLogin) {
		return nil, shopgate.NewAPIError(shopgate.CodeWrongUsernameOrPassword, "")
	}
	if err != nil {
		return nil, shopgate.DatabaseError("load customer", err)
	}
	return customerResult(cu), nil
}

// customerResult maps a customer to Shopgate's ShopgateCustomer and
// ShopgateAddress structures, default address first.
func customerResult(cu *Customer) *adapters.CustomerResult {
	var birthday any
	if cu.Birthday != nil {
		birthday = cu.Birthday.Format("2006-01-02")
	}
	groups := []any{}
	if cu.CustomerGroup != nil {
		groups = append(groups, map[string]any{"id": strconv.Itoa(int(cu.CustomerGroup.ID)), "name": cu.CustomerGroup.Name})
	}
	newsletter := 0
	if cu.Newsletter {
		newsletter = 1
	}
	ud := map[string]any{
		"customer_id": strconv.Itoa(int(cu.ID)), "customer_number": cu.Number, "customer_token": cu.Token,
		"registration_date": cu.CreatedAt.Format("2006-01-02"), "customer_groups": groups,
		"first_name": cu.FirstName, "last_name": cu.LastName, "gender": nullable(cu.Gender),
		"birthday": birthday, "phone": nullable(cu.Phone), "mobile": nullable(cu.Mobile), "mail": cu.Email,
		"newsletter_subscription": newsletter, "custom_fields": []any{},
		"customer_group": nil, "customer_group_id": nil, "tax_class_key": nil, "tax_class_id": nil,
	}
	res := &adapters.CustomerResult{UserData: ud}
	for _, ad := range cu.Addresses {
		res.Addresses = append(res.Addresses, map[string]any{
			"id": strconv.Itoa(int(ad.ID)), "is_invoice_address": b01(ad.IsInvoice), "is_delivery_address": b01(ad.IsDelivery),
			"first_name": ad.FirstName, "last_name": ad.LastName, "gender": nullable(ad.Gender),
			"company": nullable(ad.Company), "street_1": ad.Street1, "street_2": nullable(ad.Street2),
			"zipcode": ad.Zipcode, "city": ad.City, "country": ad.Country, "state": nullable(ad.State),
			"phone": nullable(ad.Phone), "mobile": nil, "mail": cu.Email, "custom_fields": []any{},
		})
	}
	return res
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func b01(b bool) int {
	if b {
		return 1
	}
	return 0
}

// RegisterCustomer creates an account from Shopgate's user_data.
func (s shopCustomers) RegisterCustomer(ctx context.Context, _ adapters.Shop, user, pass string, ud map[string]any) error {
	str := func(m map[string]any, k string) string { v, _ := m[k].(string); return strings.TrimSpace(v) }
	email := strings.ToLower(strings.TrimSpace(user))
	if email == "" || str(ud, "first_name") == "" || str(ud, "last_name") == "" {
		return shopgate.NewAPIError(shopgate.CodeRegisterMissingFields, "first_name, last_name and user are required")
	}
	hash, err := HashPassword(pass)
	if err != nil {
		return err
	}
	return s.a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Customer{}).Where("LOWER(email) = ?", email).Count(&n).Error; err != nil {
			return shopgate.DatabaseError("check customer", err)
		}
		if n > 0 {
			return shopgate.NewAPIError(shopgate.CodeRegisterUserAlreadyExists, "")
		}
		token, err := newToken()
		if err != nil {
			return err
		}
		cu := Customer{Email: email, PasswordHash: hash, Token: token, FirstName: str(ud, "first_name"),
			LastName: str(ud, "last_name"), Gender: str(ud, "gender"), Phone: str(ud, "phone"), Mobile: str(ud, "mobile"),
			Active: true, Number: "SG-" + token[:10]}
		if err := tx.Create(&cu).Error; err != nil {
			return shopgate.NewAPIError(shopgate.CodeRegisterFailedToAddUser, err.Error())
		}
		addrs, _ := ud["addresses"].([]any)
		for i, raw := range addrs {
			m, _ := raw.(map[string]any)
			ad := Address{CustomerID: cu.ID, IsDefault: i == 0, IsInvoice: str(m, "is_invoice_address") == "1",
				IsDelivery: str(m, "is_delivery_address") == "1", Gender: str(m, "gender"), Company: str(m, "company"),
				FirstName: str(m, "first_name"), LastName: str(m, "last_name"), Street1: str(m, "street_1"),
				Street2: str(m, "street_2"), Zipcode: str(m, "zipcode"), City: str(m, "city"),
				Country: strings.ToUpper(str(m, "country")), State: str(m, "state"), Phone: str(m, "phone")}
			if err := tx.Create(&ad).Error; err != nil {
				return shopgate.NewAPIError(shopgate.CodeRegisterCustomerError, err.Error())
			}
		}
		return nil
	})
}

// CustomerOrders lists the orders of the customer the token belongs to.
func (s shopCustomers) CustomerOrders(ctx context.Context, _ adapters.Shop, q adapters.CustomerOrdersQuery) ([]map[string]any, error) {
	db := s.a.DB.WithContext(ctx)
	var cu Customer
	if err := db.Where("token = ?", q.CustomerToken).Take(&cu).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, shopgate.NewAPIError(shopgate.CodeCustomerTokenInvalid, "")
		}
		return nil, shopgate.DatabaseError("load customer", err)
	}
	order := "created_at DESC, id DESC"
	if q.SortOrder == "created_asc" {
		order = "created_at ASC, id ASC"
	}
	tx := db.Where("customer_id = ?", cu.ID).Preload("Items").Order(order).Limit(q.Limit).Offset(q.Offset)
	if q.OrderDateFrom != "" {
		tx = tx.Where("created_at >= ?", q.OrderDateFrom)
	}
	var orders []Order
	if err := tx.Find(&orders).Error; err != nil {
		return nil, shopgate.DatabaseError("load orders", err)
	}
	out := make([]map[string]any, 0, len(orders))
	for _, o := range orders {
		items := make([]any, 0, len(o.Items))
		for _, it := range o.Items {
			items = append(items, map[string]any{"item_number": it.Number, "name": it.Name, "quantity": it.Quantity,
				"unit_amount_with_tax": it.UnitPrice.StringFixed(2), "type": it.Type})
		}
		out = append(out, map[string]any{
			"order_number": o.ExternalNumber, "external_order_number": o.Number, "external_order_id": strconv.Itoa(int(o.ID)),
			"created_time": o.CreatedAt.Format("2006-01-02T15:04:05-07:00"), "status_name": o.Status,
			"amount_complete": o.AmountTotal.StringFixed(2), "currency": o.Currency, "is_paid": b01(o.IsPaid),
			"items": items,
		})
	}
	return out, nil
}

// SyncFavouriteList: the example shop keeps no favourite lists.
func (s shopCustomers) SyncFavouriteList(context.Context, adapters.Shop, string, []adapters.FavouriteItem) ([]adapters.FavouriteItem, error) {
	return nil, shopgate.NewAPIErrorShown(shopgate.CodeDisabledAction, "this shop keeps no favourite lists")
}

// shopInfo fills ping's shop_info and get_settings.
type shopInfo struct{ a *App }

var _ adapters.Info = shopInfo{}

// PluginInfo names the host shop.
func (s shopInfo) PluginInfo(context.Context, adapters.Shop) (map[string]any, error) {
	return map[string]any{"shop_system": "shopbridge example_shop"}, nil
}

// ShopInfo answers the catalogue adapter's cached counts of categories,
// items and reviews: no COUNT(*) on the request path, so ping stays fast
// at any catalogue size (docs/catalog.md#counts).
func (s shopInfo) ShopInfo(ctx context.Context, _ adapters.Shop) (map[string]any, error) {
	if s.a.catalog == nil {
		return nil, nil
	}
	n, err := s.a.catalog.Counts(ctx)
	if err != nil {
		return nil, shopgate.DatabaseError("count catalogue", err)
	}
	return n.ShopInfo(), nil
}

// DebugInfo reports runtime figures.
func (s shopInfo) DebugInfo(context.Context, adapters.Shop) (map[string]any, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return map[string]any{"goroutines": runtime.NumGoroutine(), "heap_alloc_bytes": ms.HeapAlloc,
		"database_dialect": s.a.DB.Dialector.Name()}, nil
}

// Settings describes customer groups, countries, payment methods and tax.
func (s shopInfo) Settings(ctx context.Context, _ adapters.Shop) (map[string]any, error) {
	db := s.a.DB.WithContext(ctx)
	var groups []CustomerGroup
	if err := db.Order("id").Find(&groups).Error; err != nil {
		return nil, shopgate.DatabaseError("load customer groups", err)
	}
	var taxes []TaxClass
	if err := db.Order("id").Find(&taxes).Error; err != nil {
		return nil, shopgate.DatabaseError("load tax classes", err)
	}
	cg := []any{}
	for i, g := range groups {
		cg = append(cg, map[string]any{"id": strconv.Itoa(int(g.ID)), "name": g.Name, "is_default": b01(i == 0),
			"customer_tax_class_key": "default"})
	}
	ptc, rates, rules := []any{}, []any{}, []any{}
	for _, t := range taxes {
		id := strconv.Itoa(int(t.ID))
		ptc = append(ptc, map[string]any{"id": id, "key": t.Name})
		rates = append(rates, map[string]any{"id": id, "key": "rate_" + id, "display_name": t.Name,
			"tax_percent": t.Rate.StringFixed(2), "country": "DE", "state": "", "zipcode_type": "all"})
		rules = append(rules, map[string]any{"id": id, "name": t.Name, "priority": 0,
			"product_tax_classes":  []any{map[string]any{"id": id, "key": t.Name}},
			"customer_tax_classes": []any{map[string]any{"id": "1", "key": "default"}},
			"tax_rates":            []any{map[string]any{"id": id, "key": "rate_" + id}}})
	}
	countries := []any{map[string]any{"country": "DE", "state": []any{"All"}}, map[string]any{"country": "AT", "state": []any{"All"}}}
	return map[string]any{
		"customer_groups":            cg,
		"allowed_address_countries":  countries,
		"allowed_shipping_countries": countries,
		"payment_methods": []any{map[string]any{"id": PaymentPrepayment, "name": "Prepayment"},
			map[string]any{"id": PaymentInvoice, "name": "Invoice"}},
		"tax": map[string]any{"product_tax_classes": ptc,
			"customer_tax_classes": []any{map[string]any{"id": "1", "key": "default", "is_default": 1}},
			"tax_rates":            rates, "tax_rules": rules},
	}, nil
}

// CacheFiles: the example shop caches nothing on disk.
func (s shopInfo) CacheFiles(context.Context, adapters.Shop) ([]string, error) { return nil, nil }
