package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/keys"
	"github.com/rempart/rempart/internal/store"
)

func runConcurrency(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("insert-keys", func(t *testing.T) {
		// Concurrent rotations (several nodes running "keys rotate") must
		// serialise: no error, and exactly one active key at the end.
		b := fresh(t, open)
		const n = 20
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				when := at(time.Duration(i) * time.Second)
				errs[i] = b.InsertSigningKey(t.Context(), newKey(when), when)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("InsertSigningKey #%d = %v", i, err)
			}
		}
		got, err := b.ListSigningKeys(t.Context())
		if err != nil {
			t.Fatalf("ListSigningKeys() = %v", err)
		}
		if len(got) != n {
			t.Errorf("ListSigningKeys() = %d keys, want %d", len(got), n)
		}
		var active []keys.Record
		for _, k := range got {
			if k.RetiredAt.IsZero() {
				active = append(active, k)
			}
		}
		if len(active) != 1 {
			t.Errorf("active keys = %q, want exactly one", ids(active))
		}
	})

	t.Run("create-clients-same-name", func(t *testing.T) {
		b := fresh(t, open)
		const n = 10
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				c := newClient("race")
				c.ID = uuid.NewString()
				errs[i] = b.CreateClient(t.Context(), c)
			})
		}
		wg.Wait()
		var ok int
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("CreateClient #%d = %v, want nil or ErrConflict", i, err)
			}
		}
		if ok != 1 {
			t.Errorf("%d creates succeeded, want exactly 1", ok)
		}
		if got, err := b.ListClients(t.Context()); err != nil || len(got) != 1 {
			t.Errorf("ListClients() = %d clients, %v; want 1", len(got), err)
		}
	})
}
