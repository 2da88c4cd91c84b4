package main

// setupIntegrations connects the shop to shopbridge. Each integration lives
// in its own file of this package and is switched on by one line here.
//
// Order matters: setupShopgate creates the Merchant API client and the
// Plugin API configuration; the integrations between it and
// mountPluginAPI add their adapters to that configuration; the Plugin API
// is built and mounted last.
func (a *App) setupIntegrations() error {
	steps := []func() error{
		a.setupShopgate,
		a.setupAdmin,
		// Integrations that add Plugin API adapters go here.
		a.setupOrders,
		a.setupCatalog,
		a.mountPluginAPI,
		// Integrations that only need the finished Plugin API go here.
		a.setupDropHero,
		a.setupMobileRedirect,
		a.mountPanel,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}
