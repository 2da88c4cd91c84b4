package pluginapi

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/logs"
)

// ping answers with the configuration (secrets masked), versions and file
// permissions.
func (h *Handler) ping(r *request) (payload, error) {
	st := r.shop.settings()
	pluginInfo := map[string]any{
		"package":          "github.com/shopbridge/shopbridge",
		"package_version":  h.cfg.PluginVersion,
		"go_version":       runtime.Version(),
		"os":               runtime.GOOS,
		"arch":             runtime.GOARCH,
		"database_dialect": h.cfg.DatabaseDialect,
	}
	shopInfo := map[string]any{"category_count": 0, "item_count": 0}
	if st.bool("enable_get_reviews_csv") {
		shopInfo["review_count"] = 0
	}
	if st.bool("enable_get_media_csv") {
		shopInfo["media_count"] = []any{}
	}
	if h.cfg.Info != nil {
		pi, err := h.cfg.Info.PluginInfo(r.Ctx, r.Shop)
		if err != nil {
			return nil, fmt.Errorf("plugin info: %w", err)
		}
		for k, v := range pi {
			pluginInfo[k] = v
		}
		si, err := h.cfg.Info.ShopInfo(r.Ctx, r.Shop)
		if err != nil {
			return nil, fmt.Errorf("shop info: %w", err)
		}
		for k, v := range si {
			shopInfo[k] = v
		}
	}
	return payload{
		{"pong", "OK"},
		{"configuration", r.shop.pingConfiguration()},
		{"plugin_info", pluginInfo},
		{"permissions", h.permissions(r)},
		{"php_version", runtime.Version()},
		{"php_config", map[string]any{"runtime": "go", "gomaxprocs": runtime.GOMAXPROCS(0)}},
		{"php_curl", "No PHP-CURL installed"},
		{"php_extensions", []any{}},
		{"shopgate_library_version", h.cfg.LibraryVersion},
		{"plugin_version", h.cfg.PluginVersion},
		{"shop_info", shopInfo},
	}, nil
}

// permissionsTTL is how long ping reuses its file checks.
const permissionsTTL = 5 * time.Second

// permissions describes the folders and files the plugin uses. The result
// is kept for a few seconds so that frequent pings cost no file system
// round trips.
func (h *Handler) permissions(r *request) json.RawMessage {
	sh := r.shop
	sh.permMu.Lock()
	defer sh.permMu.Unlock()
	if sh.perm != nil && time.Since(sh.permAt) < permissionsTTL {
		return sh.perm
	}
	b, err := jsonMarshal(h.checkPermissions(r))
	if err != nil {
		b = []byte("[]")
	}
	sh.perm, sh.permAt = b, time.Now()
	return b
}

func (h *Handler) checkPermissions(r *request) []any {
	var paths []string
	if !r.logs.Shared() { // shared logs have no files (docs/protocol/plugin-api.md#cluster-wide-logs)
		paths = append(paths, r.logs.Dir())
		for _, t := range logs.Types {
			paths = append(paths, r.logs.Path(t))
		}
	}
	if h.cfg.CacheDir != "" {
		paths = append(paths, h.cfg.CacheDir)
	}
	out := make([]any, 0, len(paths))
	for _, p := range paths {
		out = append(out, fileInfo(p, true))
	}
	return out
}

func fileInfo(path string, withParent bool) map[string]any {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	e := map[string]any{"file": abs}
	fi, err := os.Stat(abs)
	if err != nil {
		e["exist"] = false
		if withParent {
			if _, perr := os.Stat(filepath.Dir(abs)); perr == nil {
				e["parent_dir"] = fileInfo(filepath.Dir(abs), false)
			}
		}
		return e
	}
	e["exist"] = true
	e["writeable"] = writable(abs, fi)
	owner, group := "", ""
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		owner = lookupName("u", strconv.Itoa(int(st.Uid)), func(id string) (string, error) {
			u, err := user.LookupId(id)
			if err != nil {
				return "", err
			}
			return u.Username, nil
		})
		group = lookupName("g", strconv.Itoa(int(st.Gid)), func(id string) (string, error) {
			g, err := user.LookupGroupId(id)
			if err != nil {
				return "", err
			}
			return g.Name, nil
		})
	}
	e["owner"], e["group"] = owner, group
	e["permission"] = fmt.Sprintf("%04o", fi.Mode().Perm())
	e["last_modification_time"] = fi.ModTime().Format("02.01.2006 15:04:05")
	if !fi.IsDir() {
		e["filesize"] = fmt.Sprintf("%.4f MB", float64(fi.Size())/(1<<20))
	}
	return e
}

