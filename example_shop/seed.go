package main

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Login of the demo customer created by SeedDemo.
const (
	demoEmail    = "demo@example.com"
	demoPassword = "demo1234"
)

// seedEpoch is the creation time of the demo data; fixed, so that every
// seeded shop is identical.
var seedEpoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// ean13 returns a valid EAN-13 (GS1 check digit) from a 12-digit body.
func ean13(body string) string {
	sum := 0
	for i, r := range body {
		d := int(r - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return body + fmt.Sprint((10-sum%10)%10)
}

// upcA returns a valid UPC-A from an 11-digit body.
func upcA(body string) string {
	sum := 0
	for i, r := range body {
		d := int(r - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return body + fmt.Sprint((10-sum%10)%10)
}

// isbn13 returns a valid ISBN-13 from a 12-digit body starting with 978.
func isbn13(body string) string { return ean13(body) }

// pzn returns a valid 8-digit PZN (modulo 11 check digit) from a 7-digit
// body, or "" when the body has no valid check digit.
func pzn(body string) string {
	sum := 0
	for i, r := range body {
		sum += int(r-'0') * (i + 1)
	}
	if sum%11 == 10 {
		return ""
	}
	return body + fmt.Sprint(sum%11)
}

// seedCategory describes one node of the demo tree.
type seedCategory struct {
	slug, name, parent string
}

// demoCategories is the demo tree, parents before children.
var demoCategories = []seedCategory{
	{"clothing", "Clothing", ""},
	{"men", "Men", "clothing"},
	{"men-t-shirts", "T-Shirts", "men"},
	{"men-jeans", "Jeans", "men"},
	{"women", "Women", "clothing"},
	{"women-dresses", "Dresses", "women"},
	{"women-tops", "Tops", "women"},
	{"electronics", "Electronics", ""},
	{"audio", "Audio", "electronics"},
	{"headphones", "Headphones", "audio"},
	{"speakers", "Speakers", "audio"},
	{"computers", "Computers", "electronics"},
	{"laptops", "Laptops", "computers"},
	{"accessories", "Accessories", "computers"},
	{"home-garden", "Home & Garden", ""},
	{"kitchen", "Kitchen", "home-garden"},
	{"coffee", "Coffee & Tea", "kitchen"},
	{"cookware", "Cookware", "kitchen"},
	{"garden", "Garden", "home-garden"},
	{"garden-tools", "Garden Tools", "garden"},
	{"books", "Books", ""},
	{"fiction", "Fiction", "books"},
	{"cookbooks", "Cookbooks", "books"},
	{"health", "Health", ""},
	{"vitamins", "Vitamins", "health"},
	{"cold-flu", "Cold & Flu", "health"},
	{"archive", "Archive", ""}, // inactive: must not show up
}

// seedProduct describes one demo product.
type seedProduct struct {
	cat, name, maker, price, old string
	tax                          string // "standard" or "reduced"
	grams, stock                 int
	featured                     bool
	sizes, colours               []string
	props                        [][2]string
	tags                         []string
	tiers                        [][2]string // min quantity, unit price
}

// Variant dimensions used by the demo clothing.
var (
	shirtSizes = []string{"S", "M", "L", "XL"}
	jeanSizes  = []string{"30/32", "32/32", "34/32"}
)

// demoProducts is the demo catalogue.
var demoProducts = []seedProduct{
	{cat: "men-t-shirts", name: "Classic T-Shirt", maker: "Northwind Apparel", price: "19.99", old: "24.99", tax: "standard", grams: 180, stock: 0, featured: true,
		sizes: shirtSizes, colours: []string{"Black", "White"}, props: [][2]string{{"Material", "100 % cotton"}, {"Fit", "Regular"}}, tags: []string{"t-shirt", "cotton", "basics"}},
	{cat: "men-t-shirts", name: "Organic Pocket Tee", maker: "Greenthread", price: "24.90", tax: "standard", grams: 190, stock: 0,
		sizes: shirtSizes, props: [][2]string{{"Material", "Organic cotton"}}, tags: []string{"t-shirt", "organic"}},
	{cat: "men-t-shirts", name: "Long Sleeve Henley", maker: "Northwind Apparel", price: "29.95", tax: "standard", grams: 240, stock: 0,
		sizes: shirtSizes, colours: []string{"Navy"}, tags: []string{"henley", "long sleeve"}},
	{cat: "men-jeans", name: "Slim Fit Jeans", maker: "Denim & Co.", price: "59.90", old: "79.90", tax: "standard", grams: 650, stock: 0, featured: true,
		sizes: jeanSizes, props: [][2]string{{"Material", "98 % cotton, 2 % elastane"}, {"Fit", "Slim"}}, tags: []string{"jeans", "denim"}},
	{cat: "men-jeans", name: "Relaxed Carpenter Jeans", maker: "Denim & Co.", price: "69.90", tax: "standard", grams: 720, stock: 0,
		sizes: jeanSizes, tags: []string{"jeans", "workwear"}},
	{cat: "women-dresses", name: "Summer Wrap Dress", maker: "Lumière", price: "49.00", tax: "standard", grams: 300, stock: 0, featured: true,
		sizes: []string{"XS", "S", "M", "L"}, colours: []string{"Coral", "Navy"}, props: [][2]string{{"Material", "Viscose"}}, tags: []string{"dress", "summer"}},
	{cat: "women-dresses", name: "Knitted Midi Dress", maker: "Lumière", price: "79.00", tax: "standard", grams: 520, stock: 0,
		sizes: []string{"S", "M", "L"}, tags: []string{"dress", "knit", "winter"}},
	{cat: "women-tops", name: "Linen Blouse", maker: "Greenthread", price: "39.90", tax: "standard", grams: 160, stock: 0,
		sizes: []string{"S", "M", "L"}, props: [][2]string{{"Material", "100 % linen"}}, tags: []string{"blouse", "linen"}},
	{cat: "women-tops", name: "Striped Breton Top", maker: "Northwind Apparel", price: "27.50", tax: "standard", grams: 200, stock: 14,
		props: [][2]string{{"Material", "Cotton"}}, tags: []string{"top", "stripes"}},
	{cat: "headphones", name: "Studio Over-Ear Headphones", maker: "Sonora", price: "149.00", old: "179.00", tax: "standard", grams: 290, stock: 25, featured: true,
		props: [][2]string{{"Connection", "Bluetooth 5.3, 3.5 mm jack"}, {"Battery life", "40 h"}}, tags: []string{"headphones", "bluetooth", "noise cancelling"}},
	{cat: "headphones", name: "Sport In-Ear Earbuds", maker: "Sonora", price: "59.00", tax: "standard", grams: 50, stock: 60,
		colours: []string{"Black", "Lime"}, tags: []string{"earbuds", "sport", "bluetooth"}},
	{cat: "headphones", name: "Kids Volume-Limited Headphones", maker: "Tiny Ears", price: "24.99", tax: "standard", grams: 140, stock: 0,
		tags: []string{"headphones", "kids"}},
	{cat: "speakers", name: "Portable Bluetooth Speaker", maker: "Sonora", price: "79.00", tax: "standard", grams: 540, stock: 33, featured: true,
		props: [][2]string{{"Waterproof", "IP67"}}, tags: []string{"speaker", "bluetooth", "outdoor"}},
	{cat: "speakers", name: "Bookshelf Speakers (Pair)", maker: "Acoustica", price: "229.00", tax: "standard", grams: 7400, stock: 6,
		tags: []string{"speaker", "hifi"}},
	{cat: "laptops", name: "UltraBook 14", maker: "Vertex", price: "1099.00", old: "1249.00", tax: "standard", grams: 1250, stock: 8, featured: true,
		props: [][2]string{{"Display", "14\" 2880×1800"}, {"Memory", "16 GB"}, {"Storage", "512 GB SSD"}}, tags: []string{"laptop", "ultrabook"}},
	{cat: "laptops", name: "WorkStation 16 Pro", maker: "Vertex", price: "1899.00", tax: "standard", grams: 2100, stock: 3,
		props: [][2]string{{"Memory", "32 GB"}, {"Storage", "1 TB SSD"}}, tags: []string{"laptop", "workstation"}},
	{cat: "accessories", name: "USB-C Docking Station", maker: "Portly", price: "89.90", tax: "standard", grams: 310, stock: 40,
		tags: []string{"usb-c", "dock"}},
	{cat: "accessories", name: "Wireless Mouse", maker: "Portly", price: "19.90", tax: "standard", grams: 90, stock: 120,
		colours: []string{"Graphite", "Silver"}, tags: []string{"mouse", "wireless"},
		tiers: [][2]string{{"5", "17.90"}, {"10", "15.90"}}},
	{cat: "accessories", name: "Laptop Sleeve 14\"", maker: "Greenthread", price: "29.00", tax: "standard", grams: 200, stock: 35,
		tags: []string{"sleeve", "laptop"}},
	{cat: "coffee", name: "Espresso Beans Dark Roast 1 kg", maker: "Rösterei Blau", price: "18.90", tax: "reduced", grams: 1000, stock: 80, featured: true,
		props: [][2]string{{"Origin", "Brazil, India"}, {"Roast", "Dark"}}, tags: []string{"coffee", "espresso", "beans"},
		tiers: [][2]string{{"3", "17.50"}, {"6", "16.50"}}},
	{cat: "coffee", name: "Filter Coffee Ethiopia 500 g", maker: "Rösterei Blau", price: "12.50", tax: "reduced", grams: 500, stock: 45,
		tags: []string{"coffee", "filter"}},
	{cat: "coffee", name: "Green Tea Sencha 100 g", maker: "Teahouse", price: "8.90", tax: "reduced", grams: 100, stock: 70,
		tags: []string{"tea", "green tea"}},
	{cat: "cookware", name: "Cast Iron Skillet 28 cm", maker: "Ferro", price: "54.90", tax: "standard", grams: 3100, stock: 12,
		tags: []string{"skillet", "cast iron"}},
	{cat: "cookware", name: "Stainless Steel Pot Set", maker: "Ferro", price: "129.00", old: "159.00", tax: "standard", grams: 5200, stock: 5,
		tags: []string{"pots", "stainless steel"}},
	{cat: "garden-tools", name: "Pruning Shears", maker: "GreenHand", price: "22.90", tax: "standard", grams: 250, stock: 50,
		tags: []string{"garden", "pruning"}},
	{cat: "garden-tools", name: "Garden Hose 25 m", maker: "GreenHand", price: "34.90", tax: "standard", grams: 2900, stock: 0,
		tags: []string{"garden", "hose"}},
	{cat: "fiction", name: "The Lighthouse Keeper (Paperback)", maker: "Harbour Books", price: "12.00", tax: "reduced", grams: 320, stock: 24,
		tags: []string{"novel", "paperback"}},
	{cat: "fiction", name: "Winter in Lisbon (Hardcover)", maker: "Harbour Books", price: "22.00", tax: "reduced", grams: 610, stock: 9,
		tags: []string{"novel", "hardcover"}},
	{cat: "cookbooks", name: "Everyday Pasta", maker: "Kitchen Press", price: "26.00", tax: "reduced", grams: 900, stock: 15, featured: true,
		tags: []string{"cookbook", "pasta", "italian"}},
	{cat: "cookbooks", name: "Baking Bread at Home", maker: "Kitchen Press", price: "24.00", tax: "reduced", grams: 850, stock: 11,
		tags: []string{"cookbook", "bread", "baking"}},
	{cat: "vitamins", name: "Vitamin D3 1000 IU, 120 Tablets", maker: "VitaCare", price: "9.95", tax: "standard", grams: 80, stock: 200,
		tags: []string{"vitamin d", "supplement"}},
	{cat: "vitamins", name: "Magnesium 400, 60 Capsules", maker: "VitaCare", price: "11.45", tax: "standard", grams: 70, stock: 150,
		tags: []string{"magnesium", "supplement"}},
	{cat: "cold-flu", name: "Throat Lozenges Honey-Lemon, 24 pcs", maker: "PharmaNord", price: "6.49", tax: "standard", grams: 40, stock: 90,
		tags: []string{"throat", "lozenges"}},
	{cat: "cold-flu", name: "Saline Nasal Spray 20 ml", maker: "PharmaNord", price: "4.99", tax: "standard", grams: 35, stock: 75,
		tags: []string{"nasal spray", "cold"}},
}

// Demo reviewers and review texts, used in turn.
var (
	reviewAuthors = []string{"Anna K.", "Ben S.", "Clara M.", "David R.", "Eva L.", "Felix W."}
	reviewTexts   = []struct {
		score       int
		title, text string
	}{
		{5, "Excellent", "Exactly as described, fast delivery. Would buy again."},
		{4, "Very good", "Good quality for the price. Packaging could be better."},
		{3, "Okay", "Does the job, nothing special."},
		{5, "Love it", "Second time I ordered this one — still great."},
		{2, "Not for me", "Quality is fine but it did not suit me."},
	}
)

// slugify makes a URL-friendly lower-case slug.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// SeedDemo fills an empty shop with the demo catalogue, customer, coupons
// and shipping methods, in one transaction. It reports whether it seeded;
// a shop that already has products or categories is left alone.
func SeedDemo(db *gorm.DB) (bool, error) {
	seeded := false
	err := db.Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Product{}).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if err := tx.Model(&Category{}).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		seeded = true
		return seedDemo(tx)
	})
	if err != nil {
		return false, err
	}
	return seeded, nil
}

// seedDemo writes the demo data; SeedDemo has checked the shop is empty.
// Rows are collected and inserted in batches: a few dozen statements
// instead of hundreds keep the first start (and every test) quick.
func seedDemo(tx *gorm.DB) error {
	taxes := []TaxClass{{Name: "standard", Rate: decimal.NewFromInt(19)}, {Name: "reduced", Rate: decimal.NewFromInt(7)}}
	if err := tx.Create(&taxes).Error; err != nil {
		return fmt.Errorf("seed tax classes: %w", err)
	}
	taxID := map[string]uint{taxes[0].Name: taxes[0].ID, taxes[1].Name: taxes[1].ID}
	groups := []CustomerGroup{{Name: "Retail"}, {Name: "Trade"}}
	if err := tx.Create(&groups).Error; err != nil {
		return fmt.Errorf("seed customer groups: %w", err)
	}
	cats, err := seedCategories(tx)
	if err != nil {
		return err
	}
	tags, err := seedTags(tx)
	if err != nil {
		return err
	}

	// Parents and simple products first: their ids are needed by all the
	// rows that follow. A parent's stock is the sum of its variants'.
	parents := make([]Product, len(demoProducts))
	for i, sp := range demoProducts {
		parents[i] = demoProduct(i, sp, taxID[sp.tax])
		if vs := demoVariants(i, &parents[i], sp); len(vs) > 0 {
			parents[i].StockQuantity = 0
			for _, v := range vs {
				parents[i].StockQuantity += v.p.StockQuantity
			}
		}
	}
	if err := tx.Create(&parents).Error; err != nil {
		return fmt.Errorf("seed products: %w", err)
	}

	var (
		variants   []Product
		variantOf  []demoVariant
		images     []ProductImage
		props      []ProductProperty
		productTag []ProductTag
		inCat      []ProductCategory
		tiers      []TierPrice
		reviews    []Review
		relations  []ProductRelation
	)
	sameCat := map[string][]int{}
	for i, sp := range demoProducts {
		p := &parents[i]
		sameCat[sp.cat] = append(sameCat[sp.cat], i)
		inCat = append(inCat, ProductCategory{ProductID: p.ID, CategoryID: cats[sp.cat], SortOrder: i})
		for k := 1; k <= 3; k++ {
			images = append(images, ProductImage{ProductID: p.ID, URL: fmt.Sprintf("/static/img/%s-%d.svg", strings.ToLower(p.Number), k),
				Title: sp.name, Alt: fmt.Sprintf("%s, view %d", sp.name, k), SortOrder: k, Width: 800, Height: 800})
		}
		for k, pr := range sp.props {
			props = append(props, ProductProperty{ProductID: p.ID, Name: pr[0], Value: pr[1], SortOrder: k})
		}
		for _, t := range demoTags(sp) {
			productTag = append(productTag, ProductTag{ProductID: p.ID, TagID: tags[t]})
		}
		for _, tp := range sp.tiers {
			var minQ int
			fmt.Sscan(tp[0], &minQ)
			tiers = append(tiers, TierPrice{ProductID: p.ID, MinQuantity: minQ, Price: decimal.RequireFromString(tp[1]), Currency: Currency})
		}
		for k := 0; k < i%4; k++ {
			rt := reviewTexts[(i+k)%len(reviewTexts)]
			at := p.CreatedAt.Add(time.Duration(k+1) * 72 * time.Hour)
			reviews = append(reviews, Review{ProductID: p.ID, Author: reviewAuthors[(i*3+k)%len(reviewAuthors)], Title: rt.title,
				Text: rt.text, Score: rt.score, Active: true, CreatedAt: at, UpdatedAt: at})
		}
		for _, v := range demoVariants(i, p, sp) {
			variants = append(variants, v.p)
			variantOf = append(variantOf, v)
		}
	}
	// Related products: the others of the same category, and the first
	// product of the next category as a cross-sell.
	for i, sp := range demoProducts {
		order := 0
		for _, j := range sameCat[sp.cat] {
			if j != i {
				relations = append(relations, ProductRelation{ProductID: parents[i].ID, RelatedID: parents[j].ID, Kind: RelationRelated, SortOrder: order})
				order++
			}
		}
		members := sameCat[sp.cat]
		if next := members[len(members)-1] + 1; next < len(demoProducts) {
			relations = append(relations, ProductRelation{ProductID: parents[i].ID, RelatedID: parents[next].ID, Kind: RelationCrossSell, SortOrder: order})
		}
	}
	if len(variants) > 0 {
		if err := tx.CreateInBatches(&variants, 200).Error; err != nil {
			return fmt.Errorf("seed variants: %w", err)
		}
	}
	var attrs []ProductAttribute
	for k, v := range variantOf {
		id := variants[k].ID
		if v.size != "" {
			attrs = append(attrs, ProductAttribute{ProductID: id, Name: "Size", Value: v.size, SortOrder: 0})
		}
		if v.colour != "" {
			attrs = append(attrs, ProductAttribute{ProductID: id, Name: "Colour", Value: v.colour, SortOrder: 1})
		}
		images = append(images, ProductImage{ProductID: id, URL: fmt.Sprintf("/static/img/%s.svg", strings.ToLower(variants[k].Number)),
			Title: variants[k].Name, Alt: variants[k].Name, SortOrder: 1, Width: 800, Height: 800})
	}

	// One inactive product, which the storefront must hide.
	hidden := Product{Number: "SB-9999", Name: "Discontinued Gadget", Price: decimal.RequireFromString("9.99"),
		TaxClassID: taxID["standard"], StockQuantity: 5, Active: false, CreatedAt: seedEpoch, UpdatedAt: seedEpoch}
	if err := tx.Create(&hidden).Error; err != nil {
		return fmt.Errorf("seed hidden product: %w", err)
	}
	inCat = append(inCat, ProductCategory{ProductID: hidden.ID, CategoryID: cats["accessories"], SortOrder: 99})

	for _, rows := range []any{&attrs, &images, &props, &productTag, &inCat, &tiers, &reviews, &relations} {
		if err := tx.CreateInBatches(rows, 200).Error; err != nil {
			return fmt.Errorf("seed %T: %w", rows, err)
		}
	}
	if err := seedCustomer(tx, groups[0].ID); err != nil {
		return err
	}
	if err := seedCommerce(tx); err != nil {
		return err
	}
	if err := seedCartData(tx, taxes, groups); err != nil {
		return err
	}
	return seedCustomerOrders(tx)
}

// seedCategories writes the demo tree level by level and returns the ids
// by slug.
func seedCategories(tx *gorm.DB) (map[string]uint, error) {
	ids := map[string]uint{}
	sortOrder := map[string]int{}
	remaining := demoCategories
	for len(remaining) > 0 {
		var level []Category
		var slugs []string
		var later []seedCategory
		for _, sc := range remaining {
			if sc.parent != "" && ids[sc.parent] == 0 {
				later = append(later, sc)
				continue
			}
			c := Category{
				Name: sc.name, Slug: sc.slug, Active: sc.slug != "archive",
				Description: "All about " + strings.ToLower(sc.name) + ".",
				ImageURL:    "/static/img/c-" + sc.slug + ".svg",
				SortOrder:   sortOrder[sc.parent] * 10,
				CreatedAt:   seedEpoch, UpdatedAt: seedEpoch,
			}
			sortOrder[sc.parent]++
			if sc.parent != "" {
				pid := ids[sc.parent]
				c.ParentID = &pid
			}
			level = append(level, c)
			slugs = append(slugs, sc.slug)
		}
		if len(level) == 0 {
			return nil, fmt.Errorf("seed categories: unknown parent of %q", later[0].slug)
		}
		if err := tx.Create(&level).Error; err != nil {
			return nil, fmt.Errorf("seed categories: %w", err)
		}
		for k, c := range level {
			ids[slugs[k]] = c.ID
		}
		remaining = later
	}
	return ids, nil
}

// demoTags lists a demo product's tags: its maker and its keywords.
func demoTags(sp seedProduct) []string {
	return append([]string{strings.ToLower(sp.maker)}, sp.tags...)
}

// seedTags writes every tag of the demo catalogue once and returns the ids
// by name.
func seedTags(tx *gorm.DB) (map[string]uint, error) {
	var tags []Tag
	seen := map[string]bool{}
	for _, sp := range demoProducts {
		for _, t := range demoTags(sp) {
			if !seen[t] {
				seen[t] = true
				tags = append(tags, Tag{Name: t})
			}
		}
	}
	if err := tx.Create(&tags).Error; err != nil {
		return nil, fmt.Errorf("seed tags: %w", err)
	}
	ids := make(map[string]uint, len(tags))
	for _, t := range tags {
		ids[t.Name] = t.ID
	}
	return ids, nil
}

// demoProduct builds demo product i (without id).
func demoProduct(i int, sp seedProduct, taxID uint) Product {
	number := fmt.Sprintf("SB-%04d", 1000+i*10)
	created := seedEpoch.Add(time.Duration(i) * time.Hour)
	p := Product{
		Number:        number,
		Name:          sp.name,
		ShortText:     fmt.Sprintf("%s by %s.", sp.name, sp.maker),
		Description:   fmt.Sprintf("<p><strong>%s</strong> by %s.</p><ul><li>Carefully made</li><li>Ships within 2 days</li></ul><p>Questions? Our team is happy to help.</p>", sp.name, sp.maker),
		Manufacturer:  sp.maker,
		MPN:           fmt.Sprintf("%s-%03d", strings.ToUpper(slugify(sp.maker))[:3], 100+i),
		Price:         decimal.RequireFromString(sp.price),
		TaxClassID:    taxID,
		WeightGrams:   sp.grams,
		StockQuantity: sp.stock,
		Active:        true,
		Featured:      sp.featured,
		EAN:           ean13(fmt.Sprintf("400123%06d", 1000+i*10)),
		CreatedAt:     created,
		UpdatedAt:     created,
	}
	if sp.old != "" {
		p.OldPrice = decimal.NewNullDecimal(decimal.RequireFromString(sp.old))
	}
	switch sp.cat {
	case "fiction", "cookbooks":
		p.ISBN = isbn13(fmt.Sprintf("978312%06d", 1000+i))
		p.EAN = p.ISBN
	case "vitamins", "cold-flu":
		for b := 1000000 + i*37; p.PZN == ""; b++ {
			p.PZN = pzn(fmt.Sprint(b))
		}
	case "headphones", "speakers", "laptops", "accessories":
		p.UPC = upcA(fmt.Sprintf("0123%07d", 1000+i))
	}
	return p
}

// demoVariant is a variant product with the values that distinguish it.
type demoVariant struct {
	p            Product
	size, colour string
}

// demoVariants builds one child product per size/colour combination of
// demo product i; p must carry its final id (or none yet, for counting).
func demoVariants(i int, p *Product, sp seedProduct) []demoVariant {
	sizes, colours := sp.sizes, sp.colours
	if len(sizes) == 0 && len(colours) == 0 {
		return nil
	}
	if len(sizes) == 0 {
		sizes = []string{""}
	}
	if len(colours) == 0 {
		colours = []string{""}
	}
	var out []demoVariant
	n := 0
	for _, col := range colours {
		for _, size := range sizes {
			n++
			parent := p.ID
			v := Product{
				ParentID:      &parent,
				Number:        fmt.Sprintf("%s-%02d", p.Number, n),
				Description:   p.Description,
				Manufacturer:  p.Manufacturer,
				MPN:           p.MPN,
				Price:         p.Price,
				OldPrice:      p.OldPrice,
				TaxClassID:    p.TaxClassID,
				WeightGrams:   p.WeightGrams,
				StockQuantity: (i*7 + n*5) % 23, // some variants sold out
				Active:        true,
				EAN:           ean13(fmt.Sprintf("400123%06d", 1000+i*10+n)),
				CreatedAt:     p.CreatedAt,
				UpdatedAt:     p.UpdatedAt,
			}
			if size == "XL" {
				v.Price = v.Price.Add(decimal.RequireFromString("2.00"))
			}
			var label []string
			if col != "" {
				label = append(label, col)
			}
			if size != "" {
				label = append(label, size)
			}
			v.Name = p.Name + ", " + strings.Join(label, ", ")
			out = append(out, demoVariant{p: v, size: size, colour: col})
		}
	}
	return out
}

// seedCustomer creates the demo customer with an invoice and a delivery
// address.
func seedCustomer(tx *gorm.DB, groupID uint) error {
	hash, err := HashPassword(demoPassword)
	if err != nil {
		return err
	}
	birthday := time.Date(1988, 4, 12, 0, 0, 0, 0, time.UTC)
	cu := Customer{
		Number: "K10001", Email: demoEmail, PasswordHash: hash, Token: "demo-customer-token-7f3c1a9e",
		FirstName: "Erika", LastName: "Mustermann", Gender: "f", Birthday: &birthday,
		Phone: "+49 30 1234567", Mobile: "+49 151 2345678", Newsletter: true, Active: true,
		CustomerGroupID: &groupID, CreatedAt: seedEpoch, UpdatedAt: seedEpoch,
		Addresses: []Address{
			{IsDefault: true, IsInvoice: true, IsDelivery: true, Gender: "f", FirstName: "Erika", LastName: "Mustermann",
				Street1: "Heidestraße 17", Zipcode: "10557", City: "Berlin", Country: "DE", Phone: "+49 30 1234567"},
			{IsDelivery: true, Gender: "f", Company: "Beispiel GmbH", FirstName: "Erika", LastName: "Mustermann",
				Street1: "Am Sandtorkai 50", Street2: "3. OG", Zipcode: "20457", City: "Hamburg", Country: "DE"},
		},
	}
	if err := tx.Create(&cu).Error; err != nil {
		return fmt.Errorf("seed customer: %w", err)
	}
	return nil
}

// seedCommerce creates shipping methods and coupons.
func seedCommerce(tx *gorm.DB) error {
	ships := []ShippingMethod{
		{Code: "standard", Name: "Standard (DHL, 2–3 days)", Price: decimal.RequireFromString("4.90"),
			FreeFrom: decimal.RequireFromString("50.00"), TaxRate: decimal.NewFromInt(19), SortOrder: 0, Active: true},
		{Code: "express", Name: "Express (next working day)", Price: decimal.RequireFromString("9.90"),
			TaxRate: decimal.NewFromInt(19), SortOrder: 1, Active: true},
	}
	if err := tx.Create(&ships).Error; err != nil {
		return fmt.Errorf("seed shipping methods: %w", err)
	}
	expired := time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC)
	coupons := []Coupon{
		{Code: "WELCOME10", Description: "10 % off your order", Kind: CouponPercent, Value: decimal.NewFromInt(10), Active: true},
		{Code: "FIVEOFF", Description: "€5 off from €25", Kind: CouponFixed, Value: decimal.NewFromInt(5),
			MinOrderAmount: decimal.NewFromInt(25), Active: true},
		{Code: "FREESHIP", Description: "Free shipping", Kind: CouponFixed, Value: decimal.Zero, FreeShipping: true, Active: true},
		{Code: "XMAS2024", Description: "Christmas 2024", Kind: CouponPercent, Value: decimal.NewFromInt(15), Active: true, ValidUntil: &expired},
	}
	for i := range coupons {
		coupons[i].CreatedAt, coupons[i].UpdatedAt = seedEpoch, seedEpoch
	}
	if err := tx.Create(&coupons).Error; err != nil {
		return fmt.Errorf("seed coupons: %w", err)
	}
	return nil
}

