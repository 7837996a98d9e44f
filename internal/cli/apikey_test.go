package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

const apiKeyConfig = `data_dir: ./data
authorization_server:
  listen: 127.0.0.1:0
  issuer: https://127.0.0.1:9443
gateway:
  listen: 127.0.0.1:0
  apis:
    - { name: catalog, path_prefix: /catalog, upstream: "http://127.0.0.1:9000", auth: api_key }
    - { name: search, path_prefix: /search, upstream: "http://127.0.0.1:9000", auth: api_key }
    - { name: orders, path_prefix: /orders, upstream: "http://127.0.0.1:9000", scopes: [orders:read] }
    - { name: docs, path_prefix: /docs, upstream: "http://127.0.0.1:9000", auth: public }
    - name: mixed
      path_prefix: /mixed
      upstream: "http://127.0.0.1:9000"
      scopes: [mixed:read]
      routes:
        - { methods: [GET], path: /mixed/status, auth: api_key }
        - { methods: [POST], path: /mixed/orders }
`

// apiKeyEntry is one element of `apikey list`.
type apiKeyEntry struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	APIs      []string   `json:"apis"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

func TestAPIKeyCommands(t *testing.T) {
	cfg := writeConfig(t, apiKeyConfig)
	r := runCmd(t, "", "apikey", "create", "--config", cfg, "--name", "partner", "--api", "catalog", "--api", "search")
	if r.code != 0 {
		t.Fatalf("create: exit %d: %s", r.code, r.stderr)
	}
	var created map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil || len(created) != 2 {
		t.Fatalf("create stdout is not only the JSON {id, key}: %q", r.stdout)
	}
	id, key := created["id"], created["key"]
	if u, err := uuid.Parse(id); err != nil || u.Version() != 4 {
		t.Errorf("id %q: want a UUID v4 (R16)", id)
	}
	body, err := base64.RawURLEncoding.Strict().DecodeString(strings.TrimPrefix(key, "rpk_"))
	if !strings.HasPrefix(key, "rpk_") || err != nil || len(body)*8 < 256 {
		t.Fatalf("key %q: want rpk_ and ≥ 256 bits in base64url (R7, D5)", key)
	}
	// A second key under the same name (rotation) and one on a route-level
	// api_key API.
	r = runCmd(t, "", "apikey", "create", "--name", "partner", "--api", "mixed", "--config", cfg)
	var second map[string]string
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &second) != nil || second["key"] == key {
		t.Fatalf("second create: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // in stdout
		stderr string // in stderr
	}{
		{"ok/list", []string{"apikey", "list"}, 0, id, ""},
		{"ok/list-apis", []string{"apikey", "list"}, 0, `"search"`, ""},
		{"fail/unknown-api", []string{"apikey", "create", "--name", "x", "--api", "nope"}, 1, "", "no such API"},
		{"fail/oauth2-api", []string{"apikey", "create", "--name", "x", "--api", "catalog", "--api", "orders"}, 1, "", "auth: oauth2"},
		{"fail/public-api", []string{"apikey", "create", "--name", "x", "--api", "docs"}, 1, "", "auth: public"},
		{"fail/bad-name", []string{"apikey", "create", "--name", " x", "--api", "catalog"}, 1, "", "name"},
		{"fail/revoke-unknown", []string{"apikey", "revoke", "00000000-0000-4000-8000-000000000000"}, 1, "", "no API key"},
		{"fail/revoke-by-key", []string{"apikey", "revoke", key}, 1, "", "not its id"},
		{"usage/no-name", []string{"apikey", "create", "--api", "catalog"}, 2, "", "--name"},
		{"usage/no-api", []string{"apikey", "create", "--name", "x"}, 2, "", "--api"},
		{"usage/create-extra-arg", []string{"apikey", "create", "--name", "x", "--api", "catalog", "extra"}, 2, "", ""},
		{"usage/revoke-no-id", []string{"apikey", "revoke"}, 2, "", "revoke ID"},
		{"usage/revoke-two-ids", []string{"apikey", "revoke", id, id}, 2, "", ""},
		{"usage/list-extra-arg", []string{"apikey", "list", "x"}, 2, "", ""},
		{"usage/no-sub", []string{"apikey"}, 2, "", "usage"},
		{"usage/unknown-sub", []string{"apikey", "rotate"}, 2, "", "usage"},
		{"usage/unknown-flag", []string{"apikey", "list", "--bogus"}, 2, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if len(args) > 1 {
				args = append(args, "--config", cfg)
			}
			r := runCmd(t, "", args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", r.code, tc.code, r.stderr)
			}
			if !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("stdout %q / stderr %q, want %q / %q", r.stdout, r.stderr, tc.stdout, tc.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, key) || strings.Contains(r.stdout+r.stderr, second["key"]) {
				t.Error("a key was printed again (R5)")
			}
			if tc.code != 0 && r.stdout != "" {
				t.Errorf("a refused command printed on stdout: %q", r.stdout)
			}
		})
	}

	list := listAPIKeys(t, cfg)
	if len(list) != 2 {
		t.Fatalf("list = %+v, want the 2 keys created (refused creates stored nothing)", list)
	}
	for _, k := range list {
		if k.Name != "partner" || k.RevokedAt != nil || k.CreatedAt.IsZero() {
			t.Errorf("list entry %+v, want an active key named partner", k)
		}
		if k.ID == id && strings.Join(k.APIs, ",") != "catalog,search" {
			t.Errorf("list entry APIs = %q, want catalog,search", k.APIs)
		}
	}

	for i := range 2 { // revoking twice succeeds
		r = runCmd(t, "", "apikey", "revoke", id, "--config", cfg)
		if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "revoked") {
			t.Fatalf("revoke #%d: exit %d stdout %q stderr %q", i, r.code, r.stdout, r.stderr)
		}
	}
	for _, k := range listAPIKeys(t, cfg) {
		if revoked := k.RevokedAt != nil; revoked != (k.ID == id) {
			t.Errorf("after revoke, key %s revoked = %v", k.ID, revoked)
		}
	}

	data, err := os.ReadFile(filepath.Join(filepath.Dir(cfg), "data", "rempart.db"))
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(filepath.Join(filepath.Dir(cfg), "data", "rempart.db-wal"))
	for _, k := range []string{key, second["key"]} {
		secret, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(k, "rpk_"))
		for _, b := range [][]byte{data, wal} {
			if bytes.Contains(b, []byte(k)) || bytes.Contains(b, []byte(k[4:])) || bytes.Contains(b, secret) {
				t.Error("an API key is stored in clear (R4, D5)")
			}
		}
	}
}

func listAPIKeys(t *testing.T, cfg string) []apiKeyEntry {
	t.Helper()
	r := runCmd(t, "", "apikey", "list", "--config", cfg)
	var list []apiKeyEntry
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &list) != nil {
		t.Fatalf("list: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "hash") || strings.Contains(r.stdout, "rpk_") {
		t.Errorf("list prints a key or hash: %s", r.stdout)
	}
	return list
}

// TestAPIKeyCreateWithoutGateway: a key needs a gateway API to be used on.
func TestAPIKeyCreateWithoutGateway(t *testing.T) {
	cfg := writeConfig(t, "data_dir: ./data\nauthorization_server:\n  listen: 127.0.0.1:0\n  issuer: https://127.0.0.1:9443\n")
	r := runCmd(t, "", "apikey", "create", "--name", "x", "--api", "catalog", "--config", cfg)
	if r.code != 1 || !strings.Contains(r.stderr, "no gateway") || r.stdout != "" {
		t.Errorf("exit %d stdout %q stderr %q, want 1 and a message about the gateway", r.code, r.stdout, r.stderr)
	}
}
