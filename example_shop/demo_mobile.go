package main

// The demo's stand-ins for outside services, so that the buyer's whole
// path works on one machine: the fake DropHero's products get stock and
// images served by this shop, and a small local Mobile Website under /m/
// receives the phones the Mobile Redirect sends away.

import (
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/drophero/dropherotest"
)

// demoMobilePath is where the demo serves its stand-in Mobile Website.
const demoMobilePath = "/m"

// demoDropHeroSeed gives the fake DropHero's products of demo mode stock
// and an image this shop serves (/static/img/…), so that "New in" shows
// partner products that can be bought and whose images load offline.
func demoDropHeroSeed(publicURL string) dropherotest.Option {
	return dropherotest.WithSeedEdit(func(p map[string]any) {
		if p["qty"] == nil {
			p["qty"] = "40.0000"
		}
		id := fmt.Sprint(p["iditem"])
		p["img_url"] = strings.TrimRight(publicURL, "/") + "/static/img/dh-" + id + ".svg"
	})
}

var demoMobileTmpl = template.Must(template.New("m").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – Mobile Website (demo)</title>
<style>body{margin:0;font-family:system-ui,sans-serif;background:#f4f6f8;color:#222}header{background:#1f6f43;color:#fff;padding:12px 16px;font-weight:bold}
main{padding:16px}.card{background:#fff;border-radius:10px;padding:12px;margin-bottom:12px}img{max-width:100%;border-radius:8px}
a.btn{display:block;text-align:center;padding:12px;border-radius:8px;background:#1f6f43;color:#fff;text-decoration:none;margin-top:12px}
.note{font-size:.85rem;color:#666}</style></head>
<body><header>Example Shop · Mobile Website</header><main>
<p class="note">Local stand-in of Shopgate's Mobile Website (demo mode): the Mobile Redirect sent this phone here.</p>
<div class="card"><h1>{{.Title}}</h1>{{with .Image}}<img src="{{.}}" alt="">{{end}}{{with .Price}}<p><strong>{{.}}</strong></p>{{end}}{{with .Text}}<p>{{.}}</p>{{end}}</div>
<a class="btn" id="desktop" href="{{.Desktop}}">Desktop version</a>
</main></body></html>
`))

// mountDemoMobile serves the stand-in Mobile Website: the pages the
// redirect targets (home, item, category, search), each with the
// "Desktop version" link of the real one, which opts out
// (shopgate_redirect=1) and leads back to the matching shop page.
func (a *App) mountDemoMobile() {
	h := func(c echo.Context) error {
		rest := strings.TrimPrefix(c.Request().URL.Path, demoMobilePath)
		rest = strings.Trim(rest, "/")
		kind, rawID, _ := strings.Cut(rest, "/")
		data := struct{ Title, Image, Price, Text, Desktop string }{Title: "Welcome", Desktop: "/"}
		id := ""
		if b, err := hex.DecodeString(rawID); err == nil {
			id = string(b)
		}
		switch kind {
		case "":
		case "item":
			n, err := strconv.ParseUint(id, 10, 32)
			var p Product
			if err != nil || a.DB.WithContext(c.Request().Context()).Preload("Images").Take(&p, n).Error != nil {
				return echo.NewHTTPError(http.StatusNotFound, "No such item.")
			}
			data.Title, data.Price, data.Text, data.Desktop = p.Name, formatMoney(p.Price), p.ShortText, fmt.Sprintf("/product/%d", p.ID)
			if len(p.Images) > 0 {
				data.Image = p.Images[0].URL
			}
		case "category":
			n, err := strconv.ParseUint(id, 10, 32)
			var cat Category
			if err != nil || a.DB.WithContext(c.Request().Context()).Take(&cat, n).Error != nil {
				return echo.NewHTTPError(http.StatusNotFound, "No such category.")
			}
			data.Title, data.Desktop = cat.Name, fmt.Sprintf("/category/%d", cat.ID)
		case "search":
			q := c.QueryParam("s")
			data.Title, data.Desktop = "Search: "+q, "/search?q="+url.QueryEscape(q)
		default:
			return echo.NewHTTPError(http.StatusNotFound, "No such page.")
		}
		// The real Mobile Website's "desktop version" link opts out.
		sep := "?"
		if strings.Contains(data.Desktop, "?") {
			sep = "&"
		}
		data.Desktop += sep + "shopgate_redirect=1"
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		c.Response().WriteHeader(http.StatusOK)
		return demoMobileTmpl.Execute(c.Response(), data)
	}
	a.Echo.GET(demoMobilePath, h)
	a.Echo.GET(demoMobilePath+"/*", h)
}
