package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/shopbridge/shopbridge/shopgate"
)

// runCall is "example_shop call ACTION [key=value ...] [-url URL]": it
// sends a correctly signed Plugin API request and prints the answer.
func runCall(args []string) int {
	return callCommand(args, os.Getenv, os.Stdout, os.Stderr, http.DefaultClient, time.Now)
}

const callUsage = `usage: example_shop call ACTION [key=value ...] [-url URL]

Sends a signed Plugin API request (as Shopgate does) to a running shop and
prints the answer. Nested parameters use PHP bracket notation:

  example_shop call ping
  example_shop call cron 'jobs[0][job_name]=set_shipping_completed'
  example_shop call get_items limit=10 offset=0

Credentials come from SHOPGATE_CUSTOMER_NUMBER, SHOPGATE_SHOP_NUMBER and
SHOPGATE_APIKEY, or the demo credentials when those are not set. The URL
defaults to http://localhost:8080/shopgate/api (or http://localhost$ADDR).
`

// callRequest is a parsed call command line.
type callRequest struct {
	url    string
	action string
	pairs  [][2]string
}

func parseCallArgs(args []string, getenv func(string) string) (callRequest, error) {
	var cr callRequest
	addr := getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	cr.url = defaultPublicURL(addr) + "/shopgate/api"
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-url" || a == "--url":
			if i+1 >= len(args) {
				return cr, errors.New("-url needs a value")
			}
			i++
			cr.url = args[i]
		case strings.HasPrefix(a, "-url=") || strings.HasPrefix(a, "--url="):
			cr.url = a[strings.IndexByte(a, '=')+1:]
		case a == "-h" || a == "-help" || a == "--help":
			return cr, flagHelp
		case cr.action == "" && !strings.Contains(a, "="):
			cr.action = a
		default:
			k, v, ok := strings.Cut(a, "=")
			if !ok || k == "" {
				return cr, fmt.Errorf("argument %q is not key=value", a)
			}
			cr.pairs = append(cr.pairs, [2]string{k, v})
		}
	}
	if cr.action == "" {
		return cr, errors.New("no action given")
	}
	return cr, nil
}

var flagHelp = errors.New("help requested")

// callCommand is runCall with its dependencies passed in, for tests.
func callCommand(args []string, getenv func(string) string, stdout, stderr io.Writer, client *http.Client, now func() time.Time) int {
	cr, err := parseCallArgs(args, getenv)
	if err != nil {
		if errors.Is(err, flagHelp) {
			fmt.Fprint(stdout, callUsage)
			return 0
		}
		fmt.Fprintf(stderr, "example_shop call: %v\n\n%s", err, callUsage)
		return 2
	}
	creds, _ := shopgateCredentialsFromEnv(getenv)

	// Parameters keep the order given; shop_number is added unless set.
	form := url.Values{}
	var body strings.Builder
	add := func(k, v string) {
		if body.Len() > 0 {
			body.WriteByte('&')
		}
		body.WriteString(url.QueryEscape(k))
		body.WriteByte('=')
		body.WriteString(url.QueryEscape(v))
		form.Add(k, v)
	}
	add("action", cr.action)
	for _, p := range cr.pairs {
		add(p[0], p[1])
	}
	if form.Get("shop_number") == "" {
		add("shop_number", creds.ShopNumber)
	}
	if form.Get("trace_id") == "" {
		add("trace_id", fmt.Sprintf("cli-%x", now().UnixNano()))
	}

	req, err := http.NewRequest(http.MethodPost, cr.url, strings.NewReader(body.String()))
	if err != nil {
		fmt.Fprintln(stderr, "example_shop call:", err)
		return 2
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Shopgate")
	shopgate.SignRequest(req.Header, shopgate.PrefixSPA, creds.CustomerNumber, creds.APIKey, now())
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "example_shop call:", err)
		return 1
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		fmt.Fprintln(stderr, "example_shop call: read answer:", err)
		return 1
	}
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "example_shop call: HTTP %s\n", resp.Status)
		stdout.Write(raw)
		return 1
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		var pretty bytes.Buffer
		if json.Indent(&pretty, raw, "", "  ") == nil {
			pretty.WriteByte('\n')
			stdout.Write(pretty.Bytes())
			var env struct {
				Error int `json:"error"`
			}
			if json.Unmarshal(raw, &env) == nil && env.Error != 0 {
				return 1
			}
			return 0
		}
	}
	stdout.Write(raw)
	return 0
}
