package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"go.uber.org/zap"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/gormmodels"
	"github.com/shopbridge/shopbridge/shopgate"
)

// AddOrder implements pluginapi.OrderImporter: it fetches the order from the
// Merchant API and stores it in one transaction
// (docs/protocol/orders.md#import-rules). An order imported before is answered
// with 60, even when many calls for one number arrive at once: the bookkeeping
// row, written last in the transaction, has a unique order number that lets
// exactly one transaction commit; the others roll back completely.
func (s *Service) AddOrder(ctx context.Context, shop adapters.Shop, orderNumber string) (adapters.OrderRef, error) {
	log := s.log.With(zap.String("order_number", orderNumber), zap.String("shop_number", shop.Number))
	// A cheap pre-check spares the Merchant API call (and its hourly
	// budget) for Shopgate's retries; the unique index decides.
	var n int64
	if err := s.db.WithContext(ctx).Model(&gormmodels.ShopgateOrder{}).
		Where("order_number = ?", orderNumber).Count(&n).Error; err != nil {
		return adapters.OrderRef{}, shopgate.DatabaseError("check order "+orderNumber, err)
	}
	if n > 0 {
		return adapters.OrderRef{}, shopgate.NewAPIError(shopgate.CodeDuplicateOrder, orderNumber)
	}
	client, err := s.merchant(shop.Number)
	if err != nil {
		return adapters.OrderRef{}, err
	}
	order, err := client.GetOrder(ctx, orderNumber)
	if err != nil {
		return adapters.OrderRef{}, fmt.Errorf("import order %s: get_orders: %w", orderNumber, err)
	}
	if order.OrderNumber != "" && !shopgate.SameNumber(order.OrderNumber, orderNumber) {
		return adapters.OrderRef{}, shopgate.NewAPIError(shopgate.CodeMerchantAPIInvalidResp,
			fmt.Sprintf("get_orders answered order %s for %s", order.OrderNumber, orderNumber))
	}
	order.OrderNumber = orderNumber

	var ref adapters.OrderRef
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		ref, err = s.importOrder(ctx, tx, shop, order)
		return err
	})
	if err != nil {
		if ae, ok := shopgate.AsAPIError(err); ok && ae.Code == shopgate.CodeDuplicateOrder {
			return adapters.OrderRef{}, err
		}
		log.Error("import order failed", zap.Error(err))
		return adapters.OrderRef{}, dbError("import order "+orderNumber, err)
	}
	log.Info("order imported", zap.String("host_order_id", ref.ExternalOrderID))
	return ref, nil
}

// importOrder writes the order inside tx.
func (s *Service) importOrder(ctx context.Context, tx *gorm.DB, shop adapters.Shop, o *shopgate.Order) (adapters.OrderRef, error) {
	// The order as received from get_orders, unknown keys included
	// (docs/protocol/orders.md#tolerant-decoding-and-raw-json); re-encoded only
	// for a MerchantAPI that does not keep the raw JSON.
	raw := []byte(o.Raw)
	var err error
	if len(raw) == 0 {
		if raw, err = json.Marshal(o); err != nil {
			return adapters.OrderRef{}, fmt.Errorf("encode order %s: %w", o.OrderNumber, err)
		}
	}
	if !utf8.Valid(raw) {
		raw = []byte(strings.ToValidUTF8(string(raw), "\uFFFD"))
	}
	m := gormmodels.ShopgateOrder{
		OrderNumber: o.OrderNumber, ShopNumber: shop.Number,
		IsPaid: o.IsPaid, IsShippingBlocked: o.IsShippingBlocked, IsShippingCompleted: o.IsShippingCompleted,
		IsCustomerInvoiceBlocked: o.IsCustomerInvoiceBlocked, IsStorno: o.IsStorno, IsTest: o.IsTest,
		PaymentMethod: o.PaymentMethod, PaymentGroup: o.PaymentGroup,
		Currency: o.Currency, AmountComplete: o.AmountComplete, RawOrder: string(raw),
	}
	m.PaymentTime, m.PaymentTransactionNumber, m.PaymentInfos, err = paymentDetails(o)
	if err != nil {
		return adapters.OrderRef{}, err
	}
	now := s.cfg.Now().UTC()
	if o.IsShippingCompleted {
		m.ShippingReportedAt = &now // Shopgate knows already; nothing to report
	}
	if o.IsStorno {
		m.CancellationReportedAt = &now
	}
	imp, notes, err := s.buildOrder(ctx, tx, o)
	if err != nil {
		return adapters.OrderRef{}, err
	}
	ref, err := s.cfg.Host.CreateOrder(ctx, tx, imp)
	if err != nil {
		return adapters.OrderRef{}, fmt.Errorf("host create order: %w", err)
	}
	m.HostOrderID, m.HostOrderNumber = ref.ExternalOrderID, ref.ExternalOrderNumber
	m.HostCustomerID, m.Guest = imp.Customer.ID, imp.Customer.Guest
	m.Notes = strings.Join(notes, "\n")
	// The unique order number decides: when another import of this number
	// committed (or commits while this one waits on the index), nothing is
	// inserted and the whole transaction rolls back with 60.
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "order_number"}}, DoNothing: true}).Create(&m)
	if res.Error != nil {
		return adapters.OrderRef{}, fmt.Errorf("insert bookkeeping row: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return adapters.OrderRef{}, shopgate.NewAPIError(shopgate.CodeDuplicateOrder, o.OrderNumber)
	}
	if err := s.runHooks(ctx, tx, Event{Kind: EventImported, ShopNumber: shop.Number, Order: o, Host: ref}); err != nil {
		return adapters.OrderRef{}, fmt.Errorf("import hook: %w", err)
	}
	return ref, nil
}

