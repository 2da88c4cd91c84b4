// Package dropherocallback serves the DropHero callback URLs:
// {prefix}/{token}/products and {prefix}/{token}/orders, where prefix is
// the service's callback prefix (dropship.Config.CallbackPrefix, default
// "/drophero/callback"), configured there once.
//
// A callback carries no data; it only tells the plugin to pull. The handler
// therefore checks the unguessable token (in constant time, inside the
// service), durably enqueues one coalesced sync job and answers exactly 200
// at once. It never calls DropHero itself. Mount these routes outside CSRF,
// session, maintenance and HTTPS-redirect middleware.
package dropherocallback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/dropship"
)

// Callbacks is the part of *dropship.Service the handler needs.
type Callbacks interface {
	// Callback checks token and enqueues the sync of kind
	// (dropship.CallbackProducts or dropship.CallbackOrders); it returns
	// dropship.ErrUnknownToken for a wrong token.
	Callback(ctx context.Context, kind, token string) error
	// CallbackPrefix is the path the callback routes are mounted under,
	// the same the service announces to DropHero.
	CallbackPrefix() string
}

// Config configures the handler group.
type Config struct {
	// Service receives the callbacks and provides the route prefix.
	// Required.
	Service Callbacks
	// Logger; default zap.NewNop(). The token is never logged.
	Logger *zap.Logger
}

// Handler serves the callback routes.
type Handler struct {
	svc    Callbacks
	prefix string
	log    *zap.Logger
}

// New returns a Handler for cfg. It fails when no service is given or the
// service's callback prefix is not an absolute path.
func New(cfg Config) (*Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("dropherocallback: Config.Service is required")
	}
	prefix := cfg.Service.CallbackPrefix()
	if !strings.HasPrefix(prefix, "/") {
		return nil, fmt.Errorf("dropherocallback: callback prefix %q is not an absolute path", prefix)
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	return &Handler{svc: cfg.Service, prefix: strings.TrimSuffix(prefix, "/"), log: cfg.Logger}, nil
}

// Mount registers the two callback routes, for every HTTP method, on g.
func (h *Handler) Mount(g *echo.Group) {
	g.Any(h.prefix+"/:token/:kind", h.serve)
}

func (h *Handler) serve(c echo.Context) error {
	kind := c.Param("kind")
	if kind != dropship.CallbackProducts && kind != dropship.CallbackOrders {
		return c.NoContent(http.StatusNotFound)
	}
	// The body means nothing; read a bounded amount so the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(c.Request().Body, 64<<10))
	err := h.svc.Callback(c.Request().Context(), kind, c.Param("token"))
	switch {
	case errors.Is(err, dropship.ErrUnknownToken):
		return c.NoContent(http.StatusNotFound)
	case err != nil:
		h.log.Error("drophero callback could not be queued", zap.String("kind", kind), zap.Error(err))
		return c.NoContent(http.StatusServiceUnavailable)
	}
	return c.String(http.StatusOK, "OK")
}
