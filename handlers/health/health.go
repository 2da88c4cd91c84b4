// Package health answers the liveness and readiness probes of a shop that
// embeds shopbridge (docs/architecture.md#operations).
//
//	GET /healthz  liveness: the process answers; no database call
//	GET /readyz   readiness: the database answers within Timeout and
//	              every registered worker is running; 503 "draining" as
//	              soon as Shutdown was called
//
// Both answer JSON in plain words, e.g.
//
//	{"status":"ok","checks":{"database":"reachable","outbox worker":"running"}}
//
// with HTTP 200, or HTTP 503 and "status":"unavailable" when a check
// failed. Answers never carry error texts of the database driver (they may
// name hosts or users), only the check's verdict.
package health

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// Runner is a background worker whose state readiness reports, such as an
// *outbox.Worker.
type Runner interface {
	// Running reports whether the worker's loop is in progress.
	Running() bool
}

// Config configures a [Handler].
type Config struct {
	// DB is the database readiness pings. Required.
	DB *gorm.DB
	// Workers are checked by readiness by name (e.g. "outbox worker").
	// A worker that is not Running makes the shop not ready. Optional.
	Workers map[string]Runner
	// Checks are further readiness checks by name (e.g. a keyword
	// refresher); a non-nil error makes the shop not ready. The error text
	// is not shown. Optional.
	Checks map[string]func(ctx context.Context) error
	// Timeout bounds the database ping and each check. Default 2s.
	Timeout time.Duration
}

// Handler serves /healthz and /readyz.
type Handler struct {
	cfg      Config
	draining atomic.Bool
}

// Shutdown marks the shop as draining (docs/operations.md#graceful-shutdown):
// from now on /readyz answers 503 with the check "shutdown": "draining", so
// a load balancer polling it stops sending new requests, while /healthz
// stays 200 (the process is alive and finishing its work). It returns nil
// at once.
func (h *Handler) Shutdown(context.Context) error {
	h.draining.Store(true)
	return nil
}

// New validates cfg and returns the handler.
func New(cfg Config) (*Handler, error) {
	if cfg.DB == nil {
		return nil, errors.New("health: Config.DB is required")
	}
	for name, w := range cfg.Workers {
		if w == nil {
			return nil, errors.New("health: worker " + name + " is nil")
		}
	}
	for name, c := range cfg.Checks {
		if c == nil {
			return nil, errors.New("health: check " + name + " is nil")
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	return &Handler{cfg: cfg}, nil
}

// Mount adds GET and HEAD /healthz and /readyz to g.
func (h *Handler) Mount(g *echo.Group) {
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		g.Add(m, "/healthz", h.live)
		g.Add(m, "/readyz", h.ready)
	}
}

// Answer is the JSON document of both probes.
type Answer struct {
	// Status is "ok" or "unavailable".
	Status string `json:"status"`
	// Checks maps each check to its verdict in plain words.
	Checks map[string]string `json:"checks,omitempty"`
}

func (h *Handler) live(c echo.Context) error {
	noStore(c)
	return c.JSON(http.StatusOK, Answer{Status: "ok", Checks: map[string]string{"process": "up"}})
}

// Ready runs the readiness checks and returns the answer and whether every
// check passed.
func (h *Handler) Ready(ctx context.Context) (Answer, bool) {
	a := Answer{Status: "ok", Checks: map[string]string{}}
	ok := true
	if h.draining.Load() {
		// Draining: no database round trip for a verdict that is fixed.
		a.Checks["shutdown"] = "draining"
		a.Status = "unavailable"
		return a, false
	}
	if err := h.ping(ctx); err != nil {
		a.Checks["database"] = "not reachable"
		ok = false
	} else {
		a.Checks["database"] = "reachable"
	}
	for name, w := range h.cfg.Workers {
		if w.Running() {
			a.Checks[name] = "running"
		} else {
			a.Checks[name] = "not running"
			ok = false
		}
	}
	for name, check := range h.cfg.Checks {
		cctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
		err := check(cctx)
		cancel()
		if err != nil {
			a.Checks[name] = "failing"
			ok = false
		} else {
			a.Checks[name] = "ok"
		}
	}
	if !ok {
		a.Status = "unavailable"
	}
	return a, ok
}

func (h *Handler) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	sqlDB, err := h.cfg.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

func (h *Handler) ready(c echo.Context) error {
	noStore(c)
	a, ok := h.Ready(c.Request().Context())
	code := http.StatusOK
	if !ok {
		code = http.StatusServiceUnavailable
	}
	return c.JSON(code, a)
}

func noStore(c echo.Context) { c.Response().Header().Set("Cache-Control", "no-store") }
