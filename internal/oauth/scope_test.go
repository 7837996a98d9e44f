package oauth

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var scopeTests = []struct {
	name string
	in   string
	want []string
	ok   bool
}{
	{"ok/empty", "", nil, true},
	{"ok/one", "orders:read", []string{"orders:read"}, true},
	{"ok/several", "openid orders:read orders:write", []string{"openid", "orders:read", "orders:write"}, true},
	{"ok/dedupe", "a b a b c", []string{"a", "b", "c"}, true},
	{"ok/edge-chars", "!#[]~ a", []string{"!#[]~", "a"}, true},
	{"ok/url-like", "https://api.example.com/orders.read", []string{"https://api.example.com/orders.read"}, true},
	{"fail/leading-space", " a", nil, false},
	{"fail/trailing-space", "a ", nil, false},
	{"fail/double-space", "a  b", nil, false},
	{"fail/only-space", " ", nil, false},
	{"fail/tab", "a\tb", nil, false},
	{"fail/quote", `a"b`, nil, false},
	{"fail/backslash", `a\b`, nil, false},
	{"fail/del", "a\x7f", nil, false},
	{"fail/non-ascii", "café", nil, false},
	{"fail/nul", "a\x00", nil, false},
	{"fail/newline", "a\nb", nil, false},
	{"fail/too-long", strings.Repeat("a", MaxScopeBytes+1), nil, false},
	{"fail/too-many", strings.TrimSpace(strings.Repeat("s ", MaxScopes+1)), nil, false},
	{"ok/max-count", strings.TrimSpace(strings.Repeat("s ", MaxScopes)), []string{"s"}, true},
}

func TestParseScope(t *testing.T) {
	for _, tc := range scopeTests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseScope(tc.in)
			if tc.ok {
				if err != nil {
					t.Fatalf("ParseScope(%q) error %v", tc.in, err)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("ParseScope(%q) = %q, want %q", tc.in, got, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseScope(%q) = %q, want error", tc.in, got)
			}
			if !errors.Is(err, ErrInvalidScope) {
				t.Errorf("error %v is not invalid_scope", err)
			}
		})
	}
}

func TestFormatScope(t *testing.T) {
	if got := FormatScope([]string{"a", "b:c"}); got != "a b:c" {
		t.Errorf("FormatScope = %q", got)
	}
	if got := FormatScope(nil); got != "" {
		t.Errorf("FormatScope(nil) = %q", got)
	}
}

// FuzzParseScope checks ParseScope against the grammar: it never panics,
// accepted output round-trips, every token is valid, none repeats, and the
// limits hold.
func FuzzParseScope(f *testing.F) {
	for _, tc := range scopeTests {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseScope(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidScope) {
				t.Fatalf("error %v is not invalid_scope", err)
			}
			return
		}
		if len(got) > MaxScopes || len(s) > MaxScopeBytes {
			t.Fatalf("limits exceeded: %d scopes, %d bytes", len(got), len(s))
		}
		seen := map[string]bool{}
		for _, tok := range got {
			if !validScopeToken(tok) || strings.ContainsAny(tok, " \"\\") {
				t.Fatalf("invalid token %q accepted from %q", tok, s)
			}
			if seen[tok] {
				t.Fatalf("duplicate %q", tok)
			}
			seen[tok] = true
		}
		// Without duplicates, the input is exactly the formatted output.
		again, err := ParseScope(FormatScope(got))
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("round trip of %q: %q, %v", s, again, err)
		}
		if len(strings.Split(s, " ")) == len(got) && FormatScope(got) != s {
			t.Fatalf("FormatScope(ParseScope(%q)) = %q", s, FormatScope(got))
		}
	})
}
