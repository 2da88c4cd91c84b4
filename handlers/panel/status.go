package panel

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/status"
)

// StatusSource feeds the Overview page. A host may plug in a richer source
// (e.g. one that also knows the last catalogue export); DBStatus reads what
// shopbridge's own tables know.
type StatusSource interface {
	Overview(ctx context.Context) (Overview, error)
}

// Overview is the health of every integration.
type Overview struct {
	// LastExport is the last catalogue export (nil: unknown).
	LastExport *Event
	// LastImport is the last imported Shopgate order (nil: none).
	LastImport *Event
	// Outbox counts the delivery queue; DeadJobs lists failed jobs.
	Outbox   OutboxCounts
	DeadJobs []DeadJob
	// LastDropHeroSync and LastDropHeroCallback (nil: never).
	LastDropHeroSync     *Event
	LastDropHeroCallback *time.Time
	// LastMerchantError is the last failed Merchant API delivery (nil: none known).
	LastMerchantError *Event
	// Running is long work in progress.
	Running []Progress
}

// Event is something that happened: when, whether it went well, and a
// short description.
type Event struct {
	At       time.Time
	OK       bool
	Text     string
	Duration time.Duration // 0 = unknown
	Items    int           // -1 = unknown
}

// OutboxCounts counts outbox jobs by state.
type OutboxCounts struct {
	Pending, Running, Dead int64
	// OldestPending is when the oldest pending job was enqueued (nil: none).
	OldestPending *time.Time
}

// DeadJob is an outbox job that gave up.
type DeadJob struct {
	ID        uint64
	Kind      string
	Attempts  int
	LastError string
	At        time.Time
}

// Progress is long work in progress (or finished last).
type Progress struct {
	What    string
	Done    int64
	Total   int64 // 0 = unknown
	Started time.Time
	// Rate is records per second (0 = unknown); ETA the estimated time
	// left (0 = unknown).
	Rate float64
	ETA  time.Duration
	// Finished is set when the work ended; Failed when it ended with an
	// error; Interrupted when its process stopped without finishing it.
	Finished, Failed, Interrupted bool
}

// DBStatus is the default StatusSource: it reads the outbox, the Shopgate
// orders and the DropHero settings tables. It does not know exports or
// progress.
type DBStatus struct {
	DB *gorm.DB
}

// Overview implements StatusSource.
func (s DBStatus) Overview(ctx context.Context) (Overview, error) {
	db := s.DB.WithContext(ctx)
	var o Overview
	type count struct {
		State string
		N     int64
	}
	var counts []count
	if err := db.Model(&gormmodels.OutboxJob{}).Select("state, count(*) AS n").
		Where("state IN ?", []string{gormmodels.OutboxPending, gormmodels.OutboxRunning, gormmodels.OutboxDead}).
		Group("state").Scan(&counts).Error; err != nil {
		return o, err
	}
	for _, c := range counts {
		switch c.State {
		case gormmodels.OutboxPending:
			o.Outbox.Pending = c.N
		case gormmodels.OutboxRunning:
			o.Outbox.Running = c.N
		case gormmodels.OutboxDead:
			o.Outbox.Dead = c.N
		}
	}
	var oldest []gormmodels.OutboxJob
	if err := db.Select("created_at").Where("state = ?", gormmodels.OutboxPending).Order("created_at").Limit(1).Find(&oldest).Error; err != nil {
		return o, err
	}
	if len(oldest) == 1 {
		o.Outbox.OldestPending = &oldest[0].CreatedAt
	}
	var dead []gormmodels.OutboxJob
	if err := db.Select("id", "kind", "attempts", "last_error", "updated_at").Where("state = ?", gormmodels.OutboxDead).
		Order("id DESC").Limit(20).Find(&dead).Error; err != nil {
		return o, err
	}
	for _, j := range dead {
		o.DeadJobs = append(o.DeadJobs, DeadJob{ID: j.ID, Kind: j.Kind, Attempts: j.Attempts, LastError: j.LastError, At: j.UpdatedAt})
	}
	var last []gormmodels.ShopgateOrder
	if err := db.Select("order_number", "created_at").Order("id DESC").Limit(1).Find(&last).Error; err != nil {
		return o, err
	}
	if len(last) == 1 {
		o.LastImport = &Event{At: last[0].CreatedAt, OK: true, Text: last[0].OrderNumber, Items: -1}
	}
	var failed []gormmodels.OutboxJob
	if err := db.Select("kind", "last_error", "updated_at").Where("kind LIKE ? AND last_error <> ''", "shopgate.%").
		Order("updated_at DESC").Limit(1).Find(&failed).Error; err != nil {
		return o, err
	}
	if len(failed) == 1 {
		o.LastMerchantError = &Event{At: failed[0].UpdatedAt, Text: failed[0].Kind + ": " + failed[0].LastError, Items: -1}
	}
	var dh []gormmodels.DropHeroSettings
	if err := db.Where("id = 1").Limit(1).Find(&dh).Error; err != nil {
		return o, err
	}
	if len(dh) == 1 {
		st := dh[0]
		if st.LastSyncAt != nil {
			o.LastDropHeroSync = &Event{At: *st.LastSyncAt, OK: st.LastSyncResult != "" && st.LastSyncResult[0] == 'o', Text: st.LastSyncResult, Items: -1}
		}
		for _, t := range []*time.Time{st.LastProductsCallbackAt, st.LastOrdersCallbackAt} {
			if t != nil && (o.LastDropHeroCallback == nil || t.After(*o.LastDropHeroCallback)) {
				o.LastDropHeroCallback = t
			}
		}
	}
	return o, nil
}

