package gateway

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/rempart/rempart/internal/token"
)

// rotatingKeys is a SigningKeys whose current key the test changes.
type rotatingKeys struct {
	mu  sync.Mutex
	k   token.SigningKey
	err error
}

func (r *rotatingKeys) SigningKey() (token.SigningKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.k, r.err
}

func (r *rotatingKeys) set(k token.SigningKey, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.k, r.err = k, err
}

func TestSignerFollowsKeyRotation(t *testing.T) {
	k1 := token.SigningKey{ID: "id-1", Key: newKey(t)}
	k2 := token.SigningKey{ID: "id-2", Key: newKey(t)}
	keys := &rotatingKeys{k: k1}
	var sc signerCache
	s1, err := sc.get(keys)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := sc.get(keys); again != s1 {
		t.Errorf("signer rebuilt for the same key")
	}
	keys.set(k2, nil)
	s2, err := sc.get(keys)
	if err != nil || s2 == s1 {
		t.Fatalf("signer not rebuilt after rotation: %v", err)
	}
	jws, err := s2.Sign(map[string]any{"sub": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if hdr, _ := b64.DecodeString(strings.Split(jws, ".")[0]); !strings.Contains(string(hdr), `"kid":"id-2"`) {
		t.Errorf("header %s does not name the new key", hdr)
	}
}

func TestIdentityKeyFailure(t *testing.T) {
	f := newFixture(t)
	keys := &rotatingKeys{err: errors.New("key store down at 10.0.0.7")}
	d := f.deps()
	d.Keys = keys
	_, srv := f.serve(t, authConfig(t, f), d, false)
	req := newReq(t, srv, "GET", "/orders/1", nil)
	req.Header.Set("Authorization", "Bearer "+f.token(t, f.claims("orders:read", "orders")))
	res, body := do(t, srv.Client(), req)
	checkProblem(t, res, body, 500)
	if strings.Contains(string(body), "10.0.0.7") {
		t.Errorf("internal error leaked: %s", body)
	}
	if _, hits := f.up.received(); hits != 0 {
		t.Errorf("upstream reached without an identity")
	}
}
