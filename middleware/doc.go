// Package middleware holds shopbridge's Echo middleware. MobileRedirect
// sends mobile visitors of a shop's pages to the merchant's Shopgate Mobile
// Website before any shop output, honours the visitor's opt-out
// (shopgate_redirect parameter and SHOPGATE_MOBILE_WEBPAGE cookie) and
// injects Shopgate's snippet and the Mobile Header into HTML pages. It does
// only the HTTP part: what a page view gets is decided by
// redirect.Redirector.Decide.
//
// The package is named like Echo's own middleware package on purpose: it is
// written in the same style. Import one of them under another name, e.g.
//
//	import (
//		echomw "github.com/labstack/echo/v4/middleware"
//		"github.com/shopbridge/shopbridge/middleware"
//	)
package middleware
