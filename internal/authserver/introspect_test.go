package authserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rempart/rempart/internal/token"
)

// lcTokens issues tokens of every kind for the introspection and
// revocation tables.
type lcTokens struct {
	e *lcEnv
	c lcClients
}

func (k lcTokens) clientJWT(t *testing.T) string {
	resp, tb, raw := k.e.post(t, "/token", k.c.svcJWT, k.c.svcJWTSecret, form("grant_type", GrantClientCredentials))
	if resp.StatusCode != 200 {
		t.Fatalf("client_credentials: %d %s", resp.StatusCode, raw)
	}
	return tb.AccessToken
}

func (k lcTokens) clientOpaque(t *testing.T) string {
	resp, tb, raw := k.e.post(t, "/token", k.c.svc, k.c.svcSecret, form("grant_type", GrantClientCredentials))
	if resp.StatusCode != 200 || token.ParseHandle(tb.AccessToken, token.PrefixAccess) != nil {
		t.Fatalf("client_credentials (opaque): %d %s", resp.StatusCode, raw)
	}
	return tb.AccessToken
}

func (k lcTokens) user(t *testing.T) tokenBody {
	return k.e.passwordTokens(t, k.c.app, k.c.appSecret, "alice", "correct horse battery", "orders:read offline_access")
}

