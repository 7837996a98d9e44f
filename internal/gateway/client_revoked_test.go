package gateway

import (
	"sync"
	"testing"
)

// TestClientRevokedOnHit pins D1 for deleted clients: once ClientRevoked
// names a token's client, the token is refused with 401 "revoked" even on
// a cache hit (no new verification), counted like a revoked jti; another
// client's token still passes.
func TestClientRevokedOnHit(t *testing.T) {
	f := newFixture(t)
	var gone sync.Map
	d := f.deps()
	d.Revoked = func(string) bool { return false }
	d.ClientRevoked = func(id string) bool { _, ok := gone.Load(id); return ok }
	_, srv := f.serve(t, authConfig(t, f), d, false)
	c := f.claims("orders:read", "orders")
	other := f.claims("orders:read", "orders")
	other.ClientID = "client-2"
	tok, otherTok := f.token(t, c), f.token(t, other)
	for _, x := range []string{tok, otherTok} {
		if s := get(t, srv.URL, srv.Client(), "/orders/1", x); s != 200 {
			t.Fatalf("before revocation: status %d, want 200", s)
		}
	}
	gone.Store(c.ClientID, true)
	before := authFailures(t, f.metrics, "revoked")
	if s := get(t, srv.URL, srv.Client(), "/orders/1", tok); s != 401 {
		t.Errorf("token of a revoked client on a cache hit: status %d, want 401", s)
	}
	if n := f.verifier.calls.Load(); n != 2 {
		t.Errorf("VerifyAccess called %d times, want 2 (the refusal came from the hit)", n)
	}
	if authFailures(t, f.metrics, "revoked") != before+1 {
		t.Errorf("client revocation refusal not counted as revoked")
	}
	if s := get(t, srv.URL, srv.Client(), "/orders/1", otherTok); s != 200 {
		t.Errorf("another client's token: status %d, want 200", s)
	}
	if _, hits := f.up.received(); hits != 3 {
		t.Errorf("upstream hits = %d, want 3", hits)
	}
}
