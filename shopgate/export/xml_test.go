package export

import (
	"bytes"
	"database/sql"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

func TestCleanIllFormedUTF8(t *testing.T) {
	// The table of docs/protocol/catalog-export.md#string-cleaning: one '?' per
	// maximal ill-formed subpart.
	tests := []struct{ in, want string }{
		{"\x61\xff\xfe\x62", "a??b"},
		{"\x61\xe2\x82\x62", "a?b"},
		{"\x61\xc3\x62", "a?b"},
		{"\xf0\x9f\x98\x63", "?c"},
		{"\xed\xa0\x80\x78", "???x"},
		{"\xc0\xaf\x7a", "??z"},
		{"\xe0\x80\x80\x78", "???x"},
		{"\xf4\x90\x80\x80\x78", "????x"},
		{"\xe2\xe2\x82\xac", "?€"},
		{"\x61\xe2\x82", "a?"},
		{"plain", "plain"},
		{"tab\tlf\ncr\r", "tab\tlf\ncr\r"},
		{"nul\x00bell\x07esc\x1b", "nulbellesc"},
		{"nonchar\uFFFE\uFFFF.", "nonchar."},
		{"emoji 😀 é", "emoji 😀 é"},
	}
	for _, tt := range tests {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscaping(t *testing.T) {
	tests := []struct {
		name string
		f    func([]byte, string) []byte
		in   string
		want string
	}{
		{"cdata plain", appendCDATA, "a & b <p>", "a & b <p>"},
		{"cdata split", appendCDATA, "x]]>y]]>", "x]]]]><![CDATA[>y]]]]><![CDATA[>"},
		{"cdata brackets", appendCDATA, "]]]>", "]]]]]><![CDATA[>"},
		{"cdata control", appendCDATA, "a\x01b\x1f", "ab"},
		{"text", appendText, "a&b<c>\"d' e\rf\ng\th", "a&amp;b&lt;c&gt;\"d' e&#13;f\ng\th"},
		{"text entity literal", appendText, "&uuml;&amp;", "&amp;uuml;&amp;amp;"},
		{"attr", appendAttr, "a&<>\"'\t\n\r", "a&amp;&lt;&gt;&quot;'&#9;&#10;&#13;"},
		{"attr non-ascii", appendAttr, "é😀€", "&#xE9;&#x1F600;&#x20AC;"},
		{"attr control", appendAttr, "a\x00b\x0bc", "abc"},
		{"attr invalid utf8", appendAttr, "a\xffb", "a?b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.f(nil, tt.in)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAppendDecimal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"24.9900", "24.99"}, {"8.50", "8.5"}, {"180.000", "180"}, {"0.00", "0"}, {"19", "19"},
		{"-0.00", "0"}, {"-3", "-3"}, {"0.05", "0.05"}, {"0.0001", "0.0001"}, {"1800", "1800"},
		{"123456789012345678901234.5", "123456789012345678901234.5"}, {"-12.340", "-12.34"},
	}
	for _, tt := range tests {
		if got := string(appendDecimal(nil, decimal.RequireFromString(tt.in))); got != tt.want {
			t.Errorf("appendDecimal(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for in, want := range map[string]string{"7.6543": "7.65", "7.655": "7.66", "-7.655": "-7.66", "19.0000": "19", "0.004": "0", "2.5": "2.5"} {
		if got := string(appendDecimalRound(nil, decimal.RequireFromString(in), 2)); got != want {
			t.Errorf("round(%s, 2) = %s, want %s", in, got, want)
		}
	}
	if got := string(appendDecimal(nil, decimal.New(18, 2))); got != "1800" {
		t.Errorf("18e2 = %s", got)
	}
	if got := string(appendDecimal(nil, decimal.NewFromFloat(0.1).Add(decimal.NewFromFloat(0.2)))); got != "0.3" {
		t.Errorf("0.1+0.2 = %s", got)
	}
}

func writeItems(t *testing.T, items ...Item) string {
	t.Helper()
	var b bytes.Buffer
	w := NewItemWriter(&b)
	for i := range items {
		if err := w.Write(&items[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const itemsRoot = `<items xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://files.shopgate.com/xml/xsd/catalog/products.xsd">`

func TestEmptyItemSkeleton(t *testing.T) {
	want := itemsRoot + `<item><name/><currency/><description/><deeplink/><promotion/><internal_order_info/><weight/><prices/><images/><categories/><shipping><is_free>0</is_free></shipping><manufacturer/><visibility marketplace="0"/><properties/><stock><is_saleable>0</is_saleable><backorders>0</backorders><use_stock>0</use_stock><stock_quantity/></stock><identifiers/><tags/><relations/><attribute_groups/><inputs/><display_type/><children/></item></items>`
	if got := writeItems(t, Item{}); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestItemEdgeCases(t *testing.T) {
	tests := []struct {
		name     string
		item     Item
		contains []string
		absent   []string
	}{
		{
			name:     "no images, no stock, no category",
			item:     Item{UID: "1", Name: "Bare", Stock: Stock{UseStock: true, StockQuantity: Some[int64](0)}},
			contains: []string{"<images/>", "<categories/>", "<use_stock>1</use_stock><stock_quantity>0</stock_quantity>", "<is_saleable>0</is_saleable>"},
		},
		{
			name:     "control characters and invalid utf8 in name and description",
			item:     Item{UID: "2", Name: "Bad\x00name\xff", Description: "<b>x</b>\x07]]>end"},
			contains: []string{"<name><![CDATA[Badname?]]></name>", "<description><![CDATA[<b>x</b>]]]]><![CDATA[>end]]></description>"},
		},
		{
			name:     "name only control characters gives empty element",
			item:     Item{UID: "3", Name: "\x01\x02"},
			contains: []string{"<name/>"},
		},
		{
			name:     "uid with non-ascii and quote",
			item:     Item{UID: "ä\"1"},
			contains: []string{`<item uid="&#xE4;&quot;1">`},
		},
		{
			name:     "empty OMIT string is written, null is not",
			item:     Item{UID: "4", TaxClass: Some(""), Stock: Stock{AvailabilityText: sql.Null[string]{}}},
			contains: []string{"<tax_class/>"},
			absent:   []string{"availability_text", "tax_percent", "age_rating"},
		},
		{
			name:     "tax percent rounded to two decimals",
			item:     Item{UID: "5", TaxPercent: Some(dec("7.6543"))},
			contains: []string{"<tax_percent>7.65</tax_percent>"},
		},
		{
			name: "custom relation label and input with validation",
			item: Item{UID: "6",
				Relations: []Relation{{Type: "upsell", Label: "ignored", UIDs: []string{"a&b"}}},
				Inputs: []Input{{UID: "i1", Type: "text", Required: true, AdditionalPrice: Some(dec("1.50")), SortOrder: Some[int64](2),
					Label: "Engraving", Options: []Option{{AdditionalPrice: Some(dec("2")), UID: "o", SortOrder: Some[int64](1), Label: "L", Value: "V"}}}},
			},
			contains: []string{`<relation type="upsell"><uid>a&amp;b</uid></relation>`,
				`<input uid="i1" type="text" required="1" additional_price="1.5" sort_order="2"><label><![CDATA[Engraving]]></label><info_text/><options><option additional_price="2" uid="o" sort_order="1"><label><![CDATA[L]]></label><value><![CDATA[V]]></value></option></options><validation/></input>`},
			absent: []string{"ignored"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := writeItems(t, tt.item)
			for _, c := range tt.contains {
				if !strings.Contains(got, c) {
					t.Errorf("missing %q in\n%s", c, got)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(got, a) {
					t.Errorf("unexpected %q in\n%s", a, got)
				}
			}
			mustParse(t, got)
		})
	}
}

func TestChildPruning(t *testing.T) {
	parent := Item{UID: "p", Name: "Parent", Description: "Desc", Currency: "EUR",
		Weight: Some(dec("1")), WeightUnit: "kg",
		Stock: Stock{UseStock: true, StockQuantity: Some[int64](3)}}
	tests := []struct {
		name  string
		child Item
		want  string // the <children> element
	}{
		{"identical child disappears", Item{UID: "p"}, "<children/>"},
		{"explicitly blank description survives", Item{UID: "c", Blank: FieldDescription},
			`<children><item uid="c"><description/></item></children>`},
		{"whitespace-only name is pruned", Item{UID: "c", Name: " \t\n", Attributes: []Attribute{{UID: "a", GroupUID: "g", Label: "A"}}},
			`<children><item uid="c"><attributes><attribute uid="a" group_uid="g"><![CDATA[A]]></attribute></attributes></item></children>`},
		{"differing weight drops the equal unit", Item{UID: "c", Weight: Some(dec("2")), WeightUnit: "kg"},
			`<children><item uid="c"><weight>2</weight></item></children>`},
		{"differing stock written whole", Item{UID: "c", Stock: Stock{UseStock: true, StockQuantity: Some[int64](0)}},
			`<children><item uid="c"><stock><is_saleable>0</is_saleable><backorders>0</backorders><use_stock>1</use_stock><stock_quantity>0</stock_quantity></stock></item></children>`},
		{"visibility and categories never survive", Item{UID: "c", Visibility: Visibility{Level: "nothing"}, Categories: []CategoryRef{{UID: "9"}}},
			"<children/>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := parent
			p.Children = []Item{tt.child}
			got := writeItems(t, p)
			i := strings.Index(got, "<children")
			j := strings.LastIndex(got, "</item></items>")
			if i < 0 || j < i || got[i:j] != tt.want {
				t.Errorf("children = %s\nwant       %s", got[i:j], tt.want)
			}
			mustParse(t, got)
		})
	}
}

func TestWriterErrorLatches(t *testing.T) {
	w := NewItemWriter(failWriter{})
	w.flushSize = 1
	it := Item{UID: "1"}
	if err := w.Write(&it); err == nil {
		t.Fatal("want write error")
	}
	if err := w.Write(&it); err == nil {
		t.Fatal("want latched error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

// mustParse checks that s is well-formed XML.
func mustParse(t testing.TB, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("output is not valid UTF-8")
	}
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, s)
		}
	}
}

func FuzzItemWriter(f *testing.F) {
	f.Add("name", "desc", "uid", "tag")
	f.Add("\xff\x00]]>", "<![CDATA[", "é\"&", "\r\n")
	f.Fuzz(func(t *testing.T, name, desc, uid, tag string) {
		it := Item{UID: uid, Name: name, Description: desc, Tags: []Tag{{UID: tag, Value: tag}},
			Properties: []Property{{UID: name, Label: desc, Value: uid}},
			Relations:  []Relation{{Type: tag, UIDs: []string{name}}},
			Children:   []Item{{UID: tag, Name: desc, Attributes: []Attribute{{UID: uid, GroupUID: name, Label: tag}}}}}
		got := writeItems(t, it)
		mustParse(t, got)
		var doc struct {
			Items []struct {
				UID  string `xml:"uid,attr"`
				Name string `xml:"name"`
			} `xml:"item"`
		}
		if err := xml.Unmarshal([]byte(got), &doc); err != nil {
			t.Fatal(err)
		}
		nl := strings.NewReplacer("\r\n", "\n", "\r", "\n")
		if len(doc.Items) != 1 || doc.Items[0].UID != Clean(uid) || doc.Items[0].Name != nl.Replace(Clean(name)) {
			t.Fatalf("round trip: %+v (uid %q name %q)", doc.Items, Clean(uid), Clean(name))
		}
	})
}

func TestAppendTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("", 2*3600)),
		time.Date(1999, 12, 31, 23, 59, 58, 999, time.FixedZone("", -(5*3600+30*60))),
		time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, want := string(appendTime(nil, tm)), tm.Format("2006-01-02T15:04:05-0700"); got != want {
			t.Errorf("appendTime = %s, want %s", got, want)
		}
	}
}
