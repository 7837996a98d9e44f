package rp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc/oidctest"
	jose "github.com/go-jose/go-jose/v4"
)

const (
	testClientID     = "client-7f0c"
	testClientSecret = "s3cret-0123456789abcdef0123456789abcdef"
	testSub          = "0b6a1d0e-3c4b-4f0e-9d52-6b1f3d0a9e11"
)

// fakeOP is a minimal OpenID provider over TLS: discovery, JWKS, token
// (authorization_code with PKCE S256, refresh_token with rotation),
// userinfo and revocation. Its authorization endpoint is never called: tests
// read the authorization request from /login's redirect and answer it
// themselves through authorize. Fields tweak what it answers.
type fakeOP struct {
	srv *httptest.Server
	key *ecdsa.PrivateKey
	now func() time.Time

	mu sync.Mutex // guards the fields below
	// Tweaks, set before the flow.
	idNonce    string   // "" means the nonce of the request
	idAud      []string // nil means the client id
	idIssuer   string   // "" means the issuer
	userinfoAs string   // "" means testSub
	noIDToken  bool
	atHash     string // "" means the right one
	discovery  map[string]any
	// Observations.
	codes        map[string]authRequest // issued codes
	tokenReqs    []tokenRequest
	refresh      map[string]bool // refresh token → still valid
	revoked      []string
	accessTokens map[string]bool
}

// authRequest is an authorization request as the provider saw it.
type authRequest struct {
	ClientID, RedirectURI, Scope, State, Nonce string
	Challenge, Method, ResponseType            string
}

type tokenRequest struct {
	GrantType, Code, Verifier, RedirectURI string
	BasicUser, BasicPass                   string
	BodySecret                             string
}

func newFakeOP(t *testing.T, now func() time.Time) *fakeOP {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	op := &fakeOP{key: key, now: now, codes: map[string]authRequest{}, refresh: map[string]bool{}, accessTokens: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", op.serveDiscovery)
	mux.HandleFunc("GET /jwks", op.serveJWKS)
	mux.HandleFunc("POST /token", op.serveToken)
	mux.HandleFunc("GET /userinfo", op.serveUserinfo)
	mux.HandleFunc("POST /revoke", op.serveRevoke)
	op.srv = httptest.NewTLSServer(mux)
	t.Cleanup(op.srv.Close)
	op.discovery = map[string]any{
		"issuer":                                         op.srv.URL,
		"authorization_endpoint":                         op.srv.URL + "/authorize",
		"token_endpoint":                                 op.srv.URL + "/token",
		"jwks_uri":                                       op.srv.URL + "/jwks",
		"userinfo_endpoint":                              op.srv.URL + "/userinfo",
		"revocation_endpoint":                            op.srv.URL + "/revoke",
		"response_types_supported":                       []string{"code"},
		"code_challenge_methods_supported":               []string{"S256"},
		"id_token_signing_alg_values_supported":          []string{"ES256"},
		"authorization_response_iss_parameter_supported": true,
	}
	return op
}

func (op *fakeOP) issuer() string { return op.srv.URL }

func (op *fakeOP) set(f func(op *fakeOP)) {
	op.mu.Lock()
	defer op.mu.Unlock()
	f(op)
}

func (op *fakeOP) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	op.mu.Lock()
	defer op.mu.Unlock()
	writeJSON(w, http.StatusOK, op.discovery)
}

func (op *fakeOP) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &op.key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig",
	}}})
}

// authorize records req as answered with a new code, and returns the code.
func (op *fakeOP) authorize(req authRequest) string {
	op.mu.Lock()
	defer op.mu.Unlock()
	code := randString()
	op.codes[code] = req
	return code
}

