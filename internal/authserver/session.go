package authserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/vault"
	"github.com/rempart/rempart/internal/web"
)

// sessionState tells what the session cookie of a request gave.
type sessionState int

const (
	sessionNone    sessionState = iota // no cookie, unknown, expired or idle
	sessionPending                     // password checked, second factor due
	sessionFull                        // logged in
)

// loadSession returns the session of r's cookie and its state. Expired,
// idle and unknown sessions are sessionNone (an expired one is deleted).
// A full session's LastSeen is refreshed at most once a minute. A store
// failure is returned (the caller fails closed, D2).
func (s *Server) loadSession(ctx context.Context, r *http.Request) (Session, sessionState, error) {
	id := cookieValue(r, sessionCookie)
	if !wellFormedSecret(id) {
		return Session{}, sessionNone, nil
	}
	hash := s.hasher.Hash(vault.PurposeSession, id)
	sess, err := s.browser.sessions.GetSession(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return Session{}, sessionNone, nil
	}
	if err != nil {
		return Session{}, sessionNone, fmt.Errorf("get session: %w", err)
	}
	now := s.now()
	expired := !now.Before(sess.ExpiresAt) ||
		(!sess.MFAPending && now.Sub(sess.LastSeen) >= SessionIdle) ||
		(sess.MFAPending && now.Sub(sess.CreatedAt) >= mfaPendingTTL)
	if expired {
		if err := s.browser.sessions.DeleteSession(ctx, hash); err != nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "deleting an expired session failed",
				slog.String("request_id", web.RequestID(ctx)), slog.Any("error", err))
		}
		return Session{}, sessionNone, nil
	}
	if sess.MFAPending {
		return sess, sessionPending, nil
	}
	if now.Sub(sess.LastSeen) >= sessionTouchEvery {
		if err := s.browser.sessions.TouchSession(ctx, hash, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Session{}, sessionNone, fmt.Errorf("touch session: %w", err)
		}
		sess.LastSeen = now
	}
	return sess, sessionFull, nil
}

// requireSession loads the session and requires it to be in state want. On
// a store error it answers 503; in another state it renders the login page
// again (with message and status) for the authorization request ar, which
// may be nil. ok is false when it has answered.
func (s *Server) requireSession(w http.ResponseWriter, r *http.Request, ar *authzRequest, want sessionState, message string, status int) (sess Session, ok bool) {
	sess, state, err := s.loadSession(r.Context(), r)
	if err != nil {
		s.writeUnavailable(w, r, err)
		return Session{}, false
	}
	if state != want {
		s.writeLogin(w, r, ar, "", message, status)
		return Session{}, false
	}
	return sess, true
}

// startSession replaces the browser's session (if any) with a new one for
// userID: a new random id every time (no session fixation), only its keyed
// hash stored (D5). pending marks a session waiting for the second factor.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, userID string, amr []string, pending bool) (Session, error) {
	s.dropSession(ctx, r)
	id, err := vault.NewSecret()
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	sess := Session{
		Hash: s.hasher.Hash(vault.PurposeSession, id), UserID: userID, AuthTime: now,
		AMR: slices.Clone(amr), ACR: acrOf(amr), MFAPending: pending,
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(SessionTTL),
	}
	ttl := SessionTTL
	if pending {
		sess.ExpiresAt, ttl = now.Add(mfaPendingTTL), mfaPendingTTL
	}
	if err := s.browser.sessions.CreateSession(ctx, sess); err != nil {
		return Session{}, fmt.Errorf("create session: %w", err)
	}
	setSessionCookie(w, id, ttl)
	return sess, nil
}

// dropSession deletes the session of r's cookie, if any. A failure is
// logged: the session still ends at its expiry.
func (s *Server) dropSession(ctx context.Context, r *http.Request) {
	id := cookieValue(r, sessionCookie)
	if !wellFormedSecret(id) {
		return
	}
	if err := s.browser.sessions.DeleteSession(ctx, s.hasher.Hash(vault.PurposeSession, id)); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "deleting a session failed",
			slog.String("request_id", web.RequestID(ctx)), slog.Any("error", err))
	}
}

// setSessionCookie sets the session cookie (ttl 0: delete it).
//
// SameSite=Lax, not Strict: the authorization request arrives as a
// cross-site top-level navigation from the client application; with
// Strict the browser would not send the cookie on it and a logged-in user
// would have to log in again on every authorization. Lax still withholds
// the cookie from cross-site POSTs, iframes and subresource requests, and
// every state-changing form is also CSRF-protected.
func setSessionCookie(w http.ResponseWriter, id string, ttl time.Duration) {
	c := &http.Cookie{Name: sessionCookie, Value: id, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(ttl / time.Second)}
	if ttl <= 0 {
		c.Value, c.MaxAge = "", -1
	}
	http.SetCookie(w, c)
}

// acrOf returns the acr of a login with the methods amr (A8).
func acrOf(amr []string) string {
	if slices.Contains(amr, "otp") {
		return ACRMFA
	}
	return ACRPassword
}
