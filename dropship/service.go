package dropship

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/progress"
)

// Outbox job kinds of the DropHero integration.
const (
	KindInstall     = "drophero.install"
	KindCategories  = "drophero.categories"
	KindCatalog     = "drophero.catalog"
	KindOrderStatus = "drophero.orderstatus"
	KindSubmitOrder = "drophero.submit_order"
	KindNotify      = "drophero.notify"
)

// Callback kinds, as they appear in the callback URLs.
const (
	CallbackProducts = "products"
	CallbackOrders   = "orders"
)

// StoreType is the storetype announced to DropHero
// (docs/protocol/drophero.md#notify).
const StoreType = "shopbridge"

// DefaultCallbackPrefix is the path under which the DropHero callback
// routes are served unless Config.CallbackPrefix says otherwise.
const DefaultCallbackPrefix = "/drophero/callback"

// Config configures a Service.
type Config struct {
	DB     *gorm.DB
	Host   adapters.DropHeroHost
	Cipher *Cipher
	// BaseURL of the DropHero API; default DefaultBaseURL.
	BaseURL string
	// PublicURL is the shop's absolute base URL (https://shop.example.com);
	// the callback URLs announced to DropHero start with it.
	PublicURL string
	// CallbackPrefix is the path of the callback routes; default
	// DefaultCallbackPrefix. It is configured here only: the callback URLs
	// announced to DropHero use it, and handlers/dropherocallback mounts its
	// routes under Service.CallbackPrefix.
	CallbackPrefix string
	// StoreVersion is announced as storeversion; default "1.0.0".
	StoreVersion string
	// Gate; default a PostgresGate on DB (a MemoryGate on SQLite).
	Gate drophero.Gate
	// Client settings passed to every Client (tests shorten RetryBackoff).
	HTTPClient   *http.Client
	Retries      int
	RetryBackoff time.Duration
	Logger       *zap.Logger
	// CategoryDelay coalesces category changes for this long; default 2 s.
	CategoryDelay time.Duration
	// BatchSize of catalogue items applied together; default 1000.
	BatchSize int
	// Enqueue writes outbox jobs; default outbox.Enqueue.
	Enqueue func(tx *gorm.DB, job outbox.Job) error
	// Observe and GateWait are passed to every drophero.Client (e.g.
	// metrics.Metrics.DropHero and DropHeroGateWait). Optional.
	Observe  func(endpoint, outcome string, d time.Duration)
	GateWait func(d time.Duration)
	// GateRefused is passed to every drophero.Client too (e.g.
	// metrics.Metrics.DropHeroGateRefused): attempts the gate ended
	// unsent. Optional.
	GateRefused func(reason string)
	// OnProgress receives the progress of a catalogue sync every
	// ProgressInterval (default 10s), also logged (e.g.
	// status.Service.ReportProgress). Optional.
	OnProgress       func(progress.Snapshot)
	ProgressInterval time.Duration
}

// Service is the DropHero integration: credentials, installation,
// category, catalogue and order synchronisation. All DropHero traffic runs
// in outbox jobs registered with Register.
type Service struct {
	cfg Config
	log *zap.Logger
}

