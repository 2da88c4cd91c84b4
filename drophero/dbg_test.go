package drophero_test

import (
	"os"
	"strconv"
	"testing"
	"time"
)

func TestDbgTimes(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DBG_N"))
	if n == 0 {
		t.Skip()
	}
	e := newEnv(t, true)
	e.fake.SetGenerated(0, benchItem)
	e.install()
	e.fake.SetGenerated(n, benchItem)
	s := time.Now()
	_, err := e.svc.SyncCatalog(e.ctx, true)
	t.Log(time.Since(s), err)

}