// ErrNotDead is returned by Retry for a job that is not dead.
var ErrNotDead = errors.New("panel: the job is not a failed job")

// Retry moves the dead outbox job id back to pending, due now, with its
// attempts reset.
func (s DBStatus) Retry(ctx context.Context, id uint64) error {
	res := s.DB.WithContext(ctx).Model(&gormmodels.OutboxJob{}).Where("id = ? AND state = ?", id, gormmodels.OutboxDead).
		Updates(map[string]any{"state": gormmodels.OutboxPending, "not_before": time.Now().UTC(), "attempts": 0,
			"done_at": nil, "claim_token": "", "updated_at": time.Now().UTC()})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrNotDead
	}
	return nil
}

// StatusFrom adapts the status package's Reader (e.g. a *status.Service,
// which also knows the last catalogue export, the last Merchant API error
// and the progress of long work) to the panel's StatusSource.
func StatusFrom(r status.Reader) StatusSource { return statusReader{r} }

type statusReader struct{ r status.Reader }

// Overview implements StatusSource.
func (s statusReader) Overview(ctx context.Context) (Overview, error) {
	so, err := s.r.Overview(ctx)
	if err != nil {
		return Overview{}, err
	}
	return fromStatus(so), nil
}

// fromStatus maps status.Overview onto the panel's Overview.
func fromStatus(so status.Overview) Overview {
	var o Overview
	if e := so.CatalogExport; e != nil {
		o.LastExport = &Event{At: e.At, OK: true, Text: e.Action, Duration: e.Duration, Items: e.Records}
	}
	if i := so.OrderImport; i != nil {
		o.LastImport = &Event{At: i.At, OK: true, Text: i.OrderNumber, Items: -1}
	}
	for _, k := range so.Outbox {
		o.Outbox.Pending += k.Waiting
		o.Outbox.Dead += k.Dead
		if k.Waiting > 0 && !k.OldestWaiting.IsZero() && (o.Outbox.OldestPending == nil || k.OldestWaiting.Before(*o.Outbox.OldestPending)) {
			t := k.OldestWaiting
			o.Outbox.OldestPending = &t
		}
	}
	for _, j := range so.DeadJobs {
		at := j.CreatedAt
		if j.DoneAt != nil {
			at = *j.DoneAt
		}
		o.DeadJobs = append(o.DeadJobs, DeadJob{ID: j.ID, Kind: j.Kind, Attempts: j.Attempts, LastError: j.LastError, At: at})
	}
	if dh := so.DropHero; dh != nil {
		if dh.LastSyncAt != nil {
			r := dh.LastSyncResult
			o.LastDropHeroSync = &Event{At: *dh.LastSyncAt, OK: r != "" && r[0] == 'o', Text: r, Items: -1}
		}
		for _, t := range []*time.Time{dh.LastProductsCallbackAt, dh.LastOrdersCallbackAt} {
			if t != nil && (o.LastDropHeroCallback == nil || t.After(*o.LastDropHeroCallback)) {
				o.LastDropHeroCallback = t
			}
		}
	}
	if e := so.MerchantAPIError; e != nil {
		o.LastMerchantError = &Event{At: e.At, Text: e.Action + ": " + e.Outcome, Items: -1}
	}
	for _, p := range so.Progress {
		o.Running = append(o.Running, Progress{What: p.Name, Done: p.Done, Total: p.Total, Started: p.Started,
			Rate: p.Rate, ETA: p.ETA, Finished: p.Finished, Failed: p.Failed, Interrupted: p.Interrupted})
	}
	return o
}
