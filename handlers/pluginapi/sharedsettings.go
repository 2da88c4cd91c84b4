package pluginapi

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/shopgate"
)

// SettingsUpdater is a SettingsStore that can read, change and write the
// stored document of a shop in one transaction holding it (e.g.
// adapters/gormstore.Settings). With it a change made by one process never
// undoes a change another process stored a moment before
// (docs/architecture.md#shared-settings).
type SettingsUpdater interface {
	Update(ctx context.Context, shopNumber string, fn func(stored map[string]any) (map[string]any, error)) error
}

// errNoChange aborts a commit that changes nothing (nothing is written).
var errNoChange = errors.New("pluginapi: no change")

// overlay lays a stored document over the configured settings base: only
// keys somebody set are stored (docs/protocol/plugin-api.md#set_settings),
// and a stored value that is no longer valid is ignored and logged by name.
func (h *Handler) overlay(base settings, shopNumber string, over map[string]any) (settings, map[string]string) {
	st, origin := base.clone(), map[string]string{}
	for k, v := range over {
		if sp, ok := settingSpecs[k]; ok && sp.settable {
			if cv, err := normaliseStored(k, v); err == nil && validateSetting(k, cv) == nil {
				st[k] = cv
				origin[k] = OriginShopgate
			}
		}
	}
	applyPanelStored(st, origin, over, h.cfg.Secrets, func(key string, err error) {
		h.cfg.Logger.Warn("pluginapi: stored setting ignored", zap.String("shop", shopNumber), zap.String("key", key), zap.Error(err))
	})
	return st, origin
}

// commit changes the settings of sh with apply and persists them, under
// saveMu. apply gets the settings to change (the stored document read
// again inside the store's transaction when Store is a SettingsUpdater,
// so that another process's change is kept) and returns the keys it
// changed, which get origin who. Every key whose live value differs
// afterwards is passed to OnSettingsChanged. An apply that changes nothing
// writes nothing.
func (h *Handler) commit(ctx context.Context, sh *shop, who string, apply func(next settings) (map[string]any, error)) (map[string]any, error) {
	sh.saveMu.Lock()
	old := sh.settings()
	var next settings
	var origin map[string]string
	build := func(cur settings, curOrigin map[string]string) (map[string]any, error) {
		next, origin = cur.clone(), maps.Clone(curOrigin)
		if origin == nil {
			origin = map[string]string{}
		}
		changed, err := apply(next)
		if err != nil {
			return nil, err
		}
		if len(changed) == 0 {
			return nil, errNoChange
		}
		for k := range changed {
			origin[k] = who
		}
		if h.cfg.Store == nil {
			return nil, nil // kept in memory only
		}
		return h.storedDoc(next, origin)
	}
	var err error
	switch store := h.cfg.Store.(type) {
	case nil:
		_, err = build(old, sh.originCopy())
	case SettingsUpdater:
		err = store.Update(ctx, sh.number, func(stored map[string]any) (map[string]any, error) {
			cur, curOrigin := h.overlay(sh.base, sh.number, stored)
			return build(cur, curOrigin)
		})
	default:
		var doc map[string]any
		if doc, err = build(old, sh.originCopy()); err == nil {
			err = store.Save(ctx, sh.number, doc)
		}
	}
	if errors.Is(err, errNoChange) {
		sh.saveMu.Unlock()
		return nil, nil
	}
	if err != nil {
		sh.saveMu.Unlock()
		return nil, err
	}
	changed := diffSettings(old, next)
	sh.setSettings(next)
	sh.setOrigin(origin)
	sh.saveMu.Unlock()
	h.notifyChanged(sh, changed)
	return changed, nil
}

// Reload reads the stored settings of every shop again and applies what
// another process (or the database) changed: the live settings of ping,
// authentication and every action, and OnSettingsChanged for the keys that
// changed, so that the redirect and the Merchant API client follow. A
// settingsync.Watcher calls it when a change is announced and
// periodically (docs/architecture.md#shared-settings). Without a Store it
// does nothing.
func (h *Handler) Reload(ctx context.Context) error {
	if h.cfg.Store == nil {
		return nil
	}
	var errs []error
	for _, sh := range h.shops {
		changed, err := h.reloadShop(ctx, sh)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		h.notifyChanged(sh, changed)
	}
	return errors.Join(errs...)
}

// reloadShop is Reload for one shop; it returns the changed keys.
func (h *Handler) reloadShop(ctx context.Context, sh *shop) (map[string]any, error) {
	sh.saveMu.Lock()
	defer sh.saveMu.Unlock()
	over, err := h.cfg.Store.Load(ctx, sh.number)
	if err != nil {
		return nil, fmt.Errorf("pluginapi: reload settings of shop %s: %w", sh.number, err)
	}
	next, origin := h.overlay(sh.base, sh.number, over)
	old := sh.settings()
	changed := diffSettings(old, next)
	if len(changed) > 0 {
		sh.setSettings(next)
	}
	if !maps.Equal(origin, sh.originCopy()) {
		sh.setOrigin(origin)
	}
	return changed, nil
}

// notifyChanged calls OnSettingsChanged when keys changed.
func (h *Handler) notifyChanged(sh *shop, changed map[string]any) {
	if len(changed) > 0 && h.cfg.OnSettingsChanged != nil {
		h.cfg.OnSettingsChanged(sh.number, changed)
	}
}

// diffSettings returns the keys whose value differs between old and next,
// with their new values.
func diffSettings(old, next settings) map[string]any {
	changed := map[string]any{}
	for k, v := range next {
		if !equalSetting(old[k], v) {
			changed[k] = v
		}
	}
	return changed
}

// originCopy returns a copy of the shop's origins.
func (s *shop) originCopy() map[string]string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return maps.Clone(s.origin)
}

// MerchantCredentials returns the live Merchant API settings of a shop (""
// for the only one) as the Merchant API client takes them: server (with
// api_url for custom), customer number, shop number, API key and OAuth
// token. Pass them to shopgate.Client.SetCredentials from
// OnSettingsChanged, so that a change in the panel or in another process
// reaches outgoing calls without a restart
// (docs/architecture.md#shared-settings). ok is false for an unknown shop.
func (h *Handler) MerchantCredentials(shopNumber string) (cr shopgate.Credentials, ok bool) {
	sh := h.lookup(shopNumber)
	if sh == nil {
		return shopgate.Credentials{}, false
	}
	st := sh.settings()
	cr = shopgate.Credentials{Environment: shopgate.Environment(st.string("server")), CustomerNumber: st.string("customer_number"),
		ShopNumber: st.string("shop_number"), APIKey: st.string("apikey"), AccessToken: st.string("oauth_access_token")}
	if cr.Environment == shopgate.EnvCustom {
		cr.BaseURL = st.string("api_url")
	}
	return cr, true
}

// AffectsMerchantAPI reports whether a change reported to
// OnSettingsChanged touches what MerchantCredentials returns (server,
// api_url, the credentials, the OAuth token).
func AffectsMerchantAPI(changed map[string]any) bool {
	for _, k := range []string{"server", "api_url", "customer_number", "shop_number", "apikey", "oauth_access_token"} {
		if _, ok := changed[k]; ok {
			return true
		}
	}
	return false
}
