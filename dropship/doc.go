// Package dropship is the shop side of the DropHero integration: it
// connects a host shop (adapters.DropHeroHost) to DropHero through the
// protocol client of package drophero.
//
// A Service, built with New from a Config, keeps the merchant's keys
// encrypted (Cipher, AES-256-GCM; the key comes from configuration), runs
// the resumable installation, synchronises categories and the subscribed
// catalogue (existing products with the same EAN become "DropHero managed";
// ambiguous matches become Conflicts for the merchant), submits orders
// exactly once and follows their status, and offers the checkout its
// DropHero shipping options (Service.ShippingOptions). Its state lives in
// shopbridge's own tables (gormmodels); callers get view types (Status,
// Order, Link, Conflict), never rows.
//
// All DropHero traffic runs in outbox jobs: register them with
// Service.Register on a worker built with WorkerConfig. Requests of one
// account are spaced by a PostgresGate shared by every process using the
// database. DropHero's callbacks enter through Service.Callback, which
// handlers/dropherocallback serves under Service.CallbackPrefix (configured
// once, in Config.CallbackPrefix).
package dropship
