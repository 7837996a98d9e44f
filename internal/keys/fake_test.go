package keys

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rempart/rempart/internal/store"
)

// memStore is a hand-written in-memory Store following the contract in
// record.go.
type memStore struct {
	mu      sync.Mutex
	recs    []Record
	lists   int
	deletes []string

	listErr, insertErr error
	onList             func() // called after each List has read, outside mu
}

func (s *memStore) InsertSigningKey(_ context.Context, r Record, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.insertErr != nil {
		return s.insertErr
	}
	for _, x := range s.recs {
		if x.ID == r.ID {
			return store.ErrConflict
		}
	}
	for i := range s.recs {
		if s.recs[i].RetiredAt.IsZero() {
			s.recs[i].RetiredAt = at
		}
	}
	r.RetiredAt = time.Time{}
	s.recs = append(s.recs, clone(r))
	return nil
}

func (s *memStore) ListSigningKeys(context.Context) ([]Record, error) {
	out, err := s.list()
	if s.onList != nil {
		s.onList()
	}
	return out, err
}

func (s *memStore) list() ([]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists++
	if s.listErr != nil {
		return nil, s.listErr
	}
	out := make([]Record, 0, len(s.recs))
	for _, r := range s.recs {
		out = append(out, clone(r))
	}
	slices.SortFunc(out, func(a, b Record) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

func (s *memStore) DeleteSigningKey(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.recs {
		if r.ID == id {
			s.recs = slices.Delete(s.recs, i, i+1)
			s.deletes = append(s.deletes, id)
			return nil
		}
	}
	return fmt.Errorf("key %s: %w", id, store.ErrNotFound)
}

func (s *memStore) snapshot() []Record {
	recs, _ := (&memStore{recs: s.locked()}).list()
	return recs
}

func (s *memStore) locked() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.recs)
}

func (s *memStore) listCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists
}

func clone(r Record) Record {
	r.PublicDER = bytes.Clone(r.PublicDER)
	r.SealedPriv = bytes.Clone(r.SealedPriv)
	return r
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var _ Store = (*memStore)(nil)
