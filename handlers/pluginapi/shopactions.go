package pluginapi

import (
	"github.com/shopbridge/shopbridge/shopgate"
)

// errNoAdapter answers an action whose adapter the host did not configure.
func errNoAdapter(area string) error {
	return shopgate.NewAPIErrorShown(shopgate.CodeDisabledAction, "no "+area+" adapter is configured")
}
