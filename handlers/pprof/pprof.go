// Package pprof serves the Go runtime's profiles (CPU, heap, allocations,
// goroutines, blocking, mutexes, execution traces) over HTTP, so that a
// merchant's production export can be profiled with `go tool pprof`. It
// is off unless the host mounts it, and it is mounted only behind the
// host's own authentication (Config.Guard). See docs/operations.md#pprof.
//
// Unlike importing net/http/pprof, using this package registers nothing
// on http.DefaultServeMux.
package pprof

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Config configures the profile routes.
type Config struct {
	// Prefix is the path of the routes inside the group they are mounted
	// on; default "/debug/pprof".
	Prefix string
	// Guard admits only the shop's operators (e.g. the host's admin
	// login). Required unless Unguarded is set: profiles reveal the
	// program's internals and a CPU profile costs CPU.
	Guard echo.MiddlewareFunc
	// Unguarded mounts the routes without Guard, for a group that is
	// protected otherwise (an internal listener, a guarded group).
	Unguarded bool
	// MaxSeconds bounds the duration of CPU profiles and traces; default
	// 60.
	MaxSeconds int
}

// Handler serves the profile routes.
type Handler struct {
	cfg Config
}

// New returns a Handler for cfg. It fails without Guard unless
// Unguarded is set, and for a Prefix that is not an absolute path.
func New(cfg Config) (*Handler, error) {
	if cfg.Guard == nil && !cfg.Unguarded {
		return nil, errors.New("pprof: Config.Guard is required (or set Unguarded for a group protected otherwise)")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "/debug/pprof"
	}
	if !strings.HasPrefix(cfg.Prefix, "/") {
		return nil, fmt.Errorf("pprof: prefix %q is not an absolute path", cfg.Prefix)
	}
	cfg.Prefix = strings.TrimSuffix(cfg.Prefix, "/")
	if cfg.MaxSeconds <= 0 {
		cfg.MaxSeconds = 60
	}
	return &Handler{cfg: cfg}, nil
}

// Mount registers the routes on g: Prefix+"/" (an index of the
// profiles), Prefix+"/profile?seconds=N" (CPU), Prefix+"/trace?seconds=N"
// (execution trace), Prefix+"/cmdline" and Prefix+"/NAME?debug=N" for
// every runtime profile (heap, allocs, goroutine, block, mutex,
// threadcreate; heap and allocs take gc=1).
func (h *Handler) Mount(g *echo.Group) {
	var mw []echo.MiddlewareFunc
	if h.cfg.Guard != nil {
		mw = append(mw, h.cfg.Guard)
	}
	p := h.cfg.Prefix
	g.GET(p, func(c echo.Context) error { return c.Redirect(http.StatusFound, c.Request().URL.Path+"/") }, mw...)
	g.GET(p+"/", h.index, mw...)
	g.GET(p+"/cmdline", h.cmdline, mw...)
	g.GET(p+"/profile", h.profile, mw...)
	g.GET(p+"/trace", h.trace, mw...)
	g.GET(p+"/:name", h.named, mw...)
}

func noCache(c echo.Context) {
	hd := c.Response().Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
}

// index lists the profiles with links relative to the index page.
func (h *Handler) index(c echo.Context) error {
	noCache(c)
	profiles := pprof.Profiles()
	slices.SortFunc(profiles, func(a, b *pprof.Profile) int { return strings.Compare(a.Name(), b.Name()) })
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><title>profiles</title></head><body>\n<h1>Profiles</h1>\n<table>\n")
	for _, p := range profiles {
		n := html.EscapeString(p.Name())
		fmt.Fprintf(&b, "<tr><td>%d</td><td><a href=\"%s?debug=1\">%s</a></td><td><a href=\"%s\">download</a></td></tr>\n", p.Count(), n, n, n)
	}
	b.WriteString("</table>\n<p><a href=\"profile?seconds=30\">CPU profile (30 s)</a> · <a href=\"trace?seconds=5\">execution trace (5 s)</a> · <a href=\"cmdline\">command line</a></p>\n")
	b.WriteString("<p>go tool pprof URL/profile?seconds=30 · go tool pprof URL/heap</p>\n</body></html>\n")
	return c.HTML(http.StatusOK, b.String())
}

func (h *Handler) cmdline(c echo.Context) error {
	noCache(c)
	return c.String(http.StatusOK, strings.Join(os.Args, "\x00"))
}

// seconds reads ?seconds= (default def), bounded by MaxSeconds.
func (h *Handler) seconds(c echo.Context, def int) (time.Duration, error) {
	s := def
	if v := c.QueryParam("seconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return 0, echo.NewHTTPError(http.StatusBadRequest, "seconds must be a positive integer")
		}
		s = n
	}
	if s > h.cfg.MaxSeconds {
		return 0, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("seconds must not exceed %d", h.cfg.MaxSeconds))
	}
	return time.Duration(s) * time.Second, nil
}

// sleep waits d or until the request is cancelled.
func sleep(c echo.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.Request().Context().Done():
	}
}

func (h *Handler) profile(c echo.Context) error {
	d, err := h.seconds(c, 30)
	if err != nil {
		return err
	}
	noCache(c)
	w := c.Response()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="profile"`)
	if err := pprof.StartCPUProfile(w); err != nil {
		w.Header().Del("Content-Disposition")
		return echo.NewHTTPError(http.StatusConflict, "cannot start a CPU profile: "+err.Error())
	}
	sleep(c, d)
	pprof.StopCPUProfile()
	return nil
}

func (h *Handler) trace(c echo.Context) error {
	d, err := h.seconds(c, 1)
	if err != nil {
		return err
	}
	noCache(c)
	w := c.Response()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="trace"`)
	if err := trace.Start(w); err != nil {
		w.Header().Del("Content-Disposition")
		return echo.NewHTTPError(http.StatusConflict, "cannot start a trace: "+err.Error())
	}
	sleep(c, d)
	trace.Stop()
	return nil
}

func (h *Handler) named(c echo.Context) error {
	name := c.Param("name")
	p := pprof.Lookup(name)
	if p == nil {
		return echo.NewHTTPError(http.StatusNotFound, "unknown profile")
	}
	debug, _ := strconv.Atoi(c.QueryParam("debug"))
	if c.QueryParam("gc") != "" && (name == "heap" || name == "allocs") {
		runtime.GC()
	}
	noCache(c)
	w := c.Response()
	if debug != 0 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
	w.WriteHeader(http.StatusOK)
	return p.WriteTo(w, debug)
}
