package authserver

import (
	"bytes"
	"crypto"
	"encoding/json"
	"errors"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/rempart/rempart/internal/token"
)

// verifyLeeway is the clock skew tolerated between nodes when this server
// checks exp, nbf and iat of its own tokens and of client assertions.
const verifyLeeway = 10 * time.Second

// jwksKeys looks verification keys up in the JWK set the key source
// publishes (the current key and every retired key whose tokens may still
// be valid), so that introspection and revocation accept exactly what a
// gateway accepts. The parsed set is cached until the published one
// changes.
type jwksKeys struct {
	src    keySource
	parsed atomic.Pointer[parsedJWKS]
}

var _ token.KeyLookup = (*jwksKeys)(nil)

type parsedJWKS struct {
	raw []byte
	set jose.JSONWebKeySet
}

var errNoSuchKey = errors.New("authserver: unknown key id")

// VerificationKey returns the public key with id kid.
func (k *jwksKeys) VerificationKey(kid string) (crypto.PublicKey, error) {
	raw := k.src.JWKS()
	p := k.parsed.Load()
	if p == nil || !bytes.Equal(p.raw, raw) {
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(raw, &set); err != nil {
			return nil, errNoSuchKey
		}
		p = &parsedJWKS{raw: bytes.Clone(raw), set: set}
		k.parsed.Store(p)
	}
	for _, key := range p.set.Key(kid) {
		if key.IsPublic() {
			return key.Key, nil
		}
	}
	return nil, errNoSuchKey
}
