package main

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestFormatMoney(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "€0.00"},
		{"19.99", "€19.99"},
		{"19.9900", "€19.99"},
		{"8.5", "€8.50"},
		{"1234.5", "€1,234.50"},
		{"1234567.891", "€1,234,567.89"},
		{"999.995", "€1,000.00"},
		{"-20.15", "-€20.15"},
		{"-0.001", "€0.00"},
	}
	for _, tc := range tests {
		if got := formatMoney(decimal.RequireFromString(tc.in)); got != tc.want {
			t.Errorf("formatMoney(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSanitizeHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>Hello <strong>world</strong></p>", "<p>Hello <strong>world</strong></p>"},
		{`<p onclick="x()" class="a">Hi</p>`, "<p>Hi</p>"},
		{"<script>alert(1)</script>ok", "ok"},
		{"<style>p{}</style><p>a</p>", "<p>a</p>"},
		{`<a href="javascript:alert(1)">link</a>`, "link"},
		{`<img src=x onerror=alert(1)>`, ""},
		{"<p>unclosed <em>tags", "<p>unclosed <em>tags</em></p>"},
		{"stray </div></p> end", "stray  end"},
		{"<ul><li>a<li>b</ul>", "<ul><li>a<li>b</li></li></ul>"},
		{"a < b & c > d", "a &lt; b &amp; c &gt; d"},
		{"line<br>break<br/>", "line<br>break<br>"},
		{"<p/>x", "<p></p>x"},
		{"<svg><script>alert(1)</script></svg>after", "after"},
		{"<iframe src=x>inside</iframe>", ""},
	}
	for _, tc := range tests {
		if got := string(sanitizeHTML(tc.in)); got != tc.want {
			t.Errorf("sanitizeHTML(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzSanitizeHTML(f *testing.F) {
	for _, s := range []string{"<p>a</p>", "<script>x</script>", `<b onclick=1>x`, "</p></div>", "<svg><p>", "&lt;script&gt;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := string(sanitizeHTML(in))
		low := strings.ToLower(out)
		for _, bad := range []string{"<script", "<iframe", "<img", "<a ", "<svg", "<style", "on" + "error=", "javascript:"} {
			if strings.Contains(low, bad) && !strings.Contains(strings.ToLower(in), "&") {
				t.Fatalf("output of %q contains %q: %q", in, bad, out)
			}
		}
		// No tag in the output has attributes.
		for _, part := range strings.Split(out, "<")[1:] {
			end := strings.IndexByte(part, '>')
			if end < 0 {
				t.Fatalf("unterminated tag in %q", out)
			}
			if strings.ContainsAny(part[:end], " \t\n=\"'") {
				t.Fatalf("tag with attributes in %q", out)
			}
		}
		// Sanitising is idempotent: the output is already clean.
		if again := string(sanitizeHTML(out)); again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}

func TestStars(t *testing.T) {
	for score, want := range map[int]string{0: "☆☆☆☆☆", 3: "★★★☆☆", 5: "★★★★★", 9: "★★★★★", -1: "☆☆☆☆☆"} {
		if got := stars(score); got != want {
			t.Errorf("stars(%d) = %q, want %q", score, got, want)
		}
	}
}
