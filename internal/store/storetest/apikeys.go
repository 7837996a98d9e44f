package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/apikey"
	"github.com/rempart/rempart/internal/store"
)

// runAPIKeys pins apikey.Store: lookup by exact hash (revoked keys
// included), ErrConflict on id or hash, names not unique, list order (name,
// created_at, id), idempotent revocation keeping the first time, and fail
// closed after Close (D2).
func runAPIKeys(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("create-lookup", func(t *testing.T) {
		b := fresh(t, open)
		want := newAPIKey("catalog app", 20)
		mustCreateAPIKey(t, b, want)
		mustCreateAPIKey(t, b, newAPIKey("other", 21))
		got, err := b.APIKeyByHash(t.Context(), want.Hash)
		if err != nil {
			t.Fatalf("APIKeyByHash() = %v", err)
		}
		if d := diffAPIKey(got, want); d != "" {
			t.Errorf("APIKeyByHash(): %s", d)
		}
	})

	t.Run("conflict", func(t *testing.T) {
		b := fresh(t, open)
		first := newAPIKey("first", 22)
		mustCreateAPIKey(t, b, first)
		sameID := newAPIKey("second", 23)
		sameID.ID = first.ID
		sameHash := newAPIKey("third", 24)
		sameHash.Hash = slices.Clone(first.Hash)
		for name, k := range map[string]apikey.Key{"same id": sameID, "same hash": sameHash} {
			if err := b.CreateAPIKey(t.Context(), k); !errors.Is(err, store.ErrConflict) {
				t.Errorf("CreateAPIKey(%s) = %v, want ErrConflict", name, err)
			}
		}
		wantAPIKeys(t, b, first)
		// Names are labels: a second key under the same name is a rotation.
		sameName := newAPIKey("first", 25)
		if err := b.CreateAPIKey(t.Context(), sameName); err != nil {
			t.Errorf("CreateAPIKey(same name) = %v, want nil", err)
		}
	})

	t.Run("not-found", func(t *testing.T) {
		b := fresh(t, open)
		k := newAPIKey("present", 26)
		mustCreateAPIKey(t, b, k)
		if _, err := b.APIKeyByHash(t.Context(), hash(27)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("APIKeyByHash(unknown) = %v, want ErrNotFound", err)
		}
		if err := b.RevokeAPIKey(t.Context(), uuid.NewString(), at(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeAPIKey(unknown) = %v, want ErrNotFound", err)
		}
		wantAPIKeys(t, b, k) // nothing revoked by the miss
	})

	t.Run("list", func(t *testing.T) {
		b := fresh(t, open)
		if got, err := b.ListAPIKeys(t.Context()); err != nil || len(got) != 0 {
			t.Fatalf("ListAPIKeys(empty) = %d keys, %v; want 0, nil", len(got), err)
		}
		// Inserted out of order; two share name and created_at (ordered by
		// id); names in byte order.
		var ks []apikey.Key
		for i, n := range []string{"beta", "Alpha", "alpha", "été", "beta", "beta", "10", "9"} {
			k := newAPIKey(n, byte(30+i))
			k.CreatedAt = at(time.Duration(i%3) * time.Minute)
			ks = append(ks, k)
		}
		ks[5].CreatedAt = ks[4].CreatedAt
		ks[2].RevokedAt = at(time.Hour)
		ks[3].APIs = nil
		for _, k := range ks {
			mustCreateAPIKey(t, b, k)
		}
		want := slices.Clone(ks)
		slices.SortFunc(want, func(x, y apikey.Key) int {
			if c := strings.Compare(x.Name, y.Name); c != 0 {
				return c
			}
			if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(x.ID, y.ID)
		})
		wantAPIKeys(t, b, want...)
	})

	t.Run("revoke", func(t *testing.T) {
		b := fresh(t, open)
		k, other := newAPIKey("revoked", 40), newAPIKey("kept", 41)
		mustCreateAPIKey(t, b, k)
		mustCreateAPIKey(t, b, other)
		first := time.Now() // monotonic reading, local zone
		if err := b.RevokeAPIKey(t.Context(), k.ID, first); err != nil {
			t.Fatalf("RevokeAPIKey() = %v", err)
		}
		if err := b.RevokeAPIKey(t.Context(), k.ID, first.Add(time.Hour)); err != nil {
			t.Errorf("RevokeAPIKey(again) = %v, want nil (idempotent)", err)
		}
		k.RevokedAt = first // the first revocation time is kept
		got, err := b.APIKeyByHash(t.Context(), k.Hash)
		if err != nil {
			t.Fatalf("APIKeyByHash(revoked) = %v, want the revoked key", err)
		}
		if d := diffAPIKey(got, k); d != "" {
			t.Errorf("APIKeyByHash(revoked): %s", d)
		}
		wantAPIKeys(t, b, other, k)
		if err := b.RevokeAPIKey(t.Context(), other.ID, time.Time{}); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeAPIKey(zero time) = %v, want a validation error", err)
		}
		wantAPIKeys(t, b, other, k)
	})

	t.Run("hash-bytes-exact", func(t *testing.T) {
		b := fresh(t, open)
		k := newAPIKey("bytes", 42)
		k.Hash = allBytes(32)
		mustCreateAPIKey(t, b, k)
		got, err := b.APIKeyByHash(t.Context(), allBytes(32))
		if err != nil {
			t.Fatalf("APIKeyByHash() = %v", err)
		}
		if !reflect.DeepEqual(got.Hash, k.Hash) {
			t.Errorf("Hash = %x, want %x", got.Hash, k.Hash)
		}
		// Only the exact bytes match: no trimming, no prefix match, no
		// text conversion.
		for name, h := range map[string][]byte{
			"shorter":              allBytes(31),
			"longer":               allBytes(33),
			"prefix":               allBytes(0)[:32],
			"one bit off":          append([]byte{1}, allBytes(32)[1:]...),
			"trailing-nul-trimmed": allBytes(0),
		} {
			if _, err := b.APIKeyByHash(t.Context(), h); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("APIKeyByHash(%s) = %v, want ErrNotFound", name, err)
			}
		}
	})

	t.Run("invalid", func(t *testing.T) {
		b := fresh(t, open)
		for name, mutate := range map[string]func(k *apikey.Key){
			"fail/empty-id":          func(k *apikey.Key) { k.ID = "" },
			"fail/empty-name":        func(k *apikey.Key) { k.Name = "" },
			"fail/empty-hash":        func(k *apikey.Key) { k.Hash = nil },
			"fail/zero-created-at":   func(k *apikey.Key) { k.CreatedAt = time.Time{} },
			"fail/name-invalid-utf8": func(k *apikey.Key) { k.Name = "bad\xff" },
			"fail/name-nul":          func(k *apikey.Key) { k.Name = "bad\x00" },
			"fail/api-nul":           func(k *apikey.Key) { k.APIs = []string{"a\x00b"} },
		} {
			t.Run(name, func(t *testing.T) {
				k := newAPIKey("invalid", 50)
				mutate(&k)
				if err := b.CreateAPIKey(t.Context(), k); err == nil || errors.Is(err, store.ErrConflict) {
					t.Fatalf("CreateAPIKey() = %v, want a validation error", err)
				}
			})
		}
		wantAPIKeys(t, b)
	})

	t.Run("closed", func(t *testing.T) {
		b := fresh(t, open)
		k := newAPIKey("closed", 51)
		mustCreateAPIKey(t, b, k)
		if err := b.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
		ctx := t.Context()
		for name, call := range map[string]func() error{
			"CreateAPIKey": func() error { return b.CreateAPIKey(ctx, newAPIKey("after", 52)) },
			"APIKeyByHash": func() error {
				got, err := b.APIKeyByHash(ctx, k.Hash)
				if got.ID != "" {
					return nil
				}
				return err
			},
			"ListAPIKeys": func() error {
				got, err := b.ListAPIKeys(ctx)
				if len(got) != 0 {
					return nil
				}
				return err
			},
			"RevokeAPIKey": func() error { return b.RevokeAPIKey(ctx, k.ID, at(time.Hour)) },
		} {
			if err := call(); err == nil || errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s after Close = %v, want an error other than ErrNotFound (and no data)", name, err)
			}
		}
	})
}

