package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// pageSize is the number of products per listing page.
const pageSize = 12

// productCard is a product as listings show it.
type productCard struct {
	ID       uint
	Number   string
	Name     string
	Price    decimal.Decimal
	OldPrice decimal.NullDecimal
	ImageURL string
	InStock  bool
}

// pager describes the pages of a listing.
type pager struct {
	Page, Pages int
	Total       int64
	BaseURL     string // URL to which "page=N" is appended
}

// Prev returns the previous page number, 0 on the first page.
func (p pager) Prev() int {
	if p.Page <= 1 {
		return 0
	}
	return p.Page - 1
}

// Next returns the next page number, 0 on the last page.
func (p pager) Next() int {
	if p.Page >= p.Pages {
		return 0
	}
	return p.Page + 1
}

// newPager computes the page count and clamps page into range.
func newPager(page int, total int64, base string) pager {
	pages := int((total + pageSize - 1) / pageSize)
	if pages < 1 {
		pages = 1
	}
	page = min(max(page, 1), pages)
	return pager{Page: page, Pages: pages, Total: total, BaseURL: base}
}

// pageParam reads ?page=, defaulting to 1.
func pageParam(c echo.Context) int {
	n, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// idParam reads the :id path parameter.
func idParam(c echo.Context) (uint, error) {
	n, err := strconv.ParseUint(c.Param("id"), 10, 32)
	if err != nil || n == 0 {
		return 0, echo.NewHTTPError(http.StatusNotFound, "No such page.")
	}
	return uint(n), nil
}

// cards turns products into listing cards, loading each one's cover image
// with a single query.
func (a *App) cards(ctx context.Context, products []Product) ([]productCard, error) {
	if len(products) == 0 {
		return nil, nil
	}
	ids := make([]uint, len(products))
	for i, p := range products {
		ids[i] = p.ID
	}
	var imgs []ProductImage
	if err := a.DB.WithContext(ctx).Where("product_id IN ?", ids).
		Order("product_id, sort_order, id").Find(&imgs).Error; err != nil {
		return nil, fmt.Errorf("load cover images: %w", err)
	}
	cover := make(map[uint]string, len(products))
	for _, im := range imgs {
		if _, ok := cover[im.ProductID]; !ok {
			cover[im.ProductID] = im.URL
		}
	}
	out := make([]productCard, len(products))
	for i, p := range products {
		out[i] = productCard{
			ID: p.ID, Number: p.Number, Name: p.Name, Price: p.Price, OldPrice: p.OldPrice,
			ImageURL: cover[p.ID], InStock: p.StockQuantity > 0,
		}
	}
	return out, nil
}

// homePage is the data of home.html.
type homePage struct {
	Categories []Category
	Featured   []productCard
	Newest     []productCard
}

// home shows the top categories, featured and newest products.
func (a *App) home(c echo.Context) error {
	ctx := c.Request().Context()
	var d homePage
	db := a.DB.WithContext(ctx)
	if err := db.Where("parent_id IS NULL AND active = ?", true).Order("sort_order, id").
		Find(&d.Categories).Error; err != nil {
		return fmt.Errorf("home categories: %w", err)
	}
	var featured, newest []Product
	if err := db.Where("featured = ? AND active = ? AND parent_id IS NULL", true, true).
		Order("id").Limit(8).Find(&featured).Error; err != nil {
		return fmt.Errorf("home featured: %w", err)
	}
	// "New in" advertises what can be bought now: in stock (itself or a
	// variant) and with an image.
	if err := db.Where("active = ? AND parent_id IS NULL", true).
		Where("(stock_quantity > 0 OR EXISTS (SELECT 1 FROM shop_products v WHERE v.parent_id = shop_products.id AND v.active = ? AND v.stock_quantity > 0))", true).
		Where("EXISTS (SELECT 1 FROM shop_product_images i WHERE i.product_id = shop_products.id)").
		Order("created_at DESC, id DESC").Limit(4).Find(&newest).Error; err != nil {
		return fmt.Errorf("home newest: %w", err)
	}
	var err error
	if d.Featured, err = a.cards(ctx, featured); err != nil {
		return err
	}
	if d.Newest, err = a.cards(ctx, newest); err != nil {
		return err
	}
	return a.render(c, "home.html", d)
}

// categoryPage is the data of category.html.
type categoryPage struct {
	Category      Category
	Breadcrumb    []Category // from the top level down to the parent
	Subcategories []Category
	Products      []productCard
	Pager         pager
}

// breadcrumb returns the ancestors of a category, top level first. It
// stops after 32 levels so that a cycle in the data cannot hang a request.
func (a *App) breadcrumb(ctx context.Context, parentID *uint) ([]Category, error) {
	var chain []Category
	for id := parentID; id != nil && len(chain) < 32; {
		var p Category
		if err := a.DB.WithContext(ctx).Take(&p, *id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				break
			}
			return nil, fmt.Errorf("breadcrumb: %w", err)
		}
		chain = append([]Category{p}, chain...)
		id = p.ParentID
	}
	return chain, nil
}

