package panel

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/settingsync"
	"github.com/shopbridge/shopbridge/shopgate"
)

// ---- Overview ----

// health is one line of the Overview: an integration part in plain words.
type health struct {
	Name  string
	Level string // ok, warn, bad, none
	Text  string
}

type overviewData struct {
	Health   []health
	Overview Overview
	Running  []string // plain-words lines of the work in progress
	// CheckEnabled shows the "Run connection check" button; Check is the
	// report of a run, CheckError why it could not run.
	CheckEnabled bool
	Check        *checkView
	CheckError   string
}

func (h *Handler) overview(c echo.Context) error {
	d, err := h.overviewData(c.Request().Context())
	if err != nil {
		return err
	}
	return h.render(c, "overview.html", "overview", d)
}

// overviewData reads the status and puts it into plain words.
func (h *Handler) overviewData(ctx context.Context) (overviewData, error) {
	ov, err := h.cfg.Status.Overview(ctx)
	if err != nil {
		return overviewData{}, err
	}
	d := overviewData{Overview: ov, CheckEnabled: h.cfg.ConnectionCheck != nil}
	add := func(name, level, text string) { d.Health = append(d.Health, health{h.T(name), level, text}) }
	if e := ov.LastExport; e != nil {
		text := fmt.Sprintf(h.T("export_at"), h.when(e.At))
		if e.Items >= 0 {
			text += fmt.Sprintf(h.T("items"), e.Items)
		}
		if e.Duration > 0 {
			text += fmt.Sprintf(h.T("took"), e.Duration.Round(time.Millisecond))
		}
		add("h_export", level(e.OK), text)
	} else {
		add("h_export", "none", h.T("no_information"))
	}
	if e := ov.LastImport; e != nil {
		add("h_import", "ok", fmt.Sprintf(h.T("import_at"), e.Text, h.when(e.At)))
	} else {
		add("h_import", "none", h.T("no_orders_yet"))
	}
	switch {
	case ov.Outbox.Dead > 0:
		add("h_outbox", "bad", fmt.Sprintf(h.T("outbox_dead"), ov.Outbox.Dead, ov.Outbox.Pending))
	case ov.Outbox.Pending > 0 && ov.Outbox.OldestPending != nil && h.cfg.Now().Sub(*ov.Outbox.OldestPending) > time.Hour:
		add("h_outbox", "warn", fmt.Sprintf(h.T("outbox_old"), ov.Outbox.Pending, h.when(ov.Outbox.OldestPending)))
	default:
		add("h_outbox", "ok", fmt.Sprintf(h.T("outbox_ok"), ov.Outbox.Pending, ov.Outbox.Running))
	}
	if h.cfg.DropHero != nil {
		if e := ov.LastDropHeroSync; e != nil {
			add("h_dh_sync", level(e.OK), h.when(e.At)+" · "+syncResult(h, e.Text))
		} else {
			add("h_dh_sync", "none", h.T("never"))
		}
		add("h_dh_callback", "none", h.when(ov.LastDropHeroCallback))
	}
	if e := ov.LastMerchantError; e != nil {
		add("h_merchant", "warn", h.when(e.At)+": "+e.Text)
	} else {
		add("h_merchant", "ok", h.T("no_errors"))
	}
	if h.cfg.SettingsSync != nil {
		lvl, text := h.settingsHealth(h.cfg.SettingsSync())
		add("h_settings", lvl, text)
	}
	for _, p := range ov.Running {
		d.Running = append(d.Running, h.progressText(p))
	}
	return d, nil
}

