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
// Shopgate's set_settings: the Merchant API environment and its URL.
var localKeys = map[string]bool{"server": true, "api_url": true}

// Keys of the stored document that are not settings: the panel's local
// keys and who set each stored value.
const (
	storedLocalKey  = "_local"
	storedOriginKey = "_origin"
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
		Set: live != nil && live != "" && live != false}
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
	sh.saveMu.Lock()
	defer sh.saveMu.Unlock()
	next := sh.settings().clone()
	changed := map[string]any{}
	for k, raw := range values {
		if !PanelSettable(k) {
			return fmt.Errorf("%w: %s", ErrNotPanelSettable, k)
		}
		v, err := convertSetting(k, raw)
		if err == nil {
			err = validateSetting(k, v)
		}
		if err != nil {
			return err
		}
		if !equalSetting(next[k], v) {
			next[k], changed[k] = v, v
		}
	}
	if next.string("server") == "custom" && next.string("api_url") == "" {
		return errors.New("api_url: the custom server needs a URL")
	}
	if len(changed) == 0 {
		return nil
	}
	origin := sh.originWith(changed, OriginPanel)
	if err := h.saveStored(ctx, sh, next, origin); err != nil {
		return err
	}
	sh.setSettings(next)
	sh.setOrigin(origin)
	if h.cfg.OnSettingsChanged != nil {
		h.cfg.OnSettingsChanged(sh.number, changed)
	}
	return nil
}

// originWith returns a copy of the shop's origins with the changed keys set
// to who (callers hold saveMu).
func (s *shop) originWith(changed map[string]any, who string) map[string]string {
	s.mu.RLock()
	out := make(map[string]string, len(s.origin)+len(changed))
	for k, v := range s.origin {
		out[k] = v
	}
	s.mu.RUnlock()
	for k := range changed {
		out[k] = who
	}
	return out
}

// setOrigin replaces the origins (callers hold saveMu).
func (s *shop) setOrigin(o map[string]string) {
	s.mu.Lock()
	s.origin = o
	s.mu.Unlock()
}

// saveStored persists the keys somebody set, never a snapshot of the whole
// configuration (docs/protocol/plugin-api.md#set_settings): every settable
// key stored by Shopgate's set_settings or by the panel, the panel's local
// keys, and who set what. A value the host later changes in code is thus
// not frozen by an unrelated change. Without a Store nothing is persisted.
func (h *Handler) saveStored(ctx context.Context, sh *shop, next settings, origin map[string]string) error {
	if h.cfg.Store == nil {
		return nil
	}
	overrides := map[string]any{}
	local := map[string]any{}
	who := map[string]any{}
	for k, sp := range settingSpecs {
		switch {
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
	if len(who) > 0 {
		overrides[storedOriginKey] = who
	}
	return h.cfg.Store.Save(ctx, sh.number, overrides)
}

// equalSetting compares two setting values by their JSON form.
func equalSetting(a, b any) bool {
	ab, err1 := jsonMarshal(a)
	bb, err2 := jsonMarshal(b)
	return err1 == nil && err2 == nil && string(ab) == string(bb)
}

// applyPanelStored applies the panel's part of a stored document (local
// keys and origins) over st.
func applyPanelStored(st settings, origin map[string]string, over map[string]any) {
	if local, ok := over[storedLocalKey].(map[string]any); ok {
		for k, v := range local {
			if !localKeys[k] {
				continue
			}
			if s, ok := v.(string); ok && validateSetting(k, s) == nil {
				st[k], origin[k] = s, OriginPanel
			}
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
