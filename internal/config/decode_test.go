package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseExample(t *testing.T) {
	env := fakeEnv(map[string]string{"REMPART_DSN": "postgres://rempart@db.internal/rempart"})
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseFile(t, filepath.Join(dir, "example.yaml"), env)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"data_dir", c.DataDir, filepath.Join(dir, "rempart-data")},
		{"store.dsn", c.Store.DSN, "postgres://rempart@db.internal/rempart"},
		{"encryption_key", c.EncryptionKey, "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s="},
		{"issuer", c.AuthorizationServer.Issuer, "https://127.0.0.1:9443"},
		{"tls.cert_file", c.AuthorizationServer.TLS.CertFile, filepath.Join(dir, "tls/cert.pem")},
		{"access ttl", c.AuthorizationServer.AccessToken.TTL.Std(), 30 * time.Minute},
		{"refresh ttl", c.AuthorizationServer.RefreshToken.TTL.Std(), 24 * time.Hour},
		{"max_body", c.Gateway.MaxBody, ByteSize(512 << 10)},
		{"public_url", c.Gateway.PublicURL, "https://127.0.0.1:8443"},
		{"routes[1].scopes nil", c.Gateway.APIs[0].Routes[1].Scopes == nil, true},
		{"routes[2].scopes empty", c.Gateway.APIs[0].Routes[2].Scopes != nil && len(c.Gateway.APIs[0].Routes[2].Scopes) == 0, true},
		{"catalog auth", c.Gateway.APIs[1].Auth, AuthAPIKey},
		{"catalog strip_prefix", c.Gateway.APIs[1].StripPrefix, true},
		{"all scopes", c.Gateway.APIs[0].AllScopes(), []string{"orders:read", "orders:write"}},
		{"audit.dir", c.Audit.Dir, filepath.Join(dir, "rempart-data/audit")},
		{"jail.ban", c.Jail.Ban.Std(), 15 * time.Minute},
	}
	for _, tc := range checks {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestParseContractExample(t *testing.T) {
	env := fakeEnv(map[string]string{"REMPART_DSN": "unused"})
	c, err := parseFile(t, "testdata/contract.yaml", env)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	got := problems(t, c.Validate())
	want := []string{
		"redis",
	}
	if len(got) != len(want) {
		t.Errorf("Validate() = %d problems, want %d: %v", len(got), len(want), got)
	}
	for _, path := range want {
		if !hasProblem(derefAll(got), path, "not supported by this version of rempart yet; remove it") {
			t.Errorf("Validate() has no unsupported error at %s: %v", path, got)
		}
	}
}

func parseFile(t *testing.T, path string, env func(string) (string, bool)) (*Config, error) {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := readFileLimited(abs)
	if err != nil {
		t.Fatal(err)
	}
	return parse(data, filepath.Dir(abs), env, readFileLimited)
}

func TestLoad(t *testing.T) {
	t.Setenv("REMPART_DSN", "postgres://rempart@db.internal/rempart")
	c, err := Load("testdata/example.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !filepath.IsAbs(c.Gateway.TLS.KeyFile) {
		t.Errorf("key_file = %q, want an absolute path", c.Gateway.TLS.KeyFile)
	}
	if _, err := Load("testdata/missing.yaml"); err == nil {
		t.Error("Load(missing) = nil error")
	}
}

// strictCases are decode inputs that must fail with the path (and message
// fragment) given. They also seed FuzzParse.
var strictCases = []struct {
	name, src, path, msg string
}{
	{"fail/unknown-top", "gatway: {}\n", "gatway", `did you mean "gateway"?`},
	{"fail/unknown-api-key", "gateway:\n  apis:\n    - name: a\n      upstrem: http://x\n", "gateway.apis[0].upstrem", `unknown key; did you mean "upstream"?`},
	{"fail/unknown-as-key", "authorization_server:\n  acces_token: {ttl: 1m}\n", "authorization_server.acces_token", `did you mean "access_token"?`},
	{"fail/unknown-route-key", "gateway:\n  apis:\n    - name: a\n    - name: b\n      routes:\n        - {method: [GET], path: /b}\n", "gateway.apis[1].routes[0].method", `did you mean "methods"?`},
	{"fail/unknown-no-suggestion", "admin:\n  completely_wrong: 1\n", "admin.completely_wrong", "unknown key"},
	{"fail/case-suggestion", "admin:\n  Listen: 127.0.0.1:1\n", "admin.Listen", `did you mean "listen"?`},
	{"fail/unknown-inline-tls", "admin:\n  tls: {cert: a}\n", "admin.tls.cert", "unknown key"},
	{"fail/size", "gateway:\n  max_body: 12 parsecs\n", "gateway.max_body", `invalid size "12 parsecs"`},
	{"fail/size-zero", "gateway:\n  max_body: 0\n", "gateway.max_body", "greater than zero"},
	{"fail/duration-bare", "authorization_server:\n  access_token: {ttl: 30}\n", "authorization_server.access_token.ttl", "a unit is required"},
	{"fail/duration-days", "audit:\n  retention: 200d\n", "audit.retention", `invalid duration "200d"`},
	{"fail/duration-negative", "jail:\n  window: -5m\n", "jail.window", "must not be negative"},
	{"fail/duration-zero", "jail:\n  ban: 0s\n", "jail.ban", "greater than zero"},
	{"fail/int", "jail:\n  max_failures: five\n", "jail.max_failures", `invalid integer "five"`},
	{"fail/int-zero", "jail:\n  max_failures: 0\n", "jail.max_failures", "greater than zero"},
	{"fail/bool", "admin:\n  insecure_plaintext: yes\n", "admin.insecure_plaintext", "use true or false"},
	{"fail/string-got-seq", "admin:\n  listen: [a, b]\n", "admin.listen", "expected a string, got a sequence"},
	{"fail/seq-got-scalar", "gateway:\n  apis:\n    - scopes: orders:read\n", "gateway.apis[0].scopes", "expected a sequence, got a single value"},
	{"fail/map-got-scalar", "gateway: on\n", "gateway", "expected a mapping, got a single value"},
	{"fail/top-not-map", "- a\n", "", "expected a mapping, got a sequence"},
	{"fail/duplicate-top", "admin: {}\nadmin: {}\n", "admin", "duplicate key (first at line 1)"},
	{"fail/duplicate-nested", "gateway:\n  apis:\n    - name: a\n      name: b\n", "gateway.apis[0].name", "duplicate key"},
	{"fail/non-string-key", "admin:\n  [a]: 1\n", "admin", "a key must be a plain string"},
	{"fail/merge-not-map", "admin:\n  <<: 3\n", "admin.<<", "merge key takes a mapping"},
	{"fail/merge-self", "admin: &a\n  <<: *a\n", "admin", "merge key refers to its own mapping"},
	{"fail/merge-unknown-key", "x: &b {lisen: a}\n", "x", "unknown key"},
	{"fail/merged-unknown-key", "gateway:\n  apis:\n    - &a {name: a}\n    - {<<: [*a, {upstrem: u}]}\n", "gateway.apis[1].upstrem", `did you mean "upstream"?`},
	{"fail/two-documents", "admin: {}\n---\ngateway: {}\n", "", "exactly one document"},
	{"fail/syntax", "admin: {\n", "", "invalid YAML"},
}

func TestParseStrict(t *testing.T) {
	for _, tc := range strictCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseString(tc.src)
			if err == nil {
				t.Fatalf("parse(%q) = nil error, want %s: %s", tc.src, tc.path, tc.msg)
			}
			if !hasProblem(derefAll(problems(t, err)), tc.path, tc.msg) {
				t.Errorf("parse(%q) = %v\nwant a problem at %q containing %q", tc.src, err, tc.path, tc.msg)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	src := "gatway: {}\njail:\n  max_failures: x\n  window: 3\nadmin:\n  lisen: a\n"
	_, err := parseString(src)
	got := problems(t, err)
	for _, path := range []string{"gatway", "jail.max_failures", "jail.window", "admin.lisen"} {
		if !hasProblem(derefAll(got), path, "") {
			t.Errorf("parse: no problem at %s in %v", path, err)
		}
	}
	if !strings.Contains(err.Error(), "(line 4)") {
		t.Errorf("parse: %v, want line numbers", err)
	}
}

func TestParseAccepted(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		check func(*Config) bool
	}{
		{"ok/empty", "", func(c *Config) bool { return c.Admin == nil && c.DataDir == "/etc/rempart/rempart-data" }},
		{"ok/null-section", "admin:\n", func(c *Config) bool { return c.Admin != nil && c.Admin.Listen == DefaultAdminListen }},
		{"ok/size-bytes", "gateway: {max_body: 1048576}", func(c *Config) bool { return c.Gateway.MaxBody == 1<<20 }},
		{"ok/size-mib", "gateway: {max_body: 1MiB}", func(c *Config) bool { return c.Gateway.MaxBody == 1<<20 }},
		{"ok/size-kb", "gateway: {max_body: 1KB}", func(c *Config) bool { return c.Gateway.MaxBody == 1000 }},
		{"ok/size-mb", "gateway: {max_body: 10MB}", func(c *Config) bool { return c.Gateway.MaxBody == 10_000_000 }},
		{"ok/size-kib-space", "gateway: {max_body: 512 KiB}", func(c *Config) bool { return c.Gateway.MaxBody == 512<<10 }},
		{"ok/duration", "audit: {retention: 4464h}", func(c *Config) bool { return c.Audit.Retention.Std() == 4464*time.Hour }},
		{"ok/issuer-plaintext-default", "authorization_server: {listen: 127.0.0.1:1, insecure_plaintext: true}", func(c *Config) bool {
			return c.AuthorizationServer.Issuer == "http://127.0.0.1:1"
		}},
		{"ok/scopes-nil-vs-empty", "gateway:\n  apis:\n    - routes: [{path: /a}, {path: /b, scopes: []}, {path: /c, scopes: }]\n", func(c *Config) bool {
			r := c.Gateway.APIs[0].Routes
			return r[0].Scopes == nil && r[1].Scopes != nil && len(r[1].Scopes) == 0 && r[2].Scopes == nil
		}},
		{"ok/anchor-alias", "gateway:\n  apis:\n    - {name: a, scopes: &s [x, y]}\n    - {name: b, scopes: *s}\n", func(c *Config) bool {
			return reflect.DeepEqual(c.Gateway.APIs[1].Scopes, []string{"x", "y"})
		}},
		{"ok/merge-key", "gateway:\n  apis:\n    - &a {name: a, upstream: http://u, auth: public}\n    - {<<: *a, name: b}\n", func(c *Config) bool {
			b := c.Gateway.APIs[1]
			return b.Name == "b" && b.Upstream == "http://u" && b.Auth == AuthPublic
		}},
		{"ok/relative-paths", "data_dir: data\ngateway: {tls: {cert_file: c.pem, key_file: /abs/k.pem}}", func(c *Config) bool {
			return c.DataDir == "/etc/rempart/data" && c.Audit.Dir == "/etc/rempart/data/audit" &&
				c.Gateway.TLS.CertFile == "/etc/rempart/c.pem" && c.Gateway.TLS.KeyFile == "/abs/k.pem"
		}},
		{"ok/literal-tracked", "encryption_key: " + testKey + "\n", func(c *Config) bool {
			return reflect.DeepEqual(c.literal, []string{"encryption_key"})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseString(tc.src)
			if err != nil {
				t.Fatalf("parse(%q): %v", tc.src, err)
			}
			if !tc.check(c) {
				t.Errorf("parse(%q) = %+v: check failed", tc.src, c)
			}
		})
	}
}

func TestParseAliasBomb(t *testing.T) {
	// k^3 values after expansion from a document of about 3k aliases.
	const k = 200
	var b strings.Builder
	b.WriteString("gateway:\n  apis:\n")
	b.WriteString("    - routes: &rs\n")
	b.WriteString("      - &r {path: /a, methods: &m [GET" + strings.Repeat(", GET", k-1) + "]}\n")
	b.WriteString(strings.Repeat("      - *r\n", k-1))
	b.WriteString(strings.Repeat("    - {routes: *rs}\n", k-1))
	_, err := parseString(b.String())
	if err == nil || !strings.Contains(err.Error(), "too complex") {
		t.Fatalf("parse(alias bomb) = %v, want a too-complex error", err)
	}
}
