package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// workedExample builds the input data of
// docs/protocol/catalog-export.md#worked-example.
func workedExample() (Item, []Category, Review) {
	lastUpdate := time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("", 2*3600))
	parent := Item{
		UID:                "1000",
		LastUpdate:         lastUpdate,
		Name:               "Classic T-Shirt",
		TaxPercent:         Some(dec("19")),
		Currency:           "EUR",
		Description:        "<p>100% organic cotton, regular fit.</p>",
		Deeplink:           "https://shop.example.com/classic-t-shirt.html",
		PromotionSortOrder: Some[int64](3),
		InternalOrderInfo:  "TS-1000",
		Weight:             Some(dec("180")),
		WeightUnit:         "g",
		Prices: Prices{
			Type:      "gross",
			Price:     Some(dec("24.99")),
			Cost:      Some(dec("8.50")),
			SalePrice: Some(dec("19.99")),
			MSRP:      Some(dec("29.99")),
			TierPrices: []TierPrice{
				{AggregateChildren: true, Threshold: Some[int64](10), MaxQuantity: Some[int64](49), Type: "percent", Reduction: dec("5")},
				{AggregateChildren: true, Threshold: Some[int64](50), Type: "fixed", CustomerGroupUID: "2", Reduction: dec("3.00")},
			},
		},
		Images: []Image{
			{UID: "501", SortOrder: Some[int64](1), IsCover: true, URL: "https://shop.example.com/media/ts-1000-front.jpg",
				Title: Some("Classic T-Shirt front"), Alt: Some("T-shirt, front view")},
			{UID: "502", SortOrder: Some[int64](2), URL: "https://shop.example.com/media/ts-1000-back.jpg",
				Title: Some("Classic T-Shirt back"), Alt: Some("T-shirt, back view")},
		},
		Categories:   []CategoryRef{{UID: "10", SortOrder: Some[int64](5)}, {UID: "11", SortOrder: Some[int64](1)}},
		Shipping:     Shipping{CostsPerOrder: Some(dec("4.95")), AdditionalCostsPerUnit: Some(dec("0.50"))},
		Manufacturer: Manufacturer{UID: "77", Title: Some("Acme Apparel"), ItemNumber: Some("AC-TS-1")},
		Visibility:   Visibility{Level: "catalog_and_search", Marketplace: true},
		Properties: []Property{
			{UID: "material", Label: "Material", Value: "100% cotton"},
			{UID: "care", Label: "Care", Value: "Machine wash 40 °C"},
		},
		Stock: Stock{IsSaleable: true, UseStock: true, StockQuantity: Some[int64](25),
			MinimumOrderQuantity: Some[int64](1), MaximumOrderQuantity: Some[int64](10), AvailabilityText: Some("In stock")},
		Identifiers: []Identifier{{UID: "1", Type: "EAN", Value: "4006381333931"}, {UID: "2", Type: "SKU", Value: "TS-1000"}},
		Tags:        []Tag{{UID: "1", Value: "t-shirt"}, {UID: "2", Value: "cotton"}, {UID: "3", Value: "basics"}},
		Relations: []Relation{
			{Type: "crosssell", UIDs: []string{"2000", "2001"}},
			{Type: "custom", Label: "Matching trousers", UIDs: []string{"3000"}},
		},
		AttributeGroups: []AttributeGroup{{UID: "color", Label: "Color"}},
		DisplayType:     "select",
	}
	// Child 1001 sets only what it has of its own; everything else is
	// inherited (step 0). Child 1002 repeats some parent values explicitly.
	red := Item{
		UID:               "1001",
		DefaultChild:      true,
		InternalOrderInfo: "TS-1000-RED",
		Identifiers:       []Identifier{{UID: "1", Type: "EAN", Value: "4006381333948"}, {UID: "2", Type: "SKU", Value: "TS-1000-RED"}},
		Attributes:        []Attribute{{UID: "red", GroupUID: "color", Label: "Red"}},
	}
	blue := parent
	blue.Children = nil
	blue.AttributeGroups = nil
	blue.UID = "1002"
	blue.Name = "Classic T-Shirt (Blue)"
	blue.InternalOrderInfo = "TS-1000-BLUE"
	blue.Prices.Price = Some(dec("26.99"))
	blue.Prices.SalePrice = Some(dec("21.99"))
	blue.Stock = Stock{UseStock: true, StockQuantity: Some[int64](0), AvailabilityText: Some("Sold out")}
	blue.Identifiers = []Identifier{{UID: "1", Type: "EAN", Value: "4006381333955"}, {UID: "2", Type: "SKU", Value: "TS-1000-BLUE"}}
	blue.Attributes = []Attribute{{UID: "blue", GroupUID: "color", Label: "Blue"}}
	parent.Children = []Item{red, blue}

	cats := []Category{
		{UID: "10", SortOrder: Some[int64](20), IsActive: true, IsAnchor: true, Name: "Apparel",
			Deeplink: "https://shop.example.com/apparel.html",
			Image: &Image{UID: "900", SortOrder: Some[int64](1), URL: "https://shop.example.com/media/cat-apparel.jpg",
				Title: Some("Apparel"), Alt: Some("Apparel category")}},
		{UID: "11", SortOrder: Some[int64](10), ParentUID: "10", IsActive: true, Name: "T-Shirts",
			Deeplink: "https://shop.example.com/apparel/t-shirts.html"},
	}
	review := Review{UID: "r-501", ItemUID: "1000", Score: 8, ReviewerName: "Jane D.",
		Date: time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC), Title: "Great fit",
		Text: "Soft fabric & true to size. Would buy again!"}
	return parent, cats, review
}

