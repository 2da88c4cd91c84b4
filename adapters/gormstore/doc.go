// Package gormstore holds the stores over shopbridge's own tables (package
// gormmodels): the Plugin API settings a shop changed through set_settings
// (Settings), the cached Mobile Redirect keyword lists
// (RedirectKeywords) and the Merchant API request budget that every
// server on one PostgreSQL shares (RateBudget).
//
// Unlike its siblings gormcatalog and gormorders, which map onto the host
// shop's tables, it never touches a host table. Run gormmodels.Migrate
// before use.
package gormstore
