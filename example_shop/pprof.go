package main

import (
	"github.com/shopbridge/shopbridge/handlers/pprof"
)

// setupPprof serves the Go profiles (handlers/pprof) under
// /admin/debug/pprof/ when Config.Pprof is set (SHOPBRIDGE_PPROF=1),
// behind the same admin login as the order page, so that a slow export
// can be profiled in production:
//
//	go tool pprof -http :0 'https://admin:PASSWORD@shop.example.com/admin/debug/pprof/profile?seconds=30'
func (a *App) setupPprof() error {
	if !a.pprof {
		return nil
	}
	h, err := pprof.New(pprof.Config{Guard: a.admin.basicAuth})
	if err != nil {
		return err
	}
	h.Mount(a.Echo.Group("/admin"))
	return nil
}
