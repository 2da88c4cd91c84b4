package obfuscate

import (
	"reflect"
	"testing"
)

func TestParams(t *testing.T) {
	in := map[string]any{
		"action":      "get_customer",
		"user":        "max@example.com",
		"pass":        "S3cret!pw",
		"shop_number": "20001",
		"cart":        map[string]any{"items": []any{"x"}},
		"user_data":   map[string]any{"mail": "a"},
		"nested":      map[string]any{"apikey": "k", "list": []any{map[string]any{"password": "p", "keep": "v"}}},
		"jobs":        []any{map[string]any{"job_name": "cron"}},
		"shopgate_settings": []any{map[string]any{"name": "alias", "value": "x"},
			map[string]any{"name": "apikey", "value": "k"}, map[string]any{"name": "oauth_access_token", "value": "t"},
			map[string]any{"name": "cart", "value": map[string]any{"items": "x"}}},
	}
	want := map[string]any{
		"action":      "get_customer",
		"user":        "max@example.com",
		"pass":        Masked,
		"shop_number": Masked,
		"cart":        Removed,
		"user_data":   Removed,
		"nested":      map[string]any{"apikey": Masked, "list": []any{map[string]any{"password": Masked, "keep": "v"}}},
		"jobs":        []any{map[string]any{"job_name": "cron"}},
		"shopgate_settings": []any{map[string]any{"name": "alias", "value": "x"},
			map[string]any{"name": "apikey", "value": Masked}, map[string]any{"name": "oauth_access_token", "value": Masked},
			map[string]any{"name": "cart", "value": Removed}},
	}
	got := Params(in)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Params =\n%#v\nwant\n%#v", got, want)
	}
	if in["pass"] != "S3cret!pw" {
		t.Error("input was modified")
	}
}

func TestIsSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"apikey": true, "oauth_access_token": true, "db_password": true, "DROPHERO_SECRET_KEY": true,
		"database_dsn": true, "tax_class_key": false, "alias": false, "language": false, "shop_is_active": false, "customer_token": true,
	} {
		if got := IsSecretName(name); got != want {
			t.Errorf("IsSecretName(%q) = %v", name, got)
		}
	}
	if Header("X-Shopgate-Auth-Token", "abc") != Masked || Header("User-Agent", "x") != "x" {
		t.Error("Header")
	}
}
