package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/shopbridge/shopbridge/shopgate"
)

// callUsage documents "shopbridge call": every flag and environment
// variable it reads.
const callUsage = `usage: shopbridge call ACTION [key=value ...] [-url URL]

Sends a signed Plugin API request (as Shopgate does) to a running shop and
prints the answer: JSON answers indented, anything else as received.
Nested parameters use PHP bracket notation:

  shopbridge call ping
  shopbridge call cron 'jobs[0][job_name]=set_shipping_completed'
  shopbridge call get_items limit=10 offset=0

shop_number and a trace_id are added unless given as parameters.

Flags (anywhere on the line):

  -url URL    the shop's Plugin API endpoint
              (default http://localhost$ADDR/shopgate/api)
  -h          print this help

Environment:

  SHOPGATE_CUSTOMER_NUMBER  customer number the request is signed for
  SHOPGATE_SHOP_NUMBER      shop number sent as shop_number
  SHOPGATE_APIKEY           API key the request is signed with
                            (all three unset: the example shop's demo
                            credentials 10001, 20001, deadbeefcafe00112233)
  ADDR                      listen address of the shop for the default
                            -url (default :8080)

Exit status: 0 when the shop answered without error, 1 when the request
failed, the answer was not HTTP 200 or carried a non-zero "error", 2 for
a usage error.
`

// Demo credentials of the example shop, used when SHOPGATE_CUSTOMER_NUMBER
// is not set.
const (
	demoCustomerNumber = "10001"
	demoShopNumber     = "20001"
	demoAPIKey         = "deadbeefcafe00112233"
)

// credentials are the merchant's Plugin API credentials.
type credentials struct {
	CustomerNumber string
	ShopNumber     string
	APIKey         string
}

// credentialsFromEnv reads SHOPGATE_*; without SHOPGATE_CUSTOMER_NUMBER it
// returns the demo credentials.
func credentialsFromEnv(getenv func(string) string) credentials {
	if getenv("SHOPGATE_CUSTOMER_NUMBER") == "" {
		return credentials{CustomerNumber: demoCustomerNumber, ShopNumber: demoShopNumber, APIKey: demoAPIKey}
	}
	return credentials{
		CustomerNumber: getenv("SHOPGATE_CUSTOMER_NUMBER"),
		ShopNumber:     getenv("SHOPGATE_SHOP_NUMBER"),
		APIKey:         getenv("SHOPGATE_APIKEY"),
	}
}

// callRequest is a parsed call command line.
type callRequest struct {
	url    string
	action string
	pairs  [][2]string
}

// errHelp is returned by parseCallArgs for -h.
var errHelp = errors.New("help requested")

// parseCallArgs parses the call command line; flags may stand anywhere
// between the parameters.
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
			return cr, errHelp
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

// defaultPublicURL turns a listen address into a URL on the same machine.
func defaultPublicURL(addr string) string {
	if len(addr) > 0 && addr[0] == ':' {
		return "http://localhost" + addr
	}
	return "http://" + addr
}

// runCall is "shopbridge call ACTION [key=value ...] [-url URL]": it sends
// a correctly signed Plugin API request and prints the answer.
func runCall(args []string, e env) int {
	cr, err := parseCallArgs(args, e.getenv)
	if err != nil {
		if errors.Is(err, errHelp) {
			fmt.Fprint(e.stdout, callUsage)
			return 0
		}
		fmt.Fprintf(e.stderr, "shopbridge call: %v\n\n%s", err, callUsage)
		return 2
	}
	creds := credentialsFromEnv(e.getenv)

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
		add("trace_id", fmt.Sprintf("cli-%x", e.now().UnixNano()))
	}

	req, err := http.NewRequest(http.MethodPost, cr.url, strings.NewReader(body.String()))
	if err != nil {
		fmt.Fprintln(e.stderr, "shopbridge call:", err)
		return 2
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Shopgate")
	shopgate.SignRequest(req.Header, shopgate.PrefixSPA, creds.CustomerNumber, creds.APIKey, e.now())
	resp, err := e.client.Do(req)
	if err != nil {
		fmt.Fprintln(e.stderr, "shopbridge call:", err)
		return 1
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		fmt.Fprintln(e.stderr, "shopbridge call: read answer:", err)
		return 1
	}
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(e.stderr, "shopbridge call: HTTP %s\n", resp.Status)
		e.stdout.Write(raw)
		return 1
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		var pretty bytes.Buffer
		if json.Indent(&pretty, raw, "", "  ") == nil {
			pretty.WriteByte('\n')
			e.stdout.Write(pretty.Bytes())
			var env struct {
				Error int `json:"error"`
			}
			if json.Unmarshal(raw, &env) == nil && env.Error != 0 {
				return 1
			}
			return 0
		}
	}
	e.stdout.Write(raw)
	return 0
}
