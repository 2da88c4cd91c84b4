// Package drophero is the client side of the DropHero API v1 protocol
// (DropHero is a dropshipping platform). It knows no shop, no database and
// no HTTP mount.
//
// It provides presigned requests (Sign, SignedQuery), POST bodies as a JSON
// document in the "data" form field, and lenient decoding of DropHero's
// wire format (lists as objects keyed by index strings, numbers as strings,
// nulls, "payments": 0, the "deleted" list), streamed item by item for large
// catalogues (Client.Subscribed, DecodeSubscribed, ParseProduct).
//
// Every request of a Client passes a Gate that keeps an account at or under
// one request per second; MemoryGate does so in one process (the dropship
// package adds a PostgreSQL gate shared by every process). Each attempt is
// bounded as a whole by Config.Timeout and ends with ErrTimeout when it runs
// out of time. 5xx answers are retried with backoff, 4xx answers are typed
// errors (*APIError, ErrUnauthorized, ErrBanned, ErrNotFound, *DecodeError).
//
// AggregateShipping computes the checkout shipping options of a cart's
// DropHero lines from the items' per-mode prices.
//
// The shop-side integration (credentials, installation, catalogue, category
// and order synchronisation) is package dropship; the callback routes are
// handlers/dropherocallback. The package dropherotest provides a fake
// DropHero server for tests and demos.
package drophero
