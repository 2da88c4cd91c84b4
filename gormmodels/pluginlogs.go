package gormmodels

import "time"

// PluginLogLine is one line of a Plugin API log (access, request, error or
// debug) of one shop, written by one of possibly several processes when
// the logs are shared through the database
// (docs/protocol/plugin-api.md#cluster-wide-logs). Line holds the encoded
// line as the log file would have it, tagged with its process. The store
// over it is adapters/pglogs; the index serves both the tail read (newest
// first per shop and kind) and pruning.
type PluginLogLine struct {
	ID   int64     `gorm:"primaryKey;autoIncrement;index:idx_shopbridge_plugin_log_tail,priority:4"`
	Shop string    `gorm:"size:32;not null;index:idx_shopbridge_plugin_log_tail,priority:1"`
	Kind string    `gorm:"size:8;not null;index:idx_shopbridge_plugin_log_tail,priority:2"`
	At   time.Time `gorm:"not null;index:idx_shopbridge_plugin_log_tail,priority:3"`
	Line []byte    `gorm:"not null"`
}

// TableName implements gorm's Tabler.
func (PluginLogLine) TableName() string { return "shopbridge_plugin_log_lines" }

func init() { register(&PluginLogLine{}) }
