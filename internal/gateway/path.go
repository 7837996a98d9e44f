package gateway

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxPathLen is the longest raw request path the gateway accepts, in bytes.
const MaxPathLen = 8 << 10

// ErrPath is wrapped by every normalizePath error; the caller gets a generic
// 400, the detail goes to the log.
var ErrPath = errors.New("gateway: path refused")

// normalizePath returns the canonical form of an escaped request path, or an
// error wrapping ErrPath. The canonical form is what routing matches AND what
// the upstream receives, so no path can be routed one way and interpreted
// another way behind the gateway.
//
// Refused: a path that does not start with "/", is longer than MaxPathLen,
// or contains a backslash (raw or %5C), an encoded slash (%2F), a control
// byte (raw or encoded, < 0x20 or 0x7F), a ";" (raw or %3B: no path
// parameters, so no "/orders;x=1/../admin" tricks), an invalid
// percent-encoding, a double encoding ("%25" followed by two hex digits), a
// percent-encoded byte sequence that is not valid UTF-8 (no overlong "/"),
// a segment made only of dots with an encoded dot in it ("%2e%2e"), or a
// ".." that would climb above the root.
//
// Rewritten (RFC 3986 §6.2.2): percent-encodings of unreserved characters
// (ALPHA DIGIT "-" "." "_" "~") are decoded (§2.3), the remaining ones use
// upper-case hex (§6.2.2.1); a byte that may not appear raw in a path (space,
// '"', '{', non-ASCII, …) is percent-encoded; "." and ".." segments are
// removed (§5.2.4) and runs of "/" collapse to one. A trailing "/" is kept:
// "/orders/" and "/orders" stay different paths. Letter case is kept:
// paths are case-sensitive.
func normalizePath(raw string) (string, error) {
	if len(raw) == 0 || raw[0] != '/' {
		return "", fmt.Errorf("%w: not an absolute path", ErrPath)
	}
	if len(raw) > MaxPathLen {
		return "", fmt.Errorf("%w: longer than %d bytes", ErrPath, MaxPathLen)
	}
	if isCanonicalFast(raw) {
		return raw, nil
	}
	return normalizeSlow(raw)
}

// isCanonicalFast reports whether raw is already canonical without any
// rewriting: only characters allowed raw, no "%", no "//" and no segment
// starting with ".". Most real paths take this allocation-free route.
func isCanonicalFast(raw string) bool {
	prev := byte(0)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !keepRaw(c) {
			return false
		}
		if prev == '/' && (c == '/' || c == '.') {
			return false
		}
		prev = c
	}
	return true
}

// normalizeSlow canonicalises raw segment by segment and resolves dot
// segments on a stack.
func normalizeSlow(raw string) (string, error) {
	var (
		stack    []string // canonical segments of the result
		trailing bool     // result ends with "/"
		dec      []byte   // scratch: the decoded bytes of one segment
	)
	rest := raw[1:]
	for {
		seg, after, more := strings.Cut(rest, "/")
		canon, decoded, encodedDot, err := canonicalSegment(seg, dec[:0])
		if err != nil {
			return "", err
		}
		dec = decoded
		if encodedDot && onlyDots(decoded) {
			return "", fmt.Errorf("%w: encoded dot segment", ErrPath)
		}
		trailing = false
		switch canon {
		case "":
			trailing = true // "//" collapses; a final empty segment is a trailing "/"
		case ".":
			trailing = true
		case "..":
			if len(stack) == 0 {
				return "", fmt.Errorf("%w: climbs above the root", ErrPath)
			}
			stack = stack[:len(stack)-1]
			trailing = true
		default:
			stack = append(stack, canon)
		}
		if !more {
			break
		}
		rest = after
	}
	if len(stack) == 0 {
		return "/", nil
	}
	var b strings.Builder
	n := len(stack) + 1
	for _, s := range stack {
		n += len(s)
	}
	b.Grow(n)
	for _, s := range stack {
		b.WriteByte('/')
		b.WriteString(s)
	}
	if trailing {
		b.WriteByte('/')
	}
	return b.String(), nil
}

