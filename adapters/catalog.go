package adapters

import (
	"context"
	"errors"

	"github.com/shopbridge/shopbridge/shopgate/export"
)

// CatalogQuery selects the records of one export request (get_items,
// get_categories, get_reviews).
type CatalogQuery struct {
	// Offset is the number of records to skip (zero-based, inclusive start).
	// Negative values are treated as 0.
	Offset int
	// Limit is the maximum number of records; negative means no limit.
	// A zero Limit selects nothing.
	Limit int
	// UIDs, when not empty, keeps only records whose uid is listed — for
	// reviews: whose item uid is listed. Paging applies to the filtered set.
	UIDs []string
	// ExcludeUIDs leaves items out of the item export (configuration
	// exclude_item_ids); ignored for categories and reviews.
	ExcludeUIDs []string
}

// ErrStop may be returned by a yield function to end an export early
// without error; sources return it unchanged (the caller checks with
// errors.Is).
var ErrStop = errors.New("adapters: stop export")

// ErrNotExported is returned (possibly wrapped) by a CatalogSource method
// for an export the source does not provide, e.g. reviews of a shop
// without reviews. The Plugin API answers it with error 22, as the SDK
// does for exports a plugin does not implement.
var ErrNotExported = errors.New("adapters: export not provided")

// CatalogSource is the host shop's catalogue as the export actions read it,
// for the shop (language, currency) given.
//
// Each method calls yield once per record, in a stable order that is the
// same on every call (normally by primary key), after applying the query's
// filters and then Offset and Limit, so that paging by offset partitions
// the catalogue exactly. A record passed to yield — including its slices —
// is only valid during that call: sources may reuse its memory.
//
// A method stops and returns yield's error as soon as yield returns one,
// and stops with ctx.Err() when ctx is cancelled (for example when the
// client has disconnected). Database failures are returned wrapped; the
// Plugin API answers them with error 83 when nothing was written yet.
//
// Sources must not hold the whole catalogue in memory: read in batches
// (keyset pagination, batched detail queries).
type CatalogSource interface {
	// Items yields parent items; variants are in Item.Children and do not
	// count for Offset and Limit.
	Items(ctx context.Context, shop Shop, q CatalogQuery, yield func(*export.Item) error) error
	// Categories yields categories.
	Categories(ctx context.Context, shop Shop, q CatalogQuery, yield func(*export.Category) error) error
	// Reviews yields approved reviews; UIDs filters on the reviewed item.
	Reviews(ctx context.Context, shop Shop, q CatalogQuery, yield func(*export.Review) error) error
}
