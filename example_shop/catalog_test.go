package main

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/adapters/gormcatalog"
	"github.com/shopbridge/shopbridge/outbox"
	"github.com/shopbridge/shopbridge/shopgate"
)

// pluginCall posts a signed Plugin API request to the running shop.
func pluginCall(t *testing.T, b *browser, form url.Values) (*http.Response, []byte) {
	t.Helper()
	return signedPost(t, b.srv.URL, form, time.Now())
}

// signedPost posts form to the Plugin API of the shop at shopURL, signed
// with the demo credentials at time now (as Shopgate and "shopbridge
// call" do), and returns the answer.
func signedPost(t *testing.T, shopURL string, form url.Values, now time.Time) (*http.Response, []byte) {
	t.Helper()
	if form.Get("shop_number") == "" {
		// The demo has two marketplaces: without a number, the German one.
		form.Set("shop_number", demoShopNumber)
	}
	req, err := http.NewRequest(http.MethodPost, shopURL+"/shopgate/api", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	shopgate.SignRequest(req.Header, shopgate.PrefixSPA, demoCustomerNumber, demoAPIKey, now)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

type exportedItem struct {
	UID      string `xml:"uid,attr"`
	Name     string `xml:"name"`
	Deeplink string `xml:"deeplink"`
	Images   []struct {
		URL string `xml:"url"`
	} `xml:"images>image"`
	Categories []struct {
		UID string `xml:"uid,attr"`
	} `xml:"categories>category"`
	IsSaleable  string `xml:"stock>is_saleable"`
	UseStock    string `xml:"stock>use_stock"`
	Quantity    string `xml:"stock>stock_quantity"`
	Identifiers []struct {
		Type  string `xml:"type,attr"`
		Value string `xml:",chardata"`
	} `xml:"identifiers>identifier"`
	Children []struct {
		UID        string   `xml:"uid,attr"`
		Attributes []string `xml:"attributes>attribute"`
	} `xml:"children>item"`
}

func TestCatalogExport(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		// A product without images, stock or category, with control
		// characters in its texts.
		var tax TaxClass
		if err := db.First(&tax).Error; err != nil {
			t.Fatal(err)
		}
		bare := Product{Number: "BARE-1", Name: "Bare\x01 product", Description: "ctrl\x02 ]]> text", Price: decimal.RequireFromString("9.90"),
			TaxClassID: tax.ID, Active: true, StockQuantity: 0}
		if err := db.Create(&bare).Error; err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, a)

		var parents int64
		if err := db.Model(&Product{}).Where("parent_id IS NULL AND active").Count(&parents).Error; err != nil {
			t.Fatal(err)
		}
		resp, body := pluginCall(t, b, url.Values{"action": {"get_items"}})
		if ct := resp.Header.Get("Content-Type"); ct != "application/xml" {
			t.Fatalf("get_items: Content-Type %q, body %s", ct, body)
		}
		var doc struct {
			Items []exportedItem `xml:"item"`
		}
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatalf("items XML: %v", err)
		}
		if int64(len(doc.Items)) != parents {
			t.Fatalf("%d items, want %d active parents", len(doc.Items), parents)
		}
		variants := 0
		for _, it := range doc.Items {
			if !strings.HasPrefix(it.Deeplink, "http://shop.test/product/") {
				t.Errorf("item %s deeplink %q", it.UID, it.Deeplink)
			}
			for _, im := range it.Images {
				if !strings.HasPrefix(im.URL, "http") {
					t.Errorf("item %s image %q is not absolute", it.UID, im.URL)
				}
			}
			for _, c := range it.Children {
				variants++
				if len(c.Attributes) == 0 {
					t.Errorf("variant %s of %s has no attributes", c.UID, it.UID)
				}
			}
			if it.UID == strconv.Itoa(int(bare.ID)) {
				if it.Name != "Bare product" || len(it.Images) != 0 || len(it.Categories) != 0 ||
					it.IsSaleable != "0" || it.UseStock != "1" || it.Quantity != "0" {
					t.Errorf("bare product exported as %+v", it)
				}
			}
		}
		if variants == 0 {
			t.Error("the demo catalogue exported no variants")
		}

		// Paging partitions the items exactly.
		var paged []string
		for offset := 0; ; offset += 4 {
			resp, body := pluginCall(t, b, url.Values{"action": {"get_items"}, "offset": {strconv.Itoa(offset)}, "limit": {"4"}})
			if resp.Header.Get("Content-Type") == "application/json" {
				if !strings.Contains(string(body), `"error":82`) {
					t.Fatalf("page at %d: %s", offset, body)
				}
				break
			}
			var page struct {
				Items []exportedItem `xml:"item"`
			}
			if err := xml.Unmarshal(body, &page); err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				paged = append(paged, it.UID)
			}
			if len(page.Items) > 4 {
				t.Fatalf("page with %d items", len(page.Items))
			}
		}
		if len(paged) != len(doc.Items) {
			t.Fatalf("pages gave %d items, want %d", len(paged), len(doc.Items))
		}
		for i := range paged {
			if paged[i] != doc.Items[i].UID {
				t.Fatalf("page order differs at %d: %s vs %s", i, paged[i], doc.Items[i].UID)
			}
		}

		var cats int64
		db.Model(&Category{}).Where("active").Count(&cats)
		resp, body = pluginCall(t, b, url.Values{"action": {"get_categories"}})
		var cdoc struct {
			C []struct {
				UID string `xml:"uid,attr"`
			} `xml:"category"`
		}
		if err := xml.Unmarshal(body, &cdoc); err != nil || int64(len(cdoc.C)) != cats || cats == 0 {
			t.Errorf("get_categories: %d categories (want %d), err %v, Content-Type %s", len(cdoc.C), cats, err, resp.Header.Get("Content-Type"))
		}

		var reviews int64
		db.Model(&Review{}).Where("active").Count(&reviews)
		_, body = pluginCall(t, b, url.Values{"action": {"get_reviews"}})
		if reviews == 0 {
			if !strings.Contains(string(body), `"error":82`) {
				t.Errorf("get_reviews without reviews: %s", body)
			}
		} else {
			var rdoc struct {
				R []struct {
					Score int `xml:"score"`
				} `xml:"review"`
			}
			if err := xml.Unmarshal(body, &rdoc); err != nil || int64(len(rdoc.R)) != reviews {
				t.Errorf("get_reviews: %d reviews (want %d), err %v", len(rdoc.R), reviews, err)
			}
		}
	})
}

