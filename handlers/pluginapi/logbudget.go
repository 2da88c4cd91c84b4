package pluginapi

import (
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Caps of logged request fields
// (docs/protocol/plugin-api.md#bounded-logging-of-unauthenticated-requests).
// Real values are far shorter (a trace_id is "spa-" plus 13 hex digits);
// anything longer is cut and marked, so that one request cannot write
// megabytes into a log.
const (
	maxLogTraceID   = 128
	maxLogAction    = 64
	maxLogIP        = 64
	maxLogUserAgent = 256
	// maxLogText caps the entry text and each element of an error chain.
	maxLogText = 256
	// maxPreAuthParams caps the logged parameters of a request that did
	// not authenticate; authenticated requests keep maxAccessEntry.
	maxPreAuthParams = 512
)

// capLog returns s cut to at most n bytes (on a UTF-8 boundary) with a
// marker saying how much was left out.
func capLog(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(+" + strconv.Itoa(len(s)-cut) + " bytes)"
}

// Defaults of the pre-authentication log budget.
const (
	defaultPreAuthLogRate  = 1 << 10  // bytes per second
	defaultPreAuthLogBurst = 64 << 10 // bytes
)

// logBudget is a token bucket of log bytes for requests that did not
// authenticate. Entries over the budget are dropped and counted; the next
// admitted entry is preceded by one summary line.
type logBudget struct {
	mu      sync.Mutex
	rate    float64 // bytes per second
	burst   float64
	tokens  float64
	last    time.Time
	dropped int64
}

// newLogBudget returns nil (no budget) when rate or burst is negative.
func newLogBudget(rate, burst int) *logBudget {
	if rate < 0 || burst < 0 {
		return nil
	}
	return &logBudget{rate: float64(rate), burst: float64(burst), tokens: float64(burst)}
}

// take charges n bytes at time now. It reports whether the entry may be
// written and how many entries were dropped since the last admitted one
// (the caller writes the summary line).
func (b *logBudget) take(now time.Time, n int) (ok bool, dropped int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
	if b.tokens < float64(n) {
		b.dropped++
		return false, 0
	}
	b.tokens -= float64(n)
	dropped, b.dropped = b.dropped, 0
	return true, dropped
}
