package pluginapi

import (
	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/shopgate"
)

// setSettings changes allowlisted configuration keys remotely
// (docs/protocol/plugin-api.md#set_settings): unknown or forbidden names are
// skipped and logged, all accepted values are validated before anything is
// persisted, and the change is saved atomically.
func (h *Handler) setSettings(r *request) (payload, error) {
	entries, ok := r.List("shopgate_settings")
	if r.Empty("shopgate_settings") || !ok {
		return nil, shopgate.NewAPIError(shopgate.CodeNoShopgateSettings, "")
	}
	type change struct {
		name string
		val  any
	}
	var changes []change
	for _, e := range entries {
		m, isMap := e.(map[string]any)
		rawName, hasName := m["name"]
		if !isMap || !hasName {
			return nil, shopgate.NewAPIError(shopgate.CodeNoShopgateSettings, "entry without name")
		}
		// A name that is present but empty or not a string names no
		// setting: skipped like an unknown name, as the SDK does
		// (docs/protocol/plugin-api.md#decision-set_settings-names).
		name, _ := rawName.(string)
		sp, known := settingSpecs[name]
		if !known || !sp.settable {
			r.ErrorLog().Warn("set_settings: skipped a setting that may not be changed remotely", zap.String("name", name))
			continue
		}
		v, err := convertSetting(name, m["value"])
		if err == nil {
			err = validateSetting(name, v)
		}
		if err != nil {
			r.ErrorLog().Warn("set_settings: invalid value", zap.String("name", name))
			return nil, shopgate.NewAPIError(shopgate.CodeConfigInvalidValue, name)
		}
		changes = append(changes, change{name, v})
	}
	if len(changes) == 0 {
		return payload{{"shopgate_settings", []any{}}}, nil
	}

	result := make([]any, 0, len(changes))
	_, err := h.commit(r.Ctx, r.shop, OriginShopgate, func(next settings) (map[string]any, error) {
		result = result[:0]
		changed := map[string]any{}
		for _, c := range changes {
			result = append(result, settingChange{Name: c.name, Old: next[c.name], New: c.val})
			next[c.name] = c.val
			changed[c.name] = c.val
		}
		return changed, nil
	})
	if err != nil {
		return nil, &shopgate.APIError{Code: shopgate.CodeConfigReadWrite, Cause: err}
	}
	return payload{{"shopgate_settings", result}}, nil
}

// settingChange is one entry of set_settings' answer; a struct keeps the
// key order of the spec (name, old, new).
type settingChange struct {
	Name string `json:"name"`
	Old  any    `json:"old"`
	New  any    `json:"new"`
}
