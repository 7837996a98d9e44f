package authserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/vault"
)

// tokenClients are the clients the token endpoint table uses.
type tokenClients struct {
	basic, basicSecret     string // client_secret_basic, every API
	post, postSecret       string // client_secret_post, orders:read
	noGrant, noGrantSecret string // authorization_code only
	limited, limitedSecret string // restricted to the orders API
	pw, pwSecret           string // client_credentials + password
	openid, openidSecret   string // only a scope no API uses
	rot, rotOld, rotNew    string // rotated with a 1h grace at t0
	weird, weirdSecret     string // secret that needs form-urlencoding
	broken                 string // the store fails on this id
}

func setupTokenClients(t *testing.T, e *testEnv) tokenClients {
	t.Helper()
	var c tokenClients
	c.basic, c.basicSecret = e.register(t, ClientSpec{Name: "svc-basic", GrantTypes: []string{GrantClientCredentials},
		Scopes: []string{"orders:read orders:write", "billing:read"}})
	c.post, c.postSecret = e.register(t, ClientSpec{Name: "svc-post", GrantTypes: []string{GrantClientCredentials},
		Scopes: []string{"orders:read"}, AuthMethod: AuthSecretPost})
	c.noGrant, c.noGrantSecret = e.register(t, ClientSpec{Name: "web-app", GrantTypes: []string{GrantAuthorizationCode},
		Scopes: []string{"orders:read"}, RedirectURIs: []string{"https://app.example/cb"}})
	c.limited, c.limitedSecret = e.register(t, ClientSpec{Name: "svc-limited", GrantTypes: []string{GrantClientCredentials},
		Scopes: []string{"orders:read billing:read offline_access"}, APIs: []string{"orders"}})
	c.pw, c.pwSecret = e.register(t, ClientSpec{Name: "legacy", GrantTypes: []string{GrantClientCredentials, GrantPassword},
		Scopes: []string{"orders:read"}, AllowPasswordGrant: true})
	c.openid, c.openidSecret = e.register(t, ClientSpec{Name: "oidc-only", GrantTypes: []string{GrantClientCredentials},
		Scopes: []string{"openid"}})
	c.rot, c.rotOld = e.register(t, ClientSpec{Name: "svc-rot", GrantTypes: []string{GrantClientCredentials},
		Scopes: []string{"orders:read"}})
	var err error
	c.rotNew, err = RotateClientSecret(t.Context(), e.store, e.hasher, c.rot, time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, c.rotNew)

	c.weird, c.weirdSecret = "weird client:1", "s3cr+t/:%é &x"
	if err := e.store.CreateClient(t.Context(), Client{ID: c.weird, Name: "weird", AuthMethod: AuthSecretBasic,
		GrantTypes: []string{GrantClientCredentials}, Scopes: []string{"billing:read"},
		SecretHash: e.hasher.Hash(vault.PurposeClientSecret, c.weirdSecret)}); err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, c.weirdSecret)
	c.broken = uuid.NewString()
	e.store.failIDs[c.broken] = true
	return c
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func basic(id, secret string) *[2]string { return &[2]string{id, secret} }

