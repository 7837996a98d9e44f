package gateway

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rempart/rempart/internal/token"
)

// cacheEntry is one successful verification: the claims the gateway needs,
// pre-parsed, and the per-API Rempart-Identity assertions signed for it.
// Immutable except for ident and the lazily built policy claims. An API
// key's identity holder is a cacheEntry too (apikey.go).
type cacheEntry struct {
	claims    *token.AccessClaims
	exp       time.Time // never used at or after exp
	scopes    []string  // the token's space-separated "scope"
	principal string    // jail and rate-limit key: "client:<id>" or "apikey:<id>"
	userKey   string    // rate-limit key by user: "user:<sub>"; "" for an API key
	ident     []atomic.Pointer[assertion]

	policyOnce   sync.Once
	policyClaims map[string]any // the token as policies see it (read-only once built)
}

var (
	errNoExpiry      = errors.New("gateway: token without exp or jti")
	errClientRevoked = errors.New("gateway: token of a revoked client")
)

func newEntry(c *token.AccessClaims, nAPIs int) (*cacheEntry, error) {
	if c == nil || c.Expiry == nil || c.ID == "" {
		return nil, errNoExpiry
	}
	e := &cacheEntry{
		claims: c,
		exp:    c.Expiry.Time(),
		scopes: strings.Fields(c.Scope),
		ident:  make([]atomic.Pointer[assertion], nAPIs),
	}
	if c.ClientID != "" {
		e.principal = "client:" + c.ClientID
	}
	if c.Subject != "" {
		e.userKey = "user:" + c.Subject
	}
	return e, nil
}

// authenticate checks the request's bearer token (RFC 6750 §2.1) and that
// it is meant for this API (RFC 9068 §4: aud). A token already verified is
// taken from the cache, but its expiry and revocation are checked on every
// request (R3): the cache saves the signature check, never a decision.
func (g *Gateway) authenticate(r *http.Request, x *exchange, now time.Time) *failure {
	raw, err := bearerCredentials(r.Header["Authorization"])
	if err != nil {
		switch {
		case errors.Is(err, errNoCredential):
			return unauthorized(challengeBearer, "missing", err)
		case errors.Is(err, errBasic):
			return counted(unauthorized(challengeBearer, "basic_refused", err), "")
		case errors.Is(err, errOtherScheme):
			return unauthorized(challengeBearer, "unsupported_scheme", err)
		}
		return counted(&failure{status: http.StatusBadRequest, challenge: challengeInvalidRequest,
			reason: "invalid_request", auth: true, err: err}, "")
	}
	// A cached key passed isB64Token before it was stored, so a hit needs
	// no new syntax check of the (long) token; a miss gets it here.
	e := g.cache.get(raw, now)
	if e == nil {
		if !isB64Token(raw) {
			return badBearerForm()
		}
		claims, err := g.verifier.VerifyAccess(raw)
		if err != nil {
			if errors.Is(err, token.ErrUnavailable) {
				return unavailable(err) // D2: fail closed, the token is not to blame
			}
			f := unauthorized(challengeInvalidToken, token.Reason(err), err)
			if errors.Is(err, token.ErrExpired) {
				return f // a genuine token past its time: not an attack
			}
			return counted(f, "") // forged or malformed: the address only, never a claimed principal
		}
		if e, err = newEntry(claims, g.nAPIs); err != nil {
			return counted(unauthorized(challengeInvalidToken, "claims", err), "")
		}
		if now.Before(e.exp) {
			g.cache.put(raw, e, now)
		}
	}
	if !now.Before(e.exp) {
		return unauthorized(challengeInvalidToken, "expired", token.ErrExpired)
	}
	if g.revReady != nil {
		if err := g.revReady(); err != nil {
			return unavailable(err) // D2: revocations unknown, refuse without blame
		}
	}
	if g.revoked != nil && g.revoked(e.claims.ID) {
		return counted(unauthorized(challengeInvalidToken, "revoked", errors.New("gateway: token revoked")), e.principal)
	}
	if g.clientRev != nil && g.clientRev(e.claims.ClientID) {
		return counted(unauthorized(challengeInvalidToken, "revoked", errClientRevoked), e.principal)
	}
	if !slices.Contains(e.claims.Audience, x.route.api.name) {
		return counted(unauthorized(challengeInvalidToken, "audience", errors.New("gateway: token audience does not name this API")), e.principal)
	}
	x.entry = e
	return nil
}

// badBearerForm is the failure of Bearer credentials that are not a
// b64token (RFC 6750 §2.1): 400 invalid_request, counted toward the jail.
func badBearerForm() *failure {
	return counted(&failure{status: http.StatusBadRequest, challenge: challengeInvalidRequest,
		reason: "invalid_request", auth: true, err: errBadBearerForm}, "")
}

// counted marks f as a failure that counts toward the jail (R3), charged
// to the client address and to principal ("" when the credential does not
// prove one).
func counted(f *failure, principal string) *failure {
	f.jailed, f.principal = true, principal
	return f
}

// authorize checks that the token carries every scope the route requires
// (RFC 6750 §3.1).
func authorize(e *cacheEntry, rt *route) *failure {
	for _, s := range rt.scopes {
		if !slices.Contains(e.scopes, s) {
			return &failure{status: http.StatusForbidden, challenge: rt.challenge,
				reason: "insufficient_scope", auth: true, err: errors.New("gateway: missing scope " + s)}
		}
	}
	return nil
}
