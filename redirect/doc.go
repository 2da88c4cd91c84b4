// Package redirect holds the Shopgate Mobile Redirect logic that does not
// depend on a web framework: the decision what a page view gets
// (Redirector.Decide: redirect, snippet, Mobile Header), device detection
// from the User-Agent header with Shopgate's keyword lists, the keyword
// cache, the Mobile Website target URL of every page type, the SEO link
// tags, the JavaScript snippet, the built-in Mobile Header and the mapping
// of the Plugin API settings onto a Config (PluginSettings).
//
// The Echo middleware that applies all this to a shop's pages lives in
// package middleware (MobileRedirect); it only reads the request and writes
// the response. The keyword lists are kept in the database by
// adapters/gormstore.RedirectKeywords. The behaviour follows the Mobile
// Redirect notes of this project (docs/protocol/mobile-redirect.md): a Redirector
// is built once from a Config, validated at build time, and its per-request
// methods append to caller-supplied byte slices so that the hot path does not
// allocate.
package redirect
