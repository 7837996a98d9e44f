package ratelimit

import "sync"

// shard is one LRU-bounded part of a Local's key space.
type shard struct {
	mu   sync.Mutex        // guards the fields below
	m    map[string]*entry // key → entry, also linked in the recency list
	root entry             // sentinel of the recency list: root.next is the most recently used
	cap  int               // at most cap entries
}

// entry is one key's GCRA state, linked in its shard's recency list.
type entry struct {
	key        string
	tat        int64 // theoretical arrival time, ns since the Local's base time
	prev, next *entry
}

func (s *shard) init(cap int) {
	s.cap = max(cap, 1)
	s.m = make(map[string]*entry)
	s.root.prev, s.root.next = &s.root, &s.root
}

// get returns key's entry, marked most recently used, or nil. The caller
// holds s.mu.
func (s *shard) get(key string) *entry {
	e := s.m[key]
	if e != nil {
		s.unlink(e)
		s.pushFront(e)
	}
	return e
}

// add inserts a new entry for key, evicting the least recently used entry
// when the shard is full. Evicting forgets that key's state: its next
// request starts with a full burst. The caller holds s.mu.
func (s *shard) add(key string) *entry {
	if len(s.m) >= s.cap {
		old := s.root.prev
		s.unlink(old)
		delete(s.m, old.key)
	}
	e := &entry{key: key}
	s.m[key] = e
	s.pushFront(e)
	return e
}

func (s *shard) pushFront(e *entry) {
	e.prev, e.next = &s.root, s.root.next
	e.prev.next, e.next.prev = e, e
}

func (s *shard) unlink(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}
