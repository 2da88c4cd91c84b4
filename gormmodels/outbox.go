package gormmodels

import "time"

// Outbox job states. A job moves pending → running → done, or back to
// pending for a retry, or to dead when it failed permanently or ran out of
// attempts. A pending job that a newer enqueue with the same Kind and Key
// replaced while it was running ends as superseded.
const (
	OutboxPending    = "pending"
	OutboxRunning    = "running"
	OutboxDone       = "done"
	OutboxDead       = "dead"
	OutboxSuperseded = "superseded"
)

// OutboxJob is one row of the durable outbox: an outgoing call (for example
// a Merchant API request) written in the same transaction as the host change
// that caused it, and sent later by outbox.Worker.
//
// The partial unique index on (kind, coalesce_key) over pending rows makes
// coalescing race-free: a second enqueue with the same Kind and Key updates
// the pending row instead of adding one. Running rows are outside the index,
// so a change made while a job is in flight is queued as a new job.
type OutboxJob struct {
	ID uint64 `gorm:"primaryKey"`
	// Kind names the handler (e.g. "shopgate.set_order_shipping_completed").
	Kind string `gorm:"size:100;not null;uniqueIndex:ux_shopbridge_outbox_pending_key,where:state = 'pending' AND coalesce_key <> ''"`
	// Key is the coalescing key; empty means the job never coalesces.
	Key string `gorm:"column:coalesce_key;size:191;not null;default:'';uniqueIndex:ux_shopbridge_outbox_pending_key"`
	// Payload is the JSON document handed to the handler.
	Payload string `gorm:"type:text;not null"`
	// State is one of the Outbox* constants.
	State string `gorm:"size:16;not null;index:ix_shopbridge_outbox_due,priority:1"`
	// NotBefore is the earliest time the job may be claimed (backoff).
	NotBefore time.Time `gorm:"not null;index:ix_shopbridge_outbox_due,priority:2"`
	// Attempts counts claims, including the one in progress.
	Attempts int `gorm:"not null;default:0"`
	// ClaimToken identifies the current claim; only its holder may finish it.
	ClaimToken string `gorm:"size:64;not null;default:''"`
	// LeaseUntil is when a running job whose worker died becomes claimable again.
	LeaseUntil *time.Time
	// LastError is the error of the latest failed attempt.
	LastError string `gorm:"type:text;not null;default:''"`
	// CreatedAt is when the job was first enqueued.
	CreatedAt time.Time
	// UpdatedAt is the last state change.
	UpdatedAt time.Time
	// DoneAt is when the job reached done, dead or superseded.
	DoneAt *time.Time
}

// TableName implements gorm's tabler.
func (OutboxJob) TableName() string { return "shopbridge_outbox_jobs" }

func init() { register(&OutboxJob{}) }