// ---- Shopgate cart, settings and marketplace data (issue 11) ----

// seedCartData seeds what check_cart, get_settings and the English/USD
// marketplace read: tax rates for DE/AT/CH, shipping rates per country,
// payment methods with fees, prices of the "Trade" group, two coupons
// with rules (once per customer; restricted to products), German texts
// for the first products and USD prices for every parent product.
func seedCartData(tx *gorm.DB, taxes []TaxClass, groups []CustomerGroup) error {
	d := decimal.RequireFromString
	var rates []TaxRate
	business := uint(customerTaxClassBusiness)
	for _, r := range []struct {
		class         int
		country, rate string
		customer      *uint
	}{{0, "DE", "19", nil}, {0, "AT", "20", nil}, {0, "CH", "8.1", nil}, {1, "DE", "7", nil}, {1, "AT", "10", nil}, {1, "CH", "2.6", nil},
		// Trade buyers (tax class "business", with a VAT id) buy
		// tax-free from AT: intra-EU supplies under reverse charge.
		{0, "AT", "0", &business}, {1, "AT", "0", &business}} {
		rates = append(rates, TaxRate{TaxClassID: taxes[r.class].ID, Country: r.country, Rate: d(r.rate), CustomerTaxClassID: r.customer})
	}
	if err := tx.Create(&rates).Error; err != nil {
		return fmt.Errorf("seed tax rates: %w", err)
	}
	var ships []ShippingMethod
	if err := tx.Order("sort_order").Find(&ships).Error; err != nil {
		return err
	}
	standard, express := ships[0].ID, ships[1].ID
	heavy := 10000
	shipRates := []ShippingRate{
		{MethodID: standard, Country: "DE", Currency: "EUR", Price: d("4.90"), FreeFrom: d("50")},
		{MethodID: express, Country: "DE", Currency: "EUR", Price: d("9.90"), MaxWeightGrams: &heavy},
		{MethodID: standard, Country: "AT", Currency: "EUR", Price: d("7.90"), FreeFrom: d("100")},
		{MethodID: standard, Country: "CH", Currency: "EUR", Price: d("14.90")},
		{MethodID: standard, Country: "DE", Currency: "USD", Price: d("5.90"), FreeFrom: d("60")},
		{MethodID: standard, Country: "AT", Currency: "USD", Price: d("8.90")},
		{MethodID: standard, Country: "CH", Currency: "USD", Price: d("16.90")},
	}
	if err := tx.Create(&shipRates).Error; err != nil {
		return fmt.Errorf("seed shipping rates: %w", err)
	}
	pays := []PaymentMethod{
		{Code: "PREPAY", Name: "Prepayment", SortOrder: 1, Active: true},
		{Code: "INVOICE", Name: "Invoice", SortOrder: 2, Active: true},
		{Code: "COD", Name: "Cash on delivery", Fee: d("6.00"), TaxRate: decimal.NewNullDecimal(d("19")), SortOrder: 3, Active: true},
	}
	if err := tx.Create(&pays).Error; err != nil {
		return fmt.Errorf("seed payment methods: %w", err)
	}
	if err := tx.Create(&PaymentMethodFee{MethodID: pays[2].ID, Currency: "USD", Fee: d("6.60")}).Error; err != nil {
		return fmt.Errorf("seed payment fees: %w", err)
	}
	var parents []Product
	if err := tx.Where("parent_id IS NULL").Order("id").Find(&parents).Error; err != nil {
		return err
	}
	// Trade customers pay 15 % less for the first five products.
	var tiers []TierPrice
	var prices []ProductPrice
	var texts []ProductTranslation
	for i, p := range parents {
		if i < 5 {
			tiers = append(tiers, TierPrice{ProductID: p.ID, MinQuantity: 1, Price: p.Price.Mul(d("0.85")).Round(2),
				CustomerGroupID: &groups[1].ID, Currency: Currency})
		}
		prices = append(prices, ProductPrice{ProductID: p.ID, Currency: "USD", Price: p.Price.Mul(d("1.1")).Round(2)})
		if i < len(germanNames) {
			texts = append(texts, ProductTranslation{ProductID: p.ID, Language: "de", Name: germanNames[i],
				Description: "<p>" + germanNames[i] + " – Beschreibung auf Deutsch.</p>"})
		}
	}
	for _, rows := range []any{&tiers, &prices, &texts} {
		if err := tx.Create(rows).Error; err != nil {
			return fmt.Errorf("seed marketplace data: %w", err)
		}
	}
	if err := seedMarketplaceTexts(tx, ships); err != nil {
		return err
	}
	from := seedEpoch
	coupons := []Coupon{
		{Code: "VIP15", Description: "15 % once per customer (login required)", Kind: CouponPercent, Value: d("15"),
			Active: true, ValidFrom: &from, MaxPerCustomer: 1, CreatedAt: seedEpoch, UpdatedAt: seedEpoch},
		{Code: "FIRST3", Description: "20 % off the first three products", Kind: CouponPercent, Value: d("20"),
			Active: true, CreatedAt: seedEpoch, UpdatedAt: seedEpoch},
	}
	if err := tx.Create(&coupons).Error; err != nil {
		return fmt.Errorf("seed coupons: %w", err)
	}
	var restrict []CouponProduct
	for _, p := range parents[:3] {
		restrict = append(restrict, CouponProduct{CouponID: coupons[1].ID, ProductID: p.ID})
	}
	if err := tx.Create(&restrict).Error; err != nil {
		return fmt.Errorf("seed coupon products: %w", err)
	}
	return nil
}

