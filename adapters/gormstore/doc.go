// Package gormstore holds the stores over shopbridge's own tables (package
// gormmodels): the Plugin API settings a shop changed through set_settings
// (Settings) and the cached Mobile Redirect keyword lists
// (RedirectKeywords).
//
// Unlike its siblings gormcatalog and gormorders, which map onto the host
// shop's tables, it never touches a host table. Run gormmodels.Migrate
// before use.
package gormstore
