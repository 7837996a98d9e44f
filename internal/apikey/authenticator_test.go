package apikey

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAuthenticate(t *testing.T) {
	for _, tc := range []struct {
		name       string
		raw        func(valid string) string
		api        string
		prepare    func(st *fakeStore, k Key)
		wantErr    error // nil: accepted
		wantID     bool  // the key is returned with the error
		wantLookup bool  // the store is asked
		reason     string
	}{
		{name: "ok/first-api", api: "catalog", wantLookup: true},
		{name: "ok/second-api", api: "search", wantLookup: true},
		{name: "fail/wrong-api", api: "orders", wantErr: ErrWrongAPI, wantID: true, wantLookup: true, reason: "wrong_api"},
		{name: "fail/empty-api", api: "", wantErr: ErrWrongAPI, wantID: true, wantLookup: true, reason: "wrong_api"},
		{name: "fail/api-case", api: "Catalog", wantErr: ErrWrongAPI, wantID: true, wantLookup: true, reason: "wrong_api"},
		{
			name: "fail/unknown", api: "catalog", wantErr: ErrInvalidKey, wantLookup: true, reason: "unknown",
			raw: func(string) string { return Prefix + strings.Repeat("Q", 42) + "A" },
		},
		{
			name: "fail/revoked", api: "catalog", wantErr: ErrInvalidKey, wantLookup: true, reason: "revoked",
			prepare: func(st *fakeStore, k Key) { _ = st.RevokeAPIKey(t.Context(), k.ID, t0.Add(-time.Hour)) },
		},
		{name: "fail/empty", api: "catalog", wantErr: ErrInvalidKey, reason: "malformed", raw: func(string) string { return "" }},
		{name: "fail/no-prefix", api: "catalog", wantErr: ErrInvalidKey, reason: "malformed", raw: func(v string) string { return v[4:] }},
		{name: "fail/truncated", api: "catalog", wantErr: ErrInvalidKey, reason: "malformed", raw: func(v string) string { return v[:46] }},
		{name: "fail/extra", api: "catalog", wantErr: ErrInvalidKey, reason: "malformed", raw: func(v string) string { return v + "A" }},
		{name: "fail/bearer-token", api: "catalog", wantErr: ErrInvalidKey, reason: "malformed", raw: func(string) string { return "eyJhbGciOiJFUzI1NiJ9.e30.sig" }},
		{name: "fail/space-inside", api: "catalog", wantErr: ErrInvalidKey, reason: "malformed", raw: func(v string) string { return v[:20] + " " + v[21:] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, h, raw, k, a, _ := setup(t, 0)
			if tc.prepare != nil {
				tc.prepare(st, k)
			}
			if tc.raw != nil {
				raw = tc.raw(raw)
			}
			hashes := h.count()
			got, err := a.Authenticate(t.Context(), raw, tc.api)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("Authenticate() = %v, want nil", err)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("Authenticate() = %v, want %v", err, tc.wantErr)
			}
			if wantKey := tc.wantErr == nil || tc.wantID; wantKey != (got.ID == k.ID) {
				t.Errorf("Authenticate() returned key %q, want key %v", got.ID, wantKey)
			}
			if lookups := st.lookupCount(); (lookups > 0) != tc.wantLookup {
				t.Errorf("store lookups = %d, want lookup %v", lookups, tc.wantLookup)
			}
			if !tc.wantLookup && h.count() != hashes {
				t.Error("a malformed key was hashed")
			}
			if tc.wantErr != nil {
				if r := Reason(err); r != tc.reason {
					t.Errorf("Reason(%v) = %q, want %q", err, r, tc.reason)
				}
				if strings.Contains(err.Error(), raw) && raw != "" {
					t.Error("the error quotes the key (R19, R20)")
				}
			}
		})
	}
}

// TestRevocationWithinOneSecond: a key revoked just after a successful
// check may still pass from the cache for under a second, and is refused
// from one second after that check on (D1).
func TestRevocationWithinOneSecond(t *testing.T) {
	for _, ttl := range []time.Duration{0, time.Second, time.Hour, -time.Second, 300 * time.Millisecond} {
		t.Run("ttl-"+ttl.String(), func(t *testing.T) {
			st, h, raw, k, _, c := setup(t, 0)
			a := NewAuthenticator(st, h, ttl, c.now, 0)
			if _, err := a.Authenticate(t.Context(), raw, "catalog"); err != nil {
				t.Fatalf("Authenticate() before revocation = %v", err)
			}
			c.set(t0.Add(time.Millisecond))
			if err := st.RevokeAPIKey(t.Context(), k.ID, c.now()); err != nil {
				t.Fatal(err)
			}
			c.set(t0.Add(time.Second))
			if _, err := a.Authenticate(t.Context(), raw, "catalog"); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Authenticate() 1 s after the cached check = %v, want ErrInvalidKey (D1)", err)
			}
		})
	}
}

// TestCacheAnswers: answers are reused within the TTL, positive and
// negative alike, and fetched again after it.
func TestCacheAnswers(t *testing.T) {
	st, _, raw, _, a, c := setup(t, 0)
	unknown := Prefix + strings.Repeat("Z", 42) + "A"
	for i, step := range []struct {
		at      time.Duration
		raw     string
		lookups int // total store lookups after the step
	}{
		{0, raw, 1},
		{500 * time.Millisecond, raw, 1},
		{999 * time.Millisecond, raw, 1},
		{time.Second, raw, 2},
		{time.Second, unknown, 3},
		{1500 * time.Millisecond, unknown, 3},
		{2 * time.Second, unknown, 4},
	} {
		c.set(t0.Add(step.at))
		_, _ = a.Authenticate(t.Context(), step.raw, "catalog")
		if got := st.lookupCount(); got != step.lookups {
			t.Errorf("step %d (t0+%v): %d store lookups, want %d", i, step.at, got, step.lookups)
		}
	}
}

