// Package drophero connects the shop to DropHero, a dropshipping platform,
// through its API v1.
//
// The package has two layers:
//
//   - Client is the protocol client: presigned requests (Sign, SignedQuery),
//     POST bodies as a JSON document in the "data" form field, and lenient
//     decoding of DropHero's wire format (lists as objects keyed by index
//     strings, numbers as strings, nulls, "payments": 0, the "deleted" list),
//     streamed item by item for large catalogues. Every request passes a Gate
//     that keeps an account at or under one request per second; PostgresGate
//     does so across every process sharing the database. 5xx answers are
//     retried with backoff, 4xx answers are typed errors (*APIError,
//     ErrUnauthorized, ErrBanned, ErrNotFound, *DecodeError).
//
//   - Service is the integration: encrypted credentials (Cipher, AES-256-GCM),
//     the installation flow, category and catalogue synchronisation with
//     "DropHero managed" products taken over by EAN, order submission and
//     status synchronisation, the callback entry point used by
//     handlers/drophero, and the checkout shipping aggregation
//     (AggregateShipping, Service.ShippingOptions). All DropHero traffic runs
//     in outbox jobs; register them with Service.Register.
//
// The host shop fulfils adapters.DropHeroHost. The package dropherotest
// provides a fake DropHero server for tests and demos.
package drophero
