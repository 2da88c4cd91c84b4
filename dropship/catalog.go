package dropship

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.uber.org/zap"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/drophero"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/progress"
)

type catalogJob struct {
	Full bool `json:"full,omitempty"`
}

// SyncResult summarises one applied catalogue sync.
type SyncResult struct {
	From        int64
	Created     int
	Updated     int
	TakenOver   int // existing products that became "DropHero managed"
	Deactivated int
	Conflicts   int
	Warnings    []string
}

// String summarises the result in one line for logs and the control panel.
func (r *SyncResult) String() string {
	return fmt.Sprintf("from %d: %d created, %d updated, %d taken over, %d deactivated, %d EAN conflicts, %d warnings",
		r.From, r.Created, r.Updated, r.TakenOver, r.Deactivated, r.Conflicts, len(r.Warnings))
}

func (s *Service) handleCatalog(ctx context.Context, payload json.RawMessage) error {
	var j catalogJob
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &j); err != nil {
			return outbox.Permanent(err)
		}
	}
	st, err := s.settings(s.cfg.DB.WithContext(ctx))
	if err != nil {
		return err
	}
	switch st.InstallState {
	case gormmodels.DropHeroCatalogueSynced, gormmodels.DropHeroInstalled:
	case gormmodels.DropHeroKeysSaved, gormmodels.DropHeroContacted, gormmodels.DropHeroCategoriesSent:
		// Installation in progress: retry later so a change announced
		// during it is not lost.
		return errors.New("drophero catalogue sync: installation in progress")
	default:
		return nil // not configured or keys rejected
	}
	c, err := s.client(ctx)
	if err != nil {
		return outbox.Permanent(err)
	}
	_, err = s.syncCatalog(ctx, c, j.Full)
	return permanentIfClient(err)
}

// SyncCatalog runs one catalogue sync now, in the caller's goroutine (tools,
// benchmarks, tests). Normal operation goes through the outbox.
func (s *Service) SyncCatalog(ctx context.Context, full bool) (*SyncResult, error) {
	c, err := s.client(ctx)
	if err != nil {
		return nil, err
	}
	return s.syncCatalog(ctx, c, full)
}

