package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
)

// dhHost implements adapters.DropHeroHost on the shop's tables. Shop prices
// are gross; DropHero prices are net, so prices are converted with the
// product's VAT rate.
type dhHost struct{ a *App }

var hundred = decimal.NewFromInt(100)

func gross(net, rate decimal.Decimal) decimal.Decimal {
	return net.Mul(hundred.Add(rate)).Div(hundred).Round(2)
}

func netOf(g, rate decimal.Decimal) decimal.Decimal {
	return g.Mul(hundred).Div(hundred.Add(rate)).Round(4)
}

func (h *dhHost) PublicCategories(ctx context.Context, tx *gorm.DB) ([]adapters.DropHeroCategory, error) {
	var cats []Category
	if err := tx.Order("id").Find(&cats).Error; err != nil {
		return nil, err
	}
	byID := map[uint]Category{}
	for _, c := range cats {
		byID[c.ID] = c
	}
	public := func(c Category) bool {
		for i := 0; i < 64; i++ {
			if !c.Active {
				return false
			}
			if c.ParentID == nil {
				return true
			}
			p, ok := byID[*c.ParentID]
			if !ok {
				return false
			}
			c = p
		}
		return false
	}
	var out []adapters.DropHeroCategory
	for _, c := range cats {
		if public(c) {
			pid := "0"
			if c.ParentID != nil {
				pid = strconv.Itoa(int(*c.ParentID))
			}
			out = append(out, adapters.DropHeroCategory{ID: strconv.Itoa(int(c.ID)), Name: c.Name, ParentID: pid})
		}
	}
	return out, nil
}

func (h *dhHost) ProductsByEAN(ctx context.Context, tx *gorm.DB, eans []string) ([]adapters.DropHeroProduct, error) {
	var ps []Product
	if err := tx.Preload("TaxClass").Where("ean IN ? AND ean <> ''", eans).Find(&ps).Error; err != nil {
		return nil, err
	}
	out := make([]adapters.DropHeroProduct, len(ps))
	for i, p := range ps {
		var imgs int64
		tx.Model(&ProductImage{}).Where("product_id = ?", p.ID).Count(&imgs)
		out[i] = adapters.DropHeroProduct{ID: strconv.Itoa(int(p.ID)), EAN: p.EAN, Price: netOf(p.Price, p.TaxClass.Rate),
			Stock: int64(p.StockQuantity), HasImage: imgs > 0}
	}
	return out, nil
}

// taxClass returns the id of the tax class with rate, creating it.
func taxClass(tx *gorm.DB, rate decimal.Decimal) (uint, error) {
	var tc TaxClass
	err := tx.Where("rate = ?", rate).Limit(1).Find(&tc).Error
	if err != nil || tc.ID != 0 {
		return tc.ID, err
	}
	tc = TaxClass{Name: "VAT " + rate.String() + " % (DropHero)", Rate: rate}
	return tc.ID, tx.Create(&tc).Error
}

