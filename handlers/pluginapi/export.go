package pluginapi

// The catalogue export actions get_items, get_categories and get_reviews
// (docs/protocol/plugin-api.md#catalog-export-actions and
// docs/protocol/catalog-export.md). Records are streamed from
// the host's adapters.CatalogSource straight into the response: the headers
// are sent when the first record arrives, so an empty result can still be
// answered with the JSON error 82, and an error after that aborts the
// connection instead of completing a truncated document.
//
// The legacy CSV actions deliberately have no function in the action
// table: the dispatcher then answers them with the SDK's default for plugins that do not
// implement them (22, "The requested action is not disabled but has not
// been implemented in this plugin."), as docs/protocol/catalog-export.md#csv-exports allows.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/progress"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/export"
)

// getItems streams the item export (get_items).
func (h *Handler) getItems(r *request) (payload, error) {
	return runExport(h, r, exportKind[export.Item]{
		setting:   "items_xml_filename",
		items:     true,
		newWriter: func(w io.Writer) recordWriter[export.Item] { return export.NewItemWriter(w) },
		read:      func(s adapters.CatalogSource) readFunc[export.Item] { return s.Items },
	})
}

// getCategories streams the category export (get_categories).
func (h *Handler) getCategories(r *request) (payload, error) {
	return runExport(h, r, exportKind[export.Category]{
		setting:   "categories_xml_filename",
		newWriter: func(w io.Writer) recordWriter[export.Category] { return export.NewCategoryWriter(w) },
		read:      func(s adapters.CatalogSource) readFunc[export.Category] { return s.Categories },
	})
}

// getReviews streams the review export (get_reviews).
func (h *Handler) getReviews(r *request) (payload, error) {
	return runExport(h, r, exportKind[export.Review]{
		setting:   "reviews_xml_filename",
		newWriter: func(w io.Writer) recordWriter[export.Review] { return export.NewReviewWriter(w) },
		read:      func(s adapters.CatalogSource) readFunc[export.Review] { return s.Reviews },
	})
}

// catalog is the configured catalogue source (nil when the host has none).
func (h *Handler) catalog() adapters.CatalogSource { return h.cfg.Catalog }

type readFunc[T any] func(ctx context.Context, shop adapters.Shop, q adapters.CatalogQuery, yield func(*T) error) error

type recordWriter[T any] interface {
	Write(*T) error
	Close() error
}

// exportKind describes one export action.
type exportKind[T any] struct {
	setting   string // the setting naming the file (docs/protocol/plugin-api.md#response-types)
	items     bool   // get_items: apply exclude_item_ids
	newWriter func(io.Writer) recordWriter[T]
	read      func(adapters.CatalogSource) readFunc[T]
}

// errPageFull ends an export whose source yields more than limit records.
var errPageFull = errors.New("pluginapi: page full")

func runExport[T any](h *Handler, r *request, k exportKind[T]) (payload, error) {
	src := h.catalog()
	if src == nil {
		return nil, errNotImplemented
	}
	q := exportQuery(r)
	if k.items {
		q.ExcludeUIDs = settingList(r.Setting("exclude_item_ids"))
	}
	r.Debug.Info("export query", zap.Int("offset", q.Offset), zap.Int("limit", q.Limit),
		zap.Int("uids", len(q.UIDs)), zap.Int("exclude", len(q.ExcludeUIDs)),
		zap.String("memory_limit", r.String("memory_limit")), zap.String("max_execution_time", r.String("max_execution_time")))
	if q.Limit == 0 {
		return nil, shopgate.NewAPIError(shopgate.CodeFileEmptyBuffer, "")
	}

	start := time.Now()
	tr := progress.Start(progress.Config{Name: "catalog_export", Total: int64(max(q.Limit, 0)),
		Logger:   r.logs.AccessLogger().With(zap.String("trace_id", r.TraceID), zap.String("action", r.Action)),
		Interval: h.cfg.ProgressInterval, Report: h.cfg.OnProgress})
	var (
		out   *exportStream
		w     recordWriter[T]
		count int
	)
	err := k.read(src)(r.Ctx, r.Shop, q, func(rec *T) error {
		if q.Limit > 0 && count >= q.Limit {
			// The source ignored the limit; never send more (docs/protocol/catalog-export.md#paging).
			return errPageFull
		}
		if out == nil {
			out = startStream(r, exportFile(r, k.setting))
			w = k.newWriter(out)
		}
		count++
		tr.Add(1)
		return w.Write(rec)
	})
	if errors.Is(err, errPageFull) || errors.Is(err, adapters.ErrStop) {
		err = nil
	}
	defer func() { tr.Finish(err) }()
	if out == nil {
		if err != nil {
			if _, ok := shopgate.AsAPIError(err); ok {
				return nil, err
			}
			if errors.Is(err, adapters.ErrNotExported) {
				return nil, errNotImplemented
			}
			return nil, shopgate.DatabaseError("catalog export", err)
		}
		return nil, shopgate.NewAPIError(shopgate.CodeFileEmptyBuffer, "")
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = out.close()
	}
	if err != nil {
		// Headers are out: the document stays without its end tag, and
		// the dispatcher breaks the connection for an error after the
		// response started, so that Shopgate sees a broken download.
		return nil, err
	}
	r.records = count
	r.logs.AccessLogger().Info("export finished", zap.String("trace_id", capLog(r.TraceID, maxLogTraceID)), zap.String("action", capLog(r.Action, maxLogAction)),
		zap.Int("records", count), zap.Int("offset", q.Offset), zap.Int("limit", q.Limit),
		zap.Duration("duration", time.Since(start)), zap.Bool("gzip", out.gz != nil))
	return nil, nil
}

