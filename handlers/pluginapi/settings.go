package pluginapi

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopbridge/shopbridge/internal/obfuscate"
	"github.com/shopbridge/shopbridge/redirect"
)

// kind is the type of a configuration value.
type kind int

const (
	kString kind = iota
	kBool
	kInt
	kList
	kAny
)

// settingSpec describes one configuration key: its type, default and
// whether set_settings may change it remotely.
type settingSpec struct {
	kind     kind
	def      any
	settable bool
}

// settingSpecs lists every configuration key reported in ping. Keys that
// set_settings may change are the allowlist of docs/protocol/plugin-api.md#set_settings; server,
// api_url and credentials only come from local configuration.
var settingSpecs = map[string]settingSpec{
	"customer_number":                {kString, "", false},
	"shop_number":                    {kString, "", false},
	"apikey":                         {kString, "", false},
	"oauth_access_token":             {kString, nil, false},
	"sma_auth_service_class_name":    {kString, "ShopgateAuthenticationServiceShopgate", false},
	"server":                         {kString, "live", false},
	"api_url":                        {kString, "", false},
	"alias":                          {kString, "my-shop", true},
	"cname":                          {kString, "", true},
	"shop_is_active":                 {kBool, false, true},
	"plugin_name":                    {kString, "shopbridge", false},
	"is_shopgate_adapter":            {kBool, false, false},
	"enable_mobile_website":          {kBool, false, true},
	"enable_redirect_keyword_update": {kBool, false, true},
	"enable_default_redirect":        {kBool, false, true},
	"cron_job_white_list":            {kList, []string{"set_shipping_completed", "clean_orders", "cancel_orders"}, false},
	"supported_fields_check_cart":    {kList, []string{}, true},
	"supported_fields_get_settings":  {kList, []string{}, true},
	"supported_methods_cron":         {kList, []string{}, true},
	"supported_response_types": {kAny, map[string]any{
		"get_items": []string{"xml"}, "get_categories": []string{"xml"}, "get_reviews": []string{"xml"}}, false},
	"external_exception_handling": {kString, "catch", false},
	"external_response_handling":  {kBool, false, false},
	"always_use_ssl":              {kBool, true, false},
	"redirectable_get_params":     {kList, slices.Clone(redirect.DefaultRedirectableParams), true},
	"html_tags":                   {kString, "", true},
	"mobile_header_parent":        {kString, "body", true},
	"mobile_header_prepend":       {kBool, true, true},
	"encoding":                    {kString, "UTF-8", true},
	"export_convert_encoding":     {kBool, true, true},
	"force_source_encoding":       {kBool, true, true},
	"country":                     {kString, "DE", true},
	"language":                    {kString, "de", true},
	"currency":                    {kString, "EUR", true},
	"export_buffer_capacity":      {kInt, 100, true},
	"max_attributes":              {kInt, 50, true},
	"default_execution_time":      {kInt, 0, true},
	"default_memory_limit":        {kInt, -1, true},
	"exclude_item_ids":            {kList, []string{}, true},
	"facebook_pixel_id":           {kString, nil, true},
	"log_folder_path":             {kString, "", false},
	"cache_folder_path":           {kString, "", false},
	"access_log_filename":         {kString, "shopgate_access.log", false},
	"request_log_filename":        {kString, "shopgate_request.log", false},
	"error_log_filename":          {kString, "shopgate_error.log", false},
	"debug_log_filename":          {kString, "shopgate_debug.log", false},
	"items_xml_filename":          {kString, "shopgate_items.xml", false},
	"categories_xml_filename":     {kString, "shopgate_categories.xml", false},
	"reviews_xml_filename":        {kString, "shopgate_reviews.xml", false},
}

func init() {
	for name, a := range actionSpecs {
		settingSpecs["enable_"+name] = settingSpec{kBool, a.enabledByDefault, true}
	}
}

// maskedInPing are always replaced by XXXXXXXX in ping's configuration,
// set or not, as the SDK does; other secret-looking names are masked when
// they hold a value (docs/protocol/plugin-api.md#ping).
var maskedInPing = map[string]bool{"customer_number": true, "shop_number": true, "apikey": true, "oauth_access_token": true}

