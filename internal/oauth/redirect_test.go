package oauth

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// clientRedirects is the registered list of the matching table: a web
// app, a native app's loopback URIs (IPv4 and IPv6, with and without a
// registered port), an https loopback URI and a private-use scheme.
var clientRedirects = []string{
	"https://app.example/cb",
	"https://app.example/q?a=1",
	"https://app.example/",
	"http://127.0.0.1/cb",
	"http://[::1]/v6",
	"http://127.0.0.1:8080/withport",
	"https://127.0.0.1/tls",
	"com.example.app:/oauth",
}

// TestMatchRedirect is the "every redirect-URI trick" table (issue 3, R9,
// RFC 9700 §4.1): every refusal row must return "", false.
func TestMatchRedirect(t *testing.T) {
	for _, tc := range []struct {
		name      string
		requested string
		ok        bool
	}{
		{"ok/exact", "https://app.example/cb", true},
		{"ok/exact-with-query", "https://app.example/q?a=1", true},
		{"ok/exact-root", "https://app.example/", true},
		{"ok/private-use-exact", "com.example.app:/oauth", true},
		{"ok/loopback-exact", "http://127.0.0.1/cb", true},
		{"ok/loopback-any-port", "http://127.0.0.1:51234/cb", true},
		{"ok/loopback-port-1", "http://127.0.0.1:1/cb", true},
		{"ok/loopback-port-65535", "http://127.0.0.1:65535/cb", true},
		{"ok/loopback-v6-any-port", "http://[::1]:8080/v6", true},
		{"ok/loopback-registered-port-other-port", "http://127.0.0.1:9999/withport", true},
		{"ok/loopback-registered-port-no-port", "http://127.0.0.1/withport", true},
		{"ok/https-loopback-exact", "https://127.0.0.1/tls", true},

		{"fail/empty", "", false},
		{"fail/prefix-longer-path", "https://app.example/cb/evil", false},
		{"fail/prefix-same-segment", "https://app.example/cbx", false},
		{"fail/prefix-dot-dot", "https://app.example/cb/../evil", false},
		{"fail/truncated", "https://app.example/c", false},
		{"fail/suffix-host", "https://app.example.evil.example/cb", false},
		{"fail/suffix-subdomain", "https://evil.app.example/cb", false},
		{"fail/suffix-in-path", "https://evil.example/https://app.example/cb", false},
		{"fail/suffix-in-query", "https://evil.example/?r=https://app.example/cb", false},
		{"fail/other-port", "https://app.example:8443/cb", false},
		{"fail/default-port", "https://app.example:443/cb", false},
		{"fail/empty-port", "https://app.example:/cb", false},
		{"fail/other-scheme", "http://app.example/cb", false},
		{"fail/scheme-upper", "HTTPS://app.example/cb", false},
		{"fail/userinfo-in-path", "https://app.example/cb@evil.example", false},
		{"fail/userinfo-host", "https://app.example@evil.example/cb", false},
		{"fail/userinfo-before", "https://evil.example@app.example/cb", false},
		{"fail/backslash-host", `https://app.example\@evil.example/cb`, false},
		{"fail/fragment", "https://app.example/cb#x", false},
		{"fail/empty-fragment", "https://app.example/cb#", false},
		{"fail/encoded-path", "https://app.example/%63b", false},
		{"fail/encoded-traversal", "https://app.example/cb%2F..%2Fevil", false},
		{"fail/encoded-slash", "https://app.example%2Fcb", false},
		{"fail/host-case", "https://APP.example/cb", false},
		{"fail/path-case", "https://app.example/CB", false},
		{"fail/trailing-slash", "https://app.example/cb/", false},
		{"fail/root-without-slash", "https://app.example", false},
		{"fail/trailing-dot-host", "https://app.example./cb", false},
		{"fail/query-added", "https://app.example/cb?x=1", false},
		{"fail/empty-query-added", "https://app.example/cb?", false},
		{"fail/query-extended", "https://app.example/q?a=1&b=2", false},
		{"fail/query-reordered", "https://app.example/q?b=2&a=1", false},
		{"fail/query-dropped", "https://app.example/q", false},
		{"fail/leading-space", " https://app.example/cb", false},
		{"fail/trailing-space", "https://app.example/cb ", false},
		{"fail/trailing-newline", "https://app.example/cb\n", false},
		{"fail/nul", "https://app.example/cb\x00", false},
		{"fail/scheme-relative", "//app.example/cb", false},
		{"fail/loopback-localhost", "http://localhost:51234/cb", false},
		{"fail/loopback-localhost-no-port", "http://localhost/cb", false},
		{"fail/loopback-other-path", "http://127.0.0.1:51234/cb2", false},
		{"fail/loopback-path-prefix", "http://127.0.0.1:51234/c", false},
		{"fail/loopback-query-added", "http://127.0.0.1:51234/cb?x=1", false},
		{"fail/loopback-fragment", "http://127.0.0.1:51234/cb#x", false},
		{"fail/loopback-other-ip", "http://127.0.0.2:51234/cb", false},
		{"fail/loopback-other-family", "http://[::1]:51234/cb", false},
		{"fail/loopback-v6-long-form", "http://[0:0:0:0:0:0:0:1]:51234/v6", false},
		{"fail/loopback-https-scheme", "https://127.0.0.1:51234/cb", false},
		{"fail/loopback-scheme-upper", "HTTP://127.0.0.1:51234/cb", false},
		{"fail/loopback-userinfo", "http://127.0.0.1:51234@evil.example/cb", false},
		{"fail/loopback-userinfo-no-port", "http://127.0.0.1@evil.example/cb", false},
		{"fail/loopback-host-suffix", "http://127.0.0.1.evil.example/cb", false},
		{"fail/loopback-port-0", "http://127.0.0.1:0/cb", false},
		{"fail/loopback-port-65536", "http://127.0.0.1:65536/cb", false},
		{"fail/loopback-port-leading-zero", "http://127.0.0.1:051234/cb", false},
		{"fail/loopback-port-empty", "http://127.0.0.1:/cb", false},
		{"fail/loopback-port-sign", "http://127.0.0.1:+80/cb", false},
		{"fail/loopback-port-six-digits", "http://127.0.0.1:100000/cb", false},
		{"fail/loopback-two-ports", "http://127.0.0.1:1:2/cb", false},
		{"fail/loopback-encoded-path", "http://127.0.0.1:51234/%63b", false},
		{"fail/loopback-trailing-slash", "http://127.0.0.1:51234/cb/", false},
		{"fail/https-loopback-other-port", "https://127.0.0.1:8443/tls", false},
		{"fail/https-loopback-as-http", "http://127.0.0.1:8443/tls", false},
		{"fail/private-use-other-path", "com.example.app:/oauth/x", false},
		{"fail/private-use-authority", "com.example.app://oauth", false},
		{"fail/private-use-case", "com.example.App:/oauth", false},
		{"fail/private-use-other-app", "com.evil.app:/oauth", false},
		{"fail/javascript", "javascript:alert(1)//https://app.example/cb", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := MatchRedirect(clientRedirects, tc.requested)
			if ok != tc.ok {
				t.Fatalf("MatchRedirect(%q) = %q, %v; want ok=%v", tc.requested, got, ok, tc.ok)
			}
			want := ""
			if tc.ok {
				want = tc.requested
			}
			if got != want {
				t.Errorf("MatchRedirect(%q) returned %q, want %q", tc.requested, got, want)
			}
			if refOK := refMatch(clientRedirects, tc.requested); refOK != tc.ok {
				t.Errorf("reference implementation says %v", refOK)
			}
		})
	}
}

