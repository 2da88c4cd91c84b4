package pluginapi

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/logs"
)

// xorBox is a reversible SecretBox for tests: it proves the handler stores
// only what the box returns (the real one is dropship.Cipher).
type xorBox struct{ fail bool }

func (xorBox) Encrypt(p string) (string, error) {
	b := []byte(p)
	for i := range b {
		b[i] ^= 0x5a
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

func (x xorBox) Decrypt(e string) (string, error) {
	if x.fail {
		return "", errors.New("cannot decrypt (wrong key?)")
	}
	b, err := base64.StdEncoding.DecodeString(e)
	if err != nil {
		return "", err
	}
	for i := range b {
		b[i] ^= 0x5a
	}
	return string(b), nil
}

const panelKey = "00112233445566778899aabbccddeeff"

// TestPanelCredentialsStoredEncrypted: the merchant's credentials win over
// the configuration, the API key is stored only encrypted and never
// reported, and authentication and MerchantCredentials use the new values.
func TestPanelCredentialsStoredEncrypted(t *testing.T) {
	store := &memStore{}
	h := newTestHandler(t, func(c *Config) { c.Store = store; c.Secrets = xorBox{} })
	err := h.ChangeSettings(context.Background(), "", map[string]string{"customer_number": "55555", "apikey": panelKey})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := jsonMarshal(store.saved)
	if strings.Contains(string(doc), panelKey) {
		t.Fatalf("API key stored in clear: %s", doc)
	}
	info, _ := h.SettingInfo("", "apikey")
	if info.Value != nil || info.Configured != nil || !info.Set || !info.ConfiguredSet || info.Origin != OriginPanel {
		t.Errorf("apikey info %+v", info)
	}
	cr, _ := h.MerchantCredentials("")
	if cr.CustomerNumber != "55555" || cr.APIKey != panelKey || cr.ShopNumber != testShop {
		t.Errorf("MerchantCredentials %+v", cr)
	}
	// The old key no longer authenticates, the new one does.
	wantError(t, envelope(t, call(t, h, "action=ping", true)), shopgate.CodeAuthenticationFailed, "")
	// A restart reads the stored credentials back.
	h2 := newTestHandler(t, func(c *Config) { c.Store = store; c.Secrets = xorBox{} })
	if v := h2.Setting("", "apikey"); v != panelKey {
		t.Errorf("after restart apikey = %v", v)
	}
	for _, lt := range logs.Types {
		b, _ := h.Logs("").ReadAll(lt)
		if strings.Contains(string(b), panelKey) {
			t.Errorf("%s log contains the key", lt)
		}
	}
}

// TestPanelAPIKeyNeedsSecretBox: with a Store but no Secrets the key is
// refused (never stored in clear); without a Store it applies in memory.
func TestPanelAPIKeyNeedsSecretBox(t *testing.T) {
	h := newTestHandler(t, func(c *Config) { c.Store = &memStore{} })
	if err := h.ChangeSettings(context.Background(), "", map[string]string{"apikey": panelKey}); !errors.Is(err, ErrNoSecretBox) {
		t.Fatalf("err = %v", err)
	}
	h = newTestHandler(t, nil)
	if err := h.ChangeSettings(context.Background(), "", map[string]string{"apikey": panelKey}); err != nil {
		t.Fatal(err)
	}
	if h.Setting("", "apikey") != panelKey {
		t.Error("not applied in memory")
	}
	if err := h.ChangeSettings(context.Background(), "", map[string]string{"apikey": "not-a-key"}); err == nil {
		t.Error("invalid key accepted")
	}
}

// TestStoredKeyUndecryptable: a stored key that cannot be decrypted (the
// servers do not share the key file) is ignored, the configured one stays,
// and the log names the setting, never a value.
func TestStoredKeyUndecryptable(t *testing.T) {
	store := &memStore{}
	h := newTestHandler(t, func(c *Config) { c.Store = store; c.Secrets = xorBox{} })
	if err := h.ChangeSettings(context.Background(), "", map[string]string{"apikey": panelKey}); err != nil {
		t.Fatal(err)
	}
	core, seen := observer.New(zap.WarnLevel)
	h2 := newTestHandler(t, func(c *Config) { c.Store = store; c.Secrets = xorBox{fail: true}; c.Logger = zap.New(core) })
	if v := h2.Setting("", "apikey"); v != testAPIKey {
		t.Errorf("apikey = %v, want the configured one", v)
	}
	if seen.Len() == 0 {
		t.Fatal("nothing logged")
	}
	for _, e := range seen.All() {
		if strings.Contains(e.Message+e.ContextMap()["error"].(string), panelKey) {
			t.Error("log shows the key")
		}
	}
}

// TestReloadAppliesStoredChanges: another process's change (written to
// the store directly) is applied by Reload, reported once to
// OnSettingsChanged, and a second Reload changes nothing.
func TestReloadAppliesStoredChanges(t *testing.T) {
	store := &memStore{}
	var calls []map[string]any
	h := newTestHandler(t, func(c *Config) {
		c.Store = store
		c.OnSettingsChanged = func(_ string, ch map[string]any) { calls = append(calls, ch) }
	})
	other := newTestHandler(t, func(c *Config) { c.Store = store })
	if err := other.ChangeSettings(context.Background(), "", map[string]string{"alias": "from-other", "server": "pg"}); err != nil {
		t.Fatal(err)
	}
	if h.Setting("", "alias") == "from-other" {
		t.Fatal("applied before Reload")
	}
	if err := h.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h.Setting("", "alias") != "from-other" || h.Setting("", "server") != "pg" {
		t.Fatalf("after Reload: %v %v", h.Setting("", "alias"), h.Setting("", "server"))
	}
	if len(calls) != 1 || calls[0]["alias"] != "from-other" || !AffectsMerchantAPI(calls[0]) {
		t.Fatalf("OnSettingsChanged calls %v", calls)
	}
	if info, _ := h.SettingInfo("", "server"); info.Origin != OriginPanel {
		t.Errorf("origin %q", info.Origin)
	}
	if !strings.Contains(string(h.single.pingConfiguration()), "from-other") {
		t.Error("ping's configuration not updated")
	}
	if err := h.Reload(context.Background()); err != nil || len(calls) != 1 {
		t.Errorf("second Reload: %v, %d calls", err, len(calls))
	}
}

// TestPanelShopNumberSelectsShop: a shop number the merchant changed
// selects the shop and passes the single-shop check.
func TestPanelShopNumberSelectsShop(t *testing.T) {
	h := newTestHandler(t, nil)
	if err := h.ChangeSettings(context.Background(), "", map[string]string{"shop_number": "424242"}); err != nil {
		t.Fatal(err)
	}
	if h.lookup("424242") == nil || h.lookup(testShop) == nil {
		t.Error("lookup by the new or the configured number fails")
	}
	wantError(t, envelope(t, call(t, h, "action=ping&shop_number=424242", true)), 0, "")
}
