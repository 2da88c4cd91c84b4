package gormcart

// Unfold makes c read group prices and coupon products with statements of
// their own, as on databases without JSON aggregation (for tests).
func Unfold(c *Cart) {
	c.unfold = true
}
