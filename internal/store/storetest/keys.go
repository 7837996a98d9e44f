package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/keys"
	"github.com/rempart/rempart/internal/store"
)

func runKeys(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("insert-retires-others", func(t *testing.T) {
		b := fresh(t, open)
		k1, k2, k3 := newKey(at(0)), newKey(at(time.Hour)), newKey(at(2*time.Hour))
		k3.RetiredAt = at(time.Minute) // ignored: an inserted key is active
		mustInsertKey(t, b, k1, at(0))
		mustInsertKey(t, b, k2, at(time.Hour))
		mustInsertKey(t, b, k3, at(2*time.Hour))

		// k1 keeps the retirement time of the first rotation; only the
		// key that was active is retired by the second one.
		k1.RetiredAt, k2.RetiredAt, k3.RetiredAt = at(time.Hour), at(2*time.Hour), time.Time{}
		wantKeys(t, b, k3, k2, k1)
	})

	t.Run("list-newest-first", func(t *testing.T) {
		b := fresh(t, open)
		if got, err := b.ListSigningKeys(t.Context()); err != nil || len(got) != 0 {
			t.Fatalf("ListSigningKeys(empty) = %d keys, %v; want 0, nil", len(got), err)
		}
		// Insertion order differs from creation order; two keys share a
		// creation time and are ordered by id, descending.
		old, newest, tieA, tieB := newKey(at(-time.Hour)), newKey(at(time.Hour)), newKey(at(0)), newKey(at(0))
		if strings.Compare(tieA.ID, tieB.ID) < 0 {
			tieA, tieB = tieB, tieA // tieA has the greater id
		}
		rot := at(3 * time.Hour)
		for _, k := range []keys.Record{tieB, newest, old, tieA} {
			mustInsertKey(t, b, k, rot)
		}
		newest.RetiredAt, old.RetiredAt, tieB.RetiredAt = rot, rot, rot
		wantKeys(t, b, newest, tieA, tieB, old)
	})

	t.Run("round-trip", func(t *testing.T) {
		b := fresh(t, open)
		k := newKey(time.Now()) // monotonic reading, local zone
		k.PublicDER = allBytes(16)
		k.SealedPriv = append([]byte{0x00, 0x00}, allBytes(3)...)
		k.Algorithm = "ES256"
		mustInsertKey(t, b, k, time.Now())
		wantKeys(t, b, k)
	})

	t.Run("delete", func(t *testing.T) {
		b := fresh(t, open)
		k1, k2 := newKey(at(0)), newKey(at(time.Hour))
		mustInsertKey(t, b, k1, at(0))
		mustInsertKey(t, b, k2, at(time.Hour))
		if err := b.DeleteSigningKey(t.Context(), k1.ID); err != nil {
			t.Fatalf("DeleteSigningKey() = %v", err)
		}
		if err := b.DeleteSigningKey(t.Context(), k1.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteSigningKey(again) = %v, want ErrNotFound", err)
		}
		wantKeys(t, b, k2)
	})

	t.Run("not-found", func(t *testing.T) {
		b := fresh(t, open)
		mustInsertKey(t, b, newKey(at(0)), at(0))
		if err := b.DeleteSigningKey(t.Context(), uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteSigningKey(unknown) = %v, want ErrNotFound", err)
		}
	})

	t.Run("conflict-id", func(t *testing.T) {
		b := fresh(t, open)
		k1 := newKey(at(0))
		mustInsertKey(t, b, k1, at(0))
		dup := newKey(at(time.Hour))
		dup.ID = k1.ID
		if err := b.InsertSigningKey(t.Context(), dup, at(time.Hour)); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("InsertSigningKey(same id) = %v, want ErrConflict", err)
		}
		wantKeys(t, b, k1) // the retirement was rolled back with the insert
	})

	t.Run("invalid", func(t *testing.T) {
		b := fresh(t, open)
		active := newKey(at(0))
		mustInsertKey(t, b, active, at(0))
		for _, tc := range []struct {
			name   string
			mutate func(k *keys.Record, at *time.Time)
		}{
			{"fail/empty-id", func(k *keys.Record, _ *time.Time) { k.ID = "" }},
			{"fail/empty-public", func(k *keys.Record, _ *time.Time) { k.PublicDER = nil }},
			{"fail/empty-sealed", func(k *keys.Record, _ *time.Time) { k.SealedPriv = []byte{} }},
			{"fail/zero-created-at", func(k *keys.Record, _ *time.Time) { k.CreatedAt = time.Time{} }},
			{"fail/zero-retire-time", func(_ *keys.Record, at *time.Time) { *at = time.Time{} }},
			{"fail/algorithm-invalid-utf8", func(k *keys.Record, _ *time.Time) { k.Algorithm = "ES\xff" }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				k, when := newKey(at(time.Hour)), at(time.Hour)
				tc.mutate(&k, &when)
				err := b.InsertSigningKey(t.Context(), k, when)
				if err == nil || errors.Is(err, store.ErrConflict) {
					t.Fatalf("InsertSigningKey() = %v, want a validation error", err)
				}
				wantKeys(t, b, active)
			})
		}
	})
}

// mustInsertKey inserts k, retiring the others at when, or stops the test.
func mustInsertKey(t *testing.T, b Backend, k keys.Record, when time.Time) {
	t.Helper()
	if err := b.InsertSigningKey(t.Context(), k, when); err != nil {
		t.Fatalf("InsertSigningKey(%s) = %v", k.ID, err)
	}
}

// wantKeys checks that ListSigningKeys returns exactly want, in order.
func wantKeys(t *testing.T, b Backend, want ...keys.Record) {
	t.Helper()
	got, err := b.ListSigningKeys(t.Context())
	if err != nil {
		t.Fatalf("ListSigningKeys() = %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("ListSigningKeys() = %d keys %q, want %d %q", len(got), ids(got), len(want), ids(want))
	}
	for i := range want {
		if d := diffKey(got[i], want[i]); d != "" {
			t.Errorf("ListSigningKeys()[%d]: %s", i, d)
		}
	}
}

// ids returns the ids of rs, for messages.
func ids(rs []keys.Record) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}
