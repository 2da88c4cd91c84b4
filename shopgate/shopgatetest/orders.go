package shopgatetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopbridge/shopbridge/shopgate"
)

// orderState is one order held by the server.
type orderState struct {
	raw               map[string]any // wire object as added
	number            string
	created           time.Time
	shippingBlocked   bool
	onHold            bool
	completed         bool
	completedTime     time.Time
	cancelled         bool
	shippingCancelled bool
	items             map[string]int // item_number → quantity not cancelled
	deliveryNotes     []shopgate.DeliveryNote
	cancellations     []Cancellation
}

// Cancellation is one successful cancel_order call.
type Cancellation struct {
	// Number is the cancellation_number answered.
	Number string
	// Complete is set for cancel_complete_order=1.
	Complete bool
	// Items are the cancelled quantities per item number.
	Items map[string]int
	// Shipping is set when the shipping costs were cancelled.
	Shipping bool
	// Note is the cancellation_note.
	Note string
}

// OrderState is the server-side state of an order, for assertions.
type OrderState struct {
	// OrderNumber is the Shopgate order number.
	OrderNumber string
	// ShippingBlocked and OnHold make set_order_shipping_completed fail (202).
	ShippingBlocked, OnHold bool
	// ShippingCompleted is set by set_order_shipping_completed or a
	// delivery note with mark_as_completed=1.
	ShippingCompleted bool
	// Cancelled means the order is completely cancelled.
	Cancelled bool
	// ShippingCancelled means its shipping costs are cancelled.
	ShippingCancelled bool
	// RemainingItems are the quantities not cancelled, per item number.
	RemainingItems map[string]int
	// DeliveryNotes are the delivery notes added.
	DeliveryNotes []shopgate.DeliveryNote
	// Cancellations are the successful cancellations, oldest first.
	Cancellations []Cancellation
}

// AddOrder stores an order; get_orders returns it in the wire style of
// the real API (flags 0/1, amounts as strings). An order without
// CreatedTime is stamped with the server clock. An order with the same
// number is replaced.
func (s *Server) AddOrder(o shopgate.Order) {
	b, err := json.Marshal(o)
	if err != nil {
		panic("shopgatetest: encode order: " + err.Error())
	}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		panic("shopgatetest: decode order: " + err.Error())
	}
	if err := s.AddRawOrder(toWire(m).(map[string]any)); err != nil {
		panic("shopgatetest: " + err.Error())
	}
}

// AddRawOrder stores an order given as its decoded JSON object, returned
// verbatim by get_orders (apart from the state fields the server keeps:
// is_shipping_completed, shipping_completed_time, is_storno,
// delivery_notes). Use it to test decoding of unusual wire data. The
// object must have an order_number and decode as a shopgate.Order.
func (s *Server) AddRawOrder(m map[string]any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode order: %w", err)
	}
	var o shopgate.Order
	if err := json.Unmarshal(b, &o); err != nil {
		return fmt.Errorf("decode order: %w", err)
	}
	if o.OrderNumber == "" {
		return errors.New("order without order_number")
	}
	raw := make(map[string]any, len(m))
	for k, v := range m {
		raw[k] = v
	}
	st := &orderState{
		raw:             raw,
		number:          o.OrderNumber,
		created:         o.CreatedTime,
		shippingBlocked: o.IsShippingBlocked,
		completed:       o.IsShippingCompleted,
		completedTime:   o.ShippingCompletedTime,
		cancelled:       o.IsStorno,
		items:           map[string]int{},
		deliveryNotes:   o.DeliveryNotes,
	}
	for _, it := range o.Items {
		st.items[it.ItemNumber] += it.Quantity
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.created.IsZero() {
		st.created = s.now().UTC().Truncate(time.Second)
		raw["created_time"] = st.created.Format(time.RFC3339)
	}
	s.orders[st.number] = st
	return nil
}

// Order returns the state of an order.
func (s *Server) Order(number string) (OrderState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orders[number]
	if !ok {
		return OrderState{}, false
	}
	items := make(map[string]int, len(st.items))
	for k, v := range st.items {
		items[k] = v
	}
	return OrderState{
		OrderNumber:       st.number,
		ShippingBlocked:   st.shippingBlocked,
		OnHold:            st.onHold,
		ShippingCompleted: st.completed,
		Cancelled:         st.cancelled,
		ShippingCancelled: st.shippingCancelled,
		RemainingItems:    items,
		DeliveryNotes:     append([]shopgate.DeliveryNote(nil), st.deliveryNotes...),
		Cancellations:     append([]Cancellation(nil), st.cancellations...),
	}, true
}

