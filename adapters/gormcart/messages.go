package gormcart

import (
	"fmt"
	"strings"
)

// Messages are the buyer-facing texts of the cart check. Texts with a %
// verb are formatted with fmt (a quantity or an amount).
type Messages struct {
	OutOfStock        string // 300
	NotFound          string // 301
	QtyNotAvailable   string // 302, %d available
	BelowMinimum      string // 304, %d minimum
	AboveMaximum      string // 305, %d maximum
	CouponUnknown     string
	CouponExpired     string
	CouponNotYetValid string
	CouponMinAmount   string // %s amount and currency
	CouponUsed        string
	CouponLogin       string
	CouponProducts    string
}

// DefaultMessages are the built-in German and English texts.
var DefaultMessages = map[string]Messages{
	"de": {
		OutOfStock:        "Dieser Artikel ist leider ausverkauft.",
		NotFound:          "Dieser Artikel ist nicht mehr erhältlich.",
		QtyNotAvailable:   "Nur noch %d Stück verfügbar.",
		BelowMinimum:      "Die Mindestbestellmenge ist %d.",
		AboveMaximum:      "Die Höchstbestellmenge ist %d.",
		CouponUnknown:     "Dieser Gutscheincode ist ungültig.",
		CouponExpired:     "Dieser Gutschein ist abgelaufen.",
		CouponNotYetValid: "Dieser Gutschein ist noch nicht gültig.",
		CouponMinAmount:   "Dieser Gutschein gilt ab einem Warenwert von %s.",
		CouponUsed:        "Sie haben diesen Gutschein bereits eingelöst.",
		CouponLogin:       "Bitte melden Sie sich an, um diesen Gutschein einzulösen.",
		CouponProducts:    "Dieser Gutschein gilt für keinen Artikel im Warenkorb.",
	},
	"en": {
		OutOfStock:        "This product is sold out.",
		NotFound:          "This product is no longer available.",
		QtyNotAvailable:   "Only %d pieces are available.",
		BelowMinimum:      "The minimum order quantity is %d.",
		AboveMaximum:      "The maximum order quantity is %d.",
		CouponUnknown:     "This coupon code is not valid.",
		CouponExpired:     "This coupon has expired.",
		CouponNotYetValid: "This coupon is not valid yet.",
		CouponMinAmount:   "This coupon requires an order value of at least %s.",
		CouponUsed:        "You have already used this coupon.",
		CouponLogin:       "Please log in to use this coupon.",
		CouponProducts:    "This coupon does not apply to any product in your cart.",
	},
}

// messages returns the texts for lang: the configured ones over the
// defaults of lang, else of English.
func (c *Cart) messages(lang string) Messages {
	lang = strings.ToLower(lang)
	if m, ok := c.msgs[lang]; ok {
		return m
	}
	return c.msgs["en"]
}

// mergeMessages fills the empty texts of m from d.
func mergeMessages(m, d Messages) Messages {
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	return Messages{
		OutOfStock: pick(m.OutOfStock, d.OutOfStock), NotFound: pick(m.NotFound, d.NotFound),
		QtyNotAvailable: pick(m.QtyNotAvailable, d.QtyNotAvailable), BelowMinimum: pick(m.BelowMinimum, d.BelowMinimum),
		AboveMaximum: pick(m.AboveMaximum, d.AboveMaximum), CouponUnknown: pick(m.CouponUnknown, d.CouponUnknown),
		CouponExpired: pick(m.CouponExpired, d.CouponExpired), CouponNotYetValid: pick(m.CouponNotYetValid, d.CouponNotYetValid),
		CouponMinAmount: pick(m.CouponMinAmount, d.CouponMinAmount), CouponUsed: pick(m.CouponUsed, d.CouponUsed),
		CouponLogin: pick(m.CouponLogin, d.CouponLogin), CouponProducts: pick(m.CouponProducts, d.CouponProducts),
	}
}

func format(text string, arg any) string {
	if strings.Contains(text, "%") {
		return fmt.Sprintf(text, arg)
	}
	return text
}
