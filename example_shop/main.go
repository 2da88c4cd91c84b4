// Command example_shop is a small but complete web shop (Echo + GORM) that
// shows how a host shop embeds shopbridge. It serves a storefront with
// categories, products, search, cart, checkout and customer login, seeds a
// demo catalogue on first start, and can generate large catalogues for
// benchmarks.
//
// With no configuration it keeps its data in the pure-Go SQLite file
// shop.db in the working directory:
//
//	go run ./example_shop
//
// DATABASE_URL=postgres://… switches to PostgreSQL. Flags:
//
//	-addr :8080          listen address (env ADDR); demo mode: 127.0.0.1:8080
//	-key-file PATH       key-encryption key file (env SHOPBRIDGE_KEY_FILE;
//	                     default <user config dir>/shopbridge/shopbridge-secret.key)
//	-db shop.db          SQLite file (ignored with DATABASE_URL)
//	-public-url URL      absolute URL of the shop (env PUBLIC_URL)
//	-seed-products N     generate N products deterministically (internal/bulkseed), then exit
//	-serve               with -seed-products: keep serving afterwards
//	-print-items-sql     print the catalogue export's queries as one sorted
//	                     read per table (gormcatalog ItemsSQL), then exit
//
// SHOPBRIDGE_PPROF=1 serves the Go profiles under /admin/debug/pprof/
// (behind the admin login, see SHOP_ADMIN_PASSWORD).
//
// "example_shop -h" also lists every environment variable the shop reads.
// "go run ./cmd/shopbridge call ..." sends signed Plugin API calls to it;
// "go run ./cmd/shopbridge check ..." answers Shopgate's connection
// checklist against it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
	"github.com/shopbridge/shopbridge/internal/bulkseed"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stderr))
}

// options are the parsed command line and environment.
type options struct {
	addr         string
	sqlitePath   string
	databaseURL  string
	publicURL    string
	dataDir      string
	seedProducts int
	serve        bool
	demo         bool
	pprof        bool
	printSQL     bool
	// trustedProxies are the CIDR ranges of env TRUSTED_PROXIES.
	trustedProxies []string
	keyFile        string
	// pluginLogs and instance are env SHOPBRIDGE_PLUGIN_LOGS and
	// SHOPBRIDGE_INSTANCE (Config.PluginLogs, Config.Instance).
	pluginLogs, instance string
	// shutdown are SHOP_SHUTDOWN_TIMEOUT and SHOP_SHUTDOWN_DELAY.
	shutdown Shutdown
}

// envHelp documents every environment variable the shop reads; "-h"
// prints it after the flags (main_test.go checks it against the sources).
const envHelp = `
Environment:

  ADDR                            listen address (default :8080)
  PUBLIC_URL                      absolute URL of the shop (links handed to Shopgate and DropHero)
  DATABASE_URL                    postgres://... switches from SQLite to PostgreSQL
  TRUSTED_PROXIES                 comma-separated CIDR ranges of proxies whose X-Forwarded-For
                                  is believed for the client IP (default: none, the connection's address)

  SHOPGATE_CUSTOMER_NUMBER        Shopgate customer number; unset: demo mode with the
                                  in-process fake Merchant API (10001 / 20001 / deadbeefcafe00112233)
  SHOPGATE_SHOP_NUMBER            Shopgate shop number
  SHOPGATE_SHOP_NUMBER_US         shop number of a second marketplace (English, USD); unset: one marketplace
  SHOPGATE_APIKEY                 Shopgate API key
  SHOPGATE_SERVER                 Merchant API server: live (default), pg, sl or custom
  SHOPGATE_API_URL                Merchant API URL for SHOPGATE_SERVER=custom
  SHOPGATE_REQUESTS_PER_HOUR      Merchant API calls per hour (default 150, Shopgate's documented
                                  budget; on PostgreSQL shared by all processes of the shop;
                                  negative: no limit, e.g. benchmarks)
  SHOPGATE_ENABLE_MOBILE_WEBSITE  1 switches the mobile redirect on (demo: on unless 0)
  SHOPGATE_ALIAS                  Mobile Website alias (demo: demo-shop)
  SHOPGATE_CNAME                  Mobile Website on the merchant's own domain
  SHOPGATE_REDIRECT_TYPE          http (301 plus snippet, default) or js (snippet only)
  SHOPGATE_REDIRECT_SERVER        Mobile Website environment (default: SHOPGATE_SERVER)

  DROPHERO_API_URL                DropHero API; unset with no keys: in-process fake DropHero
  DROPHERO_PUBLIC_KEY             DropHero public key
  DROPHERO_SECRET_KEY             DropHero secret key
  DROPHERO_AUTO_SUBMIT            true/false: submit DropHero orders automatically
  SHOPBRIDGE_SECRET_KEY           32-byte key (hex or base64) encrypting stored DropHero keys
                                  (default: a 0600 key file, see SHOPBRIDGE_KEY_FILE)
  SHOPBRIDGE_KEY_FILE             that key file (default: <user config dir>/shopbridge/shopbridge-secret.key)
  SHOP_ADMIN_PASSWORD             password of user "admin" for the control panel at /admin
                                  (required outside demo mode; demo: generated and logged once)
  SHOPBRIDGE_OUTBOX_LEASE         how long a job claimed by a process that died waits before another
                                  process takes it over (Go duration, at least 20s; default 5m)
  SHOPBRIDGE_PPROF                1 serves Go profiles under /admin/debug/pprof/ (behind the admin login)
  SHOPBRIDGE_PLUGIN_LOGS          where the Plugin API logs are kept: postgres (one table shared by every
                                  process; default with DATABASE_URL) or files (default with SQLite)
  SHOPBRIDGE_INSTANCE             name tagging this process's lines in shared logs (default hostname:pid)
  SHOP_SHUTDOWN_TIMEOUT           after SIGTERM/SIGINT: how long in-flight requests (exports too) and
                                  outbox jobs may take to finish, e.g. 25s (default 25s)
  SHOP_SHUTDOWN_DELAY             after SIGTERM/SIGINT: keep accepting this long while /readyz
                                  answers 503, for health-check-driven load balancers (default 0)

The first "go run ./example_shop" compiles the pure-Go SQLite driver and
takes a few minutes on a small machine; later runs start in seconds.
`

