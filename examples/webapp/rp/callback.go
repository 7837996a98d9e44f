package rp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// errorCode is what an error response's "error" may look like to be shown
// (RFC 6749 §4.1.2.1 codes are lower-case words); anything else is shown as
// "unknown". error_description is never shown: it is text any site can put
// in a link to this page.
var errorCode = regexp.MustCompile(`^[a-z_]{1,64}$`)

// idClaims are the verified ID-token claims the home page shows.
type idClaims struct {
	Issuer            string
	Subject           string
	Audience          []string
	Expiry            time.Time
	IssuedAt          time.Time
	PreferredUsername string   `json:"preferred_username"`
	Email             string   `json:"email"`
	EmailVerified     *bool    `json:"email_verified"`
	AMR               []string `json:"amr"`
	ACR               string   `json:"acr"`
	AuthTime          *float64 `json:"auth_time"` // NumericDate (RFC 7519 §2)
}

// AuthTimeUTC returns auth_time as a time, zero when absent.
func (c idClaims) AuthTimeUTC() time.Time {
	if c.AuthTime == nil {
		return time.Time{}
	}
	return time.Unix(int64(*c.AuthTime), 0).UTC()
}

// serveCallback handles the authorization response (RFC 6749 §4.1.2). Every
// check happens before the code is redeemed, and the flow cookie is spent
// whatever the outcome, so a response can be used once.
func (a *App) serveCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sealed := a.cookie(r, flowCookie)
	a.clearCookie(w, flowCookie)
	const stale = "This login is no longer valid: it expired, was already used, or another login was started since. Please sign in again."
	f, err := a.flows.open(sealed, a.now())
	if err != nil {
		a.fail(w, r, http.StatusBadRequest, stale, "callback without a valid flow cookie", err)
		return
	}
	// R10, RFC 6749 §10.12: the response must answer the request this
	// browser made.
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		a.fail(w, r, http.StatusBadRequest, stale, "callback state mismatch", nil)
		return
	}
	// RFC 9207 §2.4: a response naming another issuer is a mix-up attack;
	// when the provider says it always sends iss, its absence is too.
	if iss, ok := q["iss"]; ok || a.meta.ResponseIssParamSupport {
		if !ok || len(iss) != 1 || iss[0] != a.issuer {
			a.fail(w, r, http.StatusBadRequest, "The response did not come from the expected provider.", "callback iss mismatch", nil)
			return
		}
	}
	if e := q.Get("error"); e != "" {
		code := "unknown"
		if errorCode.MatchString(e) {
			code = e
		}
		msg := "The provider did not log you in (" + code + ")."
		if code == "access_denied" {
			msg = "You declined the request (access_denied)."
		}
		a.fail(w, r, http.StatusBadRequest, msg, "error response", errors.New(code))
		return
	}
	code := q.Get("code")
	if code == "" {
		a.fail(w, r, http.StatusBadRequest, "The response carried no authorization code.", "callback without code", nil)
		return
	}

	ctx := a.contextWithClient(r.Context())
	s, err := a.completeLogin(ctx, code, f)
	if err != nil {
		a.fail(w, r, http.StatusBadGateway, "The login could not be completed with the provider.", "complete login", err)
		return
	}
	id, err := newSessionID(a.rand)
	if err != nil {
		a.fail(w, r, http.StatusInternalServerError, "The login could not be completed.", "session id", err)
		return
	}
	a.sessions.put(id, s, a.now())
	a.setCookie(w, sessionCookie, id, sessionTTL)
	a.log.InfoContext(r.Context(), "user signed in", "sub", s.Claims.Subject, "amr", s.Claims.AMR)
	// Post/redirect/get: the code leaves the address bar and the history.
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// completeLogin redeems code with the PKCE verifier (RFC 7636 §4.5),
// verifies the ID token and its nonce, and reads userinfo. The returned
// error is for the log: it never holds a token or the code.
func (a *App) completeLogin(ctx context.Context, code string, f flow) (*session, error) {
	tok, err := a.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return nil, fmt.Errorf("token request: %w", safeTokenError(err))
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, errors.New("token response without id_token")
	}
	// Signature (keys from the issuer's jwks_uri, algorithms it
	// advertises), iss, aud = our client id, exp (OIDC Core §3.1.3.7).
	idt, err := a.verifier.Verify(ctx, rawID)
	if err != nil {
		return nil, fmt.Errorf("id token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return nil, errors.New("id token: nonce mismatch (replayed or injected token)")
	}
	// OIDC Core §3.1.3.8: at_hash binds the access token to the ID token.
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, fmt.Errorf("id token: %w", err)
		}
	}
	claims, err := claimsOf(idt)
	if err != nil {
		return nil, err
	}
	s := &session{Claims: claims, Token: tok, Expires: a.now().Add(sessionTTL)}
	s.UserInfo = a.userInfo(ctx, tok, claims.Subject)
	return s, nil
}

// claimsOf returns the claims of a verified ID token.
func claimsOf(idt *oidc.IDToken) (idClaims, error) {
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return idClaims{}, fmt.Errorf("id token claims: %w", err)
	}
	c.Issuer, c.Subject, c.Audience = idt.Issuer, idt.Subject, idt.Audience
	c.Expiry, c.IssuedAt = idt.Expiry.UTC(), idt.IssuedAt.UTC()
	return c, nil
}

// userInfo calls the userinfo endpoint with the access token (OIDC Core
// §5.3). Its answer is kept only if its sub is the ID token's (§5.3.2:
// otherwise it may be another user's); nil when unavailable, which does
// not undo the login (the ID token is the authentication).
func (a *App) userInfo(ctx context.Context, tok *oauth2.Token, sub string) map[string]any {
	if a.provider.UserInfoEndpoint() == "" {
		return nil
	}
	ui, err := a.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		a.log.WarnContext(ctx, "userinfo unavailable", "error", err)
		return nil
	}
	if ui.Subject != sub {
		a.log.ErrorContext(ctx, "userinfo answered for another subject; ignored", "sub", sub)
		return nil
	}
	var m map[string]any
	if err := ui.Claims(&m); err != nil {
		a.log.WarnContext(ctx, "userinfo claims unreadable", "error", err)
		return nil
	}
	return m
}

// safeTokenError returns err without the token endpoint's response body:
// only the RFC 6749 §5.2 error code and the status.
func safeTokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		code := re.ErrorCode
		if !errorCode.MatchString(code) {
			code = "unknown"
		}
		return fmt.Errorf("refused: error %s, status %d", code, status)
	}
	return err
}