// subtreeIDs returns id and the ids of all its active descendants.
func (a *App) subtreeIDs(ctx context.Context, id uint) ([]uint, error) {
	ids := []uint{id}
	frontier := []uint{id}
	for depth := 0; len(frontier) > 0 && depth < 32; depth++ {
		var next []uint
		if err := a.DB.WithContext(ctx).Model(&Category{}).
			Where("parent_id IN ? AND active = ?", frontier, true).Pluck("id", &next).Error; err != nil {
			return nil, fmt.Errorf("category subtree: %w", err)
		}
		ids = append(ids, next...)
		frontier = next
	}
	return ids, nil
}

// category shows a category with its subcategories and the products of it
// and of all its subcategories, a page at a time.
func (a *App) category(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	db := a.DB.WithContext(ctx)
	var d categoryPage
	if err := db.Where("active = ?", true).Take(&d.Category, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "This category does not exist.")
		}
		return fmt.Errorf("load category %d: %w", id, err)
	}
	if d.Breadcrumb, err = a.breadcrumb(ctx, d.Category.ParentID); err != nil {
		return err
	}
	if err := db.Where("parent_id = ? AND active = ?", id, true).Order("sort_order, id").
		Find(&d.Subcategories).Error; err != nil {
		return fmt.Errorf("load subcategories: %w", err)
	}
	ids, err := a.subtreeIDs(ctx, id)
	if err != nil {
		return err
	}
	q := db.Model(&Product{}).Where("active = ? AND parent_id IS NULL", true).
		Where("id IN (?)", db.Model(&ProductCategory{}).Select("product_id").Where("category_id IN ?", ids))
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return fmt.Errorf("count category products: %w", err)
	}
	d.Pager = newPager(pageParam(c), total, fmt.Sprintf("/category/%d?", id))
	var products []Product
	if err := q.Order("id").Offset((d.Pager.Page - 1) * pageSize).Limit(pageSize).Find(&products).Error; err != nil {
		return fmt.Errorf("load category products: %w", err)
	}
	if d.Products, err = a.cards(ctx, products); err != nil {
		return err
	}
	return a.render(c, "category.html", d)
}

// variantView is one selectable variant on the product page.
type variantView struct {
	Product
	Label string // "Size: M, Colour: Red"
}

// productPage is the data of product.html.
type productPage struct {
	Product     Product
	Breadcrumb  []Category // ancestors and the product's first category
	Variants    []variantView
	Selected    uint // preselected variant id
	Related     []productCard
	Reviews     []Review
	ReviewAvg   string
	Identifiers [][2]string
	TierPrices  []TierPrice
	NetPrice    decimal.Decimal
	// Sections are integrations' parts of the page (AddProductSection).
	Sections []template.HTML
}

// attributeLabel joins a variant's attributes for display.
func attributeLabel(attrs []ProductAttribute) string {
	parts := make([]string, len(attrs))
	for i, at := range attrs {
		parts[i] = at.Name + ": " + at.Value
	}
	return strings.Join(parts, ", ")
}

// product shows a product with images, variants, identifiers, reviews and
// related products. A variant's own URL leads to its parent's page with the
// variant preselected.
func (a *App) product(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	db := a.DB.WithContext(ctx)
	var d productPage
	p := &d.Product
	err = db.Where("active = ?", true).
		Preload("TaxClass").
		Preload("Images", func(tx *gorm.DB) *gorm.DB { return tx.Order("sort_order, id") }).
		Preload("Properties", func(tx *gorm.DB) *gorm.DB { return tx.Order("sort_order, id") }).
		Preload("Tags", func(tx *gorm.DB) *gorm.DB { return tx.Order("name") }).
		Preload("Categories", func(tx *gorm.DB) *gorm.DB { return tx.Where("active = ?", true).Order("id") }).
		Preload("TierPrices", func(tx *gorm.DB) *gorm.DB {
			return tx.Where("customer_group_id IS NULL AND currency = ?", Currency).Order("min_quantity")
		}).
		Take(p, id).Error
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "This product is not available.")
		}
		return fmt.Errorf("load product %d: %w", id, err)
	}
	if p.ParentID != nil {
		return c.Redirect(http.StatusMovedPermanently, fmt.Sprintf("/product/%d?variant=%d", *p.ParentID, p.ID))
	}
	var variants []Product
	if err := db.Where("parent_id = ? AND active = ?", id, true).
		Preload("Attributes", func(tx *gorm.DB) *gorm.DB { return tx.Order("sort_order, id") }).
		Order("id").Find(&variants).Error; err != nil {
		return fmt.Errorf("load variants: %w", err)
	}
	want, _ := strconv.ParseUint(c.QueryParam("variant"), 10, 32)
	for _, v := range variants {
		d.Variants = append(d.Variants, variantView{Product: v, Label: attributeLabel(v.Attributes)})
		if uint(want) == v.ID || (d.Selected == 0 && v.StockQuantity > 0) {
			d.Selected = v.ID
		}
	}
	if len(p.Categories) > 0 {
		first := p.Categories[0]
		if d.Breadcrumb, err = a.breadcrumb(ctx, first.ParentID); err != nil {
			return err
		}
		d.Breadcrumb = append(d.Breadcrumb, first)
	}
	if err := db.Where("product_id = ? AND active = ?", id, true).Order("created_at DESC, id DESC").
		Limit(20).Find(&d.Reviews).Error; err != nil {
		return fmt.Errorf("load reviews: %w", err)
	}
	if len(d.Reviews) > 0 {
		sum := 0
		for _, r := range d.Reviews {
			sum += r.Score
		}
		d.ReviewAvg = decimal.NewFromInt(int64(sum)).Div(decimal.NewFromInt(int64(len(d.Reviews)))).StringFixed(1)
	}
	var related []Product
	if err := db.Model(&Product{}).
		Joins("JOIN shop_product_relations r ON r.related_id = shop_products.id").
		Where("r.product_id = ? AND shop_products.active = ?", id, true).
		Order("r.sort_order, shop_products.id").Limit(8).Find(&related).Error; err != nil {
		return fmt.Errorf("load related products: %w", err)
	}
	if d.Related, err = a.cards(ctx, related); err != nil {
		return err
	}
	for _, idf := range [][2]string{
		{"Article number", p.Number}, {"EAN", p.EAN}, {"ISBN", p.ISBN}, {"UPC", p.UPC},
		{"PZN", p.PZN}, {"Manufacturer number", p.MPN},
	} {
		if idf[1] != "" {
			d.Identifiers = append(d.Identifiers, idf)
		}
	}
	d.TierPrices = p.TierPrices
	d.NetPrice = netPrice(p.Price, p.TaxClass.Rate)
	d.Sections = a.productSections(c, p)
	return a.render(c, "product.html", d)
}

