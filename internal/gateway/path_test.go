package gateway

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
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

	// Published gateway and proxy path-confusion bugs: each row is the
	// attack's path; the gateway either refuses it or routes and forwards
	// the one canonical path it resolves to (never one spelling to the
	// router and another to the upstream).
	{"ok/CVE-2019-9901-envoy-dotdot-resolved-before-routing", "/public/../admin", "/admin"},
	{"ok/CVE-2021-29492-envoy-istio-double-slash-merged", "//admin", "/admin"},
	{"fail/CVE-2021-29492-envoy-escaped-slash", "/public%2F..%2Fadmin", ""},
	{"fail/CVE-2021-29492-envoy-escaped-backslash", "/public%5C..%5Cadmin", ""},
	{"fail/CVE-2007-0450-tomcat-encoded-slash", "/examples%2Fservlets", ""},
	{"fail/CVE-2021-41773-apache-dot-encoded-dot", "/cgi-bin/.%2e/.%2e/etc/passwd", ""},
	{"fail/CVE-2021-41773-apache-encoded-dots", "/icons/%2e%2e/%2e%2e/etc/passwd", ""},
	{"fail/CVE-2021-42013-apache-double-encoded-dots", "/cgi-bin/%%32%65%%32%65/etc/passwd", ""},
	{"fail/CVE-2021-42013-apache-half-double-encoded", "/cgi-bin/.%%32%65/etc/passwd", ""},
	{"fail/CVE-2008-2938-tomcat-overlong-utf8-dot", "/%c0%ae%c0%ae/etc/passwd", ""},
	{"fail/MS00-078-iis-overlong-utf8-slash", "/scripts/..%c0%af../winnt/system32", ""},
	{"fail/CVE-2020-1957-shiro-dotdot-semicolon", "/xxx/..;/admin/", ""},
	{"fail/CVE-2020-13933-shiro-encoded-semicolon", "/admin/%3bpage", ""},
	{"fail/CVE-2020-11989-shiro-double-encoded-slash", "/admin/a%25%32%66a", ""},
	{"fail/tomcat-dot-semicolon-segment", "/api/.;/admin", ""},
	{"fail/spring-matrix-variable-traversal", "/api;x=1/../admin", ""},
	{"fail/api-encoded-slash-traversal", "/api/v1/..%2f..%2fadmin", ""},
	{"fail/double-encoded-dot-segment-kong-traefik-style", "/api/%252e%252e/admin", ""},
	{"fail/double-encoded-slash", "/api/v1%252fadmin", ""},
	{"fail/null-byte-truncation", "/api/file.json%00.html", ""},
	{"fail/encoded-cr-lf-header-injection", "/api/x%0d%0aSet-Cookie:a=b", ""},
	{"fail/unicode-fullwidth-dot-invalid-utf8", "/api/%ef%bc", ""},
	{"ok/nginx-alias-traversal-literal-segment", "/static../etc/passwd", "/static../etc/passwd"},
	{"ok/fullwidth-solidus-is-not-a-slash", "/api/%ef%bc%8fadmin", "/api/%EF%BC%8Fadmin"},

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

// TestPathTableThroughHTTP sends every row of the path table to a real
// gateway with a public API at the root and an OAuth API at /admin: a
// refused path is 400 and reaches nothing; an accepted one is routed by
// its canonical form (so "/public/../admin" needs a token) and the public
// upstream receives exactly that canonical path.
func TestPathTableThroughHTTP(t *testing.T) {
	f := newFixture(t)
	_, srv := f.serve(t, Config{APIs: []API{
		{Name: "root", PathPrefix: "/", Upstream: f.up.url(t, ""), Auth: AuthPublic},
		{Name: "admin", PathPrefix: "/admin", Upstream: f.up.url(t, ""), Auth: AuthOAuth2},
	}}, f.deps(), false)
	for _, tc := range pathCases {
		if tc.in == "" || tc.in[0] != '/' || len(tc.in) > 1024 || strings.ContainsAny(tc.in, " \x00\x01\x7f\"{}") || !utf8ValidASCII(tc.in) {
			continue // not sendable as a request line by net/http
		}
		t.Run(tc.name, func(t *testing.T) {
			res, body := sendRaw(t, srv, "GET "+tc.in+" HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
			got, hits := f.up.received()
			switch {
			case tc.want == "" && res.Header.Get("Content-Type") == "text/plain; charset=utf-8":
				// Go's server refused the request line itself (invalid escapes).
				if res.StatusCode != http.StatusBadRequest || hits != 0 {
					t.Errorf("status %d, hits %d; want 400, 0", res.StatusCode, hits)
				}
			case tc.want == "":
				checkProblem(t, res, body, http.StatusBadRequest)
				if hits != 0 {
					t.Errorf("a refused path reached the upstream")
				}
			case underPrefix(tc.want, "/admin"):
				checkProblem(t, res, body, http.StatusUnauthorized)
			default:
				if res.StatusCode != 200 || hits != 1 || got.URL.EscapedPath() != tc.want {
					t.Errorf("status %d, hits %d, upstream path %q; want 200, 1, %q", res.StatusCode, hits, got.URL.EscapedPath(), tc.want)
				}
			}
		})
	}
}

// sendRaw writes raw bytes on a new connection to srv and reads one
// response: the request line reaches the gateway exactly as written.
func sendRaw(t testing.TB, srv *httptest.Server, raw string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

func utf8ValidASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
