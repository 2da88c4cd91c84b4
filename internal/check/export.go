package check

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopbridge/shopbridge/shopgate"
)

// exportKind describes one XML export (docs/protocol/catalog-export.md).
type exportKind struct {
	number   int
	action   string
	root     string
	record   string
	required []string // child elements every record must have
	fix      string
}

// The three exports of questions 1–3.
var (
	categoriesExport = exportKind{1, "get_categories", "categories", "category", []string{"name", "deeplink"},
		"Enable get_categories and give the Plugin API a catalogue source (pluginapi.Config.Catalog, e.g. adapters/gormcatalog)."}
	itemsExport = exportKind{2, "get_items", "items", "item", []string{"name", "currency", "deeplink", "prices"},
		"Enable get_items and give the Plugin API a catalogue source (pluginapi.Config.Catalog, e.g. adapters/gormcatalog)."}
	reviewsExport = exportKind{3, "get_reviews", "reviews", "review", []string{"item_uid", "score"},
		"Enable get_reviews and let the catalogue source yield approved reviews (adapters.CatalogSource.Reviews)."}
)

// exportStats is what one streamed export contained. Memory is bounded:
// per record only its uid is kept (for uniqueness), plus the first uids
// in order (for paging) and a few deeplinks.
type exportStats struct {
	code      int // envelope error when the answer was JSON, else -1
	text      string
	status    int
	ctype     string
	parseErr  error
	root      string
	records   int
	truncated bool // stopped after MaxRecords
	bytes     int64
	elapsed   time.Duration

	noUID      int
	duplicates []string
	missing    map[string]int // required element → records without it
	first      []string       // the first uids in order
	deeplinks  []string       // the first deeplinks
	relative   []string       // deeplinks that are not absolute URLs
	noDeeplink int

	withImages, withIdentifiers, withTags, withRelations int
}

// firstKept is how many leading uids are kept for the paging check.
const firstKept = 40

// countingReader counts bytes read.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// fetchExport requests an export and stream-parses it.
func (r *runner) fetchExport(ctx context.Context, k exportKind, params []param, maxRecords int) (exportStats, string) {
	st := exportStats{code: -1, missing: map[string]int{}}
	start := time.Now()
	resp, sent, err := r.post(ctx, append(p("action", k.action), params...), r.valid())
	if err != nil {
		st.parseErr, st.elapsed = err, time.Since(start)
		return st, sent
	}
	defer resp.Body.Close()
	st.status, st.ctype = resp.StatusCode, resp.Header.Get("Content-Type")
	cr := &countingReader{r: resp.Body}
	if strings.HasPrefix(st.ctype, "application/json") {
		var m map[string]any
		if err := json.NewDecoder(io.LimitReader(cr, maxAnswer)).Decode(&m); err != nil {
			st.parseErr = fmt.Errorf("JSON answer: %w", err)
		} else {
			st.code, st.text = envelopeCode(m)
		}
	} else {
		st.parseErr = parseExport(cr, k, &st, maxRecords)
	}
	st.bytes, st.elapsed = cr.n, time.Since(start)
	return st, sent
}

// parseExport reads an export document token by token.
func parseExport(rd io.Reader, k exportKind, st *exportStats, maxRecords int) error {
	d := xml.NewDecoder(rd)
	d.Strict = true
	seen := map[string]struct{}{}
	depth := 0
	var (
		inRecord  bool
		has       map[string]bool
		child     string // current depth-3 element
		deeplink  strings.Builder
		recordUID string
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if depth != 0 || st.root == "" {
				return errors.New("document ends before its root element is closed")
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			name := t.Name.Local
			switch {
			case depth == 1:
				st.root = name
				if name != k.root {
					return fmt.Errorf("root element <%s>, expected <%s>", name, k.root)
				}
			case depth == 2:
				if name != k.record {
					return fmt.Errorf("element <%s> inside <%s>, expected <%s>", name, k.root, k.record)
				}
				if st.records >= maxRecords {
					st.truncated = true
					return nil
				}
				inRecord, has, recordUID = true, map[string]bool{}, ""
				for _, a := range t.Attr {
					if a.Name.Local == "uid" {
						recordUID = a.Value
					}
				}
			case depth == 3 && inRecord:
				child = name
				has[name] = true
				if name == "deeplink" {
					deeplink.Reset()
				}
				if name == "image" { // a category's image
					has["_image"] = true
				}
			case depth == 4 && inRecord:
				switch {
				case child == "images" && name == "image":
					has["_image"] = true
				case child == "identifiers" && name == "identifier":
					has["_identifier"] = true
				case child == "tags" && name == "tag":
					has["_tag"] = true
				case child == "relations" && name == "relation":
					has["_relation"] = true
				}
			}
		case xml.CharData:
			if depth == 3 && inRecord && child == "deeplink" {
				deeplink.Write(t)
			}
		case xml.EndElement:
			if depth == 3 && inRecord && child == "deeplink" {
				st.noteDeeplink(strings.TrimSpace(deeplink.String()))
			}
			if depth == 2 && inRecord {
				inRecord = false
				st.records++
				if recordUID == "" {
					st.noUID++
				} else if _, dup := seen[recordUID]; dup {
					if len(st.duplicates) < 10 {
						st.duplicates = append(st.duplicates, recordUID)
					}
				} else {
					seen[recordUID] = struct{}{}
				}
				if len(st.first) < firstKept {
					st.first = append(st.first, recordUID)
				}
				for _, req := range k.required {
					if !has[req] {
						st.missing[req]++
					}
				}
				if !has["deeplink"] && k.number != 3 {
					st.noDeeplink++
				}
				count := func(key string, n *int) {
					if has[key] {
						*n++
					}
				}
				count("_image", &st.withImages)
				count("_identifier", &st.withIdentifiers)
				count("_tag", &st.withTags)
				count("_relation", &st.withRelations)
			}
			depth--
		}
	}
}

