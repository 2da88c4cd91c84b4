package adapters

import "context"

// Plugin API actions answered by the host shop. Every interface is
// optional: an action whose adapter is not configured is answered as a
// disabled action (22). The order actions (add_order, update_order, cron)
// are answered by shopbridge's orders service, not by the host: their
// interfaces live in handlers/pluginapi.

// Customers answers the Shopgate Connect customer actions.
type Customers interface {
	// GetCustomer logs a customer in. The result holds user_data (without
	// addresses) and the address list. Wrong credentials: code 71.
	GetCustomer(ctx context.Context, shop Shop, user, pass string) (*CustomerResult, error)
	// RegisterCustomer creates an account from Shopgate's user_data.
	RegisterCustomer(ctx context.Context, shop Shop, user, pass string, userData map[string]any) error
	// CustomerOrders lists the order history of a Connect customer.
	CustomerOrders(ctx context.Context, shop Shop, q CustomerOrdersQuery) ([]map[string]any, error)
	// SyncFavouriteList applies a favourite list change and returns the
	// resulting list.
	SyncFavouriteList(ctx context.Context, shop Shop, customerToken string, items []FavouriteItem) ([]FavouriteItem, error)
}

// CustomerResult is the answer of GetCustomer.
type CustomerResult struct {
	// UserData is the customer object (Shopgate's ShopgateCustomer keys:
	// customer_id, customer_number, customer_token, first_name, mail, ...).
	UserData map[string]any
	// Addresses are the customer's addresses (ShopgateAddress keys).
	Addresses []map[string]any
}

// CustomerOrdersQuery selects a customer's order history (get_orders).
type CustomerOrdersQuery struct {
	CustomerToken    string
	CustomerLanguage string
	Limit            int
	Offset           int
	OrderDateFrom    string
	SortOrder        string
}

// FavouriteItem is one entry of sync_favourite_list.
type FavouriteItem struct {
	ItemNumber string
	// Status is new, deleted or existing in requests; empty in answers.
	Status string
}
