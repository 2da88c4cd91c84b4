package pluginapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// fakeCatalog is an in-memory catalogue that pages like a real source.
type fakeCatalog struct {
	mu          sync.Mutex
	n           int   // items 1..n, categories 1..n, reviews 1..n
	err         error // returned after errAfter records
	errAfter    int
	ignoreLimit bool
	last        adapters.CatalogQuery
}

func page[T any](f *fakeCatalog, ctx context.Context, q adapters.CatalogQuery, mk func(uid string) *T, yield func(*T) error) error {
	f.mu.Lock()
	f.last = q
	f.mu.Unlock()
	var uids []string
	for i := 1; i <= f.n; i++ {
		u := strconv.Itoa(i)
		if len(q.UIDs) > 0 && !slices.Contains(q.UIDs, u) || slices.Contains(q.ExcludeUIDs, u) {
			continue
		}
		uids = append(uids, u)
	}
	if q.Offset < len(uids) {
		uids = uids[q.Offset:]
	} else {
		uids = nil
	}
	if q.Limit >= 0 && q.Limit < len(uids) && !f.ignoreLimit {
		uids = uids[:q.Limit]
	}
	for i, u := range uids {
		if f.err != nil && i == f.errAfter {
			return f.err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := yield(mk(u)); err != nil {
			return err
		}
	}
	if f.err != nil && f.errAfter >= len(uids) {
		return f.err
	}
	return nil
}

func (f *fakeCatalog) Items(ctx context.Context, _ adapters.Shop, q adapters.CatalogQuery, yield func(*export.Item) error) error {
	return page(f, ctx, q, func(u string) *export.Item {
		return &export.Item{UID: u, Name: "Item " + u, Currency: "EUR", Children: []export.Item{{UID: u + "-1", Name: "Variant"}}}
	}, yield)
}

func (f *fakeCatalog) Categories(ctx context.Context, _ adapters.Shop, q adapters.CatalogQuery, yield func(*export.Category) error) error {
	return page(f, ctx, q, func(u string) *export.Category { return &export.Category{UID: u, Name: "Cat " + u, IsActive: true} }, yield)
}

func (f *fakeCatalog) Reviews(ctx context.Context, _ adapters.Shop, q adapters.CatalogQuery, yield func(*export.Review) error) error {
	return page(f, ctx, q, func(u string) *export.Review { return &export.Review{UID: u, ItemUID: "1", Score: 8} }, yield)
}

func newExportHandler(t *testing.T, src adapters.CatalogSource, settings map[string]any) *Handler {
	t.Helper()
	h := newTestHandler(t, func(c *Config) {
		sc := &c.Shops[0]
		for _, a := range []string{"get_items", "get_categories", "get_reviews", "get_items_csv", "get_categories_csv",
			"get_reviews_csv", "get_media_csv"} {
			sc.Enable[a] = true
		}
		sc.Settings = settings
		c.Catalog = src
	})
	return h
}

// recordUIDs parses an export body and returns the uids of its records.
func recordUIDs(t *testing.T, body []byte, record string) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(body))
	var uids []string
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return uids
		}
		if err != nil {
			t.Fatalf("body does not parse: %v\n%s", err, body)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 && el.Name.Local == record {
				for _, a := range el.Attr {
					if a.Name.Local == "uid" {
						uids = append(uids, a.Value)
					}
				}
			}
		case xml.EndElement:
			depth--
		}
	}
}

func seq(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, strconv.Itoa(i))
	}
	return out
}

