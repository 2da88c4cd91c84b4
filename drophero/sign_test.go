package drophero_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/shopbridge/shopbridge/drophero"
)

func TestSignVectors(t *testing.T) {
	tests := []struct {
		name, pub, secret string
		expires           int64
		sig, canonical    string
	}{
		{"vector1", "AKDHTEST0001", "s3cr3tK3y", 1382116367, "YzM3NDY0OTI0NzM1YmMwMjE0NjIwOGQ5ODIwOWFiNzNmMWM3NTgwOQ==",
			"DHSAccessKeyId=AKDHTEST0001&Expires=1382116367&Signature=YzM3NDY0OTI0NzM1YmMwMjE0NjIwOGQ5ODIwOWFiNzNmMWM3NTgwOQ%3D%3D"},
		{"vector2", "DH-PUB-7f3a9c", "0123456789abcdef0123456789abcdef", 1405612800, "YjdhYmM1ZmIyZmNmYmRhMDE4NzUwMzczMDhkYmM2MTY5NDhlZThkMA==",
			"DHSAccessKeyId=DH-PUB-7f3a9c&Expires=1405612800&Signature=YjdhYmM1ZmIyZmNmYmRhMDE4NzUwMzczMDhkYmM2MTY5NDhlZThkMA%3D%3D"},
		{"vector3", "k3y+Pub/03=", "p@ss w0rd/+=&ñ", 1700000000, "MjIxNTJkMzdhMTdjOGViZmExNGJiYjllZWU4ZTc2ZWZmYjNkOTM5YQ==",
			"DHSAccessKeyId=k3y%2BPub%2F03%3D&Expires=1700000000&Signature=MjIxNTJkMzdhMTdjOGViZmExNGJiYjllZWU4ZTc2ZWZmYjNkOTM5YQ%3D%3D"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := drophero.SignedQuery(tt.pub, tt.secret, time.Unix(tt.expires, 0))
			if got := q.Get("Signature"); got != tt.sig {
				t.Errorf("signature = %s, want %s", got, tt.sig)
			}
			if got := q.Encode(); got != tt.canonical {
				t.Errorf("query = %s, want %s", got, tt.canonical)
			}
			if len(tt.sig) != 56 {
				t.Errorf("signature length %d", len(tt.sig))
			}
			// The unescaped literal form decodes to the same values.
			lit, err := url.ParseQuery("Signature=" + tt.sig)
			if err != nil || !drophero.VerifySignature(tt.secret, q.Get("Expires"), lit.Get("Signature")) {
				t.Errorf("literal form not accepted: %v", err)
			}
		})
	}
}

func TestSignNegativeVectors(t *testing.T) {
	for name, sig := range map[string]string{
		"raw digest":    "w3Rkkkc1vAIUYgjZggmrc/HHWAk=",
		"uppercase hex": "QzM3NDY0OTI0NzM1QkMwMjE0NjIwOEQ5ODIwOUFCNzNGMUM3NTgwOQ==",
		"other expires": "YTZiMjA5NmQ5N2RiYWFjNWIyNDYzYTljOTVlZDIwYjBhNWY2OTE1YQ==",
		"empty":         "",
	} {
		if drophero.VerifySignature("s3cr3tK3y", "1382116367", sig) {
			t.Errorf("%s accepted", name)
		}
	}
}