func (op *fakeOP) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	user, pass, _ := r.BasicAuth()
	tr := tokenRequest{
		GrantType: r.PostForm.Get("grant_type"), Code: r.PostForm.Get("code"),
		Verifier: r.PostForm.Get("code_verifier"), RedirectURI: r.PostForm.Get("redirect_uri"),
		BasicUser: user, BasicPass: pass, BodySecret: r.PostForm.Get("client_secret"),
	}
	op.mu.Lock()
	defer op.mu.Unlock()
	op.tokenReqs = append(op.tokenReqs, tr)
	if user != testClientID || pass != testClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "client " + pass})
		return
	}
	switch tr.GrantType {
	case "authorization_code":
		ar, ok := op.codes[tr.Code]
		delete(op.codes, tr.Code)
		sum := sha256.Sum256([]byte(tr.Verifier))
		if !ok || ar.Method != "S256" || base64.RawURLEncoding.EncodeToString(sum[:]) != ar.Challenge || tr.RedirectURI != ar.RedirectURI {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "code " + tr.Code})
			return
		}
		op.issueLocked(w, ar.Nonce)
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if !op.refresh[rt] {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
			return
		}
		op.refresh[rt] = false // rotation
		op.issueLocked(w, "")
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
	}
}

// issueLocked answers a token request: an access token, a new refresh
// token and an ID token (with nonce when given).
func (op *fakeOP) issueLocked(w http.ResponseWriter, nonce string) {
	at, rt := randString(), randString()
	op.accessTokens[at] = true
	op.refresh[rt] = true
	resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": 1800, "refresh_token": rt, "scope": "openid profile email offline_access"}
	if !op.noIDToken {
		now := op.now()
		aud := op.idAud
		if aud == nil {
			aud = []string{testClientID}
		}
		iss := op.idIssuer
		if iss == "" {
			iss = op.srv.URL
		}
		if op.idNonce != "" {
			nonce = op.idNonce
		}
		sum := sha256.Sum256([]byte(at))
		atHash := base64.RawURLEncoding.EncodeToString(sum[:16])
		if op.atHash != "" {
			atHash = op.atHash
		}
		claims := map[string]any{
			"iss": iss, "sub": testSub, "aud": aud, "exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(),
			"auth_time": now.Add(-time.Minute).Unix(), "amr": []string{"pwd", "otp"}, "acr": "urn:rempart:acr:mfa",
			"preferred_username": "alice", "email": "alice@example.com", "email_verified": false, "at_hash": atHash,
		}
		if nonce != "" {
			claims["nonce"] = nonce
		}
		b, _ := json.Marshal(claims)
		resp["id_token"] = oidctest.SignIDToken(op.key, "k1", "ES256", string(b))
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

func (op *fakeOP) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	defer op.mu.Unlock()
	h := r.Header.Get("Authorization")
	if len(h) < 7 || h[:7] != "Bearer " || !op.accessTokens[h[7:]] {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	sub := op.userinfoAs
	if sub == "" {
		sub = testSub
	}
	writeJSON(w, http.StatusOK, map[string]any{"sub": sub, "preferred_username": "alice", "email": "alice@example.com"})
}

func (op *fakeOP) serveRevoke(w http.ResponseWriter, r *http.Request) {
	user, pass, _ := r.BasicAuth()
	if user != testClientID || pass != testClientSecret || r.URL.RawQuery != "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	_ = r.ParseForm()
	op.mu.Lock()
	defer op.mu.Unlock()
	tok := r.PostForm.Get("token")
	op.revoked = append(op.revoked, tok)
	op.refresh[tok] = false
	w.WriteHeader(http.StatusOK)
}

func (op *fakeOP) tokenRequests() []tokenRequest {
	op.mu.Lock()
	defer op.mu.Unlock()
	return append([]tokenRequest(nil), op.tokenReqs...)
}

func (op *fakeOP) revokedTokens() []string {
	op.mu.Lock()
	defer op.mu.Unlock()
	return append([]string(nil), op.revoked...)
}

// validRefreshTokens returns the refresh tokens not yet used or revoked.
func (op *fakeOP) validRefreshTokens() []string {
	op.mu.Lock()
	defer op.mu.Unlock()
	var out []string
	for rt, ok := range op.refresh {
		if ok {
			out = append(out, rt)
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randString() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprint("rand: ", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
