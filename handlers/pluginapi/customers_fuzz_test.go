package pluginapi

import (
	"encoding/json"
	"testing"

	"github.com/shopbridge/shopbridge/internal/phpform"
)

// FuzzDecodeUserData decodes arbitrary register_customer bodies (PHP
// bracket notation) into a Customer and encodes it back: never a panic,
// genders normalised, the first address the default, always valid JSON.
func FuzzDecodeUserData(f *testing.F) {
	f.Add("user_data[first_name]=A&user_data[birthday]=1990-02-03xyz&user_data[addresses][0][country]=de")
	f.Add("user_data[gender]=X&user_data[custom_fields][0][internal_field_name]=a&user_data[custom_fields][0][value][x]=1")
	f.Add("user_data[addresses]=1&user_data[newsletter_subscription]=true&user_data[addresses][a][is_invoice_address]=1")
	f.Add("user_data[birthday][]=1&user_data[addresses][0]=x&user_data[custom_fields]=z")
	f.Fuzz(func(t *testing.T, body string) {
		params, err := phpform.ParseQuery(body, phpform.Limits{MaxVars: 1000, MaxDepth: 8})
		if err != nil {
			return
		}
		ud, _ := params["user_data"].(map[string]any)
		c := decodeUserData(ud)
		switch c.Gender {
		case "", "m", "f", "d":
		default:
			t.Fatalf("gender %q", c.Gender)
		}
		for i, a := range c.Addresses {
			if a.IsDefault != (i == 0) {
				t.Fatalf("address %d default = %v", i, a.IsDefault)
			}
		}
		c.ID, c.Token = "1", "t"
		u, addrs := encodeCustomer(&c)
		if _, err := json.Marshal([]any{u, addrs}); err != nil {
			t.Fatalf("encode: %v", err)
		}
	})
}

// FuzzDecodeFavourites decodes arbitrary sync_favourite_list bodies: an
// entry is accepted only with item_number and status, and every status
// is one of the three known values or "".
func FuzzDecodeFavourites(f *testing.F) {
	f.Add("items[0][item_number]=1&items[0][status]=new")
	f.Add("items[0][item_number]=1&items[1][status]=deleted")
	f.Add("items=abc")
	f.Add("items[x][item_number][]=1&items[x][status]=existing")
	f.Fuzz(func(t *testing.T, body string) {
		params, err := phpform.ParseQuery(body, phpform.Limits{MaxVars: 1000, MaxDepth: 8})
		if err != nil {
			return
		}
		changes, err := decodeFavourites(params["items"])
		if err != nil {
			return
		}
		for _, c := range changes {
			if c.ItemNumber == "" {
				t.Fatalf("empty item number accepted: %q", body)
			}
			switch c.Status {
			case "", "new", "deleted", "existing":
			default:
				t.Fatalf("status %q", c.Status)
			}
		}
	})
}