// settingsHealth puts the shared-settings watcher into plain words
// (docs/operations.md#settings-watcher-state): notifications down is a
// warning, not a failure, as the periodic check still applies changes.
func (h *Handler) settingsHealth(st settingsync.State) (lvl, text string) {
	last := h.T("settings_none")
	if !st.LastApplied.IsZero() {
		last = fmt.Sprintf(h.T("settings_last"), h.when(st.LastApplied))
	}
	switch {
	case st.LastFailed:
		return "bad", fmt.Sprintf(h.T("settings_failed"), h.when(st.LastAttempt)) + " " + last
	case st.Notify && st.Listening:
		return "ok", h.T("settings_listening") + " " + last
	case st.Notify:
		return "warn", fmt.Sprintf(h.T("settings_polling"), st.Interval) + " " + last
	default:
		return "ok", fmt.Sprintf(h.T("settings_checked"), st.Interval) + " " + last
	}
}

// progressText puts long work into plain words: records done (of the
// total), rate, time left and since when.
func (h *Handler) progressText(p Progress) string {
	var b strings.Builder
	b.WriteString(p.What + ": ")
	if p.Total > 0 {
		fmt.Fprintf(&b, h.T("progress_of"), p.Done, p.Total)
	} else {
		fmt.Fprintf(&b, h.T("progress_done"), p.Done)
	}
	if p.Rate > 0 {
		b.WriteString(" · ")
		fmt.Fprintf(&b, h.T("progress_rate"), p.Rate)
	}
	switch {
	case p.Failed:
		b.WriteString(" · " + h.T("progress_failed"))
	case p.Interrupted:
		b.WriteString(" · " + h.T("progress_interrupted"))
	case p.Finished:
		b.WriteString(" · " + h.T("progress_finished"))
	case p.ETA > 0:
		b.WriteString(" · ")
		fmt.Fprintf(&b, h.T("progress_eta"), p.ETA.Round(time.Second))
	}
	b.WriteString(" · " + h.T("since") + " " + h.when(p.Started))
	return b.String()
}

func level(ok bool) string {
	if ok {
		return "ok"
	}
	return "bad"
}

func (h *Handler) retry(c echo.Context) error {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err == nil {
		err = h.cfg.RetryJob(c.Request().Context(), id)
	}
	return h.back(c, "/", fmt.Sprintf(h.T("retry_done"), c.Param("id")), err)
}

// ---- Shopgate ----

// sgRow is one setting on the Shopgate page.
type sgRow struct {
	Label  string
	Info   pluginapi.SettingInfo
	Origin string // plain words
	Wins   string // "" or a note that a stored value overrides the configuration
}

type shopgateData struct {
	Credentials []sgRow
	Server      sgRow
	APIURL      sgRow
	Mobile      []sgRow
	Actions     []sgRow
	Test        string
	TestOK      bool
	Tested      bool
}

func (h *Handler) sgRow(label, key string) sgRow {
	info, _ := h.cfg.Shopgate.SettingInfo(h.cfg.ShopNumber, key)
	r := sgRow{Label: label, Info: info, Origin: h.T("origin_" + info.Origin)}
	if (info.Origin == pluginapi.OriginShopgate || info.Origin == pluginapi.OriginPanel) && info.Configured != nil && fmt.Sprint(info.Configured) != fmt.Sprint(info.Value) {
		r.Wins = fmt.Sprintf(h.T("overrides_config"), fmt.Sprint(info.Configured))
	}
	if info.Value == nil && info.Origin == pluginapi.OriginPanel && info.ConfiguredSet {
		// A secret: say that it wins, never what it is.
		r.Wins = h.T("secret_wins")
	}
	return r
}

func (h *Handler) shopgateData() shopgateData {
	d := shopgateData{
		Credentials: []sgRow{h.sgRow(h.T("customer_number"), "customer_number"), h.sgRow(h.T("shop_number"), "shop_number"), h.sgRow(h.T("api_key"), "apikey")},
		Server:      h.sgRow(h.T("server"), "server"),
		APIURL:      h.sgRow(h.T("api_url"), "api_url"),
		Mobile: []sgRow{h.sgRow(h.T("alias"), "alias"), h.sgRow(h.T("cname"), "cname"),
			h.sgRow(h.T("redirect_on"), "enable_mobile_website"), h.sgRow(h.T("redirect_default"), "enable_default_redirect"),
			h.sgRow(h.T("redirect_keywords"), "enable_redirect_keyword_update")},
	}
	for _, a := range pluginapi.ActionNames() {
		d.Actions = append(d.Actions, h.sgRow(a, "enable_"+a))
	}
	return d
}