// seedMarketplaceTexts seeds what the USD marketplace and the German
// texts need beyond product names: every quantity and group price also in
// USD (the product's USD price is 1.1 times the euro price), German
// variant names for the translated products, and German texts of shipping
// methods, categories and variant dimensions (docs/protocol/cart.md#marketplaces).
func seedMarketplaceTexts(tx *gorm.DB, ships []ShippingMethod) error {
	var eur []TierPrice
	if err := tx.Where("currency = ?", Currency).Order("id").Find(&eur).Error; err != nil {
		return fmt.Errorf("seed USD tier prices: %w", err)
	}
	usd := make([]TierPrice, 0, len(eur))
	for _, t := range eur {
		usd = append(usd, TierPrice{ProductID: t.ProductID, MinQuantity: t.MinQuantity, CustomerGroupID: t.CustomerGroupID,
			Price: t.Price.Mul(decimal.RequireFromString("1.1")).Round(2), Currency: "USD"})
	}
	shipTexts := []ShippingMethodTranslation{
		{MethodID: ships[0].ID, Language: "de", Name: "Standardversand (DHL, 2–3 Tage)", Description: "2–3 Werktage"},
		{MethodID: ships[1].ID, Language: "de", Name: "Express (nächster Werktag)", Description: "nächster Werktag"},
	}
	var cats []Category
	if err := tx.Order("id").Find(&cats).Error; err != nil {
		return fmt.Errorf("seed category texts: %w", err)
	}
	var catTexts []CategoryTranslation
	for _, c := range cats {
		if de, ok := germanCategoryNames[c.Slug]; ok {
			catTexts = append(catTexts, CategoryTranslation{CategoryID: c.ID, Language: "de", Name: de})
		}
	}
	var attrTexts []AttributeTranslation
	for en, de := range germanAttributeTexts {
		attrTexts = append(attrTexts, AttributeTranslation{Name: en, Language: "de", Label: de})
	}
	var parents []Product
	if err := tx.Where("parent_id IS NULL").Order("id").Limit(len(germanNames)).Preload("Variants", func(tx *gorm.DB) *gorm.DB {
		return tx.Preload("Attributes", func(tx *gorm.DB) *gorm.DB { return tx.Order("sort_order, id") }).Order("id")
	}).Find(&parents).Error; err != nil {
		return fmt.Errorf("seed variant texts: %w", err)
	}
	var variantTexts []ProductTranslation
	for i, p := range parents {
		for _, v := range p.Variants {
			name := germanNames[i]
			for _, a := range slices.Backward(v.Attributes) {
				label := a.Value
				if de, ok := germanAttributeTexts[label]; ok {
					label = de
				}
				name += ", " + label
			}
			variantTexts = append(variantTexts, ProductTranslation{ProductID: v.ID, Language: "de", Name: name})
		}
	}
	for _, rows := range []any{&usd, &shipTexts, &catTexts, &attrTexts, &variantTexts} {
		if reflect.ValueOf(rows).Elem().Len() == 0 {
			continue
		}
		if err := tx.Create(rows).Error; err != nil {
			return fmt.Errorf("seed marketplace texts: %w", err)
		}
	}
	return nil
}

