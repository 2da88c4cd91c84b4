// Package shopgate implements the Shopgate protocols a shop needs: the
// token authentication shared by the Plugin API (incoming, "SPA") and the
// Merchant API (outgoing, "SMA"), the Plugin API error codes and texts, the
// Merchant API client and its wire types.
//
// The fake Merchant API server for tests lives in package shopgatetest.
package shopgate