// syncCatalog fetches subscribed/from and applies it in one transaction
// together with the new last_sync (docs/protocol/drophero.md#last-sync).
func (s *Service) syncCatalog(ctx context.Context, c *drophero.Client, full bool) (*SyncResult, error) {
	db := s.cfg.DB.WithContext(ctx)
	if _, err := s.settings(db); err != nil {
		return nil, err
	}
	from := drophero.FirstSyncEpoch
	res := &SyncResult{From: from}
	var unknownModes bool
	err := db.Transaction(func(tx *gorm.DB) error {
		if isPostgres(tx) {
			// Single flight across every worker and process
			// (docs/protocol/drophero.md#catalogue-sync-single-flight): the
			// outbox may run a pending sync while another is still running, and
			// two overlapping syncs would both import the same new items.
			// SQLite serialises writers by itself.
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, catalogLockID).Error; err != nil {
				return fmt.Errorf("catalogue lock: %w", err)
			}
		}
		// Read last_sync and the request time only once the lock is held.
		st, err := s.settings(tx)
		if err != nil {
			return err
		}
		tReq, err := dbNow(tx)
		if err != nil {
			return fmt.Errorf("database clock: %w", err)
		}
		if !full && st.LastSync != nil {
			from = max(st.LastSync.Unix()-600, drophero.FirstSyncEpoch)
		}
		res.From = from
		a := &applier{s: s, ctx: ctx, tx: tx, now: tReq, res: res, seen: map[string]struct{}{}, claimed: map[string]string{}, modes: map[string]bool{}}
		a.start()
		// The first sync may stream tens of thousands of products: log and
		// report progress at a steady interval, with an estimated total
		// (docs/protocol/drophero.md#sync-progress).
		name := "drophero_sync"
		if from == drophero.FirstSyncEpoch {
			name = "drophero_first_sync"
		}
		a.progress = progress.Start(progress.Config{Name: name, Logger: s.log, Interval: s.cfg.ProgressInterval, Report: s.cfg.OnProgress})
		if from == drophero.FirstSyncEpoch {
			// A full sync lists every subscription: the links of the last
			// one are the first estimate.
			var links int64
			if err := tx.Model(&gormmodels.DropHeroLink{}).Where("active = ?", true).Count(&links).Error; err != nil {
				return fmt.Errorf("count links: %w", err)
			}
			a.progress.SetTotal(links)
		}
		err = c.Subscribed(ctx, from, drophero.SubscribedHandler{Product: a.add, Deleted: a.addDeleted, Progress: a.bytesRead})
		if werr := a.finish(err == nil); werr != nil {
			err = werr // the writer's failure is the cause of the decoder's stop
		}
		a.progress.Finish(err)
		if err != nil {
			return err
		}
		if err := a.applyDeleted(from == drophero.FirstSyncEpoch); err != nil {
			return err
		}
		if len(res.Warnings) > 0 {
			if err := s.Notify(tx, "warning", res.Warnings...); err != nil {
				return err
			}
		}
		if unknownModes, err = a.unknownModes(); err != nil {
			return err
		}
		return tx.Model(&gormmodels.DropHeroSettings{}).Where("id = 1").Updates(map[string]any{
			"last_sync": tReq, "last_sync_at": tReq, "last_sync_result": "ok: " + res.String()}).Error
	})
	if err != nil {
		s.log.Error("drophero catalogue sync failed", zap.Error(err))
		s.cfg.DB.WithContext(context.WithoutCancel(ctx)).Model(&gormmodels.DropHeroSettings{}).Where("id = 1").
			Updates(map[string]any{"last_sync_result": "failed: " + err.Error(), "last_sync_at": time.Now()})
		return nil, fmt.Errorf("drophero catalogue sync from %d: %w", from, err)
	}
	s.log.Info("drophero catalogue sync applied", zap.String("result", res.String()))
	if unknownModes {
		if err := s.refreshShippingModes(ctx, c); err != nil {
			s.log.Warn("drophero shipping modes refresh failed", zap.Error(err))
		}
	}
	return res, nil
}

// applier applies a streamed subscribed response in batches inside tx.
// Decoding (the caller's goroutine) and database writes (one writer
// goroutine, the only user of tx) overlap; a batch is handed over whole.
type applier struct {
	s       *Service
	ctx     context.Context
	tx      *gorm.DB
	now     time.Time
	res     *SyncResult
	batch   []*drophero.Product
	deleted []string
	// Owned by the writer goroutine until finish returns.
	seen    map[string]struct{}
	claimed map[string]string // product id → iditem linked during this sync
	modes   map[string]bool

	pending []*drophero.Product // being filled by the decoder
	batches chan []*drophero.Product
	stop    chan struct{} // closed when the writer failed
	done    chan error

	progress *progress.Tracker // counts decoded products
	// bodyRead and bodySize are the subscribed answer's bytes read and
	// Content-Length (≤ 0: unknown), from the decoding goroutine.
	bodyRead, bodySize int64
	decoded            int64 // products decoded (as counted by progress)
}

// bytesRead is the SubscribedHandler.Progress hook.
func (a *applier) bytesRead(read, total int64) { a.bodyRead, a.bodySize = read, total }

// start launches the writer goroutine.
func (a *applier) start() {
	a.batches = make(chan []*drophero.Product, 1)
	a.stop = make(chan struct{})
	a.done = make(chan error, 1)
	go func() {
		var err error
		for b := range a.batches {
			if err != nil {
				continue
			}
			a.batch = b
			if err = a.flush(); err != nil {
				close(a.stop)
			}
		}
		a.done <- err
	}()
}

