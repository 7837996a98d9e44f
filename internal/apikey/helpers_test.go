package apikey

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/rempart/rempart/internal/store"
)

// fakeStore is an in-memory Store that counts lookups and can be made to
// fail like an unreachable database.
type fakeStore struct {
	mu      sync.Mutex // guards the fields below
	keys    []Key
	lookups int
	err     error // returned by every call when set
}

func (f *fakeStore) CreateAPIKey(_ context.Context, k Key) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	for _, o := range f.keys {
		if o.ID == k.ID || hmac.Equal(o.Hash, k.Hash) {
			return store.ErrConflict
		}
	}
	k.APIs, k.Hash = slices.Clone(k.APIs), slices.Clone(k.Hash)
	f.keys = append(f.keys, k)
	return nil
}

func (f *fakeStore) APIKeyByHash(_ context.Context, hash []byte) (Key, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.err != nil {
		return Key{}, f.err
	}
	for _, k := range f.keys {
		if hmac.Equal(k.Hash, hash) {
			k.APIs, k.Hash = slices.Clone(k.APIs), slices.Clone(k.Hash)
			return k, nil
		}
	}
	return Key{}, store.ErrNotFound
}

func (f *fakeStore) ListAPIKeys(context.Context) ([]Key, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.keys), f.err
}

func (f *fakeStore) RevokeAPIKey(_ context.Context, id string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	for i := range f.keys {
		if f.keys[i].ID == id {
			if f.keys[i].RevokedAt.IsZero() {
				f.keys[i].RevokedAt = at
			}
			return nil
		}
	}
	return store.ErrNotFound
}

func (f *fakeStore) lookupCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lookups
}

func (f *fakeStore) setErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// countingHasher is HMAC-SHA-256 under a fixed test key, per purpose, and
// counts its calls.
type countingHasher struct {
	mu    sync.Mutex // guards calls
	calls int
}

func (h *countingHasher) Hash(purpose, secret string) []byte {
	h.mu.Lock()
	h.calls++
	h.mu.Unlock()
	m := hmac.New(sha256.New, []byte("test key for "+purpose))
	m.Write([]byte(secret))
	return m.Sum(nil)
}

func (h *countingHasher) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var t0 = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

var errDown = errors.New("database is down")

// setup returns a store holding one key for "catalog" and "search", the
// raw key, an Authenticator on a clock at t0, and the clock.
func setup(t interface {
	Helper()
	Context() context.Context
	Fatalf(string, ...any)
}, maxEntries int) (*fakeStore, *countingHasher, string, Key, *Authenticator, *clock) {
	t.Helper()
	st, h := &fakeStore{}, &countingHasher{}
	k, raw, err := Issue(t.Context(), st, h, "catalog app", []string{"catalog", "search"}, t0)
	if err != nil {
		t.Fatalf("Issue() = %v", err)
	}
	c := &clock{t: t0}
	return st, h, raw, k, NewAuthenticator(st, h, 0, c.now, maxEntries), c
}
