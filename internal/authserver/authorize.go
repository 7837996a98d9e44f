package authserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/authserver/ui"
	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/users"
	"github.com/rempart/rempart/internal/vault"
	"github.com/rempart/rempart/internal/web"
)

// flowState is what the pages of this request already did.
type flowState struct {
	// interacted: the user just logged in or answered the consent page in
	// this flow, so prompt=login and max_age are satisfied.
	interacted bool
	// consented: the user just allowed the request's scopes.
	consented bool
}

// serveAuthorize is the authorization endpoint (RFC 6749 §3.1, §4.1.1;
// OIDC Core §3.1.2.1), GET with the query or POST with a form. The
// parameters carry no credential, so the query is fine here (R15 is about
// tokens and secrets). Errors before the client and its redirect URI are
// validated are shown as a page and never redirected (RFC 6749 §4.1.2.1);
// after, they go to the redirect URI with state and iss (RFC 9207).
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	var q url.Values
	var err error
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxBrowserForm)
		if err = r.ParseForm(); err == nil {
			q = r.PostForm
		}
	} else {
		q, err = url.ParseQuery(r.URL.RawQuery)
	}
	if err != nil {
		s.writeFrontError(w, r, front("The request is malformed.", "unparsable parameters"))
		return
	}
	ar, ok := s.validateAuthz(w, r, q)
	if !ok {
		return
	}
	s.continueWithSession(w, r, ar, flowState{})
}

// validateAuthz validates an authorization request; when it returns false
// it has answered (error page or error redirect).
func (s *Server) validateAuthz(w http.ResponseWriter, r *http.Request, q url.Values) (authzRequest, bool) {
	p, fe := readAuthzParams(q)
	if fe != nil {
		s.writeFrontError(w, r, fe)
		return authzRequest{}, false
	}
	if p.clientID == "" || len(p.clientID) > maxClientIDLen {
		s.writeFrontError(w, r, front("The request does not name a known application.", "missing or oversized client_id"))
		return authzRequest{}, false
	}
	c, err := s.clients.GetClient(r.Context(), p.clientID)
	if errors.Is(err, store.ErrNotFound) {
		s.writeFrontError(w, r, front("The request does not name a known application.", "unknown client_id"))
		return authzRequest{}, false
	}
	if err != nil {
		s.writeUnavailable(w, r, fmt.Errorf("get client: %w", err))
		return authzRequest{}, false
	}
	uri, fe := checkFront(p, c)
	if fe != nil {
		fe.err = fmt.Errorf("client %s: %w", c.ID, fe.err)
		s.writeFrontError(w, r, fe)
		return authzRequest{}, false
	}
	ar, oe := checkAuthz(p, c, uri)
	if oe != nil {
		s.redirectError(w, r, ar, oe)
		return authzRequest{}, false
	}
	return ar, true
}

// continueWithSession continues the flow with the browser's session.
func (s *Server) continueWithSession(w http.ResponseWriter, r *http.Request, ar authzRequest, st flowState) {
	sess, state, err := s.loadSession(r.Context(), r)
	if err != nil {
		s.redirectError(w, r, ar, oauth.TemporarilyUnavailable("").WithErr(err))
		return
	}
	var sp *Session
	if state == sessionFull {
		sp = &sess
	}
	s.continueAuthorize(w, r, ar, sp, st)
}

