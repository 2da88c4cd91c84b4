// Package export writes the Shopgate catalogue documents — items, categories
// and reviews — exactly as the Shopgate Plugin API's get_items,
// get_categories and get_reviews actions deliver them (see
// docs/protocol/catalog-export.md).
//
// The record types (Item, Category, Review) are plain values that an adapter
// fills from the shop's database. The writers (ItemWriter, CategoryWriter,
// ReviewWriter) stream them one at a time into any io.Writer: they hold only
// the record being written plus a small output buffer, so memory does not
// grow with the size of the catalogue.
//
// Serialisation follows the SDK byte for byte where
// docs/protocol/catalog-export.md#xml-serialisation asks for it: no XML
// declaration, no whitespace between tags, CDATA for free text, fixed element
// and attribute order, numbers without trailing zeros, booleans as 1/0,
// non-ASCII characters in attribute values as upper-case hexadecimal character
// references, and the sparse "children" form of variants. Every string is
// cleaned on the way out: ill-formed UTF-8 becomes one '?' per maximal
// ill-formed subpart and characters outside the XML 1.0 range are removed, in
// element text and attribute values alike.
package export
