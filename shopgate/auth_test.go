package shopgate

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tokenVectors are the vectors 1–11 of
// docs/protocol/plugin-api.md#auth-test-vectors plus the worked example of
// docs/protocol/merchant-api.md#sma-authentication.
var tokenVectors = []struct {
	customer, apikey string
	ts               int64
	prefix, want     string
}{
	{"12345", "abcdef0123456789abcd", 1700000000, "SPA", "97e4b1f8e6905977ef770e49637038338bc457f6"},
	{"12345", "abcdef0123456789abcd", 1700000000, "SMA", "efcfb35b71a8a15d0314ca00024fc15735d96bdd"},
	{"12345", "abcdef0123456789abcd", 1700001800, "SPA", "39af8aff399ef1a161e8090ad9812ae355d748de"},
	{"12345", "abcdef0123456789abcd", 1700001800, "SMA", "f87a99d8f269985da43c4c07f94a321be83c206d"},
	{"12345", "abcdef0123456789abcd", 1699998200, "SPA", "82a46a5c15aacbf01c68c8c9ed7449d93973a781"},
	{"12345", "abcdef0123456789abcd", 1699998200, "SMA", "8f936edfe2646b04c28bc6383b182a02dcebf630"},
	{"54321", "0123456789abcdef0123", 1712345678, "SPA", "114d8455cdecdf39991bc02f4c9d3b90442d2635"},
	{"54321", "0123456789abcdef0123", 1712345678, "SMA", "a7068209de3e078b9b59d3a16dd738bcfe0982d7"},
	{"12345", "01677e4c0ae5468b9b8b823487f14524", 1329146130, "SPA", "b83e778fb008e0b006a4094787aba2d9543d6d25"},
	{"12345", "01677e4c0ae5468b9b8b823487f14524", 1329146130, "SMA", "07c573bcaf4e1b4669c3dd23175d78fcfab4e5b4"},
	{"12345", "01677e4c0ae5468b9b8b823487f14524", 1334128396, "SMA", "885964b9b46756bdec6d7ae549ae5bfcd406798a"},
	// worked example of docs/protocol/merchant-api.md#sma-authentication
	{"12345", "0123456789abcdef0123", 1700000000, "SMA", "2aaf32ba88790e7abd88c0e5b65f3c89983127ca"},
	{"12345", "0123456789abcdef0123", 1700000000, "SPA", "9d1a6980c98f2546460cb6a11f94431e0a8e5ee3"},
}

func TestTokenVectors(t *testing.T) {
	for i, v := range tokenVectors {
		t.Run(strconv.Itoa(i+1)+"_"+v.prefix, func(t *testing.T) {
			if got := Token(v.prefix, v.customer, v.ts, v.apikey); got != v.want {
				t.Errorf("Token(%s, %s, %d, %s) = %s, want %s", v.prefix, v.customer, v.ts, v.apikey, got, v.want)
			}
		})
	}
}

func TestSignRequestVectors(t *testing.T) {
	for i, v := range tokenVectors {
		h := http.Header{}
		SignRequest(h, v.prefix, v.customer, v.apikey, time.Unix(v.ts, 0))
		wantUser := v.customer + "-" + strconv.FormatInt(v.ts, 10)
		if got := h.Get(HeaderAuthUser); got != wantUser {
			t.Errorf("vector %d: %s = %q, want %q", i+1, HeaderAuthUser, got, wantUser)
		}
		if got := h.Get(HeaderAuthToken); got != v.want {
			t.Errorf("vector %d: %s = %q, want %q", i+1, HeaderAuthToken, got, v.want)
		}
		// A signed request must verify with the same prefix, never the other.
		if err := VerifyAuth(v.prefix, h.Get(HeaderAuthUser), h.Get(HeaderAuthToken), v.customer, v.apikey, time.Unix(v.ts, 0)); err != nil {
			t.Errorf("vector %d: VerifyAuth same prefix: %v", i+1, err)
		}
		other := PrefixSPA
		if v.prefix == PrefixSPA {
			other = PrefixSMA
		}
		if err := VerifyAuth(other, h.Get(HeaderAuthUser), h.Get(HeaderAuthToken), v.customer, v.apikey, time.Unix(v.ts, 0)); !errors.Is(err, ErrAuthBadToken) {
			t.Errorf("vector %d: VerifyAuth other prefix = %v, want ErrAuthBadToken", i+1, err)
		}
	}
}

