package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/shopbridge/shopbridge/internal/check"
)

// checkUsage documents "shopbridge check": every flag and environment
// variable it reads.
const checkUsage = `usage: shopbridge check [flags]

Answers Shopgate's 15-question connection checklist against a running
shop, the way Shopgate talks to it, and prints per question a verdict
(yes, no, or not checked and why), the evidence (what was sent, what came
back, timings) and a fix hint for every "no". Details: docs/check.md.

  shopbridge check -url https://shop.example.com/shopgate/api \
      -customer 12345 -shop 67890 -apikey 0123456789abcdef0123 \
      -storefront https://shop.example.com -login test@example.com:secret

Flags:

  -url URL            the shop's Plugin API endpoint
                      (env SHOPGATE_PLUGIN_API_URL; default
                      http://localhost$ADDR/shopgate/api)
  -customer NUMBER    Shopgate customer number (env SHOPGATE_CUSTOMER_NUMBER)
  -shop NUMBER        Shopgate shop number (env SHOPGATE_SHOP_NUMBER)
  -apikey KEY         Shopgate API key (env SHOPGATE_APIKEY)
                      (customer, shop and key all unset: the example
                      shop's demo credentials 10001, 20001,
                      deadbeefcafe00112233)
  -storefront URL     the shop's public URL: checks the mobile redirect (9)
                      and fetches a sample of deeplinks
                      (env SHOPGATE_CHECK_STOREFRONT)
  -login USER:PASS    a Shopgate Connect test account for get_customer (4)
                      (env SHOPGATE_CHECK_LOGIN)
  -merchant-api SRV   Merchant API server for question 15: live, pg, sl or
                      the URL of a fake or development system
                      (env SHOPGATE_CHECK_MERCHANT_API)
  -order NUMBER       a test order on the shop's Merchant API server (a
                      fake or the playground, never live): imported with
                      add_order, repeated (must answer 60) and updated
                      (6-8) (env SHOPGATE_CHECK_ORDER)
  -json               print the report as JSON (schema shopbridge.check/v1)
  -timeout DURATION   timeout of each request (default 60s)
  -h                  print this help

Environment (besides the variables named above):

  ADDR                listen address of the shop for the default -url
                      (default :8080)

Exit status: 0 when every checked question is yes, 1 when at least one is
no, 2 for a usage error.
`

// checkConfig parses the check command line into a check.Config.
func checkConfig(args []string, getenv func(string) string, stderr io.Writer) (check.Config, bool, time.Duration, error) {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	creds := credentialsFromEnv(getenv)
	url := getenv("SHOPGATE_PLUGIN_API_URL")
	if url == "" {
		addr := getenv("ADDR")
		if addr == "" {
			addr = ":8080"
		}
		url = defaultPublicURL(addr) + "/shopgate/api"
	}
	var cfg check.Config
	var asJSON bool
	var timeout time.Duration
	fs.StringVar(&cfg.URL, "url", url, "")
	fs.StringVar(&cfg.CustomerNumber, "customer", creds.CustomerNumber, "")
	fs.StringVar(&cfg.ShopNumber, "shop", creds.ShopNumber, "")
	fs.StringVar(&cfg.APIKey, "apikey", creds.APIKey, "")
	fs.StringVar(&cfg.Storefront, "storefront", getenv("SHOPGATE_CHECK_STOREFRONT"), "")
	fs.StringVar(&cfg.Login, "login", getenv("SHOPGATE_CHECK_LOGIN"), "")
	fs.StringVar(&cfg.MerchantAPI, "merchant-api", getenv("SHOPGATE_CHECK_MERCHANT_API"), "")
	fs.StringVar(&cfg.Order, "order", getenv("SHOPGATE_CHECK_ORDER"), "")
	fs.BoolVar(&asJSON, "json", false, "")
	fs.DurationVar(&timeout, "timeout", 60*time.Second, "")
	if err := fs.Parse(args); err != nil {
		return cfg, false, 0, err
	}
	if fs.NArg() > 0 {
		return cfg, false, 0, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if timeout <= 0 {
		return cfg, false, 0, errors.New("-timeout must be positive")
	}
	return cfg, asJSON, timeout, nil
}

// runCheck is "shopbridge check": it runs the connection check and
// prints the report.
func runCheck(args []string, e env) int {
	cfg, asJSON, timeout, err := checkConfig(args, e.getenv, e.stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(e.stdout, checkUsage)
			return 0
		}
		fmt.Fprintf(e.stderr, "shopbridge check: %v\n\n%s", err, checkUsage)
		return 2
	}
	c := *e.client
	c.Timeout = timeout
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cfg.Client = &c
	cfg.Now = e.now
	rep := check.Run(context.Background(), cfg)
	if asJSON {
		err = rep.WriteJSON(e.stdout)
	} else {
		err = rep.WriteTable(e.stdout)
	}
	if err != nil {
		fmt.Fprintln(e.stderr, "shopbridge check:", err)
		return 1
	}
	return rep.ExitCode()
}
