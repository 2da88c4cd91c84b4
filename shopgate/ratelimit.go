package shopgate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Budget is a Merchant API request budget shared beyond this process, e.g.
// by every server of a shop on one database (adapters/gormstore.RateBudget
// keeps it in PostgreSQL). Set it as [ClientConfig.Budget]; without one,
// each process keeps its own budget in memory
// (docs/protocol/merchant-api.md#shared-request-budget).
//
// Implementations must be safe for concurrent use and must never grant
// more than perHour requests in any hour to all their callers together.
type Budget interface {
	// Take takes one request from the token bucket named key and reports
	// whether it was granted. The bucket holds at most perHour tokens, is
	// full when first used, and refills perHour tokens per hour evenly,
	// measured with the callers' clock now (a now earlier than the last
	// one seen refills nothing). A denied Take changes nothing.
	//
	// key names the base URL and the merchant; it holds no secret (an
	// OAuth token is hashed). An error means the budget could not be
	// consulted; the client then falls back to its in-process bucket.
	Take(ctx context.Context, key string, perHour int, now time.Time) (bool, error)
}

// budget is the in-process Merchant API request budget of one merchant: a
// token bucket that holds an hour's worth of requests and refills evenly.
type budget struct {
	lim *rate.Limiter
}

func (b *budget) allow(now time.Time) bool { return b.lim.AllowN(now, 1) }

// budgets are shared by all clients of the same URL and merchant, because
// Shopgate counts requests per merchant, not per Client value.
var (
	budgetsMu sync.Mutex
	budgets   = map[string]*budget{}
)

// budgetKey names the budget of a base URL and merchant (customer number,
// or the hashed OAuth token), for the in-process map and ClientConfig.Budget.
func budgetKey(baseURL string, cr Credentials) string {
	if cr.AccessToken != "" {
		sum := sha256.Sum256([]byte(cr.AccessToken))
		return baseURL + " oauth:" + hex.EncodeToString(sum[:16])
	}
	return baseURL + " " + cr.CustomerNumber
}

func sharedBudget(key string, perHour int) *budget {
	key += "\x00" + strconv.Itoa(perHour)
	budgetsMu.Lock()
	defer budgetsMu.Unlock()
	b, ok := budgets[key]
	if !ok {
		b = &budget{lim: rate.NewLimiter(rate.Every(time.Hour/time.Duration(perHour)), perHour)}
		budgets[key] = b
	}
	return b
}
