package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rempart/rempart/internal/app"
	"github.com/rempart/rempart/internal/keys"
)

// TestAdminEndpoints: /healthz, /readyz and /metrics on the admin listener.
func TestAdminEndpoints(t *testing.T) {
	s := startStack(t)
	id, secret := s.registerClient(t, "metrics", "orders:read")
	tok := s.clientToken(t, id, secret, oauth2.AuthStyleInHeader, "orders:read")
	s.do(t, "GET", "/orders/1", tok.AccessToken)
	s.do(t, "GET", "/orders/1", "forged")

	get := func(path string) (int, string) {
		resp, err := s.http.Get(s.admin + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 {
		t.Errorf("healthz: %d %s", code, body)
	}
	code, body := get("/readyz")
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal([]byte(body), &ready); err != nil || code != 200 || ready.Checks["store"] != "ok" || ready.Checks["keys"] != "ok" {
		t.Errorf("readyz: %d %s", code, body)
	}
	_, metrics := get("/metrics")
	for _, want := range []string{
		`rempart_tokens_issued_total{grant_type="client_credentials"} 1`,
		`rempart_http_requests_total{code="200",role="gateway",route="orders"}`,
		`rempart_auth_failures_total{reason=`,
		`rempart_http_request_duration_seconds_bucket{role="authorization_server"`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestKeyRotationWhileServing: another process rotates the signing key
// (`rempart keys rotate`); the server publishes both keys, signs with the
// new one, and tokens signed by the old key keep working until they expire.
func TestKeyRotationWhileServing(t *testing.T) {
	s := startStack(t)
	id, secret := s.registerClient(t, "rotation", "orders:read")
	oldTok := s.clientToken(t, id, secret, oauth2.AuthStyleInHeader, "orders:read")
	if n := s.jwks(t).Len(); n != 1 {
		t.Fatalf("JWKS has %d keys before rotation, want 1", n)
	}

	// The CLI's path: a separate manager on the same store rotates.
	ctx := context.Background()
	res, err := app.OpenResources(ctx, s.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := keys.NewManager(ctx, keys.Deps{Store: res.Store, Vault: res.Vault, Now: time.Now, MaxTokenTTL: app.MaxTokenTTL(s.cfg)})
	if err != nil {
		t.Fatal(err)
	}
	newKey, err := m.Rotate(ctx)
	res.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The running server picks it up on its next refresh; force one now.
	if err := s.app.Keys().Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if n := s.jwks(t).Len(); n != 2 {
		t.Fatalf("JWKS has %d keys after rotation, want 2 (old stays published)", n)
	}
	newTok := s.clientToken(t, id, secret, oauth2.AuthStyleInHeader, "orders:read")
	if !strings.Contains(headerOf(t, newTok.AccessToken), newKey.ID) {
		t.Error("new tokens are not signed with the new key")
	}
	for name, tok := range map[string]string{"old": oldTok.AccessToken, "new": newTok.AccessToken} {
		if resp := s.do(t, "GET", "/orders/1", tok); resp.StatusCode != http.StatusOK {
			t.Errorf("%s token after rotation: status %d", name, resp.StatusCode)
		}
	}
}

func headerOf(t *testing.T, raw string) string {
	t.Helper()
	h, err := b64.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// TestListenersRefuseOldTLS: every listener speaks TLS 1.2+ only (R12).
func TestListenersRefuseOldTLS(t *testing.T) {
	s := startStack(t)
	for _, base := range []string{s.gateway, s.issuer, s.admin} {
		host := strings.TrimPrefix(base, "https://")
		conn, err := tls.Dial("tcp", host, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11})
		if err == nil {
			conn.Close()
			t.Errorf("%s accepted TLS 1.1", base)
		}
		conn, err = tls.Dial("tcp", host, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}})
		if err == nil {
			conn.Close()
			t.Errorf("%s accepted a CBC suite", base)
		}
	}
}
