package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{ctx: context.Background(), stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		getenv: func(string) string { return "" }}
	code := run(e, args)
	return result{code, out.String(), errb.String()}
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "rempart.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const baseConfig = `data_dir: ./data
authorization_server:
  listen: 127.0.0.1:0
  issuer: https://127.0.0.1:9443
gateway:
  listen: 127.0.0.1:0
  apis:
    - { name: orders, path_prefix: /orders, upstream: "http://127.0.0.1:9000", scopes: [orders:read] }
`

func TestClientCommands(t *testing.T) {
	cfg := writeConfig(t, baseConfig)
	r := runCmd(t, "", "client", "create", "--config", cfg, "--name", "app", "--grant", "client_credentials", "--scope", "orders:read")
	if r.code != 0 {
		t.Fatalf("create: exit %d: %s", r.code, r.stderr)
	}
	var created map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil {
		t.Fatalf("create stdout is not only JSON: %q", r.stdout)
	}
	id, secret := created["client_id"], created["client_secret"]
	if len(id) != 36 || len(secret) < 43 {
		t.Fatalf("create printed %v: want a UUID id and a ≥256-bit secret", created)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stdout
	}{
		{"ok/list", []string{"client", "list"}, 0, id},
		{"ok/show", []string{"client", "show", id}, 0, `"name": "app"`},
		{"ok/show-config-after-id", []string{"client", "show", id}, 0, "client_credentials"},
		{"fail/show-unknown", []string{"client", "show", "00000000-0000-4000-8000-000000000000"}, 1, ""},
		{"fail/duplicate-name", []string{"client", "create", "--name", "app", "--grant", "client_credentials"}, 1, ""},
		{"fail/unknown-grant", []string{"client", "create", "--name", "x", "--grant", "implicit"}, 1, ""},
		{"fail/password-without-flag", []string{"client", "create", "--name", "x", "--grant", "password"}, 1, ""},
		{"usage/no-name", []string{"client", "create", "--grant", "client_credentials"}, 2, ""},
		{"usage/show-no-id", []string{"client", "show"}, 2, ""},
		{"usage/unknown-sub", []string{"client", "frobnicate"}, 2, ""},
		{"usage/unknown-flag", []string{"client", "list", "--bogus"}, 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, "", append(tc.args, "--config", cfg)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", r.code, tc.code, r.stderr)
			}
			if !strings.Contains(r.stdout, tc.want) {
				t.Errorf("stdout %q lacks %q", r.stdout, tc.want)
			}
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Error("the secret was printed again (R5)")
			}
			if tc.code != 0 && r.stdout != "" {
				t.Errorf("a refused command printed on stdout: %q", r.stdout)
			}
		})
	}

	r = runCmd(t, "", "client", "rotate-secret", id, "--config", cfg, "--grace", "1h")
	var rotated map[string]string
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rotated) != nil || rotated["client_secret"] == "" || rotated["client_secret"] == secret {
		t.Fatalf("rotate-secret: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, "", "client", "show", id, "--config", cfg); !strings.Contains(r.stdout, "previous_secret_valid_until") {
		t.Errorf("show after rotation with grace lacks the grace end: %s", r.stdout)
	}
	if r := runCmd(t, "", "client", "delete", id, "--config", cfg); r.code != 0 || r.stdout != "" {
		t.Fatalf("delete: exit %d stdout %q", r.code, r.stdout)
	}
	if r := runCmd(t, "", "client", "show", id, "--config", cfg); r.code != 1 {
		t.Errorf("show after delete: exit %d, want 1", r.code)
	}
	data, err := os.ReadFile(filepath.Join(filepath.Dir(cfg), "data", "rempart.db"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(secret)) || bytes.Contains(data, []byte(rotated["client_secret"])) {
		t.Error("a client secret is stored in clear (R4, D5)")
	}
}

func TestConfigCheck(t *testing.T) {
	for _, tc := range []struct {
		name, config string
		code         int
		want         string
	}{
		{"ok/base", baseConfig, 0, "OK"},
		{"fail/misspelled-key", strings.Replace(baseConfig, "upstream:", "upstrem:", 1), 1, "gateway.apis[0].upstrem"},
		{"warn/plaintext", strings.Replace(baseConfig, "listen: 127.0.0.1:0\n  apis", "listen: 127.0.0.1:0\n  insecure_plaintext: true\n  apis", 1), 0, "warning: gateway"},
		{"warn/t1-above-30m", strings.Replace(baseConfig, "  issuer: https://127.0.0.1:9443\n", "  issuer: https://127.0.0.1:9443\n  access_token: { ttl: 45m }\n", 1), 0, "warning: authorization_server.access_token.ttl"},
		{"fail/t1-2h", strings.Replace(baseConfig, "  issuer: https://127.0.0.1:9443\n", "  issuer: https://127.0.0.1:9443\n  access_token: { ttl: 2h }\n", 1), 1, "authorization_server.access_token.ttl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, "", "config", "check", "--config", writeConfig(t, tc.config))
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", r.code, tc.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tc.want) {
				t.Errorf("stdout %q lacks %q", r.stdout, tc.want)
			}
		})
	}
	if r := runCmd(t, "", "config", "check", "--config", "/nonexistent/rempart.yaml"); r.code != 1 {
		t.Errorf("missing file: exit %d, want 1", r.code)
	}
	if r := runCmd(t, "", "config"); r.code != 2 {
		t.Errorf("config without check: exit %d, want 2", r.code)
	}
}

func TestKeysRotateCommand(t *testing.T) {
	cfg := writeConfig(t, baseConfig)
	var kids []string
	for i := 0; i < 2; i++ {
		r := runCmd(t, "", "keys", "rotate", "--config", cfg)
		var out map[string]string
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || out["kid"] == "" {
			t.Fatalf("keys rotate: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
		}
		kids = append(kids, out["kid"])
	}
	if kids[0] == kids[1] {
		t.Error("rotation returned the same key id twice")
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{nil, 2}, {[]string{"help"}, 0}, {[]string{"nope"}, 2}, {[]string{"version"}, 0},
		{[]string{"apikey", "list"}, 1}, {[]string{"keys"}, 2}, {[]string{"serve", "extra"}, 2},
	} {
		if r := runCmd(t, "", tc.args...); r.code != tc.code {
			t.Errorf("rempart %v: exit %d, want %d", tc.args, r.code, tc.code)
		}
	}
}

// TestConfigCheckCompilesComponents: config check reports what only the
// gateway's compilers see (CEL policies with their position), at key paths.
func TestConfigCheckCompilesComponents(t *testing.T) {
	bad := strings.Replace(baseConfig, "scopes: [orders:read] }", `scopes: [orders:read], policy: "token.sub ==" }`, 1)
	r := runCmd(t, "", "config", "check", "--config", writeConfig(t, bad))
	if r.code != 1 || !strings.Contains(r.stdout, "gateway.apis[0].policy") || !strings.Contains(r.stdout, "line 1") {
		t.Errorf("exit %d, stdout %q: want a policy error with its key path and position", r.code, r.stdout)
	}
}
