package gateway

import (
	"errors"
	"strings"
	"testing"
)

// pathCases is the PATH-NORMALISATION TABLE; want "" means refused.
var pathCases = []struct {
	name, in, want string
}{
	{"ok/root", "/", "/"},
	{"ok/plain", "/orders", "/orders"},
	{"ok/trailing-slash-kept", "/orders/", "/orders/"},
	{"ok/case-kept", "/ORDERS", "/ORDERS"},
	{"ok/dotdot-resolved", "/orders/../admin", "/admin"},
	{"ok/dotdot-to-root", "/orders/..", "/"},
	{"ok/dot-removed", "/orders/./x", "/orders/x"},
	{"ok/final-dotdot", "/orders/x/..", "/orders/"},
	{"ok/final-dot", "/orders/x/.", "/orders/x/"},
	{"ok/dot-root", "/./", "/"},
	{"ok/double-slash", "/orders//x", "/orders/x"},
	{"ok/leading-double-slash", "//orders", "/orders"},
	{"ok/slash-run", "///orders///x//", "/orders/x/"},
	{"ok/three-dots-literal", "/orders/...", "/orders/..."},
	{"ok/dotfile", "/orders/.hidden", "/orders/.hidden"},
	{"ok/unreserved-decoded", "/orders/%41%62c", "/orders/Abc"},
	{"ok/unreserved-marks-decoded", "/orders/%7e%2D%5f", "/orders/~-_"},
	{"ok/encoded-dot-inside-segment", "/orders/a%2eb", "/orders/a.b"},
	{"ok/hex-upper-cased", "/orders/caf%c3%a9", "/orders/caf%C3%A9"},
	{"ok/unicode-raw-encoded", "/orders/café", "/orders/caf%C3%A9"},
	{"ok/unicode-cjk", "/orders/%E6%97%A5", "/orders/%E6%97%A5"},
	{"ok/space-encoded", "/orders/a b", "/orders/a%20b"},
	{"ok/encoded-space-kept", "/orders/%20", "/orders/%20"},
	{"ok/percent-literal", "/orders/%25", "/orders/%25"},
	{"ok/sub-delims-raw", "/orders/a:b@c!$&'()*+,=", "/orders/a:b@c!$&'()*+,="},
	{"ok/encoded-sub-delim-kept", "/orders/a%21b", "/orders/a%21b"},
	{"ok/brace-encoded", "/orders/{id}", "/orders/%7Bid%7D"},
	{"ok/max-length", "/" + strings.Repeat("a", MaxPathLen-1), "/" + strings.Repeat("a", MaxPathLen-1)},

	{"fail/encoded-dotdot", "/orders/%2e%2e/admin", ""},
	{"fail/encoded-dotdot-mixed-case", "/orders/%2E%2e/admin", ""},
	{"fail/half-encoded-dotdot", "/orders/.%2e/admin", ""},
	{"fail/encoded-dot", "/orders/%2e/admin", ""},
	{"fail/encoded-three-dots", "/orders/%2e%2e%2e", ""},
	{"fail/encoded-slash", "/orders%2fadmin", ""},
	{"fail/encoded-slash-upper", "/orders%2Fadmin", ""},
	{"fail/dotdot-encoded-slash", "/orders/..%2fadmin", ""},
	{"fail/backslash", `/orders\..\admin`, ""},
	{"fail/encoded-backslash", "/orders/%5c../admin", ""},
	{"fail/above-root", "/../orders", ""},
	{"fail/above-root-later", "/orders/../../x", ""},
	{"fail/path-param", "/orders;a=b", ""},
	{"fail/path-param-jsessionid", "/orders/x;jsessionid=1", ""},
	{"fail/path-param-dotdot", "/orders;x=1/../admin", ""},
	{"fail/encoded-semicolon", "/orders/x%3bjsessionid=1", ""},
	{"fail/nul", "/%00", ""},
	{"fail/encoded-newline", "/orders/%0a", ""},
	{"fail/encoded-del", "/orders/%7F", ""},
	{"fail/raw-control", "/orders/\x01", ""},
	{"fail/raw-del", "/orders/\x7f", ""},
	{"fail/raw-nul", "/orders/\x00", ""},
	{"fail/bad-hex", "/orders/%zz", ""},
	{"fail/short-hex", "/orders/%4", ""},
	{"fail/lone-percent", "/orders/%", ""},
	{"fail/overlong-utf8-slash", "/orders/%c0%af", ""},
	{"fail/invalid-utf8", "/orders/%ff", ""},
	{"fail/double-encoded-dot", "/orders/%252e%252e", ""},
	{"fail/double-encoded-via-decoding", "/orders/%25%32%65", ""},
	{"fail/relative", "orders", ""},
	{"fail/empty", "", ""},
	{"fail/asterisk", "*", ""},
	{"fail/too-long", "/" + strings.Repeat("a", MaxPathLen), ""},
}