// canonicalSegment rewrites one path segment (no "/" in it) to canonical
// form. It returns the canonical text, the decoded bytes (appended to dec),
// and whether any "." came from a percent-encoding.
func canonicalSegment(seg string, dec []byte) (string, []byte, bool, error) {
	if seg == "" {
		return "", dec, false, nil
	}
	var (
		b          []byte // nil while the output equals seg[:i]
		encodedDot bool
	)
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case c == '%':
			if i+2 >= len(seg) {
				return "", nil, false, fmt.Errorf("%w: truncated percent-encoding", ErrPath)
			}
			hi, ok1 := unhex(seg[i+1])
			lo, ok2 := unhex(seg[i+2])
			if !ok1 || !ok2 {
				return "", nil, false, fmt.Errorf("%w: invalid percent-encoding", ErrPath)
			}
			v := hi<<4 | lo
			if err := refusedByte(v, true); err != nil {
				return "", nil, false, err
			}
			switch {
			case unreserved(v):
				b = startCopy(b, seg, i)
				b = append(b, v)
				encodedDot = encodedDot || v == '.'
			case seg[i+1] != upperHex[v>>4] || seg[i+2] != upperHex[v&0xf]:
				b = startCopy(b, seg, i)
				b = append(b, '%', upperHex[v>>4], upperHex[v&0xf])
			case b != nil:
				b = append(b, seg[i:i+3]...)
			}
			dec = append(dec, v)
			i += 2
		case keepRaw(c):
			if b != nil {
				b = append(b, c)
			}
			dec = append(dec, c)
		default:
			if err := refusedByte(c, false); err != nil {
				return "", nil, false, err
			}
			b = startCopy(b, seg, i)
			b = append(b, '%', upperHex[c>>4], upperHex[c&0xf])
			dec = append(dec, c)
		}
	}
	if !utf8.Valid(dec) {
		return "", nil, false, fmt.Errorf("%w: not UTF-8", ErrPath)
	}
	out := seg
	if b != nil {
		out = string(b)
	}
	if hasDoubleEncoding(out) {
		return "", nil, false, fmt.Errorf("%w: double percent-encoding", ErrPath)
	}
	return out, dec, encodedDot, nil
}

// startCopy returns b, or when b is nil a new buffer holding seg[:i]: the
// output diverges from seg at i.
func startCopy(b []byte, seg string, i int) []byte {
	if b != nil {
		return b
	}
	return append(make([]byte, 0, len(seg)+len(seg)/2+8), seg[:i]...)
}

// refusedByte reports why byte c (decoded from a percent-encoding when
// encoded is true) may not appear in a path, or nil.
func refusedByte(c byte, encoded bool) error {
	switch {
	case c < 0x20 || c == 0x7f:
		return fmt.Errorf("%w: control character", ErrPath)
	case c == '\\':
		return fmt.Errorf("%w: backslash", ErrPath)
	case c == ';':
		return fmt.Errorf("%w: path parameter", ErrPath)
	case c == '/' && encoded:
		return fmt.Errorf("%w: encoded slash", ErrPath)
	}
	return nil
}

// hasDoubleEncoding reports whether s contains "%25" followed by two hex
// digits: an upstream that decodes twice would see another character.
func hasDoubleEncoding(s string) bool {
	for i := strings.Index(s, "%25"); i >= 0; {
		if i+4 < len(s) {
			_, ok1 := unhex(s[i+3])
			_, ok2 := unhex(s[i+4])
			if ok1 && ok2 {
				return true
			}
		}
		j := strings.Index(s[i+3:], "%25")
		if j < 0 {
			break
		}
		i += 3 + j
	}
	return false
}

// onlyDots reports whether b is non-empty and made only of '.'.
func onlyDots(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c != '.' {
			return false
		}
	}
	return true
}

// unreserved reports RFC 3986 §2.3 unreserved characters.
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// keepRaw reports the characters a canonical path carries unencoded:
// unreserved, sub-delims except ";", ":", "@" and "/" (RFC 3986 §3.3 pchar).
func keepRaw(c byte) bool { return keepRawTable[c] }

// keepRawTable is keepRaw as a table (built once, never written): the
// fast path scans every byte of every request path.
var keepRawTable = func() (t [256]bool) {
	for c := range 256 {
		t[c] = unreserved(byte(c))
	}
	for _, c := range []byte("/:@!$&'()*+,=") {
		t[c] = true
	}
	return t
}()

const upperHex = "0123456789ABCDEF"

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
