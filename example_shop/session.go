package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"gorm.io/gorm"
)

// sessionCookie names the cookie that carries the session token.
const sessionCookie = "shop_session"

// Keys of values cached in the echo context for one request.
const (
	ctxSession  = "shop.session"
	ctxCustomer = "shop.customer"
)

// newToken returns 32 random bytes, URL-safe base64 encoded.
func newToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// currentSession returns the session named by the request's cookie, or nil.
func (a *App) currentSession(c echo.Context) *Session {
	if s, ok := c.Get(ctxSession).(*Session); ok {
		return s
	}
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 64 {
		return nil
	}
	var s Session
	err = a.DB.WithContext(c.Request().Context()).Where("token = ?", ck.Value).Take(&s).Error
	if err != nil {
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			a.Log.Warn("load session", zap.Error(err))
		}
		return nil
	}
	c.Set(ctxSession, &s)
	return &s
}

// ensureSession returns the current session, creating one (and setting its
// cookie) when the browser has none.
func (a *App) ensureSession(c echo.Context) (*Session, error) {
	if s := a.currentSession(c); s != nil {
		return s, nil
	}
	tok, err := newToken()
	if err != nil {
		return nil, err
	}
	s := &Session{Token: tok}
	if err := a.DB.WithContext(c.Request().Context()).Create(s).Error; err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	a.setSessionCookie(c, tok)
	c.Set(ctxSession, s)
	return s, nil
}

// setSessionCookie hands the browser its session token. SameSite=Lax keeps
// other sites from posting forms with it.
func (a *App) setSessionCookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   c.Scheme() == "https",
		Expires:  time.Now().Add(sessionLifetime),
	})
}

// sessionCustomer returns the customer logged in to s, or nil.
func (a *App) sessionCustomer(c echo.Context, s *Session) *Customer {
	if s == nil || s.CustomerID == nil {
		return nil
	}
	if cu, ok := c.Get(ctxCustomer).(*Customer); ok {
		return cu
	}
	var cu Customer
	if err := a.DB.WithContext(c.Request().Context()).Preload("Addresses", func(db *gorm.DB) *gorm.DB {
		return db.Order("is_default DESC, id")
	}).Take(&cu, *s.CustomerID).Error; err != nil {
		return nil
	}
	c.Set(ctxCustomer, &cu)
	return &cu
}

// currentCustomer returns the logged-in customer of the request, or nil.
func (a *App) currentCustomer(c echo.Context) *Customer {
	return a.sessionCustomer(c, a.currentSession(c))
}

// sessionLifetime is how long a session (and its cookie) lives.
const sessionLifetime = 30 * 24 * time.Hour

// pruneSessions deletes sessions older than sessionLifetime, with their
// carts; their cookies have expired by then.
func (a *App) pruneSessions(ctx context.Context, now time.Time) (int64, error) {
	cutoff := now.Add(-sessionLifetime)
	var n int64
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		old := tx.Model(&Session{}).Select("token").Where("created_at < ?", cutoff)
		if err := tx.Where("session_token IN (?)", old).Delete(&CartItem{}).Error; err != nil {
			return err
		}
		res := tx.Where("created_at < ?", cutoff).Delete(&Session{})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("prune sessions: %w", err)
	}
	return n, nil
}

// pruneSessionsLoop runs pruneSessions hourly until ctx is done.
func (a *App) pruneSessionsLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := a.pruneSessions(ctx, time.Now()); err != nil {
			if ctx.Err() == nil {
				a.Log.Warn("prune sessions", zap.Error(err))
			}
		} else if n > 0 {
			a.Log.Info("pruned sessions", zap.Int64("count", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
