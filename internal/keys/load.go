package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/token"
)

// algES256 is the only algorithm Rempart signs with.
const algES256 = "ES256"

// list reads every key from the store.
func (m *Manager) list(ctx context.Context) ([]Record, error) {
	recs, err := m.d.Store.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("keys: list signing keys: %w", err)
	}
	return recs, nil
}

// activeRecord returns the newest key that is not retired, or nil.
func activeRecord(recs []Record) *Record {
	var active *Record
	for i := range recs {
		r := &recs[i]
		if r.RetiredAt.IsZero() && (active == nil || r.CreatedAt.After(active.CreatedAt)) {
			active = r
		}
	}
	return active
}

// install builds a snapshot from recs, swaps it in, then deletes the keys
// past their publication window. m.mu must be held.
func (m *Manager) install(ctx context.Context, recs []Record) error {
	now := m.d.Now()
	ar := activeRecord(recs)
	if ar == nil {
		return ErrNoActiveKey
	}
	signer, err := m.unseal(ar)
	if err != nil {
		return err
	}
	s := &snapshot{active: token.SigningKey{ID: ar.ID, Key: signer}}
	var expired []string
	for _, r := range recs {
		e := entry{id: r.ID}
		if !r.RetiredAt.IsZero() {
			e.until = r.RetiredAt.Add(m.d.MaxTokenTTL + PublishGrace)
			if !now.Before(e.until) {
				expired = append(expired, r.ID)
				continue
			}
		}
		pub, err := parsePublic(r)
		if err != nil {
			if r.ID == ar.ID {
				return err
			}
			m.d.Log.Error("keys: skipping unusable key", "kid", r.ID, "err", err)
			continue
		}
		e.pub = pub
		s.entries = append(s.entries, e)
	}
	fresh, err := s.rebuild(now)
	if err != nil {
		return err
	}
	m.snap.Store(fresh)
	m.priv = map[string]crypto.Signer{ar.ID: signer}

	for _, id := range expired {
		if err := m.d.Store.DeleteSigningKey(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			m.d.Log.Error("keys: delete expired key", "kid", id, "err", err)
			continue
		}
		m.d.Log.Info("keys: deleted expired key", "kid", id)
	}
	return nil
}

// unseal returns the private key of r, from memory when already unsealed.
func (m *Manager) unseal(r *Record) (crypto.Signer, error) {
	if k, ok := m.priv[r.ID]; ok {
		return k, nil
	}
	der, err := m.d.Vault.Open(r.SealedPriv, []byte(r.ID))
	if err != nil {
		return nil, fmt.Errorf("keys: signing key %s cannot be decrypted with this encryption_key (data key id %s): %w",
			r.ID, m.d.Vault.DataKeyID(), err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	clear(der)
	if err != nil {
		return nil, fmt.Errorf("keys: signing key %s: private key is not PKCS #8", r.ID)
	}
	priv, ok := k.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return nil, fmt.Errorf("keys: signing key %s is not an ECDSA P-256 key", r.ID)
	}
	pub, err := parsePublic(*r)
	if err != nil {
		return nil, err
	}
	if !priv.PublicKey.Equal(pub) {
		return nil, fmt.Errorf("keys: signing key %s: private key does not match its public key", r.ID)
	}
	return priv, nil
}

// parsePublic returns the P-256 public key of r.
func parsePublic(r Record) (*ecdsa.PublicKey, error) {
	if r.Algorithm != algES256 {
		return nil, fmt.Errorf("keys: signing key %s: unsupported algorithm %q", r.ID, r.Algorithm)
	}
	k, err := x509.ParsePKIXPublicKey(r.PublicDER)
	if err != nil {
		return nil, fmt.Errorf("keys: signing key %s: public key: %w", r.ID, err)
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("keys: signing key %s: public key is not ECDSA P-256", r.ID)
	}
	return pub, nil
}