func (h *Handler) shopgatePage(c echo.Context) error {
	if h.cfg.Shopgate == nil {
		return echo.ErrNotFound
	}
	return h.render(c, "shopgate.html", "shopgate", h.shopgateData())
}

// mobileKeys are the settings of the Shopgate form besides server, api_url
// and the action switches.
var mobileKeys = []string{"alias", "cname"}
var switchKeys = []string{"enable_mobile_website", "enable_default_redirect", "enable_redirect_keyword_update"}

func (h *Handler) shopgateSave(c echo.Context) error {
	if h.cfg.Shopgate == nil {
		return echo.ErrNotFound
	}
	vals := map[string]string{}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	for _, k := range []string{"customer_number", "shop_number"} {
		if v := strings.TrimSpace(form.Get(k)); v != "" {
			vals[k] = v
		}
	}
	// The API key is write-only: an empty field keeps the current key.
	if v := strings.TrimSpace(form.Get("apikey")); v != "" {
		vals["apikey"] = v
	}
	if v := form.Get("server"); v != "" {
		vals["server"] = v
		vals["api_url"] = strings.TrimSpace(form.Get("api_url"))
	}
	for _, k := range mobileKeys {
		if _, ok := form[k]; ok {
			vals[k] = form.Get(k)
		}
	}
	// Checkboxes: the form says which switches it shows (a hidden field),
	// an unticked one is off.
	if form.Get("switches") == "1" {
		for _, k := range switchKeys {
			vals[k] = boolForm(form.Get(k))
		}
		for _, a := range pluginapi.ActionNames() {
			vals["enable_"+a] = boolForm(form.Get("enable_" + a))
		}
	}
	err = h.cfg.Shopgate.ChangeSettings(c.Request().Context(), h.cfg.ShopNumber, vals)
	return h.back(c, "/shopgate", h.T("settings_saved"), err)
}

func boolForm(v string) string {
	if v == "1" {
		return "1"
	}
	return "0"
}

// shopgateTest calls the Merchant API with the live settings
// (get_shop_info, read-only) and shows the result on the page.
func (h *Handler) shopgateTest(c echo.Context) error {
	if h.cfg.Shopgate == nil {
		return echo.ErrNotFound
	}
	d := h.shopgateData()
	d.Tested = true
	msg, err := h.testConnection(c.Request().Context())
	if err != nil {
		d.Test = h.T("test_failed") + " " + err.Error()
	} else {
		d.Test, d.TestOK = msg, true
	}
	return h.render(c, "shopgate.html", "shopgate", d)
}

