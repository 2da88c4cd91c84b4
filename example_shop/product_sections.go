package main

import (
	"html/template"
	"sync"

	"github.com/labstack/echo/v4"
)

// ProductSection renders an integration's extra part of a product page
// (e.g. where a partner product ships), or "" for none.
type ProductSection func(c echo.Context, p *Product) template.HTML

// productSectionsOf holds the product sections of each App.
var productSectionsOf sync.Map // *App → *productSections

type productSections struct {
	mu sync.Mutex
	fs []ProductSection
}

// AddProductSection adds an integration's part of the product page, shown
// below the buy button.
func (a *App) AddProductSection(f ProductSection) {
	v, _ := productSectionsOf.LoadOrStore(a, &productSections{})
	ps := v.(*productSections)
	ps.mu.Lock()
	ps.fs = append(ps.fs, f)
	ps.mu.Unlock()
	a.OnClose(func() { productSectionsOf.Delete(a) })
}

// productSections renders the product page parts of the integrations.
func (a *App) productSections(c echo.Context, p *Product) []template.HTML {
	v, ok := productSectionsOf.Load(a)
	if !ok {
		return nil
	}
	ps := v.(*productSections)
	ps.mu.Lock()
	fs := append([]ProductSection(nil), ps.fs...)
	ps.mu.Unlock()
	var out []template.HTML
	for _, f := range fs {
		if h := f(c, p); h != "" {
			out = append(out, h)
		}
	}
	return out
}
