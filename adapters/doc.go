// Package adapters declares what the host shop provides to shopbridge:
// small interfaces, one area per file, each implemented for a GORM shop by
// a sub-package (gormcatalog, gormorders, ...) that maps onto the host's
// own tables, or by the host directly when the mapping is not enough.
//
// Every interface method takes ctx first, then the scope of the call: the
// Shopgate Shop for calls that answer a Shopgate request (CatalogSource,
// Customers, Cart, Info), or tx, the database handle of the shopbridge
// service making the call (normally its open transaction), for calls made
// while shopbridge works on its own tables (OrderHost, DropHeroHost); the
// host reads and writes through tx and never commits on its own.
//
// An error that reaches a Plugin API answer keeps its code when it is a
// *shopgate.APIError (database driver errors become 83); any other error
// is answered as 999 without internals.
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