// newAPIKey returns an active key with every other field set; seed makes
// its hash distinct.
func newAPIKey(name string, seed byte) apikey.Key {
	return apikey.Key{
		ID:        uuid.NewString(),
		Name:      name,
		APIs:      []string{"catalog", "search", "a'b?$1"},
		Hash:      hash(seed),
		CreatedAt: at(0),
	}
}

// mustCreateAPIKey creates k or stops the test.
func mustCreateAPIKey(t *testing.T, b Backend, k apikey.Key) {
	t.Helper()
	if err := b.CreateAPIKey(t.Context(), k); err != nil {
		t.Fatalf("CreateAPIKey(%q) = %v", k.Name, err)
	}
}

// wantAPIKeys checks that ListAPIKeys returns exactly want, in order.
func wantAPIKeys(t *testing.T, b Backend, want ...apikey.Key) {
	t.Helper()
	got, err := b.ListAPIKeys(t.Context())
	if err != nil {
		t.Fatalf("ListAPIKeys() = %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("ListAPIKeys() = %d keys, want %d", len(got), len(want))
	}
	for i := range want {
		if d := diffAPIKey(got[i], want[i]); d != "" {
			t.Errorf("ListAPIKeys()[%d] (%s): %s", i, want[i].Name, d)
		}
	}
}

// diffAPIKey describes how got differs from want, "" when equal: times by
// Equal, empty and nil lists alike.
func diffAPIKey(got, want apikey.Key) string {
	var d string
	if !got.CreatedAt.Equal(want.CreatedAt) {
		d += fmt.Sprintf("CreatedAt = %v, want %v; ", got.CreatedAt.UTC(), want.CreatedAt.UTC())
	}
	if !got.RevokedAt.Equal(want.RevokedAt) {
		d += fmt.Sprintf("RevokedAt = %v, want %v; ", got.RevokedAt.UTC(), want.RevokedAt.UTC())
	}
	got.CreatedAt, got.RevokedAt, want.CreatedAt, want.RevokedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	for _, l := range []*[]string{&got.APIs, &want.APIs} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	if !reflect.DeepEqual(got, want) {
		d += fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return d
}
