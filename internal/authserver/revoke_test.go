package authserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rempart/rempart/internal/token"
)

func TestRevocation(t *testing.T) {
	e := newLifecycleEnv(t, lcOptions{})
	c := setupLifecycleClients(t, e)
	e.users.add("alice", "correct horse battery", false)
	k := lcTokens{e, c}
	jtiOf := func(t *testing.T, raw string) string {
		if token.ParseHandle(raw, token.PrefixAccess) == nil {
			a, err := e.tokens.AccessTokenByHash(t.Context(), e.hasher.Hash("opaque-token", raw))
			if err != nil {
				t.Fatal(err)
			}
			return a.JTI
		}
		return verifyAccessToken(t, e.testEnv, raw).ID
	}
	revoked := func(t *testing.T, jti string) bool {
		r, err := e.tokens.JTIRevoked(t.Context(), jti)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	tests := []struct {
		name       string
		prepare    func(t *testing.T) (raw string, check func(t *testing.T))
		id, secret string
		failWrites bool
		down       bool
		wantStatus int
	}{
		{name: "ok/owner-jwt", id: c.svcJWT, secret: c.svcJWTSecret, wantStatus: 200,
			prepare: func(t *testing.T) (string, func(*testing.T)) {
				raw := k.clientJWT(t)
				return raw, func(t *testing.T) {
					if !revoked(t, jtiOf(t, raw)) {
						t.Error("jti not deny-listed")
					}
				}
			}},
		{name: "ok/owner-opaque", id: c.svc, secret: c.svcSecret, wantStatus: 200,
			prepare: func(t *testing.T) (string, func(*testing.T)) {
				raw := k.clientOpaque(t)
				return raw, func(t *testing.T) {
					a, _ := e.tokens.AccessTokenByHash(t.Context(), e.hasher.Hash("opaque-token", raw))
					if a.RevokedAt.IsZero() || !revoked(t, a.JTI) {
						t.Errorf("opaque token not revoked: %+v", a)
					}
				}
			}},
		{name: "ok/owner-refresh-revokes-family", id: c.app, secret: c.appSecret, wantStatus: 200,
			prepare: func(t *testing.T) (string, func(*testing.T)) {
				tb := k.user(t)
				return tb.RefreshToken, func(t *testing.T) {
					if resp, _ := e.refresh(t, c.app, c.appSecret, tb.RefreshToken); resp.StatusCode != 400 {
						t.Errorf("revoked refresh token still works: %d", resp.StatusCode)
					}
					if !revoked(t, jtiOf(t, tb.AccessToken)) {
						t.Error("the family's access token is not deny-listed (RFC 7009 §2.1)")
					}
				}
			}},
		{name: "ok/owner-user-access-token-only", id: c.app, secret: c.appSecret, wantStatus: 200,
			prepare: func(t *testing.T) (string, func(*testing.T)) {
				tb := k.user(t)
				return tb.AccessToken, func(t *testing.T) {
					if !revoked(t, jtiOf(t, tb.AccessToken)) {
						t.Error("jti not deny-listed")
					}
					if resp, _ := e.refresh(t, c.app, c.appSecret, tb.RefreshToken); resp.StatusCode != 200 {
						t.Errorf("revoking the access token revoked the refresh token: %d", resp.StatusCode)
					}
				}
			}},
		{name: "ok/other-client-jwt-nothing-revoked", id: c.app, secret: c.appSecret, wantStatus: 200,
			prepare: func(t *testing.T) (string, func(*testing.T)) {
				raw := k.clientJWT(t)
				return raw, func(t *testing.T) {
					if revoked(t, jtiOf(t, raw)) {
						t.Error("another client revoked the token")
					}
				}
			}},
		{name: "ok/other-client-opaque-nothing-revoked", id: c.app, secret: c.appSecret, wantStatus: 200,
			prepare: func(t *testing.T) (string, func(*testing.T)) {
				raw := k.clientOpaque(t)
				return raw, func(t *testing.T) {
					if revoked(t, jtiOf(t, raw)) {
						t.Error("another client revoked the token")
					}
				}
			}},
		{name: "ok/other-client-refresh-nothing-revoked", id: c.other, secret: c.otherSecret, wantStatus: 200,
			prepare: func(t *testing.T) (string, func(*testing.T)) {
				tb := k.user(t)
				return tb.RefreshToken, func(t *testing.T) {
					if resp, _ := e.refresh(t, c.app, c.appSecret, tb.RefreshToken); resp.StatusCode != 200 {
						t.Errorf("another client revoked the refresh token: %d", resp.StatusCode)
					}
				}
			}},
		{name: "ok/unknown-token", id: c.app, secret: c.appSecret, wantStatus: 200,
			prepare: func(*testing.T) (string, func(*testing.T)) { return "no-such-token", nil }},
		{name: "ok/unknown-handle", id: c.app, secret: c.appSecret, wantStatus: 200,
			prepare: func(*testing.T) (string, func(*testing.T)) {
				h, _ := token.NewHandle(token.PrefixRefresh)
				return h, nil
			}},
		{name: "ok/forged-jwt", id: c.svcJWT, secret: c.svcJWTSecret, wantStatus: 200,
			prepare: func(t *testing.T) (string, func(*testing.T)) {
				return foreignJWT(t, e, c.svcJWT), func(t *testing.T) {
					if revoked(t, "forged") {
						t.Error("a forged token's jti was deny-listed")
					}
				}
			}},
		{name: "fail/write-fails-jwt", id: c.svcJWT, secret: c.svcJWTSecret, failWrites: true, wantStatus: 503,
			prepare: func(t *testing.T) (string, func(*testing.T)) { return k.clientJWT(t), nil }},
		{name: "fail/write-fails-opaque", id: c.svc, secret: c.svcSecret, failWrites: true, wantStatus: 503,
			prepare: func(t *testing.T) (string, func(*testing.T)) { return k.clientOpaque(t), nil }},
		{name: "fail/write-fails-refresh", id: c.app, secret: c.appSecret, failWrites: true, wantStatus: 503,
			prepare: func(t *testing.T) (string, func(*testing.T)) { return k.user(t).RefreshToken, nil }},
		{name: "fail/store-down-opaque", id: c.svc, secret: c.svcSecret, down: true, wantStatus: 503,
			prepare: func(t *testing.T) (string, func(*testing.T)) { return k.clientOpaque(t), nil }},
		{name: "fail/no-client-auth", wantStatus: 401,
			prepare: func(t *testing.T) (string, func(*testing.T)) { return k.clientJWT(t), nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, check := tc.prepare(t)
			e.tokens.setFailWrites(tc.failWrites)
			e.tokens.setDown(tc.down)
			resp, tb, body := e.post(t, "/revoke", tc.id, tc.secret, form("token", raw, "token_type_hint", "access_token"))
			e.tokens.setFailWrites(false)
			e.tokens.setDown(false)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.wantStatus, body)
			}
			if tc.wantStatus == 200 && (len(body) != 0 || resp.Header.Get("Cache-Control") != "no-store") {
				t.Errorf("body %q Cache-Control %q", body, resp.Header.Get("Cache-Control"))
			}
			if tc.wantStatus == http.StatusServiceUnavailable && (tb.Error != "temporarily_unavailable" || strings.Contains(string(body), "db.internal")) {
				t.Errorf("503 body %s", body)
			}
			if check != nil {
				check(t)
			}
		})
	}
	if logs := e.logs.String(); !strings.Contains(logs, `"msg":"token.revoked"`) || strings.Contains(logs, "rpr_") || strings.Contains(logs, "rpo_") {
		t.Error("revocations not logged, or a token appears in the logs")
	}
}
