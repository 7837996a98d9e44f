package authserver

import (
	"fmt"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/users"
)

// signIDToken signs the ID token of a redeemed code (OIDC Core §2,
// §3.1.3.6): iss, sub (the user id), aud (the client id, and azp), iat,
// exp (no later than the access token's), auth_time, nonce, amr, acr,
// at_hash, a random jti, and preferred_username / email with the profile /
// email scopes. Its header typ is "JWT", which the gateway refuses as an
// access token (token.TypeID). Any failure is server_error: no token is
// handed out (D2).
func (s *Server) signIDToken(c Client, code Code, u users.User, scope []string, accessToken string, now time.Time) (string, error) {
	k, err := s.keys.SigningKey()
	if err != nil {
		return "", oauth.ServerError("").WithErr(fmt.Errorf("signing key: %w", err))
	}
	jti, err := uuid.NewRandom()
	if err != nil {
		return "", oauth.ServerError("").WithErr(fmt.Errorf("jti: %w", err))
	}
	claims := &token.IDClaims{
		Claims: jwt.Claims{
			Issuer: s.issuer, Subject: code.Subject, Audience: jwt.Audience{c.ID},
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(s.ttl)), ID: jti.String(),
		},
		Nonce:    code.Nonce,
		AuthTime: jwt.NewNumericDate(code.AuthTime),
		AMR:      slices.Clone(code.AMR),
		ACR:      code.ACR,
		AZP:      c.ID,
		AtHash:   token.AtHash(accessToken),
	}
	if err := s.addUserClaims(claims, u, scope); err != nil {
		return "", oauth.ServerError("").WithErr(err)
	}
	raw, err := token.SignID(k, claims)
	if err != nil {
		return "", oauth.ServerError("").WithErr(err)
	}
	return raw, nil
}

// addUserClaims adds the standard claims the scope allows (OIDC Core
// §5.4): preferred_username with profile, email and email_verified with
// email (false: Rempart does not verify addresses).
func (s *Server) addUserClaims(c *token.IDClaims, u users.User, scope []string) error {
	if slices.Contains(scope, ScopeProfile) {
		c.PreferredUsername = u.Username
	}
	if slices.Contains(scope, ScopeEmail) {
		email, err := s.browser.accounts.Email(u)
		if err != nil {
			return fmt.Errorf("user e-mail: %w", err)
		}
		if email != "" {
			verified := false
			c.Email, c.EmailVerified = email, &verified
		}
	}
	return nil
}
