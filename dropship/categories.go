package dropship

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/outbox"
)

// CategoriesChanged tells the integration that host categories changed
// (created, renamed, moved, hidden or deleted). Call it inside the
// transaction of the change: it writes one coalesced outbox job, so a bulk
// edit becomes one category/new and one category/del request.
func (s *Service) CategoriesChanged(tx *gorm.DB) error {
	return s.cfg.Enqueue(tx, outbox.Job{Kind: KindCategories, Key: "categories", Payload: struct{}{},
		NotBefore: time.Now().Add(s.cfg.CategoryDelay)})
}

const categoryChunk = 500

// SyncCategories sends the differences between the host's public categories
// and what DropHero was last sent: changed or new ones with category/new,
// vanished ones with category/del. The latest host state always wins.
func (s *Service) SyncCategories(ctx context.Context) error {
	st, err := s.settings(s.cfg.DB.WithContext(ctx))
	if err != nil {
		return err
	}
	switch st.InstallState {
	case gormmodels.DropHeroCategoriesSent, gormmodels.DropHeroCatalogueSynced, gormmodels.DropHeroInstalled:
	default:
		return nil // the installation sends every category itself
	}
	c, err := s.client(ctx)
	if err != nil {
		return outbox.Permanent(err)
	}
	return permanentIfClient(s.sendCategoryDiff(ctx, c, nil))
}

// reconcileCategories is installation step 5: GET what DropHero holds, send
// every public category, delete the stale ones.
func (s *Service) reconcileCategories(ctx context.Context, c *drophero.Client) error {
	held, err := c.Categories(ctx)
	if err != nil {
		return err
	}
	if err := s.cfg.DB.WithContext(ctx).Where("1 = 1").Delete(&gormmodels.DropHeroSentCategory{}).Error; err != nil {
		return err
	}
	return s.sendCategoryDiff(ctx, c, held)
}

// sendCategoryDiff compares host categories with the sent table (plus the
// extra ids DropHero is known to hold) and sends the changes, recording each
// successful request.
func (s *Service) sendCategoryDiff(ctx context.Context, c *drophero.Client, held []drophero.Category) error {
	db := s.cfg.DB.WithContext(ctx)
	host, err := s.cfg.Host.PublicCategories(ctx, db)
	if err != nil {
		return fmt.Errorf("drophero categories: host: %w", err)
	}
	var sent []gormmodels.DropHeroSentCategory
	if err := db.Find(&sent).Error; err != nil {
		return err
	}
	known := map[string]gormmodels.DropHeroSentCategory{}
	for _, r := range sent {
		known[r.ID] = r
	}
	stale := map[string]bool{}
	for _, h := range held {
		stale[h.ID] = true
	}
	var upsert []drophero.Category
	want := map[string]bool{}
	for _, h := range host {
		pid := h.ParentID
		if pid == "" {
			pid = "0"
		}
		want[h.ID] = true
		if k, ok := known[h.ID]; ok && k.Name == h.Name && k.ParentID == pid {
			continue
		}
		upsert = append(upsert, drophero.Category{ID: h.ID, Name: h.Name, ParentID: pid})
	}
	var del []string
	for id := range known {
		if !want[id] {
			del = append(del, id)
		}
	}
	for id := range stale {
		if !want[id] && known[id].ID == "" {
			del = append(del, id)
		}
	}
	sort.Strings(del)
	sort.Slice(upsert, func(i, j int) bool { return upsert[i].ID < upsert[j].ID })
	for len(upsert) > 0 {
		n := min(categoryChunk, len(upsert))
		chunk := upsert[:n]
		if err := c.SendCategories(ctx, chunk); err != nil {
			return err
		}
		rows := make([]gormmodels.DropHeroSentCategory, n)
		for i, cat := range chunk {
			rows[i] = gormmodels.DropHeroSentCategory{ID: cat.ID, Name: cat.Name, ParentID: cat.ParentID}
		}
		if err := db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&rows).Error; err != nil {
			return err
		}
		upsert = upsert[n:]
	}
	for len(del) > 0 {
		n := min(categoryChunk, len(del))
		if err := c.DeleteCategories(ctx, del[:n]); err != nil {
			return err
		}
		if err := db.Where("id IN ?", del[:n]).Delete(&gormmodels.DropHeroSentCategory{}).Error; err != nil {
			return err
		}
		del = del[n:]
	}
	return nil
}
