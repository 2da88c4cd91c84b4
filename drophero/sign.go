package drophero

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strconv"
	"time"
)

// Sign returns the DropHero signature for the given Expires string: the
// standard base64 of the lowercase hex HMAC-SHA1 of expires+secret keyed
// with secret. The base64 input is the hex text, not the raw digest, as
// DropHero's PHP reference (hash_hmac) produces it.
func Sign(secret, expires string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(expires))
	m.Write([]byte(secret))
	return base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(m.Sum(nil))))
}

// VerifySignature reports, in constant time, whether signature is the valid
// signature of expires for secret.
func VerifySignature(secret, expires, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, expires)), []byte(signature))
}

// SignedQuery returns the three presigning query parameters for a request
// signed at time t. It is the only query a DropHero request may carry.
func SignedQuery(publicKey, secret string, t time.Time) url.Values {
	exp := strconv.FormatInt(t.Unix(), 10)
	return url.Values{
		"DHSAccessKeyId": {publicKey},
		"Expires":        {exp},
		"Signature":      {Sign(secret, exp)},
	}
}