// finish hands over the last batch (when ok) and waits for the writer.
func (a *applier) finish(ok bool) error {
	if ok && len(a.pending) > 0 {
		select {
		case a.batches <- a.pending:
		case <-a.stop:
		}
	}
	a.pending = nil
	close(a.batches)
	return <-a.done
}

func (a *applier) add(p *drophero.Product) error {
	a.progress.Add(1)
	if a.bodySize > 0 && a.bodyRead > 0 {
		// The share of the body decoded so far estimates the total (the
		// reader runs ahead by its buffer, so early estimates are low).
		a.decoded++
		a.progress.SetTotal(a.decoded * a.bodySize / a.bodyRead)
	}
	a.pending = append(a.pending, p)
	if len(a.pending) < a.s.cfg.BatchSize {
		return nil
	}
	b := a.pending
	a.pending = make([]*drophero.Product, 0, a.s.cfg.BatchSize)
	select {
	case a.batches <- b:
		return nil
	case <-a.stop:
		return errors.New("catalogue writer failed")
	case <-a.ctx.Done():
		return a.ctx.Err()
	}
}

func (a *applier) addDeleted(ids []string) error {
	a.deleted = append(a.deleted, ids...)
	return nil
}

// NormalizeEAN trims an EAN; all-digit GTINs of 8, 12, 13 or 14 digits are
// left-padded with zeros to 14 so their spellings compare equal.
func NormalizeEAN(s string) string {
	s = strings.TrimSpace(s)
	if !allDigits(s) {
		return s
	}
	switch len(s) {
	case 8, 12, 13, 14:
		return strings.Repeat("0", 14-len(s)) + s
	}
	return s
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// eanVariants lists the spellings a host may store for the same GTIN.
func eanVariants(s string) []string {
	s = strings.TrimSpace(s)
	out := []string{s}
	n := NormalizeEAN(s)
	if n == s && !(len(s) == 14 && allDigits(s)) {
		return out
	}
	core := strings.TrimLeft(n, "0")
	for _, l := range []int{8, 12, 13, 14} {
		if len(core) <= l {
			v := strings.Repeat("0", l-len(core)) + core
			if v != s {
				out = append(out, v)
			}
		}
	}
	return out
}

func stockOf(p *drophero.Product) (int64, bool) {
	if !p.Qty.Valid {
		return 0, true
	}
	return p.Qty.Decimal.Floor().IntPart(), false
}

func (a *applier) flush() error {
	if len(a.batch) == 0 {
		return nil
	}
	// A duplicated iditem within the response: the last one wins.
	last := map[string]int{}
	for i, p := range a.batch {
		last[p.IDItem] = i
	}
	items := make([]*drophero.Product, 0, len(last))
	ids := make([]string, 0, len(last))
	for i, p := range a.batch {
		if last[p.IDItem] == i {
			items = append(items, p)
			ids = append(ids, p.IDItem)
		}
	}
	a.batch = a.batch[:0]
	for _, p := range items {
		if _, dup := a.seen[p.IDItem]; dup {
			a.res.Warnings = append(a.res.Warnings, "item "+p.IDItem+" appears twice in one response; the last one is applied")
		}
		a.seen[p.IDItem] = struct{}{}
		a.res.Warnings = append(a.res.Warnings, p.Warnings...)
		for _, sh := range p.Shipping {
			a.modes[sh.ModeID] = true
		}
	}
	ctx, tx, host := a.ctx, a.tx, a.s.cfg.Host

	var links []gormmodels.DropHeroLink
	if err := tx.Where("id_item IN ?", ids).Find(&links).Error; err != nil {
		return fmt.Errorf("load links: %w", err)
	}
	linkOf := map[string]*gormmodels.DropHeroLink{}
	for i := range links {
		linkOf[links[i].IDItem] = &links[i]
	}

	// EAN candidates of the unlinked items.
	var variants []string
	for _, p := range items {
		if linkOf[p.IDItem] == nil && p.EAN != nil && strings.TrimSpace(*p.EAN) != "" {
			variants = append(variants, eanVariants(*p.EAN)...)
		}
	}
	byEAN := map[string][]adapters.DropHeroProduct{}
	linkedTo := map[string]string{}
	if len(variants) > 0 {
		found, err := host.ProductsByEAN(ctx, tx, variants)
		if err != nil {
			return fmt.Errorf("host products by EAN: %w", err)
		}
		var pids []string
		for _, hp := range found {
			n := NormalizeEAN(hp.EAN)
			if n == "" {
				continue
			}
			byEAN[n] = append(byEAN[n], hp)
			pids = append(pids, hp.ID)
		}
		if len(pids) > 0 {
			var pl []gormmodels.DropHeroLink
			if err := tx.Select("id_item", "product_id").Where("product_id IN ? AND active", pids).Find(&pl).Error; err != nil {
				return fmt.Errorf("load product links: %w", err)
			}
			for _, l := range pl {
				linkedTo[l.ProductID] = l.IDItem
			}
		}
	}

	var newLinks []gormmodels.DropHeroLink
	var creates []adapters.DropHeroProductFields
	var createItems []*drophero.Product
	var conflicts []gormmodels.DropHeroConflict
	for _, p := range items {
		if l := linkOf[p.IDItem]; l != nil {
			f := importedFields(p)
			if l.Origin == gormmodels.DropHeroManaged {
				f = managedFields(p)
			}
			if err := host.UpdateProduct(ctx, tx, l.ProductID, f); err != nil {
				return fmt.Errorf("host update product %s (item %s): %w", l.ProductID, p.IDItem, err)
			}
			a.res.Updated++
			newLinks = append(newLinks, a.linkRow(p, *l))
			continue
		}
		ean := ""
		if p.EAN != nil {
			ean = NormalizeEAN(*p.EAN)
		}
		if ean == "" || len(byEAN[ean]) == 0 {
			creates = append(creates, importedFields(p))
			createItems = append(createItems, p)
			continue
		}
		// Only products not linked to another iditem count
		// (docs/protocol/drophero.md#ean-takeover).
		cands := byEAN[ean]
		var free []adapters.DropHeroProduct
		for _, c := range cands {
			other := linkedTo[c.ID]
			if other == "" {
				other = a.claimed[c.ID]
			}
			if other == "" || other == p.IDItem {
				free = append(free, c)
			}
		}
		if len(free) != 1 {
			// Several free matches, or only ones linked to other items.
			shown := free
			if len(shown) == 0 {
				shown = cands
			}
			ids := make([]string, len(shown))
			for i, c := range shown {
				ids[i] = c.ID
			}
			cj, _ := json.Marshal(ids)
			conflicts = append(conflicts, gormmodels.DropHeroConflict{IDItem: p.IDItem, EAN: ean, Candidates: string(cj), Raw: string(p.Raw), UpdatedAt: a.now})
			a.res.Conflicts++
			a.res.Warnings = append(a.res.Warnings, fmt.Sprintf("item %s: EAN %s matches %d free shop products (%d in all, the others linked to other items); not imported", p.IDItem, ean, len(free), len(cands)))
			continue
		}
		hp := free[0]
		a.claimed[hp.ID] = p.IDItem
		if err := host.UpdateProduct(ctx, tx, hp.ID, managedFields(p)); err != nil {
			return fmt.Errorf("host take over product %s (item %s): %w", hp.ID, p.IDItem, err)
		}
		stock := hp.Stock
		l := gormmodels.DropHeroLink{IDItem: p.IDItem, ProductID: hp.ID, Origin: gormmodels.DropHeroManaged,
			PrevPrice: decimal.NullDecimal{Decimal: hp.Price, Valid: true}, PrevStock: &stock}
		newLinks = append(newLinks, a.linkRow(p, l))
		a.res.TakenOver++
	}
	if len(creates) > 0 {
		pids, err := host.CreateProducts(ctx, tx, creates)
		if err != nil {
			return fmt.Errorf("host create products: %w", err)
		}
		if len(pids) != len(creates) {
			return fmt.Errorf("host create products: %d ids for %d products", len(pids), len(creates))
		}
		for i, p := range createItems {
			newLinks = append(newLinks, a.linkRow(p, gormmodels.DropHeroLink{IDItem: p.IDItem, ProductID: pids[i], Origin: gormmodels.DropHeroImported}))
			if p.Name == nil || strings.TrimSpace(*p.Name) == "" {
				a.res.Warnings = append(a.res.Warnings, "item "+p.IDItem+" has no product_name")
			}
		}
		a.res.Created += len(creates)
	}
	if len(newLinks) > 0 {
		if err := saveLinks(tx, newLinks); err != nil {
			return fmt.Errorf("save links: %w", err)
		}
	}
	if len(conflicts) > 0 {
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&conflicts).Error; err != nil {
			return fmt.Errorf("save conflicts: %w", err)
		}
	}
	if err := tx.Where("id_item IN ?", ids).Delete(&gormmodels.DropHeroShipping{}).Error; err != nil {
		return fmt.Errorf("clear shipping: %w", err)
	}
	var ship []gormmodels.DropHeroShipping
	for _, p := range items {
		dedup := map[string]bool{}
		for _, sh := range p.Shipping {
			k := sh.ModeID + "|" + sh.AreaISO
			if dedup[k] {
				continue
			}
			dedup[k] = true
			ship = append(ship, gormmodels.DropHeroShipping{IDItem: p.IDItem, ModeID: sh.ModeID, AreaISO: sh.AreaISO, Price: sh.Price})
		}
	}
	if len(ship) > 0 {
		if err := saveShipping(tx, ship); err != nil {
			return fmt.Errorf("save shipping: %w", err)
		}
	}
	return nil
}

