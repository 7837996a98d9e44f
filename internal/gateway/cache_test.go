package gateway

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rempart/rempart/internal/token"
)

// lenientVerifier accepts anything and returns fixed claims: it stands for
// a verifier that no longer looks at exp, to prove the gateway checks exp
// itself on every request.
type lenientVerifier struct {
	claims *token.AccessClaims
	calls  atomic.Int64
}

func (v *lenientVerifier) VerifyAccess(string) (*token.AccessClaims, error) {
	v.calls.Add(1)
	c := *v.claims
	return &c, nil
}

func get(t testing.TB, srvURL string, c *http.Client, path, tok string) int {
	t.Helper()
	req, err := http.NewRequest("GET", srvURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, _ := do(t, c, req)
	return res.StatusCode
}

func TestCacheSkipsReverification(t *testing.T) {
	f := newFixture(t)
	g, srv := f.serve(t, authConfig(t, f), f.deps(), false)
	tok := f.token(t, f.claims("orders:read", "orders"))
	for i := range 3 {
		if s := get(t, srv.URL, srv.Client(), "/orders/1", tok); s != 200 {
			t.Fatalf("request %d: status %d", i, s)
		}
	}
	if n := f.verifier.calls.Load(); n != 1 {
		t.Errorf("VerifyAccess called %d times for one token, want 1", n)
	}
	// Audience and scope are still decided per request on a cache hit.
	if s := get(t, srv.URL, srv.Client(), "/other/x", tok); s != 401 {
		t.Errorf("cached token for orders on API other: status %d, want 401", s)
	}
	if s := get(t, srv.URL, srv.Client(), "/orders/export/all", tok); s != 403 {
		t.Errorf("cached token without orders:admin: status %d, want 403", s)
	}
	if g.cache.len() != 1 {
		t.Errorf("cache holds %d entries, want 1", g.cache.len())
	}
}

func TestCacheFailuresNotCached(t *testing.T) {
	f := newFixture(t)
	g, srv := f.serve(t, authConfig(t, f), f.deps(), false)
	c := f.claims("orders:read", "orders")
	c.Issuer = "https://evil.example"
	bad := f.token(t, c)
	for range 2 {
		if s := get(t, srv.URL, srv.Client(), "/orders/1", bad); s != 401 {
			t.Fatalf("status %d, want 401", s)
		}
	}
	if n := f.verifier.calls.Load(); n != 2 {
		t.Errorf("VerifyAccess called %d times, want 2 (failures are not cached)", n)
	}
	if g.cache.len() != 0 {
		t.Errorf("cache holds %d entries after failures, want 0", g.cache.len())
	}
}

func TestCacheNeverPastExp(t *testing.T) {
	t.Run("fail/real-verifier", func(t *testing.T) {
		f := newFixture(t)
		_, srv := f.serve(t, authConfig(t, f), f.deps(), false)
		c := f.claims("orders:read", "orders")
		c.Expiry = jwt.NewNumericDate(t0.Add(time.Minute))
		tok := f.token(t, c)
		if s := get(t, srv.URL, srv.Client(), "/orders/1", tok); s != 200 {
			t.Fatalf("fresh token: status %d", s)
		}
		f.clock.Add(time.Minute)
		if s := get(t, srv.URL, srv.Client(), "/orders/1", tok); s != 401 {
			t.Errorf("cached token at exp: status %d, want 401", s)
		}
	})
	t.Run("fail/gateway-checks-exp-itself", func(t *testing.T) {
		f := newFixture(t)
		c := f.claims("orders:read", "orders")
		c.Expiry = jwt.NewNumericDate(t0.Add(time.Minute))
		lv := &lenientVerifier{claims: c}
		d := f.deps()
		d.Verifier = lv
		g, srv := f.serve(t, authConfig(t, f), d, false)
		if s := get(t, srv.URL, srv.Client(), "/orders/1", "tok"); s != 200 {
			t.Fatalf("fresh token: status %d", s)
		}
		if s := get(t, srv.URL, srv.Client(), "/orders/1", "tok"); s != 200 || lv.calls.Load() != 1 {
			t.Fatalf("cached token: status %d, verifier calls %d", s, lv.calls.Load())
		}
		f.clock.Add(61 * time.Second)
		before := authFailures(t, f.metrics, "expired")
		if s := get(t, srv.URL, srv.Client(), "/orders/1", "tok"); s != 401 {
			t.Errorf("token past exp with a verifier that says yes: status %d, want 401", s)
		}
		if authFailures(t, f.metrics, "expired") != before+1 {
			t.Errorf("expiry refusal not counted")
		}
		if g.cache.len() != 0 {
			t.Errorf("expired entry kept or re-cached")
		}
	})
}

func TestCacheRevokedOnHit(t *testing.T) {
	f := newFixture(t)
	var revoked sync.Map
	d := f.deps()
	d.Revoked = func(jti string) bool { _, ok := revoked.Load(jti); return ok }
	_, srv := f.serve(t, authConfig(t, f), d, false)
	c := f.claims("orders:read", "orders")
	tok := f.token(t, c)
	if s := get(t, srv.URL, srv.Client(), "/orders/1", tok); s != 200 {
		t.Fatalf("status %d", s)
	}
	revoked.Store(c.ID, true)
	before := authFailures(t, f.metrics, "revoked")
	if s := get(t, srv.URL, srv.Client(), "/orders/1", tok); s != 401 {
		t.Errorf("revoked token on a cache hit: status %d, want 401", s)
	}
	if n := f.verifier.calls.Load(); n != 1 {
		t.Errorf("VerifyAccess called %d times, want 1 (the refusal came from the hit)", n)
	}
	if authFailures(t, f.metrics, "revoked") != before+1 {
		t.Errorf("revocation refusal not counted")
	}
	if _, hits := f.up.received(); hits != 1 {
		t.Errorf("upstream hits = %d, want 1", hits)
	}
}

func TestCacheBounded(t *testing.T) {
	for _, size := range []int{1, 5, 16, 100, 1000} {
		t.Run(fmt.Sprintf("ok/size-%d", size), func(t *testing.T) {
			c := newVerifyCache(size)
			exp := t0.Add(time.Hour)
			for i := range 10 * size {
				c.put(fmt.Sprintf("token-%d", i), &cacheEntry{exp: exp}, t0)
			}
			if n := c.len(); n > size || n < size/2 {
				t.Errorf("cache of size %d holds %d entries after %d puts", size, n, 10*size)
			}
		})
	}
	t.Run("ok/through-gateway", func(t *testing.T) {
		f := newFixture(t)
		cfg := authConfig(t, f)
		cfg.CacheSize = 4
		g, srv := f.serve(t, cfg, f.deps(), false)
		for range 20 {
			if s := get(t, srv.URL, srv.Client(), "/orders/1", f.token(t, f.claims("orders:read", "orders"))); s != 200 {
				t.Fatalf("status %d", s)
			}
		}
		if n := g.cache.len(); n > 4 {
			t.Errorf("cache holds %d entries, bound 4", n)
		}
	})
}

func TestCacheEvictsExpiredFirst(t *testing.T) {
	s := &cacheShard{m: map[string]*cacheEntry{}}
	for i := range 8 {
		exp := t0.Add(time.Hour)
		if i == 5 {
			exp = t0.Add(-time.Second)
		}
		s.m[fmt.Sprint(i)] = &cacheEntry{exp: exp}
	}
	s.evictLocked(t0)
	if _, ok := s.m["5"]; ok || len(s.m) != 7 {
		t.Errorf("evicted the wrong entry: %d left, expired one present: %v", len(s.m), ok)
	}
}

func TestCacheConcurrent(t *testing.T) {
	c := newVerifyCache(64)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				k := fmt.Sprintf("t-%d", (i*7+w)%200)
				if c.get(k, t0) == nil {
					c.put(k, &cacheEntry{exp: t0.Add(time.Duration(i%3) * time.Second)}, t0)
				}
			}
		}()
	}
	wg.Wait()
	if n := c.len(); n > 64 {
		t.Errorf("cache holds %d entries, bound 64", n)
	}
}
