package authserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/rempart/rempart/internal/authserver/ui"
	"github.com/rempart/rempart/internal/ratelimit"
	"github.com/rempart/rempart/internal/users"
	"github.com/rempart/rempart/internal/web"
)

// Texts of the login pages (generic: they never say whether a username
// exists).
const (
	textBadLogin   = "The username or password is incorrect."
	textBadCode    = "The code is incorrect or was already used. Wait for the next code and try again."
	textLoginAgain = "Your sign-in took too long. Please sign in again."
)

// serveLogin handles the login form (username and password). The attempt
// goes through the login rate limit per address (R11) and the jail per
// username and address (R3): a jailed user or address gets 429 even with
// the right password. A user with a second factor continues to the MFA
// page; otherwise the session starts and the authorization continues.
func (s *Server) serveLogin(w http.ResponseWriter, r *http.Request) {
	form, ok := s.readPageForm(w, r)
	if !ok {
		return
	}
	ar, ok := s.requestFromForm(w, r, form)
	if !ok {
		return
	}
	if !s.allowLoginAttempt(w, r) {
		return
	}
	ctx := r.Context()
	username, password := form.Get("username"), form.Get("password")
	keys := loginJailKeys(username, clientAddr(r))
	if s.jailedPage(w, r, keys) {
		return
	}
	u, err := s.browser.accounts.Authenticate(ctx, username, password)
	if errors.Is(err, users.ErrInvalidCredentials) {
		s.failJail(ctx, keys)
		s.metrics.AuthFailed("authorization_server", "invalid_password")
		s.log.LogAttrs(ctx, slog.LevelWarn, "login failed",
			slog.String("request_id", web.RequestID(ctx)), slog.String("user", jailName(username)),
			slog.String("peer", clientAddr(r)))
		s.writeLogin(w, r, ar, truncate(username, users.MaxUsernameLen), textBadLogin, http.StatusBadRequest)
		return
	}
	if err != nil {
		s.writeUnavailable(w, r, fmt.Errorf("authenticate: %w", err))
		return
	}
	if u.MFAEnabled {
		if _, err := s.startSession(ctx, w, r, u.ID, []string{"pwd"}, true); err != nil {
			s.writeUnavailable(w, r, err)
			return
		}
		s.writeMFAPage(w, r, ar, "", http.StatusOK)
		return
	}
	sess, err := s.startSession(ctx, w, r, u.ID, []string{"pwd"}, false)
	if err != nil {
		s.writeUnavailable(w, r, err)
		return
	}
	s.logLogin(r, u, sess)
	s.afterLogin(w, r, ar, sess)
}

// serveMFA handles the second-factor form: a TOTP code (RFC 6238) for the
// session whose password was just checked. Wrong codes count in the jail
// like wrong passwords.
func (s *Server) serveMFA(w http.ResponseWriter, r *http.Request) {
	form, ok := s.readPageForm(w, r)
	if !ok {
		return
	}
	ar, ok := s.requestFromForm(w, r, form)
	if !ok {
		return
	}
	if !s.allowLoginAttempt(w, r) {
		return
	}
	ctx := r.Context()
	pending, ok := s.requireSession(w, r, ar, sessionPending, textLoginAgain, http.StatusBadRequest)
	if !ok {
		return
	}
	u, err := s.browser.accounts.Get(ctx, pending.UserID)
	if err != nil {
		s.writeUnavailable(w, r, fmt.Errorf("get user: %w", err))
		return
	}
	keys := loginJailKeys(u.Username, clientAddr(r))
	if s.jailedPage(w, r, keys) {
		return
	}
	err = s.browser.accounts.VerifyTOTP(ctx, u, strings.TrimSpace(form.Get("otp")))
	switch {
	case errors.Is(err, users.ErrInvalidCode), errors.Is(err, users.ErrMFANotEnrolled):
		s.failJail(ctx, keys)
		s.metrics.AuthFailed("authorization_server", "invalid_otp")
		s.log.LogAttrs(ctx, slog.LevelWarn, "second factor failed",
			slog.String("request_id", web.RequestID(ctx)), slog.String("subject", u.ID),
			slog.String("peer", clientAddr(r)))
		s.writeMFAPage(w, r, ar, textBadCode, http.StatusBadRequest)
		return
	case errors.Is(err, users.ErrInvalidCredentials): // disabled meanwhile
		s.dropSession(ctx, r)
		setSessionCookie(w, "", 0)
		s.writeLogin(w, r, ar, "", textLoginAgain, http.StatusBadRequest)
		return
	case err != nil:
		s.writeUnavailable(w, r, fmt.Errorf("verify totp: %w", err))
		return
	}
	sess, err := s.startSession(ctx, w, r, u.ID, []string{"pwd", "otp"}, false)
	if err != nil {
		s.writeUnavailable(w, r, err)
		return
	}
	s.logLogin(r, u, sess)
	s.afterLogin(w, r, ar, sess)
}

