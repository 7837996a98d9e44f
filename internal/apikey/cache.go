package apikey

import (
	"sync"
	"time"
)

// ttlCache is a bounded map from a key hash to an answer, each entry valid
// until its own expiry. Entries are kept in a ring in insertion order; as
// every entry lives the same TTL, that is also expiry order, so the oldest
// entry is both the first to expire and the one evicted when the ring is
// full. Every operation is O(1); the map never holds more entries than the
// ring's capacity.
type ttlCache[V any] struct {
	mu   sync.Mutex // guards the fields below
	m    map[string]ttlEntry[V]
	ring []ringItem // capacity fixed at creation
	head int        // index of the oldest item
	n    int        // items in the ring
	seq  uint64     // last sequence number given
}

type ttlEntry[V any] struct {
	v   V
	exp time.Time // never used at or after exp
	seq uint64    // matches the ring item that owns this entry
}

// ringItem records an insertion; an entry replaced since (another seq) is
// left alone when the item is dropped.
type ringItem struct {
	key string
	exp time.Time
	seq uint64
}

func newTTLCache[V any](capacity int) *ttlCache[V] {
	return &ttlCache[V]{m: make(map[string]ttlEntry[V], min(capacity, 1024)), ring: make([]ringItem, capacity)}
}

// get returns the value cached for key, if any and not expired at now.
func (c *ttlCache[V]) get(key string, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || !now.Before(e.exp) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put caches v for key until exp, first dropping the entries expired at now
// and, when the ring is still full, the oldest one.
func (c *ttlCache[V]) put(key string, v V, exp, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.n > 0 && !now.Before(c.ring[c.head].exp) {
		c.popLocked()
	}
	if c.n == len(c.ring) {
		c.popLocked()
	}
	c.seq++
	c.m[key] = ttlEntry[V]{v: v, exp: exp, seq: c.seq}
	c.ring[(c.head+c.n)%len(c.ring)] = ringItem{key: key, exp: exp, seq: c.seq}
	c.n++
}

// popLocked drops the oldest ring item and its map entry, unless the entry
// was replaced by a later put.
func (c *ttlCache[V]) popLocked() {
	it := c.ring[c.head]
	if e, ok := c.m[it.key]; ok && e.seq == it.seq {
		delete(c.m, it.key)
	}
	c.ring[c.head] = ringItem{}
	c.head = (c.head + 1) % len(c.ring)
	c.n--
}

// len returns the number of entries held, expired ones included.
func (c *ttlCache[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
