package export

import (
	"io"
	"testing"
)

// BenchmarkItemWriter measures the writer alone on the worked example's
// parent item with its two variants (one record per iteration).
func BenchmarkItemWriter(b *testing.B) {
	item, _, _ := workedExample()
	w := NewItemWriter(io.Discard)
	b.ReportAllocs()
	b.SetBytes(4327 - int64(len(itemsRoot)+len("</items>")))
	for b.Loop() {
		if err := w.Write(&item); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkItemWriterSimple measures a product without variants, as most
// rows of a large catalogue are.
func BenchmarkItemWriterSimple(b *testing.B) {
	item, _, _ := workedExample()
	item.Children = nil
	item.AttributeGroups = nil
	item.Description = "<p>Some longer HTML description with non-ASCII text: Größe, Farbe, 40 °C.</p>"
	w := NewItemWriter(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(&item); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkClean(b *testing.B) {
	s := "Größe 40 °C \x00 invalid \xff bytes"
	for b.Loop() {
		_ = Clean(s)
	}
}
