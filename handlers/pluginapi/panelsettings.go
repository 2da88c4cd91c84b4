package pluginapi

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/shopbridge/shopbridge/internal/obfuscate"
)

// Origins of a setting's live value, as SettingInfo reports them
// (docs/protocol/plugin-api.md#setting-origins). The precedence is: a value
// stored by Shopgate's set_settings or by the merchant in the control panel
// wins over the configuration (environment or code), which wins over the
// default.
const (
	OriginDefault  = "default"  // nobody set it
	OriginConfig   = "config"   // Config.Shops (environment or code)
	OriginShopgate = "shopgate" // stored by Shopgate's set_settings
	OriginPanel    = "panel"    // stored by the merchant (ChangeSettings)
)

// localKeys may be changed by the merchant (ChangeSettings) but never by
// Shopgate's set_settings: the Merchant API environment and its URL, and
// the Shopgate credentials (docs/architecture.md#shopgate-credentials).
var localKeys = map[string]bool{"server": true, "api_url": true,
	"customer_number": true, "shop_number": true, "apikey": true}

// sealedKeys are local keys stored only encrypted with Config.Secrets.
var sealedKeys = map[string]bool{"apikey": true}

// SecretBox encrypts secrets at rest (AES-GCM with a key kept outside the
// database; *dropship.Cipher is one). Decrypt's error never contains the
// plaintext.
type SecretBox interface {
	Encrypt(plain string) (string, error)
	Decrypt(enc string) (string, error)
}

// ErrNoSecretBox is returned by ChangeSettings for the API key when the
// handler persists settings (Config.Store) but has no Config.Secrets to
// encrypt it with: a secret is never stored in clear.
var ErrNoSecretBox = errors.New("pluginapi: the API key can only be stored encrypted: Config.Secrets is not set")

// Keys of the stored document that are not settings: the panel's local
// keys and who set each stored value.
const (
	storedLocalKey  = "_local"
	storedOriginKey = "_origin"
	storedSealedKey = "_sealed"
)

// SettingInfo describes one setting of a shop for a control panel.
type SettingInfo struct {
	// Key is the Plugin API name (e.g. "alias").
	Key string
	// Value is the live value; nil for secrets (apikey, tokens): see Set.
	Value any
	// Configured is the value from the configuration (environment or code),
	// or the default; nil for secrets.
	Configured any
	// Set says whether the live value is non-empty (for secrets).
	Set bool
	// ConfiguredSet says whether the configuration sets a non-empty value
	// (for secrets, whose Configured is nil).
	ConfiguredSet bool
	// Origin is one of the Origin* constants: who set the live value.
	Origin string
	// RemoteSettable says whether Shopgate's set_settings may change it.
	RemoteSettable bool
	// PanelSettable says whether ChangeSettings may change it.
	PanelSettable bool
}

// PanelSettable reports whether ChangeSettings accepts key: every key
// Shopgate's set_settings may change, plus server and api_url.
func PanelSettable(key string) bool {
	sp, ok := settingSpecs[key]
	return ok && (sp.settable || localKeys[key])
}

