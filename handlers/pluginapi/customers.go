package pluginapi

import (
	"errors"
	"strings"
	"time"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

// The Shopgate Connect customer actions (docs/protocol/customers.md):
// get_customer, register_customer, get_orders, sync_favourite_list. The
// host answers through adapters.Customers with Go types; this file maps
// requests onto them and their errors onto Plugin API codes.

// customerError maps the documented adapters errors onto Plugin API
// codes; anything else passes through.
func customerError(err error) error {
	var missing *adapters.MissingFieldsError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, adapters.ErrWrongCredentials):
		return shopgate.NewAPIError(shopgate.CodeWrongUsernameOrPassword, "")
	case errors.Is(err, adapters.ErrAccountNotConfirmed):
		return shopgate.NewAPIError(shopgate.CodeCustomerAccountNotConfirm, "")
	case errors.Is(err, adapters.ErrLoginThrottled):
		return shopgate.NewAPIErrorShown(shopgate.CodeCustomerUnknownError, adapters.ErrLoginThrottled.Error())
	case errors.Is(err, adapters.ErrLoginTaken):
		return shopgate.NewAPIError(shopgate.CodeRegisterUserAlreadyExists, "")
	case errors.Is(err, adapters.ErrUnknownCustomerToken):
		return shopgate.NewAPIError(shopgate.CodeCustomerTokenInvalid, "")
	case errors.Is(err, adapters.ErrMissingPermissions):
		return shopgate.NewAPIError(shopgate.CodeMissingAccountPermissions, "")
	case errors.Is(err, adapters.ErrNoAddresses):
		return shopgate.NewAPIError(shopgate.CodeNoAddressesFound, "")
	case errors.Is(err, adapters.ErrAddCustomerFailed):
		// The cause (e.g. the database's refusal) reaches the log only.
		return &shopgate.APIError{Code: shopgate.CodeRegisterFailedToAddUser, Cause: err}
	case errors.Is(err, adapters.ErrRegistrationFailed):
		return &shopgate.APIError{Code: shopgate.CodeRegisterCustomerError, Cause: err}
	case errors.As(err, &missing):
		return shopgate.NewAPIErrorShown(shopgate.CodeRegisterMissingFields, missing.Error())
	}
	return err
}

// credentials reads user and pass (35, 36 when empty) and the client
// address.
func credentials(r *request) (adapters.Credentials, error) {
	if r.Empty("user") {
		return adapters.Credentials{}, shopgate.NewAPIError(shopgate.CodeNoUser, "")
	}
	if r.Empty("pass") {
		return adapters.Credentials{}, shopgate.NewAPIError(shopgate.CodeNoPass, "")
	}
	cred := adapters.Credentials{Login: strings.TrimSpace(r.String("user")), Password: r.String("pass")}
	if r.Echo != nil {
		cred.ClientAddress = r.Echo.RealIP()
	}
	return cred, nil
}

// getCustomer logs a Shopgate Connect customer in.
func (h *Handler) getCustomer(r *request) (payload, error) {
	cred, err := credentials(r)
	if err != nil {
		return nil, err
	}
	if h.cfg.Customers == nil {
		return nil, errNoAdapter("customer")
	}
	c, err := h.cfg.Customers.GetCustomer(r.Ctx, r.Shop, cred)
	if err != nil {
		return nil, customerError(err)
	}
	return customerPayload(c)
}

func customerPayload(c *adapters.Customer) (payload, error) {
	if c == nil {
		return nil, shopgate.NewAPIError(shopgate.CodeWrongResponseFormat, "no customer returned")
	}
	ud, addrs := encodeCustomer(c)
	return payload{{"user_data", ud}, {"addresses", addrs}}, nil
}

// registerCustomer creates an account and answers like get_customer, from
// the record the adapter created (no second login).
func (h *Handler) registerCustomer(r *request) (payload, error) {
	cred, err := credentials(r)
	if err != nil {
		return nil, err
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
	c, err := h.cfg.Customers.RegisterCustomer(r.Ctx, r.Shop, cred, decodeUserData(ud))
	if err != nil {
		return nil, customerError(err)
	}
	return customerPayload(c)
}

// orderDateLayouts are the accepted forms of get_orders' order_date_from.
var orderDateLayouts = []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"}

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
	q := adapters.CustomerOrdersQuery{Token: r.String("customer_token"), Language: lang, Limit: limit, Offset: offset,
		Ascending: r.String("sort_order") == "created_asc"}
	if from := strings.TrimSpace(r.String("order_date_from")); from != "" {
		for _, layout := range orderDateLayouts {
			if t, err := time.Parse(layout, from); err == nil {
				q.From = t
				break
			}
		}
		if q.From.IsZero() {
			return nil, shopgate.NewAPIErrorShown(shopgate.CodeUnknownError, "order_date_from is not a date")
		}
	}
	list := []wireExternalOrder{}
	if limit == 0 {
		// An empty page; adapters are not asked for LIMIT 0.
		return payload{{"orders", list}}, nil
	}
	orders, err := h.cfg.Customers.CustomerOrders(r.Ctx, r.Shop, q)
	if err != nil {
		return nil, customerError(err)
	}
	for i := range orders {
		list = append(list, encodeOrder(&orders[i]))
	}
	return payload{{"orders", list}}, nil
}

// syncFavouriteList applies a favourite list change and answers the
// complete list.
func (h *Handler) syncFavouriteList(r *request) (payload, error) {
	if r.Empty("customer_token") {
		return nil, shopgate.NewAPIError(shopgate.CodeNoCustomerToken, "")
	}
	if h.cfg.Customers == nil {
		return nil, errNoAdapter("customer")
	}
	changes, err := decodeFavourites(r.Params["items"])
	if err != nil {
		return nil, shopgate.NewAPIError(shopgate.CodeWrongItemFormat, err.Error())
	}
	res, err := h.cfg.Customers.SyncFavouriteList(r.Ctx, r.Shop, r.String("customer_token"), changes)
	if err != nil {
		return nil, customerError(err)
	}
	type wireFavourite struct {
		ItemNumber string `json:"item_number"`
	}
	out := make([]wireFavourite, 0, len(res))
	for _, it := range res {
		out = append(out, wireFavourite{ItemNumber: it.ItemNumber})
	}
	return payload{{"items", out}}, nil
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
