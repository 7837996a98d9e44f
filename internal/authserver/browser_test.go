package authserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/pquerna/otp"
	"golang.org/x/oauth2"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/token"
)

// oidcSetup discovers the provider with go-oidc (over the test server's
// TLS client) and returns an x/oauth2 config for cl.
func oidcSetup(t *testing.T, e *bfEnv, cl bfClient, scopes ...string) (context.Context, *oidc.Provider, oauth2.Config) {
	t.Helper()
	ctx := oidc.ClientContext(t.Context(), e.srv.Client())
	provider, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatalf("oidc.NewProvider: %v", err)
	}
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "profile", "email", "offline_access", "orders:read"}
	}
	return ctx, provider, oauth2.Config{ClientID: cl.id, ClientSecret: cl.secret, Endpoint: provider.Endpoint(),
		RedirectURL: cl.redirect, Scopes: scopes}
}

// bfAuthorize runs a whole authorization with b for u and returns the
// redirect's query (checked to be for cl's redirect URI).
func bfAuthorize(t *testing.T, b *bfBrowser, cl bfClient, authURL string, u bfUser) url.Values {
	t.Helper()
	loc := b.login(b.get(authURL), u)
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != cl.redirect {
		t.Fatalf("redirected to %s, want %s", loc, cl.redirect)
	}
	return loc.Query()
}

