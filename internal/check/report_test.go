package check

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed (run go test -update if on purpose):\n%s", path, got)
	}
}

// schema lists every JSON path with its type; array elements share one
// path with [].
func schema(v any, path string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		out[path] = "object"
		for k, e := range x {
			schema(e, path+"."+k, out)
		}
	case []any:
		out[path] = "array"
		for _, e := range x {
			schema(e, path+"[]", out)
		}
	case string:
		out[path] = "string"
	case float64:
		out[path] = "number"
	case bool:
		out[path] = "boolean"
	case nil:
		out[path] = "null"
	}
}

// TestJSONSchema: the JSON of a real run has the layout of
// testdata/schema.golden (paths and types), so machines reading
// "shopbridge check -json" do not break unnoticed.
func TestJSONSchema(t *testing.T) {
	s := newFakeShop(t, shopOptions{})
	rep := Run(context.Background(), s.config())
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	schema(v, "$", paths)
	var lines []string
	for p, typ := range paths {
		if strings.HasSuffix(p, ".fix") || strings.HasSuffix(p, ".reason") {
			typ = "string (optional)"
		}
		lines = append(lines, fmt.Sprintf("%s %s", p, typ))
	}
	sort.Strings(lines)
	golden(t, "schema.golden", []byte(strings.Join(lines, "\n")+"\n"))
}

// TestReportGolden: a fixed report renders to exactly
// testdata/report.golden.json and testdata/report.golden.txt.
func TestReportGolden(t *testing.T) {
	rep := Report{Schema: SchemaVersion, URL: "https://shop.example.com/shopgate/api",
		Started: time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC), Millis: 2705}
	for n := 1; n <= 15; n++ {
		r := Result{Number: n, Question: Questions[n], Verdict: Yes, Evidence: []Evidence{}}
		switch n {
		case 2:
			r.Verdict, r.Fix = No, "Every item uid must be unique."
			r.Evidence = []Evidence{{Sent: "POST https://shop.example.com/shopgate/api action=get_items", Received: "HTTP 200, application/xml, 25 records; duplicate uids: 1", Millis: 12}}
		case 15:
			r.Verdict, r.Reason = NotChecked, "needs -merchant-api"
		default:
			r.Evidence = []Evidence{{Sent: "POST https://shop.example.com/shopgate/api action=ping", Received: "HTTP 200, error 0", Millis: 3, OK: true}}
		}
		rep.Results = append(rep.Results, r)
	}
	var j, txt bytes.Buffer
	if err := rep.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.json", j.Bytes())
	if err := rep.WriteTable(&txt); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.txt", txt.Bytes())
}
