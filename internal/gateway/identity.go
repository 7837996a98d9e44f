package gateway

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/token"
)

// Rempart-Identity lifetime rules.
const (
	identityTTL      = 60 * time.Second // maximum lifetime of an assertion
	identityMinReuse = 10 * time.Second // reuse an assertion only while it has this much left
)

// assertion is a signed Rempart-Identity and its expiry.
type assertion struct {
	jws    string
	field  []string // {jws}: the Rempart-Identity field value, shared by every request reusing it
	exp    time.Time
	capped bool // exp is the access token's exp: a fresh one would not live longer
}

// reusable reports whether a may still be sent at now.
func (a *assertion) reusable(now time.Time) bool {
	left := a.exp.Sub(now)
	return left >= identityMinReuse || (a.capped && left > 0)
}

// signerCache keeps the token.Signer of the current signing key, so that a
// go-jose signer is built once per key rather than once per assertion.
type signerCache struct {
	p atomic.Pointer[keyedSigner]
}

type keyedSigner struct {
	kid string
	s   *token.Signer
}

// identity returns the Rempart-Identity assertion for the authenticated
// token e and API a: reused from e while it has ≥ 10 s left, else freshly
// signed with the current key (iss, aud = API name, sub, client_id, scope,
// jti, iat, exp ≤ iat + 60 s and never past the access token's exp).
func (g *Gateway) identity(e *cacheEntry, a *api, now time.Time) (*assertion, error) {
	slot := &e.ident[a.index]
	if cur := slot.Load(); cur != nil && cur.reusable(now) {
		return cur, nil
	}
	iat := now.Truncate(time.Second)
	exp, capped := iat.Add(identityTTL), false
	if !e.exp.After(exp) {
		exp, capped = e.exp, true
	}
	c := &token.IdentityClaims{
		Claims: jwt.Claims{
			Issuer:   g.issuer,
			Subject:  e.claims.Subject,
			Audience: jwt.Audience{a.name},
			Expiry:   jwt.NewNumericDate(exp),
			IssuedAt: jwt.NewNumericDate(iat),
			ID:       uuid.NewString(),
		},
		ClientID: e.claims.ClientID,
		Scope:    e.claims.Scope,
	}
	s, err := g.signer.get(g.keys)
	if err != nil {
		return nil, err
	}
	jws, err := s.Sign(c)
	if err != nil {
		return nil, fmt.Errorf("gateway: sign Rempart-Identity: %w", err)
	}
	// exp as the JWT states it (whole seconds), for the reuse rule.
	as := &assertion{jws: jws, field: []string{jws}, exp: c.Expiry.Time(), capped: capped}
	slot.Store(as)
	return as, nil
}

// get returns a signer for the current signing key.
func (sc *signerCache) get(keys SigningKeys) (*token.Signer, error) {
	k, err := keys.SigningKey()
	if err != nil {
		return nil, fmt.Errorf("gateway: signing key: %w", err)
	}
	if cur := sc.p.Load(); cur != nil && cur.kid == k.ID {
		return cur.s, nil
	}
	s, err := token.NewSigner(k, token.TypeIdentity)
	if err != nil {
		return nil, fmt.Errorf("gateway: signer: %w", err)
	}
	sc.p.Store(&keyedSigner{kid: k.ID, s: s})
	return s, nil
}