func TestMatchRedirectEmptyList(t *testing.T) {
	for _, req := range []string{"", "https://app.example/cb", "http://127.0.0.1:5/cb"} {
		if got, ok := MatchRedirect(nil, req); ok || got != "" {
			t.Errorf("MatchRedirect(nil, %q) = %q, %v", req, got, ok)
		}
	}
	// A registered empty string never matches an empty request.
	if _, ok := MatchRedirect([]string{""}, ""); ok {
		t.Error("empty requested URI matched an empty registered entry")
	}
}

func TestValidateRegisteredRedirect(t *testing.T) {
	for _, tc := range []struct {
		name string
		uri  string
		ok   bool
	}{
		{"ok/https", "https://app.example/cb", true},
		{"ok/https-port", "https://app.example:8443/cb", true},
		{"ok/https-query", "https://app.example/cb?tenant=a", true},
		{"ok/https-root", "https://app.example/", true},
		{"ok/https-no-path", "https://app.example", true},
		{"ok/https-ip", "https://192.0.2.1/cb", true},
		{"ok/https-encoded", "https://app.example/a%20b", true},
		{"ok/loopback-v4", "http://127.0.0.1/cb", true},
		{"ok/loopback-v4-port", "http://127.0.0.1:8080/cb", true},
		{"ok/loopback-v6", "http://[::1]/cb", true},
		{"ok/loopback-v6-port", "http://[::1]:8080/cb", true},
		{"ok/loopback-no-path", "http://127.0.0.1", true},
		{"ok/private-use", "com.example.app:/cb", true},
		{"ok/private-use-authority", "com.example.app://cb", true},
		{"ok/private-use-digits", "io.x-y.app2+dev:/oauth2redirect/provider", true},

		{"fail/empty", "", false},
		{"fail/relative", "/cb", false},
		{"fail/scheme-relative", "//app.example/cb", false},
		{"fail/too-long", "https://app.example/" + strings.Repeat("a", MaxRedirectURILen), false},
		{"fail/fragment", "https://app.example/cb#x", false},
		{"fail/empty-fragment", "https://app.example/cb#", false},
		{"fail/userinfo", "https://user@app.example/cb", false},
		{"fail/userinfo-password", "https://user:pw@app.example/cb", false},
		{"fail/userinfo-empty", "https://@app.example/cb", false},
		{"fail/wildcard-host", "https://*.app.example/cb", false},
		{"fail/wildcard-path", "https://app.example/*", false},
		{"fail/http-name", "http://app.example/cb", false},
		{"fail/http-localhost", "http://localhost/cb", false},
		{"fail/http-localhost-port", "http://localhost:8080/cb", false},
		{"fail/http-other-loopback", "http://127.0.0.2/cb", false},
		{"fail/http-v6-long-form", "http://[0:0:0:0:0:0:0:1]/cb", false},
		{"fail/http-loopback-bad-port", "http://127.0.0.1:0/cb", false},
		{"fail/http-loopback-empty-port", "http://127.0.0.1:/cb", false},
		{"fail/http-loopback-suffix", "http://127.0.0.1.evil.example/cb", false},
		{"fail/http-no-host", "http:/cb", false},
		{"fail/https-no-host", "https:///cb", false},
		{"fail/https-hostless", "https:/cb", false},
		{"fail/https-port-only", "https://:443/cb", false},
		{"fail/https-opaque", "https:app.example", false},
		{"fail/scheme-upper", "HTTPS://app.example/cb", false},
		{"fail/scheme-mixed", "Com.Example.App:/cb", false},
		{"fail/javascript", "javascript:alert(1)", false},
		{"fail/javascript-slash", "javascript://app.example/%0aalert(1)", false},
		{"fail/data", "data:text/html,<script>alert(1)</script>", false},
		{"fail/data-base64", "data:/text/html;base64,PHNjcmlwdD4=", false},
		{"fail/file", "file:///etc/passwd", false},
		{"fail/vbscript", "vbscript:msgbox(1)", false},
		{"fail/private-use-no-dot", "myapp:/cb", false},
		{"fail/private-use-opaque", "com.example.app:cb", false},
		{"fail/private-use-empty", "com.example.app:", false},
		{"fail/mailto", "mailto:a@b.example", false},
		{"fail/space", "https://app.example/c b", false},
		{"fail/leading-space", " https://app.example/cb", false},
		{"fail/newline", "https://app.example/cb\n", false},
		{"fail/backslash", `https://app.example\@evil.example/cb`, false},
		{"fail/non-ascii", "https://äpp.example/cb", false},
		{"fail/bad-escape", "https://app.example/%zz", false},
		{"fail/dot-segment", "https://app.example/a/../cb", false},
		{"fail/dot-segment-single", "https://app.example/./cb", false},
		{"fail/dot-segment-encoded", "https://app.example/a/%2E%2e/cb", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateRegisteredRedirect(tc.uri)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateRegisteredRedirect(%q) = %v, want ok=%v", tc.uri, err, tc.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidRedirectURI) {
					t.Errorf("error %v does not wrap ErrInvalidRedirectURI", err)
				}
				if len(tc.uri) > 3 && strings.Contains(err.Error(), tc.uri) {
					t.Errorf("error quotes the URI: %v", err)
				}
			}
		})
	}
}

