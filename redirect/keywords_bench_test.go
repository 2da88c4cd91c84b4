package redirect

import (
	"context"
	"testing"
)

// BenchmarkKeywordCacheMatcher measures the per-request cost of the cache
// with fresh lists: it must not allocate.
func BenchmarkKeywordCacheMatcher(b *testing.B) {
	c := newCache(&countingSource{lists: newLists}, &memStore{})
	if err := c.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if c.Matcher() == nil {
			b.Fatal("no matcher")
		}
	}
}
