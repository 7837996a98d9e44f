package keys

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/rempart/rempart/internal/token"
)

// entry is a published key.
type entry struct {
	id    string
	pub   *ecdsa.PublicKey
	until time.Time // end of publication; zero while the key is not retired
}

// snapshot is an immutable view of the keys, swapped atomically.
type snapshot struct {
	active     token.SigningKey
	entries    []entry // published keys, the active one first
	byID       map[string]entry
	jwks       []byte
	nextExpiry time.Time // earliest end of publication; zero when none
}

// lookup returns the public key kid while it is published; nil otherwise.
// It is safe on a nil snapshot.
func (s *snapshot) lookup(kid string, now time.Time) *ecdsa.PublicKey {
	if s == nil {
		return nil
	}
	e, ok := s.byID[kid]
	if !ok || (!e.until.IsZero() && !now.Before(e.until)) {
		return nil
	}
	return e.pub
}

// stale reports whether some entry's publication window has ended.
func (s *snapshot) stale(now time.Time) bool {
	return !s.nextExpiry.IsZero() && !now.Before(s.nextExpiry)
}

// rebuild returns a snapshot with the same active key and the entries still
// published at now, the active key first, with its JWK Set computed.
func (s *snapshot) rebuild(now time.Time) (*snapshot, error) {
	n := &snapshot{active: s.active, byID: map[string]entry{}}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	add := func(e entry) {
		n.entries = append(n.entries, e)
		n.byID[e.id] = e
		set.Keys = append(set.Keys, jose.JSONWebKey{
			Key: e.pub, KeyID: e.id, Algorithm: string(jose.ES256), Use: "sig",
		})
		if !e.until.IsZero() && (n.nextExpiry.IsZero() || e.until.Before(n.nextExpiry)) {
			n.nextExpiry = e.until
		}
	}
	for _, e := range s.entries {
		if e.id == s.active.ID {
			add(e)
		}
	}
	for _, e := range s.entries {
		if e.id != s.active.ID && (e.until.IsZero() || now.Before(e.until)) {
			add(e)
		}
	}
	if _, ok := n.byID[s.active.ID]; !ok {
		return nil, fmt.Errorf("keys: active key %s has no usable public key", s.active.ID)
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("keys: encode JWK Set: %w", err)
	}
	n.jwks = b
	return n, nil
}