// SetOrderOnHold puts an order on hold (or releases it); while on hold,
// set_order_shipping_completed answers 202. It reports whether the order
// exists.
func (s *Server) SetOrderOnHold(number string, onHold bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orders[number]
	if ok {
		st.onHold = onHold
	}
	return ok
}

// SetOrderShippingBlocked sets the order's is_shipping_blocked flag. It
// reports whether the order exists.
func (s *Server) SetOrderShippingBlocked(number string, blocked bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orders[number]
	if ok {
		st.shippingBlocked = blocked
	}
	return ok
}

// toWire converts a JSON value produced by encoding/json into the PHP wire
// style: booleans become 0/1 and Go zero times null.
func toWire(v any) any {
	switch x := v.(type) {
	case bool:
		if x {
			return json.Number("1")
		}
		return json.Number("0")
	case string:
		if x == "0001-01-01T00:00:00Z" {
			return nil
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = toWire(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = toWire(e)
		}
		return x
	}
	return v
}

func wireFlag(b bool) json.Number {
	if b {
		return "1"
	}
	return "0"
}

func wireTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(time.RFC3339)
}

// wire returns the order object get_orders answers with.
func (st *orderState) wire(withItems bool) map[string]any {
	out := make(map[string]any, len(st.raw)+4)
	for k, v := range st.raw {
		out[k] = v
	}
	out["is_shipping_blocked"] = wireFlag(st.shippingBlocked)
	out["is_shipping_completed"] = wireFlag(st.completed)
	out["shipping_completed_time"] = wireTime(st.completedTime)
	out["is_storno"] = wireFlag(st.cancelled)
	notes := make([]any, 0, len(st.deliveryNotes))
	for _, n := range st.deliveryNotes {
		notes = append(notes, map[string]any{
			"shipping_service_id":   n.ShippingServiceID,
			"shipping_service_name": n.ShippingServiceName,
			"tracking_number":       n.TrackingNumber,
			"shipping_time":         wireTime(n.ShippingTime),
		})
	}
	out["delivery_notes"] = notes
	if !withItems {
		out["items"] = []any{}
	}
	return out
}

func (s *Server) getOrders(p map[string]any, _ time.Time) answer {
	var from, to time.Time
	var err error
	if v := str(p, "date_from"); v != "" {
		if from, err = parseTime(v); err != nil {
			return fail(shopgate.SMACodeWrongParameterType, "parameters of wrong type: date_from")
		}
	}
	if v := str(p, "date_to"); v != "" {
		if to, err = parseTime(v); err != nil {
			return fail(shopgate.SMACodeWrongParameterType, "parameters of wrong type: date_to")
		}
	}
	var wanted map[string]bool
	if v, present := p["order_numbers"]; present {
		wanted = map[string]bool{}
		for _, n := range list(v) {
			if sn, ok := n.(string); ok {
				wanted[sn] = true
			}
		}
	}
	var matches []*orderState
	candidates := s.orders
	if wanted != nil {
		// Look the numbers up instead of scanning every order.
		candidates = make(map[string]*orderState, len(wanted))
		for n := range wanted {
			if st, found := s.orders[n]; found {
				candidates[n] = st
			}
		}
	}
	for _, st := range candidates {
		if !from.IsZero() && st.created.Before(from) {
			continue
		}
		if !to.IsZero() && st.created.After(to) {
			continue
		}
		matches = append(matches, st)
	}
	sort.Slice(matches, func(i, j int) bool {
		if !matches[i].created.Equal(matches[j].created) {
			return matches[i].created.Before(matches[j].created)
		}
		return matches[i].number < matches[j].number
	})
	limit := min(max(intParam(p, "limit", 50), 1), 100)
	offset := max(intParam(p, "offset", 0), 0)
	page := []any{}
	for i := offset; i < len(matches) && i < offset+limit; i++ {
		page = append(page, matches[i].wire(flag(p, "with_items")))
	}
	return ok(map[string]any{
		"orders":           page,
		"limit":            limit,
		"offset":           offset,
		"has_more_results": offset+limit < len(matches),
	})
}

