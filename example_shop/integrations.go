package main

// setupIntegrations connects the shop to shopbridge. Each integration lives
// in its own file of this package and is switched on by one line here.
func (a *App) setupIntegrations() error {
	return nil
}