func (a *applier) linkRow(p *drophero.Product, l gormmodels.DropHeroLink) gormmodels.DropHeroLink {
	l.Active = true
	l.NeedsReview = false
	_, l.StockUnknown = stockOf(p)
	l.Status = p.Status
	l.SRP = p.SuggestedRetail
	l.RMAPolicy = ""
	if p.RMAPolicy != nil {
		l.RMAPolicy = *p.RMAPolicy
	}
	w, _ := json.Marshal(p.Wholesalers)
	pm, _ := json.Marshal(p.Payments)
	cats, _ := json.Marshal(p.LocalCategories)
	l.Wholesalers, l.Payments, l.Categories = string(w), string(pm), string(cats)
	l.Raw = string(p.Raw)
	l.SyncedAt = a.now
	return l
}

// importedFields maps an item onto a product DropHero owns entirely.
func importedFields(p *drophero.Product) adapters.DropHeroProductFields {
	sku := "DH-" + p.IDItem
	name := "DropHero item " + p.IDItem
	if p.Name != nil && strings.TrimSpace(*p.Name) != "" {
		name = *p.Name
	}
	stock, _ := stockOf(p)
	active := true
	price := p.SellingPrice
	f := adapters.DropHeroProductFields{SKU: &sku, Name: &name, DescriptionShort: p.DescriptionShort,
		DescriptionLong: p.DescriptionLong, ImageURL: p.ImgURL, Price: &price, Stock: &stock, Active: &active,
		CategoryIDs: p.LocalCategories, ReplaceCategories: true}
	if p.EAN != nil && strings.TrimSpace(*p.EAN) != "" {
		e := strings.TrimSpace(*p.EAN)
		f.EAN = &e
	}
	if p.TaxRate.Valid {
		f.TaxRate = &p.TaxRate.Decimal
	}
	if p.Weight.Valid {
		f.Weight = &p.Weight.Decimal
	}
	return f
}

