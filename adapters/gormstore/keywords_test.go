package gormstore

import (
	"context"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
	"github.com/shopbridge/shopbridge/redirect"
)

// Compile-time check: the store is a redirect.KeywordStore.
var _ redirect.KeywordStore = (*RedirectKeywords)(nil)

func TestRedirectKeywords(t *testing.T) {
	db := testdb.New(t)
	if err := gormmodels.Migrate(db); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := NewRedirectKeywords(db, "12345")
	if _, ok, err := s.LoadKeywords(ctx); err != nil || ok {
		t.Fatalf("empty store: ok=%v err=%v", ok, err)
	}
	first := redirect.StoredKeywords{Keywords: redirect.Keywords{Keywords: []string{"iPhone", "Windows Phone"}, SkipKeywords: []string{}}, UpdatedAt: time.Unix(1714564800, 0)}
	if err := s.SaveKeywords(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := redirect.StoredKeywords{Keywords: redirect.Keywords{Keywords: []string{"Android"}, SkipKeywords: []string{"iPad", "Nexus 7"}}, UpdatedAt: time.Unix(1714478700, 0)}
	if err := s.SaveKeywords(ctx, second); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.LoadKeywords(ctx)
	if err != nil || !ok {
		t.Fatalf("load: ok=%v err=%v", ok, err)
	}
	if !reflect.DeepEqual(got.Keywords, second.Keywords) || !got.UpdatedAt.Equal(second.UpdatedAt) {
		t.Errorf("loaded %+v, want %+v", got, second)
	}
	if _, ok, _ := NewRedirectKeywords(db, "").LoadKeywords(ctx); ok {
		t.Error("scopes not separated")
	}

	// The cache survives a restart without calling the API again.
	var calls atomic.Int32
	src := redirect.KeywordSourceFunc(func(context.Context) (redirect.Keywords, error) {
		calls.Add(1)
		return redirect.Keywords{Keywords: []string{"iPhone", "Android"}, SkipKeywords: []string{"Shopgate"}}, nil
	})
	c := redirect.NewKeywordCache(redirect.KeywordCacheConfig{Source: src, Store: s, Now: func() time.Time { return time.Unix(1714478700+60, 0) }})
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 0 || !c.Matcher().Match("Android") {
		t.Errorf("calls %d; lists %+v", calls.Load(), c.Matcher().Lists())
	}
	if err := s.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.LoadKeywords(ctx); ok {
		t.Error("Delete left the row")
	}
}

func TestSplitLines(t *testing.T) {
	for in, want := range map[string][]string{
		"":              {},
		"\n \n":         {},
		"a\n b \n\nc\n": {"a", "b", "c"},
		"Windows Phone": {"Windows Phone"},
	} {
		if got := splitLines(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitLines(%q) = %#v, want %#v", in, got, want)
		}
	}
}