// hiddenInPing are configuration keys ping does not show at all.
var hiddenInPing = map[string]bool{"cron_job_white_list": true}

// settings is one shop's live configuration: every key of settingSpecs.
type settings map[string]any

func defaultSettings() settings {
	s := settings{}
	for k, sp := range settingSpecs {
		s[k] = sp.def
	}
	return s
}

func (s settings) clone() settings {
	out := make(settings, len(s))
	for k, v := range s {
		out[k] = v
	}
	return out
}

func (s settings) bool(k string) bool {
	b, _ := s[k].(bool)
	return b
}

func (s settings) string(k string) string {
	v, _ := s[k].(string)
	return v
}

func (s settings) list(k string) []string {
	v, _ := s[k].([]string)
	return v
}

// forPing renders the configuration as ping shows it: secrets masked,
// hidden keys left out and booleans as PHP prints them (true as 1, false
// as false).
func (s settings) forPing() map[string]any {
	out := make(map[string]any, len(s))
	for k, v := range s {
		switch {
		case hiddenInPing[k]:
		case maskedInPing[k]:
			out[k] = obfuscate.Masked
		case obfuscate.IsSecretName(k):
			if v == nil {
				out[k] = nil
			} else {
				out[k] = obfuscate.Masked
			}
		case v == true:
			out[k] = 1
		default:
			out[k] = v
		}
	}
	return out
}

// Validation patterns of docs/protocol/plugin-api.md#setting-validation.
var (
	reNumber = regexp.MustCompile(`^[0-9]{5,}$`)
	reAPIKey = regexp.MustCompile(`^([0-9a-f]{20}|[0-9a-f]{32})$`)
	reAlias  = regexp.MustCompile(`^[A-Za-z0-9]+((\.|-+)[A-Za-z0-9]+)*$`)
	// The scheme is matched in any case, as Shopgate's SDK does
	// (docs/protocol/mobile-redirect.md#decision-cname).
	reCNAME  = regexp.MustCompile(`^(((?i:https?)://)?[A-Za-z0-9][A-Za-z0-9.-]*\.\w{2,}/?)?$`)
	reAPIURL = regexp.MustCompile(`^(https?://\S+)?$`)
	reLang   = regexp.MustCompile(`^[a-z]{2,3}$`)
	reCntry  = regexp.MustCompile(`^[A-Z]{2}$`)
	reCurr   = regexp.MustCompile(`^[A-Z]{3}$`)
)

// convertSetting turns a wire value (string, list or nil) into the typed
// value of key k, normalising case where the spec says so.
func convertSetting(k string, v any) (any, error) {
	sp, ok := settingSpecs[k]
	if !ok {
		return nil, fmt.Errorf("unknown setting %s", k)
	}
	if v == nil {
		return nil, nil
	}
	switch sp.kind {
	case kBool:
		s, _ := v.(string)
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "1", "true", "yes", "on":
			return true, nil
		case "0", "", "false", "no", "off":
			return false, nil
		}
		return nil, fmt.Errorf("%s: not a boolean", k)
	case kInt:
		s, _ := v.(string)
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%s: not an integer", k)
		}
		return n, nil
	case kList:
		return toStringList(v)
	case kString:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s: not a string", k)
		}
		s = strings.TrimSpace(s)
		switch k {
		case "country", "currency":
			s = strings.ToUpper(s)
		case "language":
			s = strings.ToLower(s)
		case "cname":
			s = strings.TrimSuffix(s, "/")
		}
		return s, nil
	}
	return v, nil
}

// toStringList accepts a decoded list, a JSON array string or a comma
// separated string.
func toStringList(v any) ([]string, error) {
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("list element is not a string")
			}
			out = append(out, s)
		}
		return out, nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]string, 0, len(x))
		for _, k := range keys {
			s, ok := x[k].(string)
			if !ok {
				return nil, fmt.Errorf("list element is not a string")
			}
			out = append(out, s)
		}
		return out, nil
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return []string{}, nil
		}
		if strings.HasPrefix(s, "[") {
			var out []string
			if err := json.Unmarshal([]byte(s), &out); err != nil {
				return nil, fmt.Errorf("not a JSON list of strings")
			}
			return out, nil
		}
		parts := strings.Split(s, ",")
		out := make([]string, 0, len(parts))
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out, nil
	case []string:
		return x, nil
	}
	return nil, fmt.Errorf("not a list")
}

