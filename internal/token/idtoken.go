package token

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4/jwt"
)

// TypeID is the header "typ" of an OpenID Connect ID token. It differs from
// TypeAccess, so VerifyAccess refuses an ID token presented as an access
// token (RFC 8725 §3.11, RFC 9068 §4).
const TypeID = "JWT"

// IDClaims are the claims of an OpenID Connect ID token (OIDC Core 1.0 §2,
// §5.1 for the standard profile claims). iss, sub, aud, exp and iat are
// required (SignID checks them); the rest is set as the flow requires.
type IDClaims struct {
	jwt.Claims
	// Nonce echoes the authentication request's nonce (OIDC Core §3.1.2.1).
	Nonce string `json:"nonce,omitempty"`
	// AuthTime is when the user authenticated (OIDC Core §2).
	AuthTime *jwt.NumericDate `json:"auth_time,omitempty"`
	// AMR lists the authentication methods used, e.g. "pwd", "otp"
	// (RFC 8176).
	AMR []string `json:"amr,omitempty"`
	// ACR is the authentication context class satisfied.
	ACR string `json:"acr,omitempty"`
	// AZP is the authorized party: the client id, when aud has others.
	AZP string `json:"azp,omitempty"`
	// AtHash is AtHash(access token) when one is issued alongside
	// (OIDC Core §3.1.3.6).
	AtHash string `json:"at_hash,omitempty"`
	// Email, EmailVerified and PreferredUsername are standard claims
	// (OIDC Core §5.1), present only with the matching scope.
	Email             string `json:"email,omitempty"`
	EmailVerified     *bool  `json:"email_verified,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
}

// SignID signs an ID token (header typ "JWT", ES256) with k. It refuses
// claims without iss, sub, aud, exp or iat (OIDC Core §2: required), so a
// half-built token is never issued. Callers issuing many tokens with the
// same key may keep a Signer from NewSigner(k, TypeID) instead.
func SignID(k SigningKey, c *IDClaims) (string, error) {
	if c == nil {
		return "", errors.New("token: nil claims")
	}
	switch {
	case c.Issuer == "":
		return "", fmt.Errorf("%w: ID token without iss", ErrClaims)
	case c.Subject == "":
		return "", fmt.Errorf("%w: ID token without sub", ErrClaims)
	case len(c.Audience) == 0:
		return "", fmt.Errorf("%w: ID token without aud", ErrClaims)
	case c.Expiry == nil:
		return "", fmt.Errorf("%w: ID token without exp", ErrClaims)
	case c.IssuedAt == nil:
		return "", fmt.Errorf("%w: ID token without iat", ErrClaims)
	}
	s, err := NewSigner(k, TypeID)
	if err != nil {
		return "", err
	}
	return s.Sign(c)
}

// AtHash returns the at_hash of accessToken for an ES256 ID token: the
// base64url encoding (no padding) of the left-most half of the SHA-256 hash
// of its ASCII octets (OIDC Core §3.1.3.6; SHA-256 because ES256 uses it).
func AtHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:sha256.Size/2])
}
