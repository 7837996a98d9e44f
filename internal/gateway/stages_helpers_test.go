package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/apikey"
	"github.com/rempart/rempart/internal/jail"
	"github.com/rempart/rempart/internal/store"
)

// keyStore is an in-memory apikey.Store that can be made to fail.
type keyStore struct {
	mu   sync.Mutex // guards the fields below
	keys []apikey.Key
	err  error
}

var _ apikey.Store = (*keyStore)(nil)

func (s *keyStore) CreateAPIKey(_ context.Context, k apikey.Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, k)
	return nil
}

func (s *keyStore) APIKeyByHash(_ context.Context, hash []byte) (apikey.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return apikey.Key{}, s.err
	}
	for _, k := range s.keys {
		if hmac.Equal(k.Hash, hash) {
			k.APIs = slices.Clone(k.APIs)
			return k, nil
		}
	}
	return apikey.Key{}, store.ErrNotFound
}

func (s *keyStore) ListAPIKeys(context.Context) ([]apikey.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.keys), nil
}

func (s *keyStore) RevokeAPIKey(_ context.Context, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.keys {
		if s.keys[i].ID == id {
			s.keys[i].RevokedAt = at
			return nil
		}
	}
	return store.ErrNotFound
}

func (s *keyStore) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// testHasher is HMAC-SHA-256 under a fixed test key (the vault's role).
type testHasher struct{}

func (testHasher) Hash(purpose, secret string) []byte {
	m := hmac.New(sha256.New, []byte("gateway-test|"+purpose))
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// withKeys returns deps with an API-key authenticator over a fresh store,
// on the fixture's clock.
func (f *fixture) withKeys(d Deps) (Deps, *keyStore) {
	st := &keyStore{}
	d.APIKeys = apikey.NewAuthenticator(st, testHasher{}, time.Second, f.clock.Now, 0)
	return d, st
}

// issue creates an API key valid for apis and returns it and its secret.
func issue(t testing.TB, st *keyStore, now time.Time, name string, apis ...string) (apikey.Key, string) {
	t.Helper()
	k, raw, err := apikey.Issue(context.Background(), st, testHasher{}, name, apis, now)
	if err != nil {
		t.Fatal(err)
	}
	return k, raw
}

// newJail returns a jail on the fixture's clock: 3 failures within a
// minute ban for ten minutes.
func (f *fixture) newJail() *jail.Jail {
	return jail.New(jail.Config{MaxFailures: 3, Window: time.Minute, Ban: 10 * time.Minute}, 0, f.clock.Now)
}

// scripted is an upstream whose answer the test sets.
type scripted struct {
	srv  *httptest.Server
	hits atomic.Int64

	mu     sync.Mutex // guards the fields below
	status int
	header http.Header
	body   string
	delay  chan struct{} // when set, the answer waits for it (or the client to leave)
}

func newScripted(t testing.TB) *scripted {
	s := &scripted{status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: `{"ok":true}`}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		status, body, delay := s.status, s.body, s.delay
		for k, vs := range s.header {
			w.Header()[k] = vs
		}
		s.mu.Unlock()
		if delay != nil {
			select {
			case <-delay:
			case <-r.Context().Done():
				return
			}
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *scripted) answer(status int, header http.Header, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
	s.header = http.Header{"Content-Type": {"application/json"}}
	for k, vs := range header {
		s.header[k] = vs
	}
}

// send builds and sends one request with a raw path and returns the
// response with its body read.
func send(t testing.TB, srv *httptest.Server, method, rawPathQuery string, h http.Header, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := newReq(t, srv, method, rawPathQuery, rd)
	for k, vs := range h {
		req.Header[k] = vs
	}
	return do(t, srv.Client(), req)
}

// hdr builds a header from name, value pairs.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// checkValidationProblem asserts a problem whose detail is the given
// generic text (validation refusals carry title and location).
func checkValidationProblem(t testing.TB, res *http.Response, body []byte, status int, detail string) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("status = %d, want %d (body %s)", res.StatusCode, status, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	if !strings.Contains(string(body), `"detail":"`+detail+`"`) {
		t.Errorf("body %s: want detail %q", body, detail)
	}
	if !strings.Contains(string(body), `"request_id":"`+res.Header.Get("X-Request-ID")+`"`) {
		t.Errorf("body %s: request_id is not X-Request-ID", body)
	}
}