// parseOptions reads flags from args and defaults from the environment.
func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("example_shop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o.demo = getenv("SHOPGATE_CUSTOMER_NUMBER") == ""
	addr := getenv("ADDR")
	if addr == "" {
		addr = ":8080"
		if o.demo {
			// The demo opens its admin pages without a password: only
			// this machine may reach it unless ADDR says otherwise.
			addr = "127.0.0.1:8080"
		}
	}
	keyFile := getenv("SHOPBRIDGE_KEY_FILE")
	if keyFile == "" {
		keyFile = defaultKeyFile()
	}
	fs.StringVar(&o.keyFile, "key-file", keyFile, "file with the key encrypting stored DropHero keys, created 0600 (env SHOPBRIDGE_KEY_FILE; ignored with SHOPBRIDGE_SECRET_KEY)")
	fs.StringVar(&o.addr, "addr", addr, "listen address (env ADDR)")
	fs.StringVar(&o.sqlitePath, "db", "shop.db", "SQLite database file, relative to -data-dir (ignored when DATABASE_URL is set)")
	fs.StringVar(&o.dataDir, "data-dir", "", "directory for the shop's files (default: working directory)")
	fs.StringVar(&o.publicURL, "public-url", getenv("PUBLIC_URL"), "absolute URL under which the shop is reached (env PUBLIC_URL; default http://localhost<addr>)")
	fs.IntVar(&o.seedProducts, "seed-products", 0, "generate this many products deterministically, then exit")
	fs.BoolVar(&o.serve, "serve", false, "with -seed-products: serve the shop afterwards")
	fs.BoolVar(&o.printSQL, "print-items-sql", false, "print the catalogue export's queries as one sorted read per table, one per line, then exit (bench/catalog.sh)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: example_shop [flags]\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), envHelp)
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.seedProducts < 0 {
		return o, errors.New("-seed-products must not be negative")
	}
	o.databaseURL = getenv("DATABASE_URL")
	if o.dataDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return o, fmt.Errorf("working directory: %w", err)
		}
		o.dataDir = wd
	}
	if !filepath.IsAbs(o.sqlitePath) {
		o.sqlitePath = filepath.Join(o.dataDir, o.sqlitePath)
	}
	if o.publicURL == "" {
		o.publicURL = defaultPublicURL(o.addr)
	}
	o.pprof = getenv("SHOPBRIDGE_PPROF") == "1"
	o.pluginLogs, o.instance = getenv("SHOPBRIDGE_PLUGIN_LOGS"), getenv("SHOPBRIDGE_INSTANCE")
	for _, c := range strings.Split(getenv("TRUSTED_PROXIES"), ",") {
		if c = strings.TrimSpace(c); c != "" {
			o.trustedProxies = append(o.trustedProxies, c)
		}
	}
	if o.keyFile == "" {
		o.keyFile = filepath.Join(o.dataDir, "shopbridge-secret.key")
	}
	var err error
	if o.shutdown.Timeout, err = envDuration(getenv, "SHOP_SHUTDOWN_TIMEOUT"); err != nil {
		return o, err
	}
	if o.shutdown.Delay, err = envDuration(getenv, "SHOP_SHUTDOWN_DELAY"); err != nil {
		return o, err
	}
	return o, nil
}

