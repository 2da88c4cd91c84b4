package export_test

import (
	"fmt"
	"os"

	"github.com/shopspring/decimal"

	"github.com/shopbridge/shopbridge/shopgate/export"
)

// A product with one variant, streamed as an items document. The variant
// only carries what differs from its parent.
func ExampleItemWriter() {
	w := export.NewItemWriter(os.Stdout)
	item := export.Item{
		UID:             "1",
		Name:            "Mug",
		Currency:        "EUR",
		Deeplink:        "https://shop.example.com/mug",
		Prices:          export.Prices{Type: "gross", SalePrice: export.Some(decimal.RequireFromString("9.90"))},
		Stock:           export.Stock{IsSaleable: true, UseStock: true, StockQuantity: export.Some[int64](4)},
		Identifiers:     []export.Identifier{{UID: "ean", Type: export.IdentifierEAN, Value: "4006381333931"}},
		AttributeGroups: []export.AttributeGroup{{UID: "color", Label: "Color"}},
		DisplayType:     "select",
		Children: []export.Item{{
			UID:        "2",
			Attributes: []export.Attribute{{UID: "red", GroupUID: "color", Label: "Red"}},
		}},
	}
	if err := w.Write(&item); err != nil {
		fmt.Println(err)
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// <items xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://files.shopgate.com/xml/xsd/catalog/products.xsd"><item uid="1"><name><![CDATA[Mug]]></name><currency>EUR</currency><description/><deeplink><![CDATA[https://shop.example.com/mug]]></deeplink><promotion/><internal_order_info/><weight/><prices type="gross"><sale_price>9.9</sale_price></prices><images/><categories/><shipping><is_free>0</is_free></shipping><manufacturer/><visibility marketplace="0"/><properties/><stock><is_saleable>1</is_saleable><backorders>0</backorders><use_stock>1</use_stock><stock_quantity>4</stock_quantity></stock><identifiers><identifier uid="ean" type="EAN"><![CDATA[4006381333931]]></identifier></identifiers><tags/><relations/><attribute_groups><attribute_group uid="color"><![CDATA[Color]]></attribute_group></attribute_groups><inputs/><display_type>select</display_type><children><item uid="2"><attributes><attribute uid="red" group_uid="color"><![CDATA[Red]]></attribute></attributes></item></children></item></items>
}

func ExampleReviewWriter() {
	w := export.NewReviewWriter(os.Stdout)
	_ = w.Write(&export.Review{UID: "r1", ItemUID: "1", Score: 10, ReviewerName: "Ann", Text: "Great & sturdy"})
	_ = w.Close()
	// Output:
	// <reviews xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://files.shopgate.com/xml/xsd/catalog/reviews.xsd"><review uid="r1"><item_uid>1</item_uid><score>10</score><reviewer_name><![CDATA[Ann]]></reviewer_name><date/><title/><text><![CDATA[Great & sturdy]]></text></review></reviews>
}

func ExampleClean() {
	fmt.Printf("%q\n", export.Clean("caf\xe9 \x00ok"))
	// Output: "caf? ok"
}