func TestTokenEndpoint(t *testing.T) {
	e := newTestEnv(t, "")
	c := setupTokenClients(t, e)
	cc := GrantClientCredentials

	tests := []struct {
		name       string
		call       tokenCall
		at         time.Time // zero: t0
		wantStatus int
		wantErr    string   // error code, "" for success
		wantSub    string   // success: sub and client_id
		wantScope  string   // success
		wantAud    []string // success
	}{
		{name: "ok/basic", call: tokenCall{form: form("grant_type", cc, "scope", "orders:read"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 200, wantSub: c.basic, wantScope: "orders:read", wantAud: []string{"orders"}},
		{name: "ok/post", call: tokenCall{form: form("grant_type", cc, "client_id", c.post, "client_secret", c.postSecret)},
			wantStatus: 200, wantSub: c.post, wantScope: "orders:read", wantAud: []string{"orders"}},
		{name: "ok/scope-subset", call: tokenCall{form: form("grant_type", cc, "scope", "billing:read orders:read"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 200, wantSub: c.basic, wantScope: "billing:read orders:read", wantAud: []string{"billing", "orders"}},
		{name: "ok/no-scope-all", call: tokenCall{form: form("grant_type", cc), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 200, wantSub: c.basic, wantScope: "orders:read orders:write billing:read", wantAud: []string{"billing", "orders"}},
		{name: "ok/empty-scope-is-omitted", call: tokenCall{body: "grant_type=client_credentials&scope=&client_id=" + c.post + "&client_secret=" + c.postSecret},
			wantStatus: 200, wantSub: c.post, wantScope: "orders:read", wantAud: []string{"orders"}},
		{name: "ok/basic-form-urlencoded", call: tokenCall{form: form("grant_type", cc), basic: basic(c.weird, c.weirdSecret)},
			wantStatus: 200, wantSub: c.weird, wantScope: "billing:read", wantAud: []string{"billing"}},
		{name: "ok/basic-with-same-body-client-id", call: tokenCall{form: form("grant_type", cc, "client_id", c.basic, "scope", "billing:read"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 200, wantSub: c.basic, wantScope: "billing:read", wantAud: []string{"billing"}},
		{name: "ok/audience-by-name", call: tokenCall{form: form("grant_type", cc, "audience", "billing"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 200, wantSub: c.basic, wantScope: "billing:read", wantAud: []string{"billing"}},
		{name: "ok/resource-by-url", call: tokenCall{form: form("grant_type", cc, "resource", "https://gw.example/orders"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 200, wantSub: c.basic, wantScope: "orders:read orders:write", wantAud: []string{"orders"}},
		{name: "ok/audience-and-resource-repeated", call: tokenCall{form: form("grant_type", cc, "audience", "orders", "resource", "https://gw.example/billing", "resource", "https://gw.example/orders"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 200, wantSub: c.basic, wantScope: "orders:read orders:write billing:read", wantAud: []string{"billing", "orders"}},
		{name: "ok/limited-client-default-scope", call: tokenCall{form: form("grant_type", cc), basic: basic(c.limited, c.limitedSecret)},
			wantStatus: 200, wantSub: c.limited, wantScope: "orders:read offline_access", wantAud: []string{"orders"}},
		{name: "ok/prev-secret-in-grace", at: t0.Add(59 * time.Minute), call: tokenCall{form: form("grant_type", cc), basic: basic(c.rot, c.rotOld)},
			wantStatus: 200, wantSub: c.rot, wantScope: "orders:read", wantAud: []string{"orders"}},
		{name: "ok/new-secret-after-grace", at: t0.Add(2 * time.Hour), call: tokenCall{form: form("grant_type", cc), basic: basic(c.rot, c.rotNew)},
			wantStatus: 200, wantSub: c.rot, wantScope: "orders:read", wantAud: []string{"orders"}},

		{name: "fail/prev-secret-after-grace", at: t0.Add(time.Hour), call: tokenCall{form: form("grant_type", cc), basic: basic(c.rot, c.rotOld)},
			wantStatus: 401, wantErr: "invalid_client"},
		{name: "fail/scope-not-allowed", call: tokenCall{form: form("grant_type", cc, "scope", "orders:write", "client_id", c.post, "client_secret", c.postSecret)},
			wantStatus: 400, wantErr: "invalid_scope"},
		{name: "fail/scope-unknown", call: tokenCall{form: form("grant_type", cc, "scope", "admin"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "invalid_scope"},
		{name: "fail/scope-malformed", call: tokenCall{form: form("grant_type", cc, "scope", "orders:read  billing:read"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "invalid_scope"},
		{name: "fail/scope-of-api-not-allowed", call: tokenCall{form: form("grant_type", cc, "scope", "billing:read"), basic: basic(c.limited, c.limitedSecret)},
			wantStatus: 400, wantErr: "invalid_scope"},
		{name: "fail/scope-grants-no-api", call: tokenCall{form: form("grant_type", cc), basic: basic(c.openid, c.openidSecret)},
			wantStatus: 400, wantErr: "invalid_scope"},
		{name: "fail/wrong-secret", call: tokenCall{form: form("grant_type", cc), basic: basic(c.basic, c.postSecret)},
			wantStatus: 401, wantErr: "invalid_client"},
		{name: "fail/wrong-secret-post", call: tokenCall{form: form("grant_type", cc, "client_id", c.post, "client_secret", c.basicSecret)},
			wantStatus: 401, wantErr: "invalid_client"},
		{name: "fail/unknown-client", call: tokenCall{form: form("grant_type", cc), basic: basic(uuid.NewString(), c.basicSecret)},
			wantStatus: 401, wantErr: "invalid_client"},
		{name: "fail/no-credentials", call: tokenCall{form: form("grant_type", cc)},
			wantStatus: 401, wantErr: "invalid_client"},
		{name: "fail/client-id-only", call: tokenCall{form: form("grant_type", cc, "client_id", c.post)},
			wantStatus: 401, wantErr: "invalid_client"},
		{name: "fail/bearer-authorization", call: tokenCall{form: form("grant_type", cc), rawAuth: "Bearer abc"},
			wantStatus: 401, wantErr: "invalid_client"},
		{name: "fail/malformed-basic", call: tokenCall{form: form("grant_type", cc), rawAuth: "Basic !!!"},
			wantStatus: 401, wantErr: "invalid_client"},
		{name: "fail/client-assertion-unsupported", call: tokenCall{form: form("grant_type", cc, "client_id", c.basic,
			"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", "x.y.z")},
			wantStatus: 401, wantErr: "invalid_client"},
		{name: "fail/both-methods", call: tokenCall{form: form("grant_type", cc, "client_id", c.basic, "client_secret", c.basicSecret), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "invalid_request"},
		{name: "fail/basic-and-other-body-client-id", call: tokenCall{form: form("grant_type", cc, "client_id", c.post), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "invalid_request"},
		{name: "fail/wrong-method-for-client", call: tokenCall{form: form("grant_type", cc), basic: basic(c.post, c.postSecret)},
			wantStatus: 401, wantErr: "invalid_client"},
		{name: "fail/wrong-method-for-client-post", call: tokenCall{form: form("grant_type", cc, "client_id", c.basic, "client_secret", c.basicSecret)},
			wantStatus: 401, wantErr: "invalid_client"},
		{name: "fail/grant-not-allowed", call: tokenCall{form: form("grant_type", cc), basic: basic(c.noGrant, c.noGrantSecret)},
			wantStatus: 400, wantErr: "unauthorized_client"},
		{name: "fail/unsupported-grant-password", call: tokenCall{form: form("grant_type", "password", "username", "u", "password", "p"), basic: basic(c.pw, c.pwSecret)},
			wantStatus: 400, wantErr: "unsupported_grant_type"},
		{name: "fail/unsupported-grant-implicit", call: tokenCall{form: form("grant_type", "implicit"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "unsupported_grant_type"},
		{name: "fail/missing-grant-type", call: tokenCall{form: form("scope", "orders:read"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "invalid_request"},
		{name: "fail/query-string-credentials", call: tokenCall{form: form("grant_type", cc),
			query: "client_id=" + c.post + "&client_secret=" + c.postSecret},
			wantStatus: 400, wantErr: "invalid_request"},
		{name: "fail/query-string-any-parameter", call: tokenCall{form: form("grant_type", cc), basic: basic(c.basic, c.basicSecret), query: "foo=bar"},
			wantStatus: 400, wantErr: "invalid_request"},
		{name: "fail/json-content-type", call: tokenCall{contentType: "application/json", basic: basic(c.basic, c.basicSecret),
			body: `{"grant_type":"client_credentials"}`},
			wantStatus: 400, wantErr: "invalid_request"},
		{name: "fail/latin1-charset", call: tokenCall{contentType: "application/x-www-form-urlencoded; charset=iso-8859-1", basic: basic(c.basic, c.basicSecret),
			form: form("grant_type", cc)},
			wantStatus: 400, wantErr: "invalid_request"},
		{name: "fail/duplicate-params", call: tokenCall{form: form("grant_type", cc, "scope", "orders:read", "scope", "billing:read"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "invalid_request"},
		{name: "fail/duplicate-grant-type", call: tokenCall{form: form("grant_type", cc, "grant_type", cc), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "invalid_request"},
		{name: "fail/malformed-form", call: tokenCall{body: "grant_type=%zz", basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "invalid_request"},
		{name: "fail/oversized-body", call: tokenCall{form: form("grant_type", cc, "pad", strings.Repeat("a", 70<<10)), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "invalid_request"},
		{name: "fail/invalid-target-resource", call: tokenCall{form: form("grant_type", cc, "resource", "https://gw.example/unknown"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "invalid_target"},
		{name: "fail/invalid-target-resource-not-exact", call: tokenCall{form: form("grant_type", cc, "resource", "https://gw.example/orders/"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "invalid_target"},
		{name: "fail/invalid-target-resource-fragment", call: tokenCall{form: form("grant_type", cc, "resource", "https://gw.example/orders#x"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "invalid_target"},
		{name: "fail/invalid-target-audience", call: tokenCall{form: form("grant_type", cc, "audience", "payroll"), basic: basic(c.basic, c.basicSecret)},
			wantStatus: 400, wantErr: "invalid_target"},
		{name: "fail/audience-not-allowed-for-client", call: tokenCall{form: form("grant_type", cc, "audience", "billing"), basic: basic(c.limited, c.limitedSecret)},
			wantStatus: 400, wantErr: "invalid_target"},
		{name: "fail/store-down", call: tokenCall{form: form("grant_type", cc), basic: basic(c.broken, "whatever")},
			wantStatus: 500, wantErr: "server_error"},
		{name: "fail/get-method", call: tokenCall{method: http.MethodGet},
			wantStatus: 405, wantErr: "invalid_request"},
	}
	failuresBefore := e.authFailures(t)
	wantFailures := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.at
			if at.IsZero() {
				at = t0
			}
			e.setNow(at)
			resp, body := e.call(t, tc.call)
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, tc.wantStatus, body)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if tc.wantErr != "" {
				var eb struct {
					Error       string `json:"error"`
					Description string `json:"error_description"`
				}
				if err := json.Unmarshal(body, &eb); err != nil {
					t.Fatalf("error body %q: %v", body, err)
				}
				if eb.Error != tc.wantErr {
					t.Errorf("error = %q, want %q", eb.Error, tc.wantErr)
				}
				wantAuth := ""
				if tc.wantStatus == 401 {
					wantAuth = `Basic realm="rempart"`
				}
				if got := resp.Header.Get("WWW-Authenticate"); got != wantAuth {
					t.Errorf("WWW-Authenticate = %q, want %q", got, wantAuth)
				}
				if tc.wantErr == "invalid_client" {
					wantFailures++
				}
				for _, leak := range []string{"memstore", "db.internal", "store:", "token:"} {
					if strings.Contains(string(body), leak) {
						t.Errorf("error body leaks %q: %s", leak, body)
					}
				}
				return
			}
			checkTokenResponse(t, e, body, at, tc.wantSub, tc.wantScope, tc.wantAud)
			if got := resp.Header.Get("Pragma"); got != "no-cache" {
				t.Errorf("Pragma = %q, want no-cache", got)
			}
		})
	}
	if got := e.authFailures(t) - failuresBefore; got != float64(wantFailures) {
		t.Errorf("invalid_client failures counted = %v, want %d", got, wantFailures)
	}

	logs := e.logs.String()
	for _, s := range e.secrets {
		if strings.Contains(logs, s) || strings.Contains(logs, url.QueryEscape(s)) {
			t.Errorf("a client secret appears in the logs")
		}
	}
	if strings.Contains(logs, "client_secret=") || strings.Contains(logs, "foo=bar") {
		t.Errorf("the query string appears in the logs")
	}
	if !strings.Contains(logs, `"client_id":"`+c.post+`"`) {
		t.Errorf("failure logs lack the client id")
	}
	if !strings.Contains(logs, "wrong client secret") || !strings.Contains(logs, "unknown client") {
		t.Errorf("failure causes not logged:\n%s", logs)
	}
}

// checkTokenResponse decodes a success body and checks the RFC 6749 §5.1
// response and every RFC 9068 claim and header of the JWT.
func checkTokenResponse(t *testing.T, e *testEnv, body []byte, at time.Time, sub, scope string, aud []string) {
	t.Helper()
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tr); err != nil {
		t.Fatalf("token response %q: %v", body, err)
	}
	if tr.TokenType != "Bearer" || tr.ExpiresIn != 1800 || tr.Scope != scope {
		t.Errorf("response = %+v, want Bearer/1800/%q", tr, scope)
	}
	claims := verifyAccessToken(t, e, tr.AccessToken)
	if claims.Issuer != e.issuer {
		t.Errorf("iss = %q, want %q", claims.Issuer, e.issuer)
	}
	if claims.Subject != sub || claims.ClientID != sub {
		t.Errorf("sub, client_id = %q, %q, want %q", claims.Subject, claims.ClientID, sub)
	}
	if !slices.Equal([]string(claims.Audience), aud) {
		t.Errorf("aud = %q, want %q", claims.Audience, aud)
	}
	if claims.Scope != scope {
		t.Errorf("scope claim = %q, want %q", claims.Scope, scope)
	}
	if got := claims.IssuedAt.Time(); !got.Equal(at) {
		t.Errorf("iat = %v, want %v", got, at)
	}
	if claims.NotBefore == nil || !claims.NotBefore.Time().Equal(at) {
		t.Errorf("nbf = %v, want %v", claims.NotBefore, at)
	}
	if got := claims.Expiry.Time(); !got.Equal(at.Add(30 * time.Minute)) {
		t.Errorf("exp = %v, want iat+30m", got)
	}
	id, err := uuid.Parse(claims.ID)
	if err != nil || id.Version() != 4 {
		t.Errorf("jti = %q is not a UUID v4", claims.ID)
	}
	if err := claims.ValidateWithLeeway(jwt.Expected{Issuer: e.issuer, AnyAudience: aud, Time: at}, 0); err != nil {
		t.Errorf("claims do not validate: %v", err)
	}
}

// verifyAccessToken checks the JWS header (alg ES256, typ at+jwt, kid) and
// signature with go-jose against the served JWKS, and returns the claims.
func verifyAccessToken(t *testing.T, e *testEnv, raw string) token.AccessClaims {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("parse JWT: %v", err)
	}
	if len(tok.Headers) != 1 {
		t.Fatalf("%d JWS headers", len(tok.Headers))
	}
	h := tok.Headers[0]
	if h.Algorithm != "ES256" || h.KeyID != e.keys.kid || h.ExtraHeaders["typ"] != "at+jwt" {
		t.Errorf("header alg=%q kid=%q typ=%v, want ES256 %q at+jwt", h.Algorithm, h.KeyID, h.ExtraHeaders["typ"], e.keys.kid)
	}
	if h.JSONWebKey != nil {
		t.Error("header embeds a jwk")
	}
	resp, err := e.srv.Client().Get(e.issuer + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q not in JWKS", h.KeyID)
	}
	var claims token.AccessClaims
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("verify JWT: %v", err)
	}
	return claims
}

func TestTokenEndpointDeletedClientWithinOneSecond(t *testing.T) {
	// D1: deleting a client (here by another process: straight in the store)
	// takes effect within 1 s; the client cache keeps records < 1 s.
	e := newTestEnv(t, "")
	id, secret := e.register(t, ClientSpec{Name: "svc", GrantTypes: []string{GrantClientCredentials}, Scopes: []string{"orders:read"}})
	call := tokenCall{form: form("grant_type", GrantClientCredentials), basic: basic(id, secret)}
	if resp, body := e.call(t, call); resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if err := e.store.DeleteClient(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	later := e.now.Load().Add(time.Second)
	e.now.Store(&later)
	if resp, _ := e.call(t, call); resp.StatusCode != 401 {
		t.Fatalf("deleted client, 1 s later: status %d, want 401", resp.StatusCode)
	}
}

func TestTokenEndpointSigningKeyFailure(t *testing.T) {
	e := newTestEnv(t, "")
	id, secret := e.register(t, ClientSpec{Name: "svc", GrantTypes: []string{GrantClientCredentials}, Scopes: []string{"orders:read"}})
	e.keys.err = errSentinelKey
	resp, body := e.call(t, tokenCall{form: form("grant_type", GrantClientCredentials), basic: basic(id, secret)})
	if resp.StatusCode != 500 || !strings.Contains(string(body), `"server_error"`) || strings.Contains(string(body), "hsm") {
		t.Fatalf("status %d body %s, want generic 500 server_error", resp.StatusCode, body)
	}
}

var errSentinelKey = &keyErr{}

type keyErr struct{}

func (*keyErr) Error() string { return "hsm unreachable" }
