package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// passwordCost is the bcrypt cost of new password hashes. Tests lower it:
// bcrypt is deliberately slow, and more so under the race detector.
var passwordCost = bcrypt.DefaultCost

// dummyHash is compared against when the e-mail is unknown, so that a
// failed login takes as long whether or not the account exists.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("not a real password"), passwordCost)
	return h
})

// ErrBadLogin is returned by Authenticate for a wrong e-mail or password.
var ErrBadLogin = errors.New("wrong e-mail address or password")

// Authenticate returns the active customer with this e-mail address and
// password. Integrations (e.g. a single sign-on from an app) use it too.
func (a *App) Authenticate(db *gorm.DB, email, password string) (*Customer, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var cu Customer
	err := db.Where("LOWER(email) = ? AND active = ?", email, true).
		Preload("CustomerGroup").
		Preload("Addresses", func(tx *gorm.DB) *gorm.DB { return tx.Order("is_default DESC, id") }).
		Take(&cu).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password)) //nolint:errcheck // timing only
		return nil, ErrBadLogin
	}
	if err != nil {
		return nil, fmt.Errorf("load customer: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(cu.PasswordHash), []byte(password)) != nil {
		return nil, ErrBadLogin
	}
	return &cu, nil
}

// HashPassword returns the bcrypt hash stored in Customer.PasswordHash.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// loginPage is the data of login.html.
type loginPage struct {
	Email string
	Next  string
	Error string
	Demo  bool
}

// safeNext keeps redirects after login inside this shop.
func safeNext(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return "/account"
	}
	return s
}

// loginForm shows the login form.
func (a *App) loginForm(c echo.Context) error {
	return a.render(c, "login.html", loginPage{Next: safeNext(c.QueryParam("next")), Demo: a.Demo})
}

// login checks the credentials and binds the customer to a fresh session,
// carrying the cart over. A new token prevents session fixation.
func (a *App) login(c echo.Context) error {
	ctx := c.Request().Context()
	email, password := c.FormValue("email"), c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	cu, err := a.Authenticate(a.DB.WithContext(ctx), email, password)
	if errors.Is(err, ErrBadLogin) {
		a.Log.Info("login failed")
		return a.renderStatus(c, http.StatusUnauthorized, "login.html",
			loginPage{Email: email, Next: next, Error: "Wrong e-mail address or password.", Demo: a.Demo})
	}
	if err != nil {
		return err
	}
	tok, err := newToken()
	if err != nil {
		return err
	}
	old := a.currentSession(c)
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&Session{Token: tok, CustomerID: &cu.ID}).Error; err != nil {
			return err
		}
		if old == nil {
			return nil
		}
		if err := tx.Model(&CartItem{}).Where("session_token = ?", old.Token).
			Update("session_token", tok).Error; err != nil {
			return err
		}
		return tx.Where("token = ?", old.Token).Delete(&Session{}).Error
	})
	if err != nil {
		return fmt.Errorf("login session: %w", err)
	}
	a.setSessionCookie(c, tok)
	a.Log.Info("customer logged in", zap.Uint("customer_id", cu.ID))
	return c.Redirect(http.StatusSeeOther, next)
}

// logout ends the session and its cart.
func (a *App) logout(c echo.Context) error {
	if s := a.currentSession(c); s != nil {
		err := a.DB.WithContext(c.Request().Context()).Transaction(func(tx *gorm.DB) error {
			if err := tx.Where("session_token = ?", s.Token).Delete(&CartItem{}).Error; err != nil {
				return err
			}
			return tx.Where("token = ?", s.Token).Delete(&Session{}).Error
		})
		if err != nil {
			return fmt.Errorf("logout: %w", err)
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, "/")
}

// accountPage is the data of account.html.
type accountPage struct {
	Customer *Customer
	Orders   []Order
}

// account shows the logged-in customer's data and orders.
func (a *App) account(c echo.Context) error {
	cu := a.currentCustomer(c)
	if cu == nil {
		return c.Redirect(http.StatusSeeOther, "/login?next=/account")
	}
	d := accountPage{Customer: cu}
	if err := a.DB.WithContext(c.Request().Context()).Where("customer_id = ?", cu.ID).
		Order("created_at DESC, id DESC").Limit(50).Find(&d.Orders).Error; err != nil {
		return fmt.Errorf("load orders: %w", err)
	}
	return a.render(c, "account.html", d)
}
