package gateway

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rempart/rempart/internal/token"
)

// cacheEntry is one successful verification: the claims the gateway needs,
// pre-parsed, and the per-API Rempart-Identity assertions signed for it.
// Immutable except for ident.
type cacheEntry struct {
	claims *token.AccessClaims
	exp    time.Time // never used at or after exp
	scopes []string  // the token's space-separated "scope"
	ident  []atomic.Pointer[assertion]
}

var errNoExpiry = errors.New("gateway: token without exp or jti")

func newEntry(c *token.AccessClaims, nAPIs int) (*cacheEntry, error) {
	if c == nil || c.Expiry == nil || c.ID == "" {
		return nil, errNoExpiry
	}
	return &cacheEntry{
		claims: c,
		exp:    c.Expiry.Time(),
		scopes: strings.Fields(c.Scope),
		ident:  make([]atomic.Pointer[assertion], nAPIs),
	}, nil
}

// authenticate checks the request's bearer token (RFC 6750 §2.1). A token
// already verified is taken from the cache, but its expiry and revocation
// are checked on every request (R3): the cache saves the signature check,
// never a decision.
func (g *Gateway) authenticate(r *http.Request, now time.Time) (*cacheEntry, *failure) {
	raw, err := bearerToken(r.Header["Authorization"])
	switch {
	case errors.Is(err, errNoCredential):
		return nil, unauthorized(challengeBearer, "missing", err)
	case errors.Is(err, errBasic):
		return nil, unauthorized(challengeBearer, "basic_refused", err)
	case errors.Is(err, errOtherScheme):
		return nil, unauthorized(challengeBearer, "unsupported_scheme", err)
	case err != nil:
		return nil, &failure{status: http.StatusBadRequest, challenge: challengeInvalidRequest,
			reason: "invalid_request", auth: true, err: err}
	}
	e := g.cache.get(raw, now)
	if e == nil {
		claims, err := g.verifier.VerifyAccess(raw)
		if err != nil {
			return nil, unauthorized(challengeInvalidToken, token.Reason(err), err)
		}
		if e, err = newEntry(claims, g.nAPIs); err != nil {
			return nil, unauthorized(challengeInvalidToken, "claims", err)
		}
		if now.Before(e.exp) {
			g.cache.put(raw, e, now)
		}
	}
	if !now.Before(e.exp) {
		return nil, unauthorized(challengeInvalidToken, "expired", token.ErrExpired)
	}
	if g.revoked != nil && g.revoked(e.claims.ID) {
		return nil, unauthorized(challengeInvalidToken, "revoked", errors.New("gateway: token revoked"))
	}
	return e, nil
}

// authorize checks that the token is meant for this API (RFC 9068 §4: aud)
// and carries every scope the route requires (RFC 6750 §3.1).
func authorize(e *cacheEntry, rt *route) *failure {
	if !slices.Contains(e.claims.Audience, rt.api.name) {
		return unauthorized(challengeInvalidToken, "audience", errors.New("gateway: token audience does not name this API"))
	}
	for _, s := range rt.scopes {
		if !slices.Contains(e.scopes, s) {
			return &failure{status: http.StatusForbidden, challenge: rt.challenge,
				reason: "insufficient_scope", auth: true, err: errors.New("gateway: missing scope " + s)}
		}
	}
	return nil
}
