package authserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/store"
)

// AssertionTypeJWTBearer is the client_assertion_type of private_key_jwt
// (RFC 7523 §2.2).
const AssertionTypeJWTBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Client assertion limits.
const (
	maxAssertionSize     = 8 << 10         // bytes, checked before any decoding
	maxAssertionLifetime = 5 * time.Minute // exp at most this far ahead
	maxAssertionJTILen   = 256
)

// Internal causes of client assertion failures (logged, never sent).
var (
	errAssertionType       = errors.New("client_assertion_type is not jwt-bearer")
	errAssertionMalformed  = errors.New("client assertion is not a compact JWS")
	errAssertionAlg        = errors.New("client assertion alg not allowed")
	errAssertionHeader     = errors.New("client assertion header member not allowed")
	errAssertionIssuer     = errors.New("client assertion iss/sub/client_id mismatch")
	errAssertionUnknownKey = errors.New("no registered key matches the client assertion")
	errAssertionSignature  = errors.New("client assertion signature does not verify")
	errAssertionAudience   = errors.New("client assertion aud is not this server")
	errAssertionExpired    = errors.New("client assertion expired or without exp")
	errAssertionLifetime   = errors.New("client assertion exp too far ahead")
	errAssertionNotYet     = errors.New("client assertion iat or nbf in the future")
	errAssertionJTI        = errors.New("client assertion jti missing or too long")
	errAssertionReplay     = errors.New("client assertion jti replayed")
	errStoredJWKS          = errors.New("client's registered JWK set is unusable")
)

// allowedAssertionHeaders are the protected header members a client
// assertion may carry. A key named in the token itself (jwk, jku, x5u,
// x5c) is refused, never trusted or fetched (D7); so are crit and every
// other extension (RFC 8725 §3.10). x5t and x5t#S256 only name a key and
// are ignored.
var allowedAssertionHeaders = []string{"alg", "kid", "typ", "x5t", "x5t#S256"}

// assertionTypes are the accepted "typ" values, when present.
var assertionTypes = []string{"JWT", "jwt", "client-authentication+jwt", "application/client-authentication+jwt"}

// clientAssertion is a parsed, not yet verified client assertion.
type clientAssertion struct {
	tok    *jwt.JSONWebToken
	alg    string
	kid    string
	claims jwt.Claims // unverified: used only to find the client
}

// parseClientAssertion checks the shape and header of a client assertion
// and parses it with go-jose, without verifying it. It is pure and never
// panics (FuzzClientAssertion).
func parseClientAssertion(raw string) (clientAssertion, error) {
	if raw == "" || len(raw) > maxAssertionSize || strings.Count(raw, ".") != 2 {
		return clientAssertion{}, errAssertionMalformed
	}
	alg, kid, err := checkAssertionHeader(raw[:strings.IndexByte(raw, '.')])
	if err != nil {
		return clientAssertion{}, err
	}
	tok, err := jwt.ParseSigned(raw, assertionAlgs)
	if err != nil {
		// go-jose's text may quote the input: only the sentinel is kept.
		return clientAssertion{}, errAssertionMalformed
	}
	if len(tok.Headers) != 1 || tok.Headers[0].Algorithm != alg || tok.Headers[0].KeyID != kid ||
		tok.Headers[0].JSONWebKey != nil {
		return clientAssertion{}, errAssertionHeader
	}
	a := clientAssertion{tok: tok, alg: alg, kid: kid}
	if err := tok.UnsafeClaimsWithoutVerification(&a.claims); err != nil {
		return clientAssertion{}, errAssertionMalformed
	}
	return a, nil
}

// checkAssertionHeader decodes the protected header (base64url JSON
// object) and checks its members against allowedAssertionHeaders and its
// alg against assertionAlgs, before go-jose parses the token.
func checkAssertionHeader(seg string) (alg, kid string, err error) {
	hb, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		return "", "", errAssertionMalformed
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(hb, &members); err != nil || members == nil {
		return "", "", errAssertionMalformed
	}
	for name := range members {
		if !slices.Contains(allowedAssertionHeaders, name) {
			return "", "", errAssertionHeader
		}
	}
	if err := json.Unmarshal(members["alg"], &alg); err != nil || !slices.Contains(assertionAlgNames, alg) {
		return "", "", errAssertionAlg
	}
	if v, ok := members["kid"]; ok {
		if err := json.Unmarshal(v, &kid); err != nil || kid == "" {
			return "", "", errAssertionHeader
		}
	}
	if v, ok := members["typ"]; ok {
		var typ string
		if err := json.Unmarshal(v, &typ); err != nil || !slices.Contains(assertionTypes, typ) {
			return "", "", errAssertionHeader
		}
	}
	return alg, kid, nil
}

