package main

import (
	"fmt"

	"github.com/shopbridge/shopbridge/adapters/gormcart"
)

// setupShopgateCart answers check_cart, check_stock and get_settings with
// the library's gormcart adapters mapped onto the shop's tables
// (shopgate_cartconfig.go).
func (a *App) setupShopgateCart() error {
	cart, err := gormcart.New(cartConfig(a.DB, a.PublicURL))
	if err != nil {
		return fmt.Errorf("shopgate cart: %w", err)
	}
	settings, err := gormcart.NewSettings(settingsConfig(a.DB))
	if err != nil {
		return fmt.Errorf("shopgate settings: %w", err)
	}
	a.sg.Plugin.Cart, a.sg.Plugin.Settings = cart, settings
	return nil
}
