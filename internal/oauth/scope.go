package oauth

import (
	"slices"
	"strings"
)

// Scope limits: a request whose scope parameter exceeds them is refused.
const (
	MaxScopes     = 64
	MaxScopeBytes = 4 << 10
)

// ParseScope parses a scope parameter (RFC 6749 §3.3): scope tokens
// separated by single spaces, each made of %x21 / %x23-5B / %x5D-7E. Empty
// tokens (leading, trailing or double spaces) are refused, duplicates are
// dropped (first occurrence kept), and at most MaxScopes tokens in
// MaxScopeBytes bytes are accepted. An empty s means no scope: nil, nil.
// Errors are fresh invalid_scope *Error values.
func ParseScope(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > MaxScopeBytes {
		return nil, InvalidScope("the scope parameter is too long")
	}
	var out []string
	n := 0
	for tok := range strings.SplitSeq(s, " ") {
		n++
		if n > MaxScopes {
			return nil, InvalidScope("too many scopes")
		}
		if !validScopeToken(tok) {
			return nil, InvalidScope("the scope parameter is malformed")
		}
		if !slices.Contains(out, tok) {
			out = append(out, tok)
		}
	}
	return out, nil
}

// validScopeToken reports whether tok is a non-empty scope-token
// (RFC 6749 §3.3: 1*( %x21 / %x23-5B / %x5D-7E )).
func validScopeToken(tok string) bool {
	if tok == "" {
		return false
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// FormatScope joins scopes into a scope parameter value (RFC 6749 §3.3).
func FormatScope(scopes []string) string { return strings.Join(scopes, " ") }
