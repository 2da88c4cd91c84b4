package main

import (
	"reflect"
	"testing"

	"github.com/shopbridge/shopbridge/internal/testhost"
)

// TestCustomersMappingMatchesTestHost: the adapter and Plugin API tests
// run on testhost.CustomersConfig, so it must map the reference tables
// exactly as this shop maps its own; like TestHostSchemaMatchesModels it
// keeps the two copies in step. Only the settings testhost documents as
// the tests' own (password cost, RequireAddress) may differ.
func TestCustomersMappingMatchesTestHost(t *testing.T) {
	shop, host := (&App{}).customersConfig(), testhost.CustomersConfig(nil)
	if !shop.RequireAddress || host.RequireAddress {
		t.Errorf("RequireAddress: shop %v, testhost %v (want true, false)", shop.RequireAddress, host.RequireAddress)
	}
	for _, part := range []struct {
		name       string
		shop, host any
	}{
		{"Customers", shop.Customers, host.Customers},
		{"Addresses", shop.Addresses, host.Addresses},
		{"Groups", shop.Groups, host.Groups},
		{"Orders", shop.Orders, host.Orders},
		{"Favourites", shop.Favourites, host.Favourites},
		{"Throttle", shop.Throttle, host.Throttle},
	} {
		if !reflect.DeepEqual(part.shop, part.host) {
			t.Errorf("%s:\nshop     %+v\ntesthost %+v", part.name, part.shop, part.host)
		}
	}
}