// New returns a Service for cfg. DB, Host and Cipher are required; the
// callback prefix must be an absolute path.
func New(cfg Config) (*Service, error) {
	if cfg.DB == nil || cfg.Host == nil || cfg.Cipher == nil {
		return nil, errors.New("dropship: New needs DB, Host and Cipher")
	}
	if cfg.CallbackPrefix == "" {
		cfg.CallbackPrefix = DefaultCallbackPrefix
	}
	if !strings.HasPrefix(cfg.CallbackPrefix, "/") || strings.HasSuffix(cfg.CallbackPrefix, "/") {
		return nil, fmt.Errorf("dropship: callback prefix %q must start with / and not end with one", cfg.CallbackPrefix)
	}
	if cfg.StoreVersion == "" {
		cfg.StoreVersion = "1.0.0"
	}
	if cfg.Gate == nil {
		if cfg.DB.Dialector.Name() == "postgres" {
			cfg.Gate = &PostgresGate{DB: cfg.DB}
		} else {
			// SQLite serves a single process: an in-memory gate suffices.
			cfg.Gate = &drophero.MemoryGate{}
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.CategoryDelay <= 0 {
		cfg.CategoryDelay = 2 * time.Second
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 1000
	}
	if cfg.Enqueue == nil {
		cfg.Enqueue = outbox.Enqueue
	}
	return &Service{cfg: cfg, log: cfg.Logger.Named("drophero")}, nil
}

// CallbackPrefix returns the path under which the callback routes are
// served (Config.CallbackPrefix); handlers/dropherocallback mounts there.
func (s *Service) CallbackPrefix() string { return s.cfg.CallbackPrefix }

// Register installs the job handlers on an outbox worker.
func (s *Service) Register(w *outbox.Worker) {
	w.Handle(KindInstall, s.handleInstall)
	w.Handle(KindCategories, func(ctx context.Context, _ json.RawMessage) error { return s.SyncCategories(ctx) })
	w.Handle(KindCatalog, s.handleCatalog)
	w.Handle(KindOrderStatus, func(ctx context.Context, _ json.RawMessage) error { return s.SyncOrderStatuses(ctx) })
	w.Handle(KindSubmitOrder, s.handleSubmit)
	w.Handle(KindNotify, s.handleNotify)
}

// WorkerConfig is the outbox configuration on db for the worker that runs the
// DropHero jobs (docs/protocol/drophero.md#status-codes-and-retries): retries
// after 1, 2, 4, 8, 16 and 30 minutes, then every 30 minutes, and a job that
// keeps failing stays in the durable queue instead of dying, so that an order
// is submitted once DropHero is back. Only permanent errors end a job.
func WorkerConfig(db *gorm.DB, log *zap.Logger) outbox.Config {
	return outbox.Config{
		DB:          db,
		Logger:      log,
		BaseBackoff: time.Minute,
		MaxBackoff:  30 * time.Minute,
		MaxAttempts: -1,
	}
}

func (s *Service) settings(tx *gorm.DB) (*gormmodels.DropHeroSettings, error) {
	var st gormmodels.DropHeroSettings
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&gormmodels.DropHeroSettings{ID: 1}).Error; err != nil {
		return nil, fmt.Errorf("drophero settings: %w", err)
	}
	if err := tx.First(&st, 1).Error; err != nil {
		return nil, fmt.Errorf("drophero settings: %w", err)
	}
	return &st, nil
}

// Status is what the control panel shows. It holds neither key: only a hint
// of the public key (its last four characters) so the merchant recognises
// the account, and whether a secret is set.
type Status struct {
	PublicKeyHint          string // e.g. "…0001"; "" when no key is stored
	SecretSet              bool
	InstallState           string
	AutoSubmit             bool
	LastSync               *time.Time
	LastSyncAt             *time.Time
	LastSyncResult         string
	LastError              string
	LastProductsCallbackAt *time.Time
	LastOrdersCallbackAt   *time.Time
	CallbackURLs           map[string]string
}

// Status returns the integration's state for the control panel.
func (s *Service) Status(ctx context.Context) (*Status, error) {
	st, err := s.settings(s.cfg.DB.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	out := &Status{SecretSet: st.SecretKeyEnc != "", InstallState: st.InstallState, AutoSubmit: st.AutoSubmit,
		LastSync: st.LastSync, LastSyncAt: st.LastSyncAt, LastSyncResult: st.LastSyncResult, LastError: st.LastError,
		LastProductsCallbackAt: st.LastProductsCallbackAt, LastOrdersCallbackAt: st.LastOrdersCallbackAt}
	if st.PublicKeyEnc != "" {
		pub, err := s.cfg.Cipher.Decrypt(st.PublicKeyEnc)
		if err != nil {
			return nil, err
		}
		out.PublicKeyHint = keyHint(pub)
	}
	if st.TokenEnc != "" {
		tok, err := s.cfg.Cipher.Decrypt(st.TokenEnc)
		if err != nil {
			return nil, err
		}
		out.CallbackURLs = s.callbackURLs(tok)
	}
	return out, nil
}

func (s *Service) callbackURLs(token string) map[string]string {
	base := strings.TrimSuffix(s.cfg.PublicURL, "/") + s.cfg.CallbackPrefix + "/" + token + "/"
	return map[string]string{CallbackProducts: base + CallbackProducts, CallbackOrders: base + CallbackOrders}
}

// keyHint shows the last four characters of a key ("…" alone for short keys).
func keyHint(k string) string {
	r := []rune(k)
	if len(r) < 8 {
		return "…"
	}
	return "…" + string(r[len(r)-4:])
}

// KeysEqual reports whether the stored keys are publicKey and secretKey
// (compared in constant time), e.g. to decide whether keys from the
// environment must be saved.
func (s *Service) KeysEqual(ctx context.Context, publicKey, secretKey string) (bool, error) {
	st, err := s.settings(s.cfg.DB.WithContext(ctx))
	if err != nil || st.PublicKeyEnc == "" || st.SecretKeyEnc == "" {
		return false, err
	}
	pub, err := s.cfg.Cipher.Decrypt(st.PublicKeyEnc)
	if err != nil {
		return false, err
	}
	sec, err := s.cfg.Cipher.Decrypt(st.SecretKeyEnc)
	if err != nil {
		return false, err
	}
	p := subtle.ConstantTimeCompare([]byte(pub), []byte(strings.TrimSpace(publicKey)))
	q := subtle.ConstantTimeCompare([]byte(sec), []byte(strings.TrimSpace(secretKey)))
	return p&q == 1, nil
}

func fingerprint(pub string) string {
	h := sha256.Sum256([]byte(pub))
	return hex.EncodeToString(h[:])
}

func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// SaveKeys stores the account keys encrypted and starts the installation.
// A different public key (another account) is a new installation: new
// callback token and sync state reset. Either key may be "" to keep the
// stored one: the control panel never sends the keys back to the browser,
// so its key fields are write-only.
func (s *Service) SaveKeys(ctx context.Context, publicKey, secretKey string) error {
	publicKey, secretKey = strings.TrimSpace(publicKey), strings.TrimSpace(secretKey)
	return s.cfg.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		st, err := s.settings(tx)
		if err != nil {
			return err
		}
		if publicKey == "" {
			if st.PublicKeyEnc == "" {
				return errors.New("drophero: public key is empty")
			}
			if publicKey, err = s.cfg.Cipher.Decrypt(st.PublicKeyEnc); err != nil {
				return err
			}
		}
		if secretKey == "" && st.SecretKeyEnc == "" {
			return errors.New("drophero: secret key is empty")
		}
		upd := map[string]any{"install_state": gormmodels.DropHeroKeysSaved, "last_error": ""}
		if upd["public_key_enc"], err = s.cfg.Cipher.Encrypt(publicKey); err != nil {
			return err
		}
		if secretKey != "" {
			if upd["secret_key_enc"], err = s.cfg.Cipher.Encrypt(secretKey); err != nil {
				return err
			}
		}
		fp := fingerprint(publicKey)
		if fp != st.KeyFingerprint || st.TokenEnc == "" {
			tok, err := newToken()
			if err != nil {
				return err
			}
			if upd["token_enc"], err = s.cfg.Cipher.Encrypt(tok); err != nil {
				return err
			}
			upd["token_hash"] = hashToken(tok)
			upd["key_fingerprint"] = fp
			if st.KeyFingerprint != "" {
				// New account: full flow again.
				upd["last_sync"] = nil
				if err := tx.Where("1 = 1").Delete(&gormmodels.DropHeroSentCategory{}).Error; err != nil {
					return err
				}
			}
		}
		if err := tx.Model(&gormmodels.DropHeroSettings{}).Where("id = 1").Updates(upd).Error; err != nil {
			return fmt.Errorf("drophero save keys: %w", err)
		}
		return s.cfg.Enqueue(tx, outbox.Job{Kind: KindInstall, Key: "install", Payload: struct{}{}})
	})
}

