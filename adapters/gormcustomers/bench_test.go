package gormcustomers_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcustomers"
	"github.com/shopbridge/shopbridge/internal/testdb"
)

// BenchmarkGetCustomer measures a successful Shopgate Connect login on
// PostgreSQL with bcrypt.DefaultCost (10), the example shop's cost:
// throttle check, customer row, password check, throttle reset, groups,
// addresses and extras. It reports p50 and p99 latency; the password
// check dominates. The cost=4 run (bcrypt.MinCost) shows the rest.
func BenchmarkGetCustomer(b *testing.B) {
	for _, cost := range []int{bcrypt.DefaultCost, bcrypt.MinCost} {
		b.Run(fmt.Sprintf("cost=%d", cost), func(b *testing.B) { benchGetCustomer(b, cost) })
	}
}

func benchGetCustomer(b *testing.B, cost int) {
	db := testdb.New(b)
	setup(b, db)
	hash, _ := bcrypt.GenerateFromPassword([]byte("bench-pass"), cost)
	db.Exec("UPDATE users SET pw = ? WHERE login = 'eva@example.com'", string(hash))
	s, err := gormcustomers.New(config(db, gormcustomers.Bcrypt{Cost: cost}, nil))
	if err != nil {
		b.Fatal(err)
	}
	cred := adapters.Credentials{Login: "eva@example.com", Password: "bench-pass", ClientAddress: "192.0.2.1"}
	var mu sync.Mutex
	var lat []time.Duration
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var local []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if _, err := s.GetCustomer(context.Background(), adapters.Shop{}, cred); err != nil {
				b.Error(err)
				return
			}
			local = append(local, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
	}
}