// germanCategoryNames are the German names of the demo categories.
var germanCategoryNames = map[string]string{
	"clothing": "Bekleidung", "men": "Herren", "men-t-shirts": "T-Shirts", "men-jeans": "Jeans", "women": "Damen",
	"women-dresses": "Kleider", "women-tops": "Tops", "electronics": "Elektronik", "audio": "Audio",
	"headphones": "Kopfhörer", "speakers": "Lautsprecher", "computers": "Computer", "laptops": "Laptops",
	"accessories": "Zubehör", "home-garden": "Haus & Garten", "kitchen": "Küche", "coffee": "Kaffee & Tee",
	"cookware": "Kochgeschirr", "garden": "Garten", "garden-tools": "Gartenwerkzeug", "books": "Bücher",
	"fiction": "Romane", "cookbooks": "Kochbücher", "health": "Gesundheit", "vitamins": "Vitamine",
	"cold-flu": "Erkältung & Grippe", "archive": "Archiv",
}

// germanAttributeTexts translate the variant dimensions and their colour
// values; sizes are the same in both languages.
var germanAttributeTexts = map[string]string{
	"Size": "Größe", "Colour": "Farbe", "Black": "Schwarz", "White": "Weiß", "Lime": "Limette", "Coral": "Koralle",
	"Navy": "Marineblau", "Graphite": "Graphit", "Silver": "Silber",
}

