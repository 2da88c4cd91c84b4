// Package metrics exposes shopbridge's Prometheus metrics under the
// shopbridge_ prefix (docs/architecture.md#operations).
//
// The protocol packages know nothing of it: their clients take plain
// observer functions in their configuration, and this package provides
// them.
//
//	m, _ := metrics.New(metrics.Config{DB: db})
//	shopgate.ClientConfig{..., Observe: m.MerchantAPI}
//	drophero.Config{..., Observe: m.DropHero, GateWait: m.DropHeroGateWait, GateRefused: m.DropHeroGateRefused}
//	pluginapi.Config{..., Observe: m.PluginAPI}
//	middleware.MobileRedirectConfig{..., Counters: m.RedirectCounters()}
//	m.Mount(adminGroup) // GET /metrics
//
// Families (every label value comes from a fixed set; no credential,
// token, key or customer datum is ever a label or a value):
//
//	shopbridge_pluginapi_requests_total{action,code}
//	shopbridge_pluginapi_request_duration_seconds{action}
//	shopbridge_export_records_total{action}
//	shopbridge_export_duration_seconds{action}
//	shopbridge_outbox_backlog_jobs{kind}              pending + running, read at scrape time
//	shopbridge_outbox_oldest_pending_age_seconds{kind}
//	shopbridge_outbox_dead_jobs{kind}
//	shopbridge_merchantapi_calls_total{action,outcome}
//	shopbridge_merchantapi_call_duration_seconds{action}
//	shopbridge_drophero_requests_total{endpoint,outcome}
//	shopbridge_drophero_request_duration_seconds{endpoint}
//	shopbridge_drophero_gate_wait_seconds
//	shopbridge_drophero_gate_delayed_total            attempts held back ≥ 100 ms
//	shopbridge_drophero_gate_refused_total{reason}    attempts the gate ended unsent
//	shopbridge_redirect_decisions_total{outcome}
//
// With [Metrics.WatchSettings] and [Metrics.WatchPluginLogs] (several
// processes on one PostgreSQL, docs/operations.md#settings-watcher-state):
//
//	shopbridge_settings_listening
//	shopbridge_settings_last_applied_timestamp_seconds
//	shopbridge_settings_applied_total{cause,outcome}
//	shopbridge_plugin_log_lines_total{outcome}        written, dropped, failed
//	shopbridge_plugin_log_failing
//
// The outbox families are collected with one grouped query per scrape,
// bounded by Config.ScrapeTimeout, so several processes sharing a
// database all report the same backlog.
package metrics

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/middleware"
	"github.com/shopbridge/shopbridge/outbox"
)

// Namespace prefixes every metric name.
const Namespace = "shopbridge"

// Config configures [New].
type Config struct {
	// Registry receives the collectors. Default: a new registry with the
	// Go runtime and process collectors (never the global default
	// registry, so that two shops in one binary, or tests, do not clash).
	Registry *prometheus.Registry
	// DB is the database whose outbox is reported at scrape time.
	// Optional: without it the outbox families are absent.
	DB *gorm.DB
	// ScrapeTimeout bounds the outbox query of one scrape. Default 2s.
	ScrapeTimeout time.Duration
}

// Metrics holds the collectors. Its methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	pluginRequests *prometheus.CounterVec
	pluginDuration *prometheus.HistogramVec
	exportRecords  *prometheus.CounterVec
	exportDuration *prometheus.HistogramVec
	merchantCalls  *prometheus.CounterVec
	merchantDur    *prometheus.HistogramVec
	dhRequests     *prometheus.CounterVec
	dhDuration     *prometheus.HistogramVec
	dhGateWait     prometheus.Histogram
	dhGateDelayed  prometheus.Counter
	dhGateRefused  *prometheus.CounterVec
	redirect       middleware.RedirectCounters

	settingsApplied *prometheus.CounterVec // registered by WatchSettings
}

