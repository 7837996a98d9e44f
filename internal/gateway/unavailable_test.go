package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/rempart/rempart/internal/token"
)

// switchVerifier fails with token.ErrUnavailable while down is set.
type switchVerifier struct {
	v    TokenVerifier
	down atomic.Bool
}

func (s *switchVerifier) VerifyAccess(raw string) (*token.AccessClaims, error) {
	if s.down.Load() {
		return nil, fmt.Errorf("%w: store unreachable", token.ErrUnavailable)
	}
	return s.v.VerifyAccess(raw)
}

// TestUnavailableFailsClosedWithoutJailing: while the revocation list is
// stale or the store behind opaque tokens is down, tokens are refused with
// 503 (D2) — and those refusals never count toward the jail, so an outage
// does not ban every client once it is over.
func TestUnavailableFailsClosedWithoutJailing(t *testing.T) {
	for _, tc := range []struct {
		name string
		down func(sw *switchVerifier, stale *atomic.Bool, on bool)
	}{
		{"revocation-list-stale", func(_ *switchVerifier, stale *atomic.Bool, on bool) { stale.Store(on) }},
		{"opaque-store-down", func(sw *switchVerifier, _ *atomic.Bool, on bool) { sw.down.Store(on) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			d := f.deps()
			sw := &switchVerifier{v: d.Verifier}
			d.Verifier = sw
			var stale atomic.Bool
			d.RevocationReady = func() error {
				if stale.Load() {
					return errors.New("deny-list stale")
				}
				return nil
			}
			d.Revoked = func(string) bool { return false }
			d.Jail = f.newJail() // 3 failures ban
			_, srv := f.serve(t, Config{APIs: []API{
				{Name: "orders", PathPrefix: "/orders", Upstream: f.up.url(t, ""), Auth: AuthOAuth2},
			}}, d, false)
			call := func(tok string) int {
				req := newReq(t, srv, "GET", "/orders/1", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				res, body := do(t, srv.Client(), req)
				if res.StatusCode == http.StatusServiceUnavailable {
					checkProblem(t, res, body, http.StatusServiceUnavailable)
				}
				return res.StatusCode
			}
			tc.down(sw, &stale, true)
			for i := 0; i < 6; i++ { // fresh tokens: never a cache hit
				if got := call(f.token(t, f.claims("", "orders"))); got != http.StatusServiceUnavailable {
					t.Fatalf("request %d during the outage: %d, want 503", i+1, got)
				}
			}
			tc.down(sw, &stale, false)
			if got := call(f.token(t, f.claims("", "orders"))); got != http.StatusOK {
				t.Errorf("after the outage: %d, want 200 (the outage must not have jailed the address)", got)
			}
		})
	}
}

// TestUpstreamSeesClientAddress: behind trusted proxies, the upstream's
// X-Forwarded-For is the client address the gateway decided on (the
// right-most untrusted entry), not the proxy's, nor a spoofed left entry.
func TestUpstreamSeesClientAddress(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name    string
		trusted []string
		xff     string
		want    string
	}{
		{"trusted-proxy", []string{"127.0.0.1"}, "198.51.100.9, 203.0.113.7", "203.0.113.7"},
		{"no-trusted-proxy", nil, "203.0.113.7", "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, srv := f.serve(t, Config{TrustedProxies: tc.trusted, APIs: []API{
				{Name: "pub", PathPrefix: "/pub", Upstream: f.up.url(t, ""), Auth: AuthPublic},
			}}, f.deps(), false)
			req := newReq(t, srv, "GET", "/pub/x", nil)
			req.Header.Set("X-Forwarded-For", tc.xff)
			if res, _ := do(t, srv.Client(), req); res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			got, _ := f.up.received()
			if xff := got.Header.Get("X-Forwarded-For"); xff != tc.want {
				t.Errorf("upstream X-Forwarded-For = %q, want %q", xff, tc.want)
			}
		})
	}
}