// managedFields maps an item onto an existing shop product: commercial
// fields are overwritten, descriptive content (name, descriptions) never,
// the image only when the product has none, categories are added.
func managedFields(p *drophero.Product) adapters.DropHeroProductFields {
	stock, _ := stockOf(p)
	active := true
	price := p.SellingPrice
	f := adapters.DropHeroProductFields{Price: &price, Stock: &stock, Active: &active,
		ImageURL: p.ImgURL, ImageOnlyIfEmpty: true, CategoryIDs: p.LocalCategories}
	if p.TaxRate.Valid {
		f.TaxRate = &p.TaxRate.Decimal
	}
	if p.Weight.Valid {
		f.Weight = &p.Weight.Decimal
	}
	return f
}

// applyDeleted deactivates the deleted subscriptions (never a hard delete)
// and, after a full sync, the active links the answer did not mention.
func (a *applier) applyDeleted(full bool) error {
	var ids []string
	for _, id := range a.deleted {
		if _, ok := a.seen[id]; ok {
			a.res.Warnings = append(a.res.Warnings, "item "+id+" is both subscribed and deleted; kept active")
			continue
		}
		ids = append(ids, id)
	}
	var links []gormmodels.DropHeroLink
	for len(ids) > 0 {
		n := min(1000, len(ids))
		var part []gormmodels.DropHeroLink
		if err := a.tx.Where("id_item IN ? AND active", ids[:n]).Find(&part).Error; err != nil {
			return err
		}
		links = append(links, part...)
		ids = ids[n:]
	}
	if full {
		var orphans []gormmodels.DropHeroLink
		if err := a.tx.Where("active AND synced_at < ?", a.now).Find(&orphans).Error; err != nil {
			return err
		}
		links = append(links, orphans...)
	}
	// A deleted item that is also unmatched after a full sync is in both
	// lists: release it once.
	released := make(map[string]bool, len(links))
	for _, l := range links {
		if released[l.IDItem] {
			continue
		}
		released[l.IDItem] = true
		if err := a.release(l); err != nil {
			return err
		}
	}
	return nil
}

