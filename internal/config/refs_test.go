package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const secret = "s3cr3t-VALUE-never-shown"

// refCases exercise references; path/msg locate the expected problem, an
// empty path means success with want at encryption... see check below.
var refCases = []struct {
	name, src, path, msg, want string
}{
	{"ok/env", "store:\n  driver: postgres\n  dsn: ${env:DSN}\n", "", "", "postgres://u@h/db"},
	{"ok/file-relative", "store:\n  driver: postgres\n  dsn: ${file:secrets/dsn}\n", "", "", "postgres://u@h/file"},
	{"ok/file-absolute", "store:\n  driver: postgres\n  dsn: ${file:/run/secrets/dsn}\n", "", "", "postgres://u@h/abs"},
	{"ok/file-crlf", "store:\n  driver: postgres\n  dsn: ${file:crlf}\n", "", "", "line"},
	{"ok/file-one-newline-only", "store:\n  driver: postgres\n  dsn: ${file:twolines}\n", "", "", "a\n"},
	{"ok/quoted-flow", "store: {driver: postgres, dsn: \"${env:DSN}\"}\n", "", "", "postgres://u@h/db"},
	{"fail/env-unset", "store:\n  driver: postgres\n  dsn: ${env:NOPE}\n", "store.dsn", "environment variable NOPE is not set", ""},
	{"fail/env-empty", "store:\n  driver: postgres\n  dsn: ${env:EMPTY}\n", "store.dsn", "environment variable EMPTY is empty", ""},
	{"fail/file-missing", "store:\n  driver: postgres\n  dsn: ${file:nope.txt}\n", "store.dsn", `file "/etc/rempart/nope.txt" does not exist`, ""},
	{"fail/file-empty", "store:\n  driver: postgres\n  dsn: ${file:empty}\n", "store.dsn", "is empty", ""},
	{"fail/partial-prefix", "store:\n  driver: postgres\n  dsn: postgres://${env:DSN}\n", "store.dsn", "invalid reference", ""},
	{"fail/partial-suffix", "store:\n  driver: postgres\n  dsn: ${env:DSN}/db\n", "store.dsn", "invalid reference", ""},
	{"fail/partial-unclosed", "data_dir: ${env:DSN\n", "data_dir", "invalid reference", ""},
	{"fail/unknown-kind", "data_dir: ${vault:x}\n", "data_dir", "invalid reference", ""},
	{"fail/bad-env-name", "data_dir: ${env:1X}\n", "data_dir", "invalid reference", ""},
	{"fail/empty-arg", "data_dir: ${file:}\n", "data_dir", "invalid reference", ""},
	{"fail/nested", "data_dir: ${env:${env:A}}\n", "data_dir", "invalid reference", ""},
	{"fail/in-list", "gateway:\n  apis:\n    - scopes:\n        - a\n        - ${env:NOPE}\n", "gateway.apis[0].scopes[1]", "NOPE is not set", ""},
	// A secret resolved into a typed field must not be echoed.
	{"fail/secret-int", "jail:\n  max_failures: ${env:SECRET}\n", "jail.max_failures", "invalid integer (the value of ${env:SECRET})", ""},
	{"fail/secret-duration", "jail:\n  ban: ${env:SECRET}\n", "jail.ban", "invalid duration (the value of ${env:SECRET})", ""},
	{"fail/secret-size", "gateway:\n  max_body: ${file:secret}\n", "gateway.max_body", "invalid size (the value of ${file:secret})", ""},
	{"fail/secret-bool", "admin:\n  insecure_plaintext: ${env:SECRET}\n", "admin.insecure_plaintext", "invalid boolean (the value of ${env:SECRET})", ""},
}

func refEnv() func(string) (string, bool) {
	return fakeEnv(map[string]string{"DSN": "postgres://u@h/db", "EMPTY": "", "SECRET": secret, "UPSTREAM": "http://u:" + secret + "@h/?q=" + secret})
}

