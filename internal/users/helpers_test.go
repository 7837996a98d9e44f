package users

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/vault"
)

// testParams keep go test fast: one pass over 64 KiB.
var testParams = Params{Time: 1, Memory: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

// fakeStore is an in-memory Store with the contract's semantics.
type fakeStore struct {
	mu    sync.Mutex // guards the fields below
	users map[string]User
	err   error // returned by every call when set
}

var _ Store = (*fakeStore)(nil)

func newFakeStore() *fakeStore { return &fakeStore{users: map[string]User{}} }

func (f *fakeStore) CreateUser(_ context.Context, u User) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	for _, o := range f.users {
		if o.ID == u.ID || o.Username == u.Username {
			return fmt.Errorf("fake: %w", store.ErrConflict)
		}
	}
	f.users[u.ID] = u
	return nil
}

func (f *fakeStore) GetUser(_ context.Context, id string) (User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return User{}, f.err
	}
	u, ok := f.users[id]
	if !ok {
		return User{}, fmt.Errorf("fake: %w", store.ErrNotFound)
	}
	return u, nil
}

func (f *fakeStore) GetUserByUsername(_ context.Context, name string) (User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return User{}, f.err
	}
	for _, u := range f.users {
		if u.Username == name {
			return u, nil
		}
	}
	return User{}, fmt.Errorf("fake: %w", store.ErrNotFound)
}

func (f *fakeStore) ListUsers(context.Context) ([]User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	var us []User
	for _, u := range f.users {
		us = append(us, u)
	}
	slices.SortFunc(us, func(a, b User) int { return strings.Compare(a.Username, b.Username) })
	return us, nil
}

func (f *fakeStore) update(id string, fn func(u *User) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	u, ok := f.users[id]
	if !ok {
		return fmt.Errorf("fake: %w", store.ErrNotFound)
	}
	if err := fn(&u); err != nil {
		return err
	}
	f.users[id] = u
	return nil
}

func (f *fakeStore) SetUserDisabled(_ context.Context, id string, disabled bool, at time.Time) error {
	return f.update(id, func(u *User) error {
		u.Disabled, u.UpdatedAt = disabled, at
		return nil
	})
}

func (f *fakeStore) SetUserTOTP(_ context.Context, id string, sealed []byte, at time.Time) error {
	return f.update(id, func(u *User) error {
		u.TOTPSealed, u.MFAEnabled, u.UpdatedAt = sealed, len(sealed) > 0, at
		return nil
	})
}

func (f *fakeStore) UseTOTPStep(_ context.Context, id string, step int64) error {
	return f.update(id, func(u *User) error {
		if step <= u.TOTPLastStep {
			return fmt.Errorf("fake: %w", store.ErrAlreadyUsed)
		}
		u.TOTPLastStep = step
		return nil
	})
}

// get returns the stored user or stops the test.
func (f *fakeStore) get(t *testing.T, id string) User {
	t.Helper()
	u, err := f.GetUser(t.Context(), id)
	if err != nil {
		t.Fatalf("stored user %s: %v", id, err)
	}
	return u
}

// clock is an injectable time source.
type clock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// hashCounter wraps argon2id and counts its calls and the parameters used.
type hashCounter struct {
	mu     sync.Mutex // guards the fields below
	calls  int
	params []Params
}

func (h *hashCounter) hash(password, salt []byte, p Params) []byte {
	h.mu.Lock()
	h.calls++
	h.params = append(h.params, p)
	h.mu.Unlock()
	return argon2id(password, salt, p)
}

func (h *hashCounter) reset() (int, []Params) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, p := h.calls, h.params
	h.calls, h.params = 0, nil
	return n, p
}

// testDirectory is a Directory on a fake store with a real vault, the test
// parameters, a settable clock and a counted hash function.
type testDirectory struct {
	*Directory
	st    *fakeStore
	vault *vault.Vault
	clock *clock
	hc    *hashCounter
}

// t0 is the tests' clock origin.
var t0 = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

// newTestVault returns a vault with a random key.
func newTestVault(t *testing.T) *vault.Vault {
	t.Helper()
	key := make([]byte, vault.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func newTestDirectory(t *testing.T) *testDirectory {
	t.Helper()
	v := newTestVault(t)
	st, c, hc := newFakeStore(), &clock{t: t0}, &hashCounter{}
	d, err := New(Deps{Store: st, Sealer: v, Params: testParams, Now: c.Now})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	d.hash = hc.hash
	return &testDirectory{Directory: d, st: st, vault: v, clock: c, hc: hc}
}

// mustCreate creates a user or stops the test.
func (td *testDirectory) mustCreate(t *testing.T, name, password, email string) User {
	t.Helper()
	u, err := td.Create(t.Context(), NewUser{Username: name, Password: password, Email: email})
	if err != nil {
		t.Fatalf("Create(%q) = %v", name, err)
	}
	td.hc.reset()
	return u
}
