package gormcustomers

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/gormmodels"
)

// Login throttling (docs/protocol/customers.md#throttling). Each failed
// login counts against two keys, the login and the client address, in
// shopbridge_login_attempts. A key with Limit failures within Window is
// locked for Lock: logins on it are refused without checking the
// password. A successful login clears its login key. All updates are
// single statements, so concurrent processes on one database agree.

type throttleKey struct {
	key   string
	limit int
}

func (s *Store) throttleKeys(cred adapters.Credentials) []throttleKey {
	if s.cfg.Throttle.Disabled {
		return nil
	}
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(cred.Login))))
	keys := []throttleKey{{key: "login:" + hex.EncodeToString(sum[:]), limit: s.cfg.Throttle.PerLogin}}
	if cred.ClientAddress != "" {
		keys = append(keys, throttleKey{key: "addr:" + cred.ClientAddress, limit: s.cfg.Throttle.PerAddress})
	}
	return keys
}

func keyNames(keys []throttleKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.key
	}
	return out
}

// locked reports whether any key is locked now.
func (s *Store) locked(db *gorm.DB, keys []throttleKey) (bool, error) {
	if len(keys) == 0 {
		return false, nil
	}
	var n int64
	err := db.Model(&gormmodels.LoginAttempt{}).
		Where("attempt_key IN ? AND locked_until > ?", keyNames(keys), s.cfg.Now().UnixMilli()).Count(&n).Error
	return n > 0, err
}

// fail counts a failed attempt against every key and locks those that
// reached their limit.
func (s *Store) fail(db *gorm.DB, keys []throttleKey) error {
	now := s.cfg.Now().UnixMilli()
	windowStart := now - s.cfg.Throttle.Window.Milliseconds()
	for _, k := range keys {
		err := db.Exec(`INSERT INTO shopbridge_login_attempts (attempt_key, failures, window_start, locked_until) VALUES (?, 1, ?, 0)
ON CONFLICT (attempt_key) DO UPDATE SET
 failures = CASE WHEN shopbridge_login_attempts.window_start < ? THEN 1 ELSE shopbridge_login_attempts.failures + 1 END,
 window_start = CASE WHEN shopbridge_login_attempts.window_start < ? THEN ? ELSE shopbridge_login_attempts.window_start END`,
			k.key, now, windowStart, windowStart, now).Error
		if err != nil {
			return err
		}
		err = db.Exec(`UPDATE shopbridge_login_attempts SET locked_until = ?, failures = 0, window_start = ?
WHERE attempt_key = ? AND failures >= ?`, now+s.cfg.Throttle.Lock.Milliseconds(), now, k.key, k.limit).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// succeed clears the login key after a successful login.
func (s *Store) succeed(db *gorm.DB, keys []throttleKey) error {
	if len(keys) == 0 {
		return nil
	}
	return db.Where("attempt_key = ? AND locked_until <= ?", keys[0].key, s.cfg.Now().UnixMilli()).Delete(&gormmodels.LoginAttempt{}).Error
}
