// Package ratelimit limits request rates per key (R11): the gateway keys
// its limits by API or route and by client, API key, user or client
// address (config `rate_limit: { requests: 100, per: 1m, by: client }`),
// and the authorization server limits its token and login endpoints the
// same way.
//
// # Interface
//
// [Limiter] is the small interface callers depend on: Allow charges one
// request to a key under a [Limit] and returns a [Decision]. [Local] is the
// single-node implementation; a Redis-backed limiter for clusters (not
// built yet) would implement the same interface and fall back to a Local
// when Redis is unreachable (D3). Keys are opaque strings
// built by callers, such as "orders|client:<id>"; keys longer than
// [MaxKeyLen] bytes are replaced by their SHA-256 so that the memory held
// per key is bounded.
//
// # Algorithm
//
// Local implements GCRA, the Generic Cell Rate Algorithm (the "virtual
// scheduling" form of ITU-T I.371): each key keeps one number, its
// theoretical arrival time (TAT). With emission interval T = Per/Requests
// and burst B, a request at time now is allowed when
//
//	max(TAT, now) + T - now <= B*T
//
// and then sets TAT = max(TAT, now) + T. A denied request leaves TAT
// unchanged, so a client hammering a limit still gets one request through
// every T (no overdraft). GCRA is exact, needs no refill timer, and stores
// 8 bytes of state per key.
//
// # Memory
//
// Local tracks at most MaxKeys keys, in shards with per-shard LRU
// eviction. Evicting a key forgets its state, so the key starts again with
// a full burst: the limiter errs towards letting a forgotten key through
// rather than towards unbounded memory. MaxKeys should therefore be sized
// above the number of distinct keys active within one period, so that only
// keys that have been idle long enough to refill are evicted.
//
// # Headers
//
// [SetHeaders] writes the RateLimit-Policy and RateLimit fields of
// draft-ietf-httpapi-ratelimit-headers-11 and, on a denial, Retry-After
// (RFC 9110 §10.2.3) for the 429 response (RFC 6585 §4).
package ratelimit
