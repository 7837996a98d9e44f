package token

import (
	"bytes"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"
)

var prefixes = []string{PrefixAccess, PrefixRefresh, PrefixCode}

// handleRE is the reference grammar of a handle. The last character
// carries 4 data bits and 2 zero bits, so it is one of 16 characters.
var handleRE = regexp.MustCompile(`^rp[orc]_[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$`)

func TestNewHandle(t *testing.T) {
	for _, p := range prefixes {
		t.Run("ok/"+p, func(t *testing.T) {
			seen := map[string]bool{}
			for range 64 {
				h, err := NewHandle(p)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(h, p) || len(h) != len(p)+43 || !handleRE.MatchString(h) {
					t.Fatalf("NewHandle(%q) = %q: wrong shape", p, h)
				}
				if err := ParseHandle(h, p); err != nil {
					t.Fatalf("ParseHandle(NewHandle) = %v", err)
				}
				if seen[h] {
					t.Fatal("NewHandle repeated a handle")
				}
				seen[h] = true
			}
		})
	}
	t.Run("ok/encodes-all-random-bytes", func(t *testing.T) {
		rnd := bytes.Repeat([]byte{0xfb}, HandleBytes)
		h, err := newHandle(bytes.NewReader(rnd), PrefixAccess)
		if err != nil {
			t.Fatal(err)
		}
		if want := PrefixAccess + base64.RawURLEncoding.EncodeToString(rnd); h != want {
			t.Errorf("newHandle = %q, want %q", h, want)
		}
	})
	t.Run("fail/short-randomness", func(t *testing.T) {
		if h, err := newHandle(bytes.NewReader(make([]byte, HandleBytes-1)), PrefixAccess); err == nil || h != "" {
			t.Errorf("newHandle with 31 random bytes = %q, %v", h, err)
		}
	})
	for _, p := range []string{"", "rpx_", "rpo", "RPO_", "rpo_rpo_"} {
		t.Run("fail/prefix-"+p, func(t *testing.T) {
			if h, err := NewHandle(p); err == nil || h != "" {
				t.Errorf("NewHandle(%q) = %q, %v", p, h, err)
			}
		})
	}
}

func TestParseHandle(t *testing.T) {
	secret := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xab}, HandleBytes)) // ends in "s"
	good := PrefixAccess + secret
	for _, tc := range []struct {
		name   string
		raw    string
		prefix string
		ok     bool
	}{
		{"ok/access", good, PrefixAccess, true},
		{"ok/refresh", PrefixRefresh + secret, PrefixRefresh, true},
		{"ok/code", PrefixCode + secret, PrefixCode, true},
		{"ok/all-zero", PrefixAccess + strings.Repeat("A", 43), PrefixAccess, true},
		{"ok/dash-underscore", PrefixAccess + "-_" + strings.Repeat("A", 41), PrefixAccess, true},
		{"fail/empty", "", PrefixAccess, false},
		{"fail/prefix-only", PrefixAccess, PrefixAccess, false},
		{"fail/no-prefix", secret, PrefixAccess, false},
		{"fail/wrong-kind-refresh-as-access", PrefixRefresh + secret, PrefixAccess, false},
		{"fail/wrong-kind-access-as-code", good, PrefixCode, false},
		{"fail/prefix-upper", "RPO_" + secret, PrefixAccess, false},
		{"fail/prefix-doubled", PrefixAccess + good, PrefixAccess, false},
		{"fail/unknown-prefix-arg", "rpx_" + secret, "rpx_", false},
		{"fail/empty-prefix-arg", secret, "", false},
		{"fail/42-chars", good[:len(good)-1], PrefixAccess, false},
		{"fail/44-chars", good + "A", PrefixAccess, false},
		{"fail/padding", PrefixAccess + secret[:42] + "=", PrefixAccess, false},
		{"fail/padded-44", good + "=", PrefixAccess, false},
		{"fail/std-alphabet-plus", PrefixAccess + "+" + secret[1:], PrefixAccess, false},
		{"fail/std-alphabet-slash", PrefixAccess + "/" + secret[1:], PrefixAccess, false},
		{"fail/non-canonical-last-char", PrefixAccess + secret[:42] + "t", PrefixAccess, false},
		{"fail/newline-inside", PrefixAccess + secret[:20] + "\n" + secret[21:], PrefixAccess, false},
		{"fail/trailing-newline", good + "\n", PrefixAccess, false},
		{"fail/leading-space", " " + good, PrefixAccess, false},
		{"fail/dot", PrefixAccess + secret[:42] + ".", PrefixAccess, false},
		{"fail/jwt", "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", PrefixAccess, false},
		{"fail/non-ascii", PrefixAccess + secret[:41] + "é", PrefixAccess, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ParseHandle(tc.raw, tc.prefix)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseHandle(%q, %q) = %v, want ok=%v", tc.raw, tc.prefix, err, tc.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrMalformed) || Reason(err) != "malformed" {
					t.Errorf("error %v does not wrap ErrMalformed", err)
				}
				if len(tc.raw) > 4 && strings.Contains(err.Error(), tc.raw[4:]) {
					t.Errorf("error quotes the input: %v", err)
				}
			}
		})
	}
}

func TestHandlePrefix(t *testing.T) {
	secret := strings.Repeat("Q", 43)
	for _, tc := range []struct {
		name, raw, want string
	}{
		{"ok/access", PrefixAccess + secret, PrefixAccess},
		{"ok/refresh", PrefixRefresh + secret, PrefixRefresh},
		{"ok/code", PrefixCode + secret, PrefixCode},
		{"fail/jwt", "a.b.c", ""},
		{"fail/bare-secret", secret, ""},
		{"fail/bad-secret", PrefixAccess + secret[:42] + "R", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := HandlePrefix(tc.raw)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("HandlePrefix(%q) = %q, %v; want %q", tc.raw, got, ok, tc.want)
			}
		})
	}
}

// FuzzParseHandle: ParseHandle never panics, errors wrap ErrMalformed, and
// an accepted handle has exactly NewHandle's shape (checked against
// handleRE and a decode/re-encode round trip of the standard library).
func FuzzParseHandle(f *testing.F) {
	for _, p := range prefixes {
		h, err := NewHandle(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(h, p)
		f.Add(h+"=", p)
		f.Add(h[:len(h)-1]+"t", p)
	}
	f.Add("", "")
	f.Add("rpo_", "rpo_")
	f.Fuzz(func(t *testing.T, raw, prefix string) {
		err := ParseHandle(raw, prefix)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !knownPrefix(prefix) || !strings.HasPrefix(raw, prefix) || !handleRE.MatchString(raw) {
			t.Fatalf("ParseHandle accepted %q for prefix %q", raw, prefix)
		}
		b, derr := base64.RawURLEncoding.DecodeString(raw[len(prefix):])
		if derr != nil || len(b) != HandleBytes || prefix+base64.RawURLEncoding.EncodeToString(b) != raw {
			t.Fatalf("accepted handle %q is not the canonical encoding of %d bytes", raw, HandleBytes)
		}
		if p, ok := HandlePrefix(raw); !ok || p != prefix {
			t.Fatalf("HandlePrefix(%q) = %q, %v", raw, p, ok)
		}
	})
}
