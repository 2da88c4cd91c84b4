// Package adapters declares what the host shop provides to shopbridge:
// small interfaces, one area per file, each implemented for a GORM shop by
// a sub-package (gormcatalog, gormorders, ...) that maps onto the host's
// own tables, or by the host directly when the mapping is not enough.
//
// Every interface method takes a context first and the Shopgate shop the
// call is for. Methods report Plugin API errors with *shopgate.APIError
// (for example code 83 for database failures); any other error is
// answered as 999 without internals.
package adapters

// Shop identifies the Shopgate shop (marketplace) a call belongs to and
// its locale.
type Shop struct {
	// Number is the Shopgate shop number.
	Number string
	// Language is the ISO 639 export language, lower case ("de").
	Language string
	// Currency is the ISO 4217 currency ("EUR").
	Currency string
	// Country is the ISO 3166-1 alpha-2 country, upper case ("DE").
	Country string
}
