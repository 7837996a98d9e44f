package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/store"
)

// runClosed checks that a closed backend fails closed (D2): every call
// returns an error, and never ErrNotFound, which a caller could take for an
// answer ("no such client", "already deleted").
func runClosed(t *testing.T, open func(t *testing.T) Backend) {
	b := fresh(t, open)
	c, k := newClient("closed"), newKey(at(0))
	mustCreate(t, b, c)
	mustInsertKey(t, b, k, at(0))
	if err := b.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	ctx := t.Context()
	for name, call := range map[string]func() error{
		"Ping": func() error { return b.Ping(ctx) },
		"GetClient": func() error {
			got, err := b.GetClient(ctx, c.ID)
			if err == nil || got.ID != "" {
				return nil
			}
			return err
		},
		"ListClients": func() error {
			got, err := b.ListClients(ctx)
			if len(got) != 0 {
				return nil
			}
			return err
		},
		"CreateClient": func() error { return b.CreateClient(ctx, newClient("after-close")) },
		"DeleteClient": func() error { return b.DeleteClient(ctx, c.ID) },
		"UpdateClientSecret": func() error {
			return b.UpdateClientSecret(ctx, c.ID, authserver.SecretUpdate{SecretHash: hash(5), UpdatedAt: at(time.Hour)})
		},
		"InsertSigningKey": func() error { return b.InsertSigningKey(ctx, newKey(at(time.Hour)), at(time.Hour)) },
		"ListSigningKeys": func() error {
			got, err := b.ListSigningKeys(ctx)
			if len(got) != 0 {
				return nil
			}
			return err
		},
		"DeleteSigningKey": func() error { return b.DeleteSigningKey(ctx, k.ID) },
	} {
		if err := call(); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s after Close = %v, want an error other than ErrNotFound (and no data)", name, err)
		}
	}
}