// foreignJWT is a well-formed access token signed by a key that is not
// the server's.
func foreignJWT(t *testing.T, e *lcEnv, clientID string) string {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := token.NewSigner(token.SigningKey{ID: e.keys.kid, Key: priv}, token.TypeAccess)
	if err != nil {
		t.Fatal(err)
	}
	now := jwt.NewNumericDate(t0)
	raw, err := sg.Sign(&token.AccessClaims{Claims: jwt.Claims{Issuer: e.issuer, Subject: clientID, Audience: jwt.Audience{"orders"},
		IssuedAt: now, NotBefore: now, Expiry: jwt.NewNumericDate(t0.Add(time.Hour)), ID: "forged"}, ClientID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

type introspectBody struct {
	Active    bool     `json:"active"`
	Scope     string   `json:"scope"`
	ClientID  string   `json:"client_id"`
	TokenType string   `json:"token_type"`
	Exp       int64    `json:"exp"`
	Iat       int64    `json:"iat"`
	Sub       string   `json:"sub"`
	Aud       []string `json:"aud"`
	Iss       string   `json:"iss"`
	JTI       string   `json:"jti"`
	Error     string   `json:"error"`
}

func (e *lcEnv) introspect(t *testing.T, id, secret, raw string) (*http.Response, introspectBody) {
	t.Helper()
	resp, _, body := e.post(t, "/introspect", id, secret, form("token", raw))
	var ib introspectBody
	if err := json.Unmarshal(body, &ib); err != nil {
		t.Fatalf("introspection body %q: %v", body, err)
	}
	if resp.StatusCode == 200 && !ib.Active && string(body) != `{"active":false}` {
		t.Errorf("inactive answer says more than active:false: %s", body)
	}
	return resp, ib
}

func TestIntrospection(t *testing.T) {
	e := newLifecycleEnv(t, lcOptions{})
	c := setupLifecycleClients(t, e)
	e.users.add("alice", "correct horse battery", false)
	k := lcTokens{e, c}

	tests := []struct {
		name       string
		prepare    func(t *testing.T) string // returns the token to introspect
		id, secret string                    // caller
		at         time.Duration             // clock offset at introspection
		wantActive bool
		check      func(t *testing.T, ib introspectBody)
	}{
		{name: "ok/own-jwt", prepare: k.clientJWT, id: c.svcJWT, secret: c.svcJWTSecret, wantActive: true,
			check: func(t *testing.T, ib introspectBody) {
				if ib.ClientID != c.svcJWT || ib.Sub != c.svcJWT || ib.TokenType != "Bearer" || ib.Scope != "orders:read" ||
					ib.Iss != e.issuer || !slices.Equal(ib.Aud, []string{"orders"}) || ib.Exp != t0.Add(30*time.Minute).Unix() ||
					ib.Iat != t0.Unix() || ib.JTI == "" {
					t.Errorf("introspection %+v", ib)
				}
			}},
		{name: "ok/own-user-jwt", prepare: func(t *testing.T) string { return k.user(t).AccessToken },
			id: c.app, secret: c.appSecret, wantActive: true,
			check: func(t *testing.T, ib introspectBody) {
				if ib.Sub == c.app || ib.Sub == "" || ib.Scope != "orders:read offline_access" {
					t.Errorf("introspection %+v", ib)
				}
			}},
		{name: "ok/own-opaque", prepare: k.clientOpaque, id: c.svc, secret: c.svcSecret, wantActive: true,
			check: func(t *testing.T, ib introspectBody) {
				if ib.ClientID != c.svc || ib.Sub != c.svc || ib.TokenType != "Bearer" || ib.JTI == "" || ib.Exp != t0.Add(30*time.Minute).Unix() {
					t.Errorf("introspection %+v", ib)
				}
			}},
		{name: "ok/own-refresh", prepare: func(t *testing.T) string { return k.user(t).RefreshToken },
			id: c.app, secret: c.appSecret, wantActive: true,
			check: func(t *testing.T, ib introspectBody) {
				if ib.TokenType != "refresh_token" || ib.ClientID != c.app || ib.Exp != t0.Add(24*time.Hour).Unix() {
					t.Errorf("introspection %+v", ib)
				}
			}},
		{name: "fail/foreign-jwt", prepare: k.clientJWT, id: c.app, secret: c.appSecret},
		{name: "fail/foreign-opaque", prepare: k.clientOpaque, id: c.app, secret: c.appSecret},
		{name: "fail/foreign-refresh", prepare: func(t *testing.T) string { return k.user(t).RefreshToken },
			id: c.other, secret: c.otherSecret},
		{name: "fail/expired-jwt", prepare: k.clientJWT, id: c.svcJWT, secret: c.svcJWTSecret, at: 31 * time.Minute},
		{name: "fail/expired-opaque", prepare: k.clientOpaque, id: c.svc, secret: c.svcSecret, at: 30 * time.Minute},
		{name: "fail/expired-refresh", prepare: func(t *testing.T) string { return k.user(t).RefreshToken },
			id: c.app, secret: c.appSecret, at: 24 * time.Hour},
		{name: "fail/revoked-jwt", prepare: func(t *testing.T) string {
			raw := k.clientJWT(t)
			mustRevoke(t, e, c.svcJWT, c.svcJWTSecret, raw)
			return raw
		}, id: c.svcJWT, secret: c.svcJWTSecret},
		{name: "fail/revoked-opaque", prepare: func(t *testing.T) string {
			raw := k.clientOpaque(t)
			mustRevoke(t, e, c.svc, c.svcSecret, raw)
			return raw
		}, id: c.svc, secret: c.svcSecret},
		{name: "fail/revoked-family-jwt", prepare: func(t *testing.T) string {
			tb := k.user(t)
			mustRevoke(t, e, c.app, c.appSecret, tb.RefreshToken)
			return tb.AccessToken
		}, id: c.app, secret: c.appSecret},
		{name: "fail/rotated-refresh", prepare: func(t *testing.T) string {
			tb := k.user(t)
			if resp, _ := e.refresh(t, c.app, c.appSecret, tb.RefreshToken); resp.StatusCode != 200 {
				t.Fatal("refresh failed")
			}
			return tb.RefreshToken
		}, id: c.app, secret: c.appSecret},
		{name: "fail/forged-jwt", prepare: func(t *testing.T) string { return foreignJWT(t, e, c.svcJWT) },
			id: c.svcJWT, secret: c.svcJWTSecret},
		{name: "fail/garbage", prepare: func(*testing.T) string { return "not a token" }, id: c.app, secret: c.appSecret},
		{name: "fail/unknown-handle", prepare: func(t *testing.T) string {
			h, _ := token.NewHandle(token.PrefixAccess)
			return h
		}, id: c.svc, secret: c.svcSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.setNow(t0)
			raw := tc.prepare(t)
			e.setNow(t0.Add(tc.at))
			defer e.setNow(t0)
			resp, ib := e.introspect(t, tc.id, tc.secret, raw)
			if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("status %d Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
			}
			if ib.Active != tc.wantActive {
				t.Fatalf("active = %v, want %v (%+v)", ib.Active, tc.wantActive, ib)
			}
			if tc.check != nil {
				tc.check(t, ib)
			}
		})
	}

	t.Run("fail/requests", func(t *testing.T) {
		raw := k.clientJWT(t)
		for _, rc := range []struct {
			name       string
			method     string
			query      string
			body       url.Values
			id, secret string
			wantStatus int
			wantErr    string
		}{
			{"no-token", "POST", "", form(), c.svcJWT, c.svcJWTSecret, 400, "invalid_request"},
			{"no-client-auth", "POST", "", form("token", raw), "", "", 401, "invalid_client"},
			{"wrong-secret", "POST", "", form("token", raw), c.svcJWT, c.appSecret, 401, "invalid_client"},
			{"query-string", "POST", "token=" + url.QueryEscape(raw), form("token", raw), c.svcJWT, c.svcJWTSecret, 400, "invalid_request"},
			{"get", "GET", "", nil, c.svcJWT, c.svcJWTSecret, 405, "invalid_request"},
			{"repeated", "POST", "", form("token", raw, "token", raw), c.svcJWT, c.svcJWTSecret, 400, "invalid_request"},
		} {
			t.Run(rc.name, func(t *testing.T) {
				u := e.issuer + "/introspect"
				if rc.query != "" {
					u += "?" + rc.query
				}
				req, _ := http.NewRequest(rc.method, u, strings.NewReader(rc.body.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if rc.id != "" {
					req.SetBasicAuth(rc.id, rc.secret)
				}
				resp, err := e.srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var eb introspectBody
				_ = json.NewDecoder(resp.Body).Decode(&eb)
				if resp.StatusCode != rc.wantStatus || eb.Error != rc.wantErr || eb.Active {
					t.Errorf("status %d error %q, want %d %q", resp.StatusCode, eb.Error, rc.wantStatus, rc.wantErr)
				}
			})
		}
	})

	t.Run("fail/store-down", func(t *testing.T) {
		// D2: a token is never introspected as active (nor inactive) when
		// the store cannot say.
		for _, raw := range []string{k.clientJWT(t), k.clientOpaque(t)} {
			e.tokens.setDown(true)
			resp, _, body := e.post(t, "/introspect", c.svc, c.svcSecret, form("token", raw))
			e.tokens.setDown(false)
			if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(body), "active") ||
				strings.Contains(string(body), "db.internal") {
				t.Errorf("status %d body %s, want a generic 503", resp.StatusCode, body)
			}
		}
	})
	if logs := e.logs.String(); strings.Contains(logs, "rpo_") || strings.Contains(logs, "rpr_") || strings.Contains(logs, "eyJ") {
		t.Error("a token appears in the logs")
	}
}

// mustRevoke revokes raw as client id and expects 200.
func mustRevoke(t *testing.T, e *lcEnv, id, secret, raw string) {
	t.Helper()
	resp, _, body := e.post(t, "/revoke", id, secret, form("token", raw))
	if resp.StatusCode != 200 {
		t.Fatalf("revoke: status %d: %s", resp.StatusCode, body)
	}
}