// release ends a link: imported products are deactivated; managed ones go
// back to the merchant with their old price, stock 0 and a review flag.
func (a *applier) release(l gormmodels.DropHeroLink) error {
	var f adapters.DropHeroProductFields
	upd := map[string]any{"active": false, "synced_at": a.now}
	if l.Origin == gormmodels.DropHeroManaged {
		zero := int64(0)
		f.Stock = &zero
		if l.PrevPrice.Valid {
			p := l.PrevPrice.Decimal
			f.Price = &p
		}
		upd["needs_review"] = true
	} else {
		off := false
		f.Active = &off
	}
	if err := a.s.cfg.Host.UpdateProduct(a.ctx, a.tx, l.ProductID, f); err != nil {
		return fmt.Errorf("host release product %s (item %s): %w", l.ProductID, l.IDItem, err)
	}
	if err := a.tx.Model(&gormmodels.DropHeroLink{}).Where("id_item = ?", l.IDItem).Updates(upd).Error; err != nil {
		return err
	}
	a.res.Deactivated++
	return nil
}

func (a *applier) unknownModes() (bool, error) {
	if len(a.modes) == 0 {
		return false, nil
	}
	ids := make([]string, 0, len(a.modes))
	for id := range a.modes {
		ids = append(ids, id)
	}
	var n int64
	if err := a.tx.Model(&gormmodels.DropHeroShippingMode{}).Where("id IN ?", ids).Count(&n).Error; err != nil {
		return false, err
	}
	return int(n) < len(ids), nil
}

// dbNow returns the database clock on PostgreSQL (shared by every app
// server) and the local clock elsewhere (SQLite: a single process).
func dbNow(db *gorm.DB) (time.Time, error) {
	if db.Dialector.Name() != "postgres" {
		return time.Now().UTC(), nil
	}
	var t time.Time
	// clock_timestamp, not CURRENT_TIMESTAMP: inside a transaction the
	// latter is the transaction's start, not now.
	err := db.Raw("SELECT clock_timestamp()").Row().Scan(&t)
	return t, err
}