// continueAuthorize takes a validated request as far as it can go:
// login (when there is no session, prompt=login or max_age asks for it),
// the second factor when the client or the server requires one (A8),
// consent when the remembered one does not cover the scope (or
// prompt=consent), then the code. prompt=none answers login_required,
// interaction_required or consent_required instead of showing a page
// (OIDC Core §3.1.2.6).
func (s *Server) continueAuthorize(w http.ResponseWriter, r *http.Request, ar authzRequest, sess *Session, st flowState) {
	ctx := r.Context()
	now := s.now()
	var u users.User
	if sess != nil {
		var err error
		u, err = s.browser.accounts.Get(ctx, sess.UserID)
		switch {
		case errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled):
			// R3: the session grants nothing once the user is gone.
			s.dropSession(ctx, r)
			setSessionCookie(w, "", 0)
			sess = nil
		case err != nil:
			s.redirectError(w, r, ar, oauth.TemporarilyUnavailable("").WithErr(fmt.Errorf("get user: %w", err)))
			return
		}
	}
	mfaNeeded := s.browser.requireMFA || ar.client.RequireMFA
	needLogin := sess == nil ||
		(!st.interacted && ar.prompt.login) ||
		(!st.interacted && ar.maxAge >= 0 && now.Sub(sess.AuthTime) > time.Duration(ar.maxAge)*time.Second) ||
		// step-up: an enrolled user whose session has no second factor
		(mfaNeeded && !slices.Contains(sess.AMR, "otp") && u.MFAEnabled)
	if needLogin {
		if ar.prompt.none {
			s.redirectError(w, r, ar, &oauth.Error{Code: codeLoginRequired, Status: http.StatusBadRequest,
				Description: "the user must log in"})
			return
		}
		s.writeLogin(w, r, &ar, "", "", http.StatusOK)
		return
	}
	if mfaNeeded && !slices.Contains(sess.AMR, "otp") {
		// The user has no second factor to offer: say so, do not redirect
		// (the user can fix it, the client cannot).
		if ar.prompt.none {
			s.redirectError(w, r, ar, &oauth.Error{Code: codeInteractionRequired, Status: http.StatusBadRequest,
				Description: "the user must enroll a second factor"})
			return
		}
		s.log.LogAttrs(ctx, slog.LevelWarn, "login refused: second factor required but not enrolled",
			slog.String("request_id", web.RequestID(ctx)), slog.String("client_id", ar.client.ID),
			slog.String("subject", u.ID))
		s.writePage(w, r, http.StatusForbidden, ui.Message{Common: s.common(w, r, "Second factor required", true),
			Alert: true, Text: "This application requires a second sign-in factor (an authenticator app), and your account has none. " +
				"Ask your administrator to enroll one for you (rempart user mfa enroll), then sign in again."})
		return
	}
	if !st.consented {
		covered, err := s.consentCovers(ctx, u.ID, ar.client.ID, ar.scope)
		if err != nil {
			s.redirectError(w, r, ar, oauth.TemporarilyUnavailable("").WithErr(err))
			return
		}
		if !covered || ar.prompt.consent {
			if ar.prompt.none {
				s.redirectError(w, r, ar, &oauth.Error{Code: codeConsentRequired, Status: http.StatusBadRequest,
					Description: "the user must consent"})
				return
			}
			s.writeConsent(w, r, ar, u)
			return
		}
	}
	s.issueCode(w, r, ar, *sess)
}

// issueCode creates an authorization code for ar and the session's user
// and redirects to the client (RFC 6749 §4.1.2) with code, state and iss
// (RFC 9207). The code is a "rpc_" handle of 256 bits (R7) stored as a
// keyed hash (D5), valid CodeTTL, bound to the client, the redirect URI,
// the PKCE challenge, the nonce and the scope (D4).
func (s *Server) issueCode(w http.ResponseWriter, r *http.Request, ar authzRequest, sess Session) {
	ctx := r.Context()
	handle, err := token.NewHandle(token.PrefixCode)
	if err != nil {
		s.redirectError(w, r, ar, oauth.ServerError("").WithErr(err))
		return
	}
	id, err := uuid.NewRandom()
	if err != nil {
		s.redirectError(w, r, ar, oauth.ServerError("").WithErr(err))
		return
	}
	now := s.now()
	c := Code{
		ID: id.String(), Hash: s.hasher.Hash(vault.PurposeAuthCode, handle), ClientID: ar.client.ID,
		RedirectURI: ar.redirectURI, Challenge: ar.challenge, Nonce: ar.nonce, Scope: slices.Clone(ar.scope),
		Subject: sess.UserID, AuthTime: sess.AuthTime, AMR: slices.Clone(sess.AMR), ACR: sess.ACR,
		CreatedAt: now, ExpiresAt: now.Add(CodeTTL), KeepUntil: now.Add(CodeTTL + max(s.ttl, s.refreshTTL)),
	}
	if err := s.browser.codes.CreateCode(ctx, c); err != nil {
		s.redirectError(w, r, ar, oauth.ServerError("").WithErr(fmt.Errorf("store code: %w", err)))
		return
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "authorization code issued",
		slog.String("request_id", web.RequestID(ctx)), slog.String("client_id", c.ClientID),
		slog.String("subject", c.Subject), slog.String("code_id", c.ID))
	v := url.Values{"code": {handle}, "iss": {s.issuer}}
	if ar.state != "" {
		v.Set("state", ar.state)
	}
	s.redirect(w, authzRedirectURL(ar.redirectURI, v))
}

