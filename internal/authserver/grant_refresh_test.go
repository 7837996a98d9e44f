package authserver

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/token"
)

func TestRefreshGrant(t *testing.T) {
	e := newLifecycleEnv(t, lcOptions{refreshTTL: 2 * time.Hour})
	c := setupLifecycleClients(t, e)
	e.users.add("alice", "correct horse battery", false)
	full := "orders:read orders:write billing:read offline_access"
	first := e.passwordTokens(t, c.app, c.appSecret, "alice", "correct horse battery", full)
	if first.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	firstClaims := verifyAccessToken(t, e.testEnv, first.AccessToken)
	rt := first.RefreshToken // the family's current token
	family := e.tokens.accessByJTI(firstClaims.ID).FamilyID

	t.Run("fail/missing-refresh-token", func(t *testing.T) {
		resp, tb := e.refresh(t, c.app, c.appSecret, "")
		if resp.StatusCode != 400 || tb.Error != "invalid_request" {
			t.Errorf("status %d %q", resp.StatusCode, tb.Error)
		}
	})
	t.Run("fail/malformed", func(t *testing.T) {
		for _, bad := range []string{"x", first.AccessToken, "rpo_" + strings.TrimPrefix(rt, "rpr_"), rt + "A"} {
			resp, tb := e.refresh(t, c.app, c.appSecret, bad)
			if resp.StatusCode != 400 || tb.Error != "invalid_grant" {
				t.Errorf("status %d %q", resp.StatusCode, tb.Error)
			}
		}
	})
	t.Run("fail/other-client-does-not-consume", func(t *testing.T) {
		resp, tb := e.refresh(t, c.other, c.otherSecret, rt)
		if resp.StatusCode != 400 || tb.Error != "invalid_grant" {
			t.Errorf("status %d %q", resp.StatusCode, tb.Error)
		}
	})
	t.Run("fail/client-without-refresh-grant", func(t *testing.T) {
		resp, tb := e.refresh(t, c.noRT, c.noRTSecret, rt)
		if resp.StatusCode != 400 || tb.Error != "unauthorized_client" {
			t.Errorf("status %d %q", resp.StatusCode, tb.Error)
		}
	})
	t.Run("fail/scope-widened", func(t *testing.T) {
		e2 := e.passwordTokens(t, c.app, c.appSecret, "alice", "correct horse battery", "orders:read offline_access")
		resp, tb := e.refresh(t, c.app, c.appSecret, e2.RefreshToken, "scope", "orders:read orders:write offline_access")
		if resp.StatusCode != 400 || tb.Error != "invalid_scope" {
			t.Errorf("status %d %q", resp.StatusCode, tb.Error)
		}
		// The refused refresh consumed nothing.
		if resp, _ := e.refresh(t, c.app, c.appSecret, e2.RefreshToken); resp.StatusCode != 200 {
			t.Errorf("after a refused widening: status %d", resp.StatusCode)
		}
	})
	t.Run("fail/audience-widened", func(t *testing.T) {
		e2 := e.passwordTokens(t, c.app, c.appSecret, "alice", "correct horse battery", "orders:read offline_access")
		resp, tb := e.refresh(t, c.app, c.appSecret, e2.RefreshToken, "audience", "billing")
		if resp.StatusCode != 400 || tb.Error != "invalid_target" {
			t.Errorf("status %d %q", resp.StatusCode, tb.Error)
		}
	})
	t.Run("ok/rotate", func(t *testing.T) {
		resp, tb := e.refresh(t, c.app, c.appSecret, rt)
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("status %d %q", resp.StatusCode, tb.Error)
		}
		if tb.RefreshToken == "" || tb.RefreshToken == rt || token.ParseHandle(tb.RefreshToken, token.PrefixRefresh) != nil {
			t.Fatalf("refresh token not rotated: %q", tb.RefreshToken)
		}
		if tb.Scope != full {
			t.Errorf("scope %q, want %q", tb.Scope, full)
		}
		claims := verifyAccessToken(t, e.testEnv, tb.AccessToken)
		if claims.Subject != firstClaims.Subject || claims.ClientID != c.app || claims.ID == firstClaims.ID {
			t.Errorf("claims %+v", claims)
		}
		if got := e.tokens.accessByJTI(claims.ID).FamilyID; got != family {
			t.Errorf("rotated access token in family %q, want %q", got, family)
		}
		rt = tb.RefreshToken
	})
	t.Run("ok/narrow-scope-and-audience", func(t *testing.T) {
		resp, tb := e.refresh(t, c.app, c.appSecret, rt, "scope", "orders:read", "audience", "orders")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d %q", resp.StatusCode, tb.Error)
		}
		claims := verifyAccessToken(t, e.testEnv, tb.AccessToken)
		if claims.Scope != "orders:read" || len(claims.Audience) != 1 || claims.Audience[0] != "orders" {
			t.Errorf("scope %q aud %v", claims.Scope, claims.Audience)
		}
		// The new refresh token keeps the grant's scope (RFC 6749 §6).
		next, tb2 := e.refresh(t, c.app, c.appSecret, tb.RefreshToken)
		if next.StatusCode != 200 || tb2.Scope != full {
			t.Fatalf("refresh after narrowing: status %d scope %q", next.StatusCode, tb2.Scope)
		}
		rt = tb2.RefreshToken
	})
	t.Run("fail/reuse-revokes-family", func(t *testing.T) {
		resp, tb := e.refresh(t, c.app, c.appSecret, first.RefreshToken)
		if resp.StatusCode != 400 || tb.Error != "invalid_grant" {
			t.Fatalf("reuse: status %d %q", resp.StatusCode, tb.Error)
		}
		if resp, _ := e.refresh(t, c.app, c.appSecret, rt); resp.StatusCode != 400 {
			t.Errorf("latest token after reuse: status %d, want 400", resp.StatusCode)
		}
		accs := e.tokens.accessOfFamily(family)
		if len(accs) != 4 {
			t.Errorf("%d access tokens in the family, want 4", len(accs))
		}
		for _, a := range accs {
			if revoked, _ := e.tokens.JTIRevoked(t.Context(), a.JTI); !revoked {
				t.Errorf("access token %s of the family not deny-listed", a.JTI)
			}
		}
		if !strings.Contains(e.logs.String(), "token.family_revoked") {
			t.Error("no token.family_revoked log line")
		}
	})
	t.Run("fail/expired", func(t *testing.T) {
		e2 := e.passwordTokens(t, c.app, c.appSecret, "alice", "correct horse battery", "orders:read offline_access")
		e.setNow(t0.Add(2 * time.Hour))
		defer e.setNow(t0)
		resp, tb := e.refresh(t, c.app, c.appSecret, e2.RefreshToken)
		if resp.StatusCode != 400 || tb.Error != "invalid_grant" {
			t.Errorf("status %d %q", resp.StatusCode, tb.Error)
		}
	})
	t.Run("ok/opaque-client", func(t *testing.T) {
		o := e.passwordTokens(t, c.opaque, c.opaqueSecret, "alice", "correct horse battery", "orders:read offline_access")
		if token.ParseHandle(o.AccessToken, token.PrefixAccess) != nil {
			t.Fatalf("access token %q is not an rpo_ handle", o.AccessToken)
		}
		resp, tb := e.refresh(t, c.opaque, c.opaqueSecret, o.RefreshToken)
		if resp.StatusCode != 200 || token.ParseHandle(tb.AccessToken, token.PrefixAccess) != nil || tb.ExpiresIn != 1800 {
			t.Errorf("status %d access %q expires_in %d", resp.StatusCode, tb.AccessToken, tb.ExpiresIn)
		}
	})
	if containsSecret(e.logs.String(), first.RefreshToken, rt, first.AccessToken) {
		t.Error("a token appears in the logs")
	}
}

