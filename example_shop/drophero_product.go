package main

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/drophero"
)

var dhProductTmpl = template.Must(template.New("dhp").Parse(`<div class="card drophero-ship"><strong>Delivered by our partner DropHero</strong>
{{if .Countries}}<p class="muted">Ships to {{.Names}}. Shipping per unit:</p>
<table>{{range .Countries}}<tr><th>{{.Name}}</th><td>{{range $i, $o := .Options}}{{if $i}}<br>{{end}}{{$o.Label}} — {{$o.Total.StringFixed 2}} EUR{{with $o.TransitHours}} ({{.}} h){{end}}{{end}}</td></tr>{{end}}</table>
<p class="muted">Partner shipping is added at checkout; it is not available to other countries.</p>
{{else}}<p class="stock-out">Currently not deliverable to any country.</p>{{end}}</div>
`))

// productSection tells on the page of a DropHero product where it ships
// and what shipping costs (see App.AddProductSection).
func (st *dropHeroState) productSection(c echo.Context, p *Product) template.HTML {
	ship, ok, err := st.svc.ProductShipping(c.Request().Context(), st.a.DB, strconv.Itoa(int(p.ID)))
	if err != nil {
		st.a.Log.Warn("drophero product shipping", zap.Error(err))
		return ""
	}
	if !ok {
		return "" // not a DropHero product
	}
	type country struct {
		Name    string
		Options []drophero.ShippingOption
	}
	data := struct {
		Countries []country
		Names     string
	}{}
	var names []string
	for _, cs := range ship {
		data.Countries = append(data.Countries, country{Name: countryName(cs.Country), Options: cs.Options})
		names = append(names, countryName(cs.Country))
	}
	data.Names = strings.Join(names, ", ")
	var b strings.Builder
	if err := dhProductTmpl.Execute(&b, data); err != nil {
		return ""
	}
	return template.HTML(b.String()) //nolint:gosec // rendered by html/template
}
