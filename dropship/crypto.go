package dropship

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Cipher encrypts credentials at rest with AES-256-GCM. The key lives in
// configuration (e.g. SHOPBRIDGE_SECRET_KEY), never in the database.
type Cipher struct{ aead cipher.AEAD }

// NewCipher returns a Cipher for a 32-byte key.
func NewCipher(key []byte) (*Cipher, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("drophero: encryption key must be 32 bytes, got %d", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &Cipher{aead: g}, nil
}

// ParseKey decodes a configured key: 64 hex digits or base64 (standard or
// URL alphabet, padded or not) of 32 bytes.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 64 {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("drophero: encryption key must be 32 bytes as 64 hex digits or base64")
}

// LoadOrCreateKeyFile reads the key from path, or creates the file with a
// new random key and mode 0600 (demo mode).
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil {
		return ParseKey(string(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("drophero: read key file: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("drophero: create key file: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		return nil, fmt.Errorf("drophero: write key file: %w", err)
	}
	return key, nil
}

// Encrypt returns base64(nonce || ciphertext) of plain.
func (c *Cipher) Encrypt(plain string) (string, error) {
	nonce := make([]byte, c.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(c.aead.Seal(nonce, nonce, []byte(plain), nil)), nil
}

// Decrypt reverses Encrypt. The error never contains the plaintext.
func (c *Cipher) Decrypt(enc string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(b) < c.aead.NonceSize() {
		return "", errors.New("drophero: stored credential is not valid ciphertext")
	}
	n := c.aead.NonceSize()
	p, err := c.aead.Open(nil, b[:n], b[n:], nil)
	if err != nil {
		return "", errors.New("drophero: stored credential cannot be decrypted (wrong SHOPBRIDGE_SECRET_KEY?)")
	}
	return string(p), nil
}
