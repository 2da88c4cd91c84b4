package progress

import (
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestTrackerLogsAtIntervalWithRateAndETA(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	var mu sync.Mutex
	var reports []Snapshot
	tr := Start(Config{Name: "catalog_export", Total: 1000, Logger: zap.New(core), Interval: 20 * time.Millisecond,
		Report: func(s Snapshot) { mu.Lock(); reports = append(reports, s); mu.Unlock() }})
	for i := 0; i < 10; i++ {
		tr.Add(10)
		time.Sleep(10 * time.Millisecond)
	}
	mid := tr.Snapshot()
	if mid.Done != 100 || mid.Rate <= 0 || mid.ETA <= 0 {
		t.Fatalf("mid snapshot %+v", mid)
	}
	last := tr.Finish(nil)
	if !last.Finished || last.Done != 100 || last.Failed {
		t.Fatalf("last %+v", last)
	}
	if tr.Finish(nil).Name != "" {
		t.Fatal("second Finish reported again")
	}
	if n := logs.FilterMessage("progress").Len(); n < 2 {
		t.Fatalf("%d progress lines", n)
	}
	if logs.FilterMessage("progress: finished").Len() != 1 {
		t.Fatal("no final line")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) < 3 || !reports[len(reports)-1].Finished {
		t.Fatalf("reports %+v", reports)
	}
}

// Work shorter than one interval logs nothing but is still reported.
func TestShortWorkLogsNothing(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	var reports []Snapshot
	tr := Start(Config{Name: "catalog_export", Logger: zap.New(core), Interval: time.Hour,
		Report: func(s Snapshot) { reports = append(reports, s) }})
	tr.Add(3)
	tr.Finish(nil)
	if logs.Len() != 0 {
		t.Fatalf("%d log lines", logs.Len())
	}
	if len(reports) != 2 || reports[1].Done != 3 || !reports[1].Finished {
		t.Fatalf("reports %+v", reports)
	}
}

// SetTotal refines an estimated total while the work runs (never below the
// records done).
func TestSetTotal(t *testing.T) {
	tr := Start(Config{Name: "drophero_sync", Interval: time.Hour})
	defer tr.Finish(nil)
	tr.Add(50)
	time.Sleep(5 * time.Millisecond)
	if s := tr.Snapshot(); s.Total != 0 || s.ETA != 0 {
		t.Fatalf("unknown total: %+v", s)
	}
	tr.SetTotal(200)
	if s := tr.Snapshot(); s.Total != 200 {
		t.Errorf("estimated total: %+v", s)
	}
	tr.SetTotal(10)
	if s := tr.Snapshot(); s.Total != 50 {
		t.Errorf("total below done: %d", s.Total)
	}
}