func TestExportActions(t *testing.T) {
	src := &fakeCatalog{n: 25}
	h := newExportHandler(t, src, nil)
	tests := []struct {
		name   string
		body   string
		record string
		file   string
		want   []string
	}{
		{"items all", "action=get_items", "item", "shopgate_items.xml", seq(1, 25)},
		{"items page", "action=get_items&offset=10&limit=10", "item", "shopgate_items.xml", seq(11, 20)},
		{"items last page", "action=get_items&offset=20&limit=10", "item", "shopgate_items.xml", seq(21, 25)},
		{"items php int cast", "action=get_items&offset=3abc&limit=+2.9", "item", "shopgate_items.xml", seq(4, 5)},
		{"negative offset is 0", "action=get_items&offset=-5&limit=2", "item", "shopgate_items.xml", seq(1, 2)},
		{"uids list", "action=get_items&uids[]=7&uids[]=3", "item", "shopgate_items.xml", []string{"3", "7"}},
		{"uids indexed", "action=get_items&uids[0]=9&uids[1]=2", "item", "shopgate_items.xml", []string{"2", "9"}},
		{"uids scalar split on commas", "action=get_items&uids=4,5", "item", "shopgate_items.xml", []string{"4", "5"}},
		{"uids in query string", "action=get_items&uids=6", "item", "shopgate_items.xml", []string{"6"}},
		{"response_type xml", "action=get_items&response_type=xml&limit=1", "item", "shopgate_items.xml", seq(1, 1)},
		{"categories", "action=get_categories&offset=5&limit=3", "category", "shopgate_categories.xml", seq(6, 8)},
		{"reviews", "action=get_reviews&limit=2", "review", "shopgate_reviews.xml", seq(1, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := call(t, h, tt.body, true)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/xml" {
				t.Fatalf("status %d, Content-Type %q, body %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
			if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="`+tt.file+`"` {
				t.Errorf("Content-Disposition %q", cd)
			}
			if got := recordUIDs(t, rec.Body.Bytes(), tt.record); !slices.Equal(got, tt.want) {
				t.Errorf("records %v, want %v", got, tt.want)
			}
			if !strings.HasSuffix(rec.Body.String(), "</"+tt.record+"s>") && tt.record != "category" ||
				tt.record == "category" && !strings.HasSuffix(rec.Body.String(), "</categories>") {
				t.Errorf("document not closed: %s", rec.Body)
			}
		})
	}
}

func TestExportErrors(t *testing.T) {
	notImpl := "disabled action requested: The requested action is not disabled but has not been implemented in this plugin."
	tests := []struct {
		name string
		src  adapters.CatalogSource
		body string
		code int
		text string
	}{
		{"empty catalogue", &fakeCatalog{}, "action=get_items", 82, "buffer is empty"},
		{"offset past the end", &fakeCatalog{n: 3}, "action=get_items&offset=3&limit=5", 82, "buffer is empty"},
		{"limit 0", &fakeCatalog{n: 3}, "action=get_items&limit=0", 82, "buffer is empty"},
		{"negative limit", &fakeCatalog{n: 3}, "action=get_categories&limit=-1", 82, "buffer is empty"},
		{"uids match nothing", &fakeCatalog{n: 3}, "action=get_reviews&uids[]=x", 82, "buffer is empty"},
		{"json response type", &fakeCatalog{n: 3}, "action=get_items&response_type=json", 51,
			`parameter "response_type" contains an unsupported type`},
		{"database error before the first record", &fakeCatalog{n: 3, err: errors.New("connection reset")}, "action=get_items", 83,
			"database error"},
		{"no catalogue configured", nil, "action=get_items", 22, notImpl},
		{"items csv", &fakeCatalog{n: 3}, "action=get_items_csv", 22, notImpl},
		{"categories csv", &fakeCatalog{n: 3}, "action=get_categories_csv", 22, notImpl},
		{"reviews csv", &fakeCatalog{n: 3}, "action=get_reviews_csv", 22, notImpl},
		{"media csv", &fakeCatalog{n: 3}, "action=get_media_csv", 22, notImpl},
		// response_type applies to the XML actions only (docs/protocol/catalog-export.md#export-parameters).
		{"csv with another response type", &fakeCatalog{n: 3}, "action=get_items_csv&response_type=foo", 22, notImpl},
		{"source without that export", &fakeCatalog{n: 3, err: fmt.Errorf("reviews: %w", adapters.ErrNotExported)},
			"action=get_reviews", 22, notImpl},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newExportHandler(t, tt.src, nil)
			rec := call(t, h, tt.body, true)
			wantError(t, envelope(t, rec), tt.code, tt.text)
		})
	}
}

func TestExportLimitEnforced(t *testing.T) {
	h := newExportHandler(t, &fakeCatalog{n: 30, ignoreLimit: true}, nil)
	rec := call(t, h, "action=get_items&limit=4", true)
	if got := recordUIDs(t, rec.Body.Bytes(), "item"); !slices.Equal(got, seq(1, 4)) {
		t.Errorf("records %v, want 4", got)
	}
}

func TestExportExcludeItemIDs(t *testing.T) {
	for _, setting := range []any{[]any{"2", "3"}, `["2","3"]`, "2,3"} {
		src := &fakeCatalog{n: 5}
		h := newExportHandler(t, src, map[string]any{"exclude_item_ids": setting})
		rec := call(t, h, "action=get_items", true)
		if got := recordUIDs(t, rec.Body.Bytes(), "item"); !slices.Equal(got, []string{"1", "4", "5"}) {
			t.Errorf("exclude_item_ids %#v: records %v", setting, got)
		}
	}
}

func TestExportErrorAfterStart(t *testing.T) {
	src := &fakeCatalog{n: 10, err: errors.New("connection lost"), errAfter: 4}
	h := newExportHandler(t, src, nil)
	rec := call(t, h, "action=get_items", true)
	body := rec.Body.String()
	if rec.Header().Get("Content-Type") != "application/xml" {
		t.Fatalf("Content-Type %q", rec.Header().Get("Content-Type"))
	}
	// The recorder cannot be hijacked; what matters is that the document
	// stays unterminated so that it cannot pass for a complete export.
	if strings.Contains(body, "</items>") || strings.Contains(body, `"error"`) {
		t.Errorf("broken export looks complete: %s", body)
	}
}

func TestExportGzip(t *testing.T) {
	h := newExportHandler(t, &fakeCatalog{n: 3000}, nil)
	for _, ae := range []string{"gzip", "deflate, gzip;q=0.5", "br;q=1.0, gzip"} {
		rec := serve(t, h, testRequest{body: "action=get_items", header: map[string]string{"Accept-Encoding": ae}, sign: true})
		if rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("%q: Content-Encoding %q", ae, rec.Header().Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if got := recordUIDs(t, body, "item"); len(got) != 3000 {
			t.Errorf("%q: %d records", ae, len(got))
		}
	}
	for _, ae := range []string{"", "identity", "gzip;q=0", "deflate"} {
		rec := serve(t, h, testRequest{body: "action=get_items&limit=1", header: map[string]string{"Accept-Encoding": ae}, sign: true})
		if rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("%q: compressed", ae)
		}
	}
}

func TestExportClientGone(t *testing.T) {
	// A real server and a client that reads a little and then hangs up:
	// the source must see its context cancelled.
	done := make(chan error, 1)
	src := &blockingCatalog{done: done}
	h := newExportHandler(t, src, nil)
	resp, err := http.DefaultClient.Do(liveRequest(t, h, "action=get_items", testNow))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := <-done; err == nil {
		t.Fatal("source was not stopped")
	}
}

// blockingCatalog yields items until its context ends or a write fails.
type blockingCatalog struct {
	fakeCatalog
	done chan error
}

func (b *blockingCatalog) Items(ctx context.Context, _ adapters.Shop, _ adapters.CatalogQuery, yield func(*export.Item) error) error {
	for i := 1; ; i++ {
		if err := ctx.Err(); err != nil {
			b.done <- err
			return err
		}
		it := export.Item{UID: strconv.Itoa(i), Name: strings.Repeat("x", 1000)}
		if err := yield(&it); err != nil {
			b.done <- err
			return err
		}
	}
}

func TestPHPInt(t *testing.T) {
	tests := map[string]int{"10": 10, " 7x": 7, "-3": -3, "+4": 4, "abc": 0, "": 0, "1.9": 1, "99999999999999999999999": int(^uint(0) >> 1)}
	for in, want := range tests {
		if got := phpInt(in); got != want {
			t.Errorf("phpInt(%q) = %d, want %d", in, got, want)
		}
	}
}