func TestRefreshConcurrentReuse(t *testing.T) {
	// T2: 20 concurrent refreshes of one token: exactly one rotation wins;
	// the other 19 are reuse and revoke the family, so afterwards every
	// token fails, the winner's new refresh token included, and every
	// access token of the family is deny-listed.
	e := newLifecycleEnv(t, lcOptions{})
	c := setupLifecycleClients(t, e)
	e.users.add("alice", "correct horse battery", false)
	first := e.passwordTokens(t, c.app, c.appSecret, "alice", "correct horse battery", "orders:read offline_access")
	const n = 20
	results := make([]tokenBody, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			resp, tb := e.refresh(t, c.app, c.appSecret, first.RefreshToken)
			codes[i], results[i] = resp.StatusCode, tb
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, code := range codes {
		switch {
		case code == http.StatusOK && winner < 0:
			winner = i
		case code == http.StatusOK:
			t.Errorf("requests %d and %d both rotated", winner, i)
		case code != http.StatusBadRequest || results[i].Error != "invalid_grant":
			t.Errorf("request %d: status %d %q", i, code, results[i].Error)
		}
	}
	if winner < 0 {
		t.Fatal("no rotation won")
	}
	if resp, tb := e.refresh(t, c.app, c.appSecret, results[winner].RefreshToken); resp.StatusCode != 400 || tb.Error != "invalid_grant" {
		t.Errorf("winner's new token after reuse: status %d", resp.StatusCode)
	}
	claims := verifyAccessToken(t, e.testEnv, results[winner].AccessToken)
	for _, jti := range []string{claims.ID, verifyAccessToken(t, e.testEnv, first.AccessToken).ID} {
		if revoked, _ := e.tokens.JTIRevoked(t.Context(), jti); !revoked {
			t.Errorf("access token %s not deny-listed", jti)
		}
	}
}

// TestRefreshDisabledUser: once the user is disabled, the refresh token is
// refused and its family revoked, so rotation cannot outlive the account.
func TestRefreshDisabledUser(t *testing.T) {
	e := newLifecycleEnv(t, lcOptions{refreshTTL: 2 * time.Hour})
	c := setupLifecycleClients(t, e)
	e.users.add("bob", "correct horse battery", false)
	first := e.passwordTokens(t, c.app, c.appSecret, "bob", "correct horse battery", "orders:read offline_access")
	if resp, tb := e.refresh(t, c.app, c.appSecret, first.RefreshToken); resp.StatusCode != 200 {
		t.Fatalf("refresh while enabled: %d %q", resp.StatusCode, tb.Error)
	} else {
		first = tb
	}
	e.users.disable("bob")
	resp, tb := e.refresh(t, c.app, c.appSecret, first.RefreshToken)
	if resp.StatusCode != 400 || tb.Error != "invalid_grant" {
		t.Fatalf("refresh after disable: status %d %q, want 400 invalid_grant", resp.StatusCode, tb.Error)
	}
	claims := verifyAccessToken(t, e.testEnv, first.AccessToken)
	if rec := e.tokens.accessByJTI(claims.ID); rec.RevokedAt.IsZero() {
		t.Error("the family's access token was not revoked")
	}
}
