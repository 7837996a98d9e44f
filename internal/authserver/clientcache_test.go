package authserver

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/store"
)

// countingClients counts the store reads behind a clientCache.
type countingClients struct {
	ClientStore
	reads int
}

func (c *countingClients) GetClient(ctx context.Context, id string) (Client, error) {
	c.reads++
	return c.ClientStore.GetClient(ctx, id)
}

func TestClientCache(t *testing.T) {
	ctx := context.Background()
	backing := newMemStore()
	if err := backing.CreateClient(ctx, Client{ID: "c1", Name: "one", CreatedAt: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	counting := &countingClients{ClientStore: backing}
	now := time.Unix(1000, 0)
	cc := newClientCache(counting, func() time.Time { return now })

	get := func() error { _, err := cc.GetClient(ctx, "c1"); return err }
	for i := 0; i < 3; i++ {
		if err := get(); err != nil {
			t.Fatal(err)
		}
	}
	if counting.reads != 1 {
		t.Errorf("3 reads within the TTL hit the store %d times, want 1", counting.reads)
	}
	// Another process deletes the client: seen once the entry is older than the TTL (D1).
	if err := backing.DeleteClient(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(clientCacheTTL - time.Millisecond)
	if err := get(); err != nil {
		t.Errorf("within the TTL: %v, want the cached record", err)
	}
	now = now.Add(2 * time.Millisecond)
	if err := get(); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after the TTL: %v, want ErrNotFound", err)
	}
	if clientCacheTTL >= time.Second {
		t.Errorf("clientCacheTTL %v: a deletion must take effect within 1 s (D1)", clientCacheTTL)
	}
	// A local rotation forgets the record at once.
	if err := backing.CreateClient(ctx, Client{ID: "c2", Name: "two", SecretHash: []byte("old"), CreatedAt: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cc.GetClient(ctx, "c2"); err != nil {
		t.Fatal(err)
	}
	if err := cc.UpdateClientSecret(ctx, "c2", SecretUpdate{SecretHash: []byte("new"), UpdatedAt: time.Unix(2, 0)}); err != nil {
		t.Fatal(err)
	}
	if c, _ := cc.GetClient(ctx, "c2"); string(c.SecretHash) != "new" {
		t.Errorf("after a local rotation the cache served hash %q", c.SecretHash)
	}
}
