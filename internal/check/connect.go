package check

import (
	"context"
	"fmt"
	"strings"

	"github.com/shopbridge/shopbridge/shopgate"
)

// checkConnect is question 4: get_customer with the test login answers
// the customer with groups and addresses (the default one first), and
// register_customer is enabled or its absence is stated.
func (r *runner) checkConnect(ctx context.Context) Result {
	if !r.authOK {
		return r.noAuth(4)
	}
	// register_customer with a scalar user_data: an enabled action with a
	// customer adapter answers 35 (no user data) without registering
	// anybody; a disabled one answers 22.
	reg := r.call(ctx, p("action", "register_customer", "user", "shopbridge-check@example.invalid",
		"pass", "not-a-real-password", "user_data", "1"), r.valid())
	regEnabled := reg.err == nil && reg.code >= 0 && reg.code != shopgate.CodeDisabledAction
	regNote := "register_customer enabled"
	if !regEnabled {
		regNote = "register_customer is not available: customers can only log in with existing accounts"
	}
	ev := []Evidence{reg.evidence(reg.err == nil && reg.code >= 0, regNote)}

	if r.cfg.Login == "" {
		res := result(4, ev, "")
		res.Verdict = NotChecked
		res.Reason = "needs -login user:pass of a Shopgate Connect test account; " + regNote
		return res
	}
	user, pass, _ := strings.Cut(r.cfg.Login, ":")
	a := r.call(ctx, p("action", "get_customer", "user", user, "pass", pass), r.valid())
	a.sent = strings.Replace(a.sent, "pass="+pass, "pass=********", 1)
	var problems, facts []string
	if a.err != nil || a.code != 0 {
		problems = append(problems, "expected error 0 with the customer")
	} else {
		ud, _ := a.json["user_data"].(map[string]any)
		if ud == nil {
			problems = append(problems, "no user_data")
		} else {
			groups, _ := ud["customer_groups"].([]any)
			if len(groups) == 0 {
				problems = append(problems, "user_data without customer_groups")
			} else {
				facts = append(facts, plural(len(groups), "customer group"))
			}
			for _, k := range []string{"customer_id", "mail"} {
				if v, ok := ud[k]; !ok || fmt.Sprint(v) == "" {
					problems = append(problems, "user_data without "+k)
				}
			}
		}
		addrs, _ := a.json["addresses"].([]any)
		facts = append(facts, plural(len(addrs), "address"))
		if len(addrs) > 0 {
			first, _ := addrs[0].(map[string]any)
			if first == nil || (fmt.Sprint(first["is_invoice_address"]) != "1" && fmt.Sprint(first["is_delivery_address"]) != "1") {
				problems = append(problems, "the first address is not a default (invoice or delivery) address")
			}
		}
	}
	ev = append(ev, a.evidence(len(problems) == 0, append(facts, problems...)...))
	return result(4, ev, "get_customer must log the test account in and answer user_data with customer_groups and the addresses, the default address first (adapters.Customers.GetCustomer); check -login and enable_get_customer.", regNote)
}
