package hygiene

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultCredentialParams are the query-parameter names refused on every
// request (R15). NewCredentialDetector adds the configured extras.
var DefaultCredentialParams = []string{"access_token", "api_key", "apikey", "key", "token", "client_secret", "password", "secret"}

// MalformedParam is what Find reports when a parameter name has an invalid
// percent-encoding: such a name is refused (fail closed) because upstream
// decoders disagree on it (IIS "%u0074oken", lenient decoders keeping "%zz").
const MalformedParam = "(malformed name)"

// maxDecodeRounds bounds the repeated percent-decoding of a name: some
// frameworks decode twice, so "acc%2565ss_token" must be seen as access_token.
const maxDecodeRounds = 4

// suffixMinLen: configured names at least this long (after squashing) also
// match as a suffix ("x-api-key", "new_password", "app_secret"); shorter
// ones ("key", "token") match exactly only, so "monkey" and "pageToken"
// stay allowed.
const suffixMinLen = 6

// CredentialDetector finds credential-like parameter names in a raw query
// string (R15). It is immutable and safe for concurrent use.
type CredentialDetector struct {
	names []credName // squashed form + the configured spelling reported by Find
}

type credName struct {
	squashed string
	name     string
}

// NewCredentialDetector returns a detector for DefaultCredentialParams plus
// extra (empty or duplicate entries are ignored).
func NewCredentialDetector(extra []string) *CredentialDetector {
	d := &CredentialDetector{}
	seen := map[string]bool{}
	for _, n := range append(append([]string(nil), DefaultCredentialParams...), extra...) {
		s := squash(n)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		d.names = append(d.names, credName{squashed: s, name: n})
	}
	return d
}

// Find reports whether rawQuery (r.URL.RawQuery, undecoded) carries a
// credential-like parameter. It returns the configured spelling of the
// matching name (or MalformedParam), never anything taken from the query,
// so the result is safe to log (R20). The value is never looked at.
//
// The rules, chosen to refuse rather than let an upstream framework find a
// credential Rempart did not see:
//   - Pairs are split on "&" and on ";" (some frameworks treat ";" as a
//     separator, so "a=1;token=x" is refused). A name without "=" counts.
//   - Names are percent-decoded ("+" is a space) up to four times, for
//     frameworks that decode twice; an invalid escape ("%zz", "%u0074")
//     makes the name MalformedParam.
//   - Names are compared squashed: lower case, ASCII letters and digits only,
//     non-ASCII letters folded to ASCII where Unicode case folding allows
//     ("ſ" → "s", "K" (Kelvin) → "k"), everything else dropped. So
//     "ACCESS_TOKEN", "access-token", "accessToken", "access.token",
//     " token " and "token[]" all match.
//   - The whole name and each of its parts split at "[", "]", ".", "=" are
//     checked, so nested names ("auth[token]", "user.password") match.
//   - A part matches a configured name when it is equal, equal to "x" plus
//     the name ("x-token"), or — for names of six characters or more — ends
//     with it ("x-api-key", "new_password", "app_secret"). Short names
//     ("key", "token") match exactly only: "monkey", "tokens_count",
//     "pageToken" and "sort_key" are allowed.
func (d *CredentialDetector) Find(rawQuery string) (param string, found bool) {
	for rawQuery != "" {
		var pair string
		if i := indexSeparator(rawQuery); i >= 0 {
			pair, rawQuery = rawQuery[:i], rawQuery[i+1:]
		} else {
			pair, rawQuery = rawQuery, ""
		}
		name, _, _ := strings.Cut(pair, "=")
		if name == "" {
			continue
		}
		dec, ok := decodeName(name)
		if !ok {
			return MalformedParam, true
		}
		if n, ok := d.match(dec); ok {
			return n, true
		}
	}
	return "", false
}

// indexSeparator is strings.IndexAny(q, "&;") without its per-call set
// construction.
func indexSeparator(q string) int {
	for i := 0; i < len(q); i++ {
		if q[i] == '&' || q[i] == ';' {
			return i
		}
	}
	return -1
}

// match checks the whole decoded name and each of its parts. Squashed
// forms are built in a stack buffer: a query of ordinary names costs no
// allocation.
func (d *CredentialDetector) match(dec string) (string, bool) {
	var buf [64]byte
	if n, ok := d.matchPart(squashAppend(buf[:0], dec)); ok {
		return n, true
	}
	if !strings.ContainsFunc(dec, isPartSep) {
		return "", false // the only part is the whole name, checked above
	}
	for part := range strings.FieldsFuncSeq(dec, isPartSep) {
		if n, ok := d.matchPart(squashAppend(buf[:0], part)); ok {
			return n, true
		}
	}
	return "", false
}

func (d *CredentialDetector) matchPart(s []byte) (string, bool) {
	if len(s) == 0 {
		return "", false
	}
	for _, c := range d.names {
		n := len(c.squashed)
		switch {
		case string(s) == c.squashed, len(s) == n+1 && s[0] == 'x' && string(s[1:]) == c.squashed:
			return c.name, true
		case n >= suffixMinLen && len(s) >= n && string(s[len(s)-n:]) == c.squashed:
			return c.name, true
		}
	}
	return "", false
}

func isPartSep(r rune) bool { return r == '[' || r == ']' || r == '.' || r == '=' }

// decodeName percent-decodes name repeatedly (at most maxDecodeRounds
// times) until it holds no "%"; ok is false on an invalid escape or when a
// "%" survives every round.
func decodeName(name string) (string, bool) {
	s := strings.ReplaceAll(name, "+", " ")
	for range maxDecodeRounds {
		if !strings.Contains(s, "%") {
			return s, true
		}
		var ok bool
		if s, ok = unescape(s); !ok {
			return "", false
		}
	}
	return s, !strings.Contains(s, "%")
}

// unescape decodes every %XX; ok is false when a "%" is not followed by two
// hex digits.
func unescape(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return "", false
		}
		b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
		i += 2
	}
	return b.String(), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// squash lower-cases s and keeps only ASCII letters and digits; a non-ASCII
// rune whose case-folding orbit holds an ASCII letter becomes that letter.
func squash(s string) string { return string(squashAppend(nil, s)) }

// squashAppend appends squash(s) to dst.
func squashAppend(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			r = asciiFold(r)
		}
		i += size
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			dst = append(dst, byte(r))
		case 'A' <= r && r <= 'Z':
			dst = append(dst, byte(r+'a'-'A'))
		}
	}
	return dst
}

// asciiFold returns the ASCII letter in r's simple case-folding orbit, or
// r itself.
func asciiFold(r rune) rune {
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return f
		}
	}
	return r
}
