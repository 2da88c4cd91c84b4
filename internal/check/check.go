// Package check answers Shopgate's 15-question connection checklist
// against a running shop: it talks to the shop's Plugin API (and, when
// given, its storefront and a Merchant API server) the way Shopgate does
// and records, per question, a verdict, the evidence (what was sent, what
// came back, how long it took) and a fix hint for every "no".
//
// The checklist and the rules each check applies are described in
// docs/check.md. "shopbridge check" prints the Report as a table or as
// JSON; a control panel can call Run and show the same table.
package check

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Config is what Run needs to know about the shop under test. URL,
// CustomerNumber and APIKey are required; everything else is optional and
// switches further checks on.
type Config struct {
	// URL is the shop's Plugin API endpoint (e.g.
	// https://shop.example.com/shopgate/api).
	URL string
	// CustomerNumber, ShopNumber and APIKey are the merchant's Shopgate
	// credentials, as configured in the shop.
	CustomerNumber string
	ShopNumber     string
	APIKey         string

	// Storefront is the shop's public base URL. With it the mobile
	// redirect (9) is checked and a sample of export deeplinks is fetched.
	Storefront string
	// Login is "user:pass" of a Shopgate Connect test account (4).
	Login string
	// MerchantAPI selects the Merchant API server for question 15: "live",
	// "pg", "sl" or a URL (a fake or a development system).
	MerchantAPI string
	// Order is the number of a test order that exists on the Merchant API
	// server of the shop (a fake or the playground). With it add_order and
	// update_order are exercised (6–8). Never use it against live.
	Order string

	// Client sends the requests. Default: a client with a 60 s timeout that
	// does not follow redirects.
	Client *http.Client
	// Now is the clock used for signing. Default time.Now.
	Now func() time.Time
	// MaxRecords bounds the records read from each full export. Default
	// 100000; a larger catalogue is checked on its first MaxRecords.
	MaxRecords int
	// Sample is how many deeplinks are fetched from the storefront per
	// export. Default 3.
	Sample int
}

// Verdict is the answer to one checklist question.
type Verdict string

// The verdicts.
const (
	Yes        Verdict = "yes"
	No         Verdict = "no"
	NotChecked Verdict = "not checked"
)

// Evidence is one observation behind a verdict: usually one request and
// its answer.
type Evidence struct {
	// Sent describes the request (method, URL, action and parameters;
	// never the API key).
	Sent string `json:"sent"`
	// Received summarises the answer (status, error code, counts).
	Received string `json:"received"`
	// Millis is how long the exchange took, in milliseconds.
	Millis int64 `json:"ms"`
	// OK tells whether this observation is what Shopgate expects.
	OK bool `json:"ok"`
}

// Result is the answer to one question.
type Result struct {
	// Number is the question's number on Shopgate's checklist (1–15).
	Number int `json:"number"`
	// Question is the checklist question, shortened.
	Question string `json:"question"`
	// Verdict is yes, no or "not checked".
	Verdict Verdict `json:"verdict"`
	// Reason says why a question was not checked, or summarises the
	// outcome.
	Reason string `json:"reason,omitempty"`
	// Evidence lists what was sent and received.
	Evidence []Evidence `json:"evidence"`
	// Fix is a hint for every "no".
	Fix string `json:"fix,omitempty"`
}

// Report is the outcome of Run.
type Report struct {
	// Schema names the JSON layout: "shopbridge.check/v1".
	Schema string `json:"schema"`
	// URL is the Plugin API endpoint checked.
	URL string `json:"url"`
	// Started is when the check began (UTC).
	Started time.Time `json:"started"`
	// Millis is the duration of the whole check.
	Millis int64 `json:"ms"`
	// OK is true when every checked question is yes.
	OK bool `json:"ok"`
	// Results holds one result per question, ordered by number.
	Results []Result `json:"results"`
}

// SchemaVersion is the value of Report.Schema.
const SchemaVersion = "shopbridge.check/v1"

