package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, []byte("from-file\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == secretEnv {
				return v
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name, file, env, want string
		wantErr               bool
	}{
		{name: "ok/file", file: file, want: "from-file"},
		{name: "ok/file-wins-over-env", file: file, env: "from-env", want: "from-file"},
		{name: "ok/env", env: " from-env\n", want: "from-env"},
		{name: "fail/none", wantErr: true},
		{name: "fail/missing-file", file: filepath.Join(dir, "absent"), env: "from-env", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readSecret(tc.file, env(tc.env))
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("readSecret() = %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:9100", true},
		{"[::1]:9100", true},
		{"localhost:9100", true},
		{"0.0.0.0:9100", false},
		{":9100", false},
		{"192.0.2.10:9100", false},
		{"example.com:9100", false},
		{"127.0.0.1", false},
	} {
		if err := checkLoopback(tc.addr); (err == nil) != tc.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", tc.addr, err, tc.ok)
		}
	}
}

// TestRunRefusesSecretFlag: there is no flag that takes the secret itself.
func TestRunRefusesSecretFlag(t *testing.T) {
	err := run([]string{"--client-secret", "x"}, func(string) string { return "" }, nil)
	if err == nil || !strings.Contains(err.Error(), "client-secret") {
		t.Errorf("run(--client-secret) = %v, want a usage error", err)
	}
}
