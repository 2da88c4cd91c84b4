package pluginapi

// ActionFunc runs one action. It returns the payload of a JSON answer, or
// writes the response itself (streamed exports, plain-text logs) and
// returns nil. A returned error becomes the error envelope unless the
// response has already started.
type ActionFunc func(h *Handler, r *Request) (Payload, error)

// actionSpec describes an action of the whitelist (Plugin API spec 1.5).
type actionSpec struct {
	enabledByDefault bool
	export           bool
	fn               ActionFunc
}

// actionSpecs is the whitelist: exactly the 25 actions Shopgate may call.
// Actions whose fn is nil here are implemented in another file of this
// package that registers them with register (the catalogue exports in
// export.go); until then they answer 22.
var actionSpecs = map[string]actionSpec{
	"add_order":             {fn: (*Handler).addOrder},
	"check_cart":            {fn: (*Handler).checkCart},
	"check_stock":           {fn: (*Handler).checkStock},
	"clear_cache":           {enabledByDefault: true, fn: (*Handler).clearCache},
	"clear_log_file":        {enabledByDefault: true, fn: (*Handler).clearLogFile},
	"cron":                  {fn: (*Handler).cron},
	"get_categories":        {export: true},
	"get_categories_csv":    {export: true},
	"get_customer":          {fn: (*Handler).getCustomer},
	"get_debug_info":        {fn: (*Handler).getDebugInfo},
	"get_items":             {export: true},
	"get_items_csv":         {export: true},
	"get_log_file":          {enabledByDefault: true, fn: (*Handler).getLogFile},
	"get_media_csv":         {export: true},
	"get_orders":            {fn: (*Handler).getOrders},
	"get_reviews":           {export: true},
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

// registered holds actions implemented in other files of this package.
var registered = map[string]ActionFunc{}

// register implements a whitelisted action from another file's init
// function. Registering an action outside the whitelist panics at start.
func register(name string, fn ActionFunc) {
	if _, ok := actionSpecs[name]; !ok {
		panic("pluginapi: register of unknown action " + name)
	}
	registered[name] = fn
}
