package pluginapi

import "github.com/shopbridge/shopbridge/shopgate"

// actionFunc runs one action. It returns the payload of a JSON answer, or
// writes the response itself (streamed exports, plain-text logs) and
// returns nil. A returned error becomes the error envelope unless the
// response has already started.
type actionFunc func(h *Handler, r *request) (payload, error)

// actionSpec describes an action of the whitelist (docs/protocol/plugin-api.md#action-whitelist).
type actionSpec struct {
	enabledByDefault bool
	export           bool
	fn               actionFunc
}

// actionSpecs is the whitelist: exactly the 25 actions Shopgate may call,
// and the one place each is implemented. An action without fn is
// answered as the SDK answers actions a plugin does not implement (22):
// the legacy CSV exports (docs/protocol/catalog-export.md#csv-exports).
var actionSpecs = map[string]actionSpec{
	"add_order":             {fn: (*Handler).addOrder},
	"check_cart":            {fn: (*Handler).checkCart},
	"check_stock":           {fn: (*Handler).checkStock},
	"clear_cache":           {enabledByDefault: true, fn: (*Handler).clearCache},
	"clear_log_file":        {enabledByDefault: true, fn: (*Handler).clearLogFile},
	"cron":                  {fn: (*Handler).cron},
	"get_categories":        {export: true, fn: (*Handler).getCategories},
	"get_categories_csv":    {export: true},
	"get_customer":          {fn: (*Handler).getCustomer},
	"get_debug_info":        {fn: (*Handler).getDebugInfo},
	"get_items":             {export: true, fn: (*Handler).getItems},
	"get_items_csv":         {export: true},
	"get_log_file":          {enabledByDefault: true, fn: (*Handler).getLogFile},
	"get_media_csv":         {export: true},
	"get_orders":            {fn: (*Handler).getOrders},
	"get_reviews":           {export: true, fn: (*Handler).getReviews},
	"get_reviews_csv":       {export: true},
	"get_settings":          {fn: (*Handler).getSettings},
	"ping":                  {enabledByDefault: true, fn: (*Handler).ping},
	"receive_authorization": {fn: (*Handler).receiveAuthorization},
	"redeem_coupons":        {fn: (*Handler).redeemCoupons},
	"register_customer":     {fn: (*Handler).registerCustomer},
	"set_settings":          {enabledByDefault: true, fn: (*Handler).setSettings},
	"sync_favourite_list":   {fn: (*Handler).syncFavouriteList},
	"update_order":          {fn: (*Handler).updateOrder},
}

// errNotImplemented is the SDK's answer for an action, or an export, the
// plugin lacks.
var errNotImplemented = shopgate.NewAPIErrorShown(shopgate.CodeDisabledAction,
	"The requested action is not disabled but has not been implemented in this plugin.")