// buildOrder translates a Shopgate order for the host and collects the
// discrepancies as notes.
func (s *Service) buildOrder(ctx context.Context, tx *gorm.DB, o *shopgate.Order) (*adapters.ImportedOrder, []string, error) {
	var notes []string
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }

	imp := &adapters.ImportedOrder{
		Source: Source, ExternalNumber: o.OrderNumber, Mail: o.Mail, Phone: firstNonEmpty(o.Phone, o.Mobile),
		Currency: o.Currency, AmountShipping: o.AmountShipping, ShippingTaxRate: o.ShippingTaxPercent,
		AmountPayment: o.AmountShopPayment, PaymentTaxRate: o.PaymentTaxPercent,
		AmountTotal: o.AmountComplete, IsPaid: o.IsPaid, IsTest: o.IsTest,
		InvoiceAddress: toAddress(o.InvoiceAddress), DeliveryAddress: toAddress(o.DeliveryAddress),
		CreatedAt: o.CreatedTime,
	}
	if imp.Mail == "" {
		imp.Mail = firstNonEmpty(o.InvoiceAddress.Mail, o.DeliveryAddress.Mail)
	}
	// Informational values Shopgate sent in an unreadable form
	// (docs/protocol/orders.md#r12-discrepancies-never-fail); the raw order
	// keeps them.
	for _, n := range o.DecodeNotes {
		note("Unreadable value from Shopgate, %s.", n)
	}
	if o.IsPaid && !o.PaymentTime.IsZero() {
		t := o.PaymentTime.UTC()
		imp.PaidAt = &t
	}
	switch {
	case o.IsStorno:
		imp.Status = adapters.StatusCancelled
	case o.IsShippingBlocked:
		imp.Status = adapters.StatusNew
		if o.IsShippingCompleted {
			note("Shopgate reports the order as completely shipped but blocked for shipping; kept as new, check with Shopgate before shipping.")
		}
	case o.IsShippingCompleted:
		// Shopgate considers it shipped (as update_order does,
		// docs/protocol/orders.md#u3-shipping): the merchant must not ship it
		// again.
		imp.Status = adapters.StatusShipped
		when := ""
		if !o.ShippingCompletedTime.IsZero() {
			when = " on " + o.ShippingCompletedTime.UTC().Format("2006-01-02 15:04 UTC")
		}
		note("Already completely shipped at Shopgate%s; imported as shipped, do not ship again.", when)
	default:
		imp.Status = adapters.StatusProcessing
	}

	// Addresses (docs/protocol/orders.md#r3-addresses): unknown codes are
	// noted. An invalid code would not fit the host's code columns; it is left
	// out of the address and kept in the note.
	for _, a := range []struct {
		name string
		addr *adapters.OrderAddress
	}{{"invoice", &imp.InvoiceAddress}, {"delivery", &imp.DeliveryAddress}} {
		if !validCountry(a.addr.Country) {
			note("Unknown country code %q in the %s address.", a.addr.Country, a.name)
			a.addr.Country = ""
		}
		if a.addr.State != "" && !validState(a.addr.State) {
			note("Unknown state code %q in the %s address.", a.addr.State, a.name)
			a.addr.State = ""
		}
	}

	// Customer (docs/protocol/orders.md#r2-customer).
	host := s.cfg.Host
	if o.ExternalCustomerID != "" || o.ExternalCustomerNumber != "" {
		c, err := host.FindCustomer(ctx, tx, o.ExternalCustomerID, o.ExternalCustomerNumber)
		if err != nil {
			return nil, nil, err
		}
		if c != nil {
			imp.Customer = *c
		} else {
			note("Customer %s not found in the shop; a guest account was used.",
				strings.Trim(o.ExternalCustomerID+" / "+o.ExternalCustomerNumber, " /"))
		}
	}
	if imp.Customer.ID == "" {
		c, err := host.GuestCustomer(ctx, tx, adapters.GuestAccount{
			Mail: imp.Mail, Phone: o.Phone, Mobile: o.Mobile, Address: imp.InvoiceAddress,
			Gender: o.InvoiceAddress.Gender, Birthday: o.InvoiceAddress.Birthday, CreatedAt: o.CreatedTime,
		})
		if err != nil {
			return nil, nil, err
		}
		imp.Customer = c
		if c.ID == "" && imp.Mail != "" {
			note("The e-mail address %s belongs to a registered customer who did not log in; the order has no customer account.", imp.Mail)
		}
	}

	// Lines (docs/protocol/orders.md#r8-lines,
	// docs/protocol/orders.md#r9-coupons).
	var numbers []string
	for _, it := range o.Items {
		if it.ItemNumber != "" {
			numbers = append(numbers, it.ItemNumber)
		}
	}
	products, err := host.Products(ctx, tx, numbers)
	if err != nil {
		return nil, nil, err
	}
	// Amounts come from PHP floats (25.4899999 for 25.49): comparisons
	// are made in the currency's minor unit.
	places := currencyDecimals(o.Currency)
	linesTotal := decimal.Zero
	for _, it := range o.Items {
		l := adapters.OrderLine{
			Number: it.ItemNumber, Name: it.Name, Details: itemDetails(it), Quantity: it.Quantity,
			UnitPrice: it.UnitAmountWithTax, TaxRate: it.TaxPercent,
			Total: it.UnitAmountWithTax.Mul(decimal.NewFromInt(int64(it.Quantity))),
		}
		if l.Name == "" {
			l.Name = it.ItemNumber
		}
		linesTotal = linesTotal.Add(l.Total)
		p, known := products[it.ItemNumber]
		switch {
		case it.Type == shopgate.OrderItemTypeSGCoupon || it.ItemNumber == s.cfg.CouponItemNumber:
			l.Kind = adapters.LineCoupon
			imp.AmountDiscount = imp.AmountDiscount.Sub(l.Total)
			if known {
				l.ProductID = p.ID
			} else if s.cfg.CouponItemNumber != DefaultCouponItemNumber {
				note("Coupon line %s: no product with the coupon article number %s exists in the shop.", it.Name, s.cfg.CouponItemNumber)
			}
			if l.Total.IsPositive() {
				note("Coupon line %s has a positive amount %s.", it.Name, l.Total.StringFixed(2))
			}
		case it.Type == shopgate.OrderItemTypePayment:
			l.Kind = adapters.LinePayment
			imp.AmountItems = imp.AmountItems.Add(l.Total)
		default:
			l.Kind = adapters.LineProduct
			imp.AmountItems = imp.AmountItems.Add(l.Total)
			switch {
			case !known:
				note("Product %s (%s) does not exist in the shop.", it.ItemNumber, it.Name)
			default:
				l.ProductID = p.ID
				if !p.Active {
					note("Product %s (%s) is not active in the shop.", it.ItemNumber, it.Name)
				}
				if !p.Price.IsZero() && !p.Price.Round(places).Equal(it.UnitAmountWithTax.Round(places)) {
					note("Price of %s differs: Shopgate %s, shop %s.", it.ItemNumber,
						it.UnitAmountWithTax.StringFixed(places), p.Price.StringFixed(places))
				}
				if p.HasStock && p.Stock < it.Quantity {
					note("Not enough stock for %s: ordered %d, in stock %d.", it.ItemNumber, it.Quantity, p.Stock)
				}
			}
		}
		imp.Lines = append(imp.Lines, l)
	}

	// Totals (docs/protocol/orders.md#r4-totals): Shopgate's amount is stored;
	// differences are noted.
	if !o.AmountItems.IsZero() && !o.AmountItems.Round(places).Equal(linesTotal.Round(places)) {
		note("Sum of the lines %s differs from Shopgate's amount_items %s.", linesTotal.StringFixed(places), o.AmountItems.StringFixed(places))
	}
	computed := linesTotal.Add(o.AmountShipping).Add(o.AmountShopPayment)
	if !computed.Round(places).Equal(o.AmountComplete.Round(places)) {
		note("Lines + shipping + payment fee = %s, but Shopgate's total is %s; Shopgate's total was kept.",
			computed.StringFixed(places), o.AmountComplete.StringFixed(places))
	}
	min, err := host.MinimumOrderAmount(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	if min.IsPositive() && imp.AmountItems.Round(places).LessThan(min.Round(places)) {
		note("Items' total %s is below the shop's minimum order amount %s.", imp.AmountItems.StringFixed(places), min.StringFixed(places))
	}

	// Payment (docs/protocol/orders.md#r10-payment-method,
	// docs/protocol/orders.md#payment-mapping).
	method, payNotes, err := s.mapPayment(ctx, tx, o)
	if err != nil {
		return nil, nil, err
	}
	imp.PaymentMethod = method
	notes = append(notes, payNotes...)

	// Shipping (docs/protocol/orders.md#r7-shipping).
	imp.ShippingMethod = o.ShippingGroup
	if o.ShippingInfos != nil && o.ShippingInfos.DisplayName != "" {
		imp.ShippingMethod = o.ShippingInfos.DisplayName + " (" + o.ShippingGroup + ")"
	}

	imp.Comment = s.comment(o, method, notes)
	imp.CustomerComment = customFieldsText(o.CustomFields)
	imp.History = "Imported from Shopgate order " + o.OrderNumber + "."
	switch {
	case o.IsShippingBlocked:
		imp.History += " Shipping blocked by Shopgate."
	case o.IsShippingCompleted && !o.IsStorno:
		imp.History += " Already completely shipped at Shopgate."
	default:
		imp.History += " Released for shipping by Shopgate."
	}
	return imp, notes, nil
}