// germanNames are the German names of the first parent products (the
// German marketplace exports them; the English one the base names).
var germanNames = []string{"Klassisches T-Shirt", "Bio-T-Shirt mit Brusttasche", "Henley-Langarmshirt"}

// ---- Shopgate Connect: the demo customer's order history ----

// seedCustomerOrders gives the demo customer three past orders, so that
// get_orders (docs/protocol/customers.md) shows a history: one shipped and
// paid, one in processing with a coupon, one new order that came from
// Shopgate. Their numbers (900001…) stay clear of the storefront's
// id-based numbers.
func seedCustomerOrders(tx *gorm.DB) error {
	var cu Customer
	if err := tx.Preload("Addresses").Where("email = ?", demoEmail).Take(&cu).Error; err != nil {
		return fmt.Errorf("seed order history: %w", err)
	}
	var products []Product
	if err := tx.Preload("TaxClass").Where("active = ? AND parent_id IS NULL", true).Order("id").Limit(3).Find(&products).Error; err != nil {
		return fmt.Errorf("seed order history: %w", err)
	}
	if len(products) < 3 {
		return fmt.Errorf("seed order history: need 3 products, have %d", len(products))
	}
	addr := func(a Address) OrderAddress {
		return OrderAddress{Gender: a.Gender, Company: a.Company, FirstName: a.FirstName, LastName: a.LastName,
			Street1: a.Street1, Street2: a.Street2, Zipcode: a.Zipcode, City: a.City, Country: a.Country,
			State: a.State, Phone: a.Phone}
	}
	invoice, delivery := addr(cu.Addresses[0]), addr(cu.Addresses[len(cu.Addresses)-1])
	line := func(p Product, qty int) OrderItem {
		pid := p.ID
		return OrderItem{Type: ItemProduct, ProductID: &pid, Number: p.Number, Name: p.Name, Quantity: qty,
			UnitPrice: p.Price, TaxRate: p.TaxClass.Rate, Total: p.Price.Mul(decimal.NewFromInt(int64(qty)))}
	}
	day := func(d int) time.Time { return seedEpoch.AddDate(0, 0, -d) }
	paid, shipped := day(55), day(53)
	type spec struct {
		number, status, payment, source, ext, coupon string
		created                                      time.Time
		lines                                        []OrderItem
		shipping                                     decimal.Decimal
		paidAt, shippedAt                            *time.Time
	}
	specs := []spec{
		{number: "900001", status: StatusShipped, payment: PaymentPrepayment, source: "web", created: day(56),
			lines: []OrderItem{line(products[0], 1), line(products[1], 2)}, shipping: decimal.RequireFromString("4.90"),
			paidAt: &paid, shippedAt: &shipped},
		{number: "900002", status: StatusProcessing, payment: PaymentInvoice, source: "web", created: day(20), coupon: "WELCOME10",
			lines: []OrderItem{line(products[2], 1)}, shipping: decimal.RequireFromString("4.90")},
		{number: "900003", status: StatusNew, payment: PaymentPrepayment, source: "shopgate", ext: "1000099001", created: day(2),
			lines: []OrderItem{line(products[1], 1)}, shipping: decimal.Zero},
	}
	for _, sp := range specs {
		items := decimal.Zero
		for _, l := range sp.lines {
			items = items.Add(l.Total)
		}
		discount := decimal.Zero
		lines := sp.lines
		if sp.coupon != "" {
			discount = items.Mul(decimal.NewFromInt(10)).Div(decimal.NewFromInt(100)).Round(2)
			lines = append(lines, OrderItem{Type: ItemCoupon, Number: sp.coupon, Name: "Coupon " + sp.coupon, Quantity: 1,
				UnitPrice: discount.Neg(), TaxRate: decimal.NewFromInt(19), Total: discount.Neg()})
		}
		o := Order{Number: sp.number, Source: sp.source, ExternalNumber: sp.ext, CustomerID: &cu.ID, Email: cu.Email,
			Phone: cu.Phone, Status: sp.status, PaymentMethod: sp.payment, ShippingMethod: "standard", Currency: Currency,
			AmountItems: items, AmountShipping: sp.shipping, AmountPayment: decimal.Zero, AmountDiscount: discount,
			AmountTotal: items.Add(sp.shipping).Sub(discount), CouponCode: sp.coupon, IsPaid: sp.paidAt != nil,
			PaidAt: sp.paidAt, ShippedAt: sp.shippedAt, InvoiceAddress: invoice, DeliveryAddress: delivery,
			Items: lines, History: []OrderHistory{{Status: sp.status, CreatedAt: sp.created}},
			CreatedAt: sp.created, UpdatedAt: sp.created}
		if err := tx.Create(&o).Error; err != nil {
			return fmt.Errorf("seed order history: %w", err)
		}
	}
	return nil
}