// redirectError sends an error to the validated redirect URI of ar with
// error, error_description, state and iss (RFC 6749 §4.1.2.1, RFC 9207).
// The description is the generic public text; the cause is logged.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, ar authzRequest, oe *oauth.Error) {
	level := slog.LevelInfo
	if oe.Code == oauth.CodeServerError || oe.Code == oauth.CodeTemporarilyUnavailable {
		level = slog.LevelError
	}
	s.log.LogAttrs(r.Context(), level, "authorization request refused",
		slog.String("request_id", web.RequestID(r.Context())),
		slog.String("client_id", ar.client.ID), slog.Any("error", oe))
	v := url.Values{"error": {oe.Code}, "iss": {s.issuer}}
	if oe.Description != "" {
		v.Set("error_description", oe.Description)
	}
	if ar.state != "" {
		v.Set("state", ar.state)
	}
	s.redirect(w, authzRedirectURL(ar.redirectURI, v))
}

// redirect answers 303 See Other to location: after a POST the browser
// follows with a GET, and the response is neither cached nor referred.
func (s *Server) redirect(w http.ResponseWriter, location string) {
	h := w.Header()
	h.Set("Location", location)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusSeeOther)
}

// writeFrontError renders an authorization request error that must not be
// redirected: 400, a generic text, no Location (RFC 6749 §4.1.2.1).
func (s *Server) writeFrontError(w http.ResponseWriter, r *http.Request, fe *frontError) {
	s.log.LogAttrs(r.Context(), slog.LevelWarn, "authorization request refused without redirect",
		slog.String("request_id", web.RequestID(r.Context())), slog.String("error", fe.err.Error()))
	s.writeMessage(w, r, http.StatusBadRequest, "Invalid sign-in request",
		fe.text+" The application that sent you here may be misconfigured; you can close this page.", true)
}

// writeLogin renders the login page for ar (nil: signing in to the
// account pages).
func (s *Server) writeLogin(w http.ResponseWriter, r *http.Request, ar *authzRequest, username, errText string, status int) {
	p := ui.Login{Common: s.common(w, r, "Sign in", false), Action: s.prefix + "/authorize/login",
		Username: username, Error: errText}
	var target string
	if ar != nil {
		p.Request, p.ClientName, target = ar.encoded, ar.client.Name, originOf(ar.redirectURI)
	}
	s.writePage(w, r, status, p, target)
}

// writeMFAPage renders the second-factor page.
func (s *Server) writeMFAPage(w http.ResponseWriter, r *http.Request, ar *authzRequest, errText string, status int) {
	p := ui.MFA{Common: s.common(w, r, "Two-step verification", false), Action: s.prefix + "/authorize/mfa", Error: errText}
	var target string
	if ar != nil {
		p.Request, p.ClientName, target = ar.encoded, ar.client.Name, originOf(ar.redirectURI)
	}
	s.writePage(w, r, status, p, target)
}

// requestFromForm re-validates the authorization request a page carried
// in its "req" field; ar is nil when the field is empty (account sign-in).
// When it returns false it has answered.
func (s *Server) requestFromForm(w http.ResponseWriter, r *http.Request, form url.Values) (*authzRequest, bool) {
	enc := form.Get("req")
	if enc == "" {
		return nil, true
	}
	q, err := url.ParseQuery(enc)
	if err != nil {
		s.writeFrontError(w, r, front("The request is malformed.", "unparsable req field"))
		return nil, false
	}
	ar, ok := s.validateAuthz(w, r, q)
	if !ok {
		return nil, false
	}
	return &ar, true
}