// Questions are Shopgate's checklist questions, shortened, by number.
var Questions = [16]string{
	1:  "Categories are exported",
	2:  "Products are exported",
	3:  "Product reviews are exported",
	4:  "Users can register and log in via Shopgate Connect",
	5:  "As much data as possible is returned (comprehensive data)",
	6:  "Orders are imported into the shop",
	7:  "Orders are imported in full and only saved when complete",
	8:  "Order status changes are transferred to Shopgate",
	9:  "Mobile visitors are redirected to the Mobile Website",
	10: "Authentication of the Plugin API is implemented",
	11: "Incoming and outgoing queries and errors are logged, without secrets",
	12: "Detailed errors are reported and the shop does not abort",
	13: "Log files are available via the Plugin API",
	14: "System information is available via the Plugin API",
	15: "The Merchant API (test, live or development server) answers",
}

// Run answers every question against the shop cfg describes. It never
// fails: problems become "no" or "not checked" results.
func Run(ctx context.Context, cfg Config) Report {
	start := time.Now()
	cfg = cfg.withDefaults()
	r := &runner{cfg: cfg}
	rep := Report{Schema: SchemaVersion, URL: cfg.URL, Started: start.UTC().Truncate(time.Millisecond)}
	results := map[int]Result{}
	put := func(rs ...Result) {
		for _, x := range rs {
			results[x.Number] = x
		}
	}
	if msg := cfg.missing(); msg != "" {
		for n := 1; n <= 15; n++ {
			put(Result{Number: n, Verdict: NotChecked, Reason: msg})
		}
	} else {
		// The order matters: later checks read what the exports found.
		put(r.checkAuth(ctx))
		put(r.checkExports(ctx)...)
		put(r.checkConnect(ctx))
		put(r.checkOrders(ctx)...)
		put(r.checkRedirect(ctx))
		put(r.checkLogs(ctx)...)
		put(r.checkErrors(ctx))
		put(r.checkPing(ctx))
		put(r.checkMerchantAPI(ctx))
	}
	rep.OK = true
	for n := 1; n <= 15; n++ {
		res := results[n]
		res.Number = n
		res.Question = Questions[n]
		if res.Verdict == "" {
			res.Verdict = NotChecked
		}
		if res.Evidence == nil {
			res.Evidence = []Evidence{}
		}
		if res.Verdict == No {
			rep.OK = false
		}
		rep.Results = append(rep.Results, res)
	}
	rep.Millis = time.Since(start).Milliseconds()
	return rep
}

// withDefaults fills in the optional fields.
func (c Config) withDefaults() Config {
	if c.Client == nil {
		c.Client = &http.Client{
			Timeout:       60 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxRecords <= 0 {
		c.MaxRecords = 100000
	}
	if c.Sample <= 0 {
		c.Sample = 3
	}
	c.URL = strings.TrimSpace(c.URL)
	c.Storefront = strings.TrimRight(strings.TrimSpace(c.Storefront), "/")
	return c
}

// missing names the required settings that are empty.
func (c Config) missing() string {
	var m []string
	if c.URL == "" {
		m = append(m, "-url")
	}
	if c.CustomerNumber == "" {
		m = append(m, "-customer")
	}
	if c.APIKey == "" {
		m = append(m, "-apikey")
	}
	if len(m) == 0 {
		return ""
	}
	return "missing " + strings.Join(m, ", ")
}

// runner carries the configuration and what earlier checks learnt.
type runner struct {
	cfg Config
	// authOK is false when a correctly signed ping was refused: most other
	// checks then cannot tell anything.
	authOK bool
	// items and categories are what the full exports found (for 5).
	items, categories *exportStats
}

// result builds a Result from evidence: yes when every piece is OK.
func result(n int, ev []Evidence, fix string, reason ...string) Result {
	res := Result{Number: n, Verdict: Yes, Evidence: ev}
	for _, e := range ev {
		if !e.OK {
			res.Verdict = No
			res.Fix = fix
			break
		}
	}
	res.Reason = strings.Join(reason, "; ")
	return res
}

// notChecked is a Result for a question that could not be checked.
func notChecked(n int, why string) Result {
	return Result{Number: n, Verdict: NotChecked, Reason: why}
}

// noAuth is the result of a question that needs a working authentication.
func (r *runner) noAuth(n int) Result {
	return Result{Number: n, Verdict: No, Reason: "the shop refused correctly signed requests (see 10)",
		Fix: "Fix authentication first: -customer and -apikey must be the credentials configured in the shop."}
}

// ms is d in milliseconds.
func ms(d time.Duration) int64 { return d.Milliseconds() }

// plural is "n word" with an s when n != 1.
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	if strings.HasSuffix(word, "s") {
		return fmt.Sprintf("%d %ses", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
