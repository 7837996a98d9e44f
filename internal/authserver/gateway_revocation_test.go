package authserver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/gateway"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/web"
)

// compositeVerifier is what the application wires into the gateway: opaque
// handles to the OpaqueVerifier, everything else to the JWT verifier.
type compositeVerifier struct {
	jwt    *token.Verifier
	opaque *OpaqueVerifier
}

func (c compositeVerifier) VerifyAccess(raw string) (*token.AccessClaims, error) {
	if strings.HasPrefix(raw, token.PrefixAccess) {
		return c.opaque.VerifyAccess(raw)
	}
	return c.jwt.VerifyAccess(raw)
}

func TestGatewaySeesRevocationWithin1s(t *testing.T) {
	// D1: a JWT and an opaque token revoked at the authorization server are
	// refused by a gateway within 1 s: the gateway's DenyList polls the
	// store (here every 20 ms) and is asked on every request, verification
	// cache hit or not.
	e := newLifecycleEnv(t, lcOptions{})
	c := setupLifecycleClients(t, e)
	e.users.add("alice", "correct horse battery", false)
	now := func() time.Time { return *e.now.Load() }

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(upstream.Close)
	up, _ := url.Parse(upstream.URL)

	deny := NewDenyList(e.tokens, now, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		deny.Run(ctx, 20*time.Millisecond)
	}()
	t.Cleanup(func() { cancel(); <-done })

	verifier := compositeVerifier{
		jwt:    &token.Verifier{Issuer: e.issuer, Keys: &jwksKeys{src: e.keys}, Now: now},
		opaque: NewOpaqueVerifier(e.tokens, e.hasher, e.issuer, now),
	}
	gw, err := gateway.New(gateway.Config{Issuer: e.issuer, APIs: []gateway.API{{
		Name: "orders", PathPrefix: "/orders", Upstream: up, Auth: gateway.AuthOAuth2, Scopes: []string{"orders:read"},
	}}}, gateway.Deps{Verifier: verifier, Keys: e.keys, Revoked: deny.Revoked, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	gsrv := httptest.NewServer(web.Observe("gateway", slog.New(slog.DiscardHandler), nil, false, gw))
	t.Cleanup(gsrv.Close)
	call := func(raw string) int {
		req, _ := http.NewRequest(http.MethodGet, gsrv.URL+"/orders/1", nil)
		req.Header.Set("Authorization", "Bearer "+raw)
		resp, err := gsrv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitFor(t, time.Second, func() bool { return deny.Ready() == nil })

	jwtTok := e.passwordTokens(t, c.app, c.appSecret, "alice", "correct horse battery", "orders:read offline_access").AccessToken
	_, opaqueBody, _ := e.post(t, "/token", c.svc, c.svcSecret, form("grant_type", GrantClientCredentials))
	opaqueTok := opaqueBody.AccessToken
	for _, tc := range []struct {
		name, raw, owner, secret string
	}{
		{"jwt", jwtTok, c.app, c.appSecret},
		{"opaque", opaqueTok, c.svc, c.svcSecret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 2 { // the second call is a verification-cache hit
				if got := call(tc.raw); got != http.StatusOK {
					t.Fatalf("before revocation: status %d", got)
				}
			}
			mustRevoke(t, e, tc.owner, tc.secret, tc.raw)
			took := waitFor(t, time.Second, func() bool { return call(tc.raw) == http.StatusUnauthorized })
			t.Logf("%s refused %v after revocation", tc.name, took)
		})
	}
	t.Run("refresh-family", func(t *testing.T) {
		// Revoking a refresh token deny-lists the access tokens of its
		// family too.
		tb := e.passwordTokens(t, c.app, c.appSecret, "alice", "correct horse battery", "orders:read offline_access")
		if got := call(tb.AccessToken); got != http.StatusOK {
			t.Fatalf("before revocation: status %d", got)
		}
		mustRevoke(t, e, c.app, c.appSecret, tb.RefreshToken)
		waitFor(t, time.Second, func() bool { return call(tb.AccessToken) == http.StatusUnauthorized })
	})
	t.Run("fail-closed/stale-deny-list", func(t *testing.T) {
		// D2: when the deny-list cannot be refreshed for 3 s, the gateway
		// refuses every token.
		fresh := e.passwordTokens(t, c.app, c.appSecret, "alice", "correct horse battery", "orders:read").AccessToken
		if got := call(fresh); got != http.StatusOK {
			t.Fatalf("status %d", got)
		}
		e.tokens.setDown(true)
		defer e.tokens.setDown(false)
		e.setNow(t0.Add(DenyListMaxStale + time.Second))
		defer e.setNow(t0)
		if got := call(fresh); got != http.StatusUnauthorized {
			t.Errorf("stale deny-list: status %d, want 401", got)
		}
	})
}