// Disable switches the integration off
// (docs/protocol/drophero.md#installation): a best-effort warning notify to
// DropHero, then the callback token is invalidated (its URLs answer 404)
// and no further API call is made. The keys stay stored; SaveKeys installs
// again.
//
// The state is switched first and the notify sent after: a notify waiting
// for the rate gate behind a running installation must not leave the
// installation a window to continue (the installation re-checks the state
// before each step).
func (s *Service) Disable(ctx context.Context) error {
	c, cerr := s.client(ctx)
	if err := s.cfg.DB.WithContext(ctx).Model(&gormmodels.DropHeroSettings{}).Where("id = 1").
		Updates(map[string]any{"install_state": gormmodels.DropHeroDisabled, "token_enc": "", "token_hash": ""}).Error; err != nil {
		return err
	}
	if cerr == nil {
		if err := c.Notify(ctx, []drophero.Message{{Type: "warning", Message: "integration disabled in the shop"}}); err != nil {
			s.log.Warn("drophero disable notify failed", zap.Error(err))
		}
	}
	return nil
}

// SetAutoSubmit switches automatic submission of paid orders.
func (s *Service) SetAutoSubmit(ctx context.Context, on bool) error {
	db := s.cfg.DB.WithContext(ctx)
	if _, err := s.settings(db); err != nil {
		return err
	}
	return db.Model(&gormmodels.DropHeroSettings{}).Where("id = 1").Update("auto_submit", on).Error
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ErrUnknownToken is returned by Callback for a wrong token or when the
// integration is not installed.
var ErrUnknownToken = errors.New("drophero: unknown callback token")

// Callback handles a DropHero callback: it checks token in constant time
// and durably enqueues one coalesced job of the kind (CallbackProducts or
// CallbackOrders). It never calls DropHero.
func (s *Service) Callback(ctx context.Context, kind, token string) error {
	var job outbox.Job
	col := ""
	switch kind {
	case CallbackProducts:
		job, col = outbox.Job{Kind: KindCatalog, Key: "catalog", Payload: catalogJob{}}, "last_products_callback_at"
	case CallbackOrders:
		job, col = outbox.Job{Kind: KindOrderStatus, Key: "orderstatus", Payload: struct{}{}}, "last_orders_callback_at"
	default:
		return ErrUnknownToken
	}
	return s.cfg.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var st gormmodels.DropHeroSettings
		if err := tx.Select("token_hash", "install_state").Where("id = 1").Limit(1).Find(&st).Error; err != nil {
			return fmt.Errorf("drophero callback: %w", err)
		}
		got := hashToken(token)
		if subtle.ConstantTimeCompare([]byte(got), []byte(st.TokenHash)) != 1 || st.TokenHash == "" || st.InstallState == gormmodels.DropHeroKeysRejected {
			return ErrUnknownToken
		}
		if err := tx.Model(&gormmodels.DropHeroSettings{}).Where("id = 1").Update(col, time.Now().UTC()).Error; err != nil {
			return fmt.Errorf("drophero callback: %w", err)
		}
		return s.cfg.Enqueue(tx, job)
	})
}

