package gormstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/redirect"
)

// RedirectKeywords keeps the Mobile Redirect keyword lists in the table
// shopbridge_redirect_keywords (gormmodels.RedirectKeywords), one row per
// scope. It implements redirect.KeywordStore.
type RedirectKeywords struct {
	db    *gorm.DB
	scope string
}

// NewRedirectKeywords returns the store of the given scope (normally the
// shop number; "" becomes "default").
func NewRedirectKeywords(db *gorm.DB, scope string) *RedirectKeywords {
	if scope == "" {
		scope = "default"
	}
	return &RedirectKeywords{db: db, scope: scope}
}

// LoadKeywords implements redirect.KeywordStore.
func (s *RedirectKeywords) LoadKeywords(ctx context.Context) (redirect.StoredKeywords, bool, error) {
	var row gormmodels.RedirectKeywords
	err := s.db.WithContext(ctx).Where("scope = ?", s.scope).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return redirect.StoredKeywords{}, false, nil
	}
	if err != nil {
		return redirect.StoredKeywords{}, false, fmt.Errorf("load redirect keywords %q: %w", s.scope, err)
	}
	return redirect.StoredKeywords{
		Keywords: redirect.Keywords{
			Keywords:     splitLines(row.Keywords),
			SkipKeywords: splitLines(row.SkipKeywords),
		},
		UpdatedAt: time.Unix(row.ListsUpdatedAt, 0),
	}, true, nil
}

// SaveKeywords implements redirect.KeywordStore (insert or replace).
func (s *RedirectKeywords) SaveKeywords(ctx context.Context, k redirect.StoredKeywords) error {
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
func (s *RedirectKeywords) Delete(ctx context.Context) error {
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
