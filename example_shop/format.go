package main

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/shopspring/decimal"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// templateFuncs are available in every template.
var templateFuncs = template.FuncMap{
	"money":       formatMoney,
	"safeHTML":    sanitizeHTML,
	"add":         func(a, b int) int { return a + b },
	"stars":       stars,
	"productURL":  func(id uint) string { return fmt.Sprintf("/product/%d", id) },
	"categoryURL": func(id uint) string { return fmt.Sprintf("/category/%d", id) },
	"countries":   func() map[string]string { return countries },
	"addressForm": func(prefix string, a OrderAddress) addressForm { return addressForm{Prefix: prefix, A: a} },
}

// countries the shop delivers to, by ISO 3166-1 alpha-2 code.
var countries = map[string]string{
	"AT": "Austria", "BE": "Belgium", "CH": "Switzerland", "DE": "Germany", "DK": "Denmark",
	"ES": "Spain", "FR": "France", "IT": "Italy", "LU": "Luxembourg", "NL": "Netherlands",
	"PL": "Poland",
}

// addressForm is the data of the "address" template: field name prefix
// and current values.
type addressForm struct {
	Prefix string
	A      OrderAddress
}

// formatMoney writes an amount in euros the way the storefront shows it:
// "€1,234.50". Rounding is half away from zero to cents.
func formatMoney(d decimal.Decimal) string {
	s := d.Abs().StringFixed(2)
	whole, cents, _ := strings.Cut(s, ".")
	var b strings.Builder
	if d.IsNegative() && !d.Round(2).IsZero() {
		b.WriteByte('-')
	}
	b.WriteString("€")
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	b.WriteByte('.')
	b.WriteString(cents)
	return b.String()
}

// stars renders a 1–5 score as filled and empty stars.
func stars(score int) string {
	score = min(max(score, 0), 5)
	return strings.Repeat("★", score) + strings.Repeat("☆", 5-score)
}

// allowedTags are the elements product descriptions may use. Everything
// else is dropped (its text kept, except for script-like elements).
var allowedTags = map[atom.Atom]bool{
	atom.P: true, atom.Br: true, atom.Ul: true, atom.Ol: true, atom.Li: true,
	atom.Strong: true, atom.B: true, atom.Em: true, atom.I: true, atom.U: true,
	atom.H2: true, atom.H3: true, atom.H4: true, atom.Table: true, atom.Tbody: true,
	atom.Thead: true, atom.Tr: true, atom.Td: true, atom.Th: true, atom.Span: true,
	atom.Div: true, atom.Blockquote: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
}

// droppedTags lose their content too.
var droppedTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Iframe: true, atom.Object: true,
	atom.Embed: true, atom.Template: true, atom.Noscript: true, atom.Svg: true,
	atom.Math: true, atom.Title: true, atom.Textarea: true, atom.Select: true,
}

// sanitizeHTML keeps the harmless formatting of a product description and
// removes everything else, attributes included. Descriptions may come from
// suppliers (DropHero) and must not inject scripts into the storefront.
func sanitizeHTML(s string) template.HTML {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	var open []atom.Atom // allowed elements written and not yet closed
	skip := 0            // depth inside dropped elements
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			// Close what the input left open, so the page layout stays intact.
			for i := len(open) - 1; i >= 0; i-- {
				b.WriteString("</" + open[i].String() + ">")
			}
			return template.HTML(b.String()) //nolint:gosec // escaped text and balanced allowlisted tags only
		case html.TextToken:
			if skip == 0 {
				b.WriteString(html.EscapeString(string(z.Text())))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if droppedTags[a] {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if skip > 0 || !allowedTags[a] {
				continue
			}
			b.WriteString("<" + a.String() + ">")
			switch {
			case a == atom.Br:
			case tt == html.SelfClosingTagToken:
				b.WriteString("</" + a.String() + ">")
			default:
				open = append(open, a)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if droppedTags[a] {
				if skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			// Close up to the matching open element; ignore strays.
			for i := len(open) - 1; i >= 0; i-- {
				if open[i] != a {
					continue
				}
				for j := len(open) - 1; j >= i; j-- {
					b.WriteString("</" + open[j].String() + ">")
				}
				open = open[:i]
				break
			}
		}
	}
}
