package check

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
)

// logTypes are the four plugin logs (docs/protocol/plugin-api.md#logging).
var logTypes = []string{"access", "request", "error", "debug"}

// checkLogs answers questions 11 and 13: get_customer is sent with a
// unique marker as password (with debug_log and keep_debug_log, so the
// debug log sees it too without being truncated); then all four logs are fetched. Each must be retrievable
// (13), the access log must show the request and no log may contain the
// marker (11).
func (r *runner) checkLogs(ctx context.Context) []Result {
	if !r.authOK {
		return []Result{r.noAuth(11), r.noAuth(13)}
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	marker := "sbcheck" + hex.EncodeToString(rnd[:])
	trace := "check-logs-" + hex.EncodeToString(rnd[:4])
	probe := r.call(ctx, p("action", "get_customer", "user", "shopbridge-check@example.invalid", "pass", marker,
		"trace_id", trace, "debug_log", "1", "keep_debug_log", "1"), r.valid())
	probeEv := probe.evidence(probe.err == nil && probe.status == http.StatusOK,
		"get_customer with a unique password "+marker+" (login must fail)")

	ev11 := []Evidence{probeEv}
	var ev13 []Evidence
	found := map[string]bool{}
	for _, t := range logTypes {
		a := r.call(ctx, p("action", "get_log_file", "log_type", t, "lines", "500"), r.valid())
		text := string(a.body)
		ok := a.err == nil && a.status == http.StatusOK && a.code < 0 && strings.HasPrefix(a.ctype, "text/plain")
		lines := strings.Count(text, "\n")
		ev13 = append(ev13, a.evidence(ok, plural(lines, "line")))
		if !ok {
			continue
		}
		if strings.Contains(text, marker) {
			found[t] = true
			ev11 = append(ev11, Evidence{Sent: a.sent, Received: "the " + t + " log contains the password " + marker, Millis: ms(a.elapsed)})
		}
		if t == "access" {
			has := strings.Contains(text, trace) || strings.Contains(text, "get_customer")
			note := "the access log records the request"
			if !has {
				note = "the access log does not show the get_customer request (trace_id " + trace + ")"
			}
			ev11 = append(ev11, Evidence{Sent: a.sent, Received: note, Millis: ms(a.elapsed), OK: has})
		}
	}
	if len(found) == 0 {
		ev11 = append(ev11, Evidence{Sent: "search the four logs for " + marker, Received: "not found in any log", OK: true})
	}
	res11 := result(11, ev11, "Log every incoming request in the access log and never write passwords, API keys or tokens: write through shopgate/logs with the obfuscation of internal/obfuscate, and do not log raw request bodies elsewhere.")
	if len(found) > 0 {
		res11.Reason = "passwords appear in the logs"
	}
	res13 := result(13, ev13, "get_log_file must answer each of access, request, error and debug as text/plain (enable_get_log_file, logs opened with shopgate/logs).")
	return []Result{res11, res13}
}
