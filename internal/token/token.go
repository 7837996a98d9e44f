package token

import (
	"crypto"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// Header "typ" values.
const (
	TypeAccess   = "at+jwt"               // RFC 9068 §2.1
	TypeIdentity = "rempart-identity+jwt" // the Rempart-Identity assertion
)

// SigningKey is the private key that currently signs, with its key id.
type SigningKey struct {
	ID  string
	Key crypto.Signer // *ecdsa.PrivateKey on P-256 (ES256)
}

// KeyLookup finds a verification key by key id among Rempart's own keys.
type KeyLookup interface {
	VerificationKey(kid string) (crypto.PublicKey, error)
}

// AccessClaims are the claims of a JWT access token (RFC 9068 §2.2).
type AccessClaims struct {
	jwt.Claims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
}

// IdentityClaims are the claims of the Rempart-Identity assertion the
// gateway sends to an upstream (lifetime ≤ 60 s; aud = the API name).
type IdentityClaims struct {
	jwt.Claims
	ClientID string         `json:"client_id,omitempty"`
	Scope    string         `json:"scope,omitempty"`
	Act      map[string]any `json:"act,omitempty"`
}

// Verifier checks JWT access tokens: ES256 only, "typ" at+jwt, a kid known
// to Keys, no jwk/jku/x5u/x5c header, iss == Issuer, exp/nbf/iat within
// Leeway of Now. It does not check aud: the gateway does, per API.
type Verifier struct {
	Issuer string
	Keys   KeyLookup
	Leeway time.Duration    // clock skew tolerated; 0 means none
	Now    func() time.Time // nil means time.Now
}
