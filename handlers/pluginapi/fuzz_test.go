package pluginapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/shopgate"
)

// FuzzHandle sends arbitrary form bodies, query strings and auth headers
// through the whole endpoint: every answer is HTTP 200 with a JSON
// envelope (or get_log_file's plain text), never a panic or a bare error
// page, and an unauthenticated request never gets past error 120/10.
func FuzzHandle(f *testing.F) {
	f.Add("action=ping&trace_id=t", "", "12345-1700000000", true)
	f.Add("action=cron&jobs[0][job_name]=x&jobs[][job_params][a][]=1", "a=1", "", true)
	f.Add("action=set_settings&shopgate_settings[0][name]=alias&shopgate_settings[0][value]=%zz", "", "x", false)
	f.Add("action[]=ping&trace_id[a]=1&a"+strings.Repeat("[x]", 70)+"=1", "action=foo", "12345-1700000000", false)
	f.Add("action=get_log_file&log_type=access&lines=3&debug_log=1", "", "12345-99999999999999999999", true)
	h, err := New(Config{
		Shops: []ShopConfig{{CustomerNumber: testCustomer, APIKey: testAPIKey, ShopNumber: testShop,
			Enable: map[string]bool{"cron": true, "get_settings": true, "get_debug_info": true}}},
		LogDir:       f.TempDir(),
		MaxBodyBytes: 64 << 10,
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { h.Close() })
	e := echo.New()
	h.Mount(e.Group("/api"))
	f.Fuzz(func(t *testing.T, body, query, user string, sign bool) {
		req := httptest.NewRequest(http.MethodPost, "/api", strings.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(shopgate.HeaderAuthUser, user)
		if sign {
			shopgate.SignRequest(req.Header, shopgate.PrefixSPA, testCustomer, testAPIKey, h.cfg.Now())
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("not JSON for %q: %s", body, rec.Body)
		}
		code, _ := m["error"].(float64)
		if !sign && code != 120 && code != 10 && code != 22 && code != 25 && code != 999 {
			t.Fatalf("unsigned request answered %v for %q", m["error"], body)
		}
	})
}
