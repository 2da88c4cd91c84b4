// Package status answers "how is the integration doing?" for the merchant
// control panel (docs/architecture.md#operations).
//
// Most of the answer is derived from tables shopbridge keeps anyway: the
// outbox (backlog and dead jobs), the imported Shopgate orders (last
// import) and the DropHero settings row (last sync and callbacks). What no
// table holds — the last catalogue export, the last Merchant API error and
// the progress of long work — is written to the small shopbridge_status
// table (gormmodels.StatusEntry) by a [Service]: its hooks only note the
// value in memory and a background goroutine writes it, so no request
// waits for the write. Every process of an installation writes to the same
// table, so any process's panel shows the same overview.
package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/progress"
)

// Reader is what the control panel reads.
type Reader interface {
	// Overview returns the current status.
	Overview(ctx context.Context) (Overview, error)
}

// Overview is the status of every integration, in values the panel puts
// into plain words. A nil pointer means "never happened" (or the
// integration is not in use).
type Overview struct {
	// CatalogExport is the last completed catalogue export request.
	CatalogExport *Export `json:"catalog_export,omitempty"`
	// OrderImport is the last imported Shopgate order.
	OrderImport *OrderImport `json:"order_import,omitempty"`
	// Outbox is the backlog and the dead jobs by kind, sorted by kind.
	Outbox []OutboxKind `json:"outbox"`
	// DeadJobs are the most recent dead jobs (up to 20), for the retry
	// button (outbox.Retry).
	DeadJobs []outbox.DeadJob `json:"dead_jobs,omitempty"`
	// DropHero is the state of the DropHero integration (nil: no account).
	DropHero *DropHero `json:"drophero,omitempty"`
	// MerchantAPIError is the last failed Merchant API call.
	MerchantAPIError *CallError `json:"merchant_api_error,omitempty"`
	// Progress is the long work running now or finished last, by name.
	Progress []progress.Snapshot `json:"progress,omitempty"`
}

// Export describes a completed catalogue export request.
type Export struct {
	Action   string        `json:"action"` // get_items, get_categories or get_reviews
	At       time.Time     `json:"at"`
	Duration time.Duration `json:"duration"`
	Records  int           `json:"records"`
}

// OrderImport describes the last order import.
type OrderImport struct {
	At          time.Time `json:"at"`
	OrderNumber string    `json:"order_number"`
	// Total is how many Shopgate orders were imported so far.
	Total int64 `json:"total"`
}

// OutboxKind is the outbox state of one job kind.
type OutboxKind struct {
	Kind string `json:"kind"`
	// Waiting counts pending and running jobs; OldestWaiting is the
	// creation time of the oldest of them (zero when none).
	Waiting       int64     `json:"waiting"`
	OldestWaiting time.Time `json:"oldest_waiting"`
	// Dead counts the jobs that failed for good.
	Dead int64 `json:"dead"`
}

// DropHero is the state of the DropHero account.
type DropHero struct {
	// InstallState is the installation state (dropship's DropHero* states).
	InstallState string `json:"install_state"`
	// LastSyncAt and LastSyncResult describe the last catalogue sync.
	LastSyncAt     *time.Time `json:"last_sync_at,omitempty"`
	LastSyncResult string     `json:"last_sync_result,omitempty"`
	// LastError is the latest installation or API problem.
	LastError string `json:"last_error,omitempty"`
	// LastCallbackAt is the latest callback of either kind.
	LastProductsCallbackAt *time.Time `json:"last_products_callback_at,omitempty"`
	LastOrdersCallbackAt   *time.Time `json:"last_orders_callback_at,omitempty"`
}

// CallError describes a failed Merchant API call (no error text: it is
// not needed to see that and when calls fail, and cannot leak anything).
type CallError struct {
	Action  string    `json:"action"`
	Outcome string    `json:"outcome"` // a shopgate.Outcome* value
	At      time.Time `json:"at"`
}

// Entry keys of the shopbridge_status table.
const (
	keyExport      = "catalog_export"
	keyMerchantErr = "merchant_api_error"
	keyProgress    = "progress."
)

// Config configures [New].
type Config struct {
	// DB holds shopbridge's tables. Required.
	DB *gorm.DB
	// Logger receives write failures. Default: none.
	Logger *zap.Logger
}

// Service records and reads the status. It implements [Reader]. Its hooks
// (PluginAPI, MerchantAPI, ReportProgress) never block on the database.
type Service struct {
	db  *gorm.DB
	log *zap.Logger

	writeMu sync.Mutex // one write at a time, so Flush sees earlier notes written
	mu      sync.Mutex
	pending map[string]any
	wake    chan struct{}
	closed  chan struct{}
	done    chan struct{}
	once    sync.Once
}

