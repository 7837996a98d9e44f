package token

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// Signer signs JWTs with one ES256 key and one "typ". Build it once per key
// and reuse it: it is safe for concurrent use and Sign allocates only what
// the serialised token needs.
type Signer struct {
	signer jose.Signer
}

// NewSigner returns a Signer for k whose tokens carry the protected header
// {"alg":"ES256","kid":k.ID,"typ":typ} (RFC 7515 §4.1, RFC 9068 §2.1).
// k.Key must be an ECDSA P-256 private key and k.ID must not be empty.
func NewSigner(k SigningKey, typ string) (*Signer, error) {
	if k.ID == "" {
		return nil, errors.New("token: signing key has no key id")
	}
	priv, ok := k.Key.(*ecdsa.PrivateKey)
	if !ok || priv == nil || priv.Curve != elliptic.P256() {
		return nil, errors.New("token: signing key is not an ECDSA P-256 private key")
	}
	if typ == "" {
		return nil, errors.New("token: empty typ")
	}
	s, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: priv, KeyID: k.ID}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)),
	)
	if err != nil {
		return nil, fmt.Errorf("token: build signer: %w", err)
	}
	return &Signer{signer: s}, nil
}

// Sign serialises claims as the JWT payload (encoding/json) and returns the
// compact JWS. It does not validate the claims: callers set iss, sub, aud,
// exp, iat and jti.
func (s *Signer) Sign(claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("token: encode claims: %w", err)
	}
	jws, err := s.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("token: serialise: %w", err)
	}
	return out, nil
}

// SignAccess signs an RFC 9068 JWT access token (header typ "at+jwt") with k.
// Callers issuing many tokens with the same key should keep a Signer from
// NewSigner(k, TypeAccess) instead.
func SignAccess(k SigningKey, c *AccessClaims) (string, error) {
	if c == nil {
		return "", errors.New("token: nil claims")
	}
	s, err := NewSigner(k, TypeAccess)
	if err != nil {
		return "", err
	}
	return s.Sign(c)
}

// SignIdentity signs a Rempart-Identity assertion (header typ
// "rempart-identity+jwt") with k.
func SignIdentity(k SigningKey, c *IdentityClaims) (string, error) {
	if c == nil {
		return "", errors.New("token: nil claims")
	}
	s, err := NewSigner(k, TypeIdentity)
	if err != nil {
		return "", err
	}
	return s.Sign(c)
}
