package pluginapi

import (
	"strings"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

// errNoAdapter answers an action whose adapter the host did not configure.
func errNoAdapter(area string) error {
	return shopgate.NewAPIErrorShown(shopgate.CodeDisabledAction, "no "+area+" adapter is configured")
}

// getCustomer logs a Shopgate Connect customer in.
func (h *Handler) getCustomer(r *request) (payload, error) {
	if r.Empty("user") {
		return nil, shopgate.NewAPIError(shopgate.CodeNoUser, "")
	}
	if r.Empty("pass") {
		return nil, shopgate.NewAPIError(shopgate.CodeNoPass, "")
	}
	if h.cfg.Customers == nil {
		return nil, errNoAdapter("customer")
	}
	return h.customerPayload(r, r.String("user"), r.String("pass"))
}

func (h *Handler) customerPayload(r *request, user, pass string) (payload, error) {
	res, err := h.cfg.Customers.GetCustomer(r.Ctx, r.Shop, user, pass)
	if err != nil {
		return nil, err
	}
	if res == nil || res.UserData == nil {
		return nil, shopgate.NewAPIError(shopgate.CodeWrongResponseFormat, "no customer returned")
	}
	ud := make(map[string]any, len(res.UserData))
	for k, v := range res.UserData {
		if k != "addresses" {
			ud[k] = v
		}
	}
	addrs := make([]any, 0, len(res.Addresses))
	for _, a := range res.Addresses {
		addrs = append(addrs, a)
	}
	return payload{{"user_data", ud}, {"addresses", addrs}}, nil
}

// registerCustomer creates an account, then answers like get_customer.
func (h *Handler) registerCustomer(r *request) (payload, error) {
	if r.Empty("user") {
		return nil, shopgate.NewAPIError(shopgate.CodeNoUser, "")
	}
	if r.Empty("pass") {
		return nil, shopgate.NewAPIError(shopgate.CodeNoPass, "")
	}
	if r.Empty("user_data") {
		return nil, shopgate.NewAPIErrorShown(shopgate.CodeNoUserData, "missing user_data")
	}
	if h.cfg.Customers == nil {
		return nil, errNoAdapter("customer")
	}
	ud := r.Map("user_data")
	if ud == nil {
		return nil, shopgate.NewAPIErrorShown(shopgate.CodeNoUserData, "missing user_data")
	}
	if err := h.cfg.Customers.RegisterCustomer(r.Ctx, r.Shop, r.String("user"), r.String("pass"), ud); err != nil {
		return nil, err
	}
	return h.customerPayload(r, r.String("user"), r.String("pass"))
}

// getOrders lists a Connect customer's order history.
func (h *Handler) getOrders(r *request) (payload, error) {
	if r.Empty("customer_token") {
		return nil, shopgate.NewAPIError(shopgate.CodeNoCustomerToken, "")
	}
	if _, present := r.Params["customer_language"]; !present {
		return nil, shopgate.NewAPIError(shopgate.CodeNoCustomerLanguage, "")
	}
	if h.cfg.Customers == nil {
		return nil, errNoAdapter("customer")
	}
	limit, offset := ordersPaging(r)
	lang := r.String("customer_language")
	if lang == "" {
		lang = r.Shop.Language
	}
	sortOrder := r.String("sort_order")
	if sortOrder == "" {
		sortOrder = "created_desc"
	}
	if limit == 0 {
		// An empty page; adapters are not asked for LIMIT 0.
		return payload{{"orders", []any{}}}, nil
	}
	orders, err := h.cfg.Customers.CustomerOrders(r.Ctx, r.Shop, adapters.CustomerOrdersQuery{
		CustomerToken: r.String("customer_token"), CustomerLanguage: lang, Limit: limit, Offset: offset,
		OrderDateFrom: r.String("order_date_from"), SortOrder: sortOrder,
	})
	if err != nil {
		return nil, err
	}
	list := make([]any, 0, len(orders))
	for _, o := range orders {
		list = append(list, o)
	}
	return payload{{"orders", list}}, nil
}

// ordersPaging reads get_orders' limit (default 10) and offset (default
// 0). A missing or blank value takes the default; anything else is cast
// like PHP's (int) ("abc" is 0, "5x" is 5, a list is 1) and a negative
// result is 0. An input problem is never an error here
// (docs/protocol/plugin-api.md#decision-get_orders-paging).
func ordersPaging(r *request) (limit, offset int) {
	read := func(key string, def int) int {
		v, ok := r.Params[key]
		if s, isStr := v.(string); !ok || isStr && strings.TrimSpace(s) == "" {
			return def
		}
		return max(phpIntValue(v), 0)
	}
	return read("limit", 10), read("offset", 0)
}

// syncFavouriteList applies a favourite list change.
func (h *Handler) syncFavouriteList(r *request) (payload, error) {
	if r.Empty("customer_token") {
		return nil, shopgate.NewAPIError(shopgate.CodeNoCustomerToken, "")
	}
	if h.cfg.Customers == nil {
		return nil, errNoAdapter("customer")
	}
	raw, _ := r.List("items")
	items := make([]adapters.FavouriteItem, 0, len(raw))
	for _, e := range raw {
		m, _ := e.(map[string]any)
		num, _ := m["item_number"].(string)
		status, _ := m["status"].(string)
		if num == "" || status == "" {
			return nil, shopgate.NewAPIError(shopgate.CodeWrongItemFormat, "item_number or status missing")
		}
		items = append(items, adapters.FavouriteItem{ItemNumber: num, Status: status})
	}
	res, err := h.cfg.Customers.SyncFavouriteList(r.Ctx, r.Shop, r.String("customer_token"), items)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(res))
	for _, it := range res {
		out = append(out, map[string]any{"item_number": it.ItemNumber})
	}
	return payload{{"items", out}}, nil
}