// paymentDetails returns the payment details of o as the bookkeeping row
// keeps them: the payment time in UTC (nil if unknown), the transaction
// number and payment_infos as JSON with sorted keys ("" if empty).
func paymentDetails(o *shopgate.Order) (*time.Time, string, string, error) {
	var t *time.Time
	if !o.PaymentTime.IsZero() {
		u := o.PaymentTime.UTC()
		t = &u
	}
	infos := ""
	if len(o.PaymentInfos) > 0 {
		b, err := json.Marshal(o.PaymentInfos)
		if err != nil {
			return nil, "", "", fmt.Errorf("order %s: encode payment_infos: %w", o.OrderNumber, err)
		}
		infos = string(b)
	}
	return t, o.PaymentTransactionNumber, infos, nil
}

// mapPayment chooses the host payment method
// (docs/protocol/orders.md#payment-mapping).
func (s *Service) mapPayment(ctx context.Context, tx *gorm.DB, o *shopgate.Order) (string, []string, error) {
	if strings.EqualFold(o.PaymentMethod, "SHOPGATE") {
		return s.cfg.ShopgatePaymentMethod, nil, nil
	}
	// payment_method mapping, then payment_group mapping, then Mobile
	// Payment; a mapped method the shop lacks falls through to the next.
	var missing []string
	booked := func(method string) (string, []string, error) {
		var notes []string
		for _, code := range missing {
			notes = append(notes, fmt.Sprintf("Payment method %s is not available in the shop; booked as %s.", code, method))
		}
		return method, notes, nil
	}
	for _, code := range []string{s.cfg.PaymentMethods[o.PaymentMethod], s.cfg.PaymentGroups[o.PaymentGroup]} {
		if code == "" || slices.Contains(missing, code) {
			continue
		}
		ok, err := s.cfg.Host.PaymentMethodExists(ctx, tx, code)
		if err != nil {
			return "", nil, fmt.Errorf("payment method %s: %w", code, err)
		}
		if ok {
			return booked(code)
		}
		missing = append(missing, code)
	}
	return booked(s.cfg.MobilePaymentMethod)
}

