package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash/maphash"
	"sync"
	"time"
)

// DefaultMaxKeys is the number of keys a zero Local tracks.
const DefaultMaxKeys = 100_000

// MaxKeyLen is the longest key stored as is; longer keys are replaced by
// a fixed-size SHA-256 digest so that memory per key is bounded.
const MaxKeyLen = 256

// maxShards is the number of shards of a Local with enough keys: enough
// to spread lock contention over the CPUs of a gateway node.
const maxShards = 16

// Local is a single-node GCRA limiter keyed by string (see the package
// doc). The zero value is ready to use with the defaults; set the fields
// before the first call to Allow and do not change them afterwards. A
// Local is safe for concurrent use.
type Local struct {
	// MaxKeys bounds the number of keys tracked; 0 means DefaultMaxKeys.
	// Size it above the number of keys active within one period.
	MaxKeys int
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	once   sync.Once
	base   time.Time // origin of the shards' nanosecond clock
	seed   maphash.Seed
	shards []shard
}

var _ Limiter = (*Local)(nil)

// Allow charges one request to key under lim. ctx is unused by the local
// limiter; it is part of [Limiter] for networked implementations. An
// invalid lim returns an error wrapping [ErrInvalidLimit].
func (l *Local) Allow(ctx context.Context, key string, lim Limit) (Decision, error) {
	return l.allowAt(key, lim, l.now())
}

func (l *Local) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Len returns the number of keys currently tracked (at most MaxKeys).
func (l *Local) Len() int {
	l.init(l.now())
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

func (l *Local) allowAt(key string, lim Limit, now time.Time) (Decision, error) {
	if err := lim.Validate(); err != nil {
		return Decision{}, err
	}
	l.init(now)
	key = boundKey(key)
	s := &l.shards[maphash.String(l.seed, key)%uint64(len(l.shards))]
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.allowLocked(key, lim, int64(now.Sub(l.base))), nil
}

// init builds the shards on first use. The seed is random per Local, so
// a client cannot pick keys that all land in the shard of a victim key.
// Times are kept as nanoseconds since base, which uses the monotonic
// clock when Now provides it, so a wall-clock step does not shift limits.
func (l *Local) init(base time.Time) {
	l.once.Do(func() {
		l.base = base
		max := l.MaxKeys
		if max <= 0 {
			max = DefaultMaxKeys
		}
		n := min(maxShards, max)
		l.seed = maphash.MakeSeed()
		l.shards = make([]shard, n)
		for i := range l.shards {
			l.shards[i].init(max / n) // floor: the shards together hold at most max
		}
	})
}

// allowLocked is GCRA on the key's theoretical arrival time (TAT), in
// nanoseconds since the Local's base time. The caller holds s.mu.
func (s *shard) allowLocked(key string, lim Limit, now int64) Decision {
	t := lim.interval()
	tau := int64(lim.burst()) * t // the whole burst, B*T
	tat := now                    // an unknown key has a full burst
	e := s.get(key)
	if e != nil {
		tat = max(e.tat, now)
	}
	newTAT := tat + t
	d := Decision{Limit: lim}
	if allowAt := newTAT - tau; now < allowAt {
		// Denied: TAT stays put, so the next request is allowed at allowAt.
		d.RetryAfter = time.Duration(allowAt - now)
		newTAT = tat
	} else {
		d.Allowed = true
		if e == nil {
			e = s.add(key)
		}
		e.tat = newTAT
	}
	d.Remaining = int(max(tau-(newTAT-now), 0) / t)
	d.Reset = time.Duration(max(newTAT-now, 0))
	return d
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
