package pluginapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

func TestExportFileNameSetting(t *testing.T) {
	tests := []struct {
		setting any
		want    string
	}{
		{nil, "shopgate_items.xml"},
		{"products.xml", "products.xml"},
		{"/var/export/products.xml", "products.xml"},
		{`C:\export\products.xml`, "products.xml"},
		{`bad"name.xml`, "shopgate_items.xml"},
		{"  ", "shopgate_items.xml"},
		{42, "shopgate_items.xml"},
	}
	for _, tt := range tests {
		settings := map[string]any{}
		if tt.setting != nil {
			settings["items_xml_filename"] = tt.setting
		}
		h := newExportHandler(t, &fakeCatalog{n: 2}, settings)
		rec := call(t, h, "action=get_items", true)
		if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="`+tt.want+`"` {
			t.Errorf("items_xml_filename %#v: Content-Disposition %q, want %q", tt.setting, cd, tt.want)
		}
	}
}

// failingCatalog yields some items and then fails: with err when set,
// else by panicking.
type failingCatalog struct {
	fakeCatalog
	err error
}

func (f *failingCatalog) Items(_ context.Context, _ adapters.Shop, _ adapters.CatalogQuery, yield func(*export.Item) error) error {
	for i := 1; i <= 200; i++ {
		it := export.Item{UID: strconv.Itoa(i), Name: strings.Repeat("x", 1000)}
		if err := yield(&it); err != nil {
			return err
		}
	}
	if f.err != nil {
		return f.err
	}
	panic("adapter bug")
}

// TestExportFailureAfterStartAborts checks docs/protocol/catalog-export.md#streaming-and-mid-stream-errors on a real connection:
// an error or a panic once the document has begun must break the
// connection, so the client sees a failed download rather than a cleanly
// ended response.
func TestExportFailureAfterStartAborts(t *testing.T) {
	for name, src := range map[string]*failingCatalog{
		"panic": {},
		"error": {err: errors.New("connection lost")},
	} {
		t.Run(name, func(t *testing.T) {
			h := newExportHandler(t, src, nil)
			req := liveRequest(t, h, "action=get_items", testNow)
			// Plain: a gzip body would fail on its missing trailer anyway.
			req.Header.Set("Accept-Encoding", "identity")
			client := &http.Client{Timeout: 30 * time.Second}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err == nil {
				t.Fatalf("download ended cleanly after a failure (%d bytes, ends %q)", len(body), body[max(0, len(body)-40):])
			}
			if strings.Contains(string(body), "</items>") {
				t.Error("broken export has its end tag")
			}
		})
	}
}
