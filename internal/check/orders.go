package check

import (
	"context"
	"fmt"

	"github.com/shopbridge/shopbridge/shopgate"
)

// enabled is Evidence that an action is switched on: a probe without
// its required parameters must answer some error other than 22.
func (r *runner) enabledProbe(ctx context.Context, action string, params ...string) (Evidence, bool) {
	a := r.call(ctx, append(p("action", action), p(params...)...), r.valid())
	on := a.err == nil && a.code > 0 && a.code != shopgate.CodeDisabledAction && a.code != shopgate.CodeUnknownAction
	note := action + " is enabled"
	if !on {
		note = action + " is not enabled (expected an error about the missing parameters, not 22)"
	}
	return a.evidence(on, note), on
}

// checkOrders answers questions 6–8 (docs/protocol/orders.md).
func (r *runner) checkOrders(ctx context.Context) []Result {
	if !r.authOK {
		return []Result{r.noAuth(6), r.noAuth(7), r.noAuth(8)}
	}
	const enableFix = "Enable add_order and update_order and give the Plugin API the orders service (pluginapi.Config.Orders, e.g. orders.New with adapters/gormorders)."
	addEv, addOn := r.enabledProbe(ctx, "add_order")
	updEv, _ := r.enabledProbe(ctx, "update_order")

	// cron with an unknown job: an enabled cron validates the names
	// before running anything and answers 91.
	cron := r.call(ctx, p("action", "cron", "jobs[0][job_name]", "shopbridge_check_unknown_job"), r.valid())
	cronEv := cron.expectCode(shopgate.CodeCronUnsupportedJob, "cron validates job names (set_shipping_completed, cancel_orders, clean_orders)")

	var six, seven Result
	if r.cfg.Order == "" {
		six = result(6, []Evidence{addEv}, enableFix)
		if six.Verdict == Yes {
			six.Verdict = NotChecked
			six.Reason = "add_order is enabled; give -order NUMBER (a test order on a fake or the playground) to import one"
		}
		seven = notChecked(7, "needs -order NUMBER (a test order on a fake or the playground)")
	} else {
		imp := r.call(ctx, p("action", "add_order", "order_number", r.cfg.Order), r.valid())
		var ext string
		if imp.json != nil {
			ext = fmt.Sprint(imp.json["external_order_id"])
		}
		impEv := imp.expectCode(0, "external_order_id "+ext)
		if imp.code == shopgate.CodeDuplicateOrder {
			// Imported by an earlier run: still proof that it imports.
			impEv = imp.evidence(true, "already imported by an earlier run")
		}
		six = result(6, []Evidence{addEv, impEv}, enableFix+" The order must exist on the Merchant API server the shop is configured for.")

		again := r.call(ctx, p("action", "add_order", "order_number", r.cfg.Order), r.valid())
		againEv := again.expectCode(shopgate.CodeDuplicateOrder, "the same order again must not be imported twice")
		// An order Shopgate does not know must fail and leave nothing
		// behind: a second attempt must fail the same way, not with 60.
		bogus := r.cfg.Order + "9"
		b1 := r.call(ctx, p("action", "add_order", "order_number", bogus), r.valid())
		b2 := r.call(ctx, p("action", "add_order", "order_number", bogus), r.valid())
		b1Ev := b1.evidence(b1.err == nil && b1.code > 0 && b1.code != shopgate.CodeDuplicateOrder, "an unknown order must be refused")
		b2Ev := b2.evidence(b2.err == nil && b2.code > 0 && b2.code != shopgate.CodeDuplicateOrder, "and nothing of it may have been saved (no 60)")
		seven = result(7, []Evidence{againEv, b1Ev, b2Ev}, "Import each order in one transaction with a unique constraint on the Shopgate order number (orders.Service does): a repeat answers 60, a failed import leaves nothing behind.")

		upd := r.call(ctx, p("action", "update_order", "order_number", r.cfg.Order, "payment", "1"), r.valid())
		updEv = upd.expectCode(0, "update_order of the test order")
	}
	eight := result(8, []Evidence{updEv, cronEv}, "Enable update_order and cron and give the Plugin API the orders service (pluginapi.Config.Orders and Cron); the cron job set_shipping_completed reports shipped orders to Shopgate.")
	_ = addOn
	return []Result{six, seven, eight}
}