// TestRegisteredListValid keeps the matching table honest: every
// registered URI it uses passes registration.
func TestRegisteredListValid(t *testing.T) {
	for _, u := range clientRedirects {
		if err := ValidateRegisteredRedirect(u); err != nil {
			t.Errorf("ValidateRegisteredRedirect(%q) = %v", u, err)
		}
	}
}

// loopbackRE is the reference grammar of an RFC 8252 §7.3 loopback
// redirect URI: scheme http, an IP literal, an optional port, then the path
// and query.
var loopbackRE = regexp.MustCompile(`^http://(127\.0\.0\.1|\[::1\])(?::([0-9]+))?([/?].*)?$`)

// refLoopback is an independent reading of loopbackRE: the host, the
// port ("" if none) and the rest.
func refLoopback(s string) (host, port, rest string, ok bool) {
	m := loopbackRE.FindStringSubmatch(s)
	if m == nil {
		return "", "", "", false
	}
	host, port, rest = m[1], m[2], m[3]
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return "", "", "", false
		}
	}
	return host, port, rest, true
}

// refMatch is the reference matcher: exact membership, or a loopback URI
// equal to a registered loopback URI up to the port.
func refMatch(registered []string, requested string) bool {
	if requested == "" || strings.Contains(requested, "#") || len(requested) > MaxRedirectURILen {
		return false
	}
	if slices.Contains(registered, requested) {
		return true
	}
	qh, _, qr, ok := refLoopback(requested)
	if !ok {
		return false
	}
	for _, r := range registered {
		if rh, _, rr, ok := refLoopback(r); ok && rh == qh && rr == qr {
			return true
		}
	}
	return false
}