// noteDeeplink records one deeplink.
func (st *exportStats) noteDeeplink(link string) {
	if link == "" {
		st.noDeeplink++
		return
	}
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		if len(st.relative) < 5 {
			st.relative = append(st.relative, link)
		}
		return
	}
	if len(st.deeplinks) < 10 {
		st.deeplinks = append(st.deeplinks, link)
	}
}

// describe summarises an export answer.
func (st exportStats) describe() string {
	if st.code >= 0 {
		s := fmt.Sprintf("HTTP %d, error %d", st.status, st.code)
		if st.text != "" {
			s += " " + strconv.Quote(st.text)
		}
		return s
	}
	s := fmt.Sprintf("HTTP %d, %s, %s, %d bytes", st.status, st.ctype, plural(st.records, "record"), st.bytes)
	if st.truncated {
		s += " (stopped after the limit)"
	}
	if secs := st.elapsed.Seconds(); secs > 0 && st.records > 0 {
		s += fmt.Sprintf(", %.0f records/s", float64(st.records)/secs)
	}
	return s
}

// checkExports answers questions 1–3 and 5 and keeps the statistics.
func (r *runner) checkExports(ctx context.Context) []Result {
	if !r.authOK {
		return []Result{r.noAuth(1), r.noAuth(2), r.noAuth(3), r.noAuth(5)}
	}
	cats, catRes := r.checkExport(ctx, categoriesExport)
	items, itemRes := r.checkExport(ctx, itemsExport)
	_, revRes := r.checkExport(ctx, reviewsExport)
	r.categories, r.items = cats, items
	return []Result{catRes, itemRes, revRes, r.checkComprehensive()}
}

// checkExport runs one export check: the full document, two pages, the
// deeplinks.
func (r *runner) checkExport(ctx context.Context, k exportKind) (*exportStats, Result) {
	st, sent := r.fetchExport(ctx, k, nil, r.cfg.MaxRecords)
	ev := Evidence{Sent: sent, Received: st.describe(), Millis: ms(st.elapsed), OK: true}
	var problems []string
	fix := k.fix
	switch {
	case st.code == shopgate.CodeFileEmptyBuffer && k.number == 3:
		// No reviews is a valid answer: the export works, there is nothing
		// to send.
		return &st, Result{Number: k.number, Verdict: Yes, Evidence: []Evidence{ev},
			Reason: "the shop has no reviews (82 buffer is empty, as Shopgate expects)"}
	case st.code >= 0:
		ev.OK = false
		if st.code == shopgate.CodeDisabledAction {
			problems = append(problems, k.action+" is disabled or has no catalogue source (22)")
		} else if st.code == shopgate.CodeFileEmptyBuffer {
			problems = append(problems, "the export is empty (82)")
			fix = "The export is empty: check that the catalogue source reads the shop's active records."
		}
	case st.parseErr != nil:
		ev.OK = false
		problems = append(problems, "not well-formed: "+st.parseErr.Error())
		fix = "The " + k.action + " answer must be one well-formed XML document with root <" + k.root + ">; use shopgate/export's writers (handlers/pluginapi does) and check the error log for mid-stream errors."
	case st.status != http.StatusOK:
		ev.OK = false
		problems = append(problems, "HTTP status "+strconv.Itoa(st.status))
	}
	if ev.OK {
		if st.noUID > 0 {
			problems = append(problems, plural(st.noUID, "record")+" without uid")
		}
		if len(st.duplicates) > 0 {
			problems = append(problems, "duplicate uids: "+strings.Join(st.duplicates, ", "))
			fix = "Every " + k.record + " uid must be unique: export each record once, keyed by its immutable primary key (variants belong inside their parent)."
		}
		for _, req := range k.required {
			if n := st.missing[req]; n > 0 {
				problems = append(problems, fmt.Sprintf("%s without <%s>", plural(n, "record"), req))
			}
		}
		if len(st.relative) > 0 {
			problems = append(problems, "deeplinks not absolute: "+strings.Join(st.relative, ", "))
			fix = "Deeplinks must be absolute http(s) URLs of the storefront: set the shop's public URL (e.g. PUBLIC_URL) for the catalogue source."
		}
		if len(problems) > 0 {
			ev.OK = false
		}
	}
	if len(problems) > 0 {
		ev.Received += "; " + strings.Join(problems, "; ")
	}
	evs := []Evidence{ev}
	if ev.OK && len(st.first) >= 2 {
		evs = append(evs, r.checkPaging(ctx, k, st)...)
	}
	if ev.OK && r.cfg.Storefront != "" {
		evs = append(evs, r.checkDeeplinks(ctx, st.deeplinks)...)
	}
	res := result(k.number, evs, fix)
	if res.Verdict == No && res.Fix == k.fix {
		for _, e := range evs[1:] {
			if !e.OK {
				res.Fix = "limit/offset pages must partition the export in a stable order (docs/protocol/catalog-export.md#paging); deeplinks must answer 200."
				break
			}
		}
	}
	return &st, res
}

