package jail

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/maphash"
	"slices"
	"time"
)

// MaxKeyLen is the longest key stored as is; longer keys are replaced by
// a fixed-size SHA-256 digest so that memory per key is bounded.
const MaxKeyLen = 256

// maxShards spreads lock contention over the CPUs of a node.
const maxShards = 16

// Jail counts failures per key and bans keys that fail too often (see the
// package doc). It is safe for concurrent use; its memory is bounded by
// maxKeys entries of at most MaxFailures timestamps each.
type Jail struct {
	cfg    Config
	now    func() time.Time
	base   time.Time // origin of the shards' nanosecond clock
	seed   maphash.Seed
	shards []shard
}

// New returns a Jail with cfg (zero fields take the defaults) tracking at
// most maxKeys keys (0 means DefaultMaxKeys). now is the clock; nil means
// time.Now.
func New(cfg Config, maxKeys int, now func() time.Time) *Jail {
	if now == nil {
		now = time.Now
	}
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	n := min(maxShards, maxKeys)
	j := &Jail{
		cfg:    cfg.withDefaults(),
		now:    now,
		base:   now(),
		seed:   maphash.MakeSeed(),
		shards: make([]shard, n),
	}
	for i := range j.shards {
		j.shards[i].init(maxKeys / n) // floor: the shards together hold at most maxKeys
	}
	return j
}

// Check reports whether any of keys is jailed now and, if so, the longest
// remaining ban among them, for Retry-After. A jailed request is refused
// even with correct credentials.
func (j *Jail) Check(keys ...string) (retryAfter time.Duration, jailed bool) {
	return j.checkAt(j.now(), keys)
}

// Fail records one failure for each distinct key and returns the keys
// that entered jail with this failure (for the "jail.entered" audit event
// and log line); it returns nil when none did.
func (j *Jail) Fail(keys ...string) (entered []string) {
	return j.failAt(j.now(), keys)
}

// Len returns the number of keys tracked.
func (j *Jail) Len() int {
	n := 0
	for i := range j.shards {
		s := &j.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

func (j *Jail) checkAt(now time.Time, keys []string) (time.Duration, bool) {
	t := j.nanos(now)
	var longest int64
	jailed := false
	for _, k := range keys {
		if k == "" {
			continue
		}
		k = boundKey(k)
		s := j.shardFor(k)
		s.mu.Lock()
		left, ok := s.checkLocked(k, t, int64(j.cfg.Window))
		s.mu.Unlock()
		if ok {
			jailed = true
			longest = max(longest, left)
		}
	}
	return time.Duration(longest), jailed
}

func (j *Jail) failAt(now time.Time, keys []string) []string {
	t := j.nanos(now)
	var entered []string
	for i, k := range keys {
		if k == "" || slices.Contains(keys[:i], k) {
			continue
		}
		bk := boundKey(k)
		s := j.shardFor(bk)
		s.mu.Lock()
		in := s.failLocked(bk, t, j.cfg)
		s.mu.Unlock()
		if in {
			entered = append(entered, k)
		}
	}
	return entered
}

// nanos is now as nanoseconds since j.base; it uses the monotonic clock
// when now carries it, so a wall-clock step does not lift or stretch bans.
func (j *Jail) nanos(now time.Time) int64 { return int64(now.Sub(j.base)) }

func (j *Jail) shardFor(key string) *shard {
	return &j.shards[maphash.String(j.seed, key)%uint64(len(j.shards))]
}

// boundKey returns key, or a digest of it when it is longer than
// MaxKeyLen. The NUL prefix keeps digests apart from printable keys.
func boundKey(key string) string {
	if len(key) <= MaxKeyLen {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "\x00sha256:" + hex.EncodeToString(sum[:])
}
