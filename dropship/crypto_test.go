package dropship_test

import (
	"strings"
	"testing"

	"github.com/shopbridge/shopbridge/dropship"
)

func TestCipher(t *testing.T) {
	c, err := dropship.NewCipher(testKey)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := c.Encrypt("s3cr3tK3y")
	if err != nil || strings.Contains(enc, "s3cr3t") {
		t.Fatal(enc, err)
	}
	if dec, err := c.Decrypt(enc); err != nil || dec != "s3cr3tK3y" {
		t.Errorf("round trip %q %v", dec, err)
	}
	other, _ := dropship.NewCipher([]byte("ffffffffffffffffffffffffffffffff"))
	if _, err := other.Decrypt(enc); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("wrong key: %v", err)
	}
	path := t.TempDir() + "/key"
	k1, err := dropship.LoadOrCreateKeyFile(path)
	if err != nil || len(k1) != 32 {
		t.Fatal(err)
	}
	k2, _ := dropship.LoadOrCreateKeyFile(path)
	if string(k1) != string(k2) {
		t.Error("key file not reused")
	}
	if fi, _ := osStat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode())
	}
	if _, err := dropship.ParseKey("short"); err == nil {
		t.Error("short key accepted")
	}
}
