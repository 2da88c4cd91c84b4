// Package obfuscate masks secrets in parameter trees before they are logged
// (docs/protocol/plugin-api.md#log-obfuscation, applied recursively at every
// depth).
package obfuscate

import "strings"

// Replacement strings Shopgate support recognises.
const (
	Masked  = "XXXXXXXX"
	Removed = "<removed>"
)

// masked names are replaced by Masked wherever they occur.
var masked = map[string]bool{
	"pass": true, "password": true, "apikey": true, "customer_number": true, "shop_number": true,
	"access_token": true, "oauth_access_token": true, "customer_token": true,
	"secret": true, "secret_key": true, "private_key": true, "token": true,
	"x-shopgate-auth-token": true,
}

// removed names have their whole value replaced by Removed.
var removed = map[string]bool{"cart": true, "user_data": true}

// IsSecretName reports whether a parameter or setting name holds a secret
// (it is masked in logs and in ping).
func IsSecretName(name string) bool {
	n := strings.ToLower(name)
	if masked[n] {
		return true
	}
	return strings.Contains(n, "pass") || strings.Contains(n, "secret") || strings.Contains(n, "token") ||
		strings.HasSuffix(n, "apikey") || strings.HasSuffix(n, "api_key") || strings.HasSuffix(n, "private_key") ||
		strings.HasSuffix(n, "secret_key") || strings.HasSuffix(n, "public_key") || strings.Contains(n, "dsn")
}

// Params returns a copy of m in which secret values are masked and bulky
// personal data removed, at any depth. m is never modified.
func Params(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		// "code" is the OAuth grant of receive_authorization at the top
		// level; nested (a coupon's code) it is harmless.
		if k == "code" && v != nil {
			out[k] = Masked
			continue
		}
		out[k] = value(k, v)
	}
	return out
}

func nested(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = value(k, v)
	}
	// A {name, value} pair (set_settings' shopgate_settings entries) hides
	// its secret behind the name, not the key: mask the value by the name.
	if name, ok := m["name"].(string); ok {
		if v, has := m["value"]; has {
			out["value"] = value(name, v)
		}
	}
	return out
}

func value(name string, v any) any {
	n := strings.ToLower(name)
	if removed[n] {
		return Removed
	}
	if IsSecretName(n) {
		if v == nil {
			return nil
		}
		return Masked
	}
	switch x := v.(type) {
	case map[string]any:
		return nested(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = value("", e)
		}
		return out
	default:
		return v
	}
}

// Header returns a printable value for an HTTP header, masking the token.
func Header(name, v string) string {
	if IsSecretName(name) || strings.EqualFold(name, "Authorization") {
		return Masked
	}
	return v
}
