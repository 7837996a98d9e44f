package authserver

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rempart/rempart/internal/token"
)

func TestPasswordGrant(t *testing.T) {
	e := newLifecycleEnv(t, lcOptions{withJail: true})
	c := setupLifecycleClients(t, e)
	alice := e.users.add("alice", "correct horse battery", false)
	e.users.add("bob", "bob's long password", true) // MFA enrolled
	pg := func(kv ...string) []string { return append([]string{"grant_type", GrantPassword}, kv...) }

	tests := []struct {
		name        string
		id, secret  string
		form        []string
		wantStatus  int
		wantErr     string
		wantDesc    string // substring of error_description
		wantRefresh bool
		wantScope   string
	}{
		{name: "ok/allowed-client-offline", id: c.app, secret: c.appSecret,
			form:       pg("username", "alice", "password", "correct horse battery", "scope", "orders:read offline_access"),
			wantStatus: 200, wantRefresh: true, wantScope: "orders:read offline_access"},
		{name: "ok/username-case-insensitive", id: c.app, secret: c.appSecret,
			form:       pg("username", "Alice", "password", "correct horse battery", "scope", "orders:read"),
			wantStatus: 200, wantScope: "orders:read"},
		{name: "ok/no-refresh-without-offline-access", id: c.app, secret: c.appSecret,
			form:       pg("username", "alice", "password", "correct horse battery", "scope", "billing:read"),
			wantStatus: 200, wantScope: "billing:read"},
		{name: "ok/no-refresh-without-refresh-grant", id: c.noRT, secret: c.noRTSecret,
			form:       pg("username", "alice", "password", "correct horse battery", "scope", "orders:read offline_access"),
			wantStatus: 200, wantScope: "orders:read offline_access"},
		{name: "fail/client-not-allowed", id: c.plain, secret: c.plainSecret,
			form:       pg("username", "alice", "password", "correct horse battery"),
			wantStatus: 400, wantErr: "unauthorized_client"},
		{name: "fail/mfa-user", id: c.app, secret: c.appSecret,
			form:       pg("username", "bob", "password", "bob's long password"),
			wantStatus: 400, wantErr: "invalid_grant", wantDesc: "interactive login required"},
		{name: "fail/wrong-password", id: c.app, secret: c.appSecret,
			form:       pg("username", "alice", "password", "Wr0ng-pa55word"),
			wantStatus: 400, wantErr: "invalid_grant"},
		{name: "fail/unknown-user", id: c.app, secret: c.appSecret,
			form:       pg("username", "mallory", "password", "correct horse battery"),
			wantStatus: 400, wantErr: "invalid_grant"},
		{name: "fail/missing-password", id: c.app, secret: c.appSecret,
			form:       pg("username", "alice"),
			wantStatus: 400, wantErr: "invalid_request"},
		{name: "fail/scope-not-allowed", id: c.app, secret: c.appSecret,
			form:       pg("username", "alice", "password", "correct horse battery", "scope", "admin"),
			wantStatus: 400, wantErr: "invalid_scope"},
		{name: "fail/wrong-client-secret", id: c.app, secret: c.otherSecret,
			form:       pg("username", "alice", "password", "correct horse battery"),
			wantStatus: 401, wantErr: "invalid_client"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, tb, raw := e.post(t, "/token", tc.id, tc.secret, form(tc.form...))
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.wantStatus, raw)
			}
			if tc.wantErr != "" {
				if tb.Error != tc.wantErr || !strings.Contains(tb.Description, tc.wantDesc) {
					t.Errorf("error %q (%q), want %q (%q)", tb.Error, tb.Description, tc.wantErr, tc.wantDesc)
				}
				if tb.AccessToken != "" || tb.RefreshToken != "" {
					t.Error("tokens in an error response")
				}
				return
			}
			if (tb.RefreshToken != "") != tc.wantRefresh {
				t.Errorf("refresh token present = %v, want %v", tb.RefreshToken != "", tc.wantRefresh)
			}
			if tb.RefreshToken != "" && token.ParseHandle(tb.RefreshToken, token.PrefixRefresh) != nil {
				t.Errorf("refresh token %q is not an rpr_ handle", tb.RefreshToken)
			}
			if tb.Scope != tc.wantScope {
				t.Errorf("scope %q, want %q", tb.Scope, tc.wantScope)
			}
			claims := verifyAccessToken(t, e.testEnv, tb.AccessToken)
			if claims.Subject != alice.ID || claims.ClientID != tc.id || claims.Scope != tc.wantScope {
				t.Errorf("claims sub %q client_id %q scope %q", claims.Subject, claims.ClientID, claims.Scope)
			}
			if err := claims.ValidateWithLeeway(jwt.Expected{Issuer: e.issuer, Time: t0}, 0); err != nil {
				t.Errorf("claims: %v", err)
			}
			// Every user-grant access token is recorded with its family.
			if rec := e.tokens.accessByJTI(claims.ID); rec.FamilyID == "" || rec.Hash != nil {
				t.Errorf("access token record = %+v, want a family and no hash", rec)
			}
		})
	}
	if logs := e.logs.String(); containsSecret(logs, "correct horse battery", "bob's long password", "Wr0ng-pa55word") {
		t.Error("a password appears in the logs")
	}
}

func TestPasswordGrantJail(t *testing.T) {
	// R3: bad passwords jail the username (and the address): the right
	// password then gets 429 with Retry-After until the ban ends.
	e := newLifecycleEnv(t, lcOptions{withJail: true})
	c := setupLifecycleClients(t, e)
	e.users.add("carol", "carol's password!", false)
	good := form("grant_type", GrantPassword, "username", "carol", "password", "carol's password!")
	for range 5 {
		resp, tb, _ := e.post(t, "/token", c.app, c.appSecret, form("grant_type", GrantPassword, "username", "carol", "password", "guess"))
		if resp.StatusCode != 400 || tb.Error != "invalid_grant" {
			t.Fatalf("bad password: status %d %q", resp.StatusCode, tb.Error)
		}
	}
	resp, _, raw := e.post(t, "/token", c.app, c.appSecret, good)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("jailed user: status %d Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), raw)
	}
	e.setNow(t0.Add(16 * time.Minute))
	if resp, _, raw := e.post(t, "/token", c.app, c.appSecret, good); resp.StatusCode != 200 {
		t.Fatalf("after the ban: status %d: %s", resp.StatusCode, raw)
	}
	if !strings.Contains(e.logs.String(), `"key_kind":"user"`) {
		t.Error("no jail.entered log line for the user")
	}
}

func TestPasswordGrantStoreDown(t *testing.T) {
	// D2: no token is issued when the grant cannot be stored.
	e := newLifecycleEnv(t, lcOptions{})
	c := setupLifecycleClients(t, e)
	e.users.add("dave", "dave's password", false)
	e.tokens.setDown(true)
	resp, tb, raw := e.post(t, "/token", c.app, c.appSecret,
		form("grant_type", GrantPassword, "username", "dave", "password", "dave's password", "scope", "orders:read offline_access"))
	if resp.StatusCode != 500 || tb.Error != "server_error" || tb.AccessToken != "" || strings.Contains(string(raw), "db.internal") {
		t.Fatalf("status %d body %s, want a generic 500", resp.StatusCode, raw)
	}
}