// New builds the collectors and registers them in cfg.Registry.
func New(cfg Config) (*Metrics, error) {
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		if err := reg.Register(collectors.NewGoCollector()); err != nil {
			return nil, err
		}
		if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
			return nil, err
		}
	}
	if cfg.ScrapeTimeout <= 0 {
		cfg.ScrapeTimeout = 2 * time.Second
	}
	callBuckets := []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
	m := &Metrics{reg: reg, settingsApplied: newSettingsApplied()}
	m.pluginRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "pluginapi", Name: "requests_total",
		Help: "Plugin API requests by action (unknown for names outside the whitelist) and answered error code (0 = success).",
	}, []string{"action", "code"})
	m.pluginDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "pluginapi", Name: "request_duration_seconds",
		Help: "Plugin API request duration by action.", Buckets: callBuckets,
	}, []string{"action"})
	m.exportRecords = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "export", Name: "records_total",
		Help: "Catalogue records written by completed export requests, by action.",
	}, []string{"action"})
	m.exportDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "export", Name: "duration_seconds",
		Help:    "Duration of completed catalogue export requests, by action.",
		Buckets: []float64{.1, .5, 1, 5, 10, 30, 60, 120, 300, 600, 1800},
	}, []string{"action"})
	m.merchantCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "merchantapi", Name: "calls_total",
		Help: "Shopgate Merchant API calls by action and outcome.",
	}, []string{"action", "outcome"})
	m.merchantDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "merchantapi", Name: "call_duration_seconds",
		Help: "Shopgate Merchant API call duration by action.", Buckets: callBuckets,
	}, []string{"action"})
	m.dhRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "drophero", Name: "requests_total",
		Help: "DropHero API attempts by endpoint template and outcome.",
	}, []string{"endpoint", "outcome"})
	m.dhDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "drophero", Name: "request_duration_seconds",
		Help: "DropHero API attempt duration by endpoint template.", Buckets: callBuckets,
	}, []string{"endpoint"})
	m.dhGateWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "drophero", Name: "gate_wait_seconds",
		Help:    "Time DropHero requests waited in the rate-limit gate before being sent.",
		Buckets: []float64{.001, .01, .1, .5, 1, 1.1, 2, 5, 10, 30, 60, 300},
	})
	m.dhGateDelayed = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "drophero", Name: "gate_delayed_total",
		Help: "DropHero attempts the rate-limit gate held back for 100 ms or more (another request in flight or the gap after one).",
	})
	m.dhGateRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "drophero", Name: "gate_refused_total",
		Help: "DropHero attempts the rate-limit gate ended without sending, by reason (circuit_open, cancelled, gate_error).",
	}, []string{"reason"})
	for _, r := range []string{drophero.GateRefusedCircuitOpen, drophero.GateRefusedCancelled, drophero.GateRefusedError} {
		m.dhGateRefused.WithLabelValues(r) // exported as 0 from the start
	}
	decisions := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "redirect", Name: "decisions_total",
		Help: "Mobile Redirect decisions for shop pages by outcome (redirected, opted_out, stayed, failed).",
	}, []string{"outcome"})
	// Pre-resolved: the middleware's hot path increments without a label
	// lookup and without allocating.
	m.redirect = middleware.RedirectCounters{
		Redirected: decisions.WithLabelValues("redirected"),
		OptedOut:   decisions.WithLabelValues("opted_out"),
		Stayed:     decisions.WithLabelValues("stayed"),
		Failed:     decisions.WithLabelValues("failed"),
	}
	cs := []prometheus.Collector{m.pluginRequests, m.pluginDuration, m.exportRecords, m.exportDuration,
		m.merchantCalls, m.merchantDur, m.dhRequests, m.dhDuration, m.dhGateWait, m.dhGateDelayed, m.dhGateRefused, decisions}
	if cfg.DB != nil {
		cs = append(cs, newOutboxCollector(cfg.DB, cfg.ScrapeTimeout))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Registry returns the registry the collectors are in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler returns the scrape handler of the registry.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Registry: m.reg})
}

// Mount adds GET and HEAD /metrics to g. Mount it on a group that is
// protected (the admin group) or reachable on loopback only: the figures
// are not secret but describe the shop's business.
func (m *Metrics) Mount(g *echo.Group) {
	h := echo.WrapHandler(m.Handler())
	g.GET("/metrics", h)
	g.HEAD("/metrics", h)
}

// PluginAPI is the pluginapi.Config.Observe hook. action must already be
// whitelisted by the caller (pluginapi reports others as "unknown").
func (m *Metrics) PluginAPI(action string, code, records int, d time.Duration) {
	m.pluginRequests.WithLabelValues(action, strconv.Itoa(code)).Inc()
	m.pluginDuration.WithLabelValues(action).Observe(d.Seconds())
	if code == 0 && isExport(action) {
		m.exportRecords.WithLabelValues(action).Add(float64(records))
		m.exportDuration.WithLabelValues(action).Observe(d.Seconds())
	}
}

