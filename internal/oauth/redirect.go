package oauth

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Redirect URIs: what may be registered (RFC 6749 §3.1.2, RFC 8252 §7,
// §8.3, RFC 9700 §4.1) and how a requested redirect_uri is matched against
// the registered list (R9: exact string comparison, RFC 9700 §4.1.3, with
// only the RFC 8252 §7.3 loopback port relaxation).

// MaxRedirectURILen is the longest redirect URI accepted, in bytes.
const MaxRedirectURILen = 2000

// ErrInvalidRedirectURI is wrapped by every ValidateRegisteredRedirect
// error. The text after it is a fixed explanation meant for the person
// registering the client; it never quotes the URI.
var ErrInvalidRedirectURI = errors.New("invalid redirect URI")

// Loopback IP literals a native app may register with http (RFC 8252 §7.3).
// The name "localhost" is not one of them (RFC 8252 §8.3): it can resolve
// elsewhere, and it is refused.
const (
	loopbackV4 = "127.0.0.1"
	loopbackV6 = "[::1]"
)

// ValidateRegisteredRedirect checks a redirect URI a client wants to
// register. It accepts, with no fragment ("#", even empty; RFC 6749
// §3.1.2), no user information, no "*" (no wildcards), no dot segment in
// the path, and only characters RFC 3986 allows:
//   - https with a host (RFC 9700 §4.1, RFC 8252 §8.4 claimed https);
//   - http only on the loopback IP literals 127.0.0.1 and [::1], with or
//     without a port (RFC 8252 §7.3); "localhost" and other names are
//     refused (RFC 8252 §8.3);
//   - a private-use scheme containing a dot for native apps, in
//     reverse-DNS form such as "com.example.app:/cb" (RFC 8252 §7.1).
//
// The scheme must be lower case. javascript:, data:, file:, vbscript: and
// every other scheme are refused. Errors wrap ErrInvalidRedirectURI.
func ValidateRegisteredRedirect(uri string) error {
	bad := func(msg string) error { return fmt.Errorf("%w: %s", ErrInvalidRedirectURI, msg) }
	switch {
	case uri == "":
		return bad("it is empty")
	case len(uri) > MaxRedirectURILen:
		return bad("it is too long")
	case strings.Contains(uri, "#"):
		return bad("it must not have a fragment")
	case strings.Contains(uri, "*"):
		return bad("it must not contain a wildcard")
	case !uriChars(uri):
		return bad("it contains a character not allowed in a URI")
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return bad("it must be an absolute URI")
	}
	if !strings.HasPrefix(uri, u.Scheme+":") { // url.Parse lower-cases the scheme
		return bad("its scheme must be lower case")
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return bad("it must not carry user information")
	}
	if u.Opaque != "" {
		return bad("it must have a path starting with \"/\" after the scheme")
	}
	if hasDotSegment(u.EscapedPath()) {
		return bad("its path must not contain \".\" or \"..\" segments")
	}
	switch u.Scheme {
	case "https":
		if u.Hostname() == "" {
			return bad("an https redirect URI needs a host")
		}
	case "http":
		if !strings.HasPrefix(uri, "http://") {
			return bad("an http redirect URI needs a host")
		}
		if _, _, ok := splitLoopback(uri); !ok {
			return bad("http is allowed only on the loopback IP literals 127.0.0.1 and [::1] (not localhost); use https")
		}
	case "javascript", "data", "file", "vbscript", "blob", "about", "filesystem":
		return bad("scheme " + u.Scheme + " is not allowed")
	default:
		if !strings.Contains(u.Scheme, ".") {
			return bad("a private-use scheme must be in reverse domain name form, like com.example.app")
		}
		if !strings.HasPrefix(uri[len(u.Scheme)+1:], "/") {
			return bad("it must have a path starting with \"/\" after the scheme")
		}
	}
	return nil
}

// MatchRedirect finds requested among a client's registered redirect URIs
// and returns the URI to redirect to (requested itself) and true, or "" and
// false. Matching is simple string comparison (R9, RFC 6749 §3.1.2.3,
// RFC 9700 §4.1.3): no case folding, no percent-decoding, no default-port
// equivalence, no trailing-slash tolerance, no query merging.
//
// The one exception is RFC 8252 §7.3: when a registered URI is
// "http://127.0.0.1…" or "http://[::1]…" (a native app's loopback
// redirect, with or without a port), a requested URI with the same scheme,
// the same IP literal and the same path and query but any port 1–65535
// (decimal, no leading zero) or no port matches. https loopback URIs and
// private-use schemes match exactly only.
//
// The registered list is trusted (checked by ValidateRegisteredRedirect at
// registration); requested is not. A requested URI that is empty, too long
// or has a fragment never matches.
func MatchRedirect(registered []string, requested string) (string, bool) {
	if requested == "" || len(requested) > MaxRedirectURILen || strings.Contains(requested, "#") {
		return "", false
	}
	for _, r := range registered {
		if r == requested {
			return requested, true
		}
	}
	host, rest, ok := splitLoopback(requested)
	if !ok {
		return "", false
	}
	for _, r := range registered {
		rh, rr, ok := splitLoopback(r)
		if ok && rh == host && rr == rest {
			return requested, true
		}
	}
	return "", false
}

// splitLoopback splits an "http://" URI on a loopback IP literal into the
// literal and what follows the optional port (path and query, "" or
// starting with "/" or "?"). ok is false for anything else, including a
// port that is empty, zero, above 65535 or has a leading zero, and a host
// followed by anything but ":", "/", "?" or the end (so
// "http://127.0.0.1@evil.example/" and "http://127.0.0.1.evil.example/"
// are not loopback URIs).
func splitLoopback(uri string) (host, rest string, ok bool) {
	s, ok := strings.CutPrefix(uri, "http://")
	if !ok {
		return "", "", false
	}
	switch {
	case strings.HasPrefix(s, loopbackV4):
		host = loopbackV4
	case strings.HasPrefix(s, loopbackV6):
		host = loopbackV6
	default:
		return "", "", false
	}
	s = s[len(host):]
	if p, ok := strings.CutPrefix(s, ":"); ok {
		n := 0
		for n < len(p) && p[n] >= '0' && p[n] <= '9' {
			n++
		}
		if !validPort(p[:n]) {
			return "", "", false
		}
		s = p[n:]
	}
	if s != "" && s[0] != '/' && s[0] != '?' {
		return "", "", false
	}
	return host, s, true
}

// validPort reports whether p is a decimal port 1–65535 without a leading
// zero.
func validPort(p string) bool {
	if p == "" || len(p) > 5 || p[0] == '0' {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		n = n*10 + int(p[i]-'0')
	}
	return n <= 65535
}

// hasDotSegment reports whether an escaped path has a "." or ".." segment,
// literal or percent-encoded ("%2e", RFC 3986 §2.3: it is the same
// character).
func hasDotSegment(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		seg = strings.ReplaceAll(strings.ToLower(seg), "%2e", ".")
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// uriChars reports whether s holds only characters RFC 3986 §2 allows in a
// URI (unreserved, reserved and "%"), so spaces, controls, backslashes,
// quotes, "<", ">", "^", "`", "{", "|", "}" and non-ASCII bytes are refused.
func uriChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || strings.IndexByte(":/?#[]@!$&'()*+,;=%", c) >= 0 {
			continue
		}
		return false
	}
	return true
}