// netPrice removes rate percent of VAT from a gross price, to cents.
func netPrice(gross, rate decimal.Decimal) decimal.Decimal {
	return gross.Div(decimal.NewFromInt(1).Add(rate.Div(decimal.NewFromInt(100)))).Round(2)
}

// searchPage is the data of search.html.
type searchPage struct {
	Query    string
	Products []productCard
	Pager    pager
}

// likeEscaper protects LIKE wildcards in user input; the queries declare
// "!" as their escape character.
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// search finds products by name, article number, EAN or tag. Matching
// variants lead to their parent.
func (a *App) search(c echo.Context) error {
	ctx := c.Request().Context()
	db := a.DB.WithContext(ctx)
	d := searchPage{Query: strings.TrimSpace(c.QueryParam("q"))}
	if len([]rune(d.Query)) > 100 {
		d.Query = string([]rune(d.Query)[:100])
	}
	if len([]rune(d.Query)) < 2 {
		d.Pager = newPager(1, 0, "")
		return a.render(c, "search.html", d)
	}
	pattern := "%" + likeEscaper.Replace(strings.ToLower(d.Query)) + "%"
	matches := db.Model(&Product{}).Select("COALESCE(parent_id, id)").
		Where("LOWER(name) LIKE ? ESCAPE '!' OR number = ? OR ean = ?", pattern, d.Query, d.Query)
	tagged := db.Model(&ProductTag{}).Select("product_id").
		Where("tag_id IN (?)", db.Model(&Tag{}).Select("id").Where("LOWER(name) = ?", strings.ToLower(d.Query)))
	q := db.Model(&Product{}).Where("active = ? AND parent_id IS NULL", true).
		Where("id IN (?) OR id IN (?)", matches, tagged)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return fmt.Errorf("count search results: %w", err)
	}
	d.Pager = newPager(pageParam(c), total, "/search?q="+url.QueryEscape(d.Query)+"&")
	var products []Product
	if err := q.Order("id").Offset((d.Pager.Page - 1) * pageSize).Limit(pageSize).Find(&products).Error; err != nil {
		return fmt.Errorf("search products: %w", err)
	}
	var err error
	if d.Products, err = a.cards(ctx, products); err != nil {
		return err
	}
	return a.render(c, "search.html", d)
}

// imageName is the form of placeholder image file names.
var imageName = regexp.MustCompile(`^([a-z0-9-]{1,40})\.svg$`)

// placeholderImage draws a deterministic coloured SVG for any name, so the
// demo catalogue has pictures without files or internet access.
func (a *App) placeholderImage(c echo.Context) error {
	m := imageName.FindStringSubmatch(c.Param("file"))
	if m == nil {
		return echo.NewHTTPError(http.StatusNotFound, "No such image.")
	}
	h := fnv.New32a()
	h.Write([]byte(m[1]))
	sum := h.Sum32()
	hue := sum % 360
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800" viewBox="0 0 800 800">`+
		`<rect width="800" height="800" fill="hsl(%d,55%%,82%%)"/>`+
		`<circle cx="400" cy="340" r="%d" fill="hsl(%d,45%%,62%%)"/>`+
		`<text x="400" y="680" font-family="sans-serif" font-size="56" text-anchor="middle" fill="hsl(%d,40%%,30%%)">%s</text></svg>`,
		hue, 120+sum%100, (hue+40)%360, hue, m[1])
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=86400")
	return c.Blob(http.StatusOK, "image/svg+xml", []byte(svg))
}
