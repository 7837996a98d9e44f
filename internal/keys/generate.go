package keys

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"

	"github.com/google/uuid"
)

// insertNew generates a P-256 key, seals its private half with the key id as
// additional data (R4) and inserts it; the store retires every other key in
// the same transaction. It returns the new key id (a random UUID, R16).
func (m *Manager) insertNew(ctx context.Context) (string, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", fmt.Errorf("keys: generate: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return "", fmt.Errorf("keys: encode public key: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("keys: encode private key: %w", err)
	}
	id := uuid.NewString()
	sealed, err := m.d.Vault.Seal(privDER, []byte(id))
	clear(privDER)
	if err != nil {
		return "", fmt.Errorf("keys: seal private key: %w", err)
	}
	now := m.d.Now()
	r := Record{ID: id, Algorithm: algES256, PublicDER: pubDER, SealedPriv: sealed, CreatedAt: now}
	if err := m.d.Store.InsertSigningKey(ctx, r, now); err != nil {
		return "", fmt.Errorf("keys: insert signing key: %w", err)
	}
	m.priv[id] = priv
	return id, nil
}
