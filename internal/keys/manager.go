package keys

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/vault"
)

// PublishGrace is how long a retired key stays published beyond
// MaxTokenTTL, to absorb clock skew and caches.
const PublishGrace = 5 * time.Minute

// missRefreshEvery bounds the store refreshes that unknown kids can trigger.
const missRefreshEvery = time.Second

// missRefreshTimeout bounds a refresh triggered by an unknown kid.
const missRefreshTimeout = 2 * time.Second

// ErrNoActiveKey reports that no signing key is loaded.
var ErrNoActiveKey = errors.New("keys: no active signing key")

// Deps are the Manager's dependencies.
type Deps struct {
	Store Store
	Vault *vault.Vault
	Now   func() time.Time // nil means time.Now
	Log   *slog.Logger     // nil discards
	// MaxTokenTTL is the longest lifetime of anything signed (the access
	// token TTL); retired keys stay published until
	// RetiredAt + MaxTokenTTL + PublishGrace. Must be positive.
	MaxTokenTTL time.Duration
}

// Manager holds the signing keys. It is safe for concurrent use.
type Manager struct {
	d    Deps
	snap atomic.Pointer[snapshot]

	// lastMiss is the Unix nanosecond time of the last refresh triggered by
	// an unknown kid.
	lastMiss atomic.Int64

	mu   sync.Mutex               // serialises loads; guards the field below
	priv map[string]crypto.Signer // unsealed active key(s), by id
}

// NewManager loads the keys from the store and, when no key signs yet,
// generates one. It fails when the store cannot be read or a key cannot be
// unsealed with d.Vault (fail closed).
func NewManager(ctx context.Context, d Deps) (*Manager, error) {
	if d.Store == nil || d.Vault == nil {
		return nil, errors.New("keys: Store and Vault are required")
	}
	if d.MaxTokenTTL <= 0 {
		return nil, errors.New("keys: MaxTokenTTL must be positive")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	m := &Manager{d: d, priv: map[string]crypto.Signer{}}
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, err := m.list(ctx)
	if err != nil {
		return nil, err
	}
	if activeRecord(recs) == nil {
		id, err := m.insertNew(ctx)
		if err != nil {
			return nil, err
		}
		d.Log.Info("keys: generated signing key", "kid", id)
		// Reload: another process starting at the same time may have
		// inserted after us; the store retired every older key.
		if recs, err = m.list(ctx); err != nil {
			return nil, err
		}
	}
	if err := m.install(ctx, recs); err != nil {
		return nil, err
	}
	return m, nil
}

// SigningKey returns the key that signs now (lock-free).
func (m *Manager) SigningKey() (token.SigningKey, error) {
	s := m.snap.Load()
	if s == nil || s.active.Key == nil {
		return token.SigningKey{}, ErrNoActiveKey
	}
	return s.active, nil
}

// VerificationKey returns the public key of a published key. An unknown kid
// wraps token.ErrUnknownKey; it may trigger a refresh from the store, at most
// once per second, in case another process rotated.
func (m *Manager) VerificationKey(kid string) (crypto.PublicKey, error) {
	now := m.d.Now()
	if k := m.snap.Load().lookup(kid, now); k != nil {
		return k, nil
	}
	last := m.lastMiss.Load()
	if now.UnixNano()-last >= int64(missRefreshEvery) && m.lastMiss.CompareAndSwap(last, now.UnixNano()) {
		ctx, cancel := context.WithTimeout(context.Background(), missRefreshTimeout)
		err := m.Refresh(ctx)
		cancel()
		if err != nil {
			m.d.Log.Warn("keys: refresh on unknown kid failed", "err", err)
		}
		if k := m.snap.Load().lookup(kid, m.d.Now()); k != nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("keys: %w", token.ErrUnknownKey)
}

// JWKS returns the RFC 7517 JWK Set of every published key, active first.
// The caller must not modify the returned slice.
func (m *Manager) JWKS() []byte {
	s := m.snap.Load()
	if s == nil {
		return []byte(`{"keys":[]}`)
	}
	if now := m.d.Now(); s.stale(now) {
		// A retired key left its publication window since the last load:
		// drop it without waiting for the next Refresh.
		if fresh, err := s.rebuild(now); err == nil {
			m.snap.CompareAndSwap(s, fresh)
			s = fresh
		}
	}
	return s.jwks
}

// Rotate generates a new signing key, stores it (which retires the current
// one, still published) and makes it the active key.
func (m *Manager) Rotate(ctx context.Context) (token.SigningKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, err := m.insertNew(ctx)
	if err != nil {
		return token.SigningKey{}, err
	}
	recs, err := m.list(ctx)
	if err != nil {
		return token.SigningKey{}, err
	}
	if err := m.install(ctx, recs); err != nil {
		return token.SigningKey{}, err
	}
	m.d.Log.Info("keys: rotated signing key", "kid", id)
	return m.SigningKey()
}

// Refresh re-reads the store (another process may have rotated) and deletes
// keys past their publication window. On error the current keys stay in use.
func (m *Manager) Refresh(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, err := m.list(ctx)
	if err != nil {
		return err
	}
	return m.install(ctx, recs)
}

// Run calls Refresh every interval until ctx is done, logging failures and
// keeping the last good keys.
func (m *Manager) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.Refresh(ctx); err != nil && ctx.Err() == nil {
				m.d.Log.Error("keys: refresh failed", "err", err)
			}
		}
	}
}

// Ready reports whether a signing key is loaded (for /readyz).
func (m *Manager) Ready() error {
	_, err := m.SigningKey()
	return err
}

var _ token.KeyLookup = (*Manager)(nil)