func (h *Handler) testConnection(ctx context.Context) (string, error) {
	cr, _ := h.cfg.Shopgate.MerchantCredentials(h.cfg.ShopNumber)
	cc := shopgate.ClientConfig{Environment: cr.Environment, BaseURL: cr.BaseURL, CustomerNumber: cr.CustomerNumber,
		ShopNumber: cr.ShopNumber, APIKey: cr.APIKey, AccessToken: cr.AccessToken, PluginVersion: pluginapi.Version, Timeout: 10 * time.Second}
	if h.cfg.MerchantClient != nil {
		h.cfg.MerchantClient(&cc)
	}
	cl, err := shopgate.NewClient(cc)
	if err != nil {
		return "", err
	}
	info, err := cl.GetShopInfo(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(h.T("test_ok"), cl.BaseURL(), info.ShopNumber, info.Alias), nil
}

// ---- DropHero ----

type dhOrder struct {
	dropship.Order
	StateText  string
	StatusText string
	Host       HostOrder
	HasHost    bool
	ModeName   string
}

type dhProduct struct {
	dropship.Link
	Name string
	URL  string
}

type dropheroData struct {
	Status       *dropship.Status
	StateText    string
	StateLevel   string
	Running      bool
	Progress     string
	Callbacks    bool
	Conflicts    []dropship.Conflict
	Waiting      []dhOrder
	Recent       []dhOrder
	Products     []dhProduct
	Modes        []drophero.ShippingMode
	SyncResult   string
	ProgressWork []Progress
}

// installSteps numbers the installation states for the progress line.
var installSteps = map[string]int{dropship.InstallKeysSaved: 1, dropship.InstallContacted: 2, dropship.InstallCategoriesSent: 3, dropship.InstallCatalogueSynced: 4}

func (h *Handler) dropheroPage(c echo.Context) error {
	svc := h.cfg.DropHero
	if svc == nil {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	d := dropheroData{}
	var err error
	if d.Status, err = svc.Status(ctx); err != nil {
		return err
	}
	st := d.Status.InstallState
	d.StateText = h.T("dh_state_" + st)
	switch st {
	case dropship.Installed:
		d.StateLevel = "ok"
	case dropship.InstallKeysRejected:
		d.StateLevel = "bad"
	case "", dropship.InstallDisabled:
		d.StateLevel = "none"
	default:
		d.StateLevel = "warn"
	}
	d.Callbacks = len(d.Status.CallbackURLs) > 0
	d.Status.CallbackURLs = nil // never rendered: they hold the secret token
	d.SyncResult = syncResult(h, d.Status.LastSyncResult)
	// A sync runs while the installation is under way or a catalogue or
	// installation job is queued or running.
	var jobs int64
	if err := h.cfg.DB.WithContext(ctx).Model(&gormmodels.OutboxJob{}).
		Where("kind IN ? AND state IN ?", []string{dropship.KindInstall, dropship.KindCatalog},
			[]string{gormmodels.OutboxPending, gormmodels.OutboxRunning}).Count(&jobs).Error; err != nil {
		return err
	}
	if n, ok := installSteps[st]; ok {
		d.Running = true
		d.Progress = fmt.Sprintf(h.T("dh_install_step"), n, len(installSteps)+1, d.StateText)
	} else if jobs > 0 && st != dropship.InstallKeysRejected && st != dropship.InstallDisabled && st != "" {
		d.Running = true
		d.Progress = h.T("dh_sync_running")
	}
	if ov, err := h.cfg.Status.Overview(ctx); err == nil {
		d.ProgressWork = ov.Running
	}
	waiting, err := svc.PendingOrders(ctx, dropship.OrderAwaitingConfirmation, dropship.OrderAwaitingPayment, dropship.OrderNeedsAttention)
	if err != nil {
		return err
	}
	recent, err := svc.PendingOrders(ctx, dropship.OrderSubmitted, dropship.OrderRejected, dropship.OrderQueued, dropship.OrderSubmitting)
	if err != nil {
		return err
	}
	if d.Modes, err = svc.ShippingModes(ctx); err != nil {
		return err
	}
	if d.Waiting, err = h.dhOrders(ctx, waiting, d.Modes); err != nil {
		return err
	}
	if d.Recent, err = h.dhOrders(ctx, recent, d.Modes); err != nil {
		return err
	}
	links, err := svc.ManagedProducts(ctx, 100)
	if err != nil {
		return err
	}
	if d.Products, err = h.products(ctx, links); err != nil {
		return err
	}
	if d.Conflicts, err = svc.Conflicts(ctx); err != nil {
		return err
	}
	refresh := 0
	if d.Running {
		refresh = 2
	}
	return h.renderPage(c, "drophero.html", "drophero", refresh, d)
}

// syncResult turns a stored sync result ("ok: from 1600000000: …") into
// plain words.
func syncResult(h *Handler, r string) string {
	switch {
	case r == "":
		return h.T("dh_no_sync")
	case strings.HasPrefix(r, "ok: "):
		r = strings.TrimPrefix(r, "ok: ")
		if i := strings.Index(r, ": "); i > 0 && strings.HasPrefix(r, "from ") {
			r = r[i+2:]
		}
		return h.T("dh_sync_ok") + " " + r
	case strings.HasPrefix(r, "failed: "):
		return h.T("dh_sync_failed") + " " + strings.TrimPrefix(r, "failed: ")
	}
	return r
}

func (h *Handler) dhOrders(ctx context.Context, os []dropship.Order, modes []drophero.ShippingMode) ([]dhOrder, error) {
	ids := make([]string, len(os))
	for i, o := range os {
		ids[i] = o.OrderID
	}
	hosts := map[string]HostOrder{}
	if h.cfg.Orders != nil && len(ids) > 0 {
		var err error
		if hosts, err = h.cfg.Orders(ctx, ids); err != nil {
			return nil, err
		}
	}
	names := map[string]string{}
	for _, m := range modes {
		names[m.ID] = m.Name
	}
	out := make([]dhOrder, len(os))
	for i, o := range os {
		ho, ok := hosts[o.OrderID]
		out[i] = dhOrder{Order: o, StateText: h.T("dh_order_" + o.State), Host: ho, HasHost: ok, ModeName: names[o.ShippingMode]}
		if o.State == dropship.OrderAwaitingPayment && ok && ho.Paid {
			out[i].StateText = h.T("dh_order_paid_waiting")
		}
		if o.DropHeroStatus != "" {
			out[i].StatusText = h.T("dh_status_" + o.DropHeroStatus)
			if out[i].StatusText == "dh_status_"+o.DropHeroStatus {
				out[i].StatusText = fmt.Sprintf(h.T("dh_status_unknown"), o.DropHeroStatus)
			}
		}
		if out[i].ModeName == "" && o.ShippingMode != "" {
			out[i].ModeName = fmt.Sprintf(h.T("dh_mode_unknown"), o.ShippingMode)
		}
	}
	return out, nil
}

func (h *Handler) products(ctx context.Context, links []dropship.Link) ([]dhProduct, error) {
	ids := make([]string, len(links))
	for i, l := range links {
		ids[i] = l.ProductID
	}
	names := map[string]Product{}
	if h.cfg.Products != nil && len(ids) > 0 {
		var err error
		if names, err = h.cfg.Products(ctx, ids); err != nil {
			return nil, err
		}
	}
	out := make([]dhProduct, len(links))
	for i, l := range links {
		p := names[l.ProductID]
		if p.Name == "" {
			p.Name = fmt.Sprintf(h.T("product_n"), l.ProductID)
		}
		out[i] = dhProduct{Link: l, Name: p.Name, URL: p.URL}
	}
	return out, nil
}

func (h *Handler) dhKeys(c echo.Context) error {
	ctx := c.Request().Context()
	pub, sec := c.FormValue("public_key"), c.FormValue("secret_key")
	if strings.TrimSpace(pub) == "" && strings.TrimSpace(sec) == "" {
		return h.back(c, "/drophero", "", errors.New(h.T("dh_keys_empty")))
	}
	// New keys replace working ones only after DropHero accepted them.
	if err := h.cfg.DropHero.VerifyKeys(ctx, pub, sec); err != nil {
		if errors.Is(err, dropship.ErrKeysRejected) {
			err = errors.New(h.T("dh_keys_rejected"))
		} else {
			err = fmt.Errorf("%s %w", h.T("dh_keys_unverified"), err)
		}
		return h.back(c, "/drophero", "", err)
	}
	err := h.cfg.DropHero.SaveKeys(ctx, pub, sec)
	return h.back(c, "/drophero", h.T("dh_keys_saved"), err)
}

func (h *Handler) dhAutoSubmit(c echo.Context) error {
	on := c.FormValue("auto_submit") == "1"
	if on && !confirmed(c) {
		return h.back(c, "/drophero", "", h.errConfirm())
	}
	err := h.cfg.DropHero.SetAutoSubmit(c.Request().Context(), on)
	return h.back(c, "/drophero", h.T("settings_saved"), err)
}

func (h *Handler) dhSync(c echo.Context) error {
	err := h.cfg.DropHero.SyncNow(c.Request().Context(), c.FormValue("full") == "1")
	return h.back(c, "/drophero", h.T("dh_sync_queued"), err)
}

func (h *Handler) dhConfirm(c echo.Context) error {
	if !confirmed(c) {
		return h.back(c, "/drophero", "", h.errConfirm())
	}
	err := h.cfg.DropHero.ConfirmOrder(c.Request().Context(), c.Param("id"), c.FormValue("mode"))
	return h.back(c, "/drophero", fmt.Sprintf(h.T("dh_order_queued_msg"), c.Param("id")), err)
}

func (h *Handler) dhResolve(c echo.Context) error {
	err := h.cfg.DropHero.ResolveConflict(c.Request().Context(), c.Param("iditem"), c.FormValue("product_id"))
	return h.back(c, "/drophero", fmt.Sprintf(h.T("dh_conflict_resolved"), c.Param("iditem")), err)
}

func (h *Handler) dhDisable(c echo.Context) error {
	if !confirmed(c) {
		return h.back(c, "/drophero", "", h.errConfirm())
	}
	err := h.cfg.DropHero.Disable(c.Request().Context())
	return h.back(c, "/drophero", h.T("dh_disabled"), err)
}

// ---- Orders ----

type sgOrder struct {
	gormmodels.ShopgateOrder
	Host    HostOrder
	HasHost bool
	Jobs    map[string]int
}

type ordersData struct {
	Shopgate []sgOrder
	DropHero []dhOrder
	CanPay   bool
}

func (h *Handler) ordersPage(c echo.Context) error {
	ctx := c.Request().Context()
	db := h.cfg.DB.WithContext(ctx)
	d := ordersData{CanPay: h.cfg.MarkPaid != nil}
	// Shopgate orders needing attention: discrepancy notes, a failed
	// report, or not yet paid / blocked for shipping.
	var rows []gormmodels.ShopgateOrder
	if err := db.Where("notes <> '' OR sync_error <> '' OR ((is_shipping_blocked OR NOT is_paid) AND NOT is_storno AND NOT is_shipping_completed)").
		Order("id DESC").Limit(100).Find(&rows).Error; err != nil {
		return err
	}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.HostOrderNumber)
	}
	var dhs []dropship.Order
	if h.cfg.DropHero != nil {
		var err error
		if dhs, err = h.cfg.DropHero.PendingOrders(ctx, dropship.OrderAwaitingConfirmation, dropship.OrderAwaitingPayment,
			dropship.OrderNeedsAttention, dropship.OrderRejected); err != nil {
			return err
		}
	}
	hosts := map[string]HostOrder{}
	if h.cfg.Orders != nil && len(ids) > 0 {
		var err error
		if hosts, err = h.cfg.Orders(ctx, ids); err != nil {
			return err
		}
	}
	for _, r := range rows {
		ho, ok := hosts[r.HostOrderNumber]
		d.Shopgate = append(d.Shopgate, sgOrder{ShopgateOrder: r, Host: ho, HasHost: ok})
	}
	var modes []drophero.ShippingMode
	if h.cfg.DropHero != nil {
		var err error
		if modes, err = h.cfg.DropHero.ShippingModes(ctx); err != nil {
			return err
		}
	}
	var err error
	if d.DropHero, err = h.dhOrders(ctx, dhs, modes); err != nil {
		return err
	}
	sort.SliceStable(d.DropHero, func(i, j int) bool { return d.DropHero[i].CreatedAt.After(d.DropHero[j].CreatedAt) })
	return h.render(c, "orders.html", "orders", d)
}

func (h *Handler) markPaid(c echo.Context) error {
	if h.cfg.MarkPaid == nil {
		return echo.ErrNotFound
	}
	if !confirmed(c) {
		return h.back(c, "/orders", "", h.errConfirm())
	}
	err := h.cfg.MarkPaid(c.Request().Context(), c.Param("id"))
	return h.back(c, "/orders", fmt.Sprintf(h.T("marked_paid"), c.Param("id")), err)
}
