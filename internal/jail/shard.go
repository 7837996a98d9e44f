package jail

import "sync"

// shard is one bounded part of a Jail's key space. Each entry sits on
// exactly one of two recency lists: free (not banned when last updated)
// or banned. Eviction takes from free first, so banned keys survive a
// flood of new keys.
type shard struct {
	mu     sync.Mutex        // guards the fields below
	m      map[string]*entry // key → entry
	free   list              // front: most recent failure
	banned list              // front: latest ban end; back: the ban that ends first
	cap    int               // at most cap entries
}

// entry is one key's failure history.
type entry struct {
	key   string
	fails []int64 // times of the last failures (ns since Jail.base), oldest first, at most MaxFailures
	until int64   // end of the ban (ns since Jail.base); meaningful when onBan
	onBan bool    // on the banned list
	prev  *entry
	next  *entry
}

func (s *shard) init(cap int) {
	s.cap = max(cap, 1)
	s.m = make(map[string]*entry)
	s.free.init()
	s.banned.init()
}

// checkLocked reports whether key is banned at now and the ban time left.
// It stores nothing for unknown keys, and drops or frees entries whose
// ban has ended. The caller holds s.mu.
func (s *shard) checkLocked(key string, now, window int64) (left int64, jailed bool) {
	e := s.m[key]
	if e == nil || !e.onBan {
		return 0, false
	}
	if now < e.until {
		return e.until - now, true
	}
	// The ban is over: forget the key, or keep its recent failures.
	s.banned.remove(e)
	e.onBan = false
	if len(e.fails) == 0 || now-e.fails[len(e.fails)-1] >= window {
		delete(s.m, key)
		return 0, false
	}
	s.free.pushFront(e)
	return 0, false
}

// failLocked records a failure of key at now and reports whether key
// entered jail with it. The caller holds s.mu.
func (s *shard) failLocked(key string, now int64, cfg Config) (entered bool) {
	e := s.m[key]
	if e == nil {
		e = s.addLocked(key, now)
	}
	// Sliding window: keep the failures of the last Window, then this one.
	window := int64(cfg.Window)
	i := 0
	for i < len(e.fails) && now-e.fails[i] >= window {
		i++
	}
	e.fails = append(e.fails[:0], e.fails[i:]...)
	if len(e.fails) == cfg.MaxFailures {
		copy(e.fails, e.fails[1:])
		e.fails = e.fails[:len(e.fails)-1]
	}
	e.fails = append(e.fails, now)

	wasBanned := e.onBan && now < e.until
	if e.onBan {
		s.banned.remove(e)
	} else {
		s.free.remove(e)
	}
	if wasBanned || len(e.fails) >= cfg.MaxFailures {
		// Banned for Ban from the last failure.
		e.until = now + int64(cfg.Ban)
		e.onBan = true
		s.banned.pushFront(e)
		return !wasBanned
	}
	e.onBan = false
	s.free.pushFront(e)
	return false
}

// addLocked inserts an empty entry for key, on the free list, evicting
// one entry first when the shard is full. The victim is, in order: a key
// whose ban has ended, the least recently failing free key, the banned
// key whose ban ends first. The caller holds s.mu.
func (s *shard) addLocked(key string, now int64) *entry {
	if len(s.m) >= s.cap {
		victim := s.banned.back()
		if victim == nil || now < victim.until {
			if f := s.free.back(); f != nil {
				victim = f
			}
		}
		if victim.onBan {
			s.banned.remove(victim)
		} else {
			s.free.remove(victim)
		}
		delete(s.m, victim.key)
	}
	e := &entry{key: key}
	s.m[key] = e
	s.free.pushFront(e)
	return e
}

// list is an intrusive doubly linked list of entries with a sentinel.
type list struct{ root entry }

func (l *list) init() { l.root.prev, l.root.next = &l.root, &l.root }

func (l *list) back() *entry {
	if l.root.prev == &l.root {
		return nil
	}
	return l.root.prev
}

func (l *list) pushFront(e *entry) {
	e.prev, e.next = &l.root, l.root.next
	e.prev.next, e.next.prev = e, e
}

func (l *list) remove(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}