func writable(path string, _ os.FileInfo) bool {
	return syscall.Access(path, 2 /* W_OK */) == nil
}

// names caches user and group names by id; /etc/passwd is not re-read on
// every ping.
var names sync.Map

func lookupName(kind, id string, lookup func(string) (string, error)) string {
	key := kind + id
	if v, ok := names.Load(key); ok {
		return v.(string)
	}
	name, err := lookup(id)
	if err != nil {
		name = id
	}
	names.Store(key, name)
	return name
}

// getDebugInfo answers with the adapter's debug information ({} default).
func (h *Handler) getDebugInfo(r *request) (payload, error) {
	if h.cfg.Info == nil {
		return nil, nil
	}
	m, err := h.cfg.Info.DebugInfo(r.Ctx, r.Shop)
	if err != nil {
		return nil, err
	}
	return mapPayload(m), nil
}

// cron validates the job list, runs the jobs in order and reports their
// messages and error counts (docs/protocol/plugin-api.md#cron).
func (h *Handler) cron(r *request) (payload, error) {
	jobs, ok := r.List("jobs")
	if r.Empty("jobs") || !ok {
		return nil, shopgate.NewAPIError(shopgate.CodeCronNoJobs, "")
	}
	type job struct {
		name   string
		params map[string]any
		// valid is false for a job_name that is not a string.
		valid bool
	}
	parsed := make([]job, 0, len(jobs))
	for _, j := range jobs {
		m, _ := j.(map[string]any)
		valid := true
		if phpEmpty(m["job_name"]) {
			return nil, shopgate.NewAPIError(shopgate.CodeCronNoJobName, "")
		}
		name, isStr := m["job_name"].(string)
		if !isStr {
			// A list or map never matches the whitelist; it is named as
			// PHP prints an array (docs/protocol/plugin-api.md#cron).
			name = "Array"
			valid = false
		}
		params, _ := m["job_params"].(map[string]any)
		if params == nil {
			params = map[string]any{}
		}
		parsed = append(parsed, job{name, params, valid})
	}
	allowed := map[string]bool{}
	for _, n := range r.shop.settings().list("cron_job_white_list") {
		allowed[n] = true
	}
	var unknown []string
	for _, j := range parsed {
		if !j.valid || !allowed[j.name] {
			unknown = append(unknown, j.name)
		}
	}
	if len(unknown) > 0 {
		return nil, shopgate.NewAPIErrorShown(shopgate.CodeCronUnsupportedJob, strings.Join(unknown, ", "))
	}

	start := time.Now()
	var msg strings.Builder
	errCount := 0
	for _, j := range parsed {
		r.Debug.Info("cron job", zap.String("job", j.name))
		if h.cfg.Cron == nil {
			errCount++
			msg.WriteString(`Job aborted: "no adapter configured for cron jobs"`)
			continue
		}
		m, n, err := runCronJob(h, r, j.name, j.params)
		msg.WriteString(m)
		if n > 0 {
			errCount += n
			fmt.Fprintf(&msg, "%d errors occurred while executing cron job '%s'\n", n, j.name)
		}
		if err != nil {
			errCount++
			r.ErrorLog().Error("cron job aborted", zap.String("job", j.name), zap.Error(err))
			text := "internal error"
			if ae, ok := toAPIError(err); ok {
				_, text = ae.Envelope()
			}
			// Quoted as the SDK does it: the text verbatim between plain
			// double quotes (%q would escape quotes inside the text).
			msg.WriteString(`Job aborted: "` + text + `"`)
		}
	}
	secs := time.Since(start).Seconds()
	return payload{
		{"message", msg.String()},
		{"execution_error_count", errCount},
		{"execution_time", math.Round(secs*10000) / 10000},
	}, nil
}