// TestStoreErrorFailsClosed: a store failure is an error that is neither
// an answer about the key nor cached (D2).
func TestStoreErrorFailsClosed(t *testing.T) {
	st, _, raw, _, a, _ := setup(t, 0)
	st.setErr(errDown)
	k, err := a.Authenticate(t.Context(), raw, "catalog")
	if err == nil || errors.Is(err, ErrInvalidKey) || errors.Is(err, ErrWrongAPI) || k.ID != "" {
		t.Fatalf("Authenticate() with the store down = %+v, %v; want a store error and no key", k, err)
	}
	if !errors.Is(err, errDown) || Reason(err) != "store" {
		t.Errorf("Authenticate() = %v (reason %q), want it to wrap the store error (reason store)", err, Reason(err))
	}
	st.setErr(nil)
	if _, err := a.Authenticate(t.Context(), raw, "catalog"); err != nil {
		t.Errorf("Authenticate() once the store is back = %v, want nil (errors are not cached)", err)
	}
}

// TestStoreMismatchRefused: a record whose hash is not the one asked for is
// not trusted.
func TestStoreMismatchRefused(t *testing.T) {
	st, h, raw, _, _, c := setup(t, 0)
	a := NewAuthenticator(lyingStore{st}, h, 0, c.now, 0)
	if k, err := a.Authenticate(t.Context(), raw, "catalog"); err == nil || k.ID != "" {
		t.Errorf("Authenticate() via a store returning another record = %+v, %v; want an error", k, err)
	}
}

// lyingStore answers every lookup with its first key.
type lyingStore struct{ *fakeStore }

func (l lyingStore) APIKeyByHash(ctx context.Context, _ []byte) (Key, error) {
	k := l.keys[0]
	k.Hash = append([]byte{1}, k.Hash[1:]...)
	return k, nil
}

// TestNegativeCacheBounded: a flood of unknown keys neither grows the cache
// beyond its bound nor evicts the valid key's answer.
func TestNegativeCacheBounded(t *testing.T) {
	const max = 16
	st, _, raw, _, a, c := setup(t, max)
	if _, err := a.Authenticate(t.Context(), raw, "catalog"); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		junk, _ := newRaw()
		c.set(t0.Add(time.Duration(i) * 100 * time.Microsecond)) // all within the TTL
		if _, err := a.Authenticate(t.Context(), junk, "catalog"); !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("Authenticate(random) = %v, want ErrInvalidKey", err)
		}
		if n := a.neg.len(); n > max {
			t.Fatalf("negative cache holds %d entries, bound %d", n, max)
		}
	}
	if a.neg.len() != max {
		t.Errorf("negative cache holds %d entries, want it full (%d)", a.neg.len(), max)
	}
	before := st.lookupCount()
	if _, err := a.Authenticate(t.Context(), raw, "catalog"); err != nil {
		t.Fatal(err)
	}
	if st.lookupCount() != before {
		t.Error("the flood of unknown keys evicted the valid key's cached answer")
	}
}

// TestReturnedKeyIsCopy: changing a returned key does not change the cache.
func TestReturnedKeyIsCopy(t *testing.T) {
	_, _, raw, _, a, _ := setup(t, 0)
	k, err := a.Authenticate(t.Context(), raw, "catalog")
	if err != nil {
		t.Fatal(err)
	}
	k.APIs[0] = "orders"
	if _, err := a.Authenticate(t.Context(), raw, "orders"); !errors.Is(err, ErrWrongAPI) {
		t.Errorf("Authenticate(orders) after editing a returned key = %v, want ErrWrongAPI", err)
	}
}

// TestAuthenticateConcurrent exercises the cache under -race.
func TestAuthenticateConcurrent(t *testing.T) {
	st, h, raw, k, _, c := setup(t, 0)
	a := NewAuthenticator(st, h, 0, c.now, 8)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				if g == 0 && i%50 == 0 {
					c.set(c.now().Add(300 * time.Millisecond))
				}
				in := raw
				if i%2 == 1 {
					in, _ = newRaw()
				}
				got, err := a.Authenticate(t.Context(), in, "catalog")
				if i%2 == 0 && (err != nil || got.ID != k.ID) {
					t.Errorf("Authenticate(valid) = %v", err)
					return
				}
				if i%2 == 1 && !errors.Is(err, ErrInvalidKey) {
					t.Errorf("Authenticate(random) = %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errMalformed, "malformed"}, {errUnknown, "unknown"}, {errRevoked, "revoked"},
		{ErrWrongAPI, "wrong_api"}, {ErrAmbiguous, "ambiguous"}, {errDown, "store"},
	} {
		if got := Reason(tc.err); got != tc.want {
			t.Errorf("Reason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	for _, err := range []error{errMalformed, errUnknown, errRevoked} {
		if !errors.Is(err, ErrInvalidKey) {
			t.Errorf("%v does not wrap ErrInvalidKey", err)
		}
	}
}