// envDuration reads a non-negative duration ("25s", "1m"; a bare number
// means seconds) from the environment variable name; 0 when unset.
func envDuration(getenv func(string) string, name string) (time.Duration, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(v); err == nil {
		v = strconv.Itoa(n) + "s"
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q: want a duration such as 25s", name, v)
	}
	return d, nil
}

// defaultKeyFile is shopbridge-secret.key in the user's configuration
// directory (~/.config/shopbridge on Linux), outside any working tree so
// that it is never committed; "" when there is none (then the data
// directory is used; the file name is git-ignored there).
func defaultKeyFile() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "shopbridge", "shopbridge-secret.key")
}

// defaultPublicURL turns a listen address into a URL a browser on the same
// machine can open.
func defaultPublicURL(addr string) string {
	if len(addr) > 0 && addr[0] == ':' {
		return "http://localhost" + addr
	}
	return "http://" + addr
}

// newLogger returns a console logger on stderr, with coloured levels only
// when stderr is a terminal (no escape codes in redirected log files).
func newLogger() (*zap.Logger, error) {
	return newConsoleLogger(os.Stderr, isTerminal(os.Stderr))
}

// newConsoleLogger is newLogger writing to w.
func newConsoleLogger(w zapcore.WriteSyncer, color bool) (*zap.Logger, error) {
	enc := zap.NewDevelopmentEncoderConfig()
	enc.EncodeLevel = zapcore.CapitalLevelEncoder
	if color {
		enc.EncodeLevel = zapcore.CapitalColorLevelEncoder
	}
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), w, zap.DebugLevel)
	return zap.New(core, zap.Development(), zap.AddCaller(), zap.ErrorOutput(w)), nil
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// run is main without os.Exit, returning the process exit code.
func run(args []string, getenv func(string) string, stderr io.Writer) int {
	o, err := parseOptions(args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "example_shop:", err)
		return 2
	}
	log, err := newLogger()
	if err != nil {
		fmt.Fprintln(stderr, "example_shop: logger:", err)
		return 1
	}
	defer log.Sync() //nolint:errcheck // nothing to do about a failed flush at exit

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	db, err := openDB(o.databaseURL, o.sqlitePath, log)
	if err != nil {
		log.Error("open database", zap.Error(err))
		return 1
	}
	if o.printSQL {
		src, err := gormcatalog.New(catalogConfig(db, o.publicURL))
		if err != nil {
			log.Error("catalog export", zap.Error(err))
			return 1
		}
		// Shop 20001's export, one query per line, each run as the export
		// runs it (psql can read the lines).
		passes, err := src.ItemsPasses(context.Background(), adapters.Shop{Language: "de", Currency: Currency})
		if err != nil {
			log.Error("catalog export", zap.Error(err))
			return 1
		}
		for _, p := range passes {
			if p.NoSeqScan {
				fmt.Println("SET enable_seqscan = off")
			}
			fmt.Println(p.SQL)
			if p.NoSeqScan {
				fmt.Println("RESET enable_seqscan")
			}
		}
		return 0
	}
	app, err := NewApp(db, Config{
		Log:       log,
		Demo:      o.demo,
		PublicURL: o.publicURL,
		DataDir:   o.dataDir,
		SeedDemo:  o.demo && o.seedProducts == 0, // never demo data in a real shop
		Pprof:     o.pprof,

		TrustedProxies: o.trustedProxies,
		KeyFile:        o.keyFile,
		PluginLogs:     o.pluginLogs,
		Instance:       o.instance,
		Shutdown:       o.shutdown,
	})
	if err != nil {
		log.Error("start shop", zap.Error(err))
		return 1
	}
	defer app.Close()

	if o.seedProducts > 0 {
		start := time.Now()
		seeder, err := bulkseed.New(bulkseed.Config{DB: db, Logger: log})
		if err != nil {
			log.Error("seed products", zap.Error(err))
			return 1
		}
		st, err := seeder.Seed(ctx, o.seedProducts)
		if err != nil {
			log.Error("seed products", zap.Error(err))
			return 1
		}
		log.Info("seeded products", zap.Int("requested", o.seedProducts), zap.Int("inserted", st.Inserted),
			zap.Duration("took", time.Since(start)))
		if !o.serve {
			return 0
		}
	}
	if err := app.Serve(ctx, o.addr); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("serve", zap.Error(err))
		return 1
	}
	return 0
}