func cut(s string, n int) string {
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// apply copies the set fields of f onto p (price handling needs the rate).
func (h *dhHost) apply(tx *gorm.DB, p *Product, rate decimal.Decimal, f adapters.DropHeroProductFields) error {
	if f.SKU != nil && p.Number == "" {
		p.Number = cut(*f.SKU, 64)
	}
	if f.Name != nil {
		p.Name = cut(*f.Name, 255)
	}
	if f.EAN != nil && len(*f.EAN) <= 14 {
		p.EAN = *f.EAN
	}
	if f.DescriptionShort != nil {
		p.ShortText = cut(*f.DescriptionShort, 512)
	}
	if f.DescriptionLong != nil {
		p.Description = *f.DescriptionLong
	}
	if f.TaxRate != nil {
		id, err := taxClass(tx, *f.TaxRate)
		if err != nil {
			return err
		}
		p.TaxClassID, rate = id, *f.TaxRate
	}
	if f.Price != nil {
		p.Price = gross(*f.Price, rate)
	}
	if f.Stock != nil {
		p.StockQuantity = int(*f.Stock)
	}
	if f.Weight != nil {
		p.WeightGrams = int(f.Weight.Mul(decimal.NewFromInt(1000)).Round(0).IntPart())
	}
	if f.Active != nil {
		p.Active = *f.Active
	}
	return nil
}

func (h *dhHost) CreateProducts(ctx context.Context, tx *gorm.DB, fs []adapters.DropHeroProductFields) ([]string, error) {
	def, err := taxClass(tx, decimal.NewFromInt(21))
	if err != nil {
		return nil, err
	}
	ps := make([]Product, len(fs))
	for i, f := range fs {
		ps[i].TaxClassID = def
		if err := h.apply(tx, &ps[i], decimal.NewFromInt(21), f); err != nil {
			return nil, err
		}
	}
	if err := tx.Omit("TaxClass", "Parent", "Variants", "Attributes", "Properties", "Images", "Tags", "Categories", "TierPrices", "Relations", "Reviews").
		CreateInBatches(&ps, 500).Error; err != nil {
		return nil, err
	}
	ids := make([]string, len(ps))
	var imgs []ProductImage
	var pcs []ProductCategory
	for i, p := range ps {
		ids[i] = strconv.Itoa(int(p.ID))
		if u := fs[i].ImageURL; u != nil && *u != "" {
			imgs = append(imgs, ProductImage{ProductID: p.ID, URL: cut(*u, 512), Title: p.Name})
		}
		for _, c := range h.knownCategories(tx, fs[i].CategoryIDs) {
			pcs = append(pcs, ProductCategory{ProductID: p.ID, CategoryID: c})
		}
	}
	if len(imgs) > 0 {
		if err := tx.CreateInBatches(&imgs, 1000).Error; err != nil {
			return nil, err
		}
	}
	if len(pcs) > 0 {
		if err := tx.CreateInBatches(&pcs, 1000).Error; err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// knownCategories keeps the ids of existing categories (unknown ones are skipped).
func (h *dhHost) knownCategories(tx *gorm.DB, ids []string) []uint {
	if len(ids) == 0 {
		return nil
	}
	var out []uint
	tx.Model(&Category{}).Where("id IN ?", ids).Pluck("id", &out)
	return out
}

func (h *dhHost) UpdateProduct(ctx context.Context, tx *gorm.DB, id string, f adapters.DropHeroProductFields) error {
	var p Product
	if err := tx.Preload("TaxClass").First(&p, id).Error; err != nil {
		return fmt.Errorf("product %s: %w", id, err)
	}
	if err := h.apply(tx, &p, p.TaxClass.Rate, f); err != nil {
		return err
	}
	if err := tx.Model(&p).Select("number", "name", "ean", "short_text", "description", "tax_class_id", "price",
		"stock_quantity", "weight_grams", "active").Updates(&p).Error; err != nil {
		return err
	}
	if u := f.ImageURL; u != nil && *u != "" {
		var n int64
		tx.Model(&ProductImage{}).Where("product_id = ?", p.ID).Count(&n)
		if n == 0 {
			if err := tx.Create(&ProductImage{ProductID: p.ID, URL: cut(*u, 512), Title: p.Name}).Error; err != nil {
				return err
			}
		} else if !f.ImageOnlyIfEmpty {
			if err := tx.Model(&ProductImage{}).Where("product_id = ? AND sort_order = 0", p.ID).Update("url", cut(*u, 512)).Error; err != nil {
				return err
			}
		}
	}
	cats := h.knownCategories(tx, f.CategoryIDs)
	if f.ReplaceCategories {
		if err := tx.Where("product_id = ?", p.ID).Delete(&ProductCategory{}).Error; err != nil {
			return err
		}
	}
	for _, c := range cats {
		var n int64
		tx.Model(&ProductCategory{}).Where("product_id = ? AND category_id = ?", p.ID, c).Count(&n)
		if n == 0 {
			if err := tx.Create(&ProductCategory{ProductID: p.ID, CategoryID: c}).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

func (h *dhHost) DropHeroOrder(ctx context.Context, tx *gorm.DB, orderID string) (*adapters.DropHeroOrder, error) {
	var o Order
	if err := tx.Preload("Items").Where("number = ?", orderID).Take(&o).Error; err != nil {
		return nil, err
	}
	addr := func(ad OrderAddress) adapters.DropHeroAddress {
		street := ad.Street1
		if ad.Street2 != "" {
			street += ", " + ad.Street2
		}
		name := strings.TrimSpace(ad.FirstName + " " + ad.LastName)
		if ad.Company != "" {
			name = ad.Company + ", " + name
		}
		return adapters.DropHeroAddress{Name: name, Street: street, Postcode: ad.Zipcode, City: ad.City, Country: ad.Country, Phone: ad.Phone}
	}
	out := &adapters.DropHeroOrder{ID: o.Number, Paid: o.IsPaid, Currency: o.Currency,
		Billing: addr(o.InvoiceAddress), Shipping: addr(o.DeliveryAddress), Message: o.CustomerComment}
	if out.Billing.Phone == "" {
		out.Billing.Phone = o.Phone
	}
	for _, it := range o.Items {
		switch {
		case it.Type == ItemShipping && strings.HasPrefix(it.Number, dhModePrefix):
			out.ShippingMode = strings.TrimPrefix(it.Number, dhModePrefix)
		case it.Type == ItemProduct && it.ProductID != nil:
			out.Lines = append(out.Lines, adapters.DropHeroOrderLine{LineID: strconv.Itoa(int(it.ID)),
				ProductID: strconv.Itoa(int(*it.ProductID)), Qty: decimal.NewFromInt(int64(it.Quantity)),
				UnitPrice: netOf(it.UnitPrice, it.TaxRate), TaxRate: it.TaxRate})
		}
	}
	return out, nil
}

func (h *dhHost) SetDropHeroOrderState(ctx context.Context, tx *gorm.DB, orderID string, u adapters.DropHeroOrderUpdate) error {
	var o Order
	if err := tx.Where("number = ?", orderID).Take(&o).Error; err != nil {
		return err
	}
	status, comment := o.Status, ""
	switch u.State {
	case adapters.DropHeroStateProcessing:
		status, comment = StatusProcessing, "DropHero is processing the order."
	case adapters.DropHeroStatePartiallyShipped:
		status, comment = StatusProcessing, "DropHero shipped part of the order."
	case adapters.DropHeroStateShipped:
		comment = "DropHero shipped its items."
		if !u.Mixed {
			status = StatusShipped
		}
	case adapters.DropHeroStateOnHold:
		comment = "DropHero cancelled the order: contact the buyer (no automatic refund)."
	}
	if status != o.Status {
		if err := tx.Model(&o).Update("status", status).Error; err != nil {
			return err
		}
	}
	return tx.Create(&OrderHistory{OrderID: o.ID, Status: status, Comment: comment}).Error
}
