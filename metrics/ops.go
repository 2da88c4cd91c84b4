package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// SettingsState is what a settings watcher (settingsync.Watcher.State)
// reports to [Metrics.WatchSettings].
type SettingsState struct {
	// Listening reports whether PostgreSQL notifications are received now.
	Listening bool
	// LastApplied is when the stored settings were last applied
	// successfully (zero: not since start).
	LastApplied time.Time
}

// settingsCauses are the label values of shopbridge_settings_applied_total
// (settingsync.CauseNotify, CausePoll, CauseListen, CauseStart); anything
// else is reported as "other".
var settingsCauses = []string{"notify", "poll", "listen", "start"}

// WatchSettings adds the settings watcher families
// (docs/operations.md#settings-watcher-state):
//
//	shopbridge_settings_listening                       1 while LISTEN is up, read at scrape time
//	shopbridge_settings_last_applied_timestamp_seconds  Unix time of the last successful apply (0: none)
//	shopbridge_settings_applied_total{cause,outcome}    applies by cause and ok/failed (see SettingsApplied)
//
// state is called at every scrape and must be cheap. Call it once.
func (m *Metrics) WatchSettings(state func() SettingsState) error {
	listening := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "settings", Name: "listening",
		Help: "1 while this process receives PostgreSQL notifications of settings changes; 0 while only the periodic re-read applies them (or on SQLite).",
	}, func() float64 {
		if state().Listening {
			return 1
		}
		return 0
	})
	last := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "settings", Name: "last_applied_timestamp_seconds",
		Help: "Unix time this process last applied the shared settings successfully (0: not since start).",
	}, func() float64 {
		t := state().LastApplied
		if t.IsZero() {
			return 0
		}
		return float64(t.UnixNano()) / 1e9
	})
	for _, c := range []prometheus.Collector{listening, last, m.settingsApplied} {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	for _, cause := range settingsCauses {
		m.settingsApplied.WithLabelValues(cause, "ok")
		m.settingsApplied.WithLabelValues(cause, "failed")
	}
	return nil
}

// SettingsApplied is the settingsync.Config.OnApply hook: it counts one
// apply by cause and outcome.
func (m *Metrics) SettingsApplied(cause string, err error) {
	known := false
	for _, c := range settingsCauses {
		if c == cause {
			known = true
			break
		}
	}
	if !known {
		cause = "other"
	}
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	m.settingsApplied.WithLabelValues(cause, outcome).Inc()
}

func newSettingsApplied() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "settings", Name: "applied_total",
		Help: "Times this process applied the shared settings, by cause (notify, poll, listen, start) and outcome (ok, failed).",
	}, []string{"cause", "outcome"})
}

// PluginLogStats are the counters of the PostgreSQL Plugin API log store
// (adapters/pglogs.Store.Stats) as [Metrics.WatchPluginLogs] reads them.
type PluginLogStats struct {
	// Written lines; Dropped lines lost in all (buffer full, after
	// Close, or write failed); Failed the part of Dropped whose write
	// failed.
	Written, Dropped, Failed int64
	// Failing reports whether the last write failed.
	Failing bool
}

// WatchPluginLogs adds the families of the shared Plugin API log store
// (docs/operations.md#plugin-api-log-metrics), read at scrape time:
//
//	shopbridge_plugin_log_lines_total{outcome}  written, dropped (buffer full or after close), failed (write failed)
//	shopbridge_plugin_log_failing               1 while writes fail
//
// stats is called at every scrape and must be cheap. Call it once.
func (m *Metrics) WatchPluginLogs(stats func() PluginLogStats) error {
	return m.reg.Register(&pluginLogCollector{
		stats: stats,
		lines: prometheus.NewDesc(Namespace+"_plugin_log_lines_total",
			"Plugin API log lines of this process by outcome: written to the shared table, dropped (queue full or after close) or failed (their write failed).",
			[]string{"outcome"}, nil),
		failing: prometheus.NewDesc(Namespace+"_plugin_log_failing",
			"1 while this process's writes of Plugin API log lines fail.", nil, nil),
	})
}

// pluginLogCollector reads PluginLogStats at scrape time.
type pluginLogCollector struct {
	stats          func() PluginLogStats
	lines, failing *prometheus.Desc
}

// Describe implements prometheus.Collector.
func (p *pluginLogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- p.lines
	ch <- p.failing
}

// Collect implements prometheus.Collector.
func (p *pluginLogCollector) Collect(ch chan<- prometheus.Metric) {
	st := p.stats()
	// Dropped counts the failed lines too; each outcome is reported once.
	dropped := max(st.Dropped-st.Failed, 0)
	ch <- prometheus.MustNewConstMetric(p.lines, prometheus.CounterValue, float64(st.Written), "written")
	ch <- prometheus.MustNewConstMetric(p.lines, prometheus.CounterValue, float64(dropped), "dropped")
	ch <- prometheus.MustNewConstMetric(p.lines, prometheus.CounterValue, float64(st.Failed), "failed")
	failing := 0.0
	if st.Failing {
		failing = 1
	}
	ch <- prometheus.MustNewConstMetric(p.failing, prometheus.GaugeValue, failing)
}
