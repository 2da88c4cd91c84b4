package gormcatalog

import (
	"testing"

	"github.com/shopbridge/shopbridge/adapters"
)

func TestLocalize(t *testing.T) {
	cfg := Config{Items: Items{From: "p JOIN t ON t.lang = {lang}", Key: "p.id",
		Fields:      ItemFields{Name: "COALESCE(t.name, p.name)", Currency: "{currency}"},
		TierPrices:  &TierPrices{List: List{From: "tp", Product: "tp.product_id", Where: "tp.currency = {currency}"}},
		Identifiers: []IdentifierColumn{{Type: "EAN", Expr: "p.ean_{lang}"}}}}
	if !HasPlaceholders(cfg) || HasPlaceholders(Config{Items: Items{From: "p"}}) {
		t.Fatal("HasPlaceholders")
	}
	got := Localize(cfg, adapters.Shop{Language: "EN", Currency: "usd"})
	if got.Items.From != "p JOIN t ON t.lang = 'en'" || got.Items.Fields.Currency != "'USD'" ||
		got.Items.TierPrices.Where != "tp.currency = 'USD'" || got.Items.Identifiers[0].Expr != "p.ean_'en'" {
		t.Errorf("localized: %+v", got.Items)
	}
	if cfg.Items.From != "p JOIN t ON t.lang = {lang}" || cfg.Items.TierPrices.Where != "tp.currency = {currency}" {
		t.Error("the original mapping was changed")
	}
	// Anything but letters never reaches the SQL.
	evil := Localize(cfg, adapters.Shop{Language: "x' OR '1'='1", Currency: "EU R"})
	if evil.Items.From != "p JOIN t ON t.lang = ''" || evil.Items.Fields.Currency != "''" {
		t.Errorf("injection: %+v", evil.Items)
	}
}
