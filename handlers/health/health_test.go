package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/handlers/health"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

type runner bool

func (r runner) Running() bool { return bool(r) }

func get(t *testing.T, e *echo.Echo, method, path string) (int, health.Answer) {
	t.Helper()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	var a health.Answer
	if method == http.MethodGet {
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
			t.Fatalf("%s: %v: %s", path, err, rec.Body)
		}
	}
	return rec.Code, a
}

func TestProbes(t *testing.T) {
	db := testdb.SQLite(t)
	worker := runner(true)
	var checkErr error
	h, err := health.New(health.Config{
		DB:      db,
		Workers: map[string]health.Runner{"outbox worker": &worker},
		Checks:  map[string]func(context.Context) error{"keywords": func(context.Context) error { return checkErr }},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	h.Mount(e.Group(""))

	if code, a := get(t, e, http.MethodGet, "/healthz"); code != 200 || a.Status != "ok" {
		t.Fatalf("healthz: %d %+v", code, a)
	}
	if code, _ := get(t, e, http.MethodHead, "/readyz"); code != 200 {
		t.Fatalf("HEAD readyz: %d", code)
	}
	if code, a := get(t, e, http.MethodGet, "/readyz"); code != 200 || a.Checks["database"] != "reachable" || a.Checks["outbox worker"] != "running" {
		t.Fatalf("readyz: %d %+v", code, a)
	}
	worker = false
	checkErr = errors.New("secret dsn postgres://u:p@h")
	if code, a := get(t, e, http.MethodGet, "/readyz"); code != 503 || a.Checks["outbox worker"] != "not running" || a.Checks["keywords"] != "failing" {
		t.Fatalf("stopped worker: %d %+v", code, a)
	}
	worker = true
	checkErr = nil

	// The pool is closed: readiness fails, liveness does not call the DB.
	sqlDB, _ := db.DB()
	sqlDB.Close()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != 503 {
		t.Fatalf("closed pool: %d %s", rec.Code, rec.Body)
	}
	var a health.Answer
	json.Unmarshal(rec.Body.Bytes(), &a)
	if a.Status != "unavailable" || a.Checks["database"] != "not reachable" {
		t.Fatalf("closed pool: %+v", a)
	}
	if code, _ := get(t, e, http.MethodGet, "/healthz"); code != 200 {
		t.Fatalf("healthz with closed pool: %d", code)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := health.New(health.Config{}); err == nil {
		t.Fatal("no DB accepted")
	}
	db := testdb.SQLite(t)
	if _, err := health.New(health.Config{DB: db, Workers: map[string]health.Runner{"w": nil}}); err == nil {
		t.Fatal("nil worker accepted")
	}
}

// After Shutdown, readiness says "draining" (a load balancer stops
// sending) while liveness stays ok (docs/operations.md#graceful-shutdown).
func TestShutdownDrains(t *testing.T) {
	h, err := health.New(health.Config{DB: testdb.SQLite(t)})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	h.Mount(e.Group(""))
	if code, _ := get(t, e, http.MethodGet, "/readyz"); code != 200 {
		t.Fatalf("readyz before: %d", code)
	}
	if err := h.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, a := get(t, e, http.MethodGet, "/readyz"); code != 503 || a.Checks["shutdown"] != "draining" || a.Status != "unavailable" {
		t.Errorf("readyz while draining: %d %+v", code, a)
	}
	if code, _ := get(t, e, http.MethodGet, "/healthz"); code != 200 {
		t.Errorf("healthz while draining: %d", code)
	}
}
