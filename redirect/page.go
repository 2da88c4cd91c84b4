package redirect

import (
	"fmt"
	"strings"
)

// PageType says what a desktop page shows. The shop decides it; the package
// never derives it from the URL.
type PageType uint8

// The page types of the Shopgate Mobile Website.
const (
	// PageDefault is every page that is none of the others (cart, account,
	// content pages without CMS key). It redirects only when the default
	// redirect is switched on.
	PageDefault PageType = iota
	// PageHome is the start page.
	PageHome
	// PageProduct is a product page; the identifier is the item number (or
	// the public item number, see Page.Public).
	PageProduct
	// PageCategory is a category page; the identifier is the category number.
	PageCategory
	// PageCMS is a content page; the identifier is the CMS page key.
	PageCMS
	// PageBrand is a manufacturer page; the identifier is the brand name.
	PageBrand
	// PageSearch is a search result page; the identifier is the search text.
	PageSearch

	numPageTypes = int(PageSearch) + 1
)

var pageTypeNames = [numPageTypes]string{"default", "home", "product", "category", "cms", "brand", "search"}

// jsRedirectCodes are the values of _shopgate.redirect per page type.
var jsRedirectCodes = [numPageTypes]string{"default", "start", "item", "category", "cms", "brand", "search"}

// jsVariables are the names of the identifier variable of the snippet.
var jsVariables = [numPageTypes]string{"", "", "item_number", "category_number", "cms_page", "brand_name", "search_query"}

// String returns the configuration name of the page type ("product", ...).
func (t PageType) String() string {
	if int(t) < numPageTypes {
		return pageTypeNames[t]
	}
	return fmt.Sprintf("PageType(%d)", uint8(t))
}

// ParsePageType returns the page type with the given configuration name
// (case-insensitive).
func ParsePageType(s string) (PageType, error) {
	for i, n := range pageTypeNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return PageType(i), nil
		}
	}
	return PageDefault, fmt.Errorf("redirect: unknown page type %q", s)
}

// needsID reports whether pages of this type carry an identifier.
func (t PageType) needsID() bool { return t >= PageProduct && int(t) < numPageTypes }

// Page is the page type and identifier of one desktop page.
type Page struct {
	// Type is the kind of page.
	Type PageType
	// ID is the product number, category number, CMS key, brand name or
	// search text; empty for home and default pages.
	ID string
	// Public marks a product page identified by its public item number
	// (item_number_public). The Mobile Website URL is the same.
	Public bool
}

// DefaultPage returns a page of type default.
func DefaultPage() Page { return Page{Type: PageDefault} }

// Home returns the start page.
func Home() Page { return Page{Type: PageHome} }

// Product returns the page of the product with the given item number.
func Product(itemNumber string) Page { return Page{Type: PageProduct, ID: itemNumber} }

// ProductPublic returns the page of the product with the given public item
// number.
func ProductPublic(publicNumber string) Page {
	return Page{Type: PageProduct, ID: publicNumber, Public: true}
}

// Category returns the page of the category with the given number.
func Category(number string) Page { return Page{Type: PageCategory, ID: number} }

// CMS returns the content page with the given key.
func CMS(key string) Page { return Page{Type: PageCMS, ID: key} }

// Brand returns the page of the named brand.
func Brand(name string) Page { return Page{Type: PageBrand, ID: name} }

// Search returns the result page of the given search text.
func Search(text string) Page { return Page{Type: PageSearch, ID: text} }

// Normalize returns the page as the redirect handles it: a type that needs
// an identifier but has none, or an unknown type, becomes default.
func (p Page) Normalize() Page {
	if int(p.Type) >= numPageTypes || (p.Type.needsID() && p.ID == "") {
		return Page{Type: PageDefault}
	}
	if !p.Type.needsID() {
		p.ID = ""
	}
	return p
}
