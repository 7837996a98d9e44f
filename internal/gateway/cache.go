package gateway

import (
	"hash/maphash"
	"sync"
	"time"
)

// maxShards is the number of independently locked parts of the cache.
const maxShards = 16

// verifyCache maps a raw access token to its successful verification. It is
// bounded (at most size entries: a full shard evicts an expired entry, else
// a random one), sharded with one RWMutex per shard so that concurrent hits
// do not contend, and keyed by the token string itself (hashing it would
// cost more than the map lookup; the token is already in the request's
// memory). Failures are never cached: an attacker cannot fill it with junk.
type verifyCache struct {
	seed     maphash.Seed
	perShard int
	shards   []cacheShard
}

type cacheShard struct {
	mu sync.RWMutex // guards m
	m  map[string]*cacheEntry
}

func newVerifyCache(size int) *verifyCache {
	n := min(maxShards, size)
	c := &verifyCache{seed: maphash.MakeSeed(), perShard: size / n, shards: make([]cacheShard, n)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*cacheEntry)
	}
	return c
}

func (c *verifyCache) shard(key string) *cacheShard {
	return &c.shards[maphash.String(c.seed, key)%uint64(len(c.shards))]
}

// get returns the entry for key, or nil when there is none or it has
// expired at now (an expired entry is dropped).
func (c *verifyCache) get(key string, now time.Time) *cacheEntry {
	s := c.shard(key)
	s.mu.RLock()
	e := s.m[key]
	s.mu.RUnlock()
	if e == nil || now.Before(e.exp) {
		return e
	}
	s.mu.Lock()
	if s.m[key] == e {
		delete(s.m, key)
	}
	s.mu.Unlock()
	return nil
}

// put stores e under key, evicting to stay within the bound.
func (c *verifyCache) put(key string, e *cacheEntry, now time.Time) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; !ok && len(s.m) >= c.perShard {
		s.evictLocked(now)
	}
	s.m[key] = e
}

// evictLocked removes one entry: the first expired one among a few looked
// at (map iteration starts at a random place), else the first looked at.
func (s *cacheShard) evictLocked(now time.Time) {
	const look = 8
	var victim string
	i := 0
	for k, e := range s.m {
		if i == 0 {
			victim = k
		}
		if !now.Before(e.exp) {
			victim = k
			break
		}
		if i++; i == look {
			break
		}
	}
	delete(s.m, victim)
}

// len returns the number of cached entries.
func (c *verifyCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
