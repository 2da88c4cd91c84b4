package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/adapters/pglogs"
	"github.com/shopbridge/shopbridge/metrics"
	"github.com/shopbridge/shopbridge/shopgate/logs"
)

// Where the Plugin API logs are kept (Config.PluginLogs, env
// SHOPBRIDGE_PLUGIN_LOGS; docs/operations.md#plugin-api-logs-in-postgresql).
const (
	// PluginLogsAuto keeps them in PostgreSQL when the database is
	// PostgreSQL (several processes share them), else in files.
	PluginLogsAuto = ""
	// PluginLogsFiles keeps them in size-rotated files under DataDir.
	PluginLogsFiles = "files"
	// PluginLogsPostgres keeps them in the shopbridge_plugin_log_lines
	// table; the database must be PostgreSQL.
	PluginLogsPostgres = "postgres"
)

// pluginLogCloseTimeout bounds writing the last queued log lines at
// shutdown.
const pluginLogCloseTimeout = 5 * time.Second

// openPluginLogs opens the log set of the first shop and remembers the
// shared store, if any, for the other shops (pluginLogsOf). The store is
// flushed and closed when the app closes, after the Plugin API handler.
func (a *App) openPluginLogs(shopNumber string) (*logs.Set, error) {
	mode := a.pluginLogs
	if mode == PluginLogsAuto {
		mode = PluginLogsFiles
		if a.DB.Dialector.Name() == "postgres" {
			mode = PluginLogsPostgres
		}
	}
	switch mode {
	case PluginLogsFiles:
		ls, err := logs.Open(filepath.Join(a.DataDir, "shopgate-logs"), logs.Options{Tee: a.Log})
		if err != nil {
			return nil, err
		}
		a.OnClose(func() { ls.Close() })
		return ls, nil
	case PluginLogsPostgres:
		st, err := pglogs.New(pglogs.Config{DB: a.DB, Process: a.instance, Logger: a.Log})
		if err != nil {
			return nil, fmt.Errorf("plugin logs: %w", err)
		}
		a.OnClose(func() {
			ctx, cancel := context.WithTimeout(context.Background(), pluginLogCloseTimeout)
			defer cancel()
			if err := st.Close(ctx); err != nil {
				a.Log.Warn("plugin logs: last lines not written", zap.Error(err))
			}
		})
		a.pluginLogStore = st
		// Its counters on /metrics (docs/operations.md#plugin-api-log-metrics).
		if err := a.metrics.WatchPluginLogs(func() metrics.PluginLogStats {
			s := st.Stats()
			return metrics.PluginLogStats{Written: s.Written, Dropped: s.Dropped, Failed: s.Failed, Failing: s.Failing}
		}); err != nil {
			return nil, fmt.Errorf("plugin logs: %w", err)
		}
		a.Log.Info("plugin logs: shared in PostgreSQL", zap.String("process", st.Process()))
		return logs.OpenSink(st.Sink(shopNumber), logs.Options{Tee: a.Log}), nil
	}
	return nil, fmt.Errorf("plugin logs: unknown mode %q (want files or postgres)", mode)
}

// pluginLogsOf returns the shared log set of another shop, or nil when
// the logs are files (the Plugin API handler then opens them itself).
func (a *App) pluginLogsOf(shopNumber string) *logs.Set {
	if a.pluginLogStore == nil {
		return nil
	}
	return logs.OpenSink(a.pluginLogStore.Sink(shopNumber), logs.Options{Tee: a.Log})
}
