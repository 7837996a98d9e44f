package apikey

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rempart/rempart/internal/store"
)

// Cache bounds (D1).
const (
	// MaxCacheTTL is the longest an answer is cached: a revocation is
	// enforced within this delay on every node (D1).
	MaxCacheTTL = time.Second
	// DefaultMaxEntries bounds each of the positive and negative caches.
	DefaultMaxEntries = 10000
)

var (
	// ErrInvalidKey reports a key that is malformed, unknown or revoked;
	// callers must not tell these apart in what they answer (R19).
	ErrInvalidKey = errors.New("apikey: invalid API key")
	// ErrWrongAPI reports a valid key that does not list the API.
	ErrWrongAPI = errors.New("apikey: API key not valid for this API")
)

// Causes of ErrInvalidKey, for logs and metrics only (see Reason).
var (
	errMalformed = fmt.Errorf("%w (malformed)", ErrInvalidKey)
	errUnknown   = fmt.Errorf("%w (unknown)", ErrInvalidKey)
	errRevoked   = fmt.Errorf("%w (revoked)", ErrInvalidKey)
)

// Reason returns a short, stable label for an error of FromRequest or
// Authenticate, for metrics and logs: "malformed", "unknown", "revoked",
// "wrong_api", "ambiguous", or "store" for anything else (a store failure).
func Reason(err error) string {
	for _, r := range []struct {
		err   error
		label string
	}{
		{errMalformed, "malformed"}, {errUnknown, "unknown"}, {errRevoked, "revoked"},
		{ErrWrongAPI, "wrong_api"}, {ErrAmbiguous, "ambiguous"},
	} {
		if errors.Is(err, r.err) {
			return r.label
		}
	}
	return "store"
}

// Authenticator checks API keys against a Store through a short-lived,
// bounded cache. It is safe for concurrent use.
type Authenticator struct {
	st  Store
	h   hasher
	ttl time.Duration
	now func() time.Time
	pos *ttlCache[Key]   // active keys by hash
	neg *ttlCache[error] // errUnknown or errRevoked by hash
}

// NewAuthenticator returns an Authenticator over st. ttl is how long an
// answer is cached: 0 or more than MaxCacheTTL means MaxCacheTTL (D1).
// maxEntries bounds each of the positive and negative caches: 0 or less
// means DefaultMaxEntries. now nil means time.Now.
func NewAuthenticator(st Store, h hasher, ttl time.Duration, now func() time.Time, maxEntries int) *Authenticator {
	if ttl <= 0 || ttl > MaxCacheTTL {
		ttl = MaxCacheTTL
	}
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	if now == nil {
		now = time.Now
	}
	return &Authenticator{
		st: st, h: h, ttl: ttl, now: now,
		pos: newTTLCache[Key](maxEntries), neg: newTTLCache[error](maxEntries),
	}
}

// Authenticate checks raw (from FromRequest) for the API named api and
// returns the key. A malformed key is refused without hashing it or
// calling the store. A malformed, unknown or revoked key wraps
// ErrInvalidKey; a valid key that does not list api returns the key with
// ErrWrongAPI (so the failure can be counted against its id); a store
// failure returns an error wrapping neither (fail closed, D2). The
// returned Key is a copy the caller may keep.
func (a *Authenticator) Authenticate(ctx context.Context, raw, api string) (Key, error) {
	if !WellFormed(raw) {
		return Key{}, errMalformed
	}
	k, err := a.lookup(ctx, a.h.Hash(HashPurpose, raw))
	if err != nil {
		return Key{}, err
	}
	k.APIs = slices.Clone(k.APIs)
	k.Hash = slices.Clone(k.Hash)
	if !slices.Contains(k.APIs, api) {
		return k, ErrWrongAPI
	}
	return k, nil
}

// lookup returns the active key whose hash is hash, from the cache or the
// store. An answer fetched at t is cached until t + ttl, t taken before the
// store call, so a revocation committed after t is seen from t + ttl on.
func (a *Authenticator) lookup(ctx context.Context, hash []byte) (Key, error) {
	now := a.now()
	hk := string(hash)
	if k, ok := a.pos.get(hk, now); ok {
		return k, nil
	}
	if err, ok := a.neg.get(hk, now); ok {
		return Key{}, err
	}
	k, err := a.st.APIKeyByHash(ctx, hash)
	exp := now.Add(a.ttl)
	switch {
	case errors.Is(err, store.ErrNotFound):
		a.neg.put(hk, errUnknown, exp, now)
		return Key{}, errUnknown
	case err != nil:
		return Key{}, fmt.Errorf("apikey: lookup: %w", err) // not cached: D2
	case subtle.ConstantTimeCompare(k.Hash, hash) != 1:
		// The store's lookup must be exact; distrust one that is not.
		return Key{}, fmt.Errorf("apikey: lookup: store returned another key's record")
	case !k.Active():
		a.neg.put(hk, errRevoked, exp, now)
		return Key{}, errRevoked
	}
	a.pos.put(hk, k, exp, now)
	return k, nil
}