// FuzzMatchRedirect: MatchRedirect never panics; when it matches, it
// returns requested, and requested is registered or a loopback port
// variant of a registered loopback URI (checked by refMatch, an
// independent implementation); it agrees with refMatch both ways.
func FuzzMatchRedirect(f *testing.F) {
	for _, u := range clientRedirects {
		f.Add(u, u)
		f.Add(u, u+"x")
	}
	f.Add("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb")
	f.Add("http://[::1]:80/cb", "http://[::1]/cb")
	f.Add("http://127.0.0.1/cb", "http://127.0.0.1:51234@evil.example/cb")
	f.Add("http://127.0.0.1", "http://127.0.0.1:1")
	f.Add("https://app.example/cb", "https://app.example/cb#x")
	f.Fuzz(func(t *testing.T, registered, requested string) {
		list := []string{registered, "https://app.example/cb"}
		got, ok := MatchRedirect(list, requested)
		if ok && got != requested {
			t.Fatalf("MatchRedirect(%q, %q) = %q, want the requested URI", list, requested, got)
		}
		if !ok && got != "" {
			t.Fatalf("MatchRedirect returned %q with false", got)
		}
		if want := refMatch(list, requested); ok != want {
			t.Fatalf("MatchRedirect(%q, %q) = %v, reference %v", list, requested, ok, want)
		}
		if ok && strings.Contains(requested, "#") {
			t.Fatalf("matched a URI with a fragment: %q", requested)
		}
	})
}

// FuzzValidateRegisteredRedirect: it never panics; an accepted URI has no
// fragment, no user information, no wildcard, only URI characters, a
// lower-case scheme that is https, http on a loopback literal, or a
// private-use scheme with a dot; and it matches itself.
func FuzzValidateRegisteredRedirect(f *testing.F) {
	for _, u := range clientRedirects {
		f.Add(u)
	}
	for _, u := range []string{"http://localhost/cb", "javascript:alert(1)", "https://u@a.example/", "https://a.example/#", "com.x:y", "http://127.0.0.1:0/", "data:,x"} {
		f.Add(u)
	}
	schemeRE := regexp.MustCompile(`^([a-z][a-z0-9+.-]*):`)
	f.Fuzz(func(t *testing.T, uri string) {
		err := ValidateRegisteredRedirect(uri)
		if err != nil {
			if !errors.Is(err, ErrInvalidRedirectURI) {
				t.Fatalf("error %v does not wrap ErrInvalidRedirectURI", err)
			}
			return
		}
		if strings.ContainsAny(uri, "#*\\ \t\r\n\x00") || len(uri) > MaxRedirectURILen {
			t.Fatalf("accepted %q", uri)
		}
		m := schemeRE.FindStringSubmatch(uri)
		if m == nil {
			t.Fatalf("accepted %q without a lower-case scheme", uri)
		}
		switch scheme := m[1]; {
		case scheme == "https":
			if !strings.HasPrefix(uri, "https://") {
				t.Fatalf("accepted https URI without authority %q", uri)
			}
			authority, _, _ := strings.Cut(uri[len("https://"):], "/")
			authority, _, _ = strings.Cut(authority, "?")
			if strings.Contains(authority, "@") || authority == "" {
				t.Fatalf("accepted https URI with userinfo or no host %q", uri)
			}
		case scheme == "http":
			if _, _, _, ok := refLoopback(uri); !ok {
				t.Fatalf("accepted non-loopback http URI %q", uri)
			}
		case strings.Contains(scheme, "."):
			if !strings.HasPrefix(uri[len(scheme)+1:], "/") {
				t.Fatalf("accepted private-use URI without a path %q", uri)
			}
		default:
			t.Fatalf("accepted scheme %q", scheme)
		}
		if got, ok := MatchRedirect([]string{uri}, uri); !ok || got != uri {
			t.Fatalf("registered URI %q does not match itself", uri)
		}
	})
}
