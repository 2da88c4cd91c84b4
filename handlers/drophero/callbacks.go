// Package drophero serves the DropHero callback URLs:
// /drophero/callback/{token}/products and /drophero/callback/{token}/orders.
//
// A callback carries no data; it only tells the plugin to pull. The handler
// therefore checks the unguessable token (in constant time, inside the
// service), durably enqueues one coalesced sync job and answers exactly 200
// at once. It never calls DropHero itself. Mount these routes outside CSRF,
// session, maintenance and HTTPS-redirect middleware.
package drophero

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	dh "github.com/shopbridge/shopbridge/drophero"
)

// Callbacks is the part of *drophero.Service the handler needs.
type Callbacks interface {
	// Callback checks token and enqueues the sync of kind
	// (drophero.CallbackProducts or drophero.CallbackOrders); it returns
	// drophero.ErrUnknownToken for a wrong token.
	Callback(ctx context.Context, kind, token string) error
}

// Config configures the handler group.
type Config struct {
	// Service receives the callbacks. Required.
	Service Callbacks
	// Prefix of the routes inside the group; default "/drophero/callback".
	Prefix string
	// Logger; default zap.NewNop(). The token is never logged.
	Logger *zap.Logger
}

// Handler serves the callback routes.
type Handler struct {
	cfg Config
}

// New returns a Handler for cfg.
func New(cfg Config) *Handler {
	if cfg.Prefix == "" {
		cfg.Prefix = "/drophero/callback"
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	return &Handler{cfg: cfg}
}

// Mount registers the two callback routes, for every HTTP method, on g.
func (h *Handler) Mount(g *echo.Group) {
	g.Any(h.cfg.Prefix+"/:token/:kind", h.serve)
}

func (h *Handler) serve(c echo.Context) error {
	kind := c.Param("kind")
	if kind != dh.CallbackProducts && kind != dh.CallbackOrders {
		return c.NoContent(http.StatusNotFound)
	}
	// The body means nothing; read a bounded amount so the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(c.Request().Body, 64<<10))
	err := h.cfg.Service.Callback(c.Request().Context(), kind, c.Param("token"))
	switch {
	case errors.Is(err, dh.ErrUnknownToken):
		return c.NoContent(http.StatusNotFound)
	case err != nil:
		h.cfg.Logger.Error("drophero callback could not be queued", zap.String("kind", kind), zap.Error(err))
		return c.NoContent(http.StatusServiceUnavailable)
	}
	return c.String(http.StatusOK, "OK")
}
