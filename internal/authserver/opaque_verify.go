package authserver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/vault"
)

// Opaque verification cache bounds (A3: "the gateway caches validations").
const (
	// OpaqueCacheTTL is the longest a successful lookup is reused.
	OpaqueCacheTTL = time.Second
	// opaqueCacheSize bounds the cached lookups.
	opaqueCacheSize = 10_000
	// opaqueLookupTimeout bounds one store lookup.
	opaqueLookupTimeout = 2 * time.Second
)

// opaqueTokenStore is what an OpaqueVerifier reads.
type opaqueTokenStore interface {
	AccessTokenByHash(ctx context.Context, hash []byte) (AccessToken, error)
}

// OpaqueVerifier validates opaque access tokens (token.PrefixAccess
// handles, A3) for the gateway, with the signature of token.Verifier's
// VerifyAccess: the handle's shape is checked first (no lookup for
// garbage), then its keyed hash (D5) is looked up in the store. The claims
// are shaped like a JWT access token's (iss, sub, aud, client_id, scope,
// jti, iat, nbf, exp). Successful lookups are cached for at most
// OpaqueCacheTTL and never past the token's expiry, in a bounded cache;
// failures are never cached. Revocation reaches the gateway through the
// jti deny-list (DenyList), which it consults on every request. A store
// failure is an error (D2: fail closed).
type OpaqueVerifier struct {
	st     opaqueTokenStore
	hasher secretHasher
	issuer string
	now    func() time.Time

	mu    sync.Mutex // guards cache
	cache map[string]opaqueCached
}

type opaqueCached struct {
	claims token.AccessClaims
	until  time.Time
}

// NewOpaqueVerifier returns a verifier reading st, hashing handles with h
// (*vault.Vault) and reporting issuer as iss. now may be nil.
func NewOpaqueVerifier(st opaqueTokenStore, h secretHasher, issuer string, now func() time.Time) *OpaqueVerifier {
	if now == nil {
		now = time.Now
	}
	return &OpaqueVerifier{st: st, hasher: h, issuer: strings.TrimSuffix(issuer, "/"), now: now,
		cache: make(map[string]opaqueCached)}
}

// VerifyAccess returns the claims of the opaque access token raw. Errors
// wrap token.ErrMalformed (not a handle), token.ErrSignature (unknown or
// revoked: not a valid credential) or token.ErrExpired, or are store
// errors; none quotes the token (R20).
func (v *OpaqueVerifier) VerifyAccess(raw string) (*token.AccessClaims, error) {
	if err := token.ParseHandle(raw, token.PrefixAccess); err != nil {
		return nil, err
	}
	key := string(v.hasher.Hash(vault.PurposeOpaqueToken, raw))
	now := v.now()
	v.mu.Lock()
	e, ok := v.cache[key]
	v.mu.Unlock()
	if ok && now.Before(e.until) {
		c := e.claims
		return &c, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opaqueLookupTimeout)
	defer cancel()
	t, err := v.st.AccessTokenByHash(ctx, []byte(key))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("%w: unknown opaque token", token.ErrSignature)
	case err != nil:
		return nil, fmt.Errorf("%w: opaque token lookup: %w", token.ErrUnavailable, err)
	case !t.RevokedAt.IsZero():
		return nil, fmt.Errorf("%w: opaque token revoked", token.ErrSignature)
	case !now.Before(t.ExpiresAt):
		return nil, token.ErrExpired
	}
	claims := opaqueClaims(v.issuer, t)
	until := now.Add(OpaqueCacheTTL)
	if t.ExpiresAt.Before(until) {
		until = t.ExpiresAt
	}
	v.mu.Lock()
	v.putLocked(key, opaqueCached{claims: *claims, until: until}, now)
	v.mu.Unlock()
	return claims, nil
}

// putLocked caches e under key, first dropping stale entries, then
// everything, when the cache is full.
func (v *OpaqueVerifier) putLocked(key string, e opaqueCached, now time.Time) {
	if len(v.cache) >= opaqueCacheSize {
		for k, c := range v.cache {
			if !now.Before(c.until) {
				delete(v.cache, k)
			}
		}
		if len(v.cache) >= opaqueCacheSize {
			clear(v.cache)
		}
	}
	v.cache[key] = e
}