// catalogLockID is the PostgreSQL advisory lock serialising catalogue syncs.
const catalogLockID int64 = 0x5348_4f50_4448_0001

var (
	errNoLines        = errors.New("no DropHero lines")
	errModeNotOffered = errors.New("shipping mode not offered for every DropHero item")
)

// Conflicts lists the unresolved EAN conflicts.
func (s *Service) Conflicts(ctx context.Context) ([]Conflict, error) {
	var rows []gormmodels.DropHeroConflict
	if err := s.cfg.DB.WithContext(ctx).Where("NOT resolved").Order("id_item").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Conflict, len(rows))
	for i, r := range rows {
		out[i] = Conflict{IDItem: r.IDItem, EAN: r.EAN, Candidates: r.Candidates, UpdatedAt: r.UpdatedAt}
	}
	return out, nil
}

// ResolveConflict is the merchant's choice for an EAN conflict: productID
// becomes the "DropHero managed" product of the item (its price and stock
// are taken over from the stored item), or with productID "" the item is
// imported as a new product.
func (s *Service) ResolveConflict(ctx context.Context, iditem, productID string) error {
	return s.cfg.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if isPostgres(tx) {
			// Not while a sync links products: both could take the same one.
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, catalogLockID).Error; err != nil {
				return fmt.Errorf("drophero conflict %s: lock: %w", iditem, err)
			}
		}
		var c gormmodels.DropHeroConflict
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&c, "id_item = ? AND NOT resolved", iditem).Error; err != nil {
			return fmt.Errorf("drophero conflict %s: %w", iditem, err)
		}
		p, err := drophero.ParseProduct(json.RawMessage(c.Raw))
		if err != nil {
			return fmt.Errorf("drophero conflict %s: stored item: %w", iditem, err)
		}
		now, err := dbNow(tx)
		if err != nil {
			return err
		}
		a := &applier{s: s, ctx: ctx, tx: tx, now: now, res: &SyncResult{}, seen: map[string]struct{}{}, claimed: map[string]string{}, modes: map[string]bool{}}
		var link gormmodels.DropHeroLink
		if productID == "" {
			ids, err := s.cfg.Host.CreateProducts(ctx, tx, []adapters.DropHeroProductFields{importedFields(p)})
			if err != nil || len(ids) != 1 {
				return fmt.Errorf("drophero conflict %s: create product: %v", iditem, err)
			}
			link = gormmodels.DropHeroLink{IDItem: iditem, ProductID: ids[0], Origin: gormmodels.DropHeroImported}
		} else {
			var other int64
			if err := tx.Model(&gormmodels.DropHeroLink{}).Where("product_id = ? AND active AND id_item <> ?", productID, iditem).Count(&other).Error; err != nil {
				return err
			}
			if other > 0 {
				return fmt.Errorf("drophero conflict %s: product %s is linked to another DropHero item", iditem, productID)
			}
			cands := map[string]adapters.DropHeroProduct{}
			found, err := s.cfg.Host.ProductsByEAN(ctx, tx, eanVariants(c.EAN))
			if err != nil {
				return err
			}
			for _, hp := range found {
				cands[hp.ID] = hp
			}
			hp, ok := cands[productID]
			if !ok {
				return fmt.Errorf("drophero conflict %s: product %s does not carry EAN %s", iditem, productID, c.EAN)
			}
			if err := s.cfg.Host.UpdateProduct(ctx, tx, productID, managedFields(p)); err != nil {
				return err
			}
			stock := hp.Stock
			link = gormmodels.DropHeroLink{IDItem: iditem, ProductID: productID, Origin: gormmodels.DropHeroManaged,
				PrevPrice: decimal.NullDecimal{Decimal: hp.Price, Valid: true}, PrevStock: &stock}
		}
		if err := saveLinks(tx, []gormmodels.DropHeroLink{a.linkRow(p, link)}); err != nil {
			return err
		}
		return tx.Model(&c).Update("resolved", true).Error
	})
}
