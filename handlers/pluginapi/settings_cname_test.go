package pluginapi

import "testing"

// TestValidateSettingCNAME checks that a cname's scheme is matched in any
// case (docs/protocol/mobile-redirect.md#decision-cname): an upper-case
// HTTPS:// must not be refused by set_settings while the redirect accepts it.
func TestValidateSettingCNAME(t *testing.T) {
	tests := []struct {
		cname string
		ok    bool
	}{
		{"", true},
		{"m.example.com", true},
		{"https://m.example.com/", true},
		{"HTTPS://M.Example.com/", true},
		{"Http://m.example.com", true},
		{"ftp://m.example.com", false},
		{"https://", false},
		{"javascript:alert(1)", false},
	}
	for _, tt := range tests {
		err := validateSetting("cname", tt.cname)
		if (err == nil) != tt.ok {
			t.Errorf("validateSetting(cname, %q) = %v, want ok=%v", tt.cname, err, tt.ok)
		}
	}
}
