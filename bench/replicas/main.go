// Command replicas measures add_order throughput of one against several
// example-shop processes sharing one PostgreSQL database, with the same
// machinery as the replica test (internal/replica): the shop is built
// once, each configuration starts on a fresh database, the fake Merchant
// API answers get_orders and the callers spread their signed add_order
// calls round-robin over the processes. It is run by bench/replicas.sh.
//
//	go run ./bench/replicas -db postgres://postgres@127.0.0.1:5432/postgres -c 8 -d 15s -procs 1,3
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shopbridge/shopbridge/internal/replica"
	"github.com/shopbridge/shopbridge/shopgate/shopgatetest"
)

func main() {
	dbURL := flag.String("db", os.Getenv("TEST_DATABASE_URL"), "PostgreSQL server URL (a database per run is created on it and dropped)")
	callers := flag.Int("c", 8, "concurrent callers per configuration, spread over its processes")
	dur := flag.Duration("d", 15*time.Second, "measurement duration per configuration")
	warmup := flag.Duration("warmup", 3*time.Second, "warm-up before measuring")
	procs := flag.String("procs", "1,3", "comma-separated process counts to measure")
	flag.Parse()
	if err := run(*dbURL, *callers, *dur, *warmup, *procs); err != nil {
		fmt.Fprintln(os.Stderr, "replicas:", err)
		os.Exit(1)
	}
}

func run(dbURL string, callers int, dur, warmup time.Duration, procs string) error {
	if dbURL == "" {
		return fmt.Errorf("no database: set -db or TEST_DATABASE_URL")
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "replicas-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	root, err := replica.ModuleRoot(ctx)
	if err != nil {
		return err
	}
	bin := filepath.Join(dir, "shop")
	if err := replica.Build(ctx, root, bin, false); err != nil {
		return err
	}
	fmt.Printf("add_order over HTTP to N example-shop processes on one PostgreSQL, %d callers, %v per run, %d CPUs, load average %s\n",
		callers, dur, runtime.NumCPU(), loadavg())
	for _, p := range strings.Split(procs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return fmt.Errorf("-procs: bad count %q", p)
		}
		res, err := measure(ctx, dbURL, filepath.Join(dir, "run"+p), bin, n, callers, dur, warmup)
		if err != nil {
			return err
		}
		fmt.Printf("processes=%d callers=%d  %8.1f orders/s   p50 %7.2f ms   p99 %7.2f ms   errors %d\n",
			n, callers, res.rate, res.p50, res.p99, res.errors)
	}
	return nil
}

type result struct {
	rate, p50, p99 float64
	errors         int64
}

// measure starts n processes on a fresh database and runs the callers.
func measure(ctx context.Context, serverURL, dir, bin string, n, callers int, dur, warmup time.Duration) (result, error) {
	dbURL, drop, err := createDB(serverURL)
	if err != nil {
		return result{}, err
	}
	defer drop()
	sg := shopgatetest.NewUnstartedServer()
	c, err := replica.StartCluster(ctx, replica.Config{
		Bin: bin, Dir: dir, DatabaseURL: dbURL, N: n,
		Merchant: sg.Handler(), MerchantPath: shopgatetest.DefaultPath,
		CustomerNumber: shopgatetest.DefaultCustomerNumber, ShopNumber: shopgatetest.DefaultShopNumber, APIKey: shopgatetest.DefaultAPIKey,
		AdminPassword: "bench-admin-pw",
		Env:           []string{"SHOPGATE_REQUESTS_PER_HOUR=-1"},
	})
	if err != nil {
		return result{}, err
	}
	defer c.Close()

	var seq atomic.Int64
	seq.Store(int64(n) * 1_000_000_000)
	var ok, failed atomic.Int64
	var mu sync.Mutex
	var lat []float64
	measuring := atomic.Bool{}
	stop := time.Now().Add(warmup + dur)
	var measuredFrom time.Time
	go func() {
		time.Sleep(warmup)
		mu.Lock()
		measuredFrom = time.Now()
		mu.Unlock()
		measuring.Store(true)
	}()
	var wg sync.WaitGroup
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			shop := c.Shops[i%n]
			for time.Now().Before(stop) {
				num := strconv.FormatInt(seq.Add(1), 10)
				sg.AddOrder(shopgatetest.NewTestOrder(num))
				t0 := time.Now()
				a, err := c.Client.Call(ctx, shop.URL, url.Values{"action": {"add_order"}, "order_number": {num}})
				d := time.Since(t0)
				if !measuring.Load() {
					continue
				}
				if err != nil || a.Code != 0 {
					failed.Add(1)
					continue
				}
				ok.Add(1)
				mu.Lock()
				lat = append(lat, float64(d.Microseconds())/1000)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	elapsed := time.Since(measuredFrom).Seconds()
	slices.Sort(lat)
	res := result{rate: float64(ok.Load()) / elapsed, errors: failed.Load()}
	if len(lat) > 0 {
		res.p50, res.p99 = lat[len(lat)*50/100], lat[len(lat)*99/100]
	}
	return res, nil
}

// createDB creates a fresh database on the server and returns its URL
// and a function dropping it.
func createDB(serverURL string) (string, func(), error) {
	admin, err := gorm.Open(postgres.Open(serverURL), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	name := "bench_replicas_" + hex.EncodeToString(b[:])
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		if sqlDB, err := admin.DB(); err == nil {
			sqlDB.Close()
		}
	}, nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
