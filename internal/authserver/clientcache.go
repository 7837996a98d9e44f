package authserver

import (
	"context"
	"sync"
	"time"
)

// clientCacheTTL bounds how long a client record read from the store is
// reused. D1: deleting a client or rotating its secret (by any process on
// the shared store) takes effect on every node within 1 s.
const clientCacheTTL = 500 * time.Millisecond

// clientCacheMax bounds the cache's memory; when full it starts afresh.
const clientCacheMax = 10_000

// clientCache is a ClientStore whose GetClient reuses a record for at most
// clientCacheTTL: the token endpoint reads the client on every request, and
// the store lookup was a quarter of its cost (docs/performance.md). Failed
// lookups are never cached, so an unknown client always reaches the store
// (the jail and rate limits bound that). Records are shared between callers,
// which must not modify their slices.
type clientCache struct {
	ClientStore
	now func() time.Time

	mu      sync.RWMutex // guards entries
	entries map[string]cachedClient
}

type cachedClient struct {
	c  Client
	at time.Time
}

func newClientCache(st ClientStore, now func() time.Time) *clientCache {
	return &clientCache{ClientStore: st, now: now, entries: map[string]cachedClient{}}
}

// GetClient returns a record at most clientCacheTTL old.
func (cc *clientCache) GetClient(ctx context.Context, id string) (Client, error) {
	now := cc.now()
	cc.mu.RLock()
	e, ok := cc.entries[id]
	cc.mu.RUnlock()
	if ok && !now.Before(e.at) && now.Sub(e.at) < clientCacheTTL {
		return e.c, nil
	}
	c, err := cc.ClientStore.GetClient(ctx, id)
	if err != nil {
		cc.forget(id)
		return c, err
	}
	cc.mu.Lock()
	if len(cc.entries) >= clientCacheMax {
		clear(cc.entries)
	}
	cc.entries[id] = cachedClient{c: c, at: now}
	cc.mu.Unlock()
	return c, nil
}

// DeleteClient deletes and forgets the record at once on this node.
func (cc *clientCache) DeleteClient(ctx context.Context, id string) error {
	cc.forget(id)
	return cc.ClientStore.DeleteClient(ctx, id)
}

// UpdateClientSecret updates and forgets the record at once on this node.
func (cc *clientCache) UpdateClientSecret(ctx context.Context, id string, u SecretUpdate) error {
	cc.forget(id)
	return cc.ClientStore.UpdateClientSecret(ctx, id, u)
}

func (cc *clientCache) forget(id string) {
	cc.mu.Lock()
	delete(cc.entries, id)
	cc.mu.Unlock()
}
