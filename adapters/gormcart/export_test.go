package gormcart

import "github.com/shopbridge/shopbridge/adapters"

// Unfold makes c read group prices and coupon products with statements of
// their own, as on databases without JSON aggregation (for tests).
func Unfold(c *Cart) {
	c.unfold = true
}

// Statements (temporary) returns the items and coupons statements.
func Statements(c *Cart, shop adapters.Shop) (string, string) {
	q := c.forShop(shop)
	return q.itemsCust, q.couponsSQL
}
