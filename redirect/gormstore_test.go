package redirect

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

func TestGormKeywordStore(t *testing.T) {
	db := testdb.New(t)
	if err := gormmodels.Migrate(db); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := NewGormKeywordStore(db, "12345")
	if _, ok, err := s.LoadKeywords(ctx); err != nil || ok {
		t.Fatalf("empty store: ok=%v err=%v", ok, err)
	}
	first := StoredKeywords{Keywords: Keywords{Keywords: []string{"iPhone", "Windows Phone"}, SkipKeywords: []string{}}, UpdatedAt: time.Unix(1714564800, 0)}
	if err := s.SaveKeywords(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := StoredKeywords{Keywords: Keywords{Keywords: []string{"Android"}, SkipKeywords: []string{"iPad", "Nexus 7"}}, UpdatedAt: time.Unix(1714478700, 0)}
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
	if _, ok, _ := NewGormKeywordStore(db, "").LoadKeywords(ctx); ok {
		t.Error("scopes not separated")
	}

	// The cache survives a restart without calling the API again.
	src := &countingSource{lists: newLists}
	c := NewKeywordCache(KeywordCacheConfig{Source: src, Store: s, Now: func() time.Time { return time.Unix(1714478700+60, 0) }})
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if src.calls.Load() != 0 || !c.Matcher().Match("Android") {
		t.Errorf("calls %d; lists %+v", src.calls.Load(), c.Matcher().Lists())
	}
	if err := s.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.LoadKeywords(ctx); ok {
		t.Error("Delete left the row")
	}
}
