package rp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// serveRefresh redeems the session's refresh token (RFC 6749 §6). Rempart
// rotates it: the answer carries a new refresh token and the old one is
// dead (a second use would revoke the whole family, D4). Refreshes of one
// session are serialised so that two clicks never present the same token
// twice.
func (a *App) serveRefresh(w http.ResponseWriter, r *http.Request) {
	id := a.cookie(r, sessionCookie)
	s, ok := a.sessions.get(id, a.now())
	if !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if s.Token == nil || s.Token.RefreshToken == "" {
		a.fail(w, r, http.StatusBadRequest, "This session has no refresh token (offline_access was not granted).", "refresh without refresh token", nil)
		return
	}
	a.refreshMu.Lock()
	defer a.refreshMu.Unlock()
	s, ok = a.sessions.get(id, a.now()) // the token may have changed while waiting
	if !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	ctx := a.contextWithClient(r.Context())
	old := s.Token.RefreshToken
	// A token with only a refresh token is invalid, so the source redeems
	// it at once; x/oauth2 keeps the old one if the answer has none.
	nt, err := a.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: old}).Token()
	if err != nil {
		a.fail(w, r, http.StatusBadGateway, "The provider refused to refresh the session's tokens; sign in again.", "refresh", safeTokenError(err))
		return
	}
	claims := s.Claims
	if rawID, _ := nt.Extra("id_token").(string); rawID != "" {
		// OIDC Core §12.2: a refreshed ID token must be valid and about the
		// same user.
		idt, err := a.verifier.Verify(ctx, rawID)
		if err == nil && idt.Subject != s.Claims.Subject {
			err = errors.New("refreshed id token for another subject")
		}
		if err == nil {
			claims, err = claimsOf(idt)
		}
		if err != nil {
			a.fail(w, r, http.StatusBadGateway, "The provider's refreshed ID token was not valid.", "refresh", err)
			return
		}
	}
	a.sessions.update(id, func(s *session) {
		s.Token, s.Claims = nt, claims
		s.Refreshes++
		s.LastRotated = nt.RefreshToken != old
	})
	a.log.InfoContext(r.Context(), "tokens refreshed", "sub", s.Claims.Subject, "rotated", nt.RefreshToken != old)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// serveLogout forgets the session and its cookie, and asks the provider to
// revoke the refresh token (RFC 7009), which also ends the tokens issued
// from it. The provider's own login session is not ended: the next login
// may not ask for the password again.
func (a *App) serveLogout(w http.ResponseWriter, r *http.Request) {
	a.clearCookie(w, sessionCookie)
	s, ok := a.sessions.delete(a.cookie(r, sessionCookie))
	if ok && s.Token != nil && s.Token.RefreshToken != "" {
		if err := a.revoke(r.Context(), s.Token.RefreshToken, "refresh_token"); err != nil {
			a.log.WarnContext(r.Context(), "refresh token not revoked", "error", err)
		}
	}
	if ok {
		a.log.InfoContext(r.Context(), "user signed out", "sub", s.Claims.Subject)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// revoke posts a token to the revocation endpoint with client_secret_basic
// (RFC 7009 §2.1). The token travels in the body, never in the URL (R15).
func (a *App) revoke(ctx context.Context, tok, hint string) error {
	if a.meta.RevocationEndpoint == "" {
		return errors.New("the provider advertises no revocation_endpoint")
	}
	form := url.Values{"token": {tok}, "token_type_hint": {hint}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.meta.RevocationEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revocation request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// RFC 6749 §2.3.1: id and secret are form-encoded before Basic.
	req.SetBasicAuth(url.QueryEscape(a.oauth.ClientID), url.QueryEscape(a.oauth.ClientSecret))
	resp, err := a.hc.Do(req)
	if err != nil {
		return fmt.Errorf("revocation request: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("revocation endpoint answered %d", resp.StatusCode)
	}
	return nil
}