// assertionIssuer returns the unverified iss of a client assertion, or ""
// (it only names the jail key of the attempt).
func assertionIssuer(raw string) string {
	a, err := parseClientAssertion(raw)
	if err != nil {
		return ""
	}
	return a.claims.Issuer
}

// authenticateAssertion authenticates a client by private_key_jwt
// (RFC 7523 §2.2, §3; RFC 7521 §4.2): iss == sub == the client id (and the
// client_id parameter, when sent), a signature by a key of the client's
// registered JWK set only (D7) with an allow-listed algorithm, aud naming
// this server's token endpoint or issuer, exp required and at most 5 min
// ahead, iat and nbf not in the future, and a jti never seen before for
// this client (replay, recorded until exp). Every failure is the same
// invalid_client.
func (s *Server) authenticateAssertion(ctx context.Context, cr clientCredentials) (Client, error) {
	if cr.assertionType != AssertionTypeJWTBearer {
		return Client{}, oauth.InvalidClient("").WithErr(errAssertionType)
	}
	a, err := parseClientAssertion(cr.assertion)
	if err != nil {
		return Client{}, oauth.InvalidClient("").WithErr(err)
	}
	id := a.claims.Subject
	if id == "" || a.claims.Issuer != id || (cr.id != "" && cr.id != id) {
		return Client{}, oauth.InvalidClient("").WithErr(errAssertionIssuer)
	}
	if len(id) > maxClientIDLen {
		return Client{}, oauth.InvalidClient("").WithErr(errUnknownClient)
	}
	c, err := s.clients.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Client{}, oauth.InvalidClient("").WithErr(errUnknownClient)
	}
	if err != nil {
		return Client{}, oauth.ServerError("").WithErr(err)
	}
	if c.AuthMethod != AuthPrivateKeyJWT {
		return Client{}, oauth.InvalidClient("").WithErr(errWrongMethod)
	}
	keys, err := parseJWKS(c.JWKS)
	if err != nil {
		return Client{}, oauth.InvalidClient("").WithErr(fmt.Errorf("%w: %w", errStoredJWKS, err))
	}
	claims, err := a.verify(keys)
	if err != nil {
		return Client{}, oauth.InvalidClient("").WithErr(err)
	}
	if err := s.checkAssertionClaims(claims, s.now()); err != nil {
		return Client{}, oauth.InvalidClient("").WithErr(err)
	}
	if s.tokens == nil {
		return Client{}, oauth.ServerError("").WithErr(errNoTokenStore)
	}
	err = s.tokens.UseClientAssertion(ctx, c.ID, claims.ID, claims.Expiry.Time())
	if errors.Is(err, store.ErrAlreadyUsed) {
		return Client{}, oauth.InvalidClient("").WithErr(errAssertionReplay)
	}
	if err != nil {
		return Client{}, oauth.ServerError("").WithErr(fmt.Errorf("record client assertion: %w", err))
	}
	return c, nil
}

// verify checks the signature with the registered keys that may have made
// it (the kid's, or every key when the header names none) and returns the
// verified claims.
func (a clientAssertion) verify(keys []jose.JSONWebKey) (jwt.Claims, error) {
	tried := false
	for _, k := range keys {
		if (a.kid != "" && k.KeyID != a.kid) || !keyVerifies(k, a.alg) {
			continue
		}
		tried = true
		var c jwt.Claims
		if err := a.tok.Claims(k.Key, &c); err == nil {
			return c, nil
		}
	}
	if !tried {
		return jwt.Claims{}, errAssertionUnknownKey
	}
	return jwt.Claims{}, errAssertionSignature
}

// checkAssertionClaims checks aud, exp, nbf, iat and jti (RFC 7523 §3),
// tolerating verifyLeeway of clock skew for nbf and iat.
func (s *Server) checkAssertionClaims(c jwt.Claims, now time.Time) error {
	if !c.Audience.Contains(s.endpoint("/token")) && !c.Audience.Contains(s.issuer) {
		return errAssertionAudience
	}
	if c.Expiry == nil || !now.Before(c.Expiry.Time()) {
		return errAssertionExpired
	}
	if c.Expiry.Time().After(now.Add(maxAssertionLifetime)) {
		return errAssertionLifetime
	}
	if c.NotBefore != nil && now.Add(verifyLeeway).Before(c.NotBefore.Time()) {
		return errAssertionNotYet
	}
	if c.IssuedAt != nil && now.Add(verifyLeeway).Before(c.IssuedAt.Time()) {
		return errAssertionNotYet
	}
	if c.ID == "" || len(c.ID) > maxAssertionJTILen {
		return errAssertionJTI
	}
	return nil
}