// checkPaging compares two pages with the start of the full export.
func (r *runner) checkPaging(ctx context.Context, k exportKind, full exportStats) []Evidence {
	size := len(full.first) / 2
	if size > 10 {
		size = 10
	}
	if size < 1 {
		return nil
	}
	var ev []Evidence
	for page := 0; page < 2; page++ {
		want := full.first[page*size : (page+1)*size]
		st, sent := r.fetchExport(ctx, k, p("limit", strconv.Itoa(size), "offset", strconv.Itoa(page*size)), size+1)
		got := st.first
		ok := st.parseErr == nil && st.code < 0 && equalStrings(got, want)
		rec := st.describe()
		if !ok {
			rec += fmt.Sprintf("; uids %v, expected %v (records %d–%d of the full export)", got, want, page*size+1, (page+1)*size)
		}
		ev = append(ev, Evidence{Sent: sent, Received: rec, Millis: ms(st.elapsed), OK: ok})
	}
	return ev
}

// equalStrings compares two slices.
func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkDeeplinks fetches a sample of deeplinks; each must answer 200.
func (r *runner) checkDeeplinks(ctx context.Context, links []string) []Evidence {
	if len(links) > r.cfg.Sample {
		links = links[:r.cfg.Sample]
	}
	var ev []Evidence
	for _, l := range links {
		st := r.get(ctx, l, desktopUA)
		ok := st.err == nil && st.status == http.StatusOK
		ev = append(ev, Evidence{Sent: "GET " + l + " (desktop browser)", Received: st.summary(), Millis: ms(st.elapsed), OK: ok})
	}
	return ev
}

// share formats n of total as a percentage.
func share(n, total int) string {
	if total == 0 {
		return "0/0"
	}
	return fmt.Sprintf("%d/%d (%.0f%%)", n, total, 100*float64(n)/float64(total))
}

// checkComprehensive is question 5: how complete the exported records
// are. Deeplinks on every item and category and images on most items are
// required; identifiers, tags and relations are reported.
func (r *runner) checkComprehensive() Result {
	it, ca := r.items, r.categories
	if it == nil || it.code >= 0 || it.parseErr != nil || it.records == 0 {
		return Result{Number: 5, Verdict: No, Reason: "no items could be read (see 2)",
			Fix: "Make get_items work first (question 2)."}
	}
	itemsOK := it.noDeeplink == 0 && len(it.relative) == 0 && it.withImages*2 >= it.records
	ev := []Evidence{{
		Sent: "get_items (full export, see 2)",
		Received: fmt.Sprintf("items with images %s, identifiers (EAN/ISBN/…) %s, tags %s, relations %s, deeplinks %s",
			share(it.withImages, it.records), share(it.withIdentifiers, it.records), share(it.withTags, it.records),
			share(it.withRelations, it.records), share(it.records-it.noDeeplink-len(it.relative), it.records)),
		OK: itemsOK,
	}}
	if ca != nil && ca.code < 0 && ca.parseErr == nil {
		ev = append(ev, Evidence{
			Sent:     "get_categories (full export, see 1)",
			Received: fmt.Sprintf("categories with images %s, deeplinks %s", share(ca.withImages, ca.records), share(ca.records-ca.noDeeplink-len(ca.relative), ca.records)),
			OK:       ca.noDeeplink == 0 && len(ca.relative) == 0,
		})
	}
	return result(5, ev, "Export every field the shop has: a deeplink on every item and category, images on (nearly) every item, identifiers (EAN, ISBN, MPN), tags and related items (adapters/gormcatalog maps them from the host's columns).")
}
