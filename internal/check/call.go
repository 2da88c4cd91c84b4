package check

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopbridge/shopbridge/shopgate"
)

// maxAnswer bounds how much of a non-export answer is read.
const maxAnswer = 4 << 20

// param is one form parameter; order is kept as given.
type param struct{ k, v string }

// p builds parameters from alternating keys and values.
func p(kv ...string) []param {
	out := make([]param, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, param{kv[i], kv[i+1]})
	}
	return out
}

// signer sets the auth headers of a request; nil sends none.
type signer func(h http.Header)

// valid signs as Shopgate does with the configured credentials.
func (r *runner) valid() signer {
	return func(h http.Header) {
		shopgate.SignRequest(h, shopgate.PrefixSPA, r.cfg.CustomerNumber, r.cfg.APIKey, r.cfg.Now())
	}
}

// answer is a Plugin API answer read into memory.
type answer struct {
	sent    string
	status  int
	ctype   string
	body    []byte
	elapsed time.Duration
	err     error
	// code and text are the envelope's error and error_text when the
	// answer is JSON; code is -1 otherwise.
	code int
	text string
	json map[string]any
}

// form encodes params in order, adding shop_number and trace_id.
func (r *runner) form(params []param) (string, string) {
	var b strings.Builder
	var shown []string
	has := map[string]bool{}
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
		has[k] = true
		shown = append(shown, k+"="+v)
	}
	for _, x := range params {
		add(x.k, x.v)
	}
	if !has["shop_number"] && r.cfg.ShopNumber != "" {
		add("shop_number", r.cfg.ShopNumber)
	}
	if !has["trace_id"] {
		add("trace_id", fmt.Sprintf("check-%x", time.Now().UnixNano()))
	}
	return b.String(), strings.Join(shown, " ")
}

// post sends a form-encoded Plugin API request; the caller closes the
// body. sent describes the request for the evidence.
func (r *runner) post(ctx context.Context, params []param, sign signer) (resp *http.Response, sent string, err error) {
	body, shown := r.form(params)
	sent = "POST " + r.cfg.URL + " " + shown
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.URL, strings.NewReader(body))
	if err != nil {
		return nil, sent, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Shopgate shopbridge-check")
	if sign != nil {
		sign(req.Header)
	}
	resp, err = r.cfg.Client.Do(req)
	return resp, sent, err
}

// call sends a request and reads the answer (at most maxAnswer bytes).
func (r *runner) call(ctx context.Context, params []param, sign signer) answer {
	start := time.Now()
	resp, sent, err := r.post(ctx, params, sign)
	a := answer{sent: sent, code: -1}
	if err != nil {
		a.err, a.elapsed = err, time.Since(start)
		return a
	}
	defer resp.Body.Close()
	a.status, a.ctype = resp.StatusCode, resp.Header.Get("Content-Type")
	a.body, a.err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	a.elapsed = time.Since(start)
	if strings.HasPrefix(a.ctype, "application/json") {
		var m map[string]any
		if json.Unmarshal(a.body, &m) == nil {
			a.json = m
			a.code, a.text = envelopeCode(m)
		}
	}
	return a
}

// envelopeCode reads error and error_text of a Plugin API envelope.
func envelopeCode(m map[string]any) (int, string) {
	code := -1
	switch v := m["error"].(type) {
	case float64:
		code = int(v)
	case string:
		if n, err := strconv.Atoi(v); err == nil {
			code = n
		}
	}
	text, _ := m["error_text"].(string)
	return code, text
}

// summary describes an answer in one line.
func (a answer) summary() string {
	if a.err != nil {
		return "request failed: " + a.err.Error()
	}
	s := "HTTP " + strconv.Itoa(a.status)
	if a.code >= 0 {
		s += fmt.Sprintf(", error %d", a.code)
		if a.text != "" {
			s += " " + strconv.Quote(a.text)
		}
		return s
	}
	if a.ctype != "" {
		s += ", " + a.ctype
	}
	return s + ", " + strconv.Itoa(len(a.body)) + " bytes"
}

// evidence turns an answer into Evidence; ok says whether it is expected.
func (a answer) evidence(ok bool, extra ...string) Evidence {
	rec := a.summary()
	if len(extra) > 0 {
		rec += "; " + strings.Join(extra, "; ")
	}
	return Evidence{Sent: a.sent, Received: rec, Millis: ms(a.elapsed), OK: ok}
}

// expectCode is Evidence that the answer is HTTP 200 with envelope code
// want.
func (a answer) expectCode(want int, extra ...string) Evidence {
	ok := a.err == nil && a.status == http.StatusOK && a.code == want
	if !ok {
		extra = append(extra, fmt.Sprintf("expected error %d", want))
	}
	return a.evidence(ok, extra...)
}