func (s *Server) addDeliveryNote(p map[string]any, now time.Time) answer {
	st, found := s.orders[str(p, "order_number")]
	if !found {
		return fail(shopgate.SMACodeOrderNotFound, "order not found")
	}
	carrier := str(p, "shipping_service_id")
	known := false
	for _, c := range shopgate.Carriers {
		known = known || c == carrier
	}
	if !known {
		return fail(shopgate.SMACodeInvalidShippingServiceID, "shipping_service_id %q does not exist", carrier)
	}
	if st.completed {
		return fail(shopgate.SMACodeOrderShippingCompleted, "order shipping status already completed")
	}
	st.deliveryNotes = append(st.deliveryNotes, shopgate.DeliveryNote{
		ShippingServiceID: carrier,
		TrackingNumber:    str(p, "tracking_number"),
		ShippingTime:      now.UTC().Truncate(time.Second),
	})
	if flag(p, "mark_as_completed") {
		st.completed, st.completedTime = true, now.UTC().Truncate(time.Second)
	}
	return ok(nil)
}

func (s *Server) setShippingCompleted(p map[string]any, now time.Time) answer {
	number := str(p, "order_number")
	st, found := s.orders[number]
	switch {
	case !found:
		return fail(shopgate.SMACodeOrderNotFound, "order not found")
	case st.onHold || st.shippingBlocked:
		return fail(shopgate.SMACodeOrderOnHold, "order on hold")
	case st.completed:
		return fail(shopgate.SMACodeOrderShippingCompleted, "order shipping status already completed")
	}
	st.completed, st.completedTime = true, now.UTC().Truncate(time.Second)
	return ok(map[string]any{"order_number": number})
}

func (s *Server) cancelOrder(p map[string]any, _ time.Time) answer {
	st, found := s.orders[str(p, "order_number")]
	if !found {
		return fail(shopgate.SMACodeOrderNotFound, "order not found")
	}
	if st.cancelled {
		return fail(shopgate.SMACodeOrderAlreadyCancelled, "order already cancelled")
	}
	c := Cancellation{Note: str(p, "cancellation_note"), Items: map[string]int{}}
	if flag(p, "cancel_complete_order") {
		c.Complete, c.Shipping = true, !st.shippingCancelled
		for k, v := range st.items {
			if v > 0 {
				c.Items[k] = v
			}
			st.items[k] = 0
		}
		st.cancelled, st.shippingCancelled = true, true
		return s.recordCancellation(st, c)
	}
	reqItems := list(p["cancellation_items"])
	cancelShipping := flag(p, "cancel_shipping")
	if len(reqItems) == 0 && !cancelShipping {
		return fail(shopgate.SMACodeCancelInvalidArguments, "invalid cancellation arguments")
	}
	// Validate everything first so a failing request changes nothing.
	want := map[string]int{}
	for i, e := range reqItems {
		m, _ := e.(map[string]any)
		number := str(m, "item_number")
		qs, present := m["quantity"]
		if number == "" || !present {
			return fail(shopgate.SMACodeMissingParameters, "missing parameters: cancellation_items[%d]", i)
		}
		if !isInt(qs) {
			return fail(shopgate.SMACodeWrongParameterType, "parameters of wrong type: cancellation_items[%d][quantity]", i)
		}
		remaining, exists := st.items[number]
		if !exists {
			return fail(shopgate.SMACodeCancelInvalidItem, "tried to cancel an invalid item: %s", number)
		}
		q, _ := strconv.Atoi(qs.(string))
		want[number] += q
		if q < 1 || want[number] > remaining {
			return fail(shopgate.SMACodeCancelInvalidQuantity, "tried to cancel an invalid quantity of item %s", number)
		}
	}
	if cancelShipping && st.shippingCancelled {
		return fail(shopgate.SMACodeShippingAlreadyCancelled, "shipping costs already cancelled")
	}
	for k, q := range want {
		st.items[k] -= q
		c.Items[k] = q
	}
	if cancelShipping {
		st.shippingCancelled, c.Shipping = true, true
	}
	allGone := true
	for _, v := range st.items {
		allGone = allGone && v == 0
	}
	if allGone && st.shippingCancelled {
		st.cancelled = true
	}
	return s.recordCancellation(st, c)
}

func (s *Server) recordCancellation(st *orderState, c Cancellation) answer {
	s.cancelSeq++
	c.Number = strconv.FormatInt(s.cancelSeq, 10)
	st.cancellations = append(st.cancellations, c)
	return ok(map[string]any{"cancellation_number": c.Number})
}