// Bounds of setting values (docs/protocol/plugin-api.md#setting-validation).
const (
	maxSettingLen  = 1 << 10  // any string setting
	maxAliasLen    = 63       // one DNS label
	maxHTMLTagsLen = 64 << 10 // html_tags JSON
	maxListLen     = 10000    // elements of a list setting
	maxListElemLen = 256      // bytes of one list element
)

// intRanges are the accepted ranges of the integer settings.
var intRanges = map[string][2]int{
	"export_buffer_capacity": {1, 1000000},
	"max_attributes":         {0, 100000},
	"default_execution_time": {0, 86400},
	"default_memory_limit":   {-1, 1 << 20},
}

// encodings are the source encodings the SDK knows (compared
// case-insensitively).
var encodings = map[string]bool{"utf-8": true, "ascii": true, "cp1252": true, "windows-1252": true, "iso-8859-15": true, "iso-8859-1": true}

var (
	reParamName = regexp.MustCompile(`^[A-Za-z0-9_.\-\[\]]+$`)
	rePixelID   = regexp.MustCompile(`^[0-9]{0,32}$`)
)

// validateSetting applies the rules of docs/protocol/plugin-api.md#setting-validation
// to one value,
// plus bounds on every value: lengths of strings and lists, ranges of
// integers, enums, and the html_tags allowlist.
func validateSetting(k string, v any) error {
	switch x := v.(type) {
	case int:
		if r, ok := intRanges[k]; ok && (x < r[0] || x > r[1]) {
			return fmt.Errorf("%s: must be between %d and %d", k, r[0], r[1])
		}
		return nil
	case []string:
		if len(x) > maxListLen {
			return fmt.Errorf("%s: more than %d elements", k, maxListLen)
		}
		for _, e := range x {
			if len(e) > maxListElemLen || !utf8.ValidString(e) {
				return fmt.Errorf("%s: element too long or not UTF-8", k)
			}
			if k == "redirectable_get_params" && !reParamName.MatchString(e) {
				return fmt.Errorf("%s: invalid parameter name", k)
			}
		}
		return nil
	}
	s, isString := v.(string)
	if !isString {
		return nil
	}
	limit := maxSettingLen
	switch k {
	case "alias":
		limit = maxAliasLen
	case "html_tags":
		limit = maxHTMLTagsLen
	}
	if len(s) > limit || !utf8.ValidString(s) {
		return fmt.Errorf("%s: longer than %d bytes or not UTF-8", k, limit)
	}
	var re *regexp.Regexp
	switch k {
	case "html_tags":
		return redirect.ValidateHTMLTags(s)
	case "encoding":
		if !encodings[strings.ToLower(s)] {
			return fmt.Errorf("encoding: unknown encoding")
		}
		return nil
	case "mobile_header_parent":
		if strings.ContainsAny(s, "<>\"'`\\") || strings.IndexFunc(s, func(r rune) bool { return r < 0x20 }) >= 0 {
			return fmt.Errorf("mobile_header_parent: not a CSS selector")
		}
		return nil
	case "facebook_pixel_id":
		re = rePixelID
	case "customer_number", "shop_number":
		re = reNumber
	case "apikey":
		re = reAPIKey
	case "alias":
		re = reAlias
	case "cname":
		re = reCNAME
	case "api_url":
		re = reAPIURL
	case "language":
		re = reLang
	case "country":
		re = reCntry
	case "currency":
		re = reCurr
	case "server":
		switch s {
		case "live", "pg", "sl", "custom":
			return nil
		}
		return fmt.Errorf("server: must be live, pg, sl or custom")
	default:
		return nil
	}
	if !re.MatchString(s) {
		return fmt.Errorf("%s: invalid value", k)
	}
	return nil
}
