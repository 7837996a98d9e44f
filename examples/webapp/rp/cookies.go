package rp

import (
	"net/http"
	"time"
)

// Cookie names; over https they take the __Host- prefix, which browsers
// accept only with Secure, Path=/ and no Domain, so no sibling host can
// plant them (RFC 6265bis §4.1.3.2).
const (
	flowCookie    = "rp_flow"
	sessionCookie = "rp_session"
)

func (a *App) cookieName(base string) string {
	if a.secure {
		return "__Host-" + base
	}
	return base
}

// setCookie sets an HttpOnly, SameSite=Lax cookie for the whole app,
// Secure when the app is served over https. Lax (not Strict) because the
// callback is a top-level navigation coming from the provider's site: a
// Strict flow cookie would not be sent with it.
func (a *App) setCookie(w http.ResponseWriter, base, value string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name:     a.cookieName(base),
		Value:    value,
		Path:     "/",
		MaxAge:   int(ttl / time.Second),
		HttpOnly: true,
		Secure:   a.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// clearCookie tells the browser to forget a cookie.
func (a *App) clearCookie(w http.ResponseWriter, base string) {
	http.SetCookie(w, &http.Cookie{
		Name:     a.cookieName(base),
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   a.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// cookie returns the value of a cookie, "" when absent.
func (a *App) cookie(r *http.Request, base string) string {
	c, err := r.Cookie(a.cookieName(base))
	if err != nil {
		return ""
	}
	return c.Value
}
