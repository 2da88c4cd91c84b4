package dropship_test

import (
	"context"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/dropship"
	"github.com/shopbridge/shopbridge/handlers/dropherocallback"
	"github.com/shopbridge/shopbridge/outbox"
)

// ExampleNew shows the wiring in a host shop: the service, its outbox jobs
// and the callback routes, which the handler mounts under the service's
// CallbackPrefix. (It needs a database, so it is not run.)
func ExampleNew() {
	var db *gorm.DB                                                             // the shop's PostgreSQL
	var host adapters.DropHeroHost                                              // the shop's implementation
	key, _ := dropship.ParseKey("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=") // from SHOPBRIDGE_SECRET_KEY
	ciph, _ := dropship.NewCipher(key)
	svc, err := dropship.New(dropship.Config{DB: db, Host: host, Cipher: ciph,
		PublicURL: "https://shop.example.com"})
	if err != nil {
		panic(err)
	}
	w, err := outbox.New(dropship.WorkerConfig(db, nil))
	if err != nil {
		panic(err)
	}
	svc.Register(w)
	go w.Run(context.Background())
	e := echo.New()
	cb, err := dropherocallback.New(dropherocallback.Config{Service: svc})
	if err != nil {
		panic(err)
	}
	cb.Mount(e.Group(""))
	// The merchant enters the keys; the installation runs in the outbox.
	_ = svc.SaveKeys(context.Background(), "AKDHTEST0001", "s3cr3tK3y")
}
