package replica

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Config describes a cluster of example-shop processes.
type Config struct {
	// Bin is the example-shop binary (see [Build]).
	Bin string
	// Dir receives one data directory and one log file per process.
	Dir string
	// DatabaseURL is the shared PostgreSQL database.
	DatabaseURL string
	// N is the number of processes.
	N int
	// Merchant is the fake Merchant API's handler and MerchantPath the path
	// it answers on; every process gets its own [MerchantFront] to it.
	Merchant     http.Handler
	MerchantPath string
	// CustomerNumber, ShopNumber and APIKey are the Shopgate credentials.
	CustomerNumber, ShopNumber, APIKey string
	// DropHeroURL, DropHeroPublicKey and DropHeroSecretKey connect the
	// fake DropHero ("" leaves DropHero off).
	DropHeroURL, DropHeroPublicKey, DropHeroSecretKey string
	// AdminPassword is SHOP_ADMIN_PASSWORD.
	AdminPassword string
	// Env are extra NAME=value entries (e.g. SHOPBRIDGE_OUTBOX_LEASE).
	Env []string
}

// secretKey is SHOPBRIDGE_SECRET_KEY of every process (32 bytes, hex): the
// processes share the stored DropHero keys, so they share this key.
const secretKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// PublicURL is the shop's public URL as every process is told: the load
// balancer's, which the harness does not run (the callback paths are sent
// to each process directly).
const PublicURL = "http://shop.replica.test"

// Cluster is a set of running shop processes sharing one database.
type Cluster struct {
	Shops  []*Shop
	Fronts []*MerchantFront
	Client *Client
	cfg    Config
}

// Env returns the environment of process i (also used for one-off runs
// of the binary, e.g. -seed-products).
func (c *Cluster) Env(i int) []string {
	cfg := c.cfg
	home := filepath.Join(cfg.Dir, "home")
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"TMPDIR=" + os.TempDir(),
		"ADDR=127.0.0.1:0",
		"PUBLIC_URL=" + PublicURL,
		"DATABASE_URL=" + cfg.DatabaseURL,
		"SHOPGATE_CUSTOMER_NUMBER=" + cfg.CustomerNumber,
		"SHOPGATE_SHOP_NUMBER=" + cfg.ShopNumber,
		"SHOPGATE_APIKEY=" + cfg.APIKey,
		"SHOPGATE_SERVER=custom",
		"SHOPGATE_API_URL=" + c.Fronts[i].URL(),
		"SHOPBRIDGE_SECRET_KEY=" + secretKey,
		"SHOPBRIDGE_KEY_FILE=" + filepath.Join(home, "unused.key"),
		"SHOP_ADMIN_PASSWORD=" + cfg.AdminPassword,
		// Race reports (race-enabled builds) end the process and are kept in its log.
		"GORACE=halt_on_error=1 exitcode=66",
	}
	if cfg.DropHeroURL != "" {
		env = append(env, "DROPHERO_API_URL="+cfg.DropHeroURL,
			"DROPHERO_PUBLIC_KEY="+cfg.DropHeroPublicKey, "DROPHERO_SECRET_KEY="+cfg.DropHeroSecretKey)
	}
	return append(env, cfg.Env...)
}

// StartCluster starts cfg.N processes at the same moment on the shared
// database and waits until each listens and answers /readyz. On error
// the processes started so far are killed.
func StartCluster(ctx context.Context, cfg Config) (*Cluster, error) {
	c := &Cluster{cfg: cfg, Client: NewClient(cfg.CustomerNumber, cfg.ShopNumber, cfg.APIKey, cfg.AdminPassword)}
	if err := os.MkdirAll(filepath.Join(cfg.Dir, "home"), 0o700); err != nil {
		return nil, err
	}
	for i := 0; i < cfg.N; i++ {
		c.Fronts = append(c.Fronts, NewMerchantFront(cfg.Merchant, cfg.MerchantPath))
	}
	c.Shops = make([]*Shop, cfg.N)
	errs := make([]error, cfg.N)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < cfg.N; i++ {
		name := fmt.Sprintf("p%d", i+1)
		dir := filepath.Join(cfg.Dir, name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			c.Close()
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c.Shops[i], errs[i] = Start(name, cfg.Bin, nil, c.Env(i), dir, filepath.Join(cfg.Dir, name+".log"))
		}()
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		c.Close()
		return nil, err
	}
	for _, s := range c.Shops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.WaitListening(ctx) // checked below: URL stays empty
		}()
	}
	wg.Wait()
	for i, s := range c.Shops {
		if s.URL == "" {
			c.Close()
			return nil, fmt.Errorf("replica: %s did not start:\n%s", s.Name, s.Tail(40))
		}
		if err := s.WaitReady(ctx); err != nil {
			c.Close()
			return nil, fmt.Errorf("%w\n%s", err, c.Shops[i].Tail(40))
		}
	}
	return c, nil
}

// Close kills every process (SIGKILL to its group) and stops the fronts.
func (c *Cluster) Close() {
	for _, s := range c.Shops {
		if s != nil {
			s.Kill()
		}
	}
	for _, f := range c.Fronts {
		f.Close()
	}
}

// Tails returns the last n log lines of every process, for failure
// messages.
func (c *Cluster) Tails(n int) string {
	var b strings.Builder
	for _, s := range c.Shops {
		if s == nil {
			continue
		}
		fmt.Fprintf(&b, "----- %s (%s), last %d lines -----\n%s\n", s.Name, s.LogPath, n, s.Tail(n))
	}
	return b.String()
}

// RaceReports names the processes whose log holds a race detector report.
func (c *Cluster) RaceReports() []string {
	var out []string
	for _, s := range c.Shops {
		if s != nil && s.LogContains("WARNING: DATA RACE") {
			out = append(out, s.Name)
		}
	}
	return out
}