func refFiles() func(string) ([]byte, error) {
	return fakeFiles(map[string]string{
		"/etc/rempart/secrets/dsn": "postgres://u@h/file\n",
		"/run/secrets/dsn":         "postgres://u@h/abs",
		"/etc/rempart/crlf":        "line\r\n",
		"/etc/rempart/twolines":    "a\n\n",
		"/etc/rempart/empty":       "\n",
		"/etc/rempart/secret":      secret + "\n",
	})
}

func TestReferences(t *testing.T) {
	for _, tc := range refCases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse([]byte(tc.src), "/etc/rempart", refEnv(), refFiles())
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Fatalf("error reveals the secret: %v", err)
			}
			if tc.path == "" {
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				if c.Store.DSN != tc.want {
					t.Errorf("store.dsn = %q, want %q", c.Store.DSN, tc.want)
				}
				if len(c.literal) != 0 {
					t.Errorf("literal = %v, want none (value came from a reference)", c.literal)
				}
				return
			}
			if !hasProblem(derefAll(problems(t, err)), tc.path, tc.msg) {
				t.Errorf("parse = %v\nwant a problem at %q containing %q", err, tc.path, tc.msg)
			}
		})
	}
}

// TestSecretNeverInErrors resolves a secret into fields that then fail to
// validate: no error or warning may contain it (R5, R20).
func TestSecretNeverInErrors(t *testing.T) {
	srcs := []string{
		"encryption_key: ${env:SECRET}\nadmin:\n",
		"admin:\n  listen: ${env:SECRET}\n",
		"authorization_server:\n  issuer: ${env:SECRET}\n  access_token:\n    format: ${env:SECRET}\n",
		`gateway:
  public_url: ${env:SECRET}
  trusted_proxies: [ "${env:SECRET}" ]
  apis:
    - name: ${env:SECRET}
      path_prefix: ${env:SECRET}
      upstream: ${env:SECRET}
      auth: ${env:SECRET}
      sender_constraint: ${env:SECRET}
      response_validation: ${env:SECRET}
      scopes: [ "${env:SECRET}" ]
      content_types: [ "${env:SECRET}" ]
      allow_ips: [ "${env:SECRET}" ]
      routes:
        - methods: [ "${env:SECRET}" ]
          path: ${env:SECRET}
          auth: ${env:SECRET}
      cors:
        allow_origins: [ "${env:SECRET}" ]
        allow_headers: [ "${env:SECRET}" ]
      deprecated:
        sunset: ${env:SECRET}
        link: ${env:SECRET}
      rate_limit:
        requests: 1
        per: 1s
        by: ${env:SECRET}
`,
		"gateway:\n  apis:\n    - name: a\n      upstream: ${env:UPSTREAM}\n",
		"store:\n  driver: ${env:SECRET}\n  dsn: ${file:secret}\nredis:\n  url: ${env:SECRET}\nadmin:\n",
		"store:\n  driver: postgres\n  dsn: postgres://u:" + secret + "@h/db\nadmin:\n",
		"encryption_key: " + secret + "\nadmin:\n",
	}
	for _, src := range srcs {
		c, err := parse([]byte(src), "/etc/rempart", refEnv(), refFiles())
		if err != nil {
			t.Errorf("parse(%q): %v", src, err)
			continue
		}
		r := c.Check()
		if r.OK() {
			t.Errorf("Check(%q) = OK, want errors", src)
		}
		for _, p := range append(r.Errors, r.Warnings...) {
			if strings.Contains(p.Error(), secret) {
				t.Errorf("Check(%q): %v reveals the secret", src, p.Error())
			}
		}
	}
}

func TestReadFileLimited(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(small, []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, make([]byte, maxRefFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := readFileLimited(small); err != nil || string(b) != "x\n" {
		t.Errorf("readFileLimited(small) = %q, %v", b, err)
	}
	if _, err := readFileLimited(big); err == nil {
		t.Error("readFileLimited(big) = nil error, want too large")
	}
	r := resolver{baseDir: dir, lookupEnv: fakeEnv(nil), readFile: readFileLimited}
	if _, err := r.resolve("${file:big}"); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("resolve(big) = %v, want too large", err)
	}
}