// New returns a Service writing in a background goroutine until Close.
func New(cfg Config) (*Service, error) {
	if cfg.DB == nil {
		return nil, errors.New("status: Config.DB is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	s := &Service{db: cfg.DB, log: cfg.Logger, pending: map[string]any{},
		wake: make(chan struct{}, 1), closed: make(chan struct{}), done: make(chan struct{})}
	go s.writer()
	return s, nil
}

// Close writes what is still pending and stops the writer.
func (s *Service) Close() error {
	s.once.Do(func() { close(s.closed) })
	<-s.done
	return nil
}

// Flush writes what is pending now (for tests and before a shutdown).
func (s *Service) Flush(ctx context.Context) error { return s.write(ctx) }

func (s *Service) note(key string, v any) {
	s.mu.Lock()
	s.pending[key] = v
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) writer() {
	defer close(s.done)
	for {
		select {
		case <-s.wake:
			if err := s.write(context.Background()); err != nil {
				s.log.Warn("status: write failed", zap.Error(err))
			}
		case <-s.closed:
			if err := s.write(context.Background()); err != nil {
				s.log.Warn("status: write failed", zap.Error(err))
			}
			return
		}
	}
}

func (s *Service) write(ctx context.Context) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	batch := s.pending
	s.pending = map[string]any{}
	s.mu.Unlock()
	var errs []error
	for k, v := range batch {
		b, err := json.Marshal(v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		row := gormmodels.StatusEntry{Key: k, Data: string(b), UpdatedAt: time.Now().UTC()}
		err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "key"}},
			DoUpdates: clause.AssignmentColumns([]string{"data", "updated_at"}),
		}).Create(&row).Error
		if err != nil {
			errs = append(errs, fmt.Errorf("status: write %s: %w", k, err))
		}
	}
	return errors.Join(errs...)
}

// PluginAPI has the signature of pluginapi.Config.Observe: it notes
// completed catalogue exports.
func (s *Service) PluginAPI(action string, code, records int, d time.Duration) {
	switch action {
	case "get_items", "get_categories", "get_reviews":
		if code == 0 {
			s.note(keyExport, Export{Action: action, At: time.Now().UTC(), Duration: d, Records: records})
		}
	}
}

// MerchantAPI has the signature of shopgate.ClientConfig.Observe: it notes
// failed Merchant API calls.
func (s *Service) MerchantAPI(action, outcome string, _ time.Duration) {
	if outcome != "ok" {
		s.note(keyMerchantErr, CallError{Action: action, Outcome: outcome, At: time.Now().UTC()})
	}
}

// ReportProgress has the signature of progress.Config.Report: it notes
// the snapshot of long work under its name.
func (s *Service) ReportProgress(p progress.Snapshot) { s.note(keyProgress+p.Name, p) }

// Overview implements [Reader]. Each part is read with a cheap query; a
// table the installation does not use (no DropHero) leaves its part nil.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	var o Overview
	db := s.db.WithContext(ctx)

	var entries []gormmodels.StatusEntry
	if err := db.Find(&entries).Error; err != nil {
		return o, fmt.Errorf("status: read entries: %w", err)
	}
	for _, e := range entries {
		var err error
		switch {
		case e.Key == keyExport:
			o.CatalogExport = &Export{}
			err = json.Unmarshal([]byte(e.Data), o.CatalogExport)
		case e.Key == keyMerchantErr:
			o.MerchantAPIError = &CallError{}
			err = json.Unmarshal([]byte(e.Data), o.MerchantAPIError)
		case strings.HasPrefix(e.Key, keyProgress):
			var p progress.Snapshot
			if err = json.Unmarshal([]byte(e.Data), &p); err == nil {
				if p.Stale(time.Now()) {
					// Its process died mid-way (crash, SIGKILL): it is not
					// running any more (docs/operations.md#crash-safety).
					p.Interrupted, p.ETA = true, 0
				}
				o.Progress = append(o.Progress, p)
			}
		}
		if err != nil {
			return o, fmt.Errorf("status: entry %s: %w", e.Key, err)
		}
	}

	groups, err := outbox.Backlog(ctx, s.db)
	if err != nil {
		return o, fmt.Errorf("status: outbox: %w", err)
	}
	byKind := map[string]int{}
	for _, g := range groups {
		i, ok := byKind[g.Kind]
		if !ok {
			i = len(o.Outbox)
			byKind[g.Kind] = i
			o.Outbox = append(o.Outbox, OutboxKind{Kind: g.Kind})
		}
		k := &o.Outbox[i]
		if g.State == gormmodels.OutboxDead {
			k.Dead += g.Count
			continue
		}
		k.Waiting += g.Count
		if k.OldestWaiting.IsZero() || (!g.Oldest.IsZero() && g.Oldest.Before(k.OldestWaiting)) {
			k.OldestWaiting = g.Oldest
		}
	}
	sortKinds(o.Outbox)
	if o.DeadJobs, err = outbox.DeadJobs(ctx, s.db, 20); err != nil {
		return o, err
	}

	if s.db.Migrator().HasTable(&gormmodels.ShopgateOrder{}) {
		var last gormmodels.ShopgateOrder
		res := db.Order("id DESC").Limit(1).Find(&last)
		if res.Error != nil {
			return o, fmt.Errorf("status: last order import: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			o.OrderImport = &OrderImport{At: last.CreatedAt, OrderNumber: last.OrderNumber}
			if err := db.Model(&gormmodels.ShopgateOrder{}).Count(&o.OrderImport.Total).Error; err != nil {
				return o, fmt.Errorf("status: order count: %w", err)
			}
		}
	}

	if s.db.Migrator().HasTable(&gormmodels.DropHeroSettings{}) {
		var st gormmodels.DropHeroSettings
		res := db.Where("id = 1").Limit(1).Find(&st)
		if res.Error != nil {
			return o, fmt.Errorf("status: drophero: %w", res.Error)
		}
		if res.RowsAffected == 1 && st.InstallState != "" {
			// Keys and tokens are never copied: only states and times.
			o.DropHero = &DropHero{InstallState: st.InstallState, LastSyncAt: st.LastSyncAt, LastSyncResult: st.LastSyncResult,
				LastError: st.LastError, LastProductsCallbackAt: st.LastProductsCallbackAt, LastOrdersCallbackAt: st.LastOrdersCallbackAt}
		}
	}
	return o, nil
}

func sortKinds(ks []OutboxKind) {
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j].Kind < ks[j-1].Kind; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
}
