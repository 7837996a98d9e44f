package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/apikey"
	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/users"
)

// postForm sends an authenticated form to an authorization-server endpoint
// and decodes the JSON answer.
func (s *stack) postForm(t *testing.T, path, id, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		_ = json.Unmarshal(b, &out)
	}
	return resp.StatusCode, out
}

// waitStatus polls the gateway until path answers want for bearer, or
// fails after limit (D1: revocation within 1 s).
func (s *stack) waitStatus(t *testing.T, path, bearer string, want int, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		resp := s.do(t, "GET", path, bearer)
		if resp.StatusCode == want {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s still answers %d after %v, want %d", path, resp.StatusCode, time.Since(start), want)
		}
		time.Sleep(25 * time.Millisecond) // polling the gateway, not timing logic
	}
}

// TestOpaqueTokenLifecycle: an opaque access token (A3) is accepted by the
// gateway, introspected by its client only, and refused by the gateway
// within 1 s of its revocation (RFC 7662, RFC 7009, D1).
func TestOpaqueTokenLifecycle(t *testing.T) {
	s := startStack(t)
	res := s.app.Resources()
	c, secret, err := authserver.RegisterClient(context.Background(), res.Store, res.Vault, authserver.ClientSpec{
		Name: "opaque", GrantTypes: []string{authserver.GrantClientCredentials}, Scopes: []string{"orders:read"}, TokenFormat: "opaque",
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	otherID, otherSecret := s.registerClient(t, "other", "orders:read")

	code, tok := s.postForm(t, "/token", c.ID, secret, url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}})
	access, _ := tok["access_token"].(string)
	if code != 200 || !strings.HasPrefix(access, "rpo_") {
		t.Fatalf("token: %d %v", code, tok)
	}
	if resp := s.do(t, "GET", "/orders/1", access); resp.StatusCode != http.StatusOK {
		t.Fatalf("gateway refused a valid opaque token: %d", resp.StatusCode)
	}
	if r := s.up.last(); r.Header.Get("Rempart-Identity") == "" || r.Header.Get("Authorization") != "" {
		t.Error("the upstream did not get an identity instead of the opaque token")
	}
	if _, in := s.postForm(t, "/introspect", c.ID, secret, url.Values{"token": {access}}); in["active"] != true || in["client_id"] != c.ID {
		t.Errorf("introspection by the owner: %v", in)
	}
	if _, in := s.postForm(t, "/introspect", otherID, otherSecret, url.Values{"token": {access}}); in["active"] != false {
		t.Errorf("introspection by another client: %v, want only active=false", in)
	}
	// Another client cannot revoke it (RFC 7009 §2.1): 200, nothing revoked.
	if code, _ := s.postForm(t, "/revoke", otherID, otherSecret, url.Values{"token": {access}}); code != 200 {
		t.Errorf("foreign revocation: %d, want 200", code)
	}
	if resp := s.do(t, "GET", "/orders/1", access); resp.StatusCode != http.StatusOK {
		t.Fatalf("a foreign client revoked the token: %d", resp.StatusCode)
	}
	if code, _ := s.postForm(t, "/revoke", c.ID, secret, url.Values{"token": {access}}); code != 200 {
		t.Fatalf("revocation: %d", code)
	}
	took := s.waitStatus(t, "/orders/1", access, http.StatusUnauthorized, 2*time.Second)
	t.Logf("opaque token refused %v after revocation", took)
	if _, in := s.postForm(t, "/introspect", c.ID, secret, url.Values{"token": {access}}); in["active"] != false {
		t.Errorf("introspection after revocation: %v", in)
	}
}

// TestJWTRevocationAtGateway: a revoked JWT is refused by the gateway
// within 1 s through the jti deny-list (D1), even though its verification
// was cached.
func TestJWTRevocationAtGateway(t *testing.T) {
	s := startStack(t)
	id, secret := s.registerClient(t, "jwt-revoke", "orders:read")
	_, tok := s.postForm(t, "/token", id, secret, url.Values{"grant_type": {"client_credentials"}})
	access, _ := tok["access_token"].(string)
	if resp := s.do(t, "GET", "/orders/1", access); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if code, _ := s.postForm(t, "/revoke", id, secret, url.Values{"token": {access}}); code != 200 {
		t.Fatalf("revocation: %d", code)
	}
	took := s.waitStatus(t, "/orders/1", access, http.StatusUnauthorized, 2*time.Second)
	if took > time.Second {
		t.Errorf("refused only %v after revocation, want within 1 s (D1)", took)
	}
}

// TestNoSecretInDataDir: after every kind of secret went through the real
// app, the data directory's files hold none of them in clear (R4, D5): a
// client secret, an API key, a password, an e-mail address, a refresh
// token and an opaque access token.
func TestNoSecretInDataDir(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	res := s.app.Resources()
	dir, err := users.New(users.Deps{Store: res.Store, Sealer: res.Vault})
	if err != nil {
		t.Fatal(err)
	}
	const password, email = "correct horse battery staple", "alice.secret@example.com"
	if _, err := dir.Create(ctx, users.NewUser{Username: "alice", Password: password, Email: email}); err != nil {
		t.Fatal(err)
	}
	c, secret, err := authserver.RegisterClient(ctx, res.Store, res.Vault, authserver.ClientSpec{
		Name: "migration", GrantTypes: []string{authserver.GrantPassword, authserver.GrantRefreshToken},
		Scopes: []string{"orders:read", "offline_access"}, TokenFormat: "opaque", AllowPasswordGrant: true,
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	code, tok := s.postForm(t, "/token", c.ID, secret, url.Values{
		"grant_type": {"password"}, "username": {"alice"}, "password": {password}, "scope": {"orders:read offline_access"},
	})
	access, _ := tok["access_token"].(string)
	refresh, _ := tok["refresh_token"].(string)
	if code != 200 || access == "" || refresh == "" {
		t.Fatalf("password grant: %d %v", code, tok)
	}
	_, key, err := apikey.Issue(ctx, res.Store, res.Vault, "partner", []string{"status"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"client secret": secret, "API key": key, "password": password, "e-mail": email,
		"refresh token": refresh, "opaque access token": access,
	}
	files, found := 0, false
	err = filepath.Walk(s.dataDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, []byte("alice")) { // the username is stored in clear: this is the store
			found = true
		}
		for what, v := range secrets {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s found in clear in %s", what, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 || !found {
		t.Fatalf("read %d files, username found %v: the test did not look at the store's data", files, found)
	}
	logs := s.logs.String()
	for what, v := range secrets {
		if strings.Contains(logs, v) {
			t.Errorf("%s found in the logs (R20)", what)
		}
	}
}