// SyncNow enqueues a catalogue sync (full: from the first-sync epoch).
func (s *Service) SyncNow(ctx context.Context, full bool) error {
	key := "catalog"
	if full {
		// Its own coalescing key: a products callback arriving meanwhile
		// must not replace the pending full resync by an incremental one.
		key = "catalog_full"
	}
	return s.cfg.Enqueue(s.cfg.DB.WithContext(ctx), outbox.Job{Kind: KindCatalog, Key: key, Payload: catalogJob{Full: full}})
}

// client builds a Client from the stored keys.
func (s *Service) client(ctx context.Context) (*drophero.Client, error) {
	st, err := s.settings(s.cfg.DB.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if st.PublicKeyEnc == "" || st.SecretKeyEnc == "" || st.InstallState == gormmodels.DropHeroDisabled {
		return nil, drophero.ErrNotConfigured
	}
	pub, err := s.cfg.Cipher.Decrypt(st.PublicKeyEnc)
	if err != nil {
		return nil, err
	}
	sec, err := s.cfg.Cipher.Decrypt(st.SecretKeyEnc)
	if err != nil {
		return nil, err
	}
	return drophero.NewClient(drophero.Config{BaseURL: s.cfg.BaseURL, PublicKey: pub, SecretKey: sec, Gate: s.cfg.Gate,
		HTTPClient: s.cfg.HTTPClient, Logger: s.log, Retries: s.cfg.Retries, RetryBackoff: s.cfg.RetryBackoff,
		Observe: s.cfg.Observe, GateWait: s.cfg.GateWait, GateRefused: s.cfg.GateRefused})
}

// permanentIfClient marks 4xx (except 401 skew already handled, and 403
// circuit) and decode errors as permanent for the outbox; 5xx and network
// errors stay retryable.
func permanentIfClient(err error) error {
	if err == nil {
		return nil
	}
	var ae *drophero.APIError
	if errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusForbidden {
		return outbox.Permanent(err)
	}
	return err
}

// advance moves the installation from state from to state to (recording
// lastErr) only if it is still in from: one conditional UPDATE, atomic
// under the row lock. It reports false when the state changed meanwhile
// (the integration was disabled, or keys were saved again), and the
// installation then stops without another call.
func (s *Service) advance(ctx context.Context, from, to, lastErr string) (bool, error) {
	res := s.cfg.DB.WithContext(context.WithoutCancel(ctx)).Model(&gormmodels.DropHeroSettings{}).
		Where("id = 1 AND install_state = ?", from).
		Updates(map[string]any{"install_state": to, "last_error": lastErr})
	return res.RowsAffected == 1, res.Error
}

// stillIn re-reads the installation state before a step that calls
// DropHero and reports whether it is still want.
func (s *Service) stillIn(ctx context.Context, want string) (bool, error) {
	st, err := s.settings(s.cfg.DB.WithContext(ctx))
	if err != nil {
		return false, err
	}
	return st.InstallState == want, nil
}

// handleInstall runs the resumable installation (steps 4–9 of
// docs/protocol/drophero.md#installation).
// Before each step it re-reads the state, and each step's result is
// recorded only if the state is still the one the step started from, so
// that a Disable (or new keys) during the installation is never undone
// and no further DropHero call is made after it.
func (s *Service) handleInstall(ctx context.Context, _ json.RawMessage) error {
	st, err := s.settings(s.cfg.DB.WithContext(ctx))
	if err != nil {
		return err
	}
	c, err := s.client(ctx)
	if err != nil {
		return outbox.Permanent(err)
	}
	state := st.InstallState
	steps := []struct {
		from, to string
		run      func() error
	}{
		{gormmodels.DropHeroKeysSaved, gormmodels.DropHeroContacted, func() error {
			tok, err := s.cfg.Cipher.Decrypt(st.TokenEnc)
			if err != nil {
				return outbox.Permanent(err)
			}
			urls := s.callbackURLs(tok)
			return c.Announce(ctx, StoreType, s.cfg.StoreVersion, urls[CallbackOrders], urls[CallbackProducts])
		}},
		{gormmodels.DropHeroContacted, gormmodels.DropHeroCategoriesSent, func() error { return s.reconcileCategories(ctx, c) }},
		{gormmodels.DropHeroCategoriesSent, gormmodels.DropHeroCatalogueSynced, func() error {
			_, err := s.syncCatalog(ctx, c, true)
			return err
		}},
		{gormmodels.DropHeroCatalogueSynced, gormmodels.DropHeroInstalled, func() error { return s.refreshShippingModes(ctx, c) }},
	}
	for _, step := range steps {
		if state != step.from {
			continue
		}
		if ok, err := s.stillIn(ctx, state); err != nil || !ok {
			return err
		}
		if err := step.run(); err != nil {
			if outbox.IsPermanent(err) {
				return err
			}
			if state == gormmodels.DropHeroKeysSaved && errors.Is(err, drophero.ErrUnauthorized) {
				s.advance(ctx, state, gormmodels.DropHeroKeysRejected, "DropHero rejected the keys")
				return outbox.Permanent(err)
			}
			s.advance(ctx, state, state, err.Error())
			return permanentIfClient(err)
		}
		ok, err := s.advance(ctx, state, step.to, "")
		if err != nil || !ok {
			return err
		}
		state = step.to
	}
	return nil
}

// Notify queues warning/error messages for the merchant's DropHero panel;
// they are sent in one request by an outbox job. Call inside tx.
func (s *Service) Notify(tx *gorm.DB, msgtype string, lines ...string) error {
	if len(lines) == 0 {
		return nil
	}
	if len(lines) > 20 {
		lines = append(lines[:19], fmt.Sprintf("… and %d more", len(lines)-19))
	}
	return s.cfg.Enqueue(tx, outbox.Job{Kind: KindNotify, Payload: notifyJob{Type: msgtype, Lines: lines}})
}

type notifyJob struct {
	Type  string   `json:"type"`
	Lines []string `json:"lines"`
}

func (s *Service) handleNotify(ctx context.Context, payload json.RawMessage) error {
	var j notifyJob
	if err := json.Unmarshal(payload, &j); err != nil {
		return outbox.Permanent(err)
	}
	c, err := s.client(ctx)
	if err != nil {
		return outbox.Permanent(err)
	}
	msgs := make([]drophero.Message, len(j.Lines))
	for i, l := range j.Lines {
		msgs[i] = drophero.Message{Type: j.Type, Message: l}
	}
	return permanentIfClient(c.Notify(ctx, msgs))
}

func (s *Service) refreshShippingModes(ctx context.Context, c *drophero.Client) error {
	modes, err := c.ShippingModes(ctx)
	if err != nil {
		return err
	}
	if len(modes) == 0 {
		return nil
	}
	rows := make([]gormmodels.DropHeroShippingMode, len(modes))
	for i, m := range modes {
		rows[i] = gormmodels.DropHeroShippingMode{ID: m.ID, AreaISO: m.AreaISO, Name: m.Name, Description: m.Description, TransitHours: m.TransitHours}
	}
	return s.cfg.DB.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&rows).Error
}
