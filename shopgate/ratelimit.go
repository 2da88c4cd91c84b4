package shopgate

import (
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// budget is the Merchant API request budget of one merchant: a token
// bucket that holds an hour's worth of requests and refills evenly.
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

func sharedBudget(baseURL, merchant string, perHour int) *budget {
	key := baseURL + "\x00" + merchant + "\x00" + strconv.Itoa(perHour)
	budgetsMu.Lock()
	defer budgetsMu.Unlock()
	b, ok := budgets[key]
	if !ok {
		b = &budget{lim: rate.NewLimiter(rate.Every(time.Hour/time.Duration(perHour)), perHour)}
		budgets[key] = b
	}
	return b
}
