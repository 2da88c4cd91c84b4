package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"go.uber.org/zap"
)

// zapNop returns a logger that discards everything.
func zapNop() *zap.Logger { return zap.NewNop() }

// ExampleNewApp starts the shop on a fresh SQLite file, which seeds the
// demo catalogue, and fetches the home page.
func ExampleNewApp() {
	dir, _ := os.MkdirTemp("", "shop")
	defer os.RemoveAll(dir)
	db, err := openDB("", filepath.Join(dir, "shop.db"), zapNop())
	if err != nil {
		fmt.Println(err)
		return
	}
	app, err := NewApp(db, Config{SeedDemo: true, Demo: true, DataDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer app.Close()

	rec := httptest.NewRecorder()
	app.Echo.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output: 200 text/html; charset=UTF-8
}
