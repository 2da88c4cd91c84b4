package gormcatalog

import (
	"reflect"
	"strings"
	"sync"
	"unicode"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
)

// dbType is skipped by Localize and HasPlaceholders: a mapping's database
// handle is shared, never copied.
var dbType = reflect.TypeOf((*gorm.DB)(nil))

// Marketplace placeholders (docs/protocol/cart.md#marketplaces). Any
// mapping expression may contain them; they are replaced by the requesting
// shop's language (lower case, e.g. 'en') or currency (upper case, e.g.
// 'USD') as a quoted SQL literal, so one mapping serves a marketplace per
// language and currency, e.g.
//
//	From: "shop_products p LEFT JOIN shop_product_translations tr ON tr.product_id = p.id AND tr.language = {lang}"
//	Name: "COALESCE(tr.name, p.name)"
const (
	LangPlaceholder     = "{lang}"
	CurrencyPlaceholder = "{currency}"
)

// Localize returns a copy of v (a mapping struct, or a pointer to one) in
// which every string field, also in nested structs, pointers and slices,
// has the placeholders replaced for shop (a *gorm.DB is kept as is). Values that are not plain
// letters are replaced by an empty literal, so a placeholder never lets a
// request inject SQL.
func Localize[T any](v T, shop adapters.Shop) T {
	r := strings.NewReplacer(LangPlaceholder, literal(strings.ToLower(shop.Language)),
		CurrencyPlaceholder, literal(strings.ToUpper(shop.Currency)))
	out := reflect.New(reflect.TypeOf(&v).Elem()).Elem()
	out.Set(localize(reflect.ValueOf(&v).Elem(), r))
	return out.Interface().(T)
}

// HasPlaceholders reports whether any string in v contains a placeholder.
func HasPlaceholders(v any) bool {
	found := false
	var walk func(reflect.Value)
	walk = func(x reflect.Value) {
		if x.Type() == dbType {
			return
		}
		switch x.Kind() {
		case reflect.String:
			s := x.String()
			found = found || strings.Contains(s, LangPlaceholder) || strings.Contains(s, CurrencyPlaceholder)
		case reflect.Pointer, reflect.Interface:
			if !x.IsNil() {
				walk(x.Elem())
			}
		case reflect.Struct:
			for i := 0; i < x.NumField(); i++ {
				if x.Type().Field(i).IsExported() {
					walk(x.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < x.Len(); i++ {
				walk(x.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(v))
	return found
}

func literal(s string) string {
	for _, r := range s {
		if r > unicode.MaxASCII || !unicode.IsLetter(r) {
			return "''"
		}
	}
	return "'" + s + "'"
}

func localize(v reflect.Value, r *strings.Replacer) reflect.Value {
	if v.Type() == dbType {
		return v
	}
	switch v.Kind() {
	case reflect.String:
		n := reflect.New(v.Type()).Elem()
		n.SetString(r.Replace(v.String()))
		return n
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		n := reflect.New(v.Type().Elem())
		n.Elem().Set(localize(v.Elem(), r))
		return n
	case reflect.Struct:
		n := reflect.New(v.Type()).Elem()
		n.Set(v)
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() && n.Field(i).CanSet() {
				n.Field(i).Set(localize(v.Field(i), r))
			}
		}
		return n
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			n.Index(i).Set(localize(v.Index(i), r))
		}
		return n
	}
	return v
}

// localSources caches one Source per language and currency for a mapping
// with placeholders.
type localSources struct {
	mu sync.Mutex
	m  map[string]*Source
}

// forShop returns the Source answering shop: s itself for a mapping
// without placeholders, else a Source of the localized mapping (built once
// per language and currency).
func (s *Source) forShop(shop adapters.Shop) (*Source, error) {
	if s.locals == nil {
		return s, nil
	}
	key := strings.ToLower(shop.Language) + "/" + strings.ToUpper(shop.Currency)
	s.locals.mu.Lock()
	defer s.locals.mu.Unlock()
	if l, ok := s.locals.m[key]; ok {
		return l, nil
	}
	l, err := newSource(Localize(s.cfg, shop))
	if err != nil {
		return nil, err
	}
	s.locals.m[key] = l
	return l, nil
}
