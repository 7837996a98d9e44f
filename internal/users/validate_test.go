package users

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeUsername(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"ok/plain", "alice", "alice"},
		{"ok/lower-cased", "Alice.Smith", "alice.smith"},
		{"ok/all-classes", "A-z_0.9@x", "a-z_0.9@x"},
		{"ok/one", "a", "a"},
		{"ok/64", strings.Repeat("b", 64), strings.Repeat("b", 64)},
		{"fail/empty", "", ""},
		{"fail/65", strings.Repeat("b", 65), ""},
		{"fail/space", "alice smith", ""},
		{"fail/leading-space", " alice", ""},
		{"fail/plus", "alice+x", ""},
		{"fail/colon", "ali:ce", ""},
		{"fail/slash", "a/b", ""},
		{"fail/nul", "a\x00", ""},
		{"fail/newline", "alice\n", ""},
		{"fail/non-ascii", "élodie", ""},
		{"fail/kelvin-sign", "\u212aelvin", ""}, // lower-cases to "kelvin"
		{"fail/invalid-utf8", "a\xff", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeUsername(tc.in)
			if tc.want == "" {
				if !errors.Is(err, ErrInvalidUsername) {
					t.Fatalf("NormalizeUsername(%q) = %q, %v; want ErrInvalidUsername", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("NormalizeUsername(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		name, user, pw string
		ok             bool
	}{
		{"ok/8", "alice", "12345678", true},
		{"ok/spaces-kept", "alice", "  a b c  ", true},
		{"ok/unicode-8-code-points", "alice", "пароль12", true},
		{"ok/1024-bytes", "alice", strings.Repeat("x", 1024), true},
		{"ok/username-inside", "alice", "alice-and-more", true},
		{"fail/empty", "alice", "", false},
		{"fail/7", "alice", "1234567", false},
		{"fail/4-code-points-12-bytes", "alice", "日本語字", false},
		{"fail/1025-bytes", "alice", strings.Repeat("x", 1025), false},
		{"fail/username", "alice.smith", "alice.smith", false},
		{"fail/username-other-case", "alice.smith", "Alice.Smith", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkPassword(tc.user, tc.pw)
			if tc.ok != (err == nil) {
				t.Fatalf("checkPassword(%q) = %v, want ok=%v", tc.pw, err, tc.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidPassword) {
					t.Errorf("error %v does not wrap ErrInvalidPassword", err)
				}
				if len(tc.pw) > 0 && strings.Contains(err.Error(), tc.pw) {
					t.Errorf("error %q quotes the password (R20)", err)
				}
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"ok/plain", "alice@example.com", "alice@example.com"},
		{"ok/trimmed", "  alice@example.com\n", "alice@example.com"},
		{"ok/domain-lower-cased", "Alice.Smith@Example.COM", "Alice.Smith@example.com"},
		{"ok/plus", "alice+tag@example.com", "alice+tag@example.com"},
		{"ok/idn", "alice@ÉCOLE.fr", "alice@école.fr"},
		{"fail/empty", "", ""},
		{"fail/blank", "   ", ""},
		{"fail/no-at", "alice.example.com", ""},
		{"fail/no-domain", "alice@", ""},
		{"fail/no-local", "@example.com", ""},
		{"fail/display-name", "Alice <alice@example.com>", ""},
		{"fail/angle", "<alice@example.com>", ""},
		{"fail/list", "alice@example.com, bob@example.com", ""},
		{"fail/comment", "alice@example.com (Alice)", ""},
		{"fail/two-at", "a@b@example.com", ""},
		{"fail/newline-inside", "alice@exam\nple.com", ""},
		{"fail/too-long", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".com", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeEmail(tc.in)
			if tc.want == "" {
				if !errors.Is(err, ErrInvalidEmail) {
					t.Fatalf("NormalizeEmail(%q) = %q, %v; want ErrInvalidEmail", tc.in, got, err)
				}
				if strings.TrimSpace(tc.in) != "" && strings.Contains(err.Error(), strings.TrimSpace(tc.in)) {
					t.Errorf("error %q quotes the address (personal data)", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}
