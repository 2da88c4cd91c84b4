package orders_test

import (
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/orders"
)

// The Plugin API's order actions (add_order, update_order, cron) are wired
// to the orders service.
var (
	_ pluginapi.OrderImporter = (*orders.Service)(nil)
	_ pluginapi.CronJobs      = (*orders.Service)(nil)
)