// exportFile is the download name of an export: the base name of the
// shop's *_xml_filename setting, or its default.
func exportFile(r *request, setting string) string {
	name, _ := r.Setting(setting).(string)
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), "\\", "/"))
	if name == "" || name == "." || name == "/" || strings.ContainsAny(name, "\"\r\n") {
		name = strings.TrimSuffix(setting, "_xml_filename")
		name = "shopgate_" + name + ".xml"
	}
	return name
}

// exportQuery reads limit, offset and uids (catalog export notes: paging
// and uids). limit and offset are cast like PHP's (int): a string by its
// leading digits, a (necessarily non-empty) list or map to 1
// (docs/protocol/catalog-export.md#decision-paging-values-cast-like-php).
func exportQuery(r *request) adapters.CatalogQuery {
	q := adapters.CatalogQuery{Limit: -1}
	if v, ok := r.Params["offset"]; ok {
		q.Offset = max(phpIntValue(v), 0)
	}
	if v, ok := r.Params["limit"]; ok {
		q.Limit = max(phpIntValue(v), 0)
	}
	q.UIDs = r.StringList("uids")
	return q
}

// phpIntValue is PHP's (int) cast of a decoded parameter: strings as
// phpInt, an array 1 when non-empty and 0 when empty.
func phpIntValue(v any) int {
	switch x := v.(type) {
	case string:
		return phpInt(x)
	case []any:
		return min(len(x), 1)
	case map[string]any:
		return min(len(x), 1)
	}
	return 0
}

// phpInt converts like PHP's (int) cast of a string: optional leading
// whitespace and sign, then the leading decimal digits; anything else is 0.
// Values beyond the int range saturate.
func phpInt(s string) int {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n := 0
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := int(s[i] - '0')
		if n > (int(^uint(0)>>1)-d)/10 {
			n = int(^uint(0) >> 1)
			break
		}
		n = n*10 + d
	}
	if neg {
		return -n
	}
	return n
}

// settingList reads a list setting such as exclude_item_ids: a list, a
// JSON array string, or a comma-separated string.
func settingList(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			switch e := e.(type) {
			case string:
				out = append(out, e)
			case float64:
				out = append(out, strconv.FormatFloat(e, 'f', -1, 64))
			case int:
				out = append(out, strconv.Itoa(e))
			}
		}
		return out
	case string:
		x = strings.TrimSpace(x)
		if x == "" {
			return nil
		}
		var list []any
		if strings.HasPrefix(x, "[") && json.Unmarshal([]byte(x), &list) == nil {
			return settingList(list)
		}
		var out []string
		for _, p := range strings.Split(x, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	return nil
}

// exportStream is the response body of a streamed export: optionally
// gzip-compressed, flushed to the client after every write (the document
// writers write in blocks of export.DefaultFlushSize).
type exportStream struct {
	r   *request
	gz  *gzip.Writer
	out io.Writer
	rc  *http.ResponseController
}

// gzipPool holds compressors of klauspost/compress, a drop-in for
// compress/gzip that compresses the export about twice as fast at the same
// level (BestSpeed still shrinks catalogue XML about ninefold).
var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return w
}}

// startStream commits the success headers (docs/protocol/catalog-export.md#successful-responses).
func startStream(r *request, file string) *exportStream {
	resp := r.Echo.Response()
	hd := resp.Header()
	hd.Set("Content-Type", "application/xml")
	hd.Set("Content-Disposition", `attachment; filename="`+file+`"`)
	hd.Add("Vary", "Accept-Encoding")
	s := &exportStream{r: r, out: resp, rc: http.NewResponseController(resp)}
	if acceptsGzip(r.Echo.Request().Header.Get("Accept-Encoding")) {
		hd.Set("Content-Encoding", "gzip")
		s.gz = gzipPool.Get().(*gzip.Writer)
		s.gz.Reset(resp)
		s.out = s.gz
	}
	resp.WriteHeader(http.StatusOK)
	return s
}

// Write passes p on and flushes it to the client.
func (s *exportStream) Write(p []byte) (int, error) {
	n, err := s.out.Write(p)
	if err != nil {
		return n, err
	}
	if s.gz != nil {
		if err := s.gz.Flush(); err != nil {
			return n, err
		}
	}
	if err := s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return n, err
	}
	return n, nil
}

// close finishes the compressed stream.
func (s *exportStream) close() error {
	if s.gz == nil {
		return nil
	}
	err := s.gz.Close()
	s.gz.Reset(io.Discard)
	gzipPool.Put(s.gz)
	return err
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		params = strings.ReplaceAll(params, " ", "")
		if q, ok := strings.CutPrefix(params, "q="); ok {
			f, err := strconv.ParseFloat(q, 64)
			return err == nil && f > 0
		}
		return true
	}
	return false
}