var interTag = regexp.MustCompile(`>\s+<`)

// normalise applies the comparison rule of
// docs/protocol/catalog-export.md#worked-example.
func normalise(b []byte) []byte {
	return interTag.ReplaceAll(bytes.TrimSpace(b), []byte("><"))
}

func TestWorkedExample(t *testing.T) {
	item, cats, review := workedExample()
	tests := []struct {
		name   string
		golden string
		sha    string
		size   int
		write  func(*bytes.Buffer) error
	}{
		{"items", "testdata/items.golden.xml", "e3daaad5ee05a9ca542fcaf73a8c43d20f17611b8c9d1abc7ee7b9e6112eab5d", 4327,
			func(b *bytes.Buffer) error {
				w := NewItemWriter(b)
				if err := w.Write(&item); err != nil {
					return err
				}
				return w.Close()
			}},
		{"categories", "testdata/categories.golden.xml", "378fb1f2ef80f11af647e61b233c55f4a360a0c80b8e174ba58beb54f66d4059", 728,
			func(b *bytes.Buffer) error {
				w := NewCategoryWriter(b)
				for i := range cats {
					if err := w.Write(&cats[i]); err != nil {
						return err
					}
				}
				return w.Close()
			}},
		{"reviews", "testdata/reviews.golden.xml", "ed24e19eade88529003a8e0dedace81d7993ff1f234aa5f3fe71bf4912b8faa5", 407,
			func(b *bytes.Buffer) error {
				w := NewReviewWriter(b)
				if err := w.Write(&review); err != nil {
					return err
				}
				return w.Close()
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bytes.Buffer
			if err := tt.write(&got); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(tt.golden)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := normalise(got.Bytes()), normalise(want); !bytes.Equal(g, w) {
				t.Errorf("body differs from %s\n got: %s\nwant: %s", tt.golden, g, w)
			}
			// The writer emits no whitespace at all, so the raw body is the
			// compact form whose digest
			// docs/protocol/catalog-export.md#worked-example gives.
			sum := sha256.Sum256(got.Bytes())
			if hex.EncodeToString(sum[:]) != tt.sha || got.Len() != tt.size {
				t.Errorf("compact body: %d bytes, sha256 %x; want %d bytes, %s", got.Len(), sum, tt.size, tt.sha)
			}
		})
	}
}