func TestCatalogPush(t *testing.T) {
	a := newTestApp(t, openSQLite(t))
	var p Product
	if err := a.DB.Where("parent_id IS NULL AND active").Order("id").First(&p).Error; err != nil {
		t.Fatal(err)
	}
	if err := a.DB.Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&p).Update("name", "Renamed product").Error; err != nil {
			return err
		}
		return gormcatalog.EnqueueItem(tx, strconv.Itoa(int(p.ID)))
	}); err != nil {
		t.Fatal(err)
	}
	w, err := outbox.New(outbox.Config{DB: a.DB})
	if err != nil {
		t.Fatal(err)
	}
	src, err := gormcatalog.New(catalogConfig(a.DB, a.PublicURL))
	if err != nil {
		t.Fatal(err)
	}
	pusher, err := gormcatalog.NewPusher(gormcatalog.PusherConfig{Source: src, Client: a.sg.Client, Shop: adapters.Shop{Currency: Currency}})
	if err != nil {
		t.Fatal(err)
	}
	pusher.Register(w)
	if n, err := w.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("RunOnce: %d jobs, %v", n, err)
	}
	it, ok := a.sg.Fake.Item(strconv.Itoa(int(p.ID)))
	if !ok || it["name"] != "Renamed product" || it["deeplink_onlineshop"] != "http://shop.test/product/"+strconv.Itoa(int(p.ID)) {
		t.Errorf("pushed item: %v", it)
	}
}
