package gormmodels

import "time"

// StatusEntry is one line of the operations status the control panel
// shows and that no other table holds: the last catalogue export, the last
// Merchant API error, the progress of long work. Data is a JSON document
// whose shape the key decides; package status writes and reads it. Every
// process of an installation writes here, so the panel of any of them
// shows the same state.
type StatusEntry struct {
	// Key names the entry, e.g. "catalog_export" or "progress.drophero_sync".
	Key       string `gorm:"primaryKey;size:100"`
	Data      string `gorm:"type:text;not null"`
	UpdatedAt time.Time
}

// TableName implements gorm's tabler.
func (StatusEntry) TableName() string { return "shopbridge_status" }

func init() { register(&StatusEntry{}) }
