// Package jail bans principals and client addresses after repeated
// authentication failures (R3): bad password, bad client secret, bad or
// forged token, bad API key. The authorization server and the gateway
// record failures and check the jail alike; a jailed principal or address
// gets 429 with Retry-After, even with correct credentials, until its ban
// ends (config `jail: { max_failures: 5, window: 5m, ban: 15m }`).
//
// # Keys
//
// Keys are strings built by callers, such as "client:<id>", "ip:<addr>",
// "user:<name>" or "apikey:<id>". A request is checked with all the keys
// it involves (its address and the principal it claims) and is jailed if
// any of them is; a failure is recorded against each of them. Empty keys
// are ignored, so callers may pass optional keys unconditionally. Keys
// longer than [MaxKeyLen] bytes are replaced by their SHA-256.
//
// # Counting
//
// A key is banned when it has at least MaxFailures failures within the
// last Window (an exact sliding window: each key keeps the times of its
// last MaxFailures failures), and the ban lasts Ban from the last failure.
// A failure recorded while a key is banned extends its ban. A success
// does not reset the count: an attacker who holds one valid credential
// could otherwise interleave a successful login with guesses at another
// and never reach the threshold, for example on a shared address or
// against a username with a valid client.
//
// # Memory
//
// A Jail tracks at most maxKeys keys in shards, each an LRU. Eviction
// prefers keys that are not banned: the least recently failing free key
// goes first, and a banned key is evicted only when its shard holds
// nothing but banned keys (then the one whose ban ends first). An
// attacker spraying random usernames therefore cannot free a jailed
// address. Checking an unknown key never stores anything. Shards are
// chosen with a per-Jail random hash seed, so keys cannot be crafted to
// crowd one shard.
//
// # Clusters
//
// Jail keeps state in process. The gateway and the authorization server
// depend on a small interface of their own,
//
//	interface {
//		Check(keys ...string) (time.Duration, bool)
//		Fail(keys ...string) []string
//	}
//
// so that a shared implementation (Redis, D1) can replace Jail without
// changing them; it would keep these signatures by falling back to a
// local Jail when Redis is unreachable (D3).
package jail
