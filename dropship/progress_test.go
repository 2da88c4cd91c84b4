package dropship_test

import (
	"sync"
	"testing"

	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/progress"
)

// A full sync reports a total (the links of the last sync as the first
// estimate), so the panel shows "x of N" and an ETA
// (docs/protocol/drophero.md#sync-progress).
func TestFullSyncProgressHasTotal(t *testing.T) {
	e := newEnv(t, true)
	e.install()
	var links int64
	e.db.Model(&gormmodels.DropHeroLink{}).Where("active = ?", true).Count(&links)
	if links == 0 {
		t.Fatal("no links after the install")
	}
	var mu sync.Mutex
	var last progress.Snapshot
	cfg := e.cfg
	cfg.OnProgress = func(s progress.Snapshot) { mu.Lock(); last = s; mu.Unlock() }
	svc, err := dropship.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SyncCatalog(e.ctx, true); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !last.Finished || last.Total < links || last.Total < last.Done || last.Done == 0 {
		t.Errorf("last snapshot %+v, want finished with a total ≥ %d links", last, links)
	}
}