// runCronJob runs one job and turns a panic into an aborted job.
func runCronJob(h *Handler, r *request, name string, params map[string]any) (msg string, n int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in cron job %s: %v", name, p)
		}
	}()
	return h.cfg.Cron.RunCronJob(r.Ctx, r.Shop, name, params)
}

// clearCache deletes the adapter's cache files inside CacheDir.
func (h *Handler) clearCache(r *request) (payload, error) {
	if h.cfg.OnClearCache != nil {
		if err := h.cfg.OnClearCache(r.Ctx, r.Shop); err != nil {
			return nil, err
		}
	}
	if h.cfg.Info == nil {
		return nil, nil
	}
	files, err := h.cfg.Info.CacheFiles(r.Ctx, r.Shop)
	if err != nil {
		return nil, err
	}
	var failed []string
	for _, f := range files {
		if !insideDir(h.cfg.CacheDir, f) {
			r.ErrorLog().Warn("clear_cache: refusing a path outside the cache directory", zap.String("path", f))
			failed = append(failed, f)
			continue
		}
		fi, err := os.Lstat(f)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if err := os.Remove(f); err != nil {
			failed = append(failed, f)
		}
	}
	if len(failed) > 0 {
		return nil, shopgate.NewAPIErrorShown(shopgate.CodeFileDeleteError,
			"Cannot delete files ("+strings.Join(failed, ", ")+")")
	}
	return nil, nil
}

// insideDir reports whether path lies inside dir (never when dir is "").
func insideDir(dir, path string) bool {
	if dir == "" {
		return false
	}
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != "." && !strings.HasPrefix(rel, "..")
}

// clearLogFile truncates one log and keeps the file; shared logs are
// cleared for every process (docs/protocol/plugin-api.md#cluster-wide-logs).
func (h *Handler) clearLogFile(r *request) (payload, error) {
	t, err := logs.ParseType(r.String("log_type"))
	if err != nil {
		return nil, shopgate.NewAPIError(shopgate.CodeUnknownLogtype, r.String("log_type"))
	}
	if err := r.logs.TruncateContext(r.Ctx, t); err != nil {
		detail := "File: " + r.logs.Path(t)
		if r.logs.Shared() {
			detail = "Shared log: " + string(t)
		}
		return nil, &shopgate.APIError{Code: shopgate.CodeFileOpenError, ShowDetail: true,
			Detail: detail, Cause: err}
	}
	return nil, nil
}

// defaultLogLines is get_log_file's default number of lines.
const defaultLogLines = 20

// getLogFile answers with the last lines of a log as plain text. It never
// writes or flushes the debug log.
func (h *Handler) getLogFile(r *request) (payload, error) {
	lt := r.String("log_type")
	if r.Empty("log_type") {
		lt = string(logs.Error)
	}
	t, err := logs.ParseType(lt)
	if err != nil {
		return nil, shopgate.NewAPIError(shopgate.CodeUnknownLogtype, lt)
	}
	lines := defaultLogLines
	if !r.Empty("lines") {
		n, ok := r.Int("lines", defaultLogLines)
		if !ok || n < 1 {
			return nil, shopgate.NewAPIErrorShown(shopgate.CodeUnknownError, "lines must be a positive integer")
		}
		lines = n
	}
	body, err := r.logs.TailContext(r.Ctx, t, lines)
	if err != nil {
		return nil, &shopgate.APIError{Code: shopgate.CodeLogfileOpen, Cause: err}
	}
	resp := r.Echo.Response()
	resp.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	resp.Header().Set("Content-Length", strconv.Itoa(len(body)))
	resp.WriteHeader(http.StatusOK)
	_, err = resp.Write(body)
	return nil, err
}

// receiveAuthorization belongs to the OAuth variant, which this server
// does not use: SMA calls authenticate with the classic token.
func (h *Handler) receiveAuthorization(r *request) (payload, error) {
	return nil, shopgate.NewAPIErrorShown(shopgate.CodeInvalidAction,
		`=> "receive_authorization" action can only be called for plugins with SMA-AuthService set to "OAuth" type`)
}

// redeemCoupons is deprecated; Shopgate redeems coupons through add_order.
func (h *Handler) redeemCoupons(r *request) (payload, error) {
	return nil, shopgate.NewAPIErrorShown(shopgate.CodeDisabledAction,
		"The requested action is disabled and no longer supported.")
}
