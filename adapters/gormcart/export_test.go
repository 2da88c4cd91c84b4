package gormcart

// Unfold makes c read group prices and coupon products with statements of
// their own, as on databases without JSON aggregation (for tests).
func Unfold(c *Cart) {
	c.unfold = true
}

// TextArrayLiteral is the literal other drivers than pgx get for a text[]
// list argument.
func TextArrayLiteral(v []string) string {
	s, _ := textArray(v).Value()
	return s.(string)
}

// JSONRows decodes an aggregated column (see jsonRows).
func JSONRows(v any) ([][]any, error) {
	rows, err := jsonRows(v)
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = r
	}
	return out, err
}