func TestNormalizePath(t *testing.T) {
	for _, tc := range pathCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalizePath(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("normalizePath(%q) = %q, want an error", tc.in, got)
				}
				if !errors.Is(err, ErrPath) {
					t.Errorf("error %v does not wrap ErrPath", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("normalizePath(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			if again, err := normalizePath(got); err != nil || again != got {
				t.Errorf("not idempotent: normalizePath(%q) = %q, %v", got, again, err)
			}
		})
	}
}

func TestNormalizePathFastPathAllocs(t *testing.T) {
	n := testing.AllocsPerRun(100, func() { _, _ = normalizePath("/orders/123/items") })
	if n != 0 {
		t.Errorf("canonical path: %v allocs, want 0", n)
	}
}

func FuzzNormalizePath(f *testing.F) {
	for _, tc := range pathCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := normalizePath(in)
		if err != nil {
			if !errors.Is(err, ErrPath) {
				t.Fatalf("error %v does not wrap ErrPath", err)
			}
			return
		}
		checkCanonical(t, in, got)
		again, err := normalizePath(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, got, again, err)
		}
		// Whatever prefix the result has, the result is within it: a
		// segment-aligned prefix P of got means got is P or under P/.
		for i := 1; i < len(got); i++ {
			if got[i] == '/' {
				p := got[:i]
				if !underPrefix(got, p) {
					t.Fatalf("%q not under its own prefix %q", got, p)
				}
			}
		}
	})
}

// checkCanonical asserts the invariants of a normalised path.
func checkCanonical(t *testing.T, in, got string) {
	t.Helper()
	if !strings.HasPrefix(got, "/") {
		t.Fatalf("%q → %q: not absolute", in, got)
	}
	if strings.Contains(got, "//") {
		t.Fatalf("%q → %q: contains //", in, got)
	}
	if strings.ContainsAny(got, "\\;") {
		t.Fatalf("%q → %q: contains \\ or ;", in, got)
	}
	if len(got) > 3*MaxPathLen {
		t.Fatalf("%q → %q: too long", in, got)
	}
	for _, seg := range strings.Split(got[1:], "/") {
		if seg == "." || seg == ".." {
			t.Fatalf("%q → %q: dot segment", in, got)
		}
	}
	for i := 0; i < len(got); i++ {
		c := got[i]
		if c == '%' {
			if i+2 >= len(got) || strings.IndexByte(upperHex, got[i+1]) < 0 || strings.IndexByte(upperHex, got[i+2]) < 0 {
				t.Fatalf("%q → %q: non-canonical percent-encoding at %d", in, got, i)
			}
			v, _ := unhex(got[i+1])
			w, _ := unhex(got[i+2])
			if b := v<<4 | w; unreserved(b) || b < 0x20 || b == 0x7f || b == '/' || b == '\\' || b == ';' {
				t.Fatalf("%q → %q: encoding of %q kept", in, got, b)
			}
			i += 2
			continue
		}
		if !keepRaw(c) {
			t.Fatalf("%q → %q: raw byte %q", in, got, c)
		}
	}
}
