package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"

	"github.com/rempart/rempart/internal/app"
	"github.com/rempart/rempart/internal/config"
	"github.com/rempart/rempart/internal/users"
)

// userEntry is one element of `user list`.
type userEntry struct {
	ID         string     `json:"id"`
	Username   string     `json:"username"`
	Email      string     `json:"email"`
	MFAEnabled bool       `json:"mfa_enabled"`
	Disabled   bool       `json:"disabled"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  *time.Time `json:"updated_at"`
}

func TestUserCommands(t *testing.T) {
	const (
		password = "Sup3r secret pass" // spaces are part of it
		email    = "Alice.Smith@Example.COM"
		stored   = "Alice.Smith@example.com" // domain lower-cased
	)
	cfg := writeConfig(t, baseConfig)
	// CRLF line ending and a second line: only the first line, without its
	// ending, is the password.
	r := runCmd(t, password+"\r\nnot the password\n", "user", "create", "--config", cfg,
		"--username", "Alice", "--password-stdin", "--email", email)
	if r.code != 0 {
		t.Fatalf("create: exit %d: %s", r.code, r.stderr)
	}
	var created map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil || len(created) != 1 {
		t.Fatalf("create stdout is not only the JSON {id}: %q", r.stdout)
	}
	id := created["id"]
	if u, err := uuid.Parse(id); err != nil || u.Version() != 4 {
		t.Errorf("id %q: want a UUID v4 (R16)", id)
	}
	checkPassword(t, cfg, "alice", password, true)
	for _, wrong := range []string{password + "\r", password + "\r\nnot the password", "not the password"} {
		checkPassword(t, cfg, "alice", wrong, false)
	}

	r = runCmd(t, "bob-password", "user", "create", "--username", "bob", "--password-stdin", "--config", cfg) // no newline at EOF
	var bob map[string]string
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &bob) != nil {
		t.Fatalf("create bob: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	checkPassword(t, cfg, "bob", "bob-password", true)

	for _, tc := range []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stderr string // in stderr
	}{
		{"fail/duplicate-other-case", "another-password\n", []string{"user", "create", "--username", "ALICE", "--password-stdin"}, 1, "already exists"},
		{"fail/short-password", "short\n", []string{"user", "create", "--username", "carol", "--password-stdin"}, 1, "at least 8"},
		{"fail/password-is-username", "Carol.Jones\n", []string{"user", "create", "--username", "carol.jones", "--password-stdin"}, 1, "username"},
		{"fail/empty-stdin", "", []string{"user", "create", "--username", "carol", "--password-stdin"}, 1, "no password"},
		{"fail/empty-line", "\nsecond-line-password\n", []string{"user", "create", "--username", "carol", "--password-stdin"}, 1, "no password"},
		{"fail/too-long", strings.Repeat("x", 1025) + "\n", []string{"user", "create", "--username", "carol", "--password-stdin"}, 1, "1024"},
		{"fail/bad-username", "carol-password\n", []string{"user", "create", "--username", "carol smith", "--password-stdin"}, 1, "username"},
		{"fail/bad-email", "carol-password\n", []string{"user", "create", "--username", "carol", "--password-stdin", "--email", "Carol <carol@example.com>"}, 1, "e-mail"},
		{"fail/disable-unknown", "", []string{"user", "disable", "00000000-0000-4000-8000-000000000000"}, 1, "no user"},
		{"fail/mfa-unknown", "", []string{"user", "mfa", "enroll", "00000000-0000-4000-8000-000000000000"}, 1, "no user"},
		{"usage/no-password-stdin", "carol-password\n", []string{"user", "create", "--username", "carol"}, 2, "--password-stdin"},
		{"usage/password-flag", "", []string{"user", "create", "--username", "carol", "--password", "carol-password"}, 2, ""},
		{"usage/no-username", "carol-password\n", []string{"user", "create", "--password-stdin"}, 2, "--username"},
		{"usage/extra-arg", "carol-password\n", []string{"user", "create", "--username", "carol", "--password-stdin", "extra"}, 2, ""},
		{"usage/list-extra-arg", "", []string{"user", "list", "x"}, 2, ""},
		{"usage/disable-no-id", "", []string{"user", "disable"}, 2, "disable ID"},
		{"usage/disable-two-ids", "", []string{"user", "disable", id, id}, 2, ""},
		{"usage/mfa-no-enroll", "", []string{"user", "mfa", id}, 2, "mfa enroll ID"},
		{"usage/mfa-enroll-no-id", "", []string{"user", "mfa", "enroll"}, 2, "mfa enroll ID"},
		{"usage/no-sub", "", []string{"user"}, 2, "usage"},
		{"usage/unknown-sub", "", []string{"user", "delete", id}, 2, "usage"},
		{"usage/unknown-flag", "", []string{"user", "list", "--bogus"}, 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if len(args) > 1 {
				args = append(args, "--config", cfg)
			}
			r := runCmd(t, tc.stdin, args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", r.code, tc.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("stderr %q lacks %q", r.stderr, tc.stderr)
			}
			if r.stdout != "" {
				t.Errorf("a refused command printed on stdout: %q", r.stdout)
			}
			if pw, _, _ := strings.Cut(tc.stdin, "\n"); len(pw) >= 5 && strings.Contains(r.stderr, pw) {
				t.Errorf("stderr %q quotes the password (R20)", r.stderr)
			}
		})
	}
	if got := listUsers(t, cfg); len(got) != 2 {
		t.Fatalf("list = %+v, want the 2 users created (refused creates stored nothing)", got)
	}

	// MFA enrolment prints the URI once.
	r = runCmd(t, "", "user", "mfa", "enroll", id, "--config", cfg)
	var enrolled map[string]string
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &enrolled) != nil || len(enrolled) != 1 {
		t.Fatalf("mfa enroll: exit %d stdout %q stderr %q; want only {\"otpauth_uri\"}", r.code, r.stdout, r.stderr)
	}
	uri := enrolled["otpauth_uri"]
	if !strings.HasPrefix(uri, "otpauth://totp/") || strings.Contains(r.stdout, `\u0026`) {
		t.Fatalf("otpauth_uri %q: want a readable otpauth://totp/ URI", uri)
	}
	key, err := otp.NewKeyFromURL(uri)
	if err != nil || key.Secret() == "" || key.AccountName() != "alice" || key.Issuer() != "Rempart" {
		t.Fatalf("otpauth URI %q: %v", uri, err)
	}
	if strings.Contains(r.stderr, key.Secret()) {
		t.Error("the TOTP secret is on stderr")
	}

	if r := runCmd(t, "", "user", "disable", bob["id"], "--config", cfg); r.code != 0 || r.stdout != "" {
		t.Fatalf("disable: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, "", "user", "disable", bob["id"], "--config", cfg); r.code != 0 {
		t.Errorf("disable again: exit %d, want 0 (idempotent)", r.code)
	}
	checkPassword(t, cfg, "bob", "bob-password", false) // disabled

	r = runCmd(t, "", "user", "list", "--config", cfg)
	for _, secret := range []string{key.Secret(), uri, "$argon2id", password} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("user list prints %q", secret)
		}
	}
	list := listUsers(t, cfg)
	if len(list) != 2 {
		t.Fatalf("list = %+v, want 2 users", list)
	}
	a, b := list[0], list[1]
	if a.ID != id || a.Username != "alice" || a.Email != stored || !a.MFAEnabled || a.Disabled || a.UpdatedAt == nil {
		t.Errorf("alice = %+v, want id %s, e-mail %q, mfa_enabled, not disabled, updated_at", a, id, stored)
	}
	if b.ID != bob["id"] || b.Username != "bob" || b.Email != "" || b.MFAEnabled || !b.Disabled {
		t.Errorf("bob = %+v, want no e-mail, no MFA, disabled", b)
	}
	if a.CreatedAt.IsZero() || a.CreatedAt.After(time.Now()) {
		t.Errorf("alice created_at = %v", a.CreatedAt)
	}

	// R4: no password, e-mail or TOTP secret in clear in the database files.
	data := readDataFiles(t, filepath.Join(filepath.Dir(cfg), "data"), "rempart.db")
	for _, secret := range []string{password, "bob-password", stored, "Alice.Smith", "example.com", key.Secret()} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the database files contain %q in clear (R4)", secret)
		}
	}
	if !bytes.Contains(data, []byte("$argon2id$v=19$m=65536,t=3,p=4$")) {
		t.Error("no argon2id hash with the default parameters found in the database files: was the right file read?")
	}
}

// listUsers runs `user list` and decodes it.
func listUsers(t *testing.T, cfg string) []userEntry {
	t.Helper()
	r := runCmd(t, "", "user", "list", "--config", cfg)
	var list []userEntry
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &list) != nil {
		t.Fatalf("list: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	return list
}

// checkPassword opens the configured store and reports whether the
// directory accepts username and password, failing the test otherwise.
func checkPassword(t *testing.T, cfgPath, username, password string, want bool) {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	res, err := app.OpenResources(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	d, err := users.New(users.Deps{Store: res.Store, Sealer: res.Vault})
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Authenticate(t.Context(), username, password)
	if err != nil && !errors.Is(err, users.ErrInvalidCredentials) {
		t.Fatalf("Authenticate(%q) = %v", username, err)
	}
	if got := err == nil; got != want {
		t.Errorf("Authenticate(%q, %q) accepted = %v, want %v", username, password, got, want)
	}
}

// readDataFiles returns the concatenated contents of the files in dir whose
// name starts with prefix (the database, its -wal and -shm files).
func readDataFiles(t *testing.T, dir, prefix string) []byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	n := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
		n++
	}
	if n == 0 {
		t.Fatalf("no %s* file in %s", prefix, dir)
	}
	return all
}

func TestReadPasswordLine(t *testing.T) {
	const max = 16
	for _, tc := range []struct {
		name, in, want, rest string
		ok                   bool
	}{
		{"ok/lf", "password\n", "password", "", true},
		{"ok/crlf", "password\r\n", "password", "", true},
		{"ok/eof", "password", "password", "", true},
		{"ok/one-line-only", "password\nnext line\n", "password", "next line\n", true},
		{"ok/spaces-kept", "  pass word  \n", "  pass word  ", "", true},
		{"ok/inner-cr-kept", "pass\rword\n", "pass\rword", "", true},
		{"ok/max", strings.Repeat("x", max) + "\r\n", strings.Repeat("x", max), "", true},
		{"ok/max-eof", strings.Repeat("x", max), strings.Repeat("x", max), "", true},
		{"fail/empty", "", "", "", false},
		{"fail/empty-line", "\npassword\n", "", "", false},
		{"fail/crlf-only", "\r\n", "", "", false},
		{"fail/too-long", strings.Repeat("x", max+1) + "\n", "", "", false},
		{"fail/too-long-cr-inside", strings.Repeat("x", max) + "\rx\n", "", "", false},
		{"fail/too-long-eof", strings.Repeat("x", max+1), "", "", false},
		{"fail/too-long-no-end", strings.Repeat("x", 10*max), "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := strings.NewReader(tc.in)
			got, err := readPasswordLine(r, max)
			if tc.ok != (err == nil) || got != tc.want {
				t.Fatalf("readPasswordLine(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), "xxxx") {
				t.Errorf("error %q quotes the input", err)
			}
			if !tc.ok {
				return
			}
			rest, _ := io.ReadAll(r)
			if string(rest) != tc.rest {
				t.Errorf("left %q on stdin, want %q (exactly one line read)", rest, tc.rest)
			}
		})
	}
	t.Run("fail/read-error", func(t *testing.T) {
		if _, err := readPasswordLine(io.MultiReader(strings.NewReader("pass"), errReader{}), max); err == nil {
			t.Error("readPasswordLine() on a failing reader = nil error")
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("broken pipe") }
