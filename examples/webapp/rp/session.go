package rp

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Session limits: a demo keeps few users, and a flood of logins cannot grow
// the map without bound.
const (
	sessionTTL  = 8 * time.Hour
	maxSessions = 10000
)

// session is a signed-in user, as the server keeps it. The tokens never
// leave the server.
type session struct {
	Claims      idClaims       // verified from the ID token
	UserInfo    map[string]any // nil when userinfo was unavailable
	Token       *oauth2.Token  // access and refresh tokens
	Refreshes   int            // successful refresh-token redemptions
	LastRotated bool           // the last refresh returned a new refresh token
	Expires     time.Time
}

// sessionStore maps SHA-256(cookie value) to sessions, so that even a dump
// of the process's memory holds no usable cookie.
type sessionStore struct {
	mu sync.Mutex // guards m
	m  map[[sha256.Size]byte]*session
}

func newSessionStore() *sessionStore {
	return &sessionStore{m: map[[sha256.Size]byte]*session{}}
}

// newSessionID returns a cookie value with 256 bits of entropy.
func newSessionID(rand io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("rp: session id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// put stores s under id. Expired sessions are dropped first; at capacity an
// arbitrary session is evicted.
func (st *sessionStore) put(id string, s *session, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.m) >= maxSessions {
		st.pruneLocked(now)
	}
	for k := range st.m {
		if len(st.m) < maxSessions {
			break
		}
		delete(st.m, k)
	}
	st.m[sha256.Sum256([]byte(id))] = s
}

// get returns a copy of the session of cookie value id, false when absent
// or expired.
func (st *sessionStore) get(id string, now time.Time) (session, bool) {
	if id == "" {
		return session{}, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	k := sha256.Sum256([]byte(id))
	s, ok := st.m[k]
	if !ok {
		return session{}, false
	}
	if !now.Before(s.Expires) {
		delete(st.m, k)
		return session{}, false
	}
	return *s, true
}

// update runs f on the session of id under the lock; false when absent.
func (st *sessionStore) update(id string, f func(*session)) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.m[sha256.Sum256([]byte(id))]
	if ok {
		f(s)
	}
	return ok
}

// delete forgets the session of id and returns it.
func (st *sessionStore) delete(id string) (session, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	k := sha256.Sum256([]byte(id))
	s, ok := st.m[k]
	if !ok {
		return session{}, false
	}
	delete(st.m, k)
	return *s, true
}

// len returns the number of sessions held.
func (st *sessionStore) len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.m)
}

func (st *sessionStore) pruneLocked(now time.Time) {
	for k, s := range st.m {
		if !now.Before(s.Expires) {
			delete(st.m, k)
		}
	}
}