func isExport(action string) bool {
	switch action {
	case "get_items", "get_categories", "get_reviews":
		return true
	}
	return false
}

// MerchantAPI is the shopgate.ClientConfig.Observe hook.
func (m *Metrics) MerchantAPI(action, outcome string, d time.Duration) {
	m.merchantCalls.WithLabelValues(action, outcome).Inc()
	m.merchantDur.WithLabelValues(action).Observe(d.Seconds())
}

// DropHero is the drophero.Config.Observe hook.
func (m *Metrics) DropHero(endpoint, outcome string, d time.Duration) {
	m.dhRequests.WithLabelValues(endpoint, outcome).Inc()
	m.dhDuration.WithLabelValues(endpoint).Observe(d.Seconds())
}

// DropHeroGateWait is the drophero.Config.GateWait hook.
func (m *Metrics) DropHeroGateWait(d time.Duration) {
	m.dhGateWait.Observe(d.Seconds())
	if d >= gateDelayed {
		m.dhGateDelayed.Inc()
	}
}

// gateDelayed is the gate wait from which an attempt counts as delayed:
// longer than the gate's own database round trips.
const gateDelayed = 100 * time.Millisecond

// DropHeroGateRefused is the drophero.Config.GateRefused hook.
func (m *Metrics) DropHeroGateRefused(reason string) {
	switch reason {
	case drophero.GateRefusedCircuitOpen, drophero.GateRefusedCancelled:
	default:
		reason = drophero.GateRefusedError // a fixed label set
	}
	m.dhGateRefused.WithLabelValues(reason).Inc()
}

// RedirectCounters returns the counters for
// middleware.MobileRedirectConfig.Counters.
func (m *Metrics) RedirectCounters() middleware.RedirectCounters { return m.redirect }

// outboxCollector reads the outbox backlog at scrape time.
type outboxCollector struct {
	db      *gorm.DB
	timeout time.Duration
	backlog *prometheus.Desc
	age     *prometheus.Desc
	dead    *prometheus.Desc
}

func newOutboxCollector(db *gorm.DB, timeout time.Duration) *outboxCollector {
	return &outboxCollector{
		db: db, timeout: timeout,
		backlog: prometheus.NewDesc(Namespace+"_outbox_backlog_jobs",
			"Outbox jobs waiting or running, by kind.", []string{"kind"}, nil),
		age: prometheus.NewDesc(Namespace+"_outbox_oldest_pending_age_seconds",
			"Age of the oldest waiting or running outbox job, by kind.", []string{"kind"}, nil),
		dead: prometheus.NewDesc(Namespace+"_outbox_dead_jobs",
			"Outbox jobs that failed for good and wait for the merchant, by kind.", []string{"kind"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (o *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- o.backlog
	ch <- o.age
	ch <- o.dead
}

// Collect implements prometheus.Collector.
func (o *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	groups, err := outbox.Backlog(ctx, o.db)
	if err != nil {
		// The driver's text may name hosts or users: report the failure only.
		ch <- prometheus.NewInvalidMetric(o.backlog, errors.New("outbox backlog not readable"))
		return
	}
	type agg struct {
		backlog, dead float64
		oldest        time.Time
	}
	kinds := map[string]*agg{}
	for _, g := range groups {
		a := kinds[g.Kind]
		if a == nil {
			a = &agg{}
			kinds[g.Kind] = a
		}
		switch g.State {
		case gormmodels.OutboxDead:
			a.dead += float64(g.Count)
		default:
			a.backlog += float64(g.Count)
			if a.oldest.IsZero() || (!g.Oldest.IsZero() && g.Oldest.Before(a.oldest)) {
				a.oldest = g.Oldest
			}
		}
	}
	now := time.Now()
	for kind, a := range kinds {
		ch <- prometheus.MustNewConstMetric(o.backlog, prometheus.GaugeValue, a.backlog, kind)
		ch <- prometheus.MustNewConstMetric(o.dead, prometheus.GaugeValue, a.dead, kind)
		age := 0.0
		if a.backlog > 0 && !a.oldest.IsZero() {
			age = now.Sub(a.oldest).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(o.age, prometheus.GaugeValue, age, kind)
	}
}
