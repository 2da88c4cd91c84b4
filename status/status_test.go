package status_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/progress"
	"github.com/shopbridge/shopbridge/status"
)

func TestOverview(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		if err := gormmodels.Migrate(db); err != nil {
			t.Fatal(err)
		}
		s, err := status.New(status.Config{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var r status.Reader = s
		ctx := context.Background()
		o, err := r.Overview(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if o.CatalogExport != nil || o.OrderImport != nil || o.DropHero != nil || len(o.Outbox) != 0 {
			t.Fatalf("empty install: %+v", o)
		}

		s.PluginAPI("get_items", 0, 30000, 90*time.Second)
		s.PluginAPI("ping", 0, 0, time.Millisecond)
		s.MerchantAPI("get_orders", "ok", time.Second)
		s.MerchantAPI("add_delivery_note", "no_connection", time.Second)
		tr := progress.Start(progress.Config{Name: "drophero_sync", Report: s.ReportProgress})
		tr.Add(500)
		tr.Finish(nil)
		db.Transaction(func(tx *gorm.DB) error {
			outbox.Enqueue(tx, outbox.Job{Kind: "b.kind"})
			outbox.Enqueue(tx, outbox.Job{Kind: "a.kind"})
			return outbox.Enqueue(tx, outbox.Job{Kind: "a.kind"})
		})
		db.Model(&gormmodels.OutboxJob{}).Where("kind = ?", "b.kind").Update("state", gormmodels.OutboxDead)
		db.Create(&gormmodels.ShopgateOrder{OrderNumber: "1000123", ShopNumber: "20001"})
		db.Create(&gormmodels.DropHeroSettings{ID: 1, InstallState: "installed", SecretKeyEnc: "SECRET-CIPHERTEXT", TokenEnc: "TOKEN-CIPHERTEXT"})
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		o, err = r.Overview(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if e := o.CatalogExport; e == nil || e.Action != "get_items" || e.Records != 30000 || e.Duration != 90*time.Second {
			t.Errorf("export %+v", e)
		}
		if e := o.MerchantAPIError; e == nil || e.Action != "add_delivery_note" || e.Outcome != "no_connection" {
			t.Errorf("merchant api error %+v", e)
		}
		if len(o.Progress) != 1 || o.Progress[0].Done != 500 || !o.Progress[0].Finished {
			t.Errorf("progress %+v", o.Progress)
		}
		if len(o.Outbox) != 2 || o.Outbox[0].Kind != "a.kind" || o.Outbox[0].Waiting != 2 || o.Outbox[0].OldestWaiting.IsZero() || o.Outbox[1].Dead != 1 {
			t.Errorf("outbox %+v", o.Outbox)
		}
		if len(o.DeadJobs) != 1 || o.DeadJobs[0].Kind != "b.kind" {
			t.Errorf("dead jobs %+v", o.DeadJobs)
		}
		if o.OrderImport == nil || o.OrderImport.OrderNumber != "1000123" || o.OrderImport.Total != 1 {
			t.Errorf("order import %+v", o.OrderImport)
		}
		if o.DropHero == nil || o.DropHero.InstallState != "installed" {
			t.Errorf("drophero %+v", o.DropHero)
		}
		b, _ := json.Marshal(o)
		if strings.Contains(string(b), "CIPHERTEXT") {
			t.Errorf("overview carries key material: %s", b)
		}
		// Retry from the panel.
		if err := outbox.Retry(ctx, db, o.DeadJobs[0].ID); err != nil {
			t.Fatal(err)
		}
	})
}

// An export cut by a crash leaves only its last progress snapshot
// (unfinished); after a restart the overview shows it as interrupted, not
// running, once it is stale; live work of another process is not touched
// (docs/operations.md#crash-safety).
func TestCrashedWorkShownInterrupted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		if err := gormmodels.Migrate(db); err != nil {
			t.Fatal(err)
		}
		crashed, err := status.New(status.Config{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-2 * time.Minute)
		// The process crashed 2 minutes into nothing: its last report.
		crashed.ReportProgress(progress.Snapshot{Name: "catalog_export", Done: 500, Total: 30000, Started: old.Add(-time.Minute),
			Updated: old, Rate: 10, ETA: time.Hour, Interval: 10 * time.Second})
		// Another process is exporting right now.
		crashed.ReportProgress(progress.Snapshot{Name: "drophero_sync", Done: 5, Started: time.Now(), Updated: time.Now(), Interval: 10 * time.Second})
		if err := crashed.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		restarted, err := status.New(status.Config{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		defer restarted.Close()
		o, err := restarted.Overview(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]progress.Snapshot{}
		for _, p := range o.Progress {
			got[p.Name] = p
		}
		if p := got["catalog_export"]; !p.Interrupted || p.ETA != 0 {
			t.Errorf("crashed export: %+v, want interrupted without ETA", p)
		}
		if p := got["drophero_sync"]; p.Interrupted {
			t.Errorf("live work marked interrupted: %+v", p)
		}
	})
}