// afterLogin continues the authorization request ar after a login, or
// goes to the account page when the login had none.
func (s *Server) afterLogin(w http.ResponseWriter, r *http.Request, ar *authzRequest, sess Session) {
	if ar == nil {
		s.redirect(w, s.prefix+"/account/consents")
		return
	}
	s.continueAuthorize(w, r, *ar, &sess, flowState{interacted: true})
}

func (s *Server) logLogin(r *http.Request, u users.User, sess Session) {
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "login succeeded",
		slog.String("request_id", web.RequestID(r.Context())), slog.String("subject", u.ID),
		slog.String("acr", sess.ACR), slog.String("peer", clientAddr(r)))
}

// allowLoginAttempt charges one attempt to the address's login rate limit
// (R11); when it is exhausted, or the limiter fails (closed), it answers
// and returns false.
func (s *Server) allowLoginAttempt(w http.ResponseWriter, r *http.Request) bool {
	b := s.browser
	if b.limiter == nil {
		return true
	}
	d, err := b.limiter.Allow(r.Context(), "login:ip:"+clientAddr(r), b.loginLimit)
	if err != nil {
		s.writeUnavailable(w, r, fmt.Errorf("login rate limit: %w", err))
		return false
	}
	ratelimit.SetHeaders(w.Header(), "login", d)
	if !d.Allowed {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "login rate limited",
			slog.String("request_id", web.RequestID(r.Context())), slog.String("peer", clientAddr(r)))
		s.writeTooMany(w, r, d.RetryAfter)
		return false
	}
	return true
}

// jailedPage answers 429 with Retry-After when one of keys is jailed.
func (s *Server) jailedPage(w http.ResponseWriter, r *http.Request, keys []string) bool {
	if s.jail == nil {
		return false
	}
	retry, banned := s.jail.Check(keys...)
	if !banned {
		return false
	}
	s.log.LogAttrs(r.Context(), slog.LevelWarn, "login refused: jailed",
		slog.String("request_id", web.RequestID(r.Context())), slog.String("peer", clientAddr(r)))
	s.writeTooMany(w, r, retry)
	return true
}

// loginJailKeys are the jail keys of a login attempt: the (normalised)
// username and the client address (contract "Jail").
func loginJailKeys(username, peer string) []string {
	keys := []string{"user:" + jailName(username)}
	if peer != "" {
		keys = append(keys, "ip:"+peer)
	}
	return keys
}

// jailName is the username as the directory compares it, or, when it is
// not a valid username, a bounded lower-cased form of it (so that garbage
// still counts against one key per value).
func jailName(username string) string {
	if n, err := users.NormalizeUsername(username); err == nil {
		return n
	}
	return strings.ToLower(truncate(strings.ToValidUTF8(username, "?"), users.MaxUsernameLen))
}

// serveLogoutPage shows a sign-out button (sign-out is a POST with CSRF,
// so that no link or image can sign a user out).
func (s *Server) serveLogoutPage(w http.ResponseWriter, r *http.Request) {
	s.writePage(w, r, http.StatusOK, ui.Message{Common: s.common(w, r, "Sign out", false),
		Text: "Sign out of Rempart on this browser?", Action: s.prefix + "/logout", Button: "Sign out"})
}

// serveLogout ends the browser's session.
func (s *Server) serveLogout(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.readPageForm(w, r); !ok {
		return
	}
	s.dropSession(r.Context(), r)
	setSessionCookie(w, "", 0)
	s.writePage(w, r, http.StatusOK, ui.Message{Common: s.common(w, r, "Signed out", false),
		Text: "You are signed out. You can close this page."})
}