// comment builds the merchant-visible order note: the flags that decide
// what the merchant may do, the payment details, custom fields and
// discrepancies.
func (s *Service) comment(o *shopgate.Order, method string, notes []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Shopgate order %s", o.OrderNumber)
	if o.IsTest {
		b.WriteString(" — TEST ORDER")
	}
	b.WriteString("\n")
	if o.IsShippingBlocked {
		b.WriteString("SHIPPING BLOCKED by Shopgate: do not ship until Shopgate releases the order.\n")
	} else {
		b.WriteString("Released for shipping by Shopgate.\n")
	}
	if o.IsCustomerInvoiceBlocked {
		b.WriteString("INVOICE BLOCKED: never send an invoice to the customer; the payment provider invoices.\n")
	}
	if o.IsStorno {
		b.WriteString("Cancelled at Shopgate.\n")
	}
	name, _ := o.PaymentInfos["shopgate_payment_name"].(string)
	paid := "not paid"
	if o.IsPaid {
		paid = "paid"
		if o.PaymentTransactionNumber != "" {
			paid += ", transaction " + o.PaymentTransactionNumber
		}
	}
	fmt.Fprintf(&b, "Payment: %s (%s/%s → %s), %s\n", firstNonEmpty(name, o.PaymentMethod), o.PaymentMethod, o.PaymentGroup, method, paid)
	if method != s.cfg.ShopgatePaymentMethod {
		for _, line := range flatten("", o.PaymentInfos) {
			if !strings.HasPrefix(line, "shopgate_payment_name:") {
				b.WriteString("  " + line + "\n")
			}
		}
	}
	if !o.AmountShopPayment.IsZero() {
		fmt.Fprintf(&b, "Payment costs: %s %s incl. %s%% tax\n", o.AmountShopPayment.StringFixed(2), o.Currency, o.PaymentTaxPercent.String())
	}
	if o.ShippingGroup != "" || !o.AmountShipping.IsZero() {
		name := o.ShippingGroup
		if o.ShippingInfos != nil && o.ShippingInfos.DisplayName != "" {
			name = o.ShippingInfos.DisplayName + " (" + o.ShippingGroup + ")"
		}
		fmt.Fprintf(&b, "Shipping: %s, %s %s incl. %s%% tax\n", name, o.AmountShipping.StringFixed(2), o.Currency, o.ShippingTaxPercent.String())
	}
	if cf := customFieldsText(o.CustomFields); cf != "" {
		b.WriteString(cf + "\n")
	}
	if len(notes) > 0 {
		b.WriteString("Discrepancies:\n")
		for _, n := range notes {
			b.WriteString("- " + n + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// flatten renders a nested payment_infos object as sorted "key: value"
// lines, nested keys joined with dots.
func flatten(prefix string, v any) []string {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out = append(out, flatten(p, t[k])...)
		}
		return out
	case []any:
		var out []string
		for i, e := range t {
			out = append(out, flatten(fmt.Sprintf("%s[%d]", prefix, i), e)...)
		}
		return out
	case nil:
		return []string{prefix + ":"}
	default:
		return []string{fmt.Sprintf("%s: %v", prefix, t)}
	}
}

func customFieldsText(fields []shopgate.CustomField) string {
	var lines []string
	for _, f := range fields {
		label := firstNonEmpty(f.Label, f.InternalFieldName)
		if f.Value == nil || fmt.Sprint(f.Value) == "" {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s: %v", label, f.Value))
	}
	return strings.Join(lines, "\n")
}

// itemDetails renders options, inputs and attributes of a line readably.
func itemDetails(it shopgate.OrderItem) string {
	var parts []string
	for _, o := range it.Options {
		p := firstNonEmpty(o.Name, o.OptionNumber) + ": " + firstNonEmpty(o.Value, o.ValueNumber)
		if !o.AdditionalAmountWithTax.IsZero() {
			p += " (+" + o.AdditionalAmountWithTax.StringFixed(2) + ")"
		}
		parts = append(parts, p)
	}
	for _, in := range it.Inputs {
		p := firstNonEmpty(in.Label, in.InputNumber) + ": " + in.UserInput
		if !in.AdditionalAmountWithTax.IsZero() {
			p += " (+" + in.AdditionalAmountWithTax.StringFixed(2) + ")"
		}
		parts = append(parts, p)
	}
	for _, a := range it.Attributes {
		parts = append(parts, a.Name+": "+a.Value)
	}
	return strings.Join(parts, "; ")
}

func toAddress(a shopgate.Address) adapters.OrderAddress {
	return adapters.OrderAddress{
		Gender: a.Gender, Company: a.Company, FirstName: a.FirstName, LastName: a.LastName,
		Street1: a.Street1, Street2: a.Street2, Zipcode: a.Zipcode, City: a.City,
		Country: a.Country, State: a.State, Phone: firstNonEmpty(a.Phone, a.Mobile), Mobile: a.Mobile, Mail: a.Mail,
	}
}

func validCountry(c string) bool {
	if len(c) != 2 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// validState accepts ISO 3166-2 codes such as US-CA or DE-BE.
func validState(s string) bool {
	cc, sub, ok := strings.Cut(s, "-")
	if !ok || !validCountry(cc) || len(sub) < 1 || len(sub) > 3 {
		return false
	}
	for _, r := range sub {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// currencyDecimals is the number of decimal places (ISO 4217 minor unit)
// of a currency code: 0 or 3 for the currencies listed, 2 otherwise.
func currencyDecimals(code string) int32 {
	switch strings.ToUpper(strings.TrimSpace(code)) {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
		"RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}