// TestCodeFlowXOAuth2 drives the authorization code flow with
// golang.org/x/oauth2 (PKCE S256) and a test browser that fills the login
// and consent forms over real HTTP; go-oidc verifies the ID token
// unmodified and reads userinfo (R2, R10, A4).
func TestCodeFlowXOAuth2(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	u := e.addUser(t, "alice", false)
	ctx, provider, cfg := oidcSetup(t, e, cl)

	verifier := oauth2.GenerateVerifier()
	state, nonce := "state-ä&=/?x", "nonce-"+oauth2.GenerateVerifier()[:16]
	authURL := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))
	b := e.newBrowser(t)
	first := b.get(authURL)
	if !isLogin(first) || first.status != http.StatusOK {
		t.Fatalf("first page: status %d, want the login page", first.status)
	}
	q := bfAuthorize(t, b, cl, authURL, u)
	if q.Get("state") != state {
		t.Errorf("state = %q, want %q unchanged (R10)", q.Get("state"), state)
	}
	if q.Get("iss") != e.issuer {
		t.Errorf("iss = %q, want %q (RFC 9207)", q.Get("iss"), e.issuer)
	}
	code := q.Get("code")
	if token.ParseHandle(code, token.PrefixCode) != nil {
		t.Fatalf("code %q is not an rpc_ handle", code)
	}

	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.RefreshToken == "" {
		t.Error("no refresh token despite offline_access")
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		t.Fatal("no id_token in the token response")
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: cl.id, Now: e.now}).Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("go-oidc Verify: %v", err)
	}
	if idt.Nonce != nonce || idt.Subject != u.id {
		t.Errorf("id token nonce %q sub %q, want %q %q", idt.Nonce, idt.Subject, nonce, u.id)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	var claims struct {
		AMR               []string `json:"amr"`
		ACR               string   `json:"acr"`
		AuthTime          int64    `json:"auth_time"`
		AZP               string   `json:"azp"`
		PreferredUsername string   `json:"preferred_username"`
		Email             string   `json:"email"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(claims.AMR, []string{"pwd"}) || claims.ACR != authserver.ACRPassword || claims.AZP != cl.id ||
		claims.AuthTime != e.now().Unix() || claims.PreferredUsername != "alice" || claims.Email != u.email {
		t.Errorf("id token claims = %+v", claims)
	}
	if !idt.Expiry.After(e.now()) || idt.Expiry.After(e.now().Add(authserver.DefaultAccessTokenTTL)) {
		t.Errorf("id token exp %v: want within the access token lifetime", idt.Expiry)
	}

	// The access token is a JWT for the orders API with the granted scope.
	v := token.Verifier{Issuer: e.issuer, Keys: e.keys, Now: e.now}
	ac, err := v.VerifyAccess(tok.AccessToken)
	if err != nil {
		t.Fatalf("VerifyAccess: %v", err)
	}
	if !slices.Equal([]string(ac.Audience), []string{"orders"}) || ac.ClientID != cl.id || ac.Subject != u.id ||
		ac.Scope != "openid profile email offline_access orders:read" {
		t.Errorf("access token claims: aud %v client %s sub %s scope %q", ac.Audience, ac.ClientID, ac.Subject, ac.Scope)
	}

	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("UserInfo: %v", err)
	}
	if info.Subject != u.id || info.Email != u.email || info.EmailVerified {
		t.Errorf("userinfo = sub %q email %q verified %v", info.Subject, info.Email, info.EmailVerified)
	}

	// A second authorization: the session and the remembered consent skip
	// every page (consent remembered per user and client).
	verifier2 := oauth2.GenerateVerifier()
	p := b.get(cfg.AuthCodeURL("second", oauth2.S256ChallengeOption(verifier2)))
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), cl.redirect+"?") {
		t.Fatalf("second authorization: status %d location %q, want a direct redirect", p.status, p.location())
	}
	loc, _ := url.Parse(p.location())
	if _, err := cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier2)); err != nil {
		t.Errorf("second Exchange: %v", err)
	}
}

// TestOIDCOnlyScopes: a login asking only for OpenID Connect scopes gets
// an access token whose audience is the issuer (good for userinfo, for no
// API) and no refresh token.
func TestOIDCOnlyScopes(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "portal", nil)
	u := e.addUser(t, "bob", false)
	ctx, provider, cfg := oidcSetup(t, e, cl, oidc.ScopeOpenID, "profile")
	verifier := oauth2.GenerateVerifier()
	q := bfAuthorize(t, e.newBrowser(t), cl, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), u)
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "" {
		t.Error("refresh token without offline_access")
	}
	ac, err := (&token.Verifier{Issuer: e.issuer, Keys: e.keys, Now: e.now}).VerifyAccess(tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal([]string(ac.Audience), []string{e.issuer}) {
		t.Errorf("aud = %v, want the issuer", ac.Audience)
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := info.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if c["preferred_username"] != "bob" || c["email"] != nil {
		t.Errorf("userinfo claims %v: want preferred_username and no email (no email scope)", c)
	}
}

// exchangeRaw posts a code exchange and returns the status and the
// decoded body.
func exchangeRaw(t *testing.T, e *bfEnv, cl bfClient, form url.Values) (int, map[string]any) {
	t.Helper()
	if form.Get("grant_type") == "" {
		form.Set("grant_type", "authorization_code")
	}
	req, err := http.NewRequest(http.MethodPost, e.issuer+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(cl.id), url.QueryEscape(cl.secret))
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// pkceURL builds an authorization URL by hand.
func pkceURL(e *bfEnv, cl bfClient, verifier string, extra url.Values) string {
	v := url.Values{"response_type": {"code"}, "client_id": {cl.id}, "redirect_uri": {cl.redirect},
		"scope": {"openid orders:read offline_access"}, "state": {"xyz"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
	for k, vs := range extra {
		v[k] = vs
	}
	return e.issuer + "/authorize?" + v.Encode()
}

// userinfoStatus calls userinfo with access and returns the status.
func userinfoStatus(t *testing.T, e *bfEnv, access string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestCodeReuseRevokesTokens: a second redemption of a code is refused
// and revokes every token issued from it (D4, RFC 6749 §4.1.2): the first
// access token is refused by userinfo (deny-list) and its refresh token by
// the token endpoint.
func TestCodeReuseRevokesTokens(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	u := e.addUser(t, "carol", false)
	verifier := oauth2.GenerateVerifier()
	q := bfAuthorize(t, e.newBrowser(t), cl, pkceURL(e, cl, verifier, nil), u)
	form := url.Values{"code": {q.Get("code")}, "redirect_uri": {cl.redirect}, "code_verifier": {verifier}}
	status, first := exchangeRaw(t, e, cl, form)
	if status != http.StatusOK {
		t.Fatalf("first exchange: %d %v", status, first)
	}
	access, refresh := first["access_token"].(string), first["refresh_token"].(string)
	if got := userinfoStatus(t, e, access); got != http.StatusOK {
		t.Fatalf("userinfo before reuse = %d, want 200", got)
	}
	status, second := exchangeRaw(t, e, cl, form)
	if status != http.StatusBadRequest || second["error"] != "invalid_grant" {
		t.Fatalf("second exchange: %d %v, want 400 invalid_grant", status, second)
	}
	if got := userinfoStatus(t, e, access); got != http.StatusUnauthorized {
		t.Errorf("userinfo after reuse = %d, want 401: the access token must be revoked", got)
	}
	status, body := exchangeRaw(t, e, cl, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("refresh after reuse: %d %v, want invalid_grant", status, body)
	}
	if !strings.Contains(e.logs.String(), "authorization code reused") {
		t.Error("no log line for the code reuse")
	}
}

// TestCodeRedemptionFailuresBurnTheCode: a wrong verifier, a missing one,
// another redirect URI, another client or an expired code is
// invalid_grant, and the code is burnt: the right request afterwards is
// refused too (D4, RFC 7636 §4.6).
func TestCodeRedemptionFailuresBurnTheCode(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	other := e.register(t, "other", nil)
	u := e.addUser(t, "dave", false)
	b := e.newBrowser(t)
	tests := []struct {
		name    string
		as      bfClient
		mutate  func(url.Values)
		advance time.Duration
	}{
		{"fail/wrong-verifier", cl, func(v url.Values) { v.Set("code_verifier", oauth2.GenerateVerifier()) }, 0},
		{"fail/no-verifier", cl, func(v url.Values) { v.Del("code_verifier") }, 0},
		{"fail/short-verifier", cl, func(v url.Values) { v.Set("code_verifier", "abc") }, 0},
		{"fail/other-redirect-uri", cl, func(v url.Values) { v.Set("redirect_uri", "https://app.example/cb2") }, 0},
		{"fail/no-redirect-uri", cl, func(v url.Values) { v.Del("redirect_uri") }, 0},
		{"fail/other-client", other, func(url.Values) {}, 0},
		{"fail/expired", cl, func(url.Values) {}, authserver.CodeTTL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			verifier := oauth2.GenerateVerifier()
			q := bfAuthorize(t, b, cl, pkceURL(e, cl, verifier, nil), u)
			good := url.Values{"code": {q.Get("code")}, "redirect_uri": {cl.redirect}, "code_verifier": {verifier}}
			bad := url.Values{}
			for k, v := range good {
				bad[k] = slices.Clone(v)
			}
			tc.mutate(bad)
			e.advance(tc.advance)
			status, body := exchangeRaw(t, e, tc.as, bad)
			if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
				t.Fatalf("bad exchange: %d %v, want 400 invalid_grant", status, body)
			}
			status, body = exchangeRaw(t, e, cl, good)
			if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
				t.Errorf("good exchange after a failed one: %d %v, want invalid_grant (code burnt)", status, body)
			}
		})
	}
	t.Run("fail/garbage-code", func(t *testing.T) {
		status, body := exchangeRaw(t, e, cl, url.Values{"code": {"rpc_nope"}, "redirect_uri": {cl.redirect},
			"code_verifier": {oauth2.GenerateVerifier()}})
		if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Errorf("garbage code: %d %v", status, body)
		}
	})
	t.Run("ok/just-in-time", func(t *testing.T) {
		verifier := oauth2.GenerateVerifier()
		q := bfAuthorize(t, b, cl, pkceURL(e, cl, verifier, nil), u)
		e.advance(authserver.CodeTTL - time.Second)
		status, body := exchangeRaw(t, e, cl, url.Values{"code": {q.Get("code")}, "redirect_uri": {cl.redirect},
			"code_verifier": {verifier}})
		if status != http.StatusOK {
			t.Errorf("exchange at 59 s: %d %v", status, body)
		}
	})
}

// TestRedirectURITricks: every variation of a registered redirect URI is
// refused with a 400 page and no redirect (R9, RFC 6749 §4.1.2.1), as are
// an unknown or missing client and a repeated parameter.
func TestRedirectURITricks(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", func(s *authserver.ClientSpec) {
		s.RedirectURIs = []string{"https://app.example/cb", "http://127.0.0.1/native"}
	})
	verifier := oauth2.GenerateVerifier()
	b := e.newBrowser(t)
	for _, tc := range []struct{ name, uri string }{
		{"prefix", "https://app.example/cb/extra"},
		{"suffix-query", "https://app.example/cb?x=1"},
		{"shorter", "https://app.example/c"},
		{"trailing-slash", "https://app.example/cb/"},
		{"other-port", "https://app.example:8443/cb"},
		{"default-port", "https://app.example:443/cb"},
		{"other-scheme", "http://app.example/cb"},
		{"custom-scheme", "com.example.app:/cb"},
		{"userinfo", "https://app.example@evil.example/cb"},
		{"userinfo-2", "https://evil.example@app.example/cb"},
		{"fragment", "https://app.example/cb#frag"},
		{"empty-fragment", "https://app.example/cb#"},
		{"encoded-slash", "https://app.example%2Fcb"},
		{"encoded-path", "https://app.example/%63b"},
		{"encoded-dot", "https://app.example/cb/%2e%2e/cb"},
		{"dot-segment", "https://app.example/x/../cb"},
		{"upper-host", "https://APP.example/cb"},
		{"other-host", "https://evil.example/cb"},
		{"subdomain", "https://app.example.evil.example/cb"},
		{"backslash", "https://app.example\\@evil.example/cb"},
		{"loopback-other-path", "http://127.0.0.1:5555/other"},
		{"loopback-name", "http://localhost:5555/native"},
		{"javascript", "javascript:alert(1)//app.example/cb"},
		{"missing", ""},
	} {
		t.Run("fail/"+tc.name, func(t *testing.T) {
			p := b.get(pkceURL(e, cl, verifier, url.Values{"redirect_uri": {tc.uri}}))
			if p.status != http.StatusBadRequest || p.location() != "" {
				t.Fatalf("status %d Location %q, want 400 without Location", p.status, p.location())
			}
			if !strings.Contains(p.header.Get("Content-Type"), "text/html") || !strings.Contains(p.body, "Invalid sign-in request") {
				t.Errorf("want the HTML error page, got %s", p.body)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		extra url.Values
	}{
		{"unknown-client", url.Values{"client_id": {"9f0b3c1e-0000-4000-8000-000000000000"}}},
		{"missing-client", url.Values{"client_id": {""}}},
		{"repeated-redirect", url.Values{"redirect_uri": {cl.redirect, "https://evil.example/cb"}}},
		{"repeated-state", url.Values{"state": {"a", "b"}}},
	} {
		t.Run("fail/"+tc.name, func(t *testing.T) {
			p := b.get(pkceURL(e, cl, verifier, tc.extra))
			if p.status != http.StatusBadRequest || p.location() != "" {
				t.Fatalf("status %d Location %q, want 400 without Location", p.status, p.location())
			}
		})
	}
	t.Run("ok/loopback-any-port", func(t *testing.T) {
		p := b.get(pkceURL(e, cl, verifier, url.Values{"redirect_uri": {"http://127.0.0.1:5555/native"}}))
		if p.status != http.StatusOK || !isLogin(p) {
			t.Errorf("status %d, want the login page (RFC 8252 §7.3)", p.status)
		}
	})
}

// TestAuthorizeErrorsRedirected: once the client and redirect URI are
// valid, errors go to the client with error, state and iss: the implicit
// and hybrid flows (T4), missing or plain PKCE (RFC 9700 §2.1.1), bad
// scope, request objects, prompt=none without a session.
func TestAuthorizeErrorsRedirected(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	verifier := oauth2.GenerateVerifier()
	b := e.newBrowser(t)
	for _, tc := range []struct {
		name   string
		client bfClient
		extra  url.Values
		want   string
	}{
		{"implicit", cl, url.Values{"response_type": {"token"}}, "unsupported_response_type"},
		{"id-token", cl, url.Values{"response_type": {"id_token"}}, "unsupported_response_type"},
		{"hybrid", cl, url.Values{"response_type": {"code id_token"}}, "unsupported_response_type"},
		{"hybrid-token", cl, url.Values{"response_type": {"code token"}}, "unsupported_response_type"},
		{"no-response-type", cl, url.Values{"response_type": {""}}, "invalid_request"},
		{"pkce-missing", cl, url.Values{"code_challenge": {""}, "code_challenge_method": {""}}, "invalid_request"},
		{"pkce-no-method", cl, url.Values{"code_challenge_method": {""}}, "invalid_request"},
		{"pkce-plain", cl, url.Values{"code_challenge": {verifier}, "code_challenge_method": {"plain"}}, "invalid_request"},
		{"pkce-malformed", cl, url.Values{"code_challenge": {"short"}}, "invalid_request"},
		{"scope-unknown", cl, url.Values{"scope": {"admin"}}, "invalid_scope"},
		{"scope-malformed", cl, url.Values{"scope": {"a\"b"}}, "invalid_scope"},
		{"request-object", cl, url.Values{"request": {"eyJ.eyJ.x"}}, "request_not_supported"},
		{"request-uri", cl, url.Values{"request_uri": {"https://evil.example/r"}}, "request_uri_not_supported"},
		{"response-mode", cl, url.Values{"response_mode": {"fragment"}}, "invalid_request"},
		{"prompt-bad", cl, url.Values{"prompt": {"none login"}}, "invalid_request"},
		{"max-age-bad", cl, url.Values{"max_age": {"-1"}}, "invalid_request"},
		{"prompt-none-no-session", cl, url.Values{"prompt": {"none"}}, "login_required"},
	} {
		t.Run("fail/"+tc.name, func(t *testing.T) {
			p := b.get(pkceURL(e, tc.client, verifier, tc.extra))
			if p.status != http.StatusSeeOther {
				t.Fatalf("status %d, want 303 to the client", p.status)
			}
			loc, err := url.Parse(p.location())
			if err != nil || loc.Scheme+"://"+loc.Host+loc.Path != tc.client.redirect {
				t.Fatalf("Location %q", p.location())
			}
			q := loc.Query()
			if q.Get("error") != tc.want || q.Get("state") != "xyz" || q.Get("iss") != e.issuer || q.Has("code") {
				t.Errorf("redirect query %v, want error=%s with state and iss", q, tc.want)
			}
		})
	}
}

// TestClientWithoutCodeGrant: a client registered with a redirect URI but
// without the authorization_code grant gets unauthorized_client.
func TestClientWithoutCodeGrant(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "refresh-only", func(s *authserver.ClientSpec) {
		s.GrantTypes = []string{authserver.GrantRefreshToken}
	})
	p := e.newBrowser(t).get(pkceURL(e, cl, oauth2.GenerateVerifier(), nil))
	loc, _ := url.Parse(p.location())
	if p.status != http.StatusSeeOther || loc == nil || loc.Query().Get("error") != "unauthorized_client" {
		t.Errorf("status %d Location %q, want unauthorized_client", p.status, p.location())
	}
}

// TestImplicitGrantRefusedAtTokenEndpoint keeps the grant types honest:
// grant_type=implicit does not exist (T4).
func TestImplicitGrantRefusedAtTokenEndpoint(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	status, body := exchangeRaw(t, e, cl, url.Values{"grant_type": {"implicit"}})
	if status != http.StatusBadRequest || body["error"] != "unsupported_grant_type" {
		t.Errorf("grant_type=implicit: %d %v", status, body)
	}
	if _, _, err := authserver.RegisterClient(t.Context(), e.st, e.hasher, authserver.ClientSpec{Name: "imp",
		GrantTypes: []string{"implicit"}, Scopes: []string{"openid"}, RedirectURIs: []string{"https://a.example/cb"}}, e.now()); err == nil {
		t.Error("RegisterClient(implicit) = nil, want an error")
	}
}

// TestPromptAndMaxAge: prompt=login and max_age=0 ask a logged-in user to
// log in again; prompt=none with a session and a consent answers at once;
// prompt=consent shows the consent page although it is remembered.
func TestPromptAndMaxAge(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop", nil)
	u := e.addUser(t, "erin", false)
	b := e.newBrowser(t)
	verifier := oauth2.GenerateVerifier()
	bfAuthorize(t, b, cl, pkceURL(e, cl, verifier, nil), u) // session + consent
	for _, tc := range []struct {
		name  string
		extra url.Values
		check func(bfPage) bool
	}{
		{"prompt-login", url.Values{"prompt": {"login"}}, isLogin},
		{"max-age-0", url.Values{"max_age": {"0"}}, isLogin},
		{"prompt-consent", url.Values{"prompt": {"consent"}}, isConsent},
	} {
		t.Run("ok/"+tc.name, func(t *testing.T) {
			e.advance(time.Second)
			p := b.get(pkceURL(e, cl, verifier, tc.extra))
			if p.status != http.StatusOK || !tc.check(p) {
				t.Fatalf("status %d: not the expected page", p.status)
			}
			// Answering it ends in a code (no loop).
			loc := b.login(p, u)
			if loc.Query().Get("code") == "" {
				t.Errorf("no code after answering: %s", loc)
			}
		})
	}
	t.Run("ok/prompt-none-with-session", func(t *testing.T) {
		p := b.get(pkceURL(e, cl, verifier, url.Values{"prompt": {"none"}}))
		loc, _ := url.Parse(p.location())
		if p.status != http.StatusSeeOther || loc == nil || loc.Query().Get("code") == "" {
			t.Errorf("status %d Location %q, want a code", p.status, p.location())
		}
	})
	t.Run("ok/max-age-large", func(t *testing.T) {
		p := b.get(pkceURL(e, cl, verifier, url.Values{"max_age": {"3600"}}))
		if p.status != http.StatusSeeOther {
			t.Errorf("status %d, want a direct redirect", p.status)
		}
	})
	t.Run("fail/prompt-none-consent-required", func(t *testing.T) {
		other := e.register(t, "other-app", nil)
		p := b.get(pkceURL(e, other, verifier, url.Values{"prompt": {"none"}}))
		loc, _ := url.Parse(p.location())
		if p.status != http.StatusSeeOther || loc == nil || loc.Query().Get("error") != "consent_required" {
			t.Errorf("status %d Location %q, want consent_required", p.status, p.location())
		}
	})
}

// TestConsentRememberedAndRevocable: the consent page lists the scopes;
// "deny" is access_denied; an allowed consent is remembered, listed on the
// account page and revocable there, after which the page shows again.
func TestConsentRememberedAndRevocable(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	cl := e.register(t, "shop <b>&", nil)
	u := e.addUser(t, "frank", false)
	b := e.newBrowser(t)
	verifier := oauth2.GenerateVerifier()
	p := b.get(pkceURL(e, cl, verifier, url.Values{"scope": {"openid orders:read offline_access"}}))
	p = b.submit(p, "/authorize/login", map[string]string{"username": u.name, "password": u.password})
	if !isConsent(p) {
		t.Fatalf("no consent page after login: %d %s", p.status, p.body)
	}
	for _, want := range []string{"shop &lt;b&gt;&amp;", "<code>orders:read</code>", "<code>offline_access</code>", "Confirm who you are"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	deny := b.submit(p, "/authorize/consent", map[string]string{"decision": "deny"})
	loc, _ := url.Parse(deny.location())
	if deny.status != http.StatusSeeOther || loc == nil || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "xyz" {
		t.Fatalf("deny: status %d Location %q", deny.status, deny.location())
	}
	// Allow: remembered; a request for fewer scopes needs no page.
	p = b.get(pkceURL(e, cl, verifier, nil))
	if !isConsent(p) {
		t.Fatal("denied consent was remembered")
	}
	if allow := b.submit(p, "/authorize/consent", map[string]string{"decision": "allow"}); allow.status != http.StatusSeeOther {
		t.Fatalf("allow: %d", allow.status)
	}
	if p := b.get(pkceURL(e, cl, verifier, url.Values{"scope": {"openid"}})); p.status != http.StatusSeeOther {
		t.Errorf("covered request: status %d, want a direct redirect", p.status)
	}
	// A new scope asks again.
	if p := b.get(pkceURL(e, cl, verifier, url.Values{"scope": {"openid email"}})); !isConsent(p) {
		t.Errorf("new scope: status %d, want the consent page", p.status)
	}
	// The account page lists and revokes it.
	acct := b.get(e.issuer + "/account/consents")
	if acct.status != http.StatusOK || !strings.Contains(acct.body, "shop &lt;b&gt;&amp;") {
		t.Fatalf("account page: %d %s", acct.status, acct.body)
	}
	rev := b.submit(acct, "/account/consents/revoke", nil)
	if rev.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", rev.status)
	}
	acct = b.follow(rev)
	if !strings.Contains(acct.body, "No application has access") || !strings.Contains(acct.body, "Access was revoked.") {
		t.Errorf("account page after revoke: %s", acct.body)
	}
	if p := b.get(pkceURL(e, cl, verifier, url.Values{"scope": {"openid"}})); !isConsent(p) {
		t.Errorf("after revoke: status %d, want the consent page again", p.status)
	}
}

// TestMFA: an enrolled user passes the TOTP page (amr pwd+otp, acr loa
// 2); a wrong or replayed code is refused; a client requiring MFA refuses
// a user without a second factor with a page, and asks a user who
// enrolled since her last login to log in again (A8).
func TestMFA(t *testing.T) {
	e := newBFEnv(t, bfOptions{})
	bank := e.register(t, "bank", func(s *authserver.ClientSpec) { s.RequireMFA = true })
	shop := e.register(t, "shop", nil)
	grace := e.addUser(t, "grace", true)
	heidi := e.addUser(t, "heidi", false)

	t.Run("ok/totp", func(t *testing.T) {
		ctx, provider, cfg := oidcSetup(t, e, bank)
		b := e.newBrowser(t)
		verifier := oauth2.GenerateVerifier()
		p := b.get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
		p = b.submit(p, "/authorize/login", map[string]string{"username": grace.name, "password": grace.password})
		if p.status != http.StatusOK || !isMFA(p) {
			t.Fatalf("after the password: status %d, want the MFA page", p.status)
		}
		bad := b.submit(p, "/authorize/mfa", map[string]string{"otp": "000000"})
		if bad.status != http.StatusBadRequest || !isMFA(bad) || !strings.Contains(bad.body, `role="alert"`) {
			t.Fatalf("wrong code: status %d", bad.status)
		}
		loc := b.login(bad, grace)
		tok, err := cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		idt, err := provider.Verifier(&oidc.Config{ClientID: bank.id, Now: e.now}).Verify(ctx, tok.Extra("id_token").(string))
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			AMR []string `json:"amr"`
			ACR string   `json:"acr"`
		}
		if err := idt.Claims(&c); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.AMR, []string{"pwd", "otp"}) || c.ACR != authserver.ACRMFA {
			t.Errorf("amr %v acr %q, want [pwd otp] %q", c.AMR, c.ACR, authserver.ACRMFA)
		}
	})
	t.Run("fail/replayed-code", func(t *testing.T) {
		b := e.newBrowser(t)
		p := b.get(pkceURL(e, shop, oauth2.GenerateVerifier(), nil))
		p = b.submit(p, "/authorize/login", map[string]string{"username": grace.name, "password": grace.password})
		p = b.submit(p, "/authorize/mfa", map[string]string{"otp": e.totpCode(t, grace)})
		if p.status != http.StatusBadRequest || !isMFA(p) {
			t.Fatalf("replayed TOTP code: status %d, want the MFA page with an error", p.status)
		}
		e.advance(30 * time.Second)
		if loc := b.login(p, grace); loc.Query().Get("code") == "" {
			t.Errorf("next step's code refused: %s", loc)
		}
	})
	t.Run("fail/required-not-enrolled", func(t *testing.T) {
		b := e.newBrowser(t)
		p := b.get(pkceURL(e, bank, oauth2.GenerateVerifier(), nil))
		p = b.submit(p, "/authorize/login", map[string]string{"username": heidi.name, "password": heidi.password})
		if p.status != http.StatusForbidden || p.location() != "" || !strings.Contains(p.body, "rempart user mfa enroll") {
			t.Fatalf("status %d, want the 403 page telling to enroll:\n%s", p.status, p.body)
		}
	})
	t.Run("ok/step-up-after-enrolment", func(t *testing.T) {
		ivan := e.addUser(t, "ivan", false)
		b := e.newBrowser(t)
		bfAuthorize(t, b, shop, pkceURL(e, shop, oauth2.GenerateVerifier(), nil), ivan) // password-only session
		enrolled, err := e.dir.EnrollTOTP(t.Context(), ivan.id)
		if err != nil {
			t.Fatal(err)
		}
		k, _ := otp.NewKeyFromURL(enrolled)
		ivan.totpSecret = k.Secret()
		e.advance(30 * time.Second)
		p := b.get(pkceURL(e, bank, oauth2.GenerateVerifier(), nil))
		if !isLogin(p) {
			t.Fatalf("status %d, want the login page (step-up)", p.status)
		}
		p = b.submit(p, "/authorize/login", map[string]string{"username": ivan.name, "password": ivan.password})
		if !isMFA(p) {
			t.Fatalf("status %d, want the MFA page", p.status)
		}
		if loc := b.login(p, ivan); loc.Query().Get("code") == "" {
			t.Errorf("no code: %s", loc)
		}
	})
}

// TestGlobalRequireMFA: authorization_server.require_mfa refuses a user
// without a second factor for every client (A8).
func TestGlobalRequireMFA(t *testing.T) {
	e := newBFEnv(t, bfOptions{requireMFA: true})
	shop := e.register(t, "shop", nil)
	u := e.addUser(t, "judy", false)
	b := e.newBrowser(t)
	p := b.get(pkceURL(e, shop, oauth2.GenerateVerifier(), nil))
	p = b.submit(p, "/authorize/login", map[string]string{"username": u.name, "password": u.password})
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "Second factor required") {
		t.Fatalf("status %d, want the 403 second-factor page", p.status)
	}
	p = b.get(pkceURL(e, shop, oauth2.GenerateVerifier(), url.Values{"prompt": {"none"}}))
	loc, _ := url.Parse(p.location())
	if loc == nil || loc.Query().Get("error") != "interaction_required" {
		t.Errorf("prompt=none: Location %q, want interaction_required", p.location())
	}
}
