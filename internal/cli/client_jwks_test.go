package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func writeJWKS(t *testing.T, dir string, private bool) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var key any = &k.PublicKey
	if private {
		key = k
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: "k1", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "jwks.json")
	if private {
		p = filepath.Join(dir, "private.json")
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClientCreateJWKS(t *testing.T) {
	cfg := writeConfig(t, baseConfig)
	dir := t.TempDir()
	pub, priv := writeJWKS(t, dir, false), writeJWKS(t, dir, true)

	r := runCmd(t, "", "client", "create", "--config", cfg, "--name", "jwt-app", "--grant", "client_credentials",
		"--scope", "orders:read", "--auth-method", "private_key_jwt", "--jwks-file", pub)
	if r.code != 0 {
		t.Fatalf("create: exit %d: %s", r.code, r.stderr)
	}
	var created map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil {
		t.Fatalf("stdout is not only JSON: %q", r.stdout)
	}
	if _, ok := created["client_secret"]; ok || len(created["client_id"]) != 36 {
		t.Fatalf("create printed %v: want a client id and no secret", created)
	}
	if r := runCmd(t, "", "client", "show", "--config", cfg, created["client_id"]); r.code != 0 ||
		!strings.Contains(r.stdout, `"token_endpoint_auth_method": "private_key_jwt"`) || strings.Contains(r.stdout, `"warnings"`) {
		t.Errorf("show: exit %d: %s", r.code, r.stdout)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"fail/private-key-in-jwks", []string{"--auth-method", "private_key_jwt", "--jwks-file", priv}, 1, "private"},
		{"fail/missing-file", []string{"--auth-method", "private_key_jwt", "--jwks-file", filepath.Join(dir, "none.json")}, 1, "--jwks-file"},
		{"fail/directory", []string{"--auth-method", "private_key_jwt", "--jwks-file", dir}, 1, "regular file"},
		{"fail/no-jwks", []string{"--auth-method", "private_key_jwt"}, 1, "JWK set"},
		{"fail/jwks-with-secret-method", []string{"--jwks-file", pub}, 1, "private_key_jwt"},
		{"fail/still-unsupported", []string{"--tls-subject", "CN=x"}, 1, "not supported"},
		{"ok/opaque", []string{"--token-format", "opaque"}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"client", "create", "--config", cfg, "--name", tc.name, "--grant", "client_credentials"}, tc.args...)
			r := runCmd(t, "", args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, want %d with %q: %s", r.code, tc.code, tc.want, r.stderr)
			}
			if tc.code != 0 && (r.stdout != "" || strings.Contains(r.stderr, `"d":`)) {
				t.Errorf("stdout %q stderr %q", r.stdout, r.stderr)
			}
		})
	}
}

func TestPasswordGrantWarnings(t *testing.T) {
	// T4: a client allowing the password grant is reported by `client
	// show` and `config check`.
	cfg := writeConfig(t, baseConfig)
	if r := runCmd(t, "", "config", "check", "--config", cfg); r.code != 0 || strings.Contains(r.stdout, "clients.") {
		t.Fatalf("check without a store: exit %d: %s", r.code, r.stdout)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "data", "rempart.db")); err == nil {
		t.Error("config check created the database")
	}
	r := runCmd(t, "", "client", "create", "--config", cfg, "--name", "legacy", "--grant", "password",
		"--grant", "refresh_token", "--allow-password-grant", "--scope", "orders:read offline_access")
	if r.code != 0 {
		t.Fatalf("create: exit %d: %s", r.code, r.stderr)
	}
	var created map[string]string
	_ = json.Unmarshal([]byte(r.stdout), &created)
	id := created["client_id"]

	r = runCmd(t, "", "client", "show", "--config", cfg, id)
	var view struct {
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &view); err != nil || len(view.Warnings) != 1 ||
		!strings.Contains(view.Warnings[0], "password grant allowed (T4)") {
		t.Errorf("show: %s", r.stdout)
	}
	before := runCmd(t, "", "config", "check", "--config", cfg)
	if before.code != 0 || !strings.Contains(before.stdout, "warning: clients."+id+" (legacy): password grant allowed (T4)") {
		t.Errorf("config check: exit %d: %s", before.code, before.stdout)
	}
	if r := runCmd(t, "", "client", "delete", "--config", cfg, id); r.code != 0 {
		t.Fatal(r.stderr)
	}
	after := runCmd(t, "", "config", "check", "--config", cfg)
	if strings.Contains(after.stdout, "password grant") {
		t.Errorf("warning after the client was deleted: %s", after.stdout)
	}
}