// TestVerifyAuthCases is the verification-case table of
// docs/protocol/plugin-api.md#auth-test-vectors
// (configured customer 12345, apikey abcdef0123456789abcd), plus the
// named reasons of 2.1.
func TestVerifyAuthCases(t *testing.T) {
	const (
		cn     = "12345"
		key    = "abcdef0123456789abcd"
		vec1   = "97e4b1f8e6905977ef770e49637038338bc457f6"
		vec2   = "efcfb35b71a8a15d0314ca00024fc15735d96bdd"
		user   = "12345-1700000000"
		tsBase = 1700000000
	)
	tests := []struct {
		name           string
		now            int64
		user, token    string
		customer, akey string
		want           error
	}{
		{"exact time", tsBase, user, vec1, cn, key, nil},
		{"1800 s later still ok", 1700001800, user, vec1, cn, key, nil},
		{"1801 s later too old", 1700001801, user, vec1, cn, key, ErrAuthExpired},
		{"1800 s earlier still ok", 1699998200, user, vec1, cn, key, nil},
		{"1801 s earlier too far in future", 1699998199, user, vec1, cn, key, ErrAuthExpired},
		{"uppercase token", tsBase, user, strings.ToUpper(vec1), cn, key, ErrAuthBadToken},
		{"SMA token on SPA check", tsBase, user, vec2, cn, key, ErrAuthBadToken},
		{"unanchored user (PHP accepts, Go rejects)", tsBase, "abc 12345-1700000000 xyz", vec1, cn, key, ErrAuthUnparsable},
		{"underscore separator", tsBase, "12345_1700000000", vec1, cn, key, ErrAuthUnparsable},
		{"user header missing", tsBase, "", vec1, cn, key, ErrAuthNoHeader},
		{"token header missing", tsBase, user, "", cn, key, ErrAuthNoHeader},
		{"both missing", tsBase, "", "", cn, key, ErrAuthNoHeader},
		{"apikey not configured", tsBase, user, vec1, cn, "", ErrAuthNotConfigured},
		{"customer not configured", tsBase, user, vec1, "", key, ErrAuthNotConfigured},
		{"other customer", tsBase, "54321-1700000000", Token("SPA", "54321", tsBase, key), cn, key, ErrAuthWrongCustomer},
		{"one-digit customer", tsBase, "1-1700000000", vec1, cn, key, ErrAuthUnparsable},
		{"leading zero customer", tsBase, "012345-1700000000", vec1, cn, key, ErrAuthUnparsable},
		{"short token", tsBase, user, vec1[:39], cn, key, ErrAuthBadToken},
		{"token with surrounding space ok", tsBase, " " + user + " ", " " + vec1 + " ", cn, key, nil},
		{"timestamp overflow", tsBase, "12345-99999999999999999999", vec1, cn, key, ErrAuthUnparsable},
		{"configured customer with leading zeros", tsBase, user, vec1, "012345", key, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyAuth(PrefixSPA, tc.user, tc.token, tc.customer, tc.akey, time.Unix(tc.now, 0))
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("VerifyAuth = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestVerifyAuthWorkedExampleSMA checks the Merchant API direction with
// the worked example (docs/protocol/merchant-api.md#sma-authentication).
func TestVerifyAuthWorkedExampleSMA(t *testing.T) {
	err := VerifyAuth(PrefixSMA, "12345-1700000000", "2aaf32ba88790e7abd88c0e5b65f3c89983127ca",
		"12345", "0123456789abcdef0123", time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
}

func TestParseAuthUser(t *testing.T) {
	tests := []struct {
		in     string
		cn     string
		ts     int64
		wantOK bool
	}{
		{"12345-1700000000", "12345", 1700000000, true},
		{"  12345-1700000000\t", "12345", 1700000000, true},
		{"10-10", "10", 10, true},
		{"12345-17000000001", "12345", 17000000001, true},
		{"12345-", "", 0, false},
		{"-1700000000", "", 0, false},
		{"12345", "", 0, false},
		{"1-1700000000", "", 0, false},
		{"12345-1", "", 0, false},
		{"12345-0700000000", "", 0, false},
		{"12345-1700000000-1", "", 0, false},
		{"12a45-1700000000", "", 0, false},
		{"+12345-1700000000", "", 0, false},
		{"12345-+1700000000", "", 0, false},
		{"12345-9223372036854775808", "", 0, false},
		{"12345-9223372036854775807", "12345", 9223372036854775807, true},
		{"١٢٣٤٥-1700000000", "", 0, false},
		{"", "", 0, false},
	}
	for _, tc := range tests {
		cn, ts, err := ParseAuthUser(tc.in)
		if tc.wantOK {
			if err != nil || cn != tc.cn || ts != tc.ts {
				t.Errorf("ParseAuthUser(%q) = %q, %d, %v; want %q, %d", tc.in, cn, ts, err, tc.cn, tc.ts)
			}
			continue
		}
		if !errors.Is(err, ErrAuthUnparsable) {
			t.Errorf("ParseAuthUser(%q) = %q, %d, %v; want ErrAuthUnparsable", tc.in, cn, ts, err)
		}
	}
}

func FuzzParseAuthUser(f *testing.F) {
	for _, s := range []string{"12345-1700000000", "1-1", "abc 12345-1700000000 xyz", "12345_1700000000",
		"012345-1700000000", "12345-99999999999999999999", " 10-10 ", "-", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cn, ts, err := ParseAuthUser(in)
		if err != nil {
			if !errors.Is(err, ErrAuthUnparsable) || cn != "" || ts != 0 {
				t.Fatalf("ParseAuthUser(%q) = %q, %d, %v", in, cn, ts, err)
			}
			return
		}
		// Accepted values round-trip exactly: the whole trimmed input is
		// "<cn>-<ts>" with no sign, no leading zero, at least two digits each.
		if got := cn + "-" + strconv.FormatInt(ts, 10); got != strings.TrimSpace(in) {
			t.Fatalf("ParseAuthUser(%q) = %q, %d: does not round-trip (%q)", in, cn, ts, got)
		}
		if len(cn) < 2 || cn[0] == '0' || ts < 10 {
			t.Fatalf("ParseAuthUser(%q) accepted %q, %d", in, cn, ts)
		}
	})
}

func FuzzVerifyAuth(f *testing.F) {
	f.Add("12345-1700000000", "97e4b1f8e6905977ef770e49637038338bc457f6", int64(0))
	f.Add("12345-1700000000", "efcfb35b71a8a15d0314ca00024fc15735d96bdd", int64(1801))
	f.Add("x", "", int64(-5))
	f.Add("54321-1700000000", "114d8455cdecdf39991bc02f4c9d3b90442d2635", int64(1800))
	const cn, key = "12345", "abcdef0123456789abcd"
	known := []error{nil, ErrAuthNoHeader, ErrAuthUnparsable, ErrAuthExpired, ErrAuthBadToken, ErrAuthWrongCustomer}
	f.Fuzz(func(t *testing.T, user, token string, skew int64) {
		now := time.Unix(1700000000+skew%100000, 0)
		err := VerifyAuth(PrefixSPA, user, token, cn, key, now)
		isKnown := false
		for _, k := range known {
			isKnown = isKnown || errors.Is(err, k) || (k == nil && err == nil)
		}
		if !isKnown {
			t.Fatalf("VerifyAuth(%q, %q) = %v: not a named error", user, token, err)
		}
		if err != nil {
			return
		}
		// Success implies exactly the expected token for the parsed user,
		// the configured customer and a timestamp within the window.
		pcn, ts, perr := ParseAuthUser(user)
		if perr != nil || pcn != cn {
			t.Fatalf("accepted user %q (%v)", user, perr)
		}
		if d := now.Unix() - ts; d > 1800 || d < -1800 {
			t.Fatalf("accepted timestamp %d at %d", ts, now.Unix())
		}
		if strings.TrimSpace(token) != Token(PrefixSPA, cn, ts, key) {
			t.Fatalf("accepted token %q", token)
		}
	})
}
