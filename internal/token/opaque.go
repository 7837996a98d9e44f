package token

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// Opaque handles (A3, D5, R7): the opaque access tokens, refresh tokens and
// authorization codes Rempart issues are a type prefix followed by the
// unpadded base64url encoding of HandleBytes random bytes from crypto/rand
// (256 bits of entropy), e.g. "rpo_" + 43 characters.
//
// Only a keyed hash of a handle is stored: callers hash the whole handle
// string, prefix included, with vault.Hash under the purpose of its kind
// (vault.PurposeOpaqueToken for "rpo_", vault.PurposeRefreshToken for
// "rpr_", an authorization-code purpose for "rpc_"), and look the hash up.
// ParseHandle checks the shape first, so the gateway and the authorization
// server refuse garbage (and tokens of the wrong kind) without a store
// lookup.
const (
	PrefixAccess  = "rpo_" // opaque access token
	PrefixRefresh = "rpr_" // refresh token
	PrefixCode    = "rpc_" // authorization code
)

// HandleBytes is the random part of a handle, in bytes (R7: ≥ 256 bits).
const HandleBytes = 32

// handleSecretLen is the length of the encoded random part: unpadded
// base64url of HandleBytes bytes (43).
const handleSecretLen = (HandleBytes*8 + 5) / 6

// knownPrefix reports whether p is one of the handle prefixes.
func knownPrefix(p string) bool {
	return p == PrefixAccess || p == PrefixRefresh || p == PrefixCode
}

// NewHandle returns a new handle of the kind prefix (PrefixAccess,
// PrefixRefresh or PrefixCode; any other prefix is refused).
func NewHandle(prefix string) (string, error) {
	return newHandle(rand.Reader, prefix)
}

// newHandle is NewHandle reading its randomness from r.
func newHandle(r io.Reader, prefix string) (string, error) {
	if !knownPrefix(prefix) {
		return "", fmt.Errorf("token: unknown handle prefix %q", prefix)
	}
	var b [HandleBytes]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("token: random: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// ParseHandle checks that raw has exactly the shape NewHandle(prefix)
// produces: the exact prefix, then 43 characters of the base64url alphabet
// that are the canonical encoding of 32 bytes. It never looks anything up;
// a nil error says only that the handle is worth a store lookup. Errors
// wrap ErrMalformed and never quote raw (R20). An unknown prefix is an
// error.
func ParseHandle(raw, prefix string) error {
	if !knownPrefix(prefix) {
		return fmt.Errorf("%w: unknown handle prefix", ErrMalformed)
	}
	secret, ok := strings.CutPrefix(raw, prefix)
	if !ok || len(secret) != handleSecretLen {
		return fmt.Errorf("%w: not a %s handle", ErrMalformed, prefix)
	}
	for i := 0; i < len(secret); i++ {
		c := secret[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%w: not a %s handle", ErrMalformed, prefix)
		}
	}
	var b [HandleBytes]byte
	n, err := base64.RawURLEncoding.Strict().Decode(b[:], []byte(secret))
	if err != nil || n != HandleBytes || base64.RawURLEncoding.EncodeToString(b[:]) != secret {
		return fmt.Errorf("%w: not a %s handle", ErrMalformed, prefix)
	}
	return nil
}

// HandlePrefix returns the prefix of raw when raw is a well-formed handle
// of any kind (ParseHandle accepts it), so an endpoint that receives a
// token of unknown type (introspection, revocation) can tell opaque access
// tokens, refresh tokens and codes apart before any lookup. ok is false
// for anything else, JWTs included.
func HandlePrefix(raw string) (prefix string, ok bool) {
	for _, p := range []string{PrefixAccess, PrefixRefresh, PrefixCode} {
		if ParseHandle(raw, p) == nil {
			return p, true
		}
	}
	return "", false
}
