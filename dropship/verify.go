package dropship

import (
	"context"
	"errors"
	"strings"

	"github.com/shopbridge/shopbridge/drophero"
)

// ErrKeysRejected is returned by VerifyKeys when DropHero refuses the keys.
var ErrKeysRejected = errors.New("dropship: DropHero rejected these keys")

// VerifyKeys checks keys against DropHero before they replace working ones
// (docs/protocol/drophero.md#installation): it sends one read-only request
// (GET /v1/shipping) signed with them. An empty key means the stored one.
// Nothing is stored; on success call SaveKeys. A refusal is ErrKeysRejected;
// any other error means DropHero could not be asked.
func (s *Service) VerifyKeys(ctx context.Context, publicKey, secretKey string) error {
	publicKey, secretKey = strings.TrimSpace(publicKey), strings.TrimSpace(secretKey)
	if publicKey == "" || secretKey == "" {
		st, err := s.settings(s.cfg.DB.WithContext(ctx))
		if err != nil {
			return err
		}
		if publicKey == "" && st.PublicKeyEnc != "" {
			if publicKey, err = s.cfg.Cipher.Decrypt(st.PublicKeyEnc); err != nil {
				return err
			}
		}
		if secretKey == "" && st.SecretKeyEnc != "" {
			if secretKey, err = s.cfg.Cipher.Decrypt(st.SecretKeyEnc); err != nil {
				return err
			}
		}
	}
	if publicKey == "" {
		return errors.New("drophero: public key is empty")
	}
	if secretKey == "" {
		return errors.New("drophero: secret key is empty")
	}
	c, err := drophero.NewClient(drophero.Config{BaseURL: s.cfg.BaseURL, PublicKey: publicKey, SecretKey: secretKey, Gate: s.cfg.Gate,
		HTTPClient: s.cfg.HTTPClient, Logger: s.log, Retries: s.cfg.Retries, RetryBackoff: s.cfg.RetryBackoff})
	if err != nil {
		return err
	}
	if _, err := c.ShippingModes(ctx); err != nil {
		if errors.Is(err, drophero.ErrUnauthorized) {
			return ErrKeysRejected
		}
		return err
	}
	return nil
}
