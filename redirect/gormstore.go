package redirect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/gormmodels"
)

// GormKeywordStore keeps the keyword lists in the table
// shopbridge_redirect_keywords (gormmodels.RedirectKeywords), one row per
// scope. Run gormmodels.Migrate before use.
type GormKeywordStore struct {
	db    *gorm.DB
	scope string
}

// NewGormKeywordStore returns a store for the given scope (normally the
// shop number; "" becomes "default").
func NewGormKeywordStore(db *gorm.DB, scope string) *GormKeywordStore {
	if scope == "" {
		scope = "default"
	}
	return &GormKeywordStore{db: db, scope: scope}
}

// LoadKeywords implements KeywordStore.
func (s *GormKeywordStore) LoadKeywords(ctx context.Context) (StoredKeywords, bool, error) {
	var row gormmodels.RedirectKeywords
	err := s.db.WithContext(ctx).Where("scope = ?", s.scope).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return StoredKeywords{}, false, nil
	}
	if err != nil {
		return StoredKeywords{}, false, fmt.Errorf("load redirect keywords %q: %w", s.scope, err)
	}
	return StoredKeywords{
		Keywords: Keywords{
			Keywords:     splitLines(row.Keywords),
			SkipKeywords: splitLines(row.SkipKeywords),
		},
		UpdatedAt: time.Unix(row.ListsUpdatedAt, 0),
	}, true, nil
}

// SaveKeywords implements KeywordStore (insert or replace).
func (s *GormKeywordStore) SaveKeywords(ctx context.Context, k StoredKeywords) error {
	row := gormmodels.RedirectKeywords{
		Scope:          s.scope,
		Keywords:       strings.Join(k.Keywords.Keywords, "\n"),
		SkipKeywords:   strings.Join(k.SkipKeywords, "\n"),
		ListsUpdatedAt: k.UpdatedAt.Unix(),
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "scope"}},
		DoUpdates: clause.AssignmentColumns([]string{"keywords", "skip_keywords", "lists_updated_at", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("save redirect keywords %q: %w", s.scope, err)
	}
	return nil
}

// Delete removes the stored lists (Plugin API clear_cache); the next
// refresh calls the Merchant API.
func (s *GormKeywordStore) Delete(ctx context.Context) error {
	if err := s.db.WithContext(ctx).Where("scope = ?", s.scope).Delete(&gormmodels.RedirectKeywords{}).Error; err != nil {
		return fmt.Errorf("delete redirect keywords %q: %w", s.scope, err)
	}
	return nil
}

func splitLines(s string) []string {
	if s == "" {
		return []string{}
	}
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}
