package dropship_test

import (
	"testing"
	"time"

	"github.com/shopbridge/shopbridge/drophero/dropherotest"
	"github.com/shopbridge/shopbridge/gormmodels"
)

// TestDisableDuringInstall reproduces "disable during install is undone":
// the integration is disabled while the installation's first DropHero call
// (the announcement) is in flight. The installation must make no further
// DropHero call and must not end installed.
func TestDisableDuringInstall(t *testing.T) {
	e := newEnv(t, true)
	e.db.Create(&[]hostCategory{{ID: 2, Name: "Default Category", Public: true}})
	e.fake.FailNext("/v1/notify", dropherotest.Delay(3*time.Second))
	if err := e.svc.SaveKeys(e.ctx, dropherotest.DefaultPublicKey, dropherotest.DefaultSecretKey); err != nil {
		t.Fatal(err)
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for i := 0; i < 50; i++ {
			if n, err := e.worker.RunOnce(e.ctx); err != nil || n == 0 {
				return
			}
		}
	}()
	// Wait until the delayed announcement has reached DropHero.
	deadline := time.Now().Add(time.Minute)
	for e.fake.Arrivals() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the installation never called DropHero")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := e.svc.Disable(e.ctx); err != nil {
		t.Fatal(err)
	}
	<-drained
	e.drain()
	st, err := e.svc.Status(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.InstallState != gormmodels.DropHeroDisabled {
		t.Fatalf("state after disable during install = %q, want disabled", st.InstallState)
	}
	for _, p := range []string{"/v1/category", "/v1/subscribed", "/v1/shipping", "/v1/products"} {
		if n := e.fake.CountRequests("GET", p) + e.fake.CountRequests("POST", p); n != 0 {
			t.Errorf("%d calls to %s after disable", n, p)
		}
	}
	var row gormmodels.DropHeroSettings
	e.db.First(&row, 1)
	if row.TokenHash != "" {
		t.Error("callback token restored after disable")
	}
}
