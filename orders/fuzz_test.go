package orders

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shopbridge/shopbridge/shopgate"
)

// FuzzOrderComment feeds arbitrary get_orders order objects through the
// parts of the import that turn outside data into merchant-visible text.
func FuzzOrderComment(f *testing.F) {
	f.Add([]byte(`{"order_number":"1","payment_infos":{"a":{"b":[1,"x",null]}},"items":[{"item_number":"X","options":[{"name":"Size","value":"M"}]}]}`))
	f.Add([]byte(`{"payment_infos":[],"custom_fields":[{"label":"L","value":{"k":"v"}}],"is_test":"1"}`))
	f.Add([]byte(`{"payment_infos":{"shopgate_payment_name":"\u00e9","credit_card":{"holder":"A"}},"is_shipping_blocked":true}`))
	svc := &Service{cfg: Config{ShopgatePaymentMethod: DefaultShopgatePaymentMethod, MobilePaymentMethod: DefaultMobilePaymentMethod}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var o shopgate.Order
		if json.Unmarshal(data, &o) != nil {
			return
		}
		c := svc.comment(&o, DefaultMobilePaymentMethod, []string{"note"})
		if !strings.HasPrefix(c, "Shopgate order ") || !strings.Contains(c, "- note") {
			t.Fatalf("comment %q", c)
		}
		if utf8.ValidString(string(data)) && !utf8.ValidString(c) {
			t.Fatalf("invalid UTF-8 from valid input: %q", c)
		}
		for _, it := range o.Items {
			_ = itemDetails(it)
		}
		_ = customFieldsText(o.CustomFields)
	})
}
