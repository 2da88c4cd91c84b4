package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// maxLineQuantity caps the quantity of one cart line.
const maxLineQuantity = 99

// cartLine is one line of the cart with its current price.
type cartLine struct {
	Product   Product // the article itself (a variant or a simple product)
	Name      string  // parent's name for variants
	Label     string  // variant attributes
	Quantity  int
	UnitPrice decimal.Decimal // gross, after tier prices
	TaxRate   decimal.Decimal
	Total     decimal.Decimal
}

// cartView is the cart with its totals.
type cartView struct {
	Lines      []cartLine
	ItemsTotal decimal.Decimal
	Count      int
	Problems   []string // lines dropped because they can no longer be bought
}

// unitPrice is the gross unit price of p for qty units: the lowest
// applicable tier price, else the product price.
func unitPrice(p Product, qty int) decimal.Decimal {
	price := p.Price
	for _, t := range p.TierPrices {
		if t.CustomerGroupID == nil && qty >= t.MinQuantity && t.Price.LessThan(price) {
			price = t.Price
		}
	}
	return price
}

// loadCart reads the cart of a session with current prices. Products that
// became inactive or ran out of stock are reported in Problems and left
// out of the totals.
func (a *App) loadCart(ctx context.Context, db *gorm.DB, token string) (cartView, error) {
	var v cartView
	var items []CartItem
	if err := db.WithContext(ctx).Where("session_token = ?", token).Order("created_at, product_id").
		Find(&items).Error; err != nil {
		return v, fmt.Errorf("load cart: %w", err)
	}
	if len(items) == 0 {
		return v, nil
	}
	ids := make([]uint, len(items))
	for i, it := range items {
		ids[i] = it.ProductID
	}
	var products []Product
	if err := db.WithContext(ctx).Where("id IN ?", ids).
		Preload("TaxClass").Preload("Parent").
		Preload("Attributes", func(tx *gorm.DB) *gorm.DB { return tx.Order("sort_order, id") }).
		Preload("TierPrices", "currency = ?", Currency).Find(&products).Error; err != nil {
		return v, fmt.Errorf("load cart products: %w", err)
	}
	byID := make(map[uint]Product, len(products))
	for _, p := range products {
		byID[p.ID] = p
	}
	for _, it := range items {
		p, ok := byID[it.ProductID]
		if !ok || !p.Active || (p.Parent != nil && !p.Parent.Active) {
			v.Problems = append(v.Problems, "An article in your cart is no longer available and was left out.")
			continue
		}
		name := p.Name
		if p.Parent != nil {
			name = p.Parent.Name
		}
		if p.StockQuantity < it.Quantity {
			v.Problems = append(v.Problems, fmt.Sprintf("Only %d of %q are in stock.", max(p.StockQuantity, 0), name))
			continue
		}
		price := unitPrice(p, it.Quantity)
		line := cartLine{
			Product: p, Name: name, Label: attributeLabel(p.Attributes), Quantity: it.Quantity,
			UnitPrice: price, TaxRate: p.TaxClass.Rate, Total: price.Mul(decimal.NewFromInt(int64(it.Quantity))),
		}
		v.Lines = append(v.Lines, line)
		v.ItemsTotal = v.ItemsTotal.Add(line.Total)
		v.Count += it.Quantity
	}
	return v, nil
}

// cart shows the cart.
func (a *App) cart(c echo.Context) error {
	var v cartView
	if s := a.currentSession(c); s != nil {
		var err error
		if v, err = a.loadCart(c.Request().Context(), a.DB, s.Token); err != nil {
			return err
		}
	}
	return a.render(c, "cart.html", v)
}

// quantityValue parses a form quantity in 0..maxLineQuantity.
func quantityValue(s string, def int) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxLineQuantity {
		return 0, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("Please enter a quantity from 0 to %d.", maxLineQuantity))
	}
	return n, nil
}

// cartAdd puts a product into the cart (form: product_id, quantity).
func (a *App) cartAdd(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseUint(c.FormValue("product_id"), 10, 32)
	if err != nil || id == 0 {
		return echo.NewHTTPError(http.StatusBadRequest, "Please choose an article.")
	}
	qty, err := quantityValue(c.FormValue("quantity"), 1)
	if err != nil {
		return err
	}
	if qty == 0 {
		return c.Redirect(http.StatusSeeOther, "/cart")
	}
	var p Product
	if err := a.DB.WithContext(ctx).Where("active = ?", true).Take(&p, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "This product is not available.")
		}
		return fmt.Errorf("cart add: load product: %w", err)
	}
	var variants int64
	if err := a.DB.WithContext(ctx).Model(&Product{}).Where("parent_id = ? AND active = ?", p.ID, true).
		Count(&variants).Error; err != nil {
		return fmt.Errorf("cart add: count variants: %w", err)
	}
	if variants > 0 {
		return echo.NewHTTPError(http.StatusBadRequest, "Please choose a variant.")
	}
	s, err := a.ensureSession(c)
	if err != nil {
		return err
	}
	// Adding the same article again raises the quantity, capped. SQLite's
	// two-argument MIN is PostgreSQL's LEAST.
	least := "MIN"
	if a.DB.Dialector.Name() == "postgres" {
		least = "LEAST"
	}
	item := CartItem{SessionToken: s.Token, ProductID: p.ID, Quantity: qty}
	err = a.DB.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "session_token"}, {Name: "product_id"}},
		DoUpdates: clause.Set{{
			Column: clause.Column{Name: "quantity"},
			Value:  gorm.Expr(least+"(shop_cart_items.quantity + excluded.quantity, ?)", maxLineQuantity),
		}},
	}).Create(&item).Error
	if err != nil {
		return fmt.Errorf("cart add: %w", err)
	}
	return c.Redirect(http.StatusSeeOther, "/cart")
}

// cartUpdate changes quantities (form: qty_<product id>); 0 removes a line.
func (a *App) cartUpdate(c echo.Context) error {
	s := a.currentSession(c)
	if s == nil {
		return c.Redirect(http.StatusSeeOther, "/cart")
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Invalid form.")
	}
	db := a.DB.WithContext(c.Request().Context())
	for key, vals := range form {
		idStr, ok := strings.CutPrefix(key, "qty_")
		if !ok || len(vals) == 0 {
			continue
		}
		id, err := strconv.ParseUint(idStr, 10, 32)
		if err != nil {
			continue
		}
		qty, err := quantityValue(vals[0], 0)
		if err != nil {
			return err
		}
		q := db.Where("session_token = ? AND product_id = ?", s.Token, id)
		if qty == 0 {
			err = q.Delete(&CartItem{}).Error
		} else {
			err = q.Model(&CartItem{}).Update("quantity", qty).Error
		}
		if err != nil {
			return fmt.Errorf("cart update: %w", err)
		}
	}
	return c.Redirect(http.StatusSeeOther, "/cart")
}