// ActionNames returns the Plugin API actions whose enable_<action> switch
// exists, sorted.
func ActionNames() []string {
	out := make([]string, 0, len(actionSpecs))
	for name := range actionSpecs {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// SettingInfo returns key's live value and where it comes from; ok is false
// for an unknown shop or key. Secrets are never returned.
func (h *Handler) SettingInfo(shopNumber, key string) (info SettingInfo, ok bool) {
	sh := h.lookup(shopNumber)
	sp, known := settingSpecs[key]
	if sh == nil || !known {
		return SettingInfo{}, false
	}
	sh.mu.RLock()
	live, base, origin := sh.s[key], sh.base[key], sh.origin[key]
	sh.mu.RUnlock()
	info = SettingInfo{Key: key, Value: live, Configured: base, RemoteSettable: sp.settable, PanelSettable: PanelSettable(key),
		Set: live != nil && live != "" && live != false, ConfiguredSet: base != nil && base != "" && base != false}
	switch {
	case origin != "":
		info.Origin = origin
	case !equalSetting(base, sp.def):
		info.Origin = OriginConfig
	default:
		info.Origin = OriginDefault
	}
	if isPanelSecret(key) {
		info.Value, info.Configured = nil, nil
	}
	return info, true
}

// isPanelSecret reports whether SettingInfo withholds key's value: the API
// key, tokens and other secret-looking names (the customer and shop numbers
// are not secret to the merchant).
func isPanelSecret(key string) bool {
	if key == "customer_number" || key == "shop_number" {
		return false
	}
	return maskedInPing[key] || obfuscate.IsSecretName(key)
}

// ErrNotPanelSettable is returned by ChangeSettings for a key it may not change.
var ErrNotPanelSettable = errors.New("pluginapi: setting may not be changed here")

// ChangeSettings is the merchant's change of settings (a control panel): the
// values (wire form, as set_settings receives them) are converted and
// validated by the rules of set_settings, server=custom needs an api_url,
// and all changes are stored atomically with origin OriginPanel and apply
// at once. OnSettingsChanged is called with the changed keys. Nothing is
// changed when a value is invalid.
func (h *Handler) ChangeSettings(ctx context.Context, shopNumber string, values map[string]string) error {
	sh := h.lookup(shopNumber)
	if sh == nil {
		return fmt.Errorf("pluginapi: unknown shop %q", shopNumber)
	}
	for k := range values {
		if !PanelSettable(k) {
			return fmt.Errorf("%w: %s", ErrNotPanelSettable, k)
		}
		if sealedKeys[k] && h.cfg.Store != nil && h.cfg.Secrets == nil {
			return ErrNoSecretBox
		}
	}
	conv := make(map[string]any, len(values))
	for k, raw := range values {
		v, err := convertSetting(k, raw)
		if err == nil {
			err = validateSetting(k, v)
		}
		if err != nil {
			return err
		}
		conv[k] = v
	}
	_, err := h.commit(ctx, sh, OriginPanel, func(next settings) (map[string]any, error) {
		changed := map[string]any{}
		for k, v := range conv {
			if !equalSetting(next[k], v) {
				next[k], changed[k] = v, v
			}
		}
		if next.string("server") == "custom" && next.string("api_url") == "" {
			return nil, errors.New("api_url: the custom server needs a URL")
		}
		return changed, nil
	})
	return err
}

// setOrigin replaces the origins (callers hold saveMu).
func (s *shop) setOrigin(o map[string]string) {
	s.mu.Lock()
	s.origin = o
	s.mu.Unlock()
}

// storedDoc is the document Store persists: the keys somebody set, never a
// snapshot of the whole configuration (docs/protocol/plugin-api.md#set_settings):
// every settable key stored by Shopgate's set_settings or by the panel, the
// panel's local keys (the API key encrypted), and who set what. A value the
// host later changes in code is thus not frozen by an unrelated change.
func (h *Handler) storedDoc(next settings, origin map[string]string) (map[string]any, error) {
	overrides := map[string]any{}
	local := map[string]any{}
	sealed := map[string]any{}
	who := map[string]any{}
	for k, sp := range settingSpecs {
		switch {
		case sealedKeys[k]:
			if origin[k] == OriginPanel {
				if h.cfg.Secrets == nil {
					return nil, ErrNoSecretBox
				}
				enc, err := h.cfg.Secrets.Encrypt(next.string(k))
				if err != nil {
					return nil, fmt.Errorf("pluginapi: encrypt %s: %w", k, err)
				}
				sealed[k], who[k] = enc, OriginPanel
			}
		case localKeys[k]:
			if origin[k] == OriginPanel {
				local[k], who[k] = next[k], OriginPanel
			}
		case sp.settable && origin[k] != "":
			overrides[k] = next[k]
			if origin[k] == OriginPanel {
				who[k] = OriginPanel
			}
		}
	}
	if len(local) > 0 {
		overrides[storedLocalKey] = local
	}
	if len(sealed) > 0 {
		overrides[storedSealedKey] = sealed
	}
	if len(who) > 0 {
		overrides[storedOriginKey] = who
	}
	return overrides, nil
}

// equalSetting compares two setting values by their JSON form.
func equalSetting(a, b any) bool {
	ab, err1 := jsonMarshal(a)
	bb, err2 := jsonMarshal(b)
	return err1 == nil && err2 == nil && string(ab) == string(bb)
}

// applyPanelStored applies the panel's part of a stored document (local
// keys, encrypted keys and origins) over st. A value that is no longer
// valid or cannot be decrypted is ignored and reported through bad (by key
// name only, never the value).
func applyPanelStored(st settings, origin map[string]string, over map[string]any, box SecretBox, bad func(key string, err error)) {
	if local, ok := over[storedLocalKey].(map[string]any); ok {
		for k, v := range local {
			if !localKeys[k] || sealedKeys[k] {
				continue
			}
			if s, ok := v.(string); ok && validateSetting(k, s) == nil {
				st[k], origin[k] = s, OriginPanel
			}
		}
	}
	if sealed, ok := over[storedSealedKey].(map[string]any); ok {
		for k, v := range sealed {
			enc, isString := v.(string)
			if !sealedKeys[k] || !isString {
				continue
			}
			if box == nil {
				bad(k, ErrNoSecretBox)
				continue
			}
			plain, err := box.Decrypt(enc)
			if err == nil {
				err = validateSetting(k, plain)
			}
			if err != nil {
				bad(k, err)
				continue
			}
			st[k], origin[k] = plain, OriginPanel
		}
	}
	if who, ok := over[storedOriginKey].(map[string]any); ok {
		for k, v := range who {
			if v == OriginPanel && origin[k] != "" {
				origin[k] = OriginPanel
			}
		}
	}
}
