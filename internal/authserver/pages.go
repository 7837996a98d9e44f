package authserver

import (
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rempart/rempart/internal/authserver/ui"
	"github.com/rempart/rempart/internal/vault"
	"github.com/rempart/rempart/internal/web"
)

// Cookies of the browser flow. The __Host- prefix makes the browser
// insist on Secure, Path=/ and no Domain, so a sibling subdomain cannot
// set or overwrite them (RFC 6265bis §4.1.3.2).
const (
	sessionCookie = "__Host-rempart_session"
	csrfCookie    = "__Host-rempart_csrf"
	// purposeCSRF derives the CSRF form token from the CSRF cookie.
	purposeCSRF = "csrf"
)

// setPageHeaders sets the headers of every HTML page and browser
// redirect: a CSP that allows nothing but our stylesheet and forms
// posting to ourselves (plus formTargets: the client's redirect origin,
// because Chromium applies form-action to the redirects that follow a
// form submission, and our forms end in a 303 to the client), no framing
// (clickjacking), no caching and no Referer (the authorization request
// must not leak to the stylesheet's or the client's logs).
func setPageHeaders(h http.Header, formTargets ...string) {
	formAction := "'self'"
	for _, t := range formTargets {
		if t != "" {
			formAction += " " + t
		}
	}
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action "+formAction+
		"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
}

// writePage renders p with status. A rendering failure is logged and
// becomes a bare 500.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, status int, p ui.Page, formTargets ...string) {
	body, err := ui.Render(p)
	h := w.Header()
	setPageHeaders(h, formTargets...)
	if err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelError, "page rendering failed",
			slog.String("request_id", web.RequestID(r.Context())), slog.Any("error", err))
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("internal error\n"))
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// common returns the fields every page has, issuing the CSRF cookie when
// the browser has none. loggedIn shows the sign-out button.
func (s *Server) common(w http.ResponseWriter, r *http.Request, title string, loggedIn bool) ui.Common {
	c := ui.Common{Title: title, CSSURL: s.browser.cssPath, CSRF: s.csrfToken(w, r)}
	if loggedIn {
		c.LogoutAction = s.prefix + "/logout"
	}
	return c
}

// writeMessage renders a message page.
func (s *Server) writeMessage(w http.ResponseWriter, r *http.Request, status int, title, text string, alert bool) {
	s.writePage(w, r, status, ui.Message{Common: s.common(w, r, title, false), Text: text, Alert: alert})
}

// writeUnavailable is the page of a request that failed closed (D2): the
// store or the directory did not answer. The cause is logged.
func (s *Server) writeUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.log.LogAttrs(r.Context(), slog.LevelError, "browser request failed",
		slog.String("request_id", web.RequestID(r.Context())), slog.Any("error", err))
	s.writeMessage(w, r, http.StatusServiceUnavailable, "Service unavailable",
		"The sign-in service cannot complete your request right now. Please try again in a moment.", true)
}

// writeTooMany is the 429 page of a jailed or rate-limited login (R3,
// R11): Retry-After is set (and RateLimit headers, by the caller, for the
// rate limit).
func (s *Server) writeTooMany(w http.ResponseWriter, r *http.Request, retry time.Duration) {
	secs := int64((retry + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
	s.writeMessage(w, r, http.StatusTooManyRequests, "Too many attempts",
		"There were too many sign-in attempts. Please wait a while before trying again.", true)
}

// csrfToken returns the CSRF form token bound to the browser's CSRF
// cookie, setting a new cookie when there is none (or it is malformed).
// The token is a keyed hash of the cookie value, so a form token is
// useless without the cookie it was made for, and a cookie planted by
// someone else (impossible with __Host-, but still) yields no token the
// attacker can compute.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	v := cookieValue(r, csrfCookie)
	if !wellFormedSecret(v) {
		nv, err := vault.NewSecret()
		if err != nil {
			return "" // every form will then fail its CSRF check: closed
		}
		v = nv
		// SameSite=Lax: see setSessionCookie.
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", Secure: true, HttpOnly: true,
			SameSite: http.SameSiteLaxMode})
		r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v}) // later calls in this request agree
	}
	return base64.RawURLEncoding.EncodeToString(s.hasher.Hash(purposeCSRF, v))
}

// checkCSRF reports whether a posted form comes from one of our pages: the
// csrf field must be the token of the browser's CSRF cookie (compared in
// constant time), and the Fetch metadata, when the browser sends it, must
// say same-origin. An Origin header other than ours is refused; "null" is
// accepted because our Referrer-Policy makes browsers send it.
func (s *Server) checkCSRF(r *http.Request, form url.Values) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" && o != s.browser.origin {
		return false
	}
	v := cookieValue(r, csrfCookie)
	got := form.Get("csrf")
	if !wellFormedSecret(v) || got == "" {
		return false
	}
	want := base64.RawURLEncoding.EncodeToString(s.hasher.Hash(purposeCSRF, v))
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// readPageForm reads a form posted by one of our pages and checks its
// CSRF token; on failure it has written the error page (403 for CSRF).
func (s *Server) readPageForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBrowserForm)
	if err := r.ParseForm(); err != nil {
		s.writeMessage(w, r, http.StatusBadRequest, "Invalid request", "The form could not be read.", true)
		return nil, false
	}
	if !s.checkCSRF(r, r.PostForm) {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "form refused: CSRF check failed",
			slog.String("request_id", web.RequestID(r.Context())),
			slog.String("path", r.URL.EscapedPath()))
		s.writeMessage(w, r, http.StatusForbidden, "Request refused",
			"This form could not be verified. Go back, reload the page and try again.", true)
		return nil, false
	}
	return r.PostForm, true
}

// cookieValue returns the value of the first cookie named name, "" when
// none.
func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// wellFormedSecret reports whether v looks like a vault.NewSecret value
// (43 base64url characters), so junk cookies are never hashed or looked up.
func wellFormedSecret(v string) bool {
	if len(v) != 43 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// originOf returns the origin (scheme://host[:port]) of an absolute URL
// as a CSP source expression, or "" when it has none usable: a
// private-use scheme gives "scheme:"; anything with characters that could
// break out of a CSP directive gives "".
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return ""
	}
	var o string
	if u.Host == "" {
		o = u.Scheme + ":"
	} else {
		o = u.Scheme + "://" + u.Host
	}
	for i := 0; i < len(o); i++ {
		c := o[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(".-+:/[]", c) >= 0) {
			return ""
		}
	}
	return o
}
