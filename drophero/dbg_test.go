package drophero_test

import (
	"testing"
	"time"
)

func TestDbgTimes(t *testing.T) {
	e := newEnv(t, true)
	e.fake.SetGenerated(0, benchItem)
	e.install()
	e.fake.SetGenerated(20000, benchItem)
	s := time.Now()
	_, err := e.svc.SyncCatalog(e.ctx, true)
	t.Log(time.Since(s), err)
}
