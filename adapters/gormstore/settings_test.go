package gormstore

import (
	"context"
	"testing"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

func TestSettingsRoundTrip(t *testing.T) {
	db := testdb.New(t)
	if err := gormmodels.Migrate(db); err != nil {
		t.Fatal(err)
	}
	s := Settings{DB: db}
	ctx := context.Background()
	if m, err := s.Load(ctx, "20001"); err != nil || m != nil {
		t.Fatalf("empty load = %v, %v", m, err)
	}
	if err := s.Save(ctx, "20001", map[string]any{"alias": "a"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, "20001", map[string]any{"alias": "b", "enable_cron": true}); err != nil {
		t.Fatal(err)
	}
	m, err := s.Load(ctx, "20001")
	if err != nil || m["alias"] != "b" || m["enable_cron"] != true {
		t.Fatalf("load = %v, %v", m, err)
	}
}
